/**
 * Interleaved rotary position embedding, as in Huginn: dimensions (2i, 2i+1) of every head are
 * rotated together by the angle pos * base^(-2i / headSize).
 *
 * The rotation is applied as
 *   rotated = x * cos + swapPairs(x) * sinSigned,
 * with swapPairs exchanging the two members of each pair and sinSigned = (-sin, +sin) per pair.
 * swapPairs is a matMul of the rows of every head with a [headSize, headSize] permutation matrix
 * (exact: each output is one input times 1 plus zeros); on the wasm backend that is an order of
 * magnitude faster than `tf.reverse` on a [..., pairs, 2] view. On tfjs-node, where each op (a
 * reshape too) has a fixed cost, the matrix spans the whole width instead: one op on the rows.
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
  /** [n, n] pair-swap permutation, n the head size or the width h (built by `rotaryTables`). */
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

/**
 * Builds the rotary tables for the given absolute positions. `swapSize` is the size of the
 * pair-swap matrix: a head (the default; the fewest multiply-adds) or the full width h (one
 * matMul on the rows without reshapes, for backends where every op has a fixed cost).
 */
export function rotaryTables(positions: readonly number[], nHeads: number, headSize: number, base: number, swapSize = headSize): RotaryTables {
  const h = nHeads * headSize;
  if (swapSize !== headSize && swapSize !== h) throw new Error(`rotary swap size ${swapSize} must be the head size ${headSize} or the width ${h}`);
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
    swap: pairSwapMatrix(swapSize),
  };
}

/**
 * The table of the head-major attention layout (head-attention.ts), one head wide (every head
 * rotates alike): [2, 1, S, 2hs], for q then k, each row [cos | signed sin] of its position; the
 * q rows times the attention scale 1/sqrt(hs).
 */
export function headRotaryTable(positions: readonly number[], headSize: number, base: number): tf.Tensor4D {
  const inv = inverseFrequencies(headSize, base);
  const scale = 1 / Math.sqrt(headSize);
  const n = positions.length;
  const width = 2 * headSize;
  const table = new Float32Array(2 * n * width);
  positions.forEach((pos, row) => {
    for (let i = 0; i < headSize / 2; i++) {
      const angle = Math.fround(pos * inv[i]!);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      const entries: [number, number][] = [[2 * i, c], [2 * i + 1, c], [headSize + 2 * i, -s], [headSize + 2 * i + 1, s]];
      for (const [col, value] of entries) {
        table[row * width + col] = value * scale;
        table[(n + row) * width + col] = value;
      }
    }
  });
  return tf.tensor4d(table, [2, 1, n, width]);
}

/**
 * x with the members of every pair (2i, 2i+1) of the last axis exchanged; x [..., w]. Pairs never
 * straddle an even-sized group, so a swap matrix of any even size n dividing w applies to the
 * rows of x cut into groups of n (one matMul, no reshape, when n = w and x is 2-D).
 */
function swapPairs<T extends tf.Tensor>(x: T, swap: tf.Tensor2D | undefined): T {
  const shape = x.shape;
  const w = shape[shape.length - 1]!;
  if (swap === undefined || w % swap.shape[0] !== 0) {
    return tf.reshape(tf.reverse(tf.reshape(x, [...shape.slice(0, -1), w / 2, 2]), -1), shape) as T;
  }
  const n = swap.shape[0];
  if (x.rank === 2 && n === w) return tf.matMul(x as tf.Tensor2D, swap) as tf.Tensor as T;
  return tf.reshape(tf.matMul(tf.reshape(x, [-1, n]) as tf.Tensor2D, swap), shape) as T;
}

/**
 * Rotates x [B, S, w] (or rows [B*S, w]) with tables of width w: x * cos + swapPairs(x) * sin.
 * Rows of one sequence (B = 1) broadcast against the tables as they are.
 */
export function rotate<T extends tf.Tensor>(x: T, tables: RotaryPair, swap: tf.Tensor2D | undefined): T {
  return tf.tidy(() => {
    const [s, w] = tables.cos.shape;
    const view = x.rank === 3 || x.shape[0] === s ? x : tf.reshape(x, [-1, s, w]);
    const out = tf.add(tf.mul(view, tables.cos), tf.mul(swapPairs(view, swap), tables.sin));
    return (out.rank === x.rank ? out : tf.reshape(out, x.shape)) as T;
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
  return rotate(qk, tables, tables.swap);
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
