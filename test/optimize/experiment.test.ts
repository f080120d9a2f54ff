/**
 * runExperiment on synthetic trajectory sets: the JSON shape the CLI prints, every method and
 * sweep, early rejection in both prefix modes, the cross-domain matrix (its diagonal is the
 * in-domain result), determinism for a seed, choices that do not depend on the test split, a
 * domain without an LRM, flat tensor counts, and bad input.
 */
import { before, test } from 'node:test';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { runExperiment, evenlySpaced, EARLY_ACCEPT_MIN_FINISHED, EARLY_ACCEPT_QUANTILES, EARLY_REJECTION_MARGINS, type DomainSets, type ExperimentOptions, type ExperimentResult } from '../../src/optimize/experiment.js';
import { keepSchedules, tokenPrefixTrajectories } from '../../src/optimize/early-rejection.js';
import { TrajectorySet } from '../../src/thoughts/trajectory-set.js';
import { syntheticSet } from './synthetic-sets.js';
import { centreByGroups, withGroupCentred } from '../../src/reward/question-centring.js';

const SHAPE = { states: 6, width: 8 };

function domain(name: string, testSeed = `${name}-test`, testQuestions = 30): DomainSets {
  const validation = syntheticSet({ domain: name, split: 'validation', questions: 30, runs: 6, ...SHAPE, seed: `${name}-validation`, keepTokenLatents: true });
  const testSet = syntheticSet({ domain: name, split: 'test', questions: testQuestions, runs: 6, ...SHAPE, seed: testSeed, keepTokenLatents: true });
  return {
    domain: name,
    train: syntheticSet({ domain: name, split: 'train', questions: 40, runs: 4, ...SHAPE, seed: `${name}-train` }),
    validation,
    test: testSet,
    tokenPrefixes: { validation: tokenPrefixTrajectories(validation, [1, 2, 4]), test: tokenPrefixTrajectories(testSet, [1, 2, 4]) },
  };
}

const OPTIONS: ExperimentOptions = {
  seed: 3,
  lrm: { model: { kind: 'probe', features: 'last-mean', hidden: 0 }, epochs: 3, batchSize: 32, learningRate: 0.01 },
  bootstrapSamples: 200,
  sweepBootstrapSamples: 20,
  earlyRejection: { quantiles: [0, 0.3, 0.6], survivors: [2, 4, 6] },
};

const METHODS = ['single', 'majority', 'weighted_majority', 'best_of_n', 'coe_r', 'coe_c', 'lto', 'lto_early', 'oracle'];
let domains: DomainSets[];
let result: ExperimentResult;

before(async () => {
  await initBackend();
  domains = [domain('alpha'), domain('beta')];
  result = await runExperiment(domains, OPTIONS);
});

test('the result is plain JSON with every method, its interval and latent steps, per domain', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
  assert.equal(result.n_runs, 6);
  assert.deepEqual(Object.keys(result.domains), ['alpha', 'beta']);
  for (const [name, d] of Object.entries(result.domains)) {
    assert.deepEqual(Object.keys(d.methods).sort(), [...METHODS].sort(), name);
    for (const [m, r] of Object.entries(d.methods)) {
      assert.ok(r!.ci_low <= r!.accuracy && r!.accuracy <= r!.ci_high, `${name} ${m}`);
      assert.ok(r!.latent_steps > 0);
    }
    assert.equal(result.beta[name], d.beta);
    assert.ok(d.beta_candidates.some((c) => c.beta === d.beta));
    assert.ok(d.lrm!.auroc! > 0.6, `${name} test AUROC ${d.lrm!.auroc}`);
    assert.ok(d.lrm!.best_epoch >= 1 && d.lrm!.best_epoch <= 3);
    // The split by majority correctness partitions the mixed questions: its two means average back to the whole.
    const split = d.lrm!.within_question_auroc_by_majority;
    assert.equal(split.majority_right_questions + split.majority_wrong_questions, d.lrm!.mixed_questions);
    const recombined = ((split.majority_right ?? 0) * split.majority_right_questions + (split.majority_wrong ?? 0) * split.majority_wrong_questions) / d.lrm!.mixed_questions;
    assert.ok(Math.abs(recombined - d.lrm!.within_question_auroc!) < 1e-12, `${name}: ${recombined} vs ${d.lrm!.within_question_auroc}`);
    assert.deepEqual(d.lto_versus.map((c) => c.baseline), ['single', 'majority', 'weighted_majority', 'best_of_n', 'coe_r', 'coe_c']);
    // Latent steps: tokens x (T + 1) per run; the single run pays one run, the others all N.
    const test = domains.find((x) => x.domain === name)!.test;
    const all = test.runs.reduce((a, r) => a + r.tokens * test.states, 0);
    assert.equal(d.methods.lto!.latent_steps, all);
    assert.equal(d.methods.single!.latent_steps, test.runs.filter((r) => r.run === 0).reduce((a, r) => a + r.tokens * test.states, 0));
    assert.equal(d.questions, 30);
    assert.equal(d.steps, SHAPE.states - 1);
  }
});

test('sweeps: versus N covers 1..N (N = 1: every method is the single run), versus beta, versus steps', () => {
  for (const d of Object.values(result.domains)) {
    assert.deepEqual(d.versus_runs.map((p) => p.runs), [1, 2, 3, 4, 5, 6]);
    for (const p of Object.values(d.versus_runs[0]!.methods)) assert.equal(p!.accuracy, d.versus_runs[0]!.methods.single!.accuracy);
    assert.equal(d.versus_runs[5]!.methods.lto!.latent_steps, d.methods.lto!.latent_steps);
    assert.deepEqual(d.versus_beta.map((p) => p.beta), [1e-4, 1e-3, 1e-2, 1e-1, 1]);
    assert.deepEqual(d.versus_steps.prefix.map((p) => p.states), [1, 2, 3, 4, 5, 6]);
    const full = d.versus_steps.prefix[5]!;
    assert.equal(full.auroc, d.lrm!.auroc);
    assert.equal(full.lto, d.methods.lto!.accuracy);
    assert.equal(full.best_of_n, d.methods.best_of_n!.accuracy);
    // The drift accumulates over steps: the full trajectory separates better than its first state.
    assert.ok(full.auroc! > d.versus_steps.prefix[0]!.auroc!);
    assert.deepEqual(d.versus_steps.depths, []);
  }
  assert.deepEqual(evenlySpaced(33, 9), [1, 5, 9, 13, 17, 21, 25, 29, 33]);
  assert.deepEqual(evenlySpaced(4, 9), [1, 2, 3, 4]);
});

test('early rejection: token prefixes by default, chosen on validation, reported next to LTO', () => {
  for (const d of Object.values(result.domains)) {
    const e = d.early_rejection!;
    assert.equal(e.prefix, 'tokens');
    assert.equal(e.realisable, true);
    assert.deepEqual(e.checkpoints, [1, 2, 4]);
    // The default LRM is centred: the chosen rule is measured on test with what its sampler has.
    assert.equal(e.running_rewards, true);
    assert.equal(typeof e.test_precomputed_rewards.accuracy, 'number');
    // Running rewards (centred LRM): every S, every batch schedule and every acceptance level x k_min, without thresholds or margins.
    const accepts = EARLY_ACCEPT_QUANTILES.length * EARLY_ACCEPT_MIN_FINISHED.length;
    assert.equal(e.grid.length, 3 + keepSchedules(6, 3).length + accepts);
    assert.ok(e.grid.every((g) => g.quantile === 0 && g.margin === null), JSON.stringify(e.grid[0]));
    const accepting = e.grid.filter((g) => g.accept !== null);
    assert.equal(accepting.length, accepts);
    assert.ok(accepting.every((g) => g.keep === null && g.survivors === 6 && EARLY_ACCEPT_QUANTILES.includes(g.accept!.quantile) && EARLY_ACCEPT_MIN_FINISHED.includes(g.accept!.min_finished)));
    assert.equal(typeof e.test.acceptances, 'number');
    assert.equal(e.test.accuracy, d.methods.lto_early!.accuracy);
    assert.equal(e.test.latent_steps, d.methods.lto_early!.latent_steps);
    assert.equal(e.test.lto_latent_steps, d.methods.lto!.latent_steps);
    assert.ok(Math.abs(e.test.step_fraction - e.test.latent_steps / e.test.lto_latent_steps) < 1e-12);
    assert.ok(Math.abs(e.versus_lto.difference - (e.test.accuracy - d.methods.lto!.accuracy)) < 1e-12);
    assert.ok(e.validation.accuracy >= e.validation.lto_accuracy - 0.01 - 1e-12);
    // The choice passes the non-inferiority test on validation, and the rule is judged on held-out halves.
    assert.deepEqual(e.selection, { tolerance: 0.01, standard_errors: 1.645 });
    assert.ok(Math.abs(e.validation.difference - (e.validation.accuracy - e.validation.lto_accuracy)) < 1e-12);
    assert.ok(e.validation.difference - 1.645 * e.validation.standard_error >= -0.01 - 1e-12);
    assert.deepEqual(e.held_out.map((h) => h.standard_errors), [0, 1, 1.645, 2.326]);
    for (const h of e.held_out) assert.ok(h.splits === 50 && h.within_tolerance >= 0 && h.within_tolerance <= 1 && h.step_fraction > 0 && h.step_fraction <= 1 + 1e-12, JSON.stringify(h));
    // The chosen configuration's grid entry carries the same test numbers.
    const g = e.grid.find((x) => x.quantile === e.chosen.quantile && x.margin === e.chosen.margin && x.survivors === e.chosen.survivors && x.keep?.join() === e.chosen.keep?.join() && JSON.stringify(x.accept) === JSON.stringify(e.chosen.accept))!;
    assert.equal(g.test_accuracy, e.test.accuracy);
    assert.equal(g.test_latent_steps, e.test.latent_steps);
  }
});

test('early rejection with a raw LRM: every quantile x margin x S, every margin x batch schedule, every acceptance level x k_min', async () => {
  const raw = (await runExperiment([domains[0]!], { ...OPTIONS, crossDomain: false, lrmInput: 'raw' })).domains['alpha']!.early_rejection!;
  assert.equal(raw.running_rewards, false);
  // Margins in logits, null for none.
  const accepts = EARLY_ACCEPT_QUANTILES.length * EARLY_ACCEPT_MIN_FINISHED.length;
  assert.equal(raw.grid.length, EARLY_REJECTION_MARGINS.length * (3 * 3 + keepSchedules(6, 3).length) + accepts);
  assert.equal(raw.grid.filter((g) => g.keep === null && g.accept === null).length, 3 * EARLY_REJECTION_MARGINS.length * 3);
  assert.deepEqual([...new Set(raw.grid.map((g) => g.margin))], EARLY_REJECTION_MARGINS.map((m) => (Number.isFinite(m) ? m : null)));
  assert.equal(raw.test.accuracy, raw.test_precomputed_rewards.accuracy);
});

test('cross-domain matrix: rows per training domain plus pooled; the diagonal is the in-domain result', () => {
  const c = result.cross_domain!;
  assert.deepEqual(c.sources, ['alpha', 'beta', 'pooled']);
  assert.deepEqual(c.targets, ['alpha', 'beta']);
  assert.equal(c.auroc.length, 3);
  c.targets.forEach((t, j) => {
    assert.equal(c.auroc[j]![j], result.domains[t]!.lrm!.auroc);
    assert.equal(c.lto_accuracy[j]![j], result.domains[t]!.methods.lto!.accuracy);
    assert.equal(c.beta[j], result.domains[t]!.beta);
  });
  // The synthetic domains share the label direction, so every LRM transfers.
  for (const row of c.auroc) for (const a of row) assert.ok(a! > 0.6);
});

test('with lrmCacheDir the LRMs are trained once (progress: a line per epoch) and loaded after: the same result both times', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'lto-lrm-cache-'));
  try {
    const trainingLines: string[] = [];
    const epochsSeen: number[] = [];
    const lrm = { ...OPTIONS.lrm, onProgress: (p: { kind: string }) => { if (p.kind === 'epoch') epochsSeen.push(1); } };
    const filled = await runExperiment(domains, { ...OPTIONS, lrm, lrmCacheDir: cache, onProgress: (line) => trainingLines.push(line) });
    const entries = (await readdir(cache)).length;
    assert.equal(entries, 3, 'one LRM per domain and the pooled one');
    for (const name of ['alpha', 'beta', 'pooled']) {
      const epochs = trainingLines.filter((l) => l.startsWith(`${name}: LRM epoch `));
      assert.equal(epochs.length, 3, `${name}: ${trainingLines.join(' | ')}`);
      assert.match(epochs[0]!, /^\w+: LRM epoch 1\/3, training loss \d+\.\d{4}, validation AUROC \d\.\d{3} F1 \d\.\d{3} \(best so far\), \d+ s$/);
    }
    assert.equal(epochsSeen.length, 9, "the caller's own LRM progress callback still hears every epoch");
    const loadingLines: string[] = [];
    const loaded = await runExperiment(domains, { ...OPTIONS, lrmCacheDir: cache, onProgress: (line) => loadingLines.push(line) });
    assert.equal((await readdir(cache)).length, entries);
    assert.ok(!loadingLines.some((l) => l.includes('LRM epoch')), loadingLines.join(' | '));
    assert.equal(loadingLines.filter((l) => l.includes('LRM loaded from')).length, 3);
    assert.deepEqual(filled, result);
    assert.deepEqual(loaded, result);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

test('the same seed gives the same result; choices never depend on the test split', async () => {
  const again = await runExperiment(domains, OPTIONS);
  assert.deepEqual(again, result);
  // Another test split (other questions, other size): every choice made on train / validation is unchanged.
  const swapped = await runExperiment([domain('alpha', 'another-test', 17), domain('beta', 'yet-another', 23)], OPTIONS);
  for (const name of ['alpha', 'beta']) {
    const a = result.domains[name]!;
    const b = swapped.domains[name]!;
    assert.equal(b.questions, name === 'alpha' ? 17 : 23);
    assert.equal(b.beta, a.beta);
    assert.deepEqual(b.beta_candidates, a.beta_candidates);
    assert.equal(b.lrm!.best_epoch, a.lrm!.best_epoch);
    assert.deepEqual(b.lrm!.validation, a.lrm!.validation);
    assert.deepEqual(b.early_rejection!.chosen, a.early_rejection!.chosen);
    assert.deepEqual(b.early_rejection!.validation, a.early_rejection!.validation);
    assert.deepEqual(b.early_rejection!.grid.map((g) => [g.validation_accuracy, g.validation_latent_steps]), a.early_rejection!.grid.map((g) => [g.validation_accuracy, g.validation_latent_steps]));
    assert.notDeepEqual(b.methods, a.methods);
  }
  assert.deepEqual(swapped.cross_domain!.beta, result.cross_domain!.beta);
});

test('step prefixes (idealised), depth test sets, a domain without an LRM, a single domain; tensors freed', async () => {
  const before = tf.memory().numTensors;
  const one = domain('alpha');
  const deeper: TrajectorySet = syntheticSet({ domain: 'alpha', split: 'test', questions: 30, runs: 6, states: 9, width: 8, seed: 'alpha-test-T8' });
  // Every validation run wrong: no LRM can be trained for this domain.
  const broken: DomainSets = {
    domain: 'gamma',
    train: syntheticSet({ domain: 'gamma', split: 'train', questions: 20, runs: 4, ...SHAPE, seed: 'gt' }),
    validation: allWrong(syntheticSet({ domain: 'gamma', split: 'validation', questions: 10, runs: 6, ...SHAPE, seed: 'g' })),
    test: syntheticSet({ domain: 'gamma', split: 'test', questions: 10, runs: 6, ...SHAPE, seed: 'gs' }),
  };
  const r = await runExperiment([{ ...one, tokenPrefixes: undefined, depthTests: [deeper] }, broken], { ...OPTIONS, earlyRejection: { ...OPTIONS.earlyRejection, prefix: 'steps' }, prefixStates: [2, 6] });
  const a = r.domains['alpha']!;
  assert.equal(a.early_rejection!.prefix, 'steps');
  assert.equal(a.early_rejection!.realisable, false);
  assert.equal(a.early_rejection!.running_rewards, false);
  assert.deepEqual(a.early_rejection!.checkpoints, [3]);
  assert.deepEqual(a.versus_steps.prefix.map((p) => p.states), [2, 6]);
  assert.deepEqual(a.versus_steps.depths.map((p) => p.steps), [8]);
  assert.deepEqual(Object.keys(a.versus_steps.depths[0]!.methods).sort(), ['best_of_n', 'coe_c', 'coe_r', 'lto', 'majority', 'oracle', 'single', 'weighted_majority']);
  const g = r.domains['gamma']!;
  assert.equal(g.lrm, null);
  assert.match(g.lrm_error!, /the gamma validation split has 0 correct and 60 incorrect runs; the LRM needs both/);
  assert.equal(g.beta, null);
  assert.deepEqual(Object.keys(g.methods), ['single', 'majority', 'coe_r', 'coe_c', 'oracle']);
  assert.equal(g.early_rejection, null);
  assert.deepEqual(r.cross_domain!.sources, ['alpha', 'gamma', 'pooled']);
  assert.deepEqual(r.cross_domain!.auroc[1], [null, null]);
  assert.equal(r.cross_domain!.beta[1], null);
  const single = await runExperiment([one], { ...OPTIONS, runs: 4 });
  assert.equal(single.cross_domain, null);
  assert.equal(single.n_runs, 4);
  assert.deepEqual(single.domains['alpha']!.versus_runs.map((p) => p.runs), [1, 2, 3, 4]);
  assert.equal(tf.memory().numTensors, before);
});

function allWrong(set: TrajectorySet): TrajectorySet {
  return new TrajectorySet(set.runs.map((r) => ({ ...r, correct: false })), set.trajectories, set.manifest);
}

test('bad input is named', async () => {
  const d = domain('alpha');
  await assert.rejects(runExperiment([], OPTIONS), /domains is empty/);
  await assert.rejects(runExperiment([d, d], OPTIONS), /domain names must be unique/);
  await assert.rejects(runExperiment([d], { ...OPTIONS, runs: 7 }), /runs \(N\) is 7 but some validation or test question has only 6 runs/);
  await assert.rejects(runExperiment([d], { ...OPTIONS, betas: [0.1, -1] }), /betas\[1\] is -1; expected a number > 0/);
  await assert.rejects(runExperiment([{ ...d, tokenPrefixes: undefined }], { ...OPTIONS, earlyRejection: { prefix: 'tokens' } }), /prefix is "tokens" but domain alpha has no tokenPrefixes/);
  await assert.rejects(runExperiment([d], { ...OPTIONS, prefixStates: [0] }), /prefixStates has 0; expected integers in 1\.\.6/);
  await assert.rejects(runExperiment([{ ...d, test: syntheticSet({ domain: 'alpha', split: 'test', questions: 3, runs: 6, states: 6, width: 4, seed: 1 }) }], OPTIONS), /test is 6 states x width 4, train is 6 x 8/);
  const smaller = syntheticSet({ domain: 'alpha', split: 'test', questions: 20, runs: 6, ...SHAPE, seed: 2 });
  await assert.rejects(runExperiment([{ ...d, test: smaller }], OPTIONS), /tokenPrefixes\.test: a prefix array is 180 x 6 x 8; the set is 120 x 6 x 8/);
});

test('question-centred input (the default) equals raw input on sets centred beforehand; raw is the paper', async () => {
  const d: DomainSets = { ...domain('alpha'), tokenPrefixes: undefined };
  const centre = (set: TrajectorySet): TrajectorySet => new TrajectorySet(set.runs, centreByGroups(set.trajectories, [...set.runsByQuestion().values()]), set.manifest);
  const options: ExperimentOptions = { ...OPTIONS, earlyRejection: { ...OPTIONS.earlyRejection, prefix: 'steps' } };
  const centred = await runExperiment([d], options);
  const byHand = await runExperiment([{ ...d, train: centre(d.train), validation: centre(d.validation), test: centre(d.test) }], { ...options, lrmInput: 'raw' });
  const raw = await runExperiment([d], { ...options, lrmInput: 'raw' });
  assert.equal(centred.lrm_input, 'question-centred');
  assert.equal(raw.lrm_input, 'raw');
  const a = centred.domains['alpha']!;
  const b = byHand.domains['alpha']!;
  // Everything the LRM decides is the same (CoE-R / CoE-C read the trajectories themselves, so differ).
  assert.deepEqual(a.lrm, b.lrm);
  assert.equal(a.beta, b.beta);
  for (const m of ['lto', 'best_of_n', 'weighted_majority', 'single', 'majority', 'oracle', 'lto_early'] as const) assert.deepEqual(a.methods[m], b.methods[m], m);
  assert.deepEqual(a.versus_steps.prefix, b.versus_steps.prefix);
  assert.deepEqual(a.versus_runs.at(-1)!.methods.lto, b.versus_runs.at(-1)!.methods.lto);
  // N = 1: a run centred on itself is all zeros, every reward ties, LTO takes the first run.
  assert.equal(a.versus_runs[0]!.methods.lto!.accuracy, a.versus_runs[0]!.methods.single!.accuracy);
  assert.notDeepEqual(raw.domains['alpha']!.lrm, a.lrm);
  await assert.rejects(runExperiment([d], { ...options, lrmInput: 'centred' as never }), /lrmInput is "centred"; expected one of "raw", "question-centred", "raw-and-centred", "ensemble"/);
});

test('raw-and-centred input equals raw input on sets given both halves beforehand', async () => {
  const d: DomainSets = { ...domain('alpha'), tokenPrefixes: undefined };
  const both = (set: TrajectorySet): TrajectorySet => new TrajectorySet(set.runs, withGroupCentred(set.trajectories, [...set.runsByQuestion().values()]), { ...set.manifest, width: 2 * set.width });
  const options: ExperimentOptions = { ...OPTIONS, earlyRejection: { ...OPTIONS.earlyRejection, prefix: 'steps' } };
  const combined = await runExperiment([d], { ...options, lrmInput: 'raw-and-centred' });
  const byHand = await runExperiment([{ ...d, train: both(d.train), validation: both(d.validation), test: both(d.test) }], { ...options, lrmInput: 'raw' });
  assert.equal(combined.lrm_input, 'raw-and-centred');
  const a = combined.domains['alpha']!;
  const b = byHand.domains['alpha']!;
  assert.deepEqual(a.lrm, b.lrm);
  assert.equal(a.beta, b.beta);
  for (const m of ['lto', 'best_of_n', 'weighted_majority', 'lto_early'] as const) assert.deepEqual(a.methods[m], b.methods[m], m);
  assert.deepEqual(a.versus_steps.prefix, b.versus_steps.prefix);
  assert.deepEqual(a.versus_runs.at(-1)!.methods.lto, b.versus_runs.at(-1)!.methods.lto);
});

test('ensemble: a raw and a centred LRM, each the one trained alone (cache shared); weight and beta chosen on validation only', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'lto-lrm-cache-'));
  const before = tf.memory().numTensors;
  try {
    const options: ExperimentOptions = { ...OPTIONS, earlyRejection: { ...OPTIONS.earlyRejection, prefix: 'steps' }, lrmCacheDir: cache };
    const sets = domains.map((d) => ({ ...d, tokenPrefixes: undefined }));
    const raw = await runExperiment(sets, { ...options, lrmInput: 'raw' });
    const centred = await runExperiment(sets, options);
    const lines: string[] = [];
    const ensemble = await runExperiment(sets, { ...options, lrmInput: 'ensemble', onProgress: (line) => lines.push(line) });
    assert.equal(ensemble.lrm_input, 'ensemble');
    // Every member (the pooled ones too) is the LRM trained alone on the same input: loaded, not trained again.
    assert.equal((await readdir(cache)).length, 6);
    assert.ok(!lines.some((l) => l.includes('LRM epoch')), lines.join(' | '));
    for (const name of ['alpha', 'beta', 'pooled']) for (const input of ['raw', 'question-centred']) assert.ok(lines.includes(`${name} (${input} member): LRM loaded from ${cache} (trained earlier on the same sets and options)`), `${name} ${input}`);
    for (const name of ['alpha', 'beta']) {
      const d = ensemble.domains[name]!;
      const e = d.lrm!.ensemble!;
      assert.deepEqual(e.members.map((m) => m.input), ['raw', 'question-centred']);
      assert.deepEqual(e.members.map((m) => m.validation), [raw.domains[name]!.lrm!.validation, centred.domains[name]!.lrm!.validation]);
      assert.deepEqual(e.members.map((m) => m.test_auroc), [raw.domains[name]!.lrm!.auroc, centred.domains[name]!.lrm!.auroc]);
      assert.deepEqual(e.weight_candidates.map((w) => w.raw_weight), [0, 0.25, 0.5, 0.75, 1]);
      const best = Math.max(...e.weight_candidates.map((w) => w.validation_accuracy));
      const chosen = e.weight_candidates.find((w) => w.validation_accuracy === best)!;
      assert.equal(e.raw_weight, chosen.raw_weight);
      assert.equal(d.beta, chosen.beta);
      assert.ok(d.beta_candidates.some((c) => c.beta === d.beta && c.validation_accuracy === best));
      assert.deepEqual(Object.keys(d.methods).sort(), [...METHODS].sort());
      // The summary fields are the larger-weight member's.
      assert.deepEqual(d.lrm!.validation, e.members[e.raw_weight >= 0.5 ? 0 : 1]!.validation);
    }
    assert.deepEqual(ensemble.cross_domain!.sources, ['alpha', 'beta', 'pooled']);
    // Another test split: the weight and beta, chosen on validation, do not move.
    const swapped = await runExperiment([{ ...domain('alpha', 'another-test', 17), tokenPrefixes: undefined }], { ...options, lrmInput: 'ensemble' });
    const a = swapped.domains['alpha']!;
    assert.equal(a.lrm!.ensemble!.raw_weight, ensemble.domains['alpha']!.lrm!.ensemble!.raw_weight);
    assert.equal(a.beta, ensemble.domains['alpha']!.beta);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

test('the ranking objective reaches every LRM, the pooled one included (its question groups span the domains)', async () => {
  const ranked = await runExperiment(domains, { ...OPTIONS, lrm: { ...OPTIONS.lrm, rankingWeight: 1 } });
  assert.deepEqual(ranked.cross_domain!.sources, ['alpha', 'beta', 'pooled']);
  for (const name of ['alpha', 'beta']) {
    assert.ok(ranked.domains[name]!.lrm!.auroc !== null);
    assert.notDeepEqual(ranked.domains[name]!.lrm, result.domains[name]!.lrm, name);
  }
  assert.ok(ranked.cross_domain!.auroc[2]!.every((a) => a !== null));
});

test('prefix LRM: trained on the train split token prefixes, it gives early rejection its prefix rewards and nothing else', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'lto-lrm-cache-'));
  try {
    const withTrainPrefixes = (name: string): DomainSets => {
      const d = domain(name);
      const train = syntheticSet({ domain: name, split: 'train', questions: 40, runs: 4, ...SHAPE, seed: `${name}-train`, keepTokenLatents: true });
      return { ...d, train, tokenPrefixes: { ...d.tokenPrefixes!, train: tokenPrefixTrajectories(train, [1, 2, 4]) } };
    };
    const sets = [withTrainPrefixes('alpha')];
    const options: ExperimentOptions = { ...OPTIONS, lrmCacheDir: cache, crossDomain: false };
    const plain = await runExperiment(sets, options);
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const prefixed = await runExperiment(sets, { ...options, prefixLrm: true, onProgress: (line) => lines.push(line) });
    assert.equal(tf.memory().numTensors, before);
    // The main LRM is the one trained without it (loaded from the cache); the prefix LRM is a second one.
    assert.equal((await readdir(cache)).length, 2);
    assert.ok(lines.includes(`alpha: LRM loaded from ${cache} (trained earlier on the same sets and options)`), lines.join(' | '));
    assert.ok(lines.some((l) => l.startsWith('alpha prefix: LRM epoch 1/3')), lines.join(' | '));
    const [a, b] = [plain.domains['alpha']!, prefixed.domains['alpha']!];
    assert.equal(a.early_rejection!.prefix_lrm, 'main');
    assert.equal(b.early_rejection!.prefix_lrm, 'prefix');
    // Everything but early rejection is unchanged.
    assert.deepEqual({ ...b.methods, lto_early: null }, { ...a.methods, lto_early: null });
    assert.deepEqual(b.lrm, a.lrm);
    assert.equal(b.beta, a.beta);
    assert.notDeepEqual(b.early_rejection!.checkpoint_auroc, a.early_rejection!.checkpoint_auroc);
    for (const c of [...a.early_rejection!.checkpoint_auroc, ...b.early_rejection!.checkpoint_auroc]) {
      assert.ok(c.auroc !== null && c.auroc >= 0 && c.auroc <= 1, JSON.stringify(c));
      assert.ok(c.within_question_auroc !== null && c.within_question_auroc >= 0 && c.within_question_auroc <= 1, JSON.stringify(c));
    }
    assert.equal(b.early_rejection!.checkpoint_auroc.length, 3);
    // Bad input is named.
    await assert.rejects(runExperiment([domain('alpha')], { ...options, prefixLrm: true }), /prefixLrm needs the train split's token prefixes, but domain alpha has no tokenPrefixes\.train/);
    await assert.rejects(runExperiment(sets, { ...options, prefixLrm: true, earlyRejection: { prefix: 'steps' } }), /prefixLrm trains on token prefixes; earlyRejection\.prefix "steps"/);
    const other = { ...sets[0]!, tokenPrefixes: { ...sets[0]!.tokenPrefixes!, train: tokenPrefixTrajectories(sets[0]!.train, [1, 3]) } };
    await assert.rejects(runExperiment([other], { ...options, prefixLrm: true }), /train token checkpoints \(1, 3\) differ from test's \(1, 2, 4\)/);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

test('the batch rule alone; with a centred LRM it is measured with running rewards, and keeping everyone is LTO itself', async () => {
  const d = domains[0]!;
  const batchOnly = (keep: number[]): ExperimentOptions => ({ ...OPTIONS, crossDomain: false, earlyRejection: { quantiles: [0], margins: [Infinity], survivors: [], keeps: [keep], acceptQuantiles: [], tolerance: 1 } });
  const before = tf.memory().numTensors;
  // The batch schedule alone (no sequential setting) is the choice.
  const centred = (await runExperiment([d], batchOnly([3, 2, 1]))).domains['alpha']!;
  assert.deepEqual(centred.early_rejection!.chosen.keep, [3, 2, 1]);
  assert.equal(centred.early_rejection!.running_rewards, true);
  assert.equal(centred.methods.lto_early!.accuracy, centred.early_rejection!.test.accuracy);
  assert.ok(centred.early_rejection!.test.step_fraction < 1);
  // Every candidate kept: the running rewards at the end are LTO's (all N centred together), so is the output.
  const all = (await runExperiment([d], batchOnly([6, 6, 6]))).domains['alpha']!;
  assert.equal(all.early_rejection!.running_rewards, true);
  assert.equal(all.methods.lto_early!.accuracy, all.methods.lto!.accuracy);
  assert.equal(all.early_rejection!.test.step_fraction, 1);
  assert.equal(all.early_rejection!.versus_lto.difference, 0);
  // A raw LRM's rewards do not depend on the other candidates: measured once.
  const raw = (await runExperiment([d], { ...batchOnly([3, 2, 1]), lrmInput: 'raw' })).domains['alpha']!;
  assert.equal(raw.early_rejection!.running_rewards, false);
  assert.equal(raw.early_rejection!.test.accuracy, raw.early_rejection!.test_precomputed_rewards.accuracy);
  assert.equal(tf.memory().numTensors, before);
});

test('an acceptance level alone; with a centred LRM it is tested on the running rewards of the finished candidates', async () => {
  const d = domains[0]!;
  const acceptOnly = (minFinished: number): ExperimentOptions => ({ ...OPTIONS, crossDomain: false, earlyRejection: { quantiles: [0], margins: [Infinity], survivors: [], keeps: [], acceptQuantiles: [0], minFinished: [minFinished], tolerance: 1 } });
  const before = tf.memory().numTensors;
  const low = (await runExperiment([d], acceptOnly(2))).domains['alpha']!;
  const e = low.early_rejection!;
  assert.equal(e.running_rewards, true);
  assert.equal(e.grid.length, 1);
  assert.deepEqual([e.chosen.accept!.quantile, e.chosen.accept!.min_finished], [0, 2]);
  // The lowest validation full reward as the level: here every question stops after its first two candidates.
  assert.equal(e.test.acceptances, low.questions);
  assert.equal(e.test.candidates, 2 * low.questions);
  assert.ok(e.test.step_fraction < 0.5);
  // k_min = N: the stop comes only once every candidate has finished, so the output is LTO's.
  const high = (await runExperiment([d], acceptOnly(6))).domains['alpha']!;
  assert.equal(high.methods.lto_early!.accuracy, high.methods.lto!.accuracy);
  assert.equal(high.early_rejection!.test.step_fraction, 1);
  assert.equal(tf.memory().numTensors, before);
});

test('step prefixes of a 2-step trajectory leave no checkpoint: early rejection is LTO, without batch schedules', async () => {
  const short = { states: 3, width: 8 };
  const d: DomainSets = {
    domain: 'short',
    train: syntheticSet({ domain: 'short', split: 'train', questions: 40, runs: 4, ...short, seed: 'st' }),
    validation: syntheticSet({ domain: 'short', split: 'validation', questions: 30, runs: 6, ...short, seed: 'sv' }),
    test: syntheticSet({ domain: 'short', split: 'test', questions: 30, runs: 6, ...short, seed: 'ss' }),
  };
  const r = (await runExperiment([d], { ...OPTIONS, crossDomain: false, earlyRejection: { ...OPTIONS.earlyRejection, prefix: 'steps' } })).domains['short']!;
  const e = r.early_rejection!;
  assert.deepEqual(e.checkpoints, []);
  assert.ok(e.grid.every((g) => g.keep === null));
  assert.equal(r.methods.lto_early!.accuracy, r.methods.lto!.accuracy);
});
