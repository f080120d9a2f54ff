/**
 * UMAP projection of latent states through umap-js, made reproducible: every random number
 * umap-js draws comes from our seeded Rng (its `random` option), fitting from one derived stream
 * and every transform from a fresh one, so the same seed and points give the same coordinates
 * regardless of call history. Optionally the points are first reduced by PCA (default: to 50
 * dimensions when wider), which speeds up the neighbour search and is the usual practice.
 */
import { UMAP } from 'umap-js';
import { deriveSeed, Rng, type Seed } from '../tensor/random.js';
import { fitPca, pcaTransform, type PcaModel } from './pca.js';
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
}

/** Parameters of a fitted UMAP, as JSON. */
export interface UmapSettings {
  readonly components: number;
  readonly neighbors: number;
  readonly minDist: number;
  readonly spread: number;
  readonly epochs: number;
  readonly seed: Seed;
  readonly pcaDimensions: number | null;
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

  const pca = pcaDimensions !== null && points.width > pcaDimensions ? fitPca(points, { components: Math.min(pcaDimensions, points.width) }) : null;
  const reduce = (m: StateMatrix): number[][] => toRows(pca ? pcaTransform(pca, m) : m);

  // umap-js keeps the `random` function it was given; we swap the stream behind it per call.
  let stream = new Rng(deriveSeed(seed, 'umap', 'fit'));
  const umap = new UMAP({
    nComponents: components,
    nNeighbors: neighbors,
    minDist,
    spread,
    ...(options.epochs !== undefined ? { nEpochs: options.epochs } : {}),
    random: () => stream.uniform(),
  });
  const epochs = umap.initializeFit(reduce(points));
  for (let epoch = 0; epoch < epochs; epoch++) {
    umap.step();
    options.onProgress?.(epoch + 1, epochs);
  }
  const fitted = umap.getEmbedding();
  // A private copy: umap-js's transform moves the fitted points too when it is given exactly as
  // many new points as it was fitted on, so the fitted coordinates are restored after it.
  const embeddingRows = fitted.map((row) => [...row]);
  const embedding = fromRows(embeddingRows, components);
  const settings: UmapSettings = { components, neighbors, minDist, spread, epochs, seed, pcaDimensions: pca ? pcaDimensions : null };
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
        return fromRows(umap.transform(reduce(newPoints)), components);
      } finally {
        internals.nEpochs = fitEpochs;
        fitted.forEach((row, i) => row.splice(0, row.length, ...embeddingRows[i]!));
      }
    },
    toJSON(): UmapJson {
      return { kind: 'umap', settings, width: points.width, rows: points.rows, embedding: [...embedding.data], pca };
    },
  };
}

function toRows(m: StateMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.width, (r + 1) * m.width)));
}

function fromRows(rows: number[][], width: number): StateMatrix {
  const data = new Float64Array(rows.length * width);
  rows.forEach((row, r) => data.set(row, r * width));
  return { data, rows: rows.length, width };
}
