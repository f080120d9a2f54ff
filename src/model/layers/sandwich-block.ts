/**
 * Huginn's "sandwich" block, which ends in a norm so the residual stream is renormalised:
 *   x1 = n2(x + Attn(n1(x)));  y = n4(x1 + MLP(n3(x1))).
 * With head-major weights (w.heads) and their tables (ctx.headLayout), the native backend's
 * layout runs: attention from head-attention.ts, the MLP on [1, S, h] without row reshapes, and
 * n1 and n3 without their weights (folded into the matrices after them).
 */
import * as tf from '@tensorflow/tfjs';
import type { BlockWeights } from '../weights.js';
import type { KvStore } from '../kv-cache.js';
import { attention, selfAttention, type AttentionContext } from './attention.js';
import { headAttention, type HeadLayoutContext } from './head-attention.js';
import { gatedMlp } from './gated-mlp.js';
import { rmsNorm } from './rms-norm.js';

export interface BlockContext extends AttentionContext {
  readonly eps: number;
  /** When set, the norms take their mean as a matMul with this [h, 1] column (see rmsNorm). */
  readonly meanColumn?: tf.Tensor2D;
  /** Cache to read and update, or undefined to attend within the call only. */
  readonly cache: KvStore | undefined;
  /** Tables of the head-major layout, when this call may use it (native backend, no gradient). */
  readonly headLayout?: HeadLayoutContext;
}

export function sandwichBlock(x: tf.Tensor3D, w: BlockWeights, ctx: BlockContext, cacheName: string): tf.Tensor3D {
  const heads = ctx.headLayout && w.heads;
  // Without a cache the key/value entries are not needed and not built.
  const normed = rmsNorm(x, heads ? undefined : w.norm1, ctx.eps, ctx.meanColumn);
  let attended: tf.Tensor3D;
  try {
    if (heads) {
      const att = headAttention(normed, heads.attn, ctx.headLayout!, ctx.maskBias, ctx.cache ? { past: ctx.cache.get(cacheName) } : undefined);
      if (att.entries) ctx.cache!.put(cacheName, att.entries.added, att.entries.full);
      attended = att.out;
    } else if (ctx.cache) {
      const att = attention(normed, w.attn, ctx, ctx.cache.get(cacheName));
      ctx.cache.put(cacheName, att.added, att.full);
      attended = att.out;
    } else {
      attended = selfAttention(normed, w.attn, ctx);
    }
  } finally {
    normed.dispose();
  }
  try {
    return tf.tidy(() => {
      const [b, s, h] = x.shape;
      const x1 = rmsNorm(tf.add(x, attended), w.norm2, ctx.eps, ctx.meanColumn);
      const mlpIn = rmsNorm(x1, heads ? undefined : w.norm3, ctx.eps, ctx.meanColumn) as tf.Tensor3D;
      const mlpWeights = heads ? heads.mlp : w.mlp;
      // One sequence goes through as [1, S, h]; more as rows (see matMulRows).
      const mlp = heads && b === 1 ? gatedMlp(mlpIn, mlpWeights) : tf.reshape(gatedMlp(tf.reshape(mlpIn, [b * s, h]) as tf.Tensor2D, mlpWeights), [b, s, h]);
      return rmsNorm(tf.add(x1, mlp), w.norm4, ctx.eps, ctx.meanColumn) as tf.Tensor3D;
    });
  } finally {
    attended.dispose();
  }
}
