import * as tf from '@tensorflow/tfjs';
import type { MlpWeights } from '../weights.js';

/** Gated SiLU MLP on rows [N, h]: proj(SiLU(gate) * up), with [gate | up] = fc(x). */
export function gatedMlp(x: tf.Tensor2D, w: MlpWeights): tf.Tensor2D {
  return tf.tidy(() => {
    const inter = w.projT.shape[0];
    const fc = tf.matMul(x, w.fcT);
    const gate = tf.slice(fc, [0, 0], [-1, inter]);
    const up = tf.slice(fc, [0, inter], [-1, inter]);
    const silu = tf.mul(gate, tf.sigmoid(gate));
    return tf.matMul(tf.mul(silu, up), w.projT);
  });
}
