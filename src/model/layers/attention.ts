/**
 * Causal self-attention of a Huginn block: fused QKV projection, learned q/k bias added before
 * the interleaved rotary embedding, softmax attention with an additive mask, output projection.
 *
 * Layout for speed on the wasm backend (where a batched matMul with more than one matrix runs a
 * naive scalar loop, a slice copies its whole input in JavaScript, and rank-5 transposes are slow):
 * - Q, K, V come from separate matMuls when the weights carry a split copy (else slices of the
 *   fused product); the q/k biases are added by the matMul itself (tf.fused.matMul).
 * - The per-(row, head) products q k^T and p v are depthwise convolutions, which run as XNNPACK
 *   grouped GEMMs: with G = rows x heads groups,
 *     scores[i, g, j] = sum_d q[g, i, d] k[g, j, d]  = depthwiseConv2d(Q [1, S, hs, G], K [1, hs, G, L])
 *     out[i, g, d]    = sum_j p[i, g, j] v[g, j, d]  = depthwiseConv2d(P [1, S, L, G], V [1, L, G, hs])
 *   (the filter's spatial extent is the contraction; the channel multiplier the output columns).
 *   The sums run in the same order as a matMul's, so the results are the same.
 * - For one or two query positions (decoding with a cache) the batched matMul on the cache layout
 *   is cheaper than transposing the whole cache into the filter layouts, and is used instead; also
 *   while a gradient is recorded on a backend without depthwise-convolution gradients (wasm).
 * - Keys are appended to the cache ([B, heads, hs, L], extended along its last axis) by padding
 *   both parts with zeros and adding when there are many rows: a concat along the last axis
 *   copies one short row at a time in JavaScript.
 * The native backend (tfjs-node) keeps the plain batched-matMul formulation and concat.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionWeights } from '../weights.js';
import type { KvEntry } from '../kv-cache.js';
import { rotate, rotaryHalf, type RotaryTables } from './rotary.js';
import { opsAreCostly, permute } from './layout.js';
import { weightMatMul } from './weight-matmul.js';

export interface AttentionContext {
  readonly nHeads: number;
  /** Rotary tables for the query positions. */
  readonly rotary: RotaryTables;
  /** Additive mask (0 or a large negative), broadcastable to [B, heads, S, L]; undefined = attend to all. */
  readonly maskBias: tf.Tensor | undefined;
}

export interface AttentionOutput {
  readonly out: tf.Tensor3D;
  /** Keys/values of the new positions only. */
  readonly added: KvEntry;
  /** Keys/values attended to: past then new. */
  readonly full: KvEntry;
}

/**
 * Rows [N, h] times w, plus an optional bias: fused into the matMul, except where ops are costly
 * (tfjs-node runs its fused matMul as a matMul and an add anyway, plus three reshapes).
 */
function linear(x: tf.Tensor2D, wT: tf.Tensor2D, bias: tf.Tensor1D | undefined): tf.Tensor2D {
  if (!bias) return tf.matMul(x, wT);
  return (opsAreCostly() ? tf.add(tf.matMul(x, wT), bias) : tf.fused.matMul({ a: x, b: wT, bias })) as tf.Tensor2D;
}

/** q, k (biased, not yet rotated) and v as rows [N, h]. */
function projectQkv(x: tf.Tensor2D, w: AttentionWeights, h: number): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const s = w.split;
  if (s) return [linear(x, s.wqT, s.qBias), linear(x, s.wkT, s.kBias), tf.matMul(x, s.wvT)];
  const n = x.shape[0];
  const qkv = weightMatMul(x, w.wqkvT);
  let qk: tf.Tensor2D = tf.slice(qkv, [0, 0], [n, 2 * h]);
  if (w.qkBias) qk = tf.add(qk, w.qkBias) as tf.Tensor2D;
  return [tf.slice(qk, [0, 0], [n, h]), tf.slice(qk, [0, h], [n, h]), tf.slice(qkv, [0, 2 * h], [n, h])];
}

/** The mask [mB, mH, mS, mL] (any broadcastable rank) moved to the scores layout [S, B, heads, L]. */
function maskForScores(mask: tf.Tensor): tf.Tensor4D {
  const m = mask.rank === 4 ? mask : tf.reshape(mask, [...new Array<number>(4 - mask.rank).fill(1), ...mask.shape]);
  return permute<tf.Tensor4D>(m, [2, 0, 1, 3]);
}

/** Heads of q/k/v as [B, S, heads, hs]: projected, biased, q and k rotated. */
function headsQkv(x: tf.Tensor3D, w: AttentionWeights, ctx: AttentionContext): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const [b, s, h] = x.shape;
  const heads = ctx.nHeads;
  const hs = h / heads;
  const [q, k, v] = projectQkv(tf.reshape(x, [b * s, h]), w, h);
  const swap = ctx.rotary.swap;
  return [
    tf.reshape(rotate(q, rotaryHalf(ctx.rotary, 'q'), swap), [b, s, heads, hs]),
    tf.reshape(rotate(k, rotaryHalf(ctx.rotary, 'k'), swap), [b, s, heads, hs]),
    tf.reshape(v, [b, s, heads, hs]),
  ];
}

/**
 * The attention proper, from queries [B, S, heads, hs] and the keys/values already in the
 * depthwise-filter layouts kFilter [1, hs, B*heads, L] and vFilter [1, L, B*heads, hs]; returns
 * rows [B*S, h] (before the output projection).
 */
function attend(qh: tf.Tensor4D, kFilter: tf.Tensor4D, vFilter: tf.Tensor4D, maskBias: tf.Tensor | undefined): tf.Tensor2D {
  const [b, s, heads, hs] = qh.shape;
  const groups = b * heads;
  const keys = kFilter.shape[3];
  // scores [S, B, heads, L]; the 1/sqrt(hs) scale is folded into the rotary q tables.
  const qIn = tf.reshape(permute(qh, [1, 3, 0, 2]), [1, s, hs, groups]) as tf.Tensor4D;
  let scores: tf.Tensor = tf.reshape(tf.depthwiseConv2d(qIn, kFilter, 1, 'valid'), [s, b, heads, keys]);
  if (maskBias) scores = tf.add(scores, maskForScores(maskBias));
  const probs = tf.softmax(scores);
  const pIn = tf.reshape(permute(tf.reshape(probs, [s, groups, keys]), [0, 2, 1]), [1, s, keys, groups]) as tf.Tensor4D;
  const mixed = tf.reshape(tf.depthwiseConv2d(pIn, vFilter, 1, 'valid'), [s, b, heads * hs]); // [S, B, h]
  return tf.reshape(permute(mixed, [1, 0, 2]), [b * s, heads * hs]) as tf.Tensor2D;
}

/** Query lengths up to this use batched matMuls on the cache layout rather than depthwise convolutions. */
const MATMUL_MAX_QUERIES = 2;

/** Backends measured to gain from the convolution formulation and the padded key append. */
const CONVOLUTION_BACKENDS = new Set(['wasm', 'cpu']);

/**
 * Whether to use the depthwise-convolution formulation for S query positions: on the wasm and cpu
 * backends (measured; the native backend has fast batched matMuls), not for few queries, and not
 * while a gradient is recorded on a backend without the convolution's gradient kernels (the wasm
 * backend has none; the batched matMuls are differentiable everywhere).
 */
function useConvolutions(s: number): boolean {
  const backend = tf.getBackend();
  if (s <= MATMUL_MAX_QUERIES || !CONVOLUTION_BACKENDS.has(backend)) return false;
  if (!tf.engine().isTapeOn()) return true;
  return tf.getKernel('DepthwiseConv2dNativeBackpropInput', backend) !== undefined && tf.getKernel('DepthwiseConv2dNativeBackpropFilter', backend) !== undefined;
}

/** The same as `attend`, from keys/values in the cache layouts (for few queries). */
function attendCacheLayout(qh: tf.Tensor4D, keysT: tf.Tensor4D, values: tf.Tensor4D, maskBias: tf.Tensor | undefined): tf.Tensor2D {
  const [b, s, heads, hs] = qh.shape;
  let scores: tf.Tensor = tf.matMul(permute<tf.Tensor4D>(qh, [0, 2, 1, 3]), keysT); // [B, heads, S, L]
  if (maskBias) scores = tf.add(scores, maskBias);
  const mixed = tf.matMul(tf.softmax(scores) as tf.Tensor4D, values); // [B, heads, S, hs]
  return tf.reshape(permute(mixed, [0, 2, 1, 3]), [b * s, heads * hs]) as tf.Tensor2D;
}

/** Key rows (B x heads x hs) from which the padded append beats a concat (measured on wasm). */
const PADDED_APPEND_MIN_ROWS = 1024;

/** past [B, heads, hs, L] extended by the new keys [B, heads, hs, S] along the last axis. */
function appendKeys(past: tf.Tensor4D, added: tf.Tensor4D): tf.Tensor4D {
  const [b, heads, hs] = past.shape;
  if (b * heads * hs < PADDED_APPEND_MIN_ROWS || !CONVOLUTION_BACKENDS.has(tf.getBackend())) return tf.concat([past, added], 3) as tf.Tensor4D;
  const l = past.shape[3];
  const s = added.shape[3];
  return tf.add(tf.pad(past, [[0, 0], [0, 0], [0, 0], [0, s]]), tf.pad(added, [[0, 0], [0, 0], [0, 0], [l, 0]]));
}

/** Attention with key/value entries for a cache: `past` (if any) is attended to and extended. */
export function attention(x: tf.Tensor3D, w: AttentionWeights, ctx: AttentionContext, past: KvEntry | undefined): AttentionOutput {
  return tf.tidy(() => {
    const [b, s, h] = x.shape;
    const [qh, kh, vh] = headsQkv(x, w, ctx);
    const hs = qh.shape[3];
    const groups = b * ctx.nHeads;
    const kT = permute<tf.Tensor4D>(kh, [0, 2, 3, 1]); // [B, heads, hs, S]
    const vv = permute<tf.Tensor4D>(vh, [0, 2, 1, 3]); // [B, heads, S, hs]
    const keysT = past ? appendKeys(past.keysT, kT) : kT;
    const values = past ? (tf.concat([past.values, vv], 2) as tf.Tensor4D) : vv;
    const keys = keysT.shape[3];
    let y: tf.Tensor2D;
    if (!useConvolutions(s)) {
      y = attendCacheLayout(qh, keysT, values, ctx.maskBias);
    } else {
      const kFilter = tf.reshape(permute(keysT, [2, 0, 1, 3]), [1, hs, groups, keys]) as tf.Tensor4D;
      const vFilter = tf.reshape(permute(values, [2, 0, 1, 3]), [1, keys, groups, hs]) as tf.Tensor4D;
      y = attend(qh, kFilter, vFilter, ctx.maskBias);
    }
    const out = tf.reshape(weightMatMul(y, w.projT), [b, s, h]) as tf.Tensor3D;
    return { out, added: { keysT: kT, values: vv }, full: { keysT, values } };
  });
}

/**
 * Attention within the call only (no cache): the same result as `attention(x, w, ctx,
 * undefined).out`, without building the cache-layout key/value entries (two transposes fewer).
 */
export function selfAttention(x: tf.Tensor3D, w: AttentionWeights, ctx: AttentionContext): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, s, h] = x.shape;
    const [qh, kh, vh] = headsQkv(x, w, ctx);
    const hs = qh.shape[3];
    const groups = b * ctx.nHeads;
    let y: tf.Tensor2D;
    if (!useConvolutions(s)) {
      y = attendCacheLayout(qh, permute(kh, [0, 2, 3, 1]), permute(vh, [0, 2, 1, 3]), ctx.maskBias);
    } else {
      const kFilter = tf.reshape(permute(kh, [3, 0, 2, 1]), [1, hs, groups, s]) as tf.Tensor4D;
      const vFilter = tf.reshape(permute(vh, [1, 0, 2, 3]), [1, s, groups, hs]) as tf.Tensor4D;
      y = attend(qh, kFilter, vFilter, ctx.maskBias);
    }
    return tf.reshape(weightMatMul(y, w.projT), [b, s, h]) as tf.Tensor3D;
  });
}
