import * as tf from '@tensorflow/tfjs';
import type { MlpWeights } from '../weights.js';
import { weightMatMul } from './weight-matmul.js';

/**
 * Gated SiLU MLP on rows [N, h]: proj(SiLU(gate) * up), with [gate | up] = fc(x). With a split
 * copy of fc (w.split) gate and up are two matMuls instead of slices of one product (on the wasm
 * backend a slice is a JavaScript copy of its whole input).
 */
export function gatedMlp(x: tf.Tensor2D, w: MlpWeights): tf.Tensor2D {
  return tf.tidy(() => {
    let gate: tf.Tensor2D;
    let up: tf.Tensor2D;
    if (w.split) {
      gate = tf.matMul(x, w.split.gateT) as tf.Tensor2D;
      up = tf.matMul(x, w.split.upT) as tf.Tensor2D;
    } else {
      const inter = w.projT.shape[0];
      const fc = weightMatMul(x, w.fcT);
      gate = tf.slice(fc, [0, 0], [-1, inter]);
      up = tf.slice(fc, [0, inter], [-1, inter]);
    }
    const silu = tf.mul(gate, tf.sigmoid(gate));
    return weightMatMul(tf.mul(silu, up) as tf.Tensor2D, w.projT);
  });
}
