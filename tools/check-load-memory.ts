/**
 * Memory check for checkpoint loading (a separate script, not part of `npm test`):
 * writes a synthetic ~3 GB single-shard float32 Huginn checkpoint, loads it in a fresh child
 * process, and checks that the child's peak resident memory stays under 1.5x the tensor bytes
 * (tensors are read one at a time; no shard is ever held whole). The checkpoint is deleted after.
 *
 *   npm run check:memory [-- --gb 3 --keep]
 * Prints one JSON object on stdout; exit code 0 only if the bound holds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSyntheticHuginnCheckpoint, type SyntheticHuginnShape } from '../test/helpers/synthetic-checkpoint.js';

const BOUND = 1.5;

/** A wide shape whose largest tensor is ~90 MB; blocks are added until the target size is reached. */
function shapeFor(targetBytes: number): SyntheticHuginnShape {
  const h = 2048;
  const inter = 5504;
  const vocab = 16384;
  const perBlock = (4 * h * h + 3 * inter * h + 4 * h + 2 * h) * 4;
  const fixed = (vocab * h + 2 * h * h + h) * 4;
  const blocks = Math.max(3, Math.round((targetBytes - fixed) / perBlock));
  const prelude = Math.max(1, Math.floor(blocks / 6));
  const coda = prelude;
  return { nEmbd: h, nHeads: 16, nPrelude: prelude, nCore: blocks - 2 * prelude, nCoda: coda, intermediate: inter, vocab };
}

async function child(dir: string): Promise<void> {
  const { initBackend } = await import('../src/tensor/backend.js');
  const { RecurrentDepthModel } = await import('../src/model/recurrent-depth-model.js');
  const backend = await initBackend();
  const started = Date.now();
  const model = await RecurrentDepthModel.load(dir);
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ backend: backend.name, weight_bytes: model.weightBytes, max_rss_bytes: process.resourceUsage().maxRSS * 1024, load_seconds: seconds }));
}

async function parent(gb: number, keep: boolean): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'lto-memcheck-'));
  try {
    const shape = shapeFor(gb * 1024 ** 3);
    process.stderr.write(`writing a synthetic checkpoint (${JSON.stringify(shape)}) to ${dir} ...\n`);
    const t0 = Date.now();
    const { tensorBytes } = await writeSyntheticHuginnCheckpoint(dir, shape, { seed: 1 });
    process.stderr.write(`wrote ${(tensorBytes / 1024 ** 3).toFixed(2)} GiB in ${((Date.now() - t0) / 1000).toFixed(0)} s; loading in a fresh process ...\n`);
    const run = spawnSync(process.execPath, [__filename, '--load', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
    if (run.status !== 0) throw new Error(`loading child failed with exit code ${run.status}`);
    const measured = JSON.parse(run.stdout) as { backend: string; weight_bytes: number; max_rss_bytes: number; load_seconds: number };
    const ratio = measured.max_rss_bytes / tensorBytes;
    const ok = ratio < BOUND;
    process.stdout.write(`${JSON.stringify({ tensor_bytes: tensorBytes, ...measured, rss_over_tensor_bytes: Number(ratio.toFixed(3)), bound: BOUND, pass: ok })}\n`);
    return ok ? 0 : 1;
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { load: { type: 'string' }, gb: { type: 'string' }, keep: { type: 'boolean' } } });
  if (values.load) {
    await child(values.load);
    return 0;
  }
  const gb = Number(values.gb ?? '3');
  if (!(gb > 0)) throw new Error(`--gb must be a positive number, got ${values.gb}`);
  return parent(gb, values.keep ?? false);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`check-load-memory: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
