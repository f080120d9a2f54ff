/**
 * sampleTrajectories, sampleOrLoadTrajectorySet and evaluateAccuracy with a GenerationPool on a tiny freshly trained model:
 * the pooled results equal the in-process ones exactly (same backend), batch order and resumable
 * parts are kept, a pool of another model is refused, and the main thread's tensor count stays flat.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { train, DEFAULT_TRAINING } from '../../src/training/trainer.js';
import { loadModelWithTokenizer, type LoadedModel } from '../../src/model/default-model.js';
import { GenerationPool } from '../../src/model/generation-pool.js';
import { buildDomainSplits } from '../../src/tasks/splits.js';
import type { TaskItem } from '../../src/tasks/task.js';
import { evaluateAccuracy } from '../../src/evaluation/accuracy.js';
import { sampleTrajectories, type SampleOptions } from '../../src/thoughts/sample.js';
import { sampleOrLoadTrajectorySet } from '../../src/thoughts/cached-sampling.js';
import type { TrajectorySet } from '../../src/thoughts/trajectory-set.js';
import { loadSyntheticModel } from '../helpers/model.js';

let root: string;
let loaded: LoadedModel;
let items: TaskItem[];
let pool: GenerationPool;

before(async () => {
  const info = await initBackend();
  root = mkdtempSync(join(tmpdir(), 'lto-pooled-sample-'));
  const splits = ['math', 'code', 'choice'].map((d) => buildDomainSplits(d as never, { seed: 3, sizes: { train: 8, validation: 2, test: 2 } }));
  await train({
    outDir: join(root, 'model'),
    train: splits.flatMap((s) => s.train),
    config: { ...DEFAULT_TRAINING, shape: { nEmbd: 16, nHeads: 2, nPrelude: 1, nCore: 1, nCoda: 1, intermediateSize: 32, meanRecurrence: 3, meanBackpropDepth: 1, blockSize: 256 }, steps: 2, batchSize: 4, warmupSteps: 1, checkpointEvery: 2 },
    resume: false,
  });
  loaded = await loadModelWithTokenizer(join(root, 'model'));
  items = splits.flatMap((s) => [...s.validation, ...s.test]);
  // The same backend as this thread, so that the equality below is exact.
  pool = await GenerationPool.open(join(root, 'model'), { workers: 2, backend: info.name });
});

after(async () => {
  await pool.close();
  loaded.model.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** 12 questions in 4 batches of 3: more batches than workers, so several are in flight at once. */
const OPTIONS: SampleOptions = { runs: 3, steps: 3, seed: 9, maxNewTokens: 6, noise: { scale: 0.5, schedule: 'fixed' }, split: 'validation', questionsPerBatch: 3 };

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** Exact equality of two sets: run table, pooled trajectories and token latents bit for bit. */
function assertSameSet(actual: TrajectorySet, expected: TrajectorySet): void {
  assert.deepEqual(actual.runs, expected.runs);
  assert.deepEqual(bits(actual.trajectories.data), bits(expected.trajectories.data));
  assert.deepEqual(actual.tokenLatents?.offsets, expected.tokenLatents?.offsets);
  if (expected.tokenLatents) assert.deepEqual(bits(actual.tokenLatents!.data), bits(expected.tokenLatents.data));
  const { created: _a, ...a } = actual.manifest;
  const { created: _b, ...b } = expected.manifest;
  assert.deepEqual(a, b);
}

test('pooled sampleTrajectories equals the in-process sampling exactly, in batch order, with token latents', async () => {
  const progress: number[] = [];
  const pooled = await sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...OPTIONS, keepTokenLatents: true, pool, onProgress: (done) => progress.push(done) });
  assert.deepEqual(progress, [3, 6, 9, 12]);
  const local = await sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...OPTIONS, keepTokenLatents: true });
  assert.equal(pooled.size, items.length * 3);
  assert.deepEqual(pooled.questionIds(), items.map((i) => i.id));
  assertSameSet(pooled, local);
  assert.ok(pooled.runs.some((r, i) => r.output !== pooled.runs[i - 1]?.output), 'the runs are not all the same');
});

test('pooled and resumable: an interrupted sampling keeps its parts in order and resumes to the in-process result', async () => {
  const parts = join(root, 'parts');
  const options: SampleOptions = { ...OPTIONS, partsDir: parts, pool };
  let batches = 0;
  await assert.rejects(
    sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...options, onProgress: () => { if (++batches === 2) throw new Error('interrupted'); } }),
    /interrupted/,
  );
  assert.ok(existsSync(join(parts, 'part-00000', 'manifest.json')) && existsSync(join(parts, 'part-00001', 'manifest.json')));
  assert.ok(!existsSync(join(parts, 'part-00002')), 'batches generated ahead are not saved out of order');
  const progress: number[] = [];
  const resumed = await sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...options, onProgress: (done) => progress.push(done) });
  assert.deepEqual(progress, [3, 6, 9, 12]);
  assertSameSet(resumed, await sampleTrajectories(loaded.model, loaded.tokenizer, items, OPTIONS));
  // The pool is still usable after the interrupted call.
  assert.equal(pool.running, 2);
});

test('sampleOrLoadTrajectorySet with workers: 2 samples in its own pool (closed after) to the in-process set, then loads it', async () => {
  const dir = join(root, 'cached-with-workers');
  const sampled = await sampleOrLoadTrajectorySet(dir, loaded.model, loaded.tokenizer, items, { ...OPTIONS, workers: 2 });
  assertSameSet(sampled, await sampleTrajectories(loaded.model, loaded.tokenizer, items, OPTIONS));
  assert.ok(!existsSync(join(dir, 'parts')), 'the parts are removed once the set is saved');
  // A cached set loads without workers; bad worker counts are named.
  const progress: number[] = [];
  const reloaded = await sampleOrLoadTrajectorySet(dir, loaded.model, loaded.tokenizer, items, { ...OPTIONS, workers: 2, onProgress: (done) => progress.push(done) });
  assert.deepEqual(reloaded.runs, sampled.runs);
  assert.deepEqual(bits(reloaded.trajectories.data), bits(sampled.trajectories.data));
  assert.deepEqual(progress, [items.length]);
  await assert.rejects(sampleOrLoadTrajectorySet(join(root, 'never'), loaded.model, loaded.tokenizer, items, { ...OPTIONS, workers: 0 }), /sampleOrLoadTrajectorySet: workers must be a positive integer, got 0/);
});

test('pooled evaluateAccuracy returns the in-process report exactly', async () => {
  const o = { steps: 3, runs: 2, seed: 5, noise: { scale: 0.5, schedule: 'fixed' as const }, questionsPerBatch: 4 };
  const batches: number[] = [];
  const pooled = await evaluateAccuracy(loaded.model, loaded.tokenizer, items, { ...o, pool, onBatch: (done) => batches.push(done) });
  assert.deepEqual(batches, [4, 8, 12]);
  const local = evaluateAccuracy(loaded.model, loaded.tokenizer, items, o);
  assert.deepEqual(pooled, local);
  assert.equal(pooled.outcomes.length, items.length * 2);
});

test('a pool opened on another model folder is refused', async () => {
  const other = await loadSyntheticModel();
  try {
    await assert.rejects(sampleTrajectories(other.model, loaded.tokenizer, items, { ...OPTIONS, pool }), /sampleTrajectories: the GenerationPool was opened on .*; open the pool on the same folder/);
    await assert.rejects(evaluateAccuracy(other.model, loaded.tokenizer, items, { steps: 3, runs: 1, seed: 0, pool }), /evaluateAccuracy: the GenerationPool was opened on .*; open the pool on the same folder/);
  } finally {
    await other.close();
  }
});

test('pooled sampling and evaluation run no kernel in the main thread and leave its tensor count flat', async () => {
  const before = tf.memory().numTensors;
  for (let seed = 0; seed < 2; seed++) {
    const profile = await tf.profile(async () => {
      await sampleTrajectories(loaded.model, loaded.tokenizer, items.slice(0, 6), { ...OPTIONS, seed, pool });
      await evaluateAccuracy(loaded.model, loaded.tokenizer, items.slice(0, 6), { steps: 3, runs: 2, seed, pool });
      return [];
    });
    assert.equal(profile.kernels.length, 0, 'the generation ran in the workers');
    assert.equal(profile.newTensors, 0);
  }
  assert.equal(tf.memory().numTensors, before);
  // The profile does see in-process generation (so the zero above means something).
  const local = await tf.profile(async () => {
    await sampleTrajectories(loaded.model, loaded.tokenizer, items.slice(0, 3), OPTIONS);
    return [];
  });
  assert.ok(local.kernels.length > 0);
});

test('lto eval --workers 2 prints the same report as in-process, greedy or sampled; --workers 0 and --temperature 0 are usage errors', () => {
  const lto = join(__dirname, '../../../bin/lto.js');
  const evalArgs = ['eval', '--model', join(root, 'model'), '--domain', 'math', '--split', 'test', '--limit', '3', '--runs', '2', '--steps', '3', '--noise', '0.5', '--json'];
  const run = (extra: string[]) => spawnSync(process.execPath, [lto, ...evalArgs, ...extra], { encoding: 'utf8' });
  const local = run([]);
  const pooled = run(['--workers', '2']);
  assert.equal(local.status, 0, local.stderr);
  assert.equal(pooled.status, 0, pooled.stderr);
  assert.match(pooled.stderr, /generation: 2 worker threads/);
  assert.deepEqual(JSON.parse(pooled.stdout), JSON.parse(local.stdout));
  assert.equal(JSON.parse(local.stdout).decoding, 'greedy');
  // Sampled decoding reaches the workers: the same report in-process and pooled.
  const sampledLocal = run(['--temperature', '1.5']);
  const sampledPooled = run(['--temperature', '1.5', '--workers', '2']);
  assert.equal(sampledPooled.status, 0, sampledPooled.stderr);
  assert.deepEqual(JSON.parse(sampledLocal.stdout).decoding, { temperature: 1.5 });
  assert.deepEqual(JSON.parse(sampledPooled.stdout), JSON.parse(sampledLocal.stdout));
  const bad = run(['--workers', '0']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--workers must be a positive integer, got 0/);
  const cold = run(['--temperature', '0']);
  assert.equal(cold.status, 2);
  assert.match(cold.stderr, /--temperature must be a positive number, got 0/);
});
