/**
 * Writing a model as a Huginn checkpoint folder: config.json + model.safetensors (float32, the
 * released tensor names and [out, in] layout) and optionally the tokenizer. Each file is written
 * atomically; the weights go tensor by tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HuginnConfig } from './config.js';
import type { BlockWeights, HuginnWeights } from './weights.js';
import { writeSafetensorsStreaming } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/atomic.js';

interface NamedWeight {
  readonly name: string;
  readonly tensor: tf.Tensor;
  /** Stored transposed in memory ([in, out]); written back as [out, in]. */
  readonly transposed: boolean;
  /** Shape in the file. */
  readonly fileShape: readonly number[];
}

/** Every weight with its checkpoint name, in the released layout. */
export function namedWeights(w: HuginnWeights, c: HuginnConfig): NamedWeight[] {
  const out: NamedWeight[] = [];
  const linear = (name: string, t: tf.Tensor2D): void => {
    out.push({ name, tensor: t, transposed: true, fileShape: [t.shape[1], t.shape[0]] });
  };
  const vector = (name: string, t: tf.Tensor1D, fileShape: readonly number[] = t.shape): void => {
    out.push({ name, tensor: t, transposed: false, fileShape });
  };
  linear('transformer.wte.weight', w.wteT);
  if (w.lmHeadT) linear('lm_head.weight', w.lmHeadT);
  linear('transformer.adapter.weight', w.adapterT);
  vector('transformer.ln_f.weight', w.lnF);
  const blocks = (group: string, list: readonly BlockWeights[]): void => {
    list.forEach((b, i) => {
      const p = `transformer.${group}.${i}.`;
      vector(`${p}norm_1.weight`, b.norm1);
      vector(`${p}norm_2.weight`, b.norm2);
      vector(`${p}norm_3.weight`, b.norm3);
      vector(`${p}norm_4.weight`, b.norm4);
      linear(`${p}attn.Wqkv.weight`, b.attn.wqkvT);
      if (b.attn.qkBias) vector(`${p}attn.qk_bias`, b.attn.qkBias, [2, 1, c.nHeads, c.headSize]);
      linear(`${p}attn.proj.weight`, b.attn.projT);
      linear(`${p}mlp.fc.weight`, b.mlp.fcT);
      linear(`${p}mlp.proj.weight`, b.mlp.projT);
    });
  };
  blocks('prelude', w.prelude);
  blocks('core_block', w.core);
  blocks('coda', w.coda);
  return out;
}

/** Reads one weight in its file layout. */
function fileData(n: NamedWeight): Float32Array {
  if (!n.transposed) return n.tensor.dataSync() as Float32Array;
  const t = tf.transpose(n.tensor);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

export interface SaveCheckpointOptions {
  /** Extra text files to write beside the weights (e.g. the tokenizer), name -> content. */
  readonly extraFiles?: Readonly<Record<string, string>>;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Writes config.json (the config's raw keys) and model.safetensors into `dir`. */
export async function saveCheckpoint(dir: string, config: HuginnConfig, weights: HuginnWeights, options: SaveCheckpointOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const named = namedWeights(weights, config);
  const byName = new Map(named.map((n) => [n.name, n]));
  await writeSafetensorsStreaming(
    join(dir, 'model.safetensors'),
    named.map((n) => ({ name: n.name, dtype: 'F32' as const, shape: n.fileShape })),
    (name) => fileData(byName.get(name)!),
    { format: 'pt', ...options.metadata },
  );
  for (const [name, content] of Object.entries(options.extraFiles ?? {})) await writeFileAtomic(join(dir, name), content);
  // config.json last: a folder with a config is a complete checkpoint.
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config.raw, null, 2)}\n`);
}
