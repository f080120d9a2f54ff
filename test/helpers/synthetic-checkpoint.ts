/**
 * Synthetic Huginn checkpoints of any shape: config.json plus random weights under the real
 * tensor names, single-file or sharded with an index, in the layout of the parity fixtures.
 * Used by tests, the memory-check script and benchmarks; the weights are written with the
 * streaming writer, so even a full-size checkpoint needs only one tensor in memory at a time.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { writeSafetensorsStreaming } from '../../src/io/safetensors.js';
import { Rng, deriveSeed } from '../../src/tensor/random.js';
import { huginnConfigJson as huginnConfigFor, type HuginnShape } from '../../src/model/config.js';

/** The sizes of a synthetic checkpoint (the library's HuginnShape). */
export type SyntheticHuginnShape = HuginnShape;

export interface SyntheticTensor {
  name: string;
  shape: number[];
}

function checkShape(shape: SyntheticHuginnShape): void {
  for (const key of ['nEmbd', 'nHeads', 'nPrelude', 'nCore', 'nCoda', 'intermediate', 'vocab', 'blockSize', 'meanRecurrence'] as const) {
    const v = shape[key];
    if (v === undefined && (key === 'blockSize' || key === 'meanRecurrence')) continue;
    const allowZero = key === 'nPrelude' || key === 'nCoda';
    if (!Number.isSafeInteger(v) || (v as number) < (allowZero ? 0 : 1)) {
      throw new Error(`synthetic Huginn shape: ${key} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(v)}`);
    }
  }
  if (shape.nEmbd % shape.nHeads !== 0) {
    throw new Error(`synthetic Huginn shape: nEmbd ${shape.nEmbd} is not divisible by nHeads ${shape.nHeads}`);
  }
}

/** A Huginn config.json for the shape (see `huginnConfigJson` in src/model/config.ts). */
export function huginnConfigJson(shape: SyntheticHuginnShape): Record<string, unknown> {
  checkShape(shape);
  return huginnConfigFor(shape);
}

/** The stored tensors (no lm_head, which is tied to wte, and no freqs_cis), in model order. */
export function huginnTensorList(shape: SyntheticHuginnShape): SyntheticTensor[] {
  checkShape(shape);
  const h = shape.nEmbd;
  const heads = shape.nHeads;
  const block = (prefix: string): SyntheticTensor[] => [
    { name: `${prefix}.norm_1.weight`, shape: [h] },
    { name: `${prefix}.attn.Wqkv.weight`, shape: [3 * h, h] },
    { name: `${prefix}.attn.qk_bias`, shape: [2, 1, heads, h / heads] },
    { name: `${prefix}.attn.proj.weight`, shape: [h, h] },
    { name: `${prefix}.norm_2.weight`, shape: [h] },
    { name: `${prefix}.norm_3.weight`, shape: [h] },
    { name: `${prefix}.mlp.fc.weight`, shape: [2 * shape.intermediate, h] },
    { name: `${prefix}.mlp.proj.weight`, shape: [h, shape.intermediate] },
    { name: `${prefix}.norm_4.weight`, shape: [h] },
  ];
  const blocks = (group: string, n: number): SyntheticTensor[] =>
    Array.from({ length: n }, (_, i) => block(`transformer.${group}.${i}`)).flat();
  return [
    { name: 'transformer.wte.weight', shape: [shape.vocab, h] },
    ...blocks('prelude', shape.nPrelude),
    { name: 'transformer.adapter.weight', shape: [h, 2 * h] },
    ...blocks('core_block', shape.nCore),
    ...blocks('coda', shape.nCoda),
    { name: 'transformer.ln_f.weight', shape: [h] },
  ];
}

/**
 * Random values for one tensor, seeded by (seed, name) so that they do not depend on the dtype,
 * the sharding or the order of writing: norm weights ~ 1 +- 0.1, everything else (matrices,
 * qk_bias) a truncated normal with std 0.02.
 */
export function syntheticTensorValues(name: string, count: number, seed: number): Float32Array {
  const rng = new Rng(deriveSeed(seed, 'synthetic-huginn', name));
  if (/\.(norm_\d|ln_f)\.weight$/.test(name)) {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = 1 + rng.truncatedNormal(0.1);
    return out;
  }
  return rng.truncatedNormalArray(count, 0.02);
}

export interface SyntheticCheckpointOptions {
  seed: number;
  dtype?: 'F32' | 'BF16';
  /** Number of shard files; with more than one, an index is written too. Default 1. */
  shards?: number;
}

/** File name of shard k (1-based) of n, as on the hub. */
export function shardFileName(k: number, n: number): string {
  return `model-${String(k).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
}

/**
 * Assigns tensors (in file order) to `n` contiguous, non-empty shards of roughly equal bytes.
 * Returns the shard index of each tensor.
 */
function assignShards(sizes: readonly number[], n: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let shard = 0;
  let inShard = 0;
  let before = 0; // bytes in shards before and including the current one
  for (let i = 0; i < sizes.length; i++) {
    const left = sizes.length - i; // tensors not yet placed, this one included
    const mustAdvance = left === n - 1 - shard; // the remaining shards need one tensor each
    if (inShard > 0 && shard < n - 1 && (mustAdvance || before >= (total * (shard + 1)) / n)) {
      shard++;
      inShard = 0;
    }
    out.push(shard);
    inShard++;
    before += sizes[i]!;
  }
  return out;
}

/**
 * Writes config.json and random weights for `shape` into `dir` (created if needed): either
 * `model.safetensors`, or `shards` files `model-0000K-of-0000N.safetensors` plus
 * `model.safetensors.index.json`. Returns the number of tensor data bytes written.
 */
export async function writeSyntheticHuginnCheckpoint(
  dir: string,
  shape: SyntheticHuginnShape,
  opts: SyntheticCheckpointOptions,
): Promise<{ tensorBytes: number }> {
  const dtype = opts.dtype ?? 'F32';
  const shardCount = opts.shards ?? 1;
  const tensors = huginnTensorList(shape).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (!Number.isSafeInteger(shardCount) || shardCount < 1 || shardCount > tensors.length) {
    throw new Error(`synthetic checkpoint: shards must be an integer from 1 to ${tensors.length}, got ${shardCount}`);
  }
  await mkdir(dir, { recursive: true });

  const config = { ...huginnConfigJson(shape), torch_dtype: dtype === 'BF16' ? 'bfloat16' : 'float32' };
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  const elementBytes = dtype === 'BF16' ? 2 : 4;
  const sizes = tensors.map((t) => t.shape.reduce((a, b) => a * b, 1) * elementBytes);
  const tensorBytes = sizes.reduce((a, b) => a + b, 0);
  const shardOf = assignShards(sizes, shardCount);
  const fill = (name: string): Float32Array => {
    const t = tensors.find((x) => x.name === name)!;
    return syntheticTensorValues(name, t.shape.reduce((a, b) => a * b, 1), opts.seed);
  };
  const metadata = { format: 'pt' };

  if (shardCount === 1) {
    await writeSafetensorsStreaming(join(dir, 'model.safetensors'), tensors.map((t) => ({ ...t, dtype })), fill, metadata);
    return { tensorBytes };
  }
  const weightMap: Record<string, string> = {};
  for (let k = 0; k < shardCount; k++) {
    const file = shardFileName(k + 1, shardCount);
    const inShard = tensors.filter((_, i) => shardOf[i] === k);
    for (const t of inShard) weightMap[t.name] = file;
    await writeSafetensorsStreaming(join(dir, file), inShard.map((t) => ({ ...t, dtype })), fill, metadata);
  }
  const index = { metadata: { total_size: tensorBytes }, weight_map: weightMap };
  await writeFileAtomic(join(dir, 'model.safetensors.index.json'), `${JSON.stringify(index, null, 2)}\n`);
  return { tensorBytes };
}
