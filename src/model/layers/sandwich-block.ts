/**
 * Huginn's "sandwich" block, which ends in a norm so the residual stream is renormalised:
 *   x1 = n2(x + Attn(n1(x)));  y = n4(x1 + MLP(n3(x1))).
 */
import * as tf from '@tensorflow/tfjs';
import type { BlockWeights } from '../weights.js';
import type { KvStore } from '../kv-cache.js';
import { attention, selfAttention, type AttentionContext } from './attention.js';
import { gatedMlp } from './gated-mlp.js';
import { rmsNorm } from './rms-norm.js';

export interface BlockContext extends AttentionContext {
  readonly eps: number;
  /** When set, the norms take their mean as a matMul with this [h, 1] column (see rmsNorm). */
  readonly meanColumn?: tf.Tensor2D;
  /** Cache to read and update, or undefined to attend within the call only. */
  readonly cache: KvStore | undefined;
}

export function sandwichBlock(x: tf.Tensor3D, w: BlockWeights, ctx: BlockContext, cacheName: string): tf.Tensor3D {
  // Without a cache the key/value entries are not needed and not built.
  const normed = rmsNorm(x, w.norm1, ctx.eps, ctx.meanColumn);
  let attended: tf.Tensor3D;
  try {
    if (ctx.cache) {
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
      const mlp = gatedMlp(tf.reshape(rmsNorm(x1, w.norm3, ctx.eps, ctx.meanColumn), [b * s, h]), w.mlp);
      return rmsNorm(tf.add(x1, tf.reshape(mlp, [b, s, h])), w.norm4, ctx.eps, ctx.meanColumn) as tf.Tensor3D;
    });
  } finally {
    attended.dispose();
  }
}
