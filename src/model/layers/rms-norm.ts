import * as tf from '@tensorflow/tfjs';

/**
 * RMSNorm over the last axis: x * rsqrt(mean(x^2) + eps) * weight (float32 throughout). Without
 * a weight the product stops before it (for layouts that fold the weight into the next matMul).
 * With `meanColumn` (from `meanColumn(width)`) the mean is one matMul: tfjs-node's mean makes
 * three libtensorflow calls (an axis tensor, a cast, the mean), the matMul one.
 */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D | undefined, eps: number, meanColumn?: tf.Tensor2D): T {
  return tf.tidy(() => {
    const squares = tf.square(x);
    const meanSquare = meanColumn ? tf.matMul(squares, meanColumn) : tf.mean(squares, -1, true);
    const normalised = tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps)));
    return (weight ? tf.mul(normalised, weight) : normalised) as T;
  });
}

/** The column [width, 1] of 1/width: x times it is the mean of x over its last axis. */
export function meanColumn(width: number): tf.Tensor2D {
  return tf.fill([width, 1], 1 / width) as tf.Tensor2D;
}
