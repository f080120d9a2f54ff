/**
 * sampleTrajectories on a tiny freshly trained model: shapes and provenance, pooled trajectories
 * equal to generate's own latents, seeds, independence from batching, resuming after an
 * interruption without losing finished batches, and flat tensor counts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { deriveSeed } from '../../src/tensor/random.js';
import { train, DEFAULT_TRAINING } from '../../src/training/trainer.js';
import { loadModelWithTokenizer, type LoadedModel } from '../../src/model/default-model.js';
import { generate } from '../../src/model/generate.js';
import { buildDomainSplits } from '../../src/tasks/splits.js';
import { MAX_QUESTION_CHARS, MAX_TARGET_CHARS, type TaskItem } from '../../src/tasks/task.js';
import { promptIds } from '../../src/evaluation/accuracy.js';
import { sampleTrajectories, type SampleOptions } from '../../src/thoughts/sample.js';
import { sampleOrLoadTrajectorySet } from '../../src/thoughts/cached-sampling.js';
import { poolTokenLatents } from '../../src/thoughts/pooling.js';
import { assertClose } from '../helpers/model.js';

let root: string;
let loaded: LoadedModel;
let items: TaskItem[];

before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'lto-sample-'));
  const splits = ['math', 'code', 'choice'].map((d) => buildDomainSplits(d as never, { seed: 3, sizes: { train: 8, validation: 2, test: 2 } }));
  await train({
    outDir: join(root, 'model'),
    train: splits.flatMap((s) => s.train),
    config: { ...DEFAULT_TRAINING, shape: { nEmbd: 16, nHeads: 2, nPrelude: 1, nCore: 1, nCoda: 1, intermediateSize: 32, meanRecurrence: 3, meanBackpropDepth: 1, blockSize: 256 }, steps: 2, batchSize: 4, warmupSteps: 1, checkpointEvery: 2 },
    resume: false,
  });
  loaded = await loadModelWithTokenizer(join(root, 'model'));
  items = splits.flatMap((s) => s.validation);
});

after(() => {
  loaded.model.dispose();
  rmSync(root, { recursive: true, force: true });
});

const OPTIONS: SampleOptions = { runs: 3, steps: 3, seed: 9, maxNewTokens: 6, noise: { scale: 0.5, schedule: 'fixed' }, split: 'validation' };

test('N runs per question: table, trajectories [runs, T+1, h], provenance, pooled latents equal to generate', async () => {
  const set = await sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...OPTIONS, keepTokenLatents: true });
  const h = loaded.model.config.nEmbd;
  assert.equal(set.size, items.length * 3);
  assert.equal(set.states, 4);
  assert.equal(set.width, h);
  assert.deepEqual(set.questionIds(), items.map((i) => i.id));
  assert.equal(set.manifest.sampling.runs_per_question, 3);
  assert.deepEqual(set.manifest.sampling.noise, { scale: 0.5, schedule: 'fixed' });
  assert.match(set.manifest.model!.fingerprint, /^sha256:[0-9a-f]{64}$/);
  assert.equal(set.manifest.tasks.split, 'validation');
  set.runs.forEach((r, i) => {
    const item = items[Math.floor(i / 3)]!;
    assert.equal(r.question_id, item.id);
    assert.equal(r.run, i % 3);
    assert.equal(r.seed, deriveSeed(9, item.id, i % 3));
    assert.equal(r.gold, item.answer);
    assert.ok(r.tokens >= 1 && r.tokens <= 6);
  });
  // Run 2 of question 1, regenerated alone with its seed: same tokens, same latents, same mean pool.
  const k = 1 * 3 + 2;
  const alone = generate(loaded.model, [promptIds(loaded.tokenizer, items[1]!)], {
    maxNewTokens: 6, steps: 3, rowSeeds: [set.runs[k]!.seed], noise: OPTIONS.noise, stopTokens: loaded.tokenizer.specialTokens.eos,
  }).sequences[0]!;
  assert.equal(alone.tokens.length, set.runs[k]!.tokens);
  assertClose(set.tokenLatentsOf(k), alone.latents!, 1e-5, 'token latents');
  const pooled = poolTokenLatents(alone.latents!, alone.tokens.length, 4, h, 'mean');
  assertClose(set.trajectories.data.subarray(k * 4 * h, (k + 1) * 4 * h), pooled, 1e-5, 'pooled trajectory');
});

test('the default answer budget fits the block size next to the longest question the task suite allows', async () => {
  const longest = { ...items[0]!, id: 'math-validation-long', question: items[0]!.question.padEnd(MAX_QUESTION_CHARS, ' ') };
  assert.ok(promptIds(loaded.tokenizer, longest).length + MAX_TARGET_CHARS + 2 > loaded.model.config.blockSize);
  const set = await sampleTrajectories(loaded.model, loaded.tokenizer, [longest, items[1]!], { runs: 1, steps: 1, seed: 2 });
  assert.equal(set.size, 2);
  assert.equal(set.manifest.sampling.max_new_tokens, MAX_TARGET_CHARS + 2);
  assert.ok(set.runs.every((r) => r.tokens <= loaded.model.config.blockSize - promptIds(loaded.tokenizer, longest).length));
});

test('the same seed gives bit-identical trajectories; results do not depend on the batching', async () => {
  const a = await sampleTrajectories(loaded.model, loaded.tokenizer, items, OPTIONS);
  const b = await sampleTrajectories(loaded.model, loaded.tokenizer, items, OPTIONS);
  assert.deepEqual(a.trajectories.data, b.trajectories.data);
  assert.deepEqual(a.runs, b.runs);
  const oneByOne = await sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...OPTIONS, questionsPerBatch: 1 });
  assert.deepEqual(oneByOne.runs.map((r) => r.output), a.runs.map((r) => r.output));
  assertClose(oneByOne.trajectories.data, a.trajectories.data, 1e-5, 'batched vs one question per batch');
  const other = await sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...OPTIONS, seed: 10 });
  assert.notDeepEqual(other.trajectories.data, a.trajectories.data);
});

test('an interrupted sampling keeps its finished batches and resumes to the same result', async () => {
  const parts = join(root, 'parts');
  const options: SampleOptions = { ...OPTIONS, questionsPerBatch: 2, partsDir: parts };
  let batches = 0;
  await assert.rejects(
    sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...options, onProgress: () => { if (++batches === 2) throw new Error('interrupted'); } }),
    /interrupted/,
  );
  assert.ok(existsSync(join(parts, 'part-00000', 'manifest.json')) && existsSync(join(parts, 'part-00001', 'manifest.json')));
  assert.ok(!existsSync(join(parts, 'part-00002')));
  const firstWritten = statSync(join(parts, 'part-00000', 'trajectories.safetensors')).mtimeMs;
  const progress: number[] = [];
  const resumed = await sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...options, onProgress: (done) => progress.push(done) });
  assert.deepEqual(progress, [2, 4, 6]);
  assert.equal(statSync(join(parts, 'part-00000', 'trajectories.safetensors')).mtimeMs, firstWritten, 'finished parts are reused, not resampled');
  const straight = await sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...OPTIONS, questionsPerBatch: 2 });
  assert.deepEqual(resumed.trajectories.data, straight.trajectories.data);
  assert.deepEqual(resumed.runs, straight.runs);
  await assert.rejects(sampleTrajectories(loaded.model, loaded.tokenizer, items, { ...options, seed: 1 }), /holds parts of a sampling with other settings/);
});

test('per-layer trajectories (record) with sampled decoding: the named states, in order, recorded and reloaded', async () => {
  const record = ['embed', 'prelude.out', 'latent.3', 'coda.out'];
  const decoding = { temperature: 0.9 };
  const set = await sampleTrajectories(loaded.model, loaded.tokenizer, items.slice(0, 2), { ...OPTIONS, record, decoding, keepTokenLatents: true });
  assert.equal(set.states, 4);
  assert.deepEqual(set.manifest.sampling.record, record);
  assert.deepEqual(set.manifest.sampling.decoding, decoding);
  // The latent.3 slot equals the last latent of the default (latent.0 .. latent.3) recording of the same runs.
  const plain = await sampleTrajectories(loaded.model, loaded.tokenizer, items.slice(0, 2), { ...OPTIONS, decoding, keepTokenLatents: true });
  assert.deepEqual(set.runs.map((r) => r.output), plain.runs.map((r) => r.output));
  const h = loaded.model.config.nEmbd;
  const tokens = set.runs[0]!.tokens;
  for (let k = 0; k < tokens; k++) {
    assertClose(set.tokenLatentsOf(0).subarray((k * 4 + 2) * h, (k * 4 + 3) * h), plain.tokenLatentsOf(0).subarray((k * 4 + 3) * h, (k * 4 + 4) * h), 1e-6, `token ${k} latent.3`);
  }
  const dir = join(root, 'layers');
  await sampleOrLoadTrajectorySet(dir, loaded.model, loaded.tokenizer, items.slice(0, 2), { ...OPTIONS, record, decoding });
  const again = await sampleOrLoadTrajectorySet(dir, loaded.model, loaded.tokenizer, items.slice(0, 2), { ...OPTIONS, record, decoding });
  assert.deepEqual(again.manifest.sampling.record, record);
  await assert.rejects(sampleOrLoadTrajectorySet(dir, loaded.model, loaded.tokenizer, items.slice(0, 2), { ...OPTIONS, decoding }), /another recorded states/);
  await assert.rejects(sampleTrajectories(loaded.model, loaded.tokenizer, items.slice(0, 1), { ...OPTIONS, record: ['latent.*'] }), /recordNames must be distinct exact state names/);
});

test('sampleOrLoadTrajectorySet samples once, then loads; other settings in the same folder are refused', async () => {
  const dir = join(root, 'cache');
  const first = await sampleOrLoadTrajectorySet(dir, loaded.model, loaded.tokenizer, items, OPTIONS);
  assert.ok(!existsSync(join(dir, 'parts')), 'the parts are removed once the whole set is saved');
  const written = statSync(join(dir, 'trajectories.safetensors')).mtimeMs;
  const second = await sampleOrLoadTrajectorySet(dir, loaded.model, loaded.tokenizer, items, OPTIONS);
  assert.equal(statSync(join(dir, 'trajectories.safetensors')).mtimeMs, written);
  assert.deepEqual(second.trajectories.data, first.trajectories.data);
  assert.deepEqual(second.runs, first.runs);
  await assert.rejects(sampleOrLoadTrajectorySet(dir, loaded.model, loaded.tokenizer, items, { ...OPTIONS, runs: 2, noise: { scale: 0, schedule: 'fixed' } }), /sampled with another runs \(3 here, 2 asked\), noise \(\{"scale":0\.5,"schedule":"fixed"\} here, \{"scale":0,"schedule":"fixed"\} asked\); use another folder/);
  await assert.rejects(sampleOrLoadTrajectorySet(dir, loaded.model, loaded.tokenizer, items.slice(1), OPTIONS), /sampled with another questions/);
});

test('bad options are clear errors; the tensor count stays flat', async () => {
  await assert.rejects(sampleTrajectories(loaded.model, loaded.tokenizer, items, { runs: 0 }), /runs must be a positive integer, got 0/);
  await assert.rejects(sampleTrajectories(loaded.model, loaded.tokenizer, items, { runs: 1, pooling: 'max' as never }), /pooling must be one of mean, last, first/);
  await assert.rejects(sampleTrajectories(loaded.model, loaded.tokenizer, [items[0]!, items[0]!], { runs: 1 }), /item ids must be unique/);
  await sampleTrajectories(loaded.model, loaded.tokenizer, items.slice(0, 2), OPTIONS);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await sampleTrajectories(loaded.model, loaded.tokenizer, items.slice(0, 2), { ...OPTIONS, seed: i });
  assert.equal(tf.memory().numTensors, before);
});
