/**
 * Causal self-attention of a Huginn block: fused QKV projection, learned q/k bias added before
 * the interleaved rotary embedding, softmax attention with an additive mask, output projection.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionWeights } from '../weights.js';
import type { KvEntry } from '../kv-cache.js';
import { applyRotary, type RotaryTables } from './rotary.js';

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

export function attention(x: tf.Tensor3D, w: AttentionWeights, ctx: AttentionContext, past: KvEntry | undefined): AttentionOutput {
  return tf.tidy(() => {
    const [b, s, h] = x.shape;
    const heads = ctx.nHeads;
    const hs = h / heads;
    const qkv: tf.Tensor2D = tf.matMul(tf.reshape(x, [b * s, h]) as tf.Tensor2D, w.wqkvT);
    let qk: tf.Tensor2D = tf.slice(qkv, [0, 0], [-1, 2 * h]);
    if (w.qkBias) qk = tf.add(qk, w.qkBias) as tf.Tensor2D;
    const v = tf.slice(qkv, [0, 2 * h], [-1, h]);
    const rotated = applyRotary(tf.reshape(qk, [b, s, 2 * h]), ctx.rotary);
    const q = tf.transpose(tf.reshape(tf.slice(rotated, [0, 0, 0], [-1, -1, h]), [b, s, heads, hs]), [0, 2, 1, 3]);
    const kT = tf.transpose(tf.reshape(tf.slice(rotated, [0, 0, h], [-1, -1, h]), [b, s, heads, hs]), [0, 2, 3, 1]) as tf.Tensor4D;
    const vv = tf.transpose(tf.reshape(v, [b, s, heads, hs]), [0, 2, 1, 3]) as tf.Tensor4D;
    const keysT = past ? (tf.concat([past.keysT, kT], 3) as tf.Tensor4D) : kT;
    const values = past ? (tf.concat([past.values, vv], 2) as tf.Tensor4D) : vv;
    let scores = tf.matMul(q, keysT); // the 1/sqrt(hs) scale is folded into the rotary q tables
    if (ctx.maskBias) scores = tf.add(scores, ctx.maskBias);
    const probs = tf.softmax(scores);
    const y = tf.reshape(tf.transpose(tf.matMul(probs, values), [0, 2, 1, 3]), [b * s, h]);
    const out = tf.reshape(tf.matMul(y, w.projT), [b, s, h]) as tf.Tensor3D;
    return { out, added: { keysT: kT, values: vv }, full: { keysT, values } };
  });
}
