import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveArrays, metricsByStep, runMetricsByStep, splitIntoPopulations, RUN_METRICS, POPULATION_METRICS } from '../../src/analysis/metrics-by-step.js';
import { matrixEntropy } from '../../src/analysis/population-metrics.js';
import { statesAt } from '../../src/analysis/state-matrix.js';
import { stepChangeNorms } from '../../src/analysis/step-dynamics.js';
import { Rng } from '../../src/tensor/random.js';
import { trajectoryArray } from '../../src/tensor/trajectory-array.js';

/** 40 runs x 4 steps x 6 wide: correct runs (even) drift little, incorrect runs (odd) jump around. */
function synthetic() {
  const rng = new Rng(9);
  const runs = 40;
  const steps = 4;
  const width = 6;
  const data = new Float32Array(runs * steps * width);
  const correct = Array.from({ length: runs }, (_, r) => r % 2 === 0);
  for (let r = 0; r < runs; r++) {
    for (let s = 0; s < steps; s++) {
      for (let k = 0; k < width; k++) data[(r * steps + s) * width + k] = (k === 0 ? 3 : 0) + rng.normal() * (correct[r] ? 0.2 : 1);
    }
  }
  return { t: trajectoryArray(data, runs, steps, width), correct };
}

test('metricsByStep: every metric has one entry per step; undefined steps are null', () => {
  const { t, correct } = synthetic();
  const result = metricsByStep(t, correct, { bootstrapSamples: 200, populationSize: 10 });
  assert.equal(result.correctRuns, 20);
  assert.equal(result.incorrectRuns, 20);
  for (const name of [...RUN_METRICS, ...POPULATION_METRICS]) assert.equal(result.metrics[name]!.steps.length, 4, name);
  assert.equal(result.metrics.stepChangeNorm!.steps[0]!.correct, null);
  assert.equal(result.metrics.coeR!.steps[1]!.incorrect, null);
  assert.notEqual(result.metrics.coeR!.steps[2]!.incorrect, null);
  assert.equal(result.metrics.matrixEntropy!.steps[0]!.correct!.count, 2); // 20 runs -> 2 populations of 10
  assert.deepEqual(result.statesPerPopulation, { correct: 10, incorrect: 10 });
  for (const curve of Object.values(result.metrics)) {
    for (const s of curve.steps) {
      for (const band of [s.correct, s.incorrect]) if (band) assert.ok(band.lower <= band.mean && band.mean <= band.upper, JSON.stringify(band));
    }
  }
});

test('metricsByStep: per-run means are the plain group means; the noisier group moves more', () => {
  const { t, correct } = synthetic();
  const result = metricsByStep(t, correct, { metrics: ['stepChangeNorm'], bootstrapSamples: 200 });
  const norms = stepChangeNorms(t);
  for (let step = 1; step < 4; step++) {
    let sum = 0;
    for (let r = 0; r < 40; r += 2) sum += norms.values[r * 3 + step - 1]!;
    const band = result.metrics.stepChangeNorm!.steps[step]!.correct!;
    assert.ok(Math.abs(band.mean - sum / 20) < 1e-12);
    assert.equal(band.count, 20);
    assert.ok(result.metrics.stepChangeNorm!.steps[step]!.incorrect!.lower > band.upper);
  }
  assert.equal(result.metrics.matrixEntropy, undefined);
  assert.equal(result.statesPerPopulation, null);
});

test('metricsByStep: a single population equals the metric on the whole group', () => {
  const { t, correct } = synthetic();
  const result = metricsByStep(t, correct, { metrics: ['matrixEntropy'], populationSize: 20, bootstrapSamples: 100 });
  const correctRuns = Array.from({ length: 20 }, (_, i) => 2 * i);
  const band = result.metrics.matrixEntropy!.steps[2]!.correct!;
  assert.equal(band.count, 1);
  assert.ok(Math.abs(band.mean - matrixEntropy(statesAt(t, 2, correctRuns))) < 1e-12);
  const all = metricsByStep(t, correct, { metrics: ['matrixEntropy'], populationSize: 'all', bootstrapSamples: 50 });
  assert.ok(Math.abs(all.metrics.matrixEntropy!.steps[2]!.correct!.mean - band.mean) < 1e-12);
});

test('metricsByStep: seeded (identical output for the same seed), JSON-able, clusters resample questions', () => {
  const { t, correct } = synthetic();
  const options = { bootstrapSamples: 100, populationSize: 10, seed: 4 } as const;
  const a = metricsByStep(t, correct, options);
  assert.deepEqual(a, metricsByStep(t, correct, options));
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  assert.notDeepEqual(a, metricsByStep(t, correct, { ...options, seed: 5 }));
  const clusters = Array.from({ length: 40 }, (_, r) => Math.floor(r / 4)); // 10 "questions" of 4 runs
  const clustered = metricsByStep(t, correct, { ...options, metrics: ['successiveCosine'], clusters });
  const plain = metricsByStep(t, correct, { ...options, metrics: ['successiveCosine'] });
  const [c, p] = [clustered.metrics.successiveCosine!.steps[1]!.correct!, plain.metrics.successiveCosine!.steps[1]!.correct!];
  assert.equal(c.mean, p.mean);
  assert.notDeepEqual([c.lower, c.upper], [p.lower, p.upper]);
});

test('runMetricsByStep: [runs, steps] values with NaN where undefined', () => {
  const { t } = synthetic();
  const values = runMetricsByStep(t);
  assert.equal(values.successiveCosine.length, 40 * 4);
  assert.ok(Number.isNaN(values.successiveCosine[0]!));
  assert.ok(Number.isFinite(values.successiveCosine[1]!));
  assert.ok(Number.isNaN(values.coeC[4 + 1]!) && Number.isFinite(values.coeC[4 + 2]!));
});

test('splitIntoPopulations: equal-size seeded chunks; a small group is one population', () => {
  const runs = Array.from({ length: 25 }, (_, i) => i);
  const chunks = splitIntoPopulations(runs, 10, 1);
  assert.deepEqual(chunks.map((c) => c.length), [10, 10]);
  assert.equal(new Set(chunks.flat()).size, 20);
  assert.deepEqual(chunks, splitIntoPopulations(runs, 10, 1));
  assert.deepEqual(splitIntoPopulations([3, 4], 10, 1), [[3, 4]]);
  assert.deepEqual(splitIntoPopulations([], 10, 1), []);
});

test('metricsByStep: bad arguments are clear errors', () => {
  const { t, correct } = synthetic();
  assert.throws(() => metricsByStep(t, correct.slice(1)), /correct: 39 labels, expected one per run \(40\)/);
  assert.throws(() => metricsByStep(t, correct, { metrics: ['entropy' as never] }), /unknown metric 'entropy'/);
  assert.throws(() => metricsByStep(t, correct, { populationSize: 1 }), /populationSize must be an integer >= 3 or 'all', got 1/);
  assert.throws(() => metricsByStep(t, correct, { clusters: [1, 2] }), /clusters has 2 entries, expected one per run \(40\)/);
  const nan = trajectoryArray(Float32Array.from([1, NaN]), 1, 1, 2);
  assert.throws(() => metricsByStep(nan, [true]), /run 0, step 0, component 1 is NaN/);
});

test('curveArrays: parallel arrays over the steps where both groups are defined', () => {
  const { t, correct } = synthetic();
  const result = metricsByStep(t, correct, { metrics: ['coeR', 'anisotropy'], bootstrapSamples: 50, populationSize: 10 });
  const [coeR, aniso] = curveArrays(result);
  assert.equal(coeR!.name, 'coeR');
  assert.deepEqual(coeR!.steps, [2, 3]);
  assert.equal(coeR!.correct.mean[0], result.metrics.coeR!.steps[2]!.correct!.mean);
  assert.equal(coeR!.incorrect.upper[1], result.metrics.coeR!.steps[3]!.incorrect!.upper);
  assert.deepEqual(aniso!.steps, [0, 1, 2, 3]);
  assert.throws(() => curveArrays(result, ['effectiveRank']), /the result has no metric 'effectiveRank'/);
});
