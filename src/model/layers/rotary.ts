/**
 * Interleaved rotary position embedding, as in Huginn: dimensions (2i, 2i+1) of every head are
 * rotated together by the angle pos * base^(-2i / headSize).
 *
 * The rotation is applied as
 *   rotated = x * cos + swapPairs(x) * sinSigned,
 * with swapPairs exchanging the two members of each pair and sinSigned = (-sin, +sin) per pair.
 * swapPairs is a matMul of the rows of every head with a [headSize, headSize] permutation matrix
 * (exact: each output is one input times 1 plus zeros); on the wasm backend that is an order of
 * magnitude faster than `tf.reverse` on a [..., pairs, 2] view.
 * The attention scale 1/sqrt(headSize) is folded into the q half of both tables, which saves
 * one multiply per attention call.
 */
import * as tf from '@tensorflow/tfjs';

/** cos and signed-sin tables for one width, [S, width]. */
export interface RotaryPair {
  readonly cos: tf.Tensor2D;
  readonly sin: tf.Tensor2D;
}

export interface RotaryTables {
  /** [S, 2h]: cos per dimension, q half pre-multiplied by the attention scale. */
  readonly cos: tf.Tensor2D;
  /** [S, 2h]: -sin on even, +sin on odd dimensions, q half pre-multiplied by the scale. */
  readonly sin: tf.Tensor2D;
  /** The q half of both tables, [S, h] (built by `rotaryTables`; derived on the fly when absent). */
  readonly q?: RotaryPair;
  /** The k half of both tables, [S, h]. */
  readonly k?: RotaryPair;
  /** [headSize, headSize] pair-swap permutation (built by `rotaryTables`). */
  readonly swap?: tf.Tensor2D;
}

/** Inverse frequencies base^(-2i/headSize), computed in float32 like the reference. */
export function inverseFrequencies(headSize: number, base: number): Float32Array {
  const half = headSize / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) out[i] = 1 / Math.fround(Math.pow(base, Math.fround((2 * i) / headSize)));
  return out;
}

/** The [n, n] matrix P with (x P)[2i] = x[2i+1] and (x P)[2i+1] = x[2i]. */
export function pairSwapMatrix(n: number): tf.Tensor2D {
  const p = new Float32Array(n * n);
  for (let j = 0; j < n; j++) p[(j ^ 1) * n + j] = 1;
  return tf.tensor2d(p, [n, n]);
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
  const n = positions.length;
  const half = (table: Float32Array, which: 0 | 1): tf.Tensor2D => {
    const out = new Float32Array(n * h);
    for (let row = 0; row < n; row++) out.set(table.subarray(row * 2 * h + which * h, row * 2 * h + (which + 1) * h), row * h);
    return tf.tensor2d(out, [n, h]);
  };
  return {
    cos: tf.tensor2d(cos, [n, 2 * h]),
    sin: tf.tensor2d(sin, [n, 2 * h]),
    q: { cos: half(cos, 0), sin: half(sin, 0) },
    k: { cos: half(cos, 1), sin: half(sin, 1) },
    swap: pairSwapMatrix(headSize),
  };
}

/** x with the members of every pair of the last axis exchanged; x [..., w], pairs within heads of `headSize`. */
function swapPairs<T extends tf.Tensor>(x: T, headSize: number, swap: tf.Tensor2D | undefined): T {
  const shape = x.shape;
  const w = shape[shape.length - 1]!;
  if (swap === undefined || swap.shape[0] !== headSize || w % headSize !== 0) {
    return tf.reshape(tf.reverse(tf.reshape(x, [...shape.slice(0, -1), w / 2, 2]), -1), shape) as T;
  }
  return tf.reshape(tf.matMul(tf.reshape(x, [-1, headSize]) as tf.Tensor2D, swap), shape) as T;
}

/**
 * Rotates x [B, S, w] (or rows [B*S, w]) with tables of width w: x * cos + swapPairs(x) * sin.
 * `headSize` is the size of the rotated groups (a head).
 */
export function rotate<T extends tf.Tensor>(x: T, tables: RotaryPair, headSize: number, swap: tf.Tensor2D | undefined): T {
  return tf.tidy(() => {
    const [s, w] = tables.cos.shape;
    const view = x.rank === 3 ? x : tf.reshape(x, [-1, s, w]);
    const out = tf.add(tf.mul(view, tables.cos), tf.mul(swapPairs(view, headSize, swap), tables.sin));
    return tf.reshape(out, x.shape) as T;
  });
}

/** The q (0) or k (1) half of the tables, [S, h]: the precomputed one, or sliced when absent. */
export function rotaryHalf(tables: RotaryTables, which: 'q' | 'k'): RotaryPair {
  const pre = tables[which];
  if (pre) return pre;
  const [s, w] = tables.cos.shape;
  const begin = which === 'q' ? 0 : w / 2;
  return { cos: tf.slice(tables.cos, [0, begin], [s, w / 2]), sin: tf.slice(tables.sin, [0, begin], [s, w / 2]) };
}

/** Applies the rotation to qk of shape [B, S, 2h] (S must match the tables). */
export function applyRotary(qk: tf.Tensor3D, tables: RotaryTables): tf.Tensor3D {
  return tf.tidy(() => {
    // Pairs never straddle heads, so any even group size works for the swap; use the matrix's.
    const group = tables.swap?.shape[0] ?? 2;
    return rotate(qk, tables, group, tables.swap);
  });
}

export function disposeRotary(t: RotaryTables): void {
  t.cos.dispose();
  t.sin.dispose();
  t.q?.cos.dispose();
  t.q?.sin.dispose();
  t.k?.cos.dispose();
  t.k?.sin.dispose();
  t.swap?.dispose();
}
