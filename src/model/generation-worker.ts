/**
 * Entry point of a GenerationPool worker thread (started by generation-pool.ts, never imported).
 * Each worker initialises its own tensor backend (the wasm backend is single-threaded in Node, so
 * one worker per core is what uses the cores), loads its own copy of the model once, and then runs
 * whole `generate` calls, one at a time, exactly as the main thread would run them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../tensor/backend.js';
import { RecurrentDepthModel } from './recurrent-depth-model.js';
import { generate } from './generate.js';
import type { FromGenerationWorker, GenerationWorkerInit, GenerateRequest, ToGenerationWorker } from './generation-protocol.js';

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs one request; returns the reply and the latent buffers to move with it. */
function run(model: RecurrentDepthModel, id: number, request: GenerateRequest): { reply: FromGenerationWorker; transfer: ArrayBuffer[] } {
  const result = generate(model, request.prompts, request.options);
  const transfer: ArrayBuffer[] = [];
  for (const seq of result.sequences) {
    // generate builds every row's latents in a fresh array of its own, so it can be moved.
    const l = seq.latents;
    if (l && l.byteOffset === 0 && l.byteLength === l.buffer.byteLength && l.buffer instanceof ArrayBuffer && !transfer.includes(l.buffer)) transfer.push(l.buffer);
  }
  return { reply: { type: 'result', id, sequences: result.sequences, steps: result.steps, hiddenSize: result.hiddenSize, recorded: result.recorded }, transfer };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('generation-worker.js runs only as a worker thread started by GenerationPool');
  const post = (message: FromGenerationWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  const init = workerData as GenerationWorkerInit;
  let model: RecurrentDepthModel;
  try {
    const info = await initBackend(init.backend);
    model = await RecurrentDepthModel.load(init.modelDir);
    post({ type: 'ready', config: model.config, backend: info.name });
  } catch (e) {
    post({ type: 'init-error', message: errorMessage(e) });
    return;
  }
  port.on('message', (message: ToGenerationWorker) => {
    // generate is synchronous, so requests run one at a time in arrival order.
    try {
      const { reply, transfer } = run(model, message.id, message.request);
      post(reply, transfer);
    } catch (e) {
      post({ type: 'error', id: message.id, message: errorMessage(e) });
    }
  });
}

main().catch((e: unknown) => {
  // Only reached outside a worker thread (start failures inside one are reported as init-error).
  process.stderr.write(`${errorMessage(e)}\n`);
  process.exitCode = 1;
});
