/**
 * The paper's Latent Reward Model: each step's state is standardised and projected to dModel,
 * the sinusoidal encoding of its step index is added, a Transformer encoder (post-norm layers as
 * PyTorch's nn.TransformerEncoderLayer: self-attention, add & LayerNorm, ReLU feed-forward, add &
 * LayerNorm) mixes the steps, the outputs are averaged over steps and an MLP gives one logit.
 * Attention is unmasked over the steps given, so the same model scores any prefix length.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, type Seed } from '../tensor/random.js';
import { weightMatMul } from '../model/layers/weight-matmul.js';
import { batchedMatMul } from './batched-matmul.js';
import { LatentRewardModel } from './reward-model.js';
import { sinusoidalEncoding } from './positional-encoding.js';
import { checkRewardModelConfig, transformerRewardConfig, type TransformerRewardConfig } from './reward-model-config.js';
import { seededWeights, type WeightSource } from './weight-init.js';

interface Linear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
}

interface Norm {
  readonly gain: tf.Variable;
  readonly bias: tf.Variable;
}

interface EncoderLayer {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;
  readonly norm1: Norm;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly norm2: Norm;
}

const LAYER_NORM_EPSILON = 1e-5;

export class TransformerRewardModel extends LatentRewardModel {
  declare readonly config: TransformerRewardConfig;
  private readonly inputProjection: Linear;
  private readonly layers: EncoderLayer[] = [];
  private readonly headHidden: Linear;
  private readonly headOut: Linear;

  /** Builds the model with weights from `source` (seeded or loaded); see `create`. */
  constructor(config: TransformerRewardConfig, source: WeightSource) {
    super(checkRewardModelConfig(config, 'TransformerRewardModel config') as TransformerRewardConfig);
    const c = this.config;
    const linear = (name: string, inputs: number, outputs: number): Linear => ({
      weight: this.addWeight(source, `${name}.weight`, [inputs, outputs], 'glorot'),
      bias: this.addWeight(source, `${name}.bias`, [outputs], 'zeros'),
    });
    const norm = (name: string): Norm => ({
      gain: this.addWeight(source, `${name}.weight`, [c.dModel], 'ones'),
      bias: this.addWeight(source, `${name}.bias`, [c.dModel], 'zeros'),
    });
    // A source that fails part-way (a checkpoint missing a tensor) must not leak the weights made so far.
    try {
      this.addStandardisation(source);
      this.inputProjection = linear('input.proj', c.width, c.dModel);
      for (let l = 0; l < c.layers; l++) {
        const p = `encoder.${l}`;
        this.layers.push({
          q: linear(`${p}.attn.q`, c.dModel, c.dModel),
          k: linear(`${p}.attn.k`, c.dModel, c.dModel),
          v: linear(`${p}.attn.v`, c.dModel, c.dModel),
          out: linear(`${p}.attn.out`, c.dModel, c.dModel),
          norm1: norm(`${p}.norm1`),
          fc1: linear(`${p}.ffn.fc1`, c.dModel, c.ffn),
          fc2: linear(`${p}.ffn.fc2`, c.ffn, c.dModel),
          norm2: norm(`${p}.norm2`),
        });
      }
      this.headHidden = linear('head.fc1', c.dModel, c.mlpHidden);
      this.headOut = linear('head.fc2', c.mlpHidden, 1);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** A freshly initialised model for states of `width` (config overrides optional), seeded. */
  static create(width: number, seed: Seed, overrides: Partial<Omit<TransformerRewardConfig, 'kind' | 'width'>> = {}): TransformerRewardModel {
    return new TransformerRewardModel(transformerRewardConfig(width, overrides), seededWeights(seed));
  }

  get featureSize(): number {
    return this.config.width;
  }

  /** Per-step standardisation: the features are the states themselves. */
  protected features(x: tf.Tensor3D): tf.Tensor {
    return x;
  }

  protected head(z: tf.Tensor, batch: number, dropoutSeed: number | undefined): tf.Tensor1D {
    const c = this.config;
    const steps = z.shape[1]!;
    const rows = batch * steps;
    const dropout = (x: tf.Tensor, ...path: (string | number)[]): tf.Tensor =>
      dropoutSeed === undefined || c.dropout === 0 ? x : tf.dropout(x, c.dropout, undefined, deriveSeed(dropoutSeed, ...path));
    let h = apply(this.inputProjection, tf.reshape(z, [rows, c.width]) as tf.Tensor2D);
    const encoding = tf.tensor2d(sinusoidalEncoding(steps, c.dModel), [steps, c.dModel]);
    h = tf.reshape(tf.add(tf.reshape(h, [batch, steps, c.dModel]), encoding), [rows, c.dModel]) as tf.Tensor2D;
    h = dropout(h, 'input') as tf.Tensor2D;
    this.layers.forEach((layer, l) => {
      const attended = this.selfAttention(layer, h, batch, steps);
      h = layerNorm(layer.norm1, tf.add(h, dropout(attended, l, 'attention')) as tf.Tensor2D);
      const hidden = dropout(tf.relu(apply(layer.fc1, h)), l, 'ffn.hidden') as tf.Tensor2D;
      h = layerNorm(layer.norm2, tf.add(h, dropout(apply(layer.fc2, hidden), l, 'ffn')) as tf.Tensor2D);
    });
    const pooled = tf.mean(tf.reshape(h, [batch, steps, c.dModel]), 1) as tf.Tensor2D;
    const hidden = tf.relu(apply(this.headHidden, pooled));
    return tf.reshape(apply(this.headOut, hidden), [batch]) as tf.Tensor1D;
  }

  /** Multi-head self-attention over the steps of each run; rows [B*S, d] in and out. */
  private selfAttention(layer: EncoderLayer, h: tf.Tensor2D, batch: number, steps: number): tf.Tensor2D {
    const { dModel, heads } = this.config;
    const headSize = dModel / heads;
    // [B*S, d] -> [B*heads, S, hs]
    const split = (x: tf.Tensor2D): tf.Tensor3D => tf.reshape(tf.transpose(tf.reshape(x, [batch, steps, heads, headSize]), [0, 2, 1, 3]), [batch * heads, steps, headSize]);
    const q = split(tf.mul(apply(layer.q, h), 1 / Math.sqrt(headSize)) as tf.Tensor2D);
    const kT = tf.transpose(split(apply(layer.k, h)), [0, 2, 1]) as tf.Tensor3D;
    const v = split(apply(layer.v, h));
    const probabilities = tf.softmax(batchedMatMul(q, kT)) as tf.Tensor3D; // [B*heads, S, S]
    const mixed = batchedMatMul(probabilities, v); // [B*heads, S, hs]
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [batch, heads, steps, headSize]), [0, 2, 1, 3]), [batch * steps, dModel]) as tf.Tensor2D;
    return apply(layer.out, merged);
  }
}

function apply(linear: Linear, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(weightMatMul(x, linear.weight as tf.Tensor2D), linear.bias) as tf.Tensor2D;
}

function layerNorm(norm: Norm, x: tf.Tensor2D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON))), norm.gain), norm.bias) as tf.Tensor2D;
}
