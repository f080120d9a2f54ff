/**
 * Interleaved rotary position embedding, as in Huginn: dimensions (2i, 2i+1) of every head are
 * rotated together by the angle pos * base^(-2i / headSize).
 *
 * The rotation is applied to q and k concatenated ([B, S, 2h]) as
 *   rotated = x * cos + swapPairs(x) * sinSigned,
 * with swapPairs exchanging the two members of each pair and sinSigned = (-sin, +sin) per pair.
 * The attention scale 1/sqrt(headSize) is folded into the q half of both tables, which saves
 * one multiply per attention call.
 */
import * as tf from '@tensorflow/tfjs';

export interface RotaryTables {
  /** [S, 2h]: cos per dimension, q half pre-multiplied by the attention scale. */
  readonly cos: tf.Tensor2D;
  /** [S, 2h]: -sin on even, +sin on odd dimensions, q half pre-multiplied by the scale. */
  readonly sin: tf.Tensor2D;
}

/** Inverse frequencies base^(-2i/headSize), computed in float32 like the reference. */
export function inverseFrequencies(headSize: number, base: number): Float32Array {
  const half = headSize / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) out[i] = 1 / Math.fround(Math.pow(base, Math.fround((2 * i) / headSize)));
  return out;
}

/** Builds the rotary tables for the given absolute positions. */
export function rotaryTables(positions: readonly number[], nHeads: number, headSize: number, base: number): RotaryTables {
  const h = nHeads * headSize;
  const inv = inverseFrequencies(headSize, base);
  const scale = 1 / Math.sqrt(headSize);
  const cos = new Float32Array(positions.length * 2 * h);
  const sin = new Float32Array(positions.length * 2 * h);
  positions.forEach((pos, row) => {
    for (let i = 0; i < headSize / 2; i++) {
      const angle = Math.fround(pos * inv[i]!);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      for (let head = 0; head < 2 * nHeads; head++) {
        const m = head < nHeads ? scale : 1; // q heads first, then k heads
        const base0 = row * 2 * h + head * headSize + 2 * i;
        cos[base0] = c * m;
        cos[base0 + 1] = c * m;
        sin[base0] = -s * m;
        sin[base0 + 1] = s * m;
      }
    }
  });
  return { cos: tf.tensor2d(cos, [positions.length, 2 * h]), sin: tf.tensor2d(sin, [positions.length, 2 * h]) };
}

/** Applies the rotation to qk of shape [B, S, 2h] (S must match the tables). */
export function applyRotary(qk: tf.Tensor3D, tables: RotaryTables): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, s, w] = qk.shape;
    const swapped = tf.reverse(tf.reshape(qk, [b, s, w / 2, 2]), 3).reshape([b, s, w]);
    return tf.add(tf.mul(qk, tables.cos), tf.mul(swapped, tables.sin)) as tf.Tensor3D;
  });
}

export function disposeRotary(t: RotaryTables): void {
  t.cos.dispose();
  t.sin.dispose();
}
