/**
 * Entry point of a GenerationPool worker thread (started by generation-pool.ts, never imported).
 * Each worker initialises its own tensor backend (the wasm backend is single-threaded in Node, so
 * one worker per core is what uses the cores), loads its own copy of the model once, and then runs
 * whole `generate` calls, one at a time, exactly as the main thread would run them.
 */
import type { RecurrentDepthModel } from './recurrent-depth-model.js';
import { serveModelRequests } from './model-worker-host.js';
import { generate } from './generate.js';
import type { GenerateReply, GenerateRequest } from './generation-protocol.js';

/** Runs one request; returns the reply and the latent buffers to move with it. */
function run(model: RecurrentDepthModel, id: number, request: GenerateRequest): { reply: GenerateReply; transfer: ArrayBuffer[] } {
  const result = generate(model, request.prompts, request.options);
  const transfer: ArrayBuffer[] = [];
  for (const seq of result.sequences) {
    // generate builds every row's latents in a fresh array of its own, so it can be moved.
    const l = seq.latents;
    if (l && l.byteOffset === 0 && l.byteLength === l.buffer.byteLength && l.buffer instanceof ArrayBuffer && !transfer.includes(l.buffer)) transfer.push(l.buffer);
  }
  return { reply: { type: 'result', id, sequences: result.sequences, steps: result.steps, hiddenSize: result.hiddenSize, recorded: result.recorded }, transfer };
}

serveModelRequests<GenerateRequest>('generation-worker.js', run);
