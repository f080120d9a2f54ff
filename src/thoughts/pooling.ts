/**
 * Pooling the per-token latents of one generated answer into one trajectory. The paper averages
 * the latent state of every generated token at each recurrence step (`mean`); `last` and `first`
 * keep a single token (the one that emitted the stop token, or the first answer token).
 */
export const POOLINGS = ['mean', 'last', 'first'] as const;
export type Pooling = (typeof POOLINGS)[number];

export function isPooling(value: unknown): value is Pooling {
  return typeof value === 'string' && (POOLINGS as readonly string[]).includes(value);
}

/**
 * Pools token latents [tokens, steps, width] row-major into [steps, width]. Mean pooling sums in
 * float64 so that the result does not depend on the answer's length beyond float32 rounding.
 */
export function poolTokenLatents(latents: Float32Array, tokens: number, steps: number, width: number, pooling: Pooling): Float32Array {
  const per = steps * width;
  if (!Number.isInteger(tokens) || tokens < 1) throw new Error(`pooling: a trajectory needs at least one generated token, got ${tokens}`);
  if (latents.length !== tokens * per) throw new Error(`pooling: ${latents.length} values, expected tokens x steps x width = ${tokens} x ${steps} x ${width}`);
  if (!isPooling(pooling)) throw new Error(`pooling must be one of ${POOLINGS.join(', ')}, got ${JSON.stringify(pooling)}`);
  if (pooling === 'first') return latents.slice(0, per);
  if (pooling === 'last') return latents.slice((tokens - 1) * per, tokens * per);
  const sum = new Float64Array(per);
  for (let k = 0; k < tokens; k++) {
    const base = k * per;
    for (let i = 0; i < per; i++) sum[i]! += latents[base + i]!;
  }
  const out = new Float32Array(per);
  for (let i = 0; i < per; i++) out[i] = sum[i]! / tokens;
  return out;
}
