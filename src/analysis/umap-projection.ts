/**
 * UMAP projection of latent states through umap-js, made reproducible: every random number
 * umap-js draws comes from our seeded Rng (its `random` option), fitting from one derived stream
 * and every transform from a fresh one, so the same seed and points give the same coordinates
 * regardless of call history. Optionally the points are first reduced by PCA (default: to 50
 * dimensions when wider), which speeds up the neighbour search and is the usual practice.
 *
 * Three speed-ups over plain umap-js; the last two change no result (same seed and neighbours:
 * the same coordinates, bit for bit):
 * - exact k-nearest neighbours by matrix products on the tensor backend (chunks of rows against
 *   all points, top-k on the backend, candidates re-ranked in float64), handed to umap-js with
 *   `setPrecomputedKNN`, instead of its random-projection-forest + NN-descent search (`knn`
 *   option; by default when a non-cpu tensor backend is active and there are at most 30,000
 *   points);
 * - the fuzzy graph and the transform's search graph built with typed arrays and numeric keys
 *   instead of umap-js's string-keyed sparse-matrix algebra, producing the same entries, in the
 *   same order, with the same values (tested against umap-js's own), so the layout is unchanged;
 * - the fit's layout optimisation (the initial edge schedule and the epochs) re-implemented over
 *   typed arrays in umap-layout.ts (tested against umap-js's); umap-js's initializeFit still
 *   drives the graph construction and draws the initial coordinates, and the transform still
 *   runs umap-js's own optimisation (from the fitted coordinates, which it needs as rows).
 *   About 75% of the epochs' time is `Math.pow`, which bit-identical results must keep calling,
 *   so the epochs gain only about 1.3x.
 *
 * Measured with `npm run build && node dist/bench/index.js --only analysis --umap-baseline`
 * (10,000 x 128 points, wasm backend, a 2-core machine shared with other jobs, load average
 * 5.0-5.9; three runs): fitUmap 17.05, 20.22 and 23.64 s, of which the 200 epochs 13.89, 15.36
 * and 18.91 s; plain umap-js in the same runs 32.94, 30.27 and 33.75 s. The epochs alone, A/B on
 * identical states alternating epoch by epoch (the steadier comparison on a loaded machine):
 * umap-js's step() 21.8, 22.77 and 24.72 s, UmapLayout 16.64, 17.19 and 18.14 s (x1.31, x1.32,
 * x1.36), bit-identical every time.
 */
import * as tf from '@tensorflow/tfjs';
import { UMAP } from 'umap-js';
import { SparseMatrix } from 'umap-js/dist/matrix';
import { deriveSeed, Rng, type Seed } from '../tensor/random.js';
import { fitPca, pcaTransform, type PcaModel } from './pca.js';
import { layoutEdges, UmapLayout } from './umap-layout.js';
import { checkStateMatrix, type StateMatrix } from './state-matrix.js';

export interface UmapOptions {
  /** Output dimensions (default 2). */
  readonly components?: number;
  /** Neighbours of the fuzzy graph (default 15). */
  readonly neighbors?: number;
  /** Minimum distance between embedded points (default 0.1). */
  readonly minDist?: number;
  readonly spread?: number;
  /** Optimisation epochs (default: umap-js's, 500 up to 10,000 points, else 200). */
  readonly epochs?: number;
  /** Default 0. */
  readonly seed?: Seed;
  /** Reduce to this many principal components first when the points are wider (default 50); null: never. */
  readonly pcaDimensions?: number | null;
  /** Called after each optimisation epoch. */
  readonly onProgress?: (epoch: number, epochs: number) => void;
  /**
   * Neighbour search: 'exact' (matrix products on the active tensor backend), 'approximate'
   * (umap-js's NN-descent) or 'auto' (default): exact when a tensor backend other than 'cpu' is
   * initialised and there are at most 30,000 points, approximate otherwise.
   */
  readonly knn?: 'auto' | 'exact' | 'approximate';
}

/** Most points for which 'auto' chooses the exact neighbour search (its cost grows as points^2). */
export const EXACT_KNN_MAX_POINTS = 30_000;

/** Parameters of a fitted UMAP, as JSON. */
export interface UmapSettings {
  readonly components: number;
  readonly neighbors: number;
  readonly minDist: number;
  readonly spread: number;
  readonly epochs: number;
  readonly seed: Seed;
  readonly pcaDimensions: number | null;
  /** Which neighbour search was used. */
  readonly knn: 'exact' | 'approximate';
}

/** The JSON form of a fitted UMAP: its coordinates and settings (enough to plot, not to transform). */
export interface UmapJson {
  readonly kind: 'umap';
  readonly settings: UmapSettings;
  readonly width: number;
  readonly rows: number;
  /** Row-major [rows, components]. */
  readonly embedding: number[];
  readonly pca: PcaModel | null;
}

export interface UmapProjection {
  readonly kind: 'umap';
  readonly settings: UmapSettings;
  /** Width of the input points. */
  readonly width: number;
  /** The fitted points' coordinates, [rows, components]. */
  readonly embedding: StateMatrix;
  /** The PCA pre-reduction, if one was applied. */
  readonly pca: PcaModel | null;
  /** Coordinates of new points (of the input width) in the fitted embedding; deterministic. */
  transform(points: StateMatrix): StateMatrix;
  toJSON(): UmapJson;
}

/** Fits UMAP to the rows of `points`. */
export function fitUmap(points: StateMatrix, options: UmapOptions = {}): UmapProjection {
  checkStateMatrix(points, 'fitUmap points', 2);
  const components = options.components ?? 2;
  const neighbors = options.neighbors ?? 15;
  const minDist = options.minDist ?? 0.1;
  const spread = options.spread ?? 1;
  const seed = options.seed ?? 0;
  const pcaDimensions = options.pcaDimensions === undefined ? 50 : options.pcaDimensions;
  if (!Number.isInteger(components) || components < 1) throw new Error(`fitUmap: components must be a positive integer, got ${components}`);
  if (!Number.isInteger(neighbors) || neighbors < 2) throw new Error(`fitUmap: neighbors must be an integer >= 2, got ${neighbors}`);
  if (points.rows <= neighbors) throw new Error(`fitUmap: needs more points (${points.rows}) than neighbors (${neighbors}); pass fewer neighbors or more points`);
  if (options.epochs !== undefined && !(Number.isInteger(options.epochs) && options.epochs >= 1)) throw new Error(`fitUmap: epochs must be a positive integer, got ${options.epochs}`);
  if (pcaDimensions !== null && !(Number.isInteger(pcaDimensions) && pcaDimensions >= 1)) throw new Error(`fitUmap: pcaDimensions must be a positive integer or null, got ${pcaDimensions}`);
  const knnChoice = options.knn ?? 'auto';
  if (!['auto', 'exact', 'approximate'].includes(knnChoice)) throw new Error(`fitUmap: knn must be 'auto', 'exact' or 'approximate', got ${String(knnChoice)}`);
  const knn: 'exact' | 'approximate' = knnChoice === 'auto' ? (fastTensorBackend() && points.rows <= EXACT_KNN_MAX_POINTS ? 'exact' : 'approximate') : knnChoice;

  const pca = pcaDimensions !== null && points.width > pcaDimensions ? fitPca(points, { components: Math.min(pcaDimensions, points.width) }) : null;
  const reduce = (m: StateMatrix): number[][] => toRows(pca ? pcaTransform(pca, m) : m);

  // umap-js keeps the `random` function it was given; we swap the stream behind it per call.
  let stream = new Rng(deriveSeed(seed, 'umap', 'fit'));
  const random = (): number => stream.uniform();
  const umap = new UMAP({
    nComponents: components,
    nNeighbors: neighbors,
    minDist,
    spread,
    ...(options.epochs !== undefined ? { nEpochs: options.epochs } : {}),
    random,
  });
  installFastGraphs(umap);
  installFastLayoutInit(umap);
  const ensureSearchGraph = deferSearchGraph(umap);
  const reduced = reduce(points);
  if (knn === 'exact') {
    const neighbours = exactNeighbors(reduced, neighbors);
    umap.setPrecomputedKNN(neighbours.indices, neighbours.distances);
  }
  // umap-js's initializeFit (with our graph and schedule builders) makes the graph, the initial
  // coordinates and the edges' sampling schedule; the epochs run on a typed-array copy of that
  // state (same result, faster).
  const epochs = umap.initializeFit(reduced);
  const fitted = umap.getEmbedding();
  const layout = fitLayout(umap, random);
  for (let epoch = 0; epoch < epochs; epoch++) {
    layout.step();
    options.onProgress?.(epoch + 1, epochs);
  }
  // Private: umap-js's transform moves the fitted points too when it is given exactly as many
  // new points as it was fitted on, so its rows are (re)set from this copy around every transform.
  const fittedFlat = layout.embedding;
  const restoreFitted = (): void => fitted.forEach((row, i) => {
    for (let d = 0; d < components; d++) row[d] = fittedFlat[i * components + d]!;
  });
  restoreFitted();
  finishUmapFit(umap, layout);
  const embedding: StateMatrix = { data: fittedFlat.slice(), rows: fitted.length, width: components };
  const settings: UmapSettings = { components, neighbors, minDist, spread, epochs, seed, pcaDimensions: pca ? pcaDimensions : null, knn };
  return {
    kind: 'umap',
    settings,
    width: points.width,
    embedding,
    pca,
    transform(newPoints: StateMatrix): StateMatrix {
      checkStateMatrix(newPoints, 'umap transform points');
      if (newPoints.width !== points.width) throw new Error(`umap transform: points have width ${newPoints.width}, the projection was fitted on width ${points.width}`);
      if (newPoints.rows === 0) return { data: new Float64Array(0), rows: 0, width: components };
      stream = new Rng(deriveSeed(seed, 'umap', 'transform'));
      // umap-js 1.4 optimises new points for nEpochs / 3 epochs and loops until the epoch count
      // equals that exactly, so a non-multiple of 3 never ends: round it for the transform.
      const internals = umap as unknown as { nEpochs: number };
      const fitEpochs = internals.nEpochs;
      if (fitEpochs > 0) internals.nEpochs = 3 * Math.max(1, Math.round(fitEpochs / 3));
      try {
        ensureSearchGraph();
        return fromRows(umap.transform(reduce(newPoints)), components);
      } finally {
        internals.nEpochs = fitEpochs;
        restoreFitted();
      }
    },
    toJSON(): UmapJson {
      return { kind: 'umap', settings, width: points.width, rows: points.rows, embedding: [...embedding.data], pca };
    },
  };
}

/** The parts of umap-js's UMAP that its initial embedding reads or replaces (private in its typings). */
interface UmapEmbeddingInternals {
  graph: SparseMatrix;
  nComponents: number;
  embedding: number[][];
  random: () => number;
  getNEpochs(): number;
  initializeSimplicialSetEmbedding(): { head: number[]; tail: number[]; epochsPerSample: number[] };
}

/**
 * Replaces umap-js's `initializeSimplicialSetEmbedding` (the random initial coordinates and the
 * edges' sampling schedule, part of `initializeFit`) with an equivalent one that skips its
 * thresholded copy of the fuzzy graph (another string-keyed sparse matrix) and its sort of entry
 * objects: the same `random` draws (row by row, random() * 20 + -10), and the same head, tail
 * and epochs per sample (`layoutEdges`; a test compares them).
 */
export function installFastLayoutInit(umap: UMAP): void {
  const internals = umap as unknown as UmapEmbeddingInternals;
  internals.initializeSimplicialSetEmbedding = function initializeSimplicialSetEmbedding(this: UmapEmbeddingInternals) {
    const nEpochs = this.getNEpochs();
    const nComponents = this.nComponents;
    const graph = this.graph;
    const rows: number[] = [];
    const cols: number[] = [];
    const values: number[] = [];
    graph.forEach((value, row, col) => {
      rows.push(row);
      cols.push(col);
      values.push(value);
    });
    const random = this.random;
    const embedding: number[][] = new Array(graph.nRows);
    for (let i = 0; i < graph.nRows; i++) {
      const row: number[] = [];
      for (let d = 0; d < nComponents; d++) row.push(random() * 20 + -10);
      embedding[i] = row;
    }
    this.embedding = embedding;
    const edges = layoutEdges(rows, cols, values, graph.nRows, nEpochs);
    return { head: Array.from(edges.head), tail: Array.from(edges.tail), epochsPerSample: Array.from(edges.epochsPerSample) };
  };
}

/** The parts of umap-js's optimisation state that `initializeFit` prepares (private in its typings). */
interface UmapOptimizationInternals {
  negativeSampleRate: number;
  optimizationState: {
    head: number[];
    tail: number[];
    epochsPerSample: number[];
    headEmbedding: number[][];
    a: number;
    b: number;
    gamma: number;
    initialAlpha: number;
    alpha: number;
    nEpochs: number;
    nVertices: number;
    dim: number;
    currentEpoch: number;
  };
}

/**
 * The layout optimisation of a umap-js fit after `initializeFit`, as a UmapLayout over a copy of
 * its initial coordinates, edges, schedule and parameters; `random` must be the umap's own.
 * umap-js's own state is left as it is (see `finishUmapFit`).
 */
export function fitLayout(umap: UMAP, random: () => number): UmapLayout {
  const { negativeSampleRate, optimizationState: state } = umap as unknown as UmapOptimizationInternals;
  const rows = state.headEmbedding;
  const dim = state.dim;
  // A fit samples negatives from all its points (nVertices = the graph's columns = its rows).
  if (state.nVertices !== rows.length) throw new Error(`fitLayout: expected a fit's state (${rows.length} points), got nVertices ${state.nVertices}`);
  const embedding = new Float64Array(rows.length * dim);
  rows.forEach((row, i) => embedding.set(row, i * dim));
  return new UmapLayout({
    embedding,
    dim,
    head: state.head,
    tail: state.tail,
    epochsPerSample: state.epochsPerSample,
    nEpochs: state.nEpochs,
    a: state.a,
    b: state.b,
    gamma: state.gamma,
    learningRate: state.initialAlpha,
    negativeSampleRate,
    random,
  });
}

/** Records in umap-js's state that its fit's epochs have run (as its own `step` would have). */
function finishUmapFit(umap: UMAP, layout: UmapLayout): void {
  const { optimizationState: state } = umap as unknown as UmapOptimizationInternals;
  state.currentEpoch = layout.currentEpoch;
  state.alpha = layout.alpha;
}

function toRows(m: StateMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.width, (r + 1) * m.width)));
}

function fromRows(rows: number[][], width: number): StateMatrix {
  const data = new Float64Array(rows.length * width);
  rows.forEach((row, r) => data.set(row, r * width));
  return { data, rows: rows.length, width };
}

/** Whether a tensor backend other than the pure-JS 'cpu' one is initialised (does not start one). */
function fastTensorBackend(): boolean {
  const name = (tf.engine() as unknown as { backendName?: string }).backendName;
  return name !== undefined && name !== 'cpu';
}

/** Rows of query points compared with all points per backend call (bounded memory: rows x points floats). */
const KNN_CHUNK = 1024;
/** Extra candidates taken from the float32 top-k and re-ranked in float64. */
const KNN_SLACK = 8;

/**
 * Exact k nearest neighbours (Euclidean) of every row among all rows, in umap-js's convention:
 * row i lists i itself first (distance 0), then its k - 1 nearest other points by increasing
 * distance (ties by index). Squared distances |x|^2 - 2 x.y + |y|^2 are ranked on the tensor
 * backend (matrix product of a chunk of rows with the transposed points, then top-k); the
 * k + 8 best candidates are re-ranked by their distance computed in float64, so float32 rounding
 * cannot reorder close neighbours.
 */
export function exactNeighbors(rows: readonly (readonly number[])[], k: number): { indices: number[][]; distances: number[][] } {
  const n = rows.length;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`exactNeighbors: k must be an integer in 1..${n}, got ${k}`);
  const d = rows[0]!.length;
  const flat = new Float32Array(n * d);
  rows.forEach((row, i) => flat.set(row, i * d));
  const candidates = Math.min(n, k + KNN_SLACK);
  const indices: number[][] = new Array(n);
  const distances: number[][] = new Array(n);
  const points = tf.tensor2d(flat, [n, d]);
  // A materialised transpose: matMul with transposeB is several times slower on the wasm backend.
  const pointsT = tf.transpose(points);
  const squaredNorms = tf.tidy(() => tf.sum(tf.square(points), 1).reshape([1, n]));
  try {
    for (let start = 0; start < n; start += KNN_CHUNK) {
      const size = Math.min(KNN_CHUNK, n - start);
      // Larger is nearer: 2 x.y - |y|^2 (the query's own |x|^2 is the same for the whole row).
      const top = tf.tidy(() => tf.topk(tf.sub(tf.mul(tf.matMul(points.slice([start, 0], [size, d]), pointsT), 2), squaredNorms), candidates));
      const found = top.indices.dataSync();
      top.indices.dispose();
      top.values.dispose();
      for (let r = 0; r < size; r++) {
        const i = start + r;
        const own = rows[i]!;
        const ranked: { j: number; distance: number }[] = [];
        for (let c = 0; c < candidates; c++) {
          const j = found[r * candidates + c]!;
          if (j === i) continue;
          const other = rows[j]!;
          let sum = 0;
          for (let q = 0; q < d; q++) {
            const diff = own[q]! - other[q]!;
            sum += diff * diff;
          }
          ranked.push({ j, distance: Math.sqrt(sum) });
        }
        ranked.sort((a, b) => a.distance - b.distance || a.j - b.j);
        const kept = ranked.slice(0, k - 1);
        indices[i] = [i, ...kept.map((e) => e.j)];
        distances[i] = [0, ...kept.map((e) => e.distance)];
      }
    }
  } finally {
    points.dispose();
    pointsT.dispose();
    squaredNorms.dispose();
  }
  return { indices, distances };
}

/** The parts of umap-js's UMAP the graph builders read or replace (private in its typings). */
interface UmapInternals {
  knnIndices?: number[][];
  knnDistances?: number[][];
  localConnectivity: number;
  smoothKNNDistance(distances: number[][], k: number, localConnectivity: number): { sigmas: number[]; rhos: number[] };
  computeMembershipStrengths(indices: number[][], distances: number[][], sigmas: number[], rhos: number[]): { rows: number[]; cols: number[]; vals: number[] };
  fuzzySimplicialSet(X: number[][], nNeighbors: number, setOpMixRatio?: number): SparseMatrix;
  makeSearchGraph(X: number[][]): SparseMatrix;
}

/**
 * The union of a sparse matrix A (given as entries, later duplicates overwriting earlier ones as
 * in umap-js's SparseMatrix) with its transpose, as umap-js's element-wise operations build it:
 * A's entries in order, then the transposed entries A lacks, each valued combine(A[r][c], A[c][r])
 * (0 for a missing entry).
 */
function unionWithTranspose(rows: ArrayLike<number>, cols: ArrayLike<number>, values: ArrayLike<number>, n: number, combine: (a: number, b: number) => number): SparseMatrix {
  const position = new Map<number, number>();
  const keyRows: number[] = [];
  const keyCols: number[] = [];
  const keyValues: number[] = [];
  for (let e = 0; e < values.length; e++) {
    const key = rows[e]! * n + cols[e]!;
    const at = position.get(key);
    if (at === undefined) {
      position.set(key, keyRows.length);
      keyRows.push(rows[e]!);
      keyCols.push(cols[e]!);
      keyValues.push(values[e]!);
    } else {
      keyValues[at] = values[e]!;
    }
  }
  const count = keyRows.length;
  const outRows: number[] = [];
  const outCols: number[] = [];
  const outValues: number[] = [];
  const value = (r: number, c: number): number => {
    const at = position.get(r * n + c);
    return at === undefined ? 0 : keyValues[at]!;
  };
  for (let e = 0; e < count; e++) {
    const r = keyRows[e]!;
    const c = keyCols[e]!;
    outRows.push(r);
    outCols.push(c);
    outValues.push(combine(keyValues[e]!, value(c, r)));
  }
  for (let e = 0; e < count; e++) {
    const r = keyCols[e]!;
    const c = keyRows[e]!;
    if (position.has(r * n + c)) continue;
    outRows.push(r);
    outCols.push(c);
    outValues.push(combine(0, keyValues[e]!));
  }
  return new SparseMatrix(outRows, outCols, outValues, [n, n]);
}

/**
 * Makes `initializeFit` skip the search graph, which only `transform` reads (about 0.9 s of a
 * 10,000-point fit on a loaded 2-core machine), and returns the function that builds it, once,
 * before the first transform. The graph depends only on the neighbours found by the fit, so
 * building it later gives the same graph.
 */
function deferSearchGraph(umap: UMAP): () => void {
  const internals = umap as unknown as UmapInternals & { searchGraph: SparseMatrix | undefined; X: number[][] };
  const build = internals.makeSearchGraph;
  let built = false;
  internals.makeSearchGraph = () => undefined as unknown as SparseMatrix;
  return () => {
    if (built) return;
    internals.searchGraph = build.call(internals, internals.X);
    built = true;
  };
}

/**
 * Replaces two graph builders of a umap-js instance with equivalent ones that avoid its
 * string-keyed sparse-matrix algebra (about 4 s of 10,000 points' fit): the fuzzy simplicial set
 * (fuzzy union A + A^T - A o A^T, mixed with the intersection by setOpMixRatio) and the search
 * graph of transform (max(G, G^T) of the neighbour distances). Same entries, order and values as
 * umap-js 1.4's own (a test compares them).
 */
export function installFastGraphs(umap: UMAP): void {
  const internals = umap as unknown as UmapInternals;
  internals.fuzzySimplicialSet = function fuzzySimplicialSet(this: UmapInternals, X: number[][], nNeighbors: number, setOpMixRatio = 1): SparseMatrix {
    const { sigmas, rhos } = this.smoothKNNDistance(this.knnDistances ?? [], nNeighbors, this.localConnectivity);
    const { rows, cols, vals } = this.computeMembershipStrengths(this.knnIndices ?? [], this.knnDistances ?? [], sigmas, rhos);
    // umap-js: result = (A + A^T - A o A^T) * mix + (A o A^T) * (1 - mix), evaluated in this order.
    return unionWithTranspose(rows, cols, vals, X.length, (a, b) => (a + b - a * b) * setOpMixRatio + a * b * (1.0 - setOpMixRatio));
  };
  internals.makeSearchGraph = function makeSearchGraph(this: UmapInternals, X: number[][]): SparseMatrix {
    const rows: number[] = [];
    const cols: number[] = [];
    const values: number[] = [];
    const indices = this.knnIndices ?? [];
    const distances = this.knnDistances ?? [];
    for (let i = 0; i < indices.length; i++) {
      for (let j = 0; j < indices[i]!.length; j++) {
        if (distances[i]![j]! > 0) {
          rows.push(i);
          cols.push(indices[i]![j]!);
          values.push(distances[i]![j]!);
        }
      }
    }
    return unionWithTranspose(rows, cols, values, X.length, (a, b) => (a > b ? a : b));
  };
}
