/**
 * The common life of a model worker thread (ForwardPool and GenerationPool workers): initialise
 * the tensor backend, load the model folder once, report `ready` (or `init-error`), then answer
 * requests one at a time in arrival order, each with its reply or an `error` naming the cause.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendChoice } from '../tensor/backend.js';
import { RecurrentDepthModel } from './recurrent-depth-model.js';

/** `workerData` of every model worker. */
export interface ModelWorkerInit {
  readonly modelDir: string;
  /** Backend to force; undefined lets the worker choose as the main thread would (LTO_BACKEND, auto). */
  readonly backend: BackendChoice | undefined;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Serves requests `{ id, request }` with `handle`, which returns the reply and the buffers to move
 * with it. `what` names the worker in the error raised when this file is run outside a worker.
 */
export function serveModelRequests<Request>(what: string, handle: (model: RecurrentDepthModel, id: number, request: Request) => { reply: unknown; transfer: ArrayBuffer[] }): void {
  const start = async (): Promise<void> => {
    const port = parentPort;
    if (!port) throw new Error(`${what} runs only as a worker thread started by its pool`);
    const init = workerData as ModelWorkerInit;
    let model: RecurrentDepthModel;
    try {
      const info = await initBackend(init.backend);
      model = await RecurrentDepthModel.load(init.modelDir);
      port.postMessage({ type: 'ready', config: model.config, backend: info.name });
    } catch (e) {
      port.postMessage({ type: 'init-error', message: errorMessage(e) });
      return;
    }
    port.on('message', (message: { id: number; request: Request }) => {
      // Requests are synchronous, so they run one at a time in arrival order.
      try {
        const { reply, transfer } = handle(model, message.id, message.request);
        port.postMessage(reply, transfer);
      } catch (e) {
        port.postMessage({ type: 'error', id: message.id, message: errorMessage(e) });
      }
    });
  };
  start().catch((e: unknown) => {
    // Only reached outside a worker thread (start failures inside one are reported as init-error).
    process.stderr.write(`${errorMessage(e)}\n`);
    process.exitCode = 1;
  });
}
