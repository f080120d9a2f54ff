/**
 * The sinusoidal position encoding of "Attention Is All You Need", over recurrence steps:
 * PE[t, 2i] = sin(t / 10000^(2i / d)), PE[t, 2i + 1] = cos(t / 10000^(2i / d)).
 * Being a fixed function of t, it extends to any number of steps, which is what lets one LRM
 * score trajectory prefixes of any length.
 */

const cache = new Map<string, Float32Array>();

/** The encoding of steps 0..steps-1 as a row-major [steps, dModel] array (cached; do not modify). */
export function sinusoidalEncoding(steps: number, dModel: number): Float32Array {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`sinusoidalEncoding: steps is ${steps}; expected a positive integer`);
  if (!Number.isInteger(dModel) || dModel < 1) throw new Error(`sinusoidalEncoding: dModel is ${dModel}; expected a positive integer`);
  const key = `${steps}x${dModel}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const out = new Float32Array(steps * dModel);
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < dModel; j++) {
      const angle = t / Math.pow(10000, (2 * Math.floor(j / 2)) / dModel);
      out[t * dModel + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  cache.set(key, out);
  return out;
}
