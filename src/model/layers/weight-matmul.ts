/**
 * x @ w for a weight matrix. While a gradient is being recorded on the wasm backend, the
 * gradients are computed with explicit transposes: tfjs differentiates a matMul into matMuls with
 * a transposed operand (dx = dy w^T, dw = x^T dy), which wasm runs several times slower than a
 * transpose followed by a plain matMul. Elsewhere this is tf.matMul itself, which also takes x
 * [B, S, h] (the head-major layout multiplies activations without flattening them to rows).
 */
import * as tf from '@tensorflow/tfjs';

const matMulExplicitTransposeGrad = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1]!) as tf.Tensor2D),
      tf.matMul(tf.transpose(saved[0]!) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function weightMatMul<T extends tf.Tensor2D | tf.Tensor3D>(x: T, w: tf.Tensor2D): T {
  if (tf.engine().isTapeOn() && tf.getBackend() === 'wasm') {
    if (x.rank !== 2) throw new Error(`weightMatMul: recording a gradient on wasm needs rows [N, h], got shape [${x.shape.join(', ')}]`);
    return matMulExplicitTransposeGrad(x, w) as T;
  }
  return tf.matMul(x, w) as T;
}
