/**
 * a @ b for rank-3 batches [B, m, k] x [B, k, n] (attention scores and mixing). While a gradient
 * is recorded on the wasm backend the backward pass uses explicit transposes: tfjs differentiates
 * a matMul into matMuls with a transposed operand, which wasm runs several times slower than a
 * transpose followed by a plain matMul (the rank-3 counterpart of model/layers/weight-matmul.ts).
 */
import * as tf from '@tensorflow/tfjs';

const batchedMatMulExplicitTransposeGrad = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor3D, tf.transpose(saved[1]!, [0, 2, 1]) as tf.Tensor3D),
      tf.matMul(tf.transpose(saved[0]!, [0, 2, 1]) as tf.Tensor3D, dy as tf.Tensor3D),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function batchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (tf.engine().isTapeOn() && tf.getBackend() === 'wasm') return batchedMatMulExplicitTransposeGrad(a, b) as tf.Tensor3D;
  return tf.matMul(a, b);
}
