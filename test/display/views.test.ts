import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleOf } from '../../src/display/protocol.js';
import { claimPlotlyEmbedding, resetPlotlyEmbedding } from '../../src/display/plotly-offline.js';
import { CORRECT_COLOR, INCORRECT_COLOR } from '../../src/display/figures/colors.js';
import { PLOTLY_MIME } from '../../src/display/figures/figure.js';
import { aurocBySteps, chooseRuns, latentMap, metricCurves, trajectoryView } from '../../src/display/views.js';
import { syntheticSet } from './trajectory-set-fixture.js';

type Trace = Record<string, any>;

before(() => {
  resetPlotlyEmbedding();
  claimPlotlyEmbedding(); // keep the bundles small: the library is embedded elsewhere
});

/** Run indices of a LatentMap trace (its customdata holds [run, hover]). */
const runsOf = (trace: Trace): number[] => trace.customdata.map((c: [number, string]) => c[0]);

test('latentMap (PCA): every run at every step, coloured by correctness, a frame per step, escaped text', () => {
  const set = syntheticSet();
  const map = latentMap(set);
  assert.equal(map.points.length, set.states);
  assert.ok(map.points.every((step) => step.length === set.size));
  assert.deepEqual(map.steps, [0, 1, 2, 3, 4]);
  assert.equal(map.method, 'PCA');
  assert.match(map.title!, /^PCA of latent states \(\d+\.\d% \+ \d+\.\d% of variance\)$/);
  const correct = set.runs.filter((r) => r.correct).length;
  const spec = map.spec();
  const data = spec.data as Trace[];
  assert.deepEqual(data.map((t) => t.name), [`correct (${correct})`, `incorrect (${set.size - correct})`]);
  assert.deepEqual(data.map((t) => t.marker.color), [CORRECT_COLOR, INCORRECT_COLOR]);
  assert.ok(runsOf(data[0]!).every((r) => map.runs[r]!.correct) && runsOf(data[1]!).every((r) => !map.runs[r]!.correct));
  assert.equal(spec.frames!.length, set.states);
  // Correct runs drift along the first state axis, incorrect along the second: at the last step
  // the two groups' centroids are far apart in the map, at step 0 (noise) they are not.
  const gap = (s: number): number => {
    const centroid = (ok: boolean) => {
      const pts = map.points[s]!.filter((_, r) => map.runs[r]!.correct === ok);
      return [pts.reduce((a, p) => a + p.x, 0) / pts.length, pts.reduce((a, p) => a + p.y, 0) / pts.length];
    };
    const [a, b] = [centroid(true), centroid(false)];
    return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
  };
  assert.ok(gap(4) > 3 * gap(0), `gap at the last step ${gap(4)} vs step 0 ${gap(0)}`);
  // The hostile question is in the hover text, escaped; never raw in any part of the bundle.
  const bundle = bundleOf(map);
  for (const part of [bundle['text/html'], bundle['image/svg+xml'], JSON.stringify(bundle[PLOTLY_MIME])] as string[]) {
    assert.ok(!part.includes('<img'), 'no raw markup from data');
  }
  assert.ok(JSON.stringify(spec).includes('&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;'));
});

test('latentMap: a large set is subsampled by a seeded choice stated in the title; steps and colours follow the options', () => {
  const set = syntheticSet({ questions: 15, runs: 4 }); // 60 runs
  const map = latentMap(set, { maxPoints: 25, seed: 3, steps: [0, 2, 4], colorBy: 'domain' });
  assert.equal(map.runs.length, 25);
  assert.ok(map.points.every((step) => step.length === 25));
  assert.deepEqual(map.steps, [0, 2, 4]);
  assert.equal(map.spec().frames!.length, 3);
  assert.match(map.title!, /— 25 of 60 runs, seeded sample \(seed 3\)$/);
  assert.deepEqual((map.spec().data as Trace[]).map((t) => t.name.replace(/ \(\d+\)$/, '')).sort(), ['code', 'math']);
  // The same seed picks the same runs; another seed others.
  assert.deepEqual(latentMap(set, { maxPoints: 25, seed: 3, steps: [0, 2, 4] }).points, latentMap(set, { maxPoints: 25, seed: 3, steps: [0, 2, 4] }).points);
  const picked = chooseRuns(60, 25, 3, 'latentMap');
  assert.equal(picked.runs.length, 25);
  assert.deepEqual(picked.runs, [...picked.runs].sort((a, b) => a - b));
  assert.notDeepEqual(chooseRuns(60, 25, 4, 'latentMap').runs, picked.runs);
  assert.deepEqual(chooseRuns(10, 25, 3, 'latentMap'), { runs: Array.from({ length: 10 }, (_, i) => i), note: undefined });
  // Reward colouring needs rewards, one per run.
  assert.throws(() => latentMap(set, { colorBy: 'reward' }), /colorBy 'reward' needs the rewards option/);
  assert.throws(() => latentMap(set, { rewards: [0.5] }), /rewards has 1 values, expected one per run \(60\)/);
  const rewards = Float64Array.from({ length: 60 }, (_, i) => i / 60);
  const byReward = latentMap(set, { colorBy: 'reward', rewards, maxPoints: 25, seed: 3 });
  assert.deepEqual(byReward.runs.map((r) => r.reward), picked.runs.map((i) => i / 60));
  assert.throws(() => latentMap(set, { steps: [5] }), /step 5 is outside 0\.\.4/);
});

test('latentMap (UMAP): seeded and deterministic, one UMAP over the shown steps', () => {
  const set = syntheticSet({ questions: 10, runs: 3 });
  const options = { method: 'umap' as const, steps: [0, 4], seed: 2, umap: { neighbors: 5, epochs: 30 } };
  const a = latentMap(set, options);
  assert.equal(a.method, 'UMAP');
  assert.deepEqual(a.steps, [0, 4]);
  assert.ok(a.points.every((step) => step.length === 30));
  assert.match(a.title!, /^UMAP of latent states \(5 neighbours, seed 2\)$/);
  assert.deepEqual(latentMap(set, options).points, a.points);
  assert.notDeepEqual(latentMap(set, { ...options, seed: 5 }).points, a.points);
});

test('trajectoryView: one 3-D path per shown run over the steps, explained variance on the axes, subsampling stated', () => {
  const set = syntheticSet();
  const view = trajectoryView(set);
  assert.equal(view.paths.length, set.size);
  assert.ok(view.paths.every((p) => p.length === set.states));
  assert.match(view.axisLabels[0], /^PC1 \(\d+\.\d%\)$/);
  const data = view.spec().data as Trace[];
  const correct = set.runs.filter((r) => r.correct).length;
  assert.deepEqual(data.map((t) => t.name), [`correct (${correct})`, `incorrect (${set.size - correct})`]);
  // Each class trace holds its runs' points with a null between runs.
  assert.equal(data[0]!.x.length, correct * set.states + (correct - 1));
  assert.equal(data[1]!.x.filter((v: number | null) => v !== null).length, (set.size - correct) * set.states);
  const small = trajectoryView(set, { maxRuns: 7, seed: 1, steps: [0, 2, 4] });
  assert.equal(small.paths.length, 7);
  assert.deepEqual(small.steps, [0, 2, 4]);
  assert.ok(small.paths.every((p) => p.length === 3));
  assert.match(small.title!, /— 7 of 40 runs, seeded sample \(seed 1\)$/);
  const html = bundleOf(small)['text/html'] as string;
  assert.ok(!html.includes('<img'));
});

test('metricCurves: the chosen metrics as correct/incorrect curves with bands over the defined steps', () => {
  const set = syntheticSet();
  const widget = metricCurves(set, { metrics: ['stepChangeNorm', 'successiveCosine', 'effectiveRank'], bootstrapSamples: 50, populationSize: 5 });
  assert.deepEqual(widget.metrics.map((m) => m.name), ['stepChangeNorm', 'successiveCosine', 'effectiveRank']);
  // Step changes are defined from step 1; population metrics at every step.
  assert.deepEqual(widget.metrics[0]!.correct.x, [1, 2, 3, 4]);
  assert.deepEqual(widget.metrics[2]!.correct.x, [0, 1, 2, 3, 4]);
  assert.ok(widget.metrics.every((m) => m.correct.band !== undefined && m.incorrect.band !== undefined));
  const correct = set.runs.filter((r) => r.correct).length;
  assert.ok(widget.title!.includes(`${correct} correct vs ${set.size - correct} incorrect runs (95% bootstrap bands)`), widget.title);
  assert.throws(() => metricCurves(syntheticSet({ allCorrect: true }), { bootstrapSamples: 10 }), /needs both correct and incorrect runs, the set has 40 correct of 40/);
});

test('aurocBySteps: probe AUROC at every step, near chance on the initial noise and high at the last step; per-domain and metric series', () => {
  const set = syntheticSet({ questions: 20, runs: 4 });
  const widget = aurocBySteps(set, { folds: 4, seed: 1 });
  assert.equal(widget.series.length, 1);
  const probe = widget.series[0]!;
  assert.equal(probe.name, 'linear probe (4-fold CV)');
  assert.deepEqual(probe.x, [0, 1, 2, 3, 4]);
  assert.ok(probe.y[4]! > 0.95, `last-step AUROC ${probe.y[4]}`);
  assert.ok(probe.y[0]! < 0.8, `step-0 AUROC ${probe.y[0]}`);
  const full = aurocBySteps(set, { folds: 4, seed: 1, byDomain: true, metrics: ['stepChangeNorm'] });
  assert.deepEqual(full.series.map((s) => s.name), ['linear probe (4-fold CV)', 'probe, math', 'probe, code', 'stepChangeNorm']);
  assert.deepEqual(full.series[3]!.x, [1, 2, 3, 4]);
  assert.equal(full.spec().data.length >= 4, true);
});
