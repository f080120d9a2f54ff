/**
 * Fresh weights for training a Huginn-architecture model from scratch, following the upstream
 * "takase" initialisation recorded in config.json: normal(0, init_values.std) for linear maps,
 * init_values.out_proj for the projections that write into the residual stream (attention and
 * MLP output), init_values.embedding for the embedding, ones for norms, zeros for qk_bias.
 * Weights are trainable variables in the inference layout ([in, out] for linear maps).
 */
import * as tf from '@tensorflow/tfjs';
import type { HuginnConfig } from '../model/config.js';
import type { BlockWeights, HuginnWeights } from '../model/weights.js';
import { Rng, deriveSeed, type Seed } from '../tensor/random.js';

function stdOf(config: HuginnConfig, key: 'std' | 'out_proj' | 'embedding'): number {
  const v = (config.raw['init_values'] as Record<string, unknown> | undefined)?.[key];
  if (typeof v === 'number' && v > 0) return v;
  const h = config.nEmbd;
  return key === 'out_proj' ? Math.sqrt(2 / (5 * h)) / Math.sqrt(2 * (config.nPrelude + config.nCoda + config.nCore * config.meanRecurrence)) : Math.sqrt(2 / (5 * h));
}

/** Creates trainable weights; every tensor is drawn from its own named stream of `seed`. */
export function initialiseWeights(config: HuginnConfig, seed: Seed): HuginnWeights {
  const h = config.nEmbd;
  const inter = config.intermediateSize;
  // Inside tidy, the initial value is freed once the variable holds it (a variable shares its data).
  const normal = (name: string, shape: [number, number], std: number): tf.Variable<tf.Rank.R2> =>
    tf.tidy(() => tf.variable(tf.tensor2d(new Rng(deriveSeed(seed, 'init', name)).truncatedNormalArray(shape[0] * shape[1], std), shape), true));
  // Variables get engine-generated names (unique per process); checkpoint names come from namedWeights().
  const ones = (n: number): tf.Variable<tf.Rank.R1> => tf.tidy(() => tf.variable(tf.ones([n]) as tf.Tensor1D, true));
  const std = stdOf(config, 'std');
  const outStd = stdOf(config, 'out_proj');
  const block = (prefix: string): BlockWeights => ({
    norm1: ones(h),
    norm2: ones(h),
    norm3: ones(h),
    norm4: ones(h),
    attn: {
      wqkvT: normal(`${prefix}attn.Wqkv.weight`, [h, 3 * h], std),
      qkBias: config.qkBias ? tf.tidy(() => tf.variable(tf.zeros([2 * h]) as tf.Tensor1D, true)) : undefined,
      projT: normal(`${prefix}attn.proj.weight`, [h, h], outStd),
    },
    mlp: {
      fcT: normal(`${prefix}mlp.fc.weight`, [h, 2 * inter], std),
      projT: normal(`${prefix}mlp.proj.weight`, [inter, h], outStd),
    },
  });
  const blocks = (group: string, n: number): BlockWeights[] => Array.from({ length: n }, (_, i) => block(`transformer.${group}.${i}.`));
  return {
    wteT: normal('transformer.wte.weight', [h, config.paddedVocabSize], stdOf(config, 'embedding')),
    lmHeadT: config.tieEmbeddings ? undefined : normal('lm_head.weight', [h, config.paddedVocabSize], std),
    adapterT: normal('transformer.adapter.weight', [2 * h, h], std),
    lnF: ones(h),
    prelude: blocks('prelude', config.nPrelude),
    core: blocks('core_block', config.nCore),
    coda: blocks('coda', config.nCoda),
  };
}
