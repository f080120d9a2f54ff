/**
 * The process that executes one notebook for the runner (forked by run.ts, one per notebook, in the
 * notebook's folder): `node worker.js NOTEBOOK OUT_IPYNB`. It executes the notebook (execute.ts),
 * writes the executed notebook atomically to OUT_IPYNB, and reports progress and the result to
 * its parent over the IPC channel (`WorkerMessage`).
 */
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { executeNotebook, type CellEvent, type CellFailure, type CellTiming } from './execute.js';
import { formatNotebook, readNotebook } from './notebook.js';

export type WorkerMessage =
  | { type: 'cell-start'; event: CellEvent }
  | { type: 'cell-end'; timing: CellTiming }
  | { type: 'done'; cells: readonly CellTiming[]; failure?: CellFailure; seconds: number }
  | { type: 'fatal'; message: string };

function send(message: WorkerMessage): Promise<void> {
  return new Promise((done) => {
    if (!process.send) {
      process.stderr.write(`${JSON.stringify(message)}\n`);
      done();
      return;
    }
    process.send(message, undefined, {}, () => done());
  });
}

export async function workerMain(argv: readonly string[]): Promise<number> {
  if (argv.length !== 2) {
    process.stderr.write('usage: node dist/src/reproduce/worker.js NOTEBOOK OUT_IPYNB (started by `npm run reproduce`)\n');
    return 2;
  }
  const path = resolve(argv[0]!);
  const out = resolve(argv[1]!);
  try {
    const notebook = await readNotebook(path);
    const dir = dirname(path);
    process.chdir(dir);
    const result = await executeNotebook(notebook, {
      dir,
      onCellStart: (event) => void send({ type: 'cell-start', event }),
      onCellEnd: (timing) => void send({ type: 'cell-end', timing }),
    });
    await writeFileAtomic(out, formatNotebook(result.notebook));
    await send({ type: 'done', cells: result.cells, ...(result.failure ? { failure: result.failure } : {}), seconds: result.seconds });
    return 0;
  } catch (e) {
    await send({ type: 'fatal', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return 1;
  }
}

if (require.main === module) {
  workerMain(process.argv.slice(2)).then(
    // Libraries (tensor backends, timers of notebooks) may keep the event loop alive: exit.
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`reproduce worker: ${String(e)}\n`);
      process.exit(1);
    },
  );
}
