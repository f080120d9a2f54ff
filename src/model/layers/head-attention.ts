/**
 * Attention in the head-major layout, for the native backend (tfjs-node) without a gradient tape,
 * on one row (the model uses it for single-run calls; it is correct for any batch).
 * There every op is a libtensorflow call with a fixed cost (measured: 15-20 us for a reshape or a
 * 48 x 128 add, against about 40 us for a 48 x 128 x 128 matMul), and the default layout spends
 * most of its ops on bookkeeping: rows [B*S, h] in and out, bias adds, a swap matMul and two
 * multiplies per rotation, reshapes and transposes into heads. Here q and k come out of one matMul
 * on x [B, S, h], with the rotation folded in:
 *
 *   rotate(q) = q * cos + swapPairs(q) * sin = ([q | swapPairs(q)] * [cos | sin]) [I; I]
 *   [q | swapPairs(q)] = x [Wq | Wq P] + [bq | bq P]      (P swaps the columns of each pair)
 *
 * per head: x [Wq|WqP (head 0) | ... | Wk|WkP (head 0) | ...] (a 3-D matMul for one row, see
 * matMulRows) is viewed as [B, S, 2, heads, 2hs], moved to [B, 2, heads, S, 2hs], biased,
 * multiplied by the table [cos | sin] of each position, summed over its halves by a [2hs, hs]
 * matMul, and unstacked into q and k [B, heads, S, hs]: 7 ops where the default layout takes 16.
 * The block's first norm weight is folded into the rows of the projections (rmsNorm then skips
 * its multiply). Without a cache the scores multiply by the transposed keys directly; with one
 * the keys are stored transposed ([B, heads, hs, L], the cache layout). Per-head matMuls
 * broadcasting x against [heads, h, 2hs] weights would take fewer ops still, but libtensorflow
 * runs them about 1.7x slower than one wide matMul with a reshape and a transpose (measured,
 * 1 x 48 x 128 into 4 heads of 64).
 */
import * as tf from '@tensorflow/tfjs';
import type { KvEntry } from '../kv-cache.js';
import { matMulRows, permute } from './layout.js';

/** One block's attention weights in the head-major layout (derived by `headAttentionWeights`). */
export interface HeadAttentionWeights {
  /** [h, 4h]: per q head then per k head, [W | W P] (2hs columns each); rows scaled by norm1's weight. */
  readonly qk: tf.Tensor2D;
  /** [2, heads, 1, 2hs]: the biases laid out like the columns of qk, or undefined without qk_bias. */
  readonly qkBias: tf.Tensor4D | undefined;
  /** [h, h], rows scaled by norm1's weight. */
  readonly v: tf.Tensor2D;
  /** The output projection [h, h] (the loaded tensor, shared). */
  readonly projT: tf.Tensor2D;
}

/** What the head-major layout needs per call: rotary tables for the new positions, the pair sums. */
export interface HeadLayoutContext {
  /**
   * [2, 1, S, 2hs]: [cos | signed sin] of the new positions, for q (times the attention scale
   * 1/sqrt(hs)) and for k.
   */
  readonly table: tf.Tensor4D;
  /** [2hs, hs] = [I; I]: a row [a | b] times it is a + b. */
  readonly pairSum: tf.Tensor2D;
}

/** The tensors of a HeadAttentionWeights created for it (projT is shared, not listed). */
export function headAttentionTensors(w: HeadAttentionWeights): tf.Tensor[] {
  return [w.qk, w.v, ...(w.qkBias ? [w.qkBias] : [])];
}

/** x with the members of each pair (2i, 2i+1) of the last axis exchanged. */
function swapLastPairs(x: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const w = shape[shape.length - 1]!;
  return tf.reshape(tf.reverse(tf.reshape(x, [...shape.slice(0, -1), w / 2, 2]), -1), shape);
}

/** [x | swapLastPairs(x)] along the last axis. */
function withSwappedPairs(x: tf.Tensor): tf.Tensor {
  return tf.concat([x, swapLastPairs(x)], -1);
}

/**
 * The head-major weights of one block's attention, from the fused projection wqkvT [h, 3h]
 * (columns [Q | K | V], head-major), the q/k biases [2h] and norm1's weight [h].
 */
export function headAttentionWeights(wqkvT: tf.Tensor2D, qkBias: tf.Tensor1D | undefined, projT: tf.Tensor2D, norm1: tf.Tensor1D, nHeads: number): HeadAttentionWeights {
  return tf.tidy(() => {
    const h = projT.shape[0];
    const hs = h / nHeads;
    const scaled = tf.mul(wqkvT, tf.reshape(norm1, [h, 1]));
    // [h, 2h] -> per q and k head [h, 2 heads, hs] -> with swapped copies [h, 2 heads, 2hs] -> [h, 4h]
    const qkHeads = tf.reshape(tf.slice(scaled, [0, 0], [h, 2 * h]), [h, 2 * nHeads, hs]);
    return {
      qk: tf.reshape(withSwappedPairs(qkHeads), [h, 4 * h]) as tf.Tensor2D,
      qkBias: qkBias ? (tf.reshape(withSwappedPairs(tf.reshape(qkBias, [2, nHeads, 1, hs])), [2, nHeads, 1, 2 * hs]) as tf.Tensor4D) : undefined,
      v: tf.slice(scaled, [0, 2 * h], [h, h]) as tf.Tensor2D,
      projT,
    };
  });
}

/** The pair-sum matrix [I; I], [2n, n]. */
export function pairSumMatrix(n: number): tf.Tensor2D {
  return tf.tidy(() => tf.concat([tf.eye(n), tf.eye(n)], 0) as tf.Tensor2D);
}

export interface HeadAttentionOutput {
  /** [B, S, h]. */
  readonly out: tf.Tensor3D;
  /** With a cache: the keys/values of the new positions only, and past then new (attended to). */
  readonly entries?: { readonly added: KvEntry; readonly full: KvEntry };
}

/**
 * Attention of x [B, S, h] (normalised, without norm1's weight: it is in the matrices), attending
 * to `cached.past` (if any) and the new positions; `cached` also asks for the key/value entries.
 * `mask` is broadcastable to [B, heads, S, L].
 */
export function headAttention(
  x: tf.Tensor3D,
  w: HeadAttentionWeights,
  ctx: HeadLayoutContext,
  mask: tf.Tensor | undefined,
  cached: { readonly past: KvEntry | undefined } | undefined,
): HeadAttentionOutput {
  // (tidy keeps every tensor of the returned object; its type does not admit the KvEntry interface)
  return tf.tidy((): tf.TensorContainer => {
    const [b, s, h] = x.shape;
    const hs = ctx.pairSum.shape[1];
    const heads = h / hs;
    // q and k: [B, S, 4h] -> [B, 2, heads, S, 2hs] -> biased, times [cos | sin], halves summed
    let qk = tf.transpose(tf.reshape(matMulRows(x, w.qk), [b, s, 2, heads, 2 * hs]), [0, 2, 3, 1, 4]);
    if (w.qkBias) qk = tf.add(qk, w.qkBias);
    const [q, k] = tf.unstack(matMulRows(tf.mul(qk, ctx.table) as tf.Tensor5D, ctx.pairSum), 1) as [tf.Tensor4D, tf.Tensor4D]; // [B, heads, S, hs]
    const v = permute<tf.Tensor4D>(tf.reshape(matMulRows(x, w.v), [b, s, heads, hs]), [0, 2, 1, 3]); // [B, heads, S, hs]
    let scores: tf.Tensor;
    let values = v;
    let entries: HeadAttentionOutput['entries'];
    if (cached) {
      const kT = permute<tf.Tensor4D>(k, [0, 1, 3, 2]); // [B, heads, hs, S]
      const past = cached.past;
      const keysT = past ? (tf.concat([past.keysT, kT], 3) as tf.Tensor4D) : kT;
      values = past ? (tf.concat([past.values, v], 2) as tf.Tensor4D) : v;
      entries = { added: { keysT: kT, values: v }, full: { keysT, values } };
      scores = tf.matMul(q, keysT); // [B, heads, S, L]
    } else {
      scores = tf.matMul(q, k, false, true);
    }
    if (mask) scores = tf.add(scores, mask);
    const mixed = tf.matMul(tf.softmax(scores) as tf.Tensor4D, values); // [B, heads, S, hs]
    const out = matMulRows(tf.reshape(permute(mixed, [0, 2, 1, 3]), [b, s, h]), w.projT);
    return (entries ? { out, entries } : { out }) as unknown as tf.TensorContainer;
  }) as unknown as HeadAttentionOutput;
}
