import * as tf from '@tensorflow/tfjs';
import type { MlpWeights } from '../weights.js';
import { weightMatMul } from './weight-matmul.js';

/**
 * Gated SiLU MLP on rows [N, h] (or [B, S, h]): proj(SiLU(gate) * up), with [gate | up] = fc(x). With a split
 * copy of fc (w.split) gate and up are two matMuls instead of slices of one product (on the wasm
 * backend a slice is a JavaScript copy of its whole input).
 */
export function gatedMlp<T extends tf.Tensor2D | tf.Tensor3D>(x: T, w: MlpWeights): T {
  return tf.tidy(() => {
    let gate: T;
    let up: T;
    if (w.split) {
      gate = tf.matMul(x, w.split.gateT) as T;
      up = tf.matMul(x, w.split.upT) as T;
    } else {
      const inter = w.projT.shape[0];
      const fc = weightMatMul(x, w.fcT);
      const begin = new Array<number>(x.rank).fill(0);
      const size = new Array<number>(x.rank).fill(-1);
      gate = tf.slice(fc, begin, [...size.slice(0, -1), inter]);
      up = tf.slice(fc, [...begin.slice(0, -1), inter], [...size.slice(0, -1), inter]);
    }
    const silu = tf.mul(gate, tf.sigmoid(gate));
    return weightMatMul(tf.mul(silu, up) as T, w.projT);
  });
}
