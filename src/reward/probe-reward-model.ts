/**
 * A fast probe: logistic regression (or a one-hidden-layer ReLU MLP) on a summary of the
 * trajectory: the last state, the mean state over steps, or both. For a prefix of t steps the
 * summary is taken over those t steps, so the probe scores prefixes too.
 */
import * as tf from '@tensorflow/tfjs';
import type { Seed } from '../tensor/random.js';
import { weightMatMul } from '../model/layers/weight-matmul.js';
import { LatentRewardModel } from './reward-model.js';
import { checkRewardModelConfig, probeRewardConfig, type ProbeRewardConfig } from './reward-model-config.js';
import { seededWeights, type WeightSource } from './weight-init.js';

export class ProbeRewardModel extends LatentRewardModel {
  declare readonly config: ProbeRewardConfig;
  private readonly layers: { weight: tf.Variable; bias: tf.Variable }[] = [];

  constructor(config: ProbeRewardConfig, source: WeightSource) {
    super(checkRewardModelConfig(config, 'ProbeRewardModel config') as ProbeRewardConfig);
    // A source that fails part-way (a checkpoint missing a tensor) must not leak the weights made so far.
    try {
      this.addStandardisation(source);
      const sizes = this.config.hidden > 0 ? [this.featureSize, this.config.hidden, 1] : [this.featureSize, 1];
      for (let i = 0; i + 1 < sizes.length; i++) {
        this.layers.push({
          weight: this.addWeight(source, `probe.${i}.weight`, [sizes[i]!, sizes[i + 1]!], 'glorot'),
          bias: this.addWeight(source, `probe.${i}.bias`, [sizes[i + 1]!], 'zeros'),
        });
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** A freshly initialised probe for states of `width` (config overrides optional), seeded. */
  static create(width: number, seed: Seed, overrides: Partial<Omit<ProbeRewardConfig, 'kind' | 'width'>> = {}): ProbeRewardModel {
    return new ProbeRewardModel(probeRewardConfig(width, overrides), seededWeights(seed));
  }

  get featureSize(): number {
    return this.config.features === 'last-mean' ? 2 * this.config.width : this.config.width;
  }

  protected features(x: tf.Tensor3D): tf.Tensor {
    const [batch, steps, width] = x.shape;
    const last = (): tf.Tensor => tf.reshape(tf.slice(x, [0, steps - 1, 0], [batch, 1, width]), [batch, width]);
    switch (this.config.features) {
      case 'last':
        return last();
      case 'mean':
        return tf.mean(x, 1);
      case 'last-mean':
        return tf.concat([last(), tf.mean(x, 1)], 1);
    }
  }

  protected head(z: tf.Tensor, batch: number): tf.Tensor1D {
    let h = z as tf.Tensor2D;
    this.layers.forEach((layer, i) => {
      h = tf.add(weightMatMul(h, layer.weight as tf.Tensor2D), layer.bias) as tf.Tensor2D;
      if (i + 1 < this.layers.length) h = tf.relu(h);
    });
    return tf.reshape(h, [batch]) as tf.Tensor1D;
  }
}
