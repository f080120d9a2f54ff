import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UMAP } from 'umap-js';
import type { SparseMatrix } from 'umap-js/dist/matrix';
import { exactNeighbors, fitUmap, installFastGraphs } from '../../src/analysis/umap-projection.js';
import { stateMatrix } from '../../src/analysis/state-matrix.js';
import { Rng } from '../../src/tensor/random.js';

/** Three well-separated clusters of 30 points in `width` dimensions. */
function clusters(width: number, seed = 1) {
  const rng = new Rng(seed);
  const rows = 90;
  const data = Float64Array.from({ length: rows * width }, (_, i) => rng.normal() * 0.3 + (Math.floor(i / width) % 3) * 10 * ((i % width) === 0 ? 1 : 0));
  return stateMatrix(data, rows, width);
}

test('fitUmap: the same seed gives identical coordinates, another seed different ones', () => {
  const points = clusters(8);
  const a = fitUmap(points, { seed: 3, epochs: 60, neighbors: 10 });
  const b = fitUmap(points, { seed: 3, epochs: 60, neighbors: 10 });
  assert.deepEqual(a.embedding, b.embedding);
  assert.notDeepEqual(a.embedding, fitUmap(points, { seed: 4, epochs: 60, neighbors: 10 }).embedding);
  assert.deepEqual([a.embedding.rows, a.embedding.width], [90, 2]);
  // Clusters stay apart: each point is nearer its own cluster's centroid.
  const centroid = (c: number) => [0, 1].map((k) => Array.from({ length: 30 }, (_, i) => a.embedding.data[(c + 3 * i) * 2 + k]!).reduce((s, v) => s + v, 0) / 30);
  const centroids = [0, 1, 2].map(centroid);
  for (let r = 0; r < 90; r++) {
    const d = centroids.map(([x, y]) => Math.hypot(a.embedding.data[r * 2]! - x!, a.embedding.data[r * 2 + 1]! - y!));
    assert.equal(d.indexOf(Math.min(...d)), r % 3, `point ${r}`);
  }
});

test('fitUmap: transform is deterministic and leaves the fitted coordinates alone', () => {
  const points = clusters(8);
  // 40 epochs: umap-js alone would never finish transforming (40 / 3 epochs is not an integer).
  const projection = fitUmap(points, { seed: 1, epochs: 40, neighbors: 10 });
  const before = projection.embedding.data.slice();
  const fresh = clusters(8, 2);
  const first = projection.transform(fresh); // as many points as fitted: umap-js would move the fit
  assert.deepEqual(projection.transform(fresh), first);
  assert.deepEqual(projection.embedding.data, before);
  const again = projection.transform(fresh);
  assert.deepEqual(again, first);
  assert.deepEqual([first.rows, first.width], [90, 2]);
  assert.throws(() => projection.transform(stateMatrix(new Float64Array(3), 1, 3)), /points have width 3, the projection was fitted on width 8/);
});

test('fitUmap: PCA pre-reduction for wide points, progress reports, JSON form', () => {
  const points = clusters(12);
  const progress: number[] = [];
  const projection = fitUmap(points, { seed: 2, epochs: 30, neighbors: 8, pcaDimensions: 5, components: 3, onProgress: (epoch, epochs) => progress.push(epoch / epochs) });
  assert.equal(projection.pca!.components.length, 5);
  assert.equal(progress.length, 30);
  assert.equal(progress.at(-1), 1);
  const json = JSON.parse(JSON.stringify(projection));
  assert.equal(json.kind, 'umap');
  assert.equal(json.embedding.length, 90 * 3);
  assert.equal(json.settings.pcaDimensions, 5);
  assert.equal(json.pca.width, 12);
  assert.equal(fitUmap(clusters(4), { epochs: 5, neighbors: 5 }).pca, null);
});

test('fitUmap: too few points for the neighbourhood is a clear error', () => {
  assert.throws(() => fitUmap(stateMatrix(new Float64Array(10 * 2), 10, 2)), /needs more points \(10\) than neighbors \(15\)/);
});

test('exactNeighbors: itself first, then the k - 1 nearest others by increasing distance, as a brute-force search finds them', () => {
  const rng = new Rng(7);
  const n = 300;
  const d = 6;
  const rows = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
  rows[5] = [...rows[4]!]; // an exact duplicate: distance 0 to another point
  const k = 12;
  const { indices, distances } = exactNeighbors(rows, k);
  for (let i = 0; i < n; i++) {
    const brute = rows
      .map((row, j) => ({ j, distance: Math.hypot(...row.map((v, q) => v - rows[i]![q]!)) }))
      .filter((e) => e.j !== i)
      .sort((a, b) => a.distance - b.distance || a.j - b.j)
      .slice(0, k - 1);
    assert.deepEqual(indices[i], [i, ...brute.map((e) => e.j)], `row ${i}`);
    assert.equal(distances[i]![0], 0);
    distances[i]!.slice(1).forEach((v, c) => assert.ok(Math.abs(v - brute[c]!.distance) < 1e-12, `row ${i} neighbour ${c}`));
  }
  assert.deepEqual(indices[4]!.slice(0, 2), [4, 5]);
  assert.equal(distances[4]![1], 0);
  assert.throws(() => exactNeighbors(rows, n + 1), /k must be an integer in 1\.\.300/);
});

test('installFastGraphs: the fuzzy graph, search graph, layout and transform equal umap-js 1.4 own', () => {
  const points = clusters(8);
  const rows = Array.from({ length: points.rows }, (_, r) => Array.from(points.data.subarray(r * 8, (r + 1) * 8)));
  const make = (fast: boolean) => {
    const stream = new Rng(11);
    const umap = new UMAP({ nNeighbors: 10, nEpochs: 30, random: () => stream.uniform() });
    if (fast) installFastGraphs(umap);
    const epochs = umap.initializeFit(rows);
    for (let e = 0; e < epochs; e++) umap.step();
    return umap as unknown as { graph: SparseMatrix; searchGraph: SparseMatrix; getEmbedding(): number[][]; transform(x: number[][]): number[][] };
  };
  const plain = make(false);
  const fast = make(true);
  const entries = (m: SparseMatrix) => ({ rows: m.getRows(), cols: m.getCols(), values: m.getValues(), dims: m.getDims() });
  const graph = entries(fast.graph);
  assert.ok(graph.values.length > 90 * 9, 'the fuzzy graph has every neighbour edge');
  assert.deepEqual(graph, entries(plain.graph));
  assert.deepEqual(entries(fast.searchGraph), entries(plain.searchGraph));
  assert.deepEqual(fast.getEmbedding(), plain.getEmbedding());
  const fresh = clusters(8, 5);
  const queries = Array.from({ length: 20 }, (_, r) => Array.from(fresh.data.subarray(r * 8, (r + 1) * 8)));
  assert.deepEqual(fast.transform(queries), plain.transform(queries));
});

test('fitUmap with exact neighbours: deterministic, recorded in the settings, clusters kept apart, transform works', () => {
  const points = clusters(8);
  const a = fitUmap(points, { seed: 3, epochs: 60, neighbors: 10, knn: 'exact' });
  const b = fitUmap(points, { seed: 3, epochs: 60, neighbors: 10, knn: 'exact' });
  assert.deepEqual(a.embedding, b.embedding);
  assert.equal(a.settings.knn, 'exact');
  assert.equal(fitUmap(points, { seed: 3, epochs: 6, neighbors: 10, knn: 'approximate' }).settings.knn, 'approximate');
  const centroids = [0, 1, 2].map((c) => [0, 1].map((k) => Array.from({ length: 30 }, (_, i) => a.embedding.data[(c + 3 * i) * 2 + k]!).reduce((s, v) => s + v, 0) / 30));
  for (let r = 0; r < 90; r++) {
    const d = centroids.map(([x, y]) => Math.hypot(a.embedding.data[r * 2]! - x!, a.embedding.data[r * 2 + 1]! - y!));
    assert.equal(d.indexOf(Math.min(...d)), r % 3, `point ${r}`);
  }
  const fresh = clusters(8, 2);
  const moved = a.transform(fresh);
  assert.deepEqual(a.transform(fresh), moved);
  assert.deepEqual([moved.rows, moved.width], [90, 2]);
  assert.throws(() => fitUmap(points, { knn: 'fast' as never }), /knn must be 'auto', 'exact' or 'approximate'/);
});
