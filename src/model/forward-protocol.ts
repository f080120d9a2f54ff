/**
 * Messages between a ForwardPool (worker-pool.ts) and its workers (forward-worker.ts). Everything
 * here is structured-cloneable; result arrays travel in transfer lists (moved, not copied).
 */
import type { Seed } from '../tensor/random.js';
import type { PositionSelection } from './recurrent-depth-model.js';
import type { TestTimeNoise } from './test-time-noise.js';

/** Run `runs` consecutive rows of one prompt. */
export interface ChunkSegment {
  readonly ids: readonly number[];
  readonly runs: number;
}

/** A worker's share of a pooled forward: contiguous rows, as segments of whole or partial prompts. */
export interface ChunkRequest {
  readonly segments: readonly ChunkSegment[];
  /** One initial-state seed per row of the chunk, in row order (a slice of the batch's row seeds). */
  readonly rowSeeds: readonly Seed[];
  readonly steps: number | undefined;
  readonly initScale: number | undefined;
  readonly noise: TestTimeNoise | undefined;
  readonly record: readonly string[] | undefined;
  readonly positions: PositionSelection | undefined;
  readonly logits: PositionSelection | 'none' | undefined;
}

/** A tensor copied out of a backend: row-major values and their shape. */
export interface PlainTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** A worker's reply to a ChunkRequest. */
export interface ChunkResult {
  readonly type: 'result';
  readonly id: number;
  /** Records in the order the model returned them. */
  readonly records: readonly (readonly [string, PlainTensor])[];
  readonly logits: PlainTensor | undefined;
}

/** Concatenates [rows_i, ...rest] parts along the rows, checking that the other axes agree. */
export function concatRows(parts: readonly PlainTensor[], what: string): PlainTensor {
  const rest = parts[0]!.shape.slice(1);
  for (const p of parts) {
    if (p.shape.slice(1).join() !== rest.join()) throw new Error(`forward pool: parts of ${what} have of shapes [${p.shape.join(', ')}] and [${parts[0]!.shape.join(', ')}]`);
  }
  const rows = parts.reduce((n, p) => n + p.shape[0]!, 0);
  if (parts.length === 1) return { data: parts[0]!.data, shape: [rows, ...rest] };
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return { data, shape: [rows, ...rest] };
}
