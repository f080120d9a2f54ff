/**
 * Entry point of a ForwardPool worker thread (started by worker-pool.ts, never imported). Each
 * worker initialises its own tensor backend (the wasm backend is single-threaded in Node, so one
 * worker per core is what spreads a batch over the cores), loads its own copy of the model, and
 * then answers forward requests for its share of a batch's rows, one at a time.
 */
import * as tf from '@tensorflow/tfjs';
import type { RecurrentDepthModel, ForwardResult } from './recurrent-depth-model.js';
import { serveModelRequests } from './model-worker-host.js';
import { InitialStateSampler } from './initial-state.js';
import { StepNoiseSampler } from './test-time-noise.js';
import { concatRows, type ChunkRequest, type ChunkSegment, type ChunkResult, type PlainTensor } from './forward-protocol.js';

/** Consecutive segments with the same run count: one `forward` call (the prelude runs once per prompt in it). */
interface Group {
  readonly ids: (readonly number[])[];
  readonly runs: number;
  /** First row of the group within the chunk. */
  readonly rowStart: number;
}

function groupSegments(segments: readonly ChunkSegment[]): Group[] {
  const groups: { ids: (readonly number[])[]; runs: number; rowStart: number }[] = [];
  let row = 0;
  for (const s of segments) {
    const last = groups[groups.length - 1];
    if (last && last.runs === s.runs) last.ids.push(s.ids);
    else groups.push({ ids: [s.ids], runs: s.runs, rowStart: row });
    row += s.runs;
  }
  return groups;
}

/**
 * Whether a backend read hands back a buffer of its own. The cpu backend returns the tensor's
 * storage, which reference-counted tensors may share, so moving it out would be unsafe there; the
 * wasm and native backends copy out of their memory on every read.
 */
function readsAreFresh(): boolean {
  return tf.getBackend() !== 'cpu';
}

/** Copies a tensor out of the backend (at most once), ready to be moved to the caller. */
function copyOut(t: tf.Tensor, transfer: Set<ArrayBuffer>): PlainTensor {
  const read = t.dataSync() as Float32Array;
  const whole = read.byteOffset === 0 && read.byteLength === read.buffer.byteLength && read.buffer instanceof ArrayBuffer;
  const data = readsAreFresh() && whole && !transfer.has(read.buffer as ArrayBuffer) ? read : Float32Array.from(read);
  transfer.add(data.buffer as ArrayBuffer);
  return { data, shape: t.shape };
}

/** Runs one chunk; returns the reply and the buffers to move with it. */
function runChunk(model: RecurrentDepthModel, id: number, request: ChunkRequest): { reply: ChunkResult; transfer: ArrayBuffer[] } {
  const groups = groupSegments(request.segments);
  const chunkRows = request.segments.reduce((n, s) => n + s.runs, 0);
  if (request.rowSeeds.length !== chunkRows) throw new Error(`forward worker: ${request.rowSeeds.length} row seeds for ${chunkRows} rows`);
  // With several groups the parts are concatenated below, which copies anyway.
  const moveReads = groups.length === 1;
  const transfer = new Set<ArrayBuffer>();
  const recordParts = new Map<string, PlainTensor[]>();
  const logitParts: PlainTensor[] = [];
  for (const g of groups) {
    const rows = g.ids.length * g.runs;
    // The group's rows draw their initial states from the seeds the whole batch would give them,
    // which is what makes the pooled result equal the single-process one.
    const sampler = new InitialStateSampler(model.config, request.rowSeeds.slice(g.rowStart, g.rowStart + rows), request.initScale);
    let out: ForwardResult | undefined;
    try {
      out = model.forward(g.ids, {
        steps: request.steps,
        runs: g.runs,
        sampler,
        stepNoise: new StepNoiseSampler(model.config, request.rowSeeds.slice(g.rowStart, g.rowStart + rows), request.noise ?? model.config.testTimeNoise),
        record: request.record,
        positions: request.positions,
        logits: request.logits,
      });
      const sink = moveReads ? transfer : new Set<ArrayBuffer>();
      for (const [name, t] of out.records) {
        const parts = recordParts.get(name) ?? [];
        parts.push(copyOut(t, sink));
        recordParts.set(name, parts);
      }
      if (out.logits) logitParts.push(copyOut(out.logits, sink));
    } finally {
      out?.dispose();
    }
  }
  const join = (parts: readonly PlainTensor[]): PlainTensor => {
    if (parts.length === 1) return parts[0]!;
    const joined = concatRows(parts, 'a record');
    transfer.add(joined.data.buffer as ArrayBuffer);
    return joined;
  };
  const records = [...recordParts].map(([name, parts]) => [name, join(parts)] as const);
  const logits = logitParts.length ? join(logitParts) : undefined;
  return { reply: { type: 'result', id, records, logits }, transfer: [...transfer] };
}

serveModelRequests<ChunkRequest>('forward-worker.js', runChunk);
