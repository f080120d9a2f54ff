import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { train, DEFAULT_TRAINING, type TrainingConfig } from '../../src/training/trainer.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { loadModelWithTokenizer } from '../../src/model/default-model.js';
import { buildDomainSplits } from '../../src/tasks/splits.js';
import type { TaskItem } from '../../src/tasks/task.js';
import { evaluateAccuracy } from '../../src/evaluation/accuracy.js';

const TINY: TrainingConfig = {
  ...DEFAULT_TRAINING,
  shape: { nEmbd: 16, nHeads: 2, nPrelude: 1, nCore: 1, nCoda: 1, intermediateSize: 32, meanRecurrence: 2, meanBackpropDepth: 1, blockSize: 256 },
  steps: 4,
  batchSize: 4,
  warmupSteps: 2,
  checkpointEvery: 2,
  curriculumStart: 1,
  curriculumEvery: 2,
};

let root: string;
let items: TaskItem[];

before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'lto-train-'));
  items = ['math', 'code', 'choice'].flatMap((d) => buildDomainSplits(d as never, { seed: 7, sizes: { train: 20, validation: 5, test: 5 } }).train);
});
after(() => rmSync(root, { recursive: true, force: true }));

async function weightsOf(dir: string): Promise<Map<string, Float32Array>> {
  const f = await SafetensorsFile.open(join(dir, 'model.safetensors'));
  const out = new Map<string, Float32Array>();
  for (const n of f.names()) out.set(n, await f.readFloat32(n));
  await f.close();
  return out;
}

test('a few training steps lower the loss, write a loadable checkpoint and do not leak tensors', async () => {
  const dir = join(root, 'straight');
  const losses: number[] = [];
  const before = tf.memory().numTensors;
  const result = await train({ outDir: dir, train: items, config: { ...TINY, steps: 12, learningRate: 1e-2 }, resume: false, onProgress: (p) => losses.push(p.loss) });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(result.step, 12);
  assert.ok(result.finished);
  assert.ok(losses.every(Number.isFinite));
  const firstThree = (losses[0]! + losses[1]! + losses[2]!) / 3;
  const lastThree = (losses[9]! + losses[10]! + losses[11]!) / 3;
  assert.ok(lastThree < firstThree, `loss did not fall: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  for (const f of ['config.json', 'model.safetensors', 'char-tokenizer.json', 'optimizer.safetensors', 'training-state.json']) assert.ok(existsSync(join(dir, f)), f);
  const state = JSON.parse(readFileSync(join(dir, 'training-state.json'), 'utf8'));
  assert.equal(state.step, 12);
  // The checkpoint is an ordinary model folder: it loads and answers (whatever the quality).
  const { model, tokenizer } = await loadModelWithTokenizer(dir);
  const report = evaluateAccuracy(model, tokenizer, items.slice(0, 2), { steps: 2, runs: 2, seed: 1 });
  assert.equal(report.outcomes.length, 4);
  model.dispose();
});

test('training interrupted and resumed gives exactly the weights of an uninterrupted run', async () => {
  const straight = join(root, 'resume-straight');
  await train({ outDir: straight, train: items, config: TINY, resume: false });
  const resumed = join(root, 'resume-split');
  let calls = 0;
  const first = await train({ outDir: resumed, train: items, config: TINY, resume: false, shouldStop: () => ++calls === 3 });
  assert.equal(first.step, 3);
  assert.equal(first.finished, false);
  const second = await train({ outDir: resumed, train: items, config: TINY, resume: true });
  assert.equal(second.step, 4);
  const a = await weightsOf(straight);
  const b = await weightsOf(resumed);
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, values] of a) assert.deepEqual(b.get(name), values, name);
});

test('a stop requested from the event loop (a signal handler, a timer) takes effect after the current step, not at the next checkpoint', async () => {
  let requested = false;
  const dir = join(root, 'stop-from-event-loop');
  const result = await train({
    outDir: dir,
    train: items,
    config: { ...TINY, steps: 40, checkpointEvery: 1000 },
    resume: false,
    // Like lto train's SIGINT handler: the flag is set by a callback the event loop runs.
    onProgress: (p) => {
      if (p.step === 2) setImmediate(() => (requested = true));
    },
    shouldStop: () => requested,
  });
  assert.equal(result.step, 2);
  assert.equal(result.finished, false);
  assert.equal(JSON.parse(readFileSync(join(dir, 'training-state.json'), 'utf8')).step, 2, 'a checkpoint was written where it stopped');
});

test('resuming with a different configuration is refused', async () => {
  const dir = join(root, 'resume-straight');
  await assert.rejects(train({ outDir: dir, train: items, config: { ...TINY, batchSize: 5 }, resume: true }), /trained with a different configuration/);
});

test('the standard baseline trains the same blocks run once from s0 = 0: deterministic, seed-independent outputs', async () => {
  const dir = join(root, 'standard');
  const shape = { ...TINY.shape, meanRecurrence: 1, meanBackpropDepth: 1, standard: true };
  const result = await train({ outDir: dir, train: items, config: { ...TINY, shape, steps: 3 }, resume: false });
  assert.equal(result.step, 3);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(config.state_init, 'zero');
  assert.equal(config.mean_recurrence, 1);
  const { model, tokenizer } = await loadModelWithTokenizer(dir);
  try {
    assert.equal(model.config.stateInit, 'zero');
    const report = (seed: number) => evaluateAccuracy(model, tokenizer, items.slice(0, 2), { steps: 1, runs: 2, seed });
    const a = report(1);
    assert.deepEqual(report(2).outcomes.map((o) => o.output), a.outcomes.map((o) => o.output));
    assert.equal(a.outcomes[0]!.output, a.outcomes[1]!.output, 'runs of one question agree: there is no latent randomness');
    // Temperature sampling is what makes its runs differ, reproducibly for a seed.
    const sampled = (seed: number) => evaluateAccuracy(model, tokenizer, items.slice(0, 2), { steps: 1, runs: 4, seed, decoding: { temperature: 2 } }).outcomes.map((o) => o.output);
    const s = sampled(1);
    assert.deepEqual(sampled(1), s);
    assert.ok(new Set(s).size > 2, `sampled runs differ: ${JSON.stringify(s)}`);
  } finally {
    model.dispose();
  }
  await assert.rejects(train({ outDir: join(root, 'bad'), train: items, config: { ...TINY, shape: { ...TINY.shape, standard: true } }, resume: false }), /meanRecurrence and meanBackpropDepth must be 1, got 2 and 1/);
});
