/**
 * Huginn weights as tensors, laid out for inference: every linear map is stored transposed
 * ([in, out]) once at load time, because on the wasm backend a matMul with a transposed
 * operand is several times slower than a plain one.
 */
import * as tf from '@tensorflow/tfjs';
import type { HuginnConfig } from './config.js';
import type { TensorSource } from '../io/checkpoint.js';
import { headAttentionTensors, headAttentionWeights, type HeadAttentionWeights } from './layers/head-attention.js';

export interface AttentionWeights {
  /** Fused projection, [h, 3h]: columns [Q | K | V]. */
  readonly wqkvT: tf.Tensor2D;
  /** The learned q and k biases flattened to [2h] (head-major), or undefined without qk_bias. */
  readonly qkBias: tf.Tensor1D | undefined;
  /** Output projection, [h, h]. */
  readonly projT: tf.Tensor2D;
  /** Optional split copy of the projection (see `SplitAttentionWeights`); used instead of wqkvT when present. */
  readonly split?: SplitAttentionWeights;
}

/**
 * Q, K and V projections as separate matrices, derived from `wqkvT` (`splitAttention`): three
 * matMuls cost the same as one, but the fused output would have to be sliced, and on the wasm
 * backend a slice is a JavaScript copy of the whole input.
 */
export interface SplitAttentionWeights {
  /** [h, h] each. */
  readonly wqT: tf.Tensor2D;
  readonly wkT: tf.Tensor2D;
  readonly wvT: tf.Tensor2D;
  /** [h] each, or undefined without qk_bias. */
  readonly qBias: tf.Tensor1D | undefined;
  readonly kBias: tf.Tensor1D | undefined;
}

export interface MlpWeights {
  /** [h, 2 * intermediate]: the first half of the outputs is the gate, the second the up-projection. */
  readonly fcT: tf.Tensor2D;
  /** [intermediate, h]. */
  readonly projT: tf.Tensor2D;
  /** Optional split copy of fcT (gate and up halves, [h, intermediate] each); used instead of fcT when present. */
  readonly split?: { readonly gateT: tf.Tensor2D; readonly upT: tf.Tensor2D };
}

export interface BlockWeights {
  readonly norm1: tf.Tensor1D;
  readonly norm2: tf.Tensor1D;
  readonly norm3: tf.Tensor1D;
  readonly norm4: tf.Tensor1D;
  readonly attn: AttentionWeights;
  readonly mlp: MlpWeights;
  /** Optional head-major copy for the native backend (see `HeadLayoutWeights`); used when the call provides its tables. */
  readonly heads?: HeadLayoutWeights;
}

/**
 * A block's weights in the head-major layout (layers/head-attention.ts), for the native backend
 * without a gradient tape: attention per head with the rotary pair swap and norm1's weight folded
 * in, and an MLP whose gate and up halves carry norm3's weight in their rows. The norms before
 * them then skip their multiply.
 */
export interface HeadLayoutWeights {
  readonly attn: HeadAttentionWeights;
  readonly mlp: MlpWeights;
}

export interface HuginnWeights {
  /** Token embedding stored transposed, [h, vocab]: it doubles as the tied output head. */
  readonly wteT: tf.Tensor2D;
  /** Separate output head [h, vocab] when embeddings are not tied. */
  readonly lmHeadT: tf.Tensor2D | undefined;
  /** [2h, h]; input is concat(state, e). */
  readonly adapterT: tf.Tensor2D;
  readonly lnF: tf.Tensor1D;
  readonly prelude: readonly BlockWeights[];
  readonly core: readonly BlockWeights[];
  readonly coda: readonly BlockWeights[];
}

/** Checkpoint tensor name -> expected shape, for a configuration. */
export function expectedTensorShapes(c: HuginnConfig): Map<string, number[]> {
  const h = c.nEmbd;
  const shapes = new Map<string, number[]>();
  shapes.set('transformer.wte.weight', [c.paddedVocabSize, h]);
  shapes.set('transformer.adapter.weight', [h, 2 * h]);
  shapes.set('transformer.ln_f.weight', [h]);
  if (!c.tieEmbeddings) shapes.set('lm_head.weight', [c.paddedVocabSize, h]);
  const groups: [string, number][] = [
    ['prelude', c.nPrelude],
    ['core_block', c.nCore],
    ['coda', c.nCoda],
  ];
  for (const [group, n] of groups) {
    for (let i = 0; i < n; i++) {
      const p = `transformer.${group}.${i}.`;
      for (let k = 1; k <= 4; k++) shapes.set(`${p}norm_${k}.weight`, [h]);
      shapes.set(`${p}attn.Wqkv.weight`, [3 * h, h]);
      if (c.qkBias) shapes.set(`${p}attn.qk_bias`, [2, 1, c.nHeads, c.headSize]);
      shapes.set(`${p}attn.proj.weight`, [h, h]);
      shapes.set(`${p}mlp.fc.weight`, [2 * c.intermediateSize, h]);
      shapes.set(`${p}mlp.proj.weight`, [h, c.intermediateSize]);
    }
  }
  return shapes;
}

/** Tensors that may be present in a checkpoint but are not needed (recomputed or tied). */
function isIgnorable(name: string, c: HuginnConfig): boolean {
  return name.endsWith('freqs_cis') || (c.tieEmbeddings && name === 'lm_head.weight');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Reads every weight of the configuration from `source`, one tensor at a time (a checkpoint
 * shard is never held in memory whole), checking names and shapes first so that a wrong file
 * fails before anything is allocated.
 */
export async function loadHuginnWeights(source: TensorSource, c: HuginnConfig): Promise<HuginnWeights> {
  const expected = expectedTensorShapes(c);
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    if (!source.has(name)) {
      problems.push(`missing tensor "${name}" (expected shape [${shape.join(', ')}])`);
      continue;
    }
    const got = source.entry(name).shape;
    if (!sameShape(got, shape)) problems.push(`tensor "${name}" has shape [${got.join(', ')}], expected [${shape.join(', ')}]`);
  }
  const unexpected = source.names().filter((n: string) => !expected.has(n) && !isIgnorable(n, c));
  if (unexpected.length > 0) {
    problems.push(`unexpected tensors (not part of this configuration): ${unexpected.slice(0, 8).join(', ')}${unexpected.length > 8 ? ', ...' : ''}`);
  }
  if (problems.length > 0) {
    throw new Error(`${source.description}: checkpoint does not match its config: ${problems.slice(0, 6).join('; ')}${problems.length > 6 ? `; and ${problems.length - 6} more` : ''}`);
  }

  const created: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    created.push(t);
    return t;
  };
  const vector = async (name: string): Promise<tf.Tensor1D> => keep(tf.tensor1d(await source.readFloat32(name)));
  const transposed = async (name: string): Promise<tf.Tensor2D> => {
    const [rows, cols] = expected.get(name)! as [number, number];
    const data = await source.readFloat32(name);
    return keep(tf.tidy(() => tf.transpose(tf.tensor2d(data, [rows, cols])) as tf.Tensor2D));
  };
  const block = async (p: string): Promise<BlockWeights> => ({
    norm1: await vector(`${p}norm_1.weight`),
    norm2: await vector(`${p}norm_2.weight`),
    norm3: await vector(`${p}norm_3.weight`),
    norm4: await vector(`${p}norm_4.weight`),
    attn: {
      wqkvT: await transposed(`${p}attn.Wqkv.weight`),
      // (2, 1, heads, head) flattens to [q-bias (h) | k-bias (h)], each head-major like the projections.
      qkBias: c.qkBias ? await vector(`${p}attn.qk_bias`) : undefined,
      projT: await transposed(`${p}attn.proj.weight`),
    },
    mlp: {
      fcT: await transposed(`${p}mlp.fc.weight`),
      projT: await transposed(`${p}mlp.proj.weight`),
    },
  });
  const blocks = async (group: string, n: number): Promise<BlockWeights[]> => {
    const out: BlockWeights[] = [];
    for (let i = 0; i < n; i++) out.push(await block(`transformer.${group}.${i}.`));
    return out;
  };
  try {
    return {
      wteT: await transposed('transformer.wte.weight'),
      lmHeadT: c.tieEmbeddings ? undefined : await transposed('lm_head.weight'),
      adapterT: await transposed('transformer.adapter.weight'),
      lnF: await vector('transformer.ln_f.weight'),
      prelude: await blocks('prelude', c.nPrelude),
      core: await blocks('core_block', c.nCore),
      coda: await blocks('coda', c.nCoda),
    };
  } catch (e) {
    for (const t of created) t.dispose();
    throw e;
  }
}

/** Every tensor held by a weights object (for disposal and byte counts). */
export function weightTensors(w: HuginnWeights): tf.Tensor[] {
  const out: tf.Tensor[] = [w.wteT, w.adapterT, w.lnF];
  if (w.lmHeadT) out.push(w.lmHeadT);
  for (const b of [...w.prelude, ...w.core, ...w.coda]) {
    out.push(b.norm1, b.norm2, b.norm3, b.norm4, b.attn.wqkvT, b.attn.projT, b.mlp.fcT, b.mlp.projT);
    if (b.attn.qkBias) out.push(b.attn.qkBias);
  }
  return out;
}

/** Columns [begin, begin + size) of a matrix, as a new tensor. */
function columns(x: tf.Tensor2D, begin: number, size: number): tf.Tensor2D {
  return tf.slice(x, [0, begin], [x.shape[0], size]);
}

/** Separate Q/K/V matrices (and q/k biases) copied out of a fused attention projection. */
export function splitAttention(w: AttentionWeights): SplitAttentionWeights {
  const h = w.projT.shape[0];
  return {
    wqT: columns(w.wqkvT, 0, h),
    wkT: columns(w.wqkvT, h, h),
    wvT: columns(w.wqkvT, 2 * h, h),
    qBias: w.qkBias ? tf.slice(w.qkBias, [0], [h]) : undefined,
    kBias: w.qkBias ? tf.slice(w.qkBias, [h], [h]) : undefined,
  };
}

/** Gate and up halves of a gated MLP's fc, copied out. */
export function splitMlp(w: MlpWeights): { gateT: tf.Tensor2D; upT: tf.Tensor2D } {
  const inter = w.projT.shape[0];
  return { gateT: columns(w.fcT, 0, inter), upT: columns(w.fcT, inter, inter) };
}

/** The head-major copy of a block (`HeadLayoutWeights`); the output projections stay shared. */
export function headLayoutWeights(w: BlockWeights, nHeads: number): HeadLayoutWeights {
  const attn = headAttentionWeights(w.attn.wqkvT, w.attn.qkBias, w.attn.projT, w.norm1, nHeads);
  const inter = w.mlp.projT.shape[0];
  const [gateT, upT] = tf.tidy(() => {
    const fc = tf.mul(w.mlp.fcT, tf.reshape(w.norm3, [-1, 1])) as tf.Tensor2D;
    return [columns(fc, 0, inter), columns(fc, inter, inter)];
  });
  return { attn, mlp: { fcT: w.mlp.fcT, projT: w.mlp.projT, split: { gateT, upT } } };
}

/** The tensors created for a head-major copy (for disposal and byte counts). */
export function headLayoutTensors(w: HeadLayoutWeights): tf.Tensor[] {
  return [...headAttentionTensors(w.attn), w.mlp.split!.gateT, w.mlp.split!.upT];
}

/** The tensors of a split layout (for disposal and byte counts). */
export function splitTensors(w: BlockWeights): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const a = w.attn.split;
  if (a) {
    out.push(a.wqT, a.wkT, a.wvT);
    if (a.qBias) out.push(a.qBias);
    if (a.kBias) out.push(a.kBias);
  }
  if (w.mlp.split) out.push(w.mlp.split.gateT, w.mlp.split.upT);
  return out;
}
