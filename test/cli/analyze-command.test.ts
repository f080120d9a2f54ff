/**
 * lto analyze: the per-set report on synthetic trajectories where correctness is readable late,
 * and the command end to end on a tiny model (sampling once, then reusing the cached set).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/tensor/backend.js';
import { Rng } from '../../src/tensor/random.js';
import { analyzeTrajectorySet } from '../../src/cli/analyze-command.js';
import { TrajectorySet } from '../../src/thoughts/trajectory-set.js';
import { saveTrajectorySet } from '../../src/thoughts/storage.js';
import { MANIFEST_FORMAT, type TrajectoryManifest } from '../../src/thoughts/manifest.js';
import type { RunRecord } from '../../src/thoughts/run-record.js';
import { train, DEFAULT_TRAINING } from '../../src/training/trainer.js';
import { buildDomainSplits } from '../../src/tasks/splits.js';

const lto = join(__dirname, '../../../bin/lto.js');
let root: string;

before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'lto-analyze-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** 40 questions x 5 runs, width 6, 4 states; correct runs drift along unit 0 from step 2 on. */
function syntheticSet(): TrajectorySet {
  const rng = new Rng(4);
  const runs: RunRecord[] = [];
  const states = 4;
  const width = 6;
  const data = new Float32Array(200 * states * width);
  for (let i = 0; i < 200; i++) {
    const correct = rng.uniform() < 0.5;
    runs.push({ question_id: `q${Math.floor(i / 5)}`, domain: 'math', difficulty: 1, run: i % 5, seed: i, question: 'q', output: '', answer: null, gold: '1', correct, tokens: 1, mean_steps: 3 });
    for (let t = 0; t < states; t++) {
      for (let u = 0; u < width; u++) data[(i * states + t) * width + u] = rng.normal() + (u === 0 && t >= 2 && correct ? 3 : 0);
    }
  }
  const manifest: TrajectoryManifest = {
    format: MANIFEST_FORMAT, version: 1, library_version: 'test', model: null,
    tasks: { split: 'test', domains: ['math'], questions: 40 },
    sampling: { runs_per_question: 5, steps: 3, seed: 0, init_scale: 1, noise: null, pooling: 'mean', max_new_tokens: null },
    n_runs: 200, states, width, token_latents: false, files: { tensors: '', table: '' }, table_sha256: '0'.repeat(64), created: '',
  };
  return new TrajectorySet(runs, { data, runs: 200, steps: states, width }, manifest);
}

test('analyzeTrajectorySet: per-step metric means by correctness and a probe AUROC that rises where correctness is written', () => {
  const report = analyzeTrajectorySet(syntheticSet(), 1) as { steps: { step: number; probe_auroc: number; metrics: Record<string, { correct: number | null; incorrect: number | null }> }[]; probe_auroc_last: number; n_questions: number };
  assert.equal(report.n_questions, 40);
  assert.deepEqual(report.steps.map((s) => s.step), [0, 1, 2, 3]);
  assert.ok(report.steps[0]!.probe_auroc < 0.7 && report.steps[1]!.probe_auroc < 0.7, 'steps 0 and 1 carry no signal');
  assert.ok(report.probe_auroc_last > 0.95);
  assert.equal(report.steps[0]!.metrics['stepChangeNorm']!.correct, null, 'no change before step 1');
  assert.ok(report.steps[2]!.metrics['stepChangeNorm']!.correct! > report.steps[2]!.metrics['stepChangeNorm']!.incorrect!, 'correct runs jump at step 2');
  assert.equal(typeof report.steps[3]!.metrics['matrixEntropy']!.incorrect, 'number');
});

test('lto analyze --json end to end: samples once into --sets, reuses the cache, reports each domain', async () => {
  const tasks = join(root, 'tasks');
  const model = join(root, 'model');
  const splits = (['math', 'code'] as const).map((d) => buildDomainSplits(d, { seed: 5, sizes: { train: 6, validation: 3, test: 3 } }));
  for (const s of splits) {
    mkdirSync(join(tasks, s.validation[0]!.domain), { recursive: true });
    writeFileSync(join(tasks, s.validation[0]!.domain, 'validation.jsonl'), s.validation.map((i) => JSON.stringify(i)).join('\n') + '\n');
  }
  await train({
    outDir: model, train: splits.flatMap((s) => s.train), resume: false,
    config: { ...DEFAULT_TRAINING, shape: { nEmbd: 16, nHeads: 2, nPrelude: 1, nCore: 1, nCoda: 1, intermediateSize: 32, meanRecurrence: 2, meanBackpropDepth: 1, blockSize: 256 }, steps: 1, batchSize: 4, warmupSteps: 1, checkpointEvery: 1 },
  });
  const sets = join(root, 'sets');
  const args = [lto, 'analyze', '--model', model, '--tasks', tasks, '--sets', sets, '--split', 'validation', '--domain', 'math', '--runs', '2', '--steps', '2', '--noise', '0.5', '--json'];
  const run = () => spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, LTO_BACKEND: 'wasm' } });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  const report = JSON.parse(first.stdout);
  assert.equal(report.runs, 2);
  assert.deepEqual(report.noise, { scale: 0.5, schedule: 'fixed' });
  assert.equal(report.domains.math.n_questions, 3);
  assert.equal(report.domains.math.n_runs, 6);
  const cached = readdirSync(join(sets, readdirSync(sets)[0]!));
  assert.equal(cached.length, 1);
  assert.ok(existsSync(join(sets, readdirSync(sets)[0]!, cached[0]!, 'manifest.json')));
  const second = run();
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(JSON.parse(second.stdout).domains, report.domains, 'the cached set gives the same report');
  const bad = spawnSync(process.execPath, [lto, 'analyze', '--model', model, '--domain', 'physics', '--json'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--domain must be one of math, code, choice, got "physics"/);
});

test('lto analyze --from: the same report on a saved set, without a model; sampling options and a missing domain are refused', async () => {
  const set = syntheticSet();
  const dir = join(root, 'saved');
  await saveTrajectorySet(set, dir);
  const run = (...extra: string[]) => spawnSync(process.execPath, [lto, 'analyze', '--from', dir, ...extra, '--json'], { encoding: 'utf8', env: { ...process.env, LTO_BACKEND: 'wasm' } });
  const ok = run('--seed', '1');
  assert.equal(ok.status, 0, ok.stderr);
  const report = JSON.parse(ok.stdout);
  assert.deepEqual(report.from, [dir]);
  const { from, split, ...math } = report.domains.math;
  assert.equal(from, dir);
  assert.equal(split, 'test');
  assert.deepEqual(math, JSON.parse(JSON.stringify(analyzeTrajectorySet(set, 1))), 'identical to analysing the set in memory');
  const sampling = run('--runs', '3');
  assert.equal(sampling.status, 2);
  assert.match(sampling.stderr, /--runs applies only to sampling/);
  const none = run('--domain', 'code');
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no runs of domain "code" in /);

  // In parts, as lto optimize caches a split: the same report.
  const parts = join(root, 'parts');
  await saveTrajectorySet(set.filter((_, i) => i < 100), join(parts, 'part-00000'));
  await saveTrajectorySet(set.filter((_, i) => i >= 100), join(parts, 'part-00001'));
  const fromParts = spawnSync(process.execPath, [lto, 'analyze', '--from', parts, '--seed', '1', '--json'], { encoding: 'utf8', env: { ...process.env, LTO_BACKEND: 'wasm' } });
  assert.equal(fromParts.status, 0, fromParts.stderr);
  const { from: _f, ...partsMath } = JSON.parse(fromParts.stdout).domains.math;
  assert.deepEqual(partsMath, { ...math, split });
  const empty = spawnSync(process.execPath, [lto, 'analyze', '--from', root, '--json'], { encoding: 'utf8' });
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /not a trajectory set \(no manifest.json\) and no part-\* folders/);
});
