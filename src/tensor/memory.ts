import * as tf from '@tensorflow/tfjs';

/** Number of live tensors in the engine (for leak tests and diagnostics). */
export function liveTensorCount(): number {
  return tf.memory().numTensors;
}

/** Disposes every tensor in a nested structure of tensors (arrays, records, undefined). */
export function disposeAll(value: unknown): void {
  if (value instanceof tf.Tensor) {
    value.dispose();
  } else if (Array.isArray(value)) {
    for (const v of value) disposeAll(v);
  } else if (value !== null && typeof value === 'object' && !(ArrayBuffer.isView(value))) {
    for (const v of Object.values(value)) disposeAll(v);
  }
}
