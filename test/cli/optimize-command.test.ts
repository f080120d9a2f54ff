/**
 * `lto optimize` end to end on a tiny model trained for 2 steps: sampling the three splits (and a
 * depth test set) into resumable parts, the experiment, the JSON the issue specifies; a second
 * call reuses the stored parts and prints the same JSON; parts of other settings are refused; bad
 * options are usage errors; tensors are freed. The tiny model never writes `#### answer`, so the
 * test scores outputs with a deterministic hash rule (a library-only option) to get both classes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { train, DEFAULT_TRAINING } from '../../src/training/trainer.js';
import { buildDomainSplits } from '../../src/tasks/splits.js';
import { writeTaskJsonl } from '../../src/tasks/jsonl.js';
import { runOptimize, type OptimizeArgs } from '../../src/cli/optimize-command.js';
import { UsageError } from '../../src/cli/options.js';

let root: string;

before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'lto-optimize-'));
  const splits = buildDomainSplits('math', { seed: 5, sizes: { train: 8, validation: 5, test: 5 } });
  mkdirSync(join(root, 'tasks', 'math'), { recursive: true });
  for (const split of ['train', 'validation', 'test'] as const) await writeTaskJsonl(join(root, 'tasks', 'math', `${split}.jsonl`), splits[split]);
  await train({
    outDir: join(root, 'model'),
    train: splits.train,
    config: { ...DEFAULT_TRAINING, shape: { nEmbd: 16, nHeads: 2, nPrelude: 1, nCore: 1, nCoda: 1, intermediateSize: 32, meanRecurrence: 3, meanBackpropDepth: 1, blockSize: 256 }, steps: 2, batchSize: 4, warmupSteps: 1, checkpointEvery: 2 },
    resume: false,
  });
});

after(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Deterministic "correctness" from the output and question (FNV-1a parity). */
function hashScore(output: string, item: { id: string }): { extracted: string | undefined; correct: boolean } {
  let h = 2166136261;
  for (const ch of `${item.id}|${output}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return { extracted: output.slice(0, 3), correct: h % 3 === 0 };
}

function args(extra: Partial<OptimizeArgs> = {}, numbers: Record<string, number> = {}): { args: OptimizeArgs; out: string[]; log: string[] } {
  const out: string[] = [];
  const log: string[] = [];
  return {
    out,
    log,
    args: {
      model: join(root, 'model'),
      sets: join(root, 'sets'),
      tasks: join(root, 'tasks'),
      domain: 'math',
      lrm: 'probe',
      depths: '2',
      betas: '0.01,0.1',
      tokenCheckpoints: '1,2',
      score: hashScore,
      log: (line) => log.push(line),
      write: (text) => out.push(text),
      ...extra,
      numbers: { runs: 3, steps: 3, seed: 4, noise: 0.5, 'train-questions': 8, 'validation-questions': 5, 'test-questions': 5, 'max-new-tokens': 5, epochs: 2, lr: 0.01, ...numbers },
    },
  };
}

const METHODS = ['single', 'majority', 'weighted_majority', 'best_of_n', 'coe_r', 'coe_c', 'lto', 'lto_early', 'oracle'];

test('samples the splits into parts, runs the experiment and prints the JSON of the issue; a second call reuses the parts', async () => {
  const before = tf.memory().numTensors;
  const first = args();
  assert.equal(await runOptimize(first.args), 0);
  assert.equal(first.out.length, 1);
  const json = JSON.parse(first.out[0]!);
  assert.equal(json.n_runs, 3);
  assert.equal(json.decoding, 'greedy');
  assert.equal(json.steps, 3);
  assert.deepEqual(Object.keys(json.domains), ['math']);
  const math = json.domains.math;
  if (math.lrm === null) assert.fail(`no LRM: ${math.lrm_error}`);
  assert.deepEqual(Object.keys(math.methods).sort(), [...METHODS].sort());
  for (const m of METHODS) {
    assert.deepEqual(Object.keys(math.methods[m]).sort(), ['accuracy', 'ci_high', 'ci_low', 'latent_steps'], m);
    assert.ok(math.methods[m].latent_steps > 0);
  }
  assert.equal(typeof math.lrm.auroc === 'number' || math.lrm.auroc === null, true);
  assert.equal(typeof math.lrm.f1, 'number');
  assert.ok([0.01, 0.1].includes(json.beta.math));
  assert.equal(math.questions, 5);
  assert.equal(math.early_rejection.prefix, 'tokens');
  assert.deepEqual(math.early_rejection.checkpoints, [1, 2]);
  assert.deepEqual(math.versus_steps.depths.map((d: { steps: number }) => d.steps), [2]);
  assert.deepEqual(math.versus_runs.map((p: { runs: number }) => p.runs), [1, 2, 3]);
  assert.equal(json.cross_domain, null);
  for (const dir of ['train-T3', 'validation-T3', 'test-T3', 'test-T2']) assert.ok(existsSync(join(root, 'sets', 'math', dir, 'part-00000', 'manifest.json')), dir);
  assert.ok(existsSync(join(root, 'sets', 'math', 'test-T3', 'part-00000', 'token-prefixes.safetensors')));
  assert.ok(!existsSync(join(root, 'sets', 'math', 'train-T3', 'part-00000', 'token-prefixes.safetensors')));
  const written = statSync(join(root, 'sets', 'math', 'test-T3', 'part-00000', 'trajectories.safetensors')).mtimeMs;

  const second = args();
  assert.equal(await runOptimize(second.args), 0);
  assert.deepEqual(JSON.parse(second.out[0]!), json);
  assert.equal(statSync(join(root, 'sets', 'math', 'test-T3', 'part-00000', 'trajectories.safetensors')).mtimeMs, written, 'stored parts are reused');
  // So are the trained LRMs, cached under the sets folder.
  assert.ok(readdirSync(join(root, 'sets', 'lrm')).length > 0);
  assert.ok(!first.log.some((line) => line.includes('LRM loaded from')));
  assert.ok(second.log.some((line) => line.includes('math: LRM loaded from')), second.log.join('\n'));
  assert.equal(json.lrm_ranking_weight, 0);

  // --prefix-lrm: the train parts gain their token prefixes (resampled: the same runs), and a second
  // LRM trained on them gives early rejection its prefix rewards; nothing else changes.
  const prefixed = args({ prefixLrm: true });
  assert.equal(await runOptimize(prefixed.args), 0);
  assert.ok(existsSync(join(root, 'sets', 'math', 'train-T3', 'part-00000', 'token-prefixes.safetensors')));
  const withPrefixLrm = JSON.parse(prefixed.out[0]!).domains.math;
  assert.equal(math.early_rejection.prefix_lrm, 'main');
  assert.equal(withPrefixLrm.early_rejection.prefix_lrm, 'prefix');
  assert.deepEqual({ ...withPrefixLrm.methods, lto_early: null }, { ...math.methods, lto_early: null });
  assert.ok(prefixed.log.some((line) => line.includes('math: LRM loaded from')), prefixed.log.join('\n'));
  assert.ok(prefixed.log.some((line) => line.startsWith('math prefix: LRM epoch 1/2')), prefixed.log.join('\n'));
  assert.equal(tf.memory().numTensors, before);
});

test('parts sampled with other settings are refused; bad options are usage errors', async () => {
  await assert.rejects(runOptimize(args({}, { seed: 5 }).args), /part-00000: sampled with another seed \(\d+ here, 5 asked\); use another --sets folder/);
  const usage = async (extra: Partial<OptimizeArgs>, numbers: Record<string, number>, pattern: RegExp): Promise<void> => {
    await assert.rejects(runOptimize(args(extra, numbers).args), (e: Error) => e instanceof UsageError && pattern.test(e.message));
  };
  await usage({ domain: 'poetry' }, {}, /--domain must be one of math, code, choice, got "poetry"/);
  await usage({ lrm: 'forest' }, {}, /--lrm must be transformer or probe/);
  await usage({ earlyPrefix: 'layers' }, {}, /--early-prefix must be tokens or steps/);
  await usage({ earlyPrefix: 'steps', prefixLrm: true }, {}, /--prefix-lrm trains on token prefixes; it needs --early-prefix tokens/);
  await usage({ betas: '0.1,x' }, {}, /--betas expects a comma-separated list of numbers, got "0\.1,x"/);
  await usage({ betas: '0,1' }, {}, /--betas must all be > 0/);
  await usage({ tokenCheckpoints: '4,2' }, {}, /token checkpoint 1 is 2; expected increasing positive integers/);
  await usage({}, { runs: 0 }, /--runs must be a positive integer, got 0/);
  await usage({}, { 'train-questions': -3 }, /--train-questions must be a positive integer/);
  await usage({}, { lr: -1 }, /--lr must be a positive number/);
  await usage({}, { temperature: 0 }, /--temperature must be a positive number, got 0/);
  await usage({}, { 'ranking-weight': -1 }, /--ranking-weight must be a finite number >= 0, got -1/);
});

test('general-model path: a standard model (blocks run once, s0 = 0) is optimised over its per-layer states with sampled tokens', async () => {
  const splits = buildDomainSplits('math', { seed: 5, sizes: { train: 8, validation: 5, test: 5 } });
  await train({
    outDir: join(root, 'standard'),
    train: splits.train,
    config: { ...DEFAULT_TRAINING, shape: { nEmbd: 16, nHeads: 2, nPrelude: 1, nCore: 1, nCoda: 1, intermediateSize: 32, meanRecurrence: 1, meanBackpropDepth: 1, blockSize: 256, standard: true }, steps: 2, batchSize: 4, warmupSteps: 1, checkpointEvery: 2 },
    resume: false,
  });
  const run = args({ model: join(root, 'standard'), sets: join(root, 'standard-sets'), depths: undefined }, { steps: 1, noise: 0, temperature: 1 });
  assert.equal(await runOptimize(run.args), 0);
  const json = JSON.parse(run.out[0]!);
  assert.deepEqual(Object.keys(json.domains.math.methods).sort(), [...METHODS].sort());
  assert.deepEqual(json.decoding, { temperature: 1 });
  const partDir = join(root, 'standard-sets', 'math', 'test-T1', 'part-00000');
  const manifest = JSON.parse(readFileSync(join(partDir, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.sampling.record, ['embed', 'prelude.out', 'latent.1', 'coda.out']);
  assert.deepEqual(manifest.sampling.decoding, { temperature: 1 });
  assert.equal(manifest.states, 4);
});
