import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { UMAP } from 'umap-js';
import { SparseMatrix } from 'umap-js/dist/matrix';
import { layoutEdges, makeEpochsPerSample, UmapLayout } from '../../src/analysis/umap-layout.js';
import { exactNeighbors, fitLayout, fitUmap, installFastGraphs, installFastLayoutInit } from '../../src/analysis/umap-projection.js';
import { stateMatrix, type StateMatrix } from '../../src/analysis/state-matrix.js';
import { deriveSeed, Rng } from '../../src/tensor/random.js';

/** umap-js's private optimisation API, driven directly to compare with UmapLayout. */
interface UmapOptimizer {
  graph: SparseMatrix;
  nEpochs: number;
  embedding: number[][];
  optimizationState: { head: number[]; tail: number[]; epochsPerSample: number[]; headEmbedding: number[][]; alpha: number; currentEpoch: number };
  assignOptimizationStateParameters(state: Record<string, unknown>): void;
  prepareForOptimizationLoop(): void;
  optimizeLayoutStep(n: number): number[][];
  initializeSimplicialSetEmbedding(): { head: number[]; tail: number[]; epochsPerSample: number[] };
  makeEpochsPerSample(weights: number[], nEpochs: number): number[];
}

/** A `random` that counts its calls. */
function countingRandom(seed: number) {
  const rng = new Rng(seed);
  const random = () => {
    random.calls++;
    return rng.uniform();
  };
  random.calls = 0;
  return random;
}

/** Same doubles (Object.is: -0 and NaN too), element by element. */
function assertSameDoubles(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]}, umap-js has ${expected[i]}`);
  }
}

/** Clustered points in `width` dimensions (three clusters, some exact duplicates). */
function clusteredRows(rows: number, width: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const out = Array.from({ length: rows }, (_, r) => Array.from({ length: width }, (_, j) => rng.normal() + (j === 0 ? (r % 3) * 6 : 0)));
  out[7] = [...out[4]!]; // duplicates: zero distances in the kNN graph
  out[10] = [...out[4]!];
  return out;
}

function toMatrix(rows: number[][]): StateMatrix {
  return stateMatrix(Float64Array.from(rows.flat()), rows.length, rows[0]!.length);
}

interface Scenario {
  readonly start: number[][];
  readonly head: number[];
  readonly tail: number[];
  readonly weights: number[];
  readonly a: number;
  readonly b: number;
}

/** Runs umap-js's optimizeLayoutStep and UmapLayout side by side; returns the random draws. */
function compareWithUmapJs(what: string, { start, head, tail, weights, a, b }: Scenario): number {
  const dim = start[0]!.length;
  const nEpochs = 60;
  const epochsPerSample = makeEpochsPerSample(weights, nEpochs);
  const settings = { learningRate: 0.8, repulsionStrength: 1.3, negativeSampleRate: 3 };
  const plainRandom = countingRandom(7);
  const plain = new UMAP({ ...settings, random: plainRandom }) as unknown as UmapOptimizer;
  const rows = start.map((row) => [...row]);
  plain.assignOptimizationStateParameters({ headEmbedding: rows, tailEmbedding: rows, head, tail, epochsPerSample: Array.from(epochsPerSample), a, b, nEpochs, nVertices: rows.length, currentEpoch: 0 });
  plain.prepareForOptimizationLoop();

  const random = countingRandom(7);
  const layout = new UmapLayout({ embedding: Float64Array.from(start.flat()), dim, head, tail, epochsPerSample, nEpochs, a, b, gamma: settings.repulsionStrength, learningRate: settings.learningRate, negativeSampleRate: settings.negativeSampleRate, random });
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    plain.optimizeLayoutStep(epoch);
    assert.equal(layout.step(), epoch + 1);
    assertSameDoubles(layout.embedding, rows.flat(), `${what}, epoch ${epoch}`);
    assert.ok(Object.is(layout.alpha, plain.optimizationState.alpha), `${what}, epoch ${epoch}: alpha`);
    assert.equal(random.calls, plainRandom.calls, `${what}, epoch ${epoch}: random calls`);
  }
  // Like umap-js's step(), nothing happens after the last epoch.
  const final = layout.embedding.slice();
  assert.equal(layout.step(), nEpochs);
  assert.deepEqual(layout.embedding, final);
  return random.calls;
}

test('UmapLayout: every epoch gives the same coordinates, alpha and random draws as umap-js optimizeLayoutStep', () => {
  for (const dim of [1, 2, 3]) {
    const rng = new Rng(100 + dim);
    const randomGraph = (n: number, scale: number, a: number, b: number): Scenario => {
      const start = Array.from({ length: n }, () => Array.from({ length: dim }, () => rng.normal() * scale));
      const head: number[] = [];
      const tail: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let e = 0; e < 4; e++) {
          head.push(i);
          tail.push(rng.int(n));
        }
      }
      const weights = head.map((_, e) => (e % 11 === 0 ? 1 : 0.05 + 0.95 * rng.uniform()));
      return { start, head, tail, weights, a, b };
    };
    // umap-js's default curve (minDist 0.1, spread 1), points spread out.
    const spread = compareWithUmapJs(`${dim}-D, spread out`, randomGraph(40, 3, 1.5769434603113077, 0.8950608779109733));
    assert.ok(spread > 1000, 'negative samples were drawn');
    // A steep curve on a tight cluster: both gradients get clipped.
    compareWithUmapJs(`${dim}-D, clipped`, randomGraph(40, 0.05, 50, 0.6));
    // Three points at one place and an edge from a point to itself: the zero-distance branches
    // (no pull; a push of 4 * alpha from another point at the same place; none from itself).
    const place = Array.from({ length: dim }, () => rng.normal());
    compareWithUmapJs(`${dim}-D, coincident`, { start: [[...place], [...place], [...place]], head: [0, 2], tail: [1, 2], weights: [1, 0.5], a: 1.5769434603113077, b: 0.8950608779109733 });
  }
});

test('UmapLayout: refuses edges outside the embedding and mismatched lengths', () => {
  const base = { embedding: new Float64Array(6), dim: 2, nEpochs: 5, a: 1.5, b: 0.9, random: Math.random };
  assert.throws(() => new UmapLayout({ ...base, head: [0, 3], tail: [1, 2], epochsPerSample: [1, 1] }), /edge 1 \(3 -> 2\) is outside the 3 rows/);
  assert.throws(() => new UmapLayout({ ...base, head: [0], tail: [1, 2], epochsPerSample: [1, 1] }), /differ in length/);
  assert.throws(() => new UmapLayout({ ...base, dim: 4, head: [], tail: [], epochsPerSample: [] }), /not a positive multiple of dim 4/);
});

test('makeEpochsPerSample and layoutEdges equal umap-js initializeSimplicialSetEmbedding', () => {
  const weights = [0.5, 1, 0, 0.25, 1, 1e-9];
  const umap = new UMAP() as unknown as UmapOptimizer;
  assertSameDoubles(makeEpochsPerSample(weights, 200), umap.makeEpochsPerSample(weights, 200), 'epochs per sample');
  assertSameDoubles(makeEpochsPerSample([0, 0], 10), umap.makeEpochsPerSample([0, 0], 10), 'all-zero weights');

  // A graph given out of order, with zeros, -0 and entries below max / nEpochs (all dropped).
  const rng = new Rng(5);
  const n = 30;
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  const seen = new Set<number>();
  while (values.length < 200) {
    const r = rng.int(n);
    const c = rng.int(n);
    if (seen.has(r * n + c)) continue;
    seen.add(r * n + c);
    rows.push(r);
    cols.push(c);
    const kind = values.length % 10;
    values.push(kind === 0 ? 0 : kind === 1 ? -0 : kind === 2 ? 0.001 * rng.uniform() : rng.uniform());
  }
  values[3] = 1; // the maximum, so the threshold is 1 / 50 ...
  values[4] = 1 / 50; // ... and an entry exactly at it (kept: umap-js drops only smaller ones)
  const make = (fast: boolean) => {
    const random = countingRandom(3);
    const instance = new UMAP({ nEpochs: 50, nComponents: 3, random }) as unknown as UmapOptimizer;
    if (fast) installFastLayoutInit(instance as unknown as UMAP);
    instance.graph = new SparseMatrix(rows, cols, values, [n, n]);
    return { result: instance.initializeSimplicialSetEmbedding(), embedding: instance.embedding, calls: random.calls };
  };
  const plain = make(false);
  const fast = make(true);
  assert.ok(plain.result.head.length > 100 && plain.result.head.length < 180, `${plain.result.head.length} edges kept`);
  assert.deepEqual(fast.result.head, plain.result.head);
  assert.deepEqual(fast.result.tail, plain.result.tail);
  assertSameDoubles(fast.result.epochsPerSample, plain.result.epochsPerSample, 'epochs per sample');
  assert.deepEqual(fast.embedding, plain.embedding);
  assert.equal(fast.calls, plain.calls);
  const edges = layoutEdges(rows, cols, values, n, 50);
  assert.deepEqual(Array.from(edges.head), plain.result.head);
});

test('installFastLayoutInit + fitLayout: a 300-point fit with precomputed kNN equals plain umap-js, state and every 50th epoch', () => {
  const points = clusteredRows(300, 6, 21);
  const knn = exactNeighbors(points, 15);
  const make = (fast: boolean) => {
    const random = countingRandom(9);
    const umap = new UMAP({ nNeighbors: 15, nEpochs: 200, random });
    if (fast) {
      installFastGraphs(umap);
      installFastLayoutInit(umap);
    }
    umap.setPrecomputedKNN(knn.indices, knn.distances);
    const epochs = umap.initializeFit(points);
    return { umap, internals: umap as unknown as UmapOptimizer, random, epochs };
  };
  const plain = make(false);
  const fast = make(true);
  for (const key of ['head', 'tail', 'epochsPerSample'] as const) {
    assertSameDoubles(fast.internals.optimizationState[key], plain.internals.optimizationState[key], key);
  }
  assertSameDoubles(fast.internals.optimizationState.headEmbedding.flat(), plain.internals.optimizationState.headEmbedding.flat(), 'initial coordinates');
  assert.equal(fast.random.calls, plain.random.calls);
  const layout = fitLayout(fast.umap, fast.random);
  for (let epoch = 0; epoch < plain.epochs; epoch++) {
    plain.umap.step();
    layout.step();
    if ((epoch + 1) % 50 === 0) assertSameDoubles(layout.embedding, plain.umap.getEmbedding().flat(), `epoch ${epoch + 1}`);
  }
  assert.equal(fast.random.calls, plain.random.calls);
});

test('fitUmap: bit-identical to plain umap-js 1.4 with the same seed and kNN (fit and transform), no tensors left', () => {
  const rows = clusteredRows(300, 8, 4);
  const queries = clusteredRows(20, 8, 5);
  const cases = [
    { components: 2, epochs: undefined, knn: 'exact' },
    { components: 3, epochs: 90, knn: 'exact' },
    { components: 2, epochs: 60, knn: 'approximate' }, // umap-js's own search, drawing from the stream first
  ] as const;
  for (const { components, epochs, knn } of cases) {
    const what = `${components}-D, ${knn} kNN`;
    const seed = 17;
    const before = tf.memory().numTensors;
    const projection = fitUmap(toMatrix(rows), { seed, components, knn, pcaDimensions: null, ...(epochs !== undefined ? { epochs } : {}) });
    assert.equal(tf.memory().numTensors, before, `${what}: tensors left behind by the fit`);

    // Plain umap-js: its own graphs, initialisation and epochs, on the same neighbours and stream.
    let stream = new Rng(deriveSeed(seed, 'umap', 'fit'));
    const plain = new UMAP({ nComponents: components, nNeighbors: 15, ...(epochs !== undefined ? { nEpochs: epochs } : {}), random: () => stream.uniform() });
    if (knn === 'exact') {
      const neighbours = exactNeighbors(rows, 15);
      plain.setPrecomputedKNN(neighbours.indices, neighbours.distances);
    }
    const n = plain.initializeFit(rows);
    assert.equal(projection.settings.epochs, n);
    for (let e = 0; e < n; e++) plain.step();
    assertSameDoubles(projection.embedding.data, plain.getEmbedding().flat(), `${what}: fit`);

    // The transform still runs umap-js's own, from the same fitted coordinates.
    stream = new Rng(deriveSeed(seed, 'umap', 'transform'));
    const internals = plain as unknown as { nEpochs: number };
    if (internals.nEpochs > 0) internals.nEpochs = 3 * Math.max(1, Math.round(internals.nEpochs / 3)); // as fitUmap's transform
    assertSameDoubles(projection.transform(toMatrix(queries)).data, plain.transform(queries).flat(), `${what}: transform`);
  }
});
