/**
 * Choosing the next token from logits: greedy (argmax, first index on ties, like torch) or
 * sampled with temperature, top-k and top-p, from a seeded stream.
 */
import type { Rng } from '../tensor/random.js';

export interface SamplingOptions {
  /** Softmax temperature (> 0). Default 1. */
  readonly temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined = all). */
  readonly topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 or undefined = all). */
  readonly topP?: number;
}

export type Decoding = 'greedy' | SamplingOptions;

export function validateDecoding(d: Decoding): void {
  if (d === 'greedy') return;
  const t = d.temperature ?? 1;
  if (!(t > 0) || !Number.isFinite(t)) throw new Error(`sampling temperature must be a positive number, got ${t}`);
  if (d.topK !== undefined && (!Number.isInteger(d.topK) || d.topK < 0)) throw new Error(`sampling topK must be a non-negative integer, got ${d.topK}`);
  if (d.topP !== undefined && !(d.topP > 0 && d.topP <= 1)) throw new Error(`sampling topP must lie in (0, 1], got ${d.topP}`);
}

/** Index of the largest of the first `n` values (first on ties). */
export function argmax(values: ArrayLike<number>, n = values.length, offset = 0): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[offset + i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Picks a token from logits[offset .. offset + n). */
export function chooseToken(logits: ArrayLike<number>, n: number, offset: number, decoding: Decoding, rng: Rng | undefined): number {
  if (decoding === 'greedy') return argmax(logits, n, offset);
  if (!rng) throw new Error('sampled decoding needs a random stream');
  const t = decoding.temperature ?? 1;
  let order = Array.from({ length: n }, (_, i) => i);
  const scaled = order.map((i) => logits[offset + i]! / t);
  const max = Math.max(...scaled.filter((v) => Number.isFinite(v)));
  let probs = scaled.map((v) => Math.exp(v - max));
  order.sort((a, b) => probs[b]! - probs[a]! || a - b);
  if (decoding.topK && decoding.topK < n) order = order.slice(0, decoding.topK);
  if (decoding.topP !== undefined && decoding.topP < 1) {
    const total = order.reduce((s, i) => s + probs[i]!, 0);
    let acc = 0;
    let keep = 0;
    for (const i of order) {
      acc += probs[i]! / total;
      keep++;
      if (acc >= decoding.topP) break;
    }
    order = order.slice(0, keep);
  }
  probs = order.map((i) => probs[i]!);
  return order[rng.categorical(probs)]!;
}
