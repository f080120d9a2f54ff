/** Layout helpers shared by the layers. */
import * as tf from '@tensorflow/tfjs';

/**
 * tf.transpose, or a free reshape when the permutation only moves axes of size 1 (the data
 * order is then unchanged): on the wasm backend a transpose is a full copy.
 */
export function permute<T extends tf.Tensor>(x: tf.Tensor, perm: readonly number[]): T {
  const shape = x.shape;
  const moved = perm.filter((axis) => shape[axis] !== 1);
  const inOrder = moved.every((axis, i) => i === 0 || axis > moved[i - 1]!);
  const outShape = perm.map((axis) => shape[axis]!);
  return (inOrder ? tf.reshape(x, outShape) : tf.transpose(x, [...perm])) as T;
}

/**
 * x [B, ..., k] times w [k, n]. libtensorflow runs a batched matMul against a 2-D operand as one
 * product per matrix of x: for B = 1 the batched product saves two reshapes (each a libtensorflow
 * call); for more rows one product on the rows [B*..., k] is faster (measured on tfjs-node,
 * B = 20, 48 x 128 x 512: 0.90 ms against 1.65 ms).
 */
export function matMulRows<T extends tf.Tensor>(x: T, w: tf.Tensor2D): T {
  const shape = x.shape;
  if (shape[0] === 1 || x.rank === 2) return tf.matMul(x, w) as T;
  const k = shape[shape.length - 1]!;
  return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(x, [-1, k]) as tf.Tensor2D, w), [...shape.slice(0, -1), w.shape[1]]) as T);
}

/**
 * Whether every op is a call with a fixed cost that dwarfs small arithmetic: true on the native
 * backend (tfjs-node), where even a reshape or a mean's axis tensor is a libtensorflow call of
 * tens of microseconds. The layers then prefer fewer ops; on wasm and cpu a reshape is free and a
 * fused matMul saves a pass over the data, so they keep those.
 */
export function opsAreCostly(): boolean {
  return forcedCostlyOps ?? tf.getBackend() === 'tensorflow';
}

let forcedCostlyOps: boolean | undefined;

/**
 * Overrides opsAreCostly (undefined restores the backend's answer): lets the tests run the
 * native backend's layer layout on the backend they have and compare it with the default one.
 */
export function forceCostlyOps(value: boolean | undefined): void {
  forcedCostlyOps = value;
}
