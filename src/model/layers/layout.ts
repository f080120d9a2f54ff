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
