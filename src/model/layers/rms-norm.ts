import * as tf from '@tensorflow/tfjs';

/** RMSNorm over the last axis: x * rsqrt(mean(x^2) + eps) * weight (float32 throughout). */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const meanSquare = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight) as T;
  });
}
