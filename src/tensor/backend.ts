/**
 * Tensor backend selection.
 *
 * Preference when nothing is forced: tfjs-node-gpu > tfjs-node > wasm > cpu. The native
 * packages are optional peers (their install downloads libtensorflow, which is not possible
 * everywhere), so they are detected at run time: a package that is missing or fails to load is
 * skipped and the reason kept for `describeBackend()`.
 *
 * `LTO_BACKEND` forces one choice: `auto` (default), `node-gpu`, `node`, `wasm` or `cpu`.
 *
 * Before libtensorflow loads, two of its settings get defaults suited to this toolkit's small
 * models, unless the environment already sets them (see NATIVE_RUNTIME_DEFAULTS).
 */
import * as tf from '@tensorflow/tfjs';
import { isMainThread } from 'node:worker_threads';

export type BackendChoice = 'auto' | 'node-gpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'];

export interface BackendInfo {
  /** Our name for the backend: `node-gpu`, `node`, `wasm` or `cpu`. */
  readonly name: Exclude<BackendChoice, 'auto'>;
  /** The tfjs backend id (`tensorflow`, `wasm`, `cpu`). */
  readonly tfjsBackend: string;
  /** Why it was chosen (forced by LTO_BACKEND, or the first that loaded). */
  readonly reason: string;
  /** Backends tried before this one, with the reason each was skipped. */
  readonly skipped: readonly { name: string; reason: string }[];
  /** libtensorflow settings in effect (native backends only), e.g. `TF_NUM_INTRAOP_THREADS=1 (default)`. */
  readonly runtime: readonly string[];
}

/**
 * libtensorflow settings applied when the environment leaves them unset. The embedded models
 * run thousands of small ops per forward pass, where the per-op cost of oneDNN's primitives and
 * of handing each op to the intra-op thread pool outweighs the arithmetic. Measured with
 * `npm run bench -- --only model` on tfjs-node (2 cores; alternating runs, medians):
 * forward of 1 run 98-134 -> 136-236 latent steps/s, 20 runs 775-923 -> 903-1047, 20 runs in two
 * workers 676-864 -> 873-1506, generation 7.5-8.3 -> 12.8-18.7 tokens/s (1 run) and 109-116 ->
 * 208-244 (20 runs); a 512^3 matMul 111-116 -> 94-103 GFLOP/s. For a large checkpoint on a many-core
 * machine, set TF_NUM_INTRAOP_THREADS=0 (all cores) and TF_ENABLE_ONEDNN_OPTS=1 before starting.
 * The values change floating-point rounding, so trajectories are bit-identical only under the
 * same settings (reported by describeBackend).
 */
export const NATIVE_RUNTIME_DEFAULTS: Readonly<Record<string, string>> = {
  TF_ENABLE_ONEDNN_OPTS: '0',
  TF_NUM_INTRAOP_THREADS: '1',
};

/**
 * Applies NATIVE_RUNTIME_DEFAULTS to the environment where unset and returns the settings in
 * effect. Only the main thread can set them (a worker's process.env is its own copy); the native
 * library reads them once, when it is first loaded in the process.
 */
function applyNativeRuntimeDefaults(): string[] {
  return Object.entries(NATIVE_RUNTIME_DEFAULTS).map(([key, value]) => {
    const given = process.env[key];
    if (given !== undefined && given !== '') return `${key}=${given}`;
    if (!isMainThread) return `${key} unset (worker thread: set in the main thread)`;
    process.env[key] = value;
    return `${key}=${value} (default)`;
  });
}

let current: Promise<BackendInfo> | undefined;

/** Parses a backend choice, naming the source of the value in the error. */
export function parseBackendChoice(value: string | undefined, source = 'LTO_BACKEND'): BackendChoice {
  if (value === undefined || value === '') return 'auto';
  // JavaScript callers (notebooks) can pass anything; say what was expected instead of a TypeError.
  if (typeof value !== 'string') {
    throw new Error(`${source} must be a string naming a backend (one of ${BACKEND_CHOICES.join(', ')}), got ${typeof value}`);
  }
  const v = value.trim().toLowerCase() as BackendChoice;
  if (!BACKEND_CHOICES.includes(v)) {
    throw new Error(`${source}="${value}" is not a backend; expected one of ${BACKEND_CHOICES.join(', ')}`);
  }
  return v;
}

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 300);
}

async function tryNative(pkg: string): Promise<string | undefined> {
  // The native packages register the 'tensorflow' backend on the shared tfjs-core instance.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(pkg);
  if (!tf.engine().registryFactory['tensorflow']) return `${pkg} loaded but registered no 'tensorflow' backend (a second copy of tfjs-core?)`;
  if (!(await tf.setBackend('tensorflow'))) return `${pkg}: the 'tensorflow' backend failed to initialise`;
  return undefined;
}

async function tryWasm(): Promise<string | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) return 'the wasm backend failed to initialise';
  return undefined;
}

async function tryCpu(): Promise<string | undefined> {
  if (!(await tf.setBackend('cpu'))) return 'the cpu backend failed to initialise';
  return undefined;
}

const ATTEMPTS: Record<Exclude<BackendChoice, 'auto'>, { tfjs: string; run: () => Promise<string | undefined> }> = {
  'node-gpu': { tfjs: 'tensorflow', run: () => tryNative('@tensorflow/tfjs-node-gpu') },
  node: { tfjs: 'tensorflow', run: () => tryNative('@tensorflow/tfjs-node') },
  wasm: { tfjs: 'wasm', run: tryWasm },
  cpu: { tfjs: 'cpu', run: tryCpu },
};

async function select(choice: BackendChoice): Promise<BackendInfo> {
  const order: Exclude<BackendChoice, 'auto'>[] = choice === 'auto' ? ['node-gpu', 'node', 'wasm', 'cpu'] : [choice];
  const skipped: { name: string; reason: string }[] = [];
  // Set before any native package loads; harmless when none does.
  const nativeRuntime = order.some((name) => ATTEMPTS[name].tfjs === 'tensorflow') ? applyNativeRuntimeDefaults() : [];
  for (const name of order) {
    let failure: string | undefined;
    try {
      failure = await ATTEMPTS[name].run();
    } catch (e) {
      failure = errorText(e);
    }
    if (failure === undefined) {
      await tf.ready();
      const reason = choice === 'auto' ? 'first available (auto)' : 'forced by LTO_BACKEND or option';
      const runtime = ATTEMPTS[name].tfjs === 'tensorflow' ? nativeRuntime : [];
      return { name, tfjsBackend: ATTEMPTS[name].tfjs, reason, skipped, runtime };
    }
    skipped.push({ name, reason: failure });
  }
  const details = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new Error(`no tensor backend could be initialised for choice "${choice}" (${details})`);
}

/**
 * Selects and initialises the backend once per process; later calls return the same result.
 * `choice` overrides LTO_BACKEND; passing a different choice after initialisation re-selects.
 */
export function initBackend(choice?: BackendChoice): Promise<BackendInfo> {
  let wanted: BackendChoice;
  try {
    wanted = choice === undefined ? parseBackendChoice(process.env['LTO_BACKEND']) : parseBackendChoice(choice, 'initBackend choice');
  } catch (e) {
    return Promise.reject(e);
  }
  if (current === undefined || (choice !== undefined && lastChoice !== wanted)) {
    lastChoice = wanted;
    current = select(wanted);
    current.catch(() => {
      current = undefined;
    });
  }
  return current;
}
let lastChoice: BackendChoice | undefined;

/** One line for logs and CLI output, e.g. `wasm (first available (auto); skipped node-gpu: ...)`. */
export function describeBackend(info: BackendInfo): string {
  const skipped = info.skipped.length ? `; skipped ${info.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}` : '';
  const runtime = info.runtime.length ? `; ${info.runtime.join(', ')}` : '';
  return `${info.name} (${info.reason}${skipped}${runtime})`;
}
