/**
 * Principal component analysis of latent states (the paper's Fig. 1 uses 3-D PCA).
 *
 * Fitting decomposes the width x width covariance when there are at least as many points as
 * dimensions (cost O(points * width^2) to build, O(width^3) to decompose: 100,000 x 128 in about
 * a second), otherwise the points x points Gram matrix of the centred points, whose eigenvectors
 * map back to the same principal axes (so 5120-wide states are fine for up to a few thousand
 * points). Sign convention: each component's entry of largest magnitude is positive (the first
 * such entry on ties), so refitting the same data gives the same axes. The fitted model is plain
 * JSON-able data.
 */
import type { TrajectoryArray } from '../tensor/trajectory-array.js';
import { columnGram } from './population-metrics.js';
import { allStates, checkStateMatrix, checkTrajectories, columnMeans, statesAt, type StateMatrix } from './state-matrix.js';
import { symmetricEigen } from './symmetric-eigen.js';

export interface PcaModel {
  readonly kind: 'pca';
  readonly width: number;
  /** Number of points the model was fitted on. */
  readonly points: number;
  readonly mean: number[];
  /** Principal axes, unit length, one row per component, by decreasing variance. */
  readonly components: number[][];
  /** Sample variance (divisor points - 1) along each component. */
  readonly explainedVariance: number[];
  /** explainedVariance / total variance. */
  readonly explainedVarianceRatio: number[];
  readonly totalVariance: number;
}

export interface PcaOptions {
  /** Number of components (default 2; 3 for a 3-D view). */
  readonly components?: number;
}

/** Fits PCA to the rows of `points`. */
export function fitPca(points: StateMatrix, options: PcaOptions = {}): PcaModel {
  checkStateMatrix(points, 'fitPca points', 2);
  const { rows, width, data } = points;
  const k = options.components ?? 2;
  if (!Number.isInteger(k) || k < 1 || k > width) throw new Error(`fitPca: components must be an integer in 1..${width} (the width), got ${k}`);
  const mean = columnMeans(points);
  let eigenvalues: Float64Array;
  let axes: Float64Array[];
  if (width <= rows) {
    const eigen = symmetricEigen(columnGram(data, rows, width, mean), width, { vectors: true });
    eigenvalues = eigen.values;
    axes = Array.from({ length: k }, (_, c) => eigen.vectors!.slice(c * width, (c + 1) * width));
  } else {
    ({ eigenvalues, axes } = axesFromGram(points, mean, k));
  }
  let total = 0;
  for (const v of eigenvalues) total += Math.max(0, v);
  const components = axes.map(fixSign);
  const variance = Array.from({ length: k }, (_, c) => Math.max(0, eigenvalues[c] ?? 0) / (rows - 1));
  return {
    kind: 'pca',
    width,
    points: rows,
    mean: [...mean],
    components: components.map((c) => [...c]),
    explainedVariance: variance,
    explainedVarianceRatio: variance.map((v) => (total > 0 ? (v * (rows - 1)) / total : 0)),
    totalVariance: total / (rows - 1),
  };
}

/** Coordinates of `points` on the model's components, [rows, components]. */
export function pcaTransform(model: PcaModel, points: StateMatrix): StateMatrix {
  checkStateMatrix(points, 'pcaTransform points');
  if (points.width !== model.width) throw new Error(`pcaTransform: points have width ${points.width}, the model was fitted on width ${model.width}`);
  const k = model.components.length;
  const out = new Float64Array(points.rows * k);
  const centred = new Float64Array(points.width);
  for (let r = 0; r < points.rows; r++) {
    for (let j = 0; j < points.width; j++) centred[j] = points.data[r * points.width + j]! - model.mean[j]!;
    for (let c = 0; c < k; c++) {
      const axis = model.components[c]!;
      let sum = 0;
      for (let j = 0; j < points.width; j++) sum += centred[j]! * axis[j]!;
      out[r * k + c] = sum;
    }
  }
  return { data: out, rows: points.rows, width: k };
}

/** Checks a parsed JSON value and returns it as a PCA model (clear errors for wrong shapes). */
export function pcaFromJSON(value: unknown): PcaModel {
  const m = value as Partial<PcaModel> | null;
  if (m === null || typeof m !== 'object' || m.kind !== 'pca') throw new Error("pcaFromJSON: expected an object with kind 'pca'");
  const width = m.width;
  if (!Number.isInteger(width) || width! < 1) throw new Error(`pcaFromJSON: width must be a positive integer, got ${String(width)}`);
  const isVector = (v: unknown, length: number): boolean => Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!isVector(m.mean, width!)) throw new Error(`pcaFromJSON: mean must be ${width} finite numbers`);
  if (!Array.isArray(m.components) || m.components.length < 1 || !m.components.every((c) => isVector(c, width!))) {
    throw new Error(`pcaFromJSON: components must be a non-empty array of rows of ${width} finite numbers`);
  }
  const k = m.components.length;
  for (const key of ['explainedVariance', 'explainedVarianceRatio'] as const) {
    if (!isVector(m[key], k)) throw new Error(`pcaFromJSON: ${key} must be ${k} finite numbers (one per component)`);
  }
  if (typeof m.totalVariance !== 'number' || typeof m.points !== 'number') throw new Error('pcaFromJSON: totalVariance and points must be numbers');
  return m as PcaModel;
}

export interface PcaStepProjection {
  readonly step: number;
  readonly model: PcaModel;
  /** [runs, components]: row r is run r. */
  readonly coordinates: StateMatrix;
}

/** A separate PCA of the runs' states at every step. */
export function pcaByStep(t: TrajectoryArray, options: PcaOptions = {}): PcaStepProjection[] {
  checkTrajectories(t);
  return Array.from({ length: t.steps }, (_, step) => {
    const states = statesAt(t, step);
    const model = fitPca(states, options);
    return { step, model, coordinates: pcaTransform(model, states) };
  });
}

/**
 * One PCA of every run's state at every step (the trajectories as paths in a shared space);
 * coordinates row run * steps + step.
 */
export function pcaOverSteps(t: TrajectoryArray, options: PcaOptions = {}): { model: PcaModel; coordinates: StateMatrix } {
  checkTrajectories(t);
  const states = allStates(t);
  const model = fitPca(states, options);
  return { model, coordinates: pcaTransform(model, states) };
}

/** Top-k principal axes through the Gram matrix of the centred points (for width > rows). */
function axesFromGram(points: StateMatrix, mean: Float64Array, k: number): { eigenvalues: Float64Array; axes: Float64Array[] } {
  const { rows, width, data } = points;
  const centred = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) centred[r * width + j] = data[r * width + j]! - mean[j]!;
  const gram = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let c = 0; c < width; c++) sum += centred[i * width + c]! * centred[j * width + c]!;
      gram[i * rows + j] = sum;
    }
  }
  const eigen = symmetricEigen(gram, rows, { vectors: true });
  const largest = Math.max(eigen.values[0]!, 0);
  const axes: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    const axis = new Float64Array(width);
    if (c < rows && eigen.values[c]! > 1e-12 * largest) {
      // X^T u / |X^T u| is the unit principal axis for eigenvector u of X X^T.
      for (let r = 0; r < rows; r++) {
        const u = eigen.vectors![c * rows + r]!;
        for (let j = 0; j < width; j++) axis[j]! += u * centred[r * width + j]!;
      }
      normalize(axis);
    } else {
      // Zero-variance direction: any unit vector orthogonal to the axes so far.
      completeOrthonormal(axis, axes);
    }
    axes.push(axis);
  }
  const eigenvalues = Float64Array.from({ length: Math.max(k, rows) }, (_, i) => (i < rows ? Math.max(0, eigen.values[i]!) : 0));
  return { eigenvalues, axes };
}

function normalize(v: Float64Array): void {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
}

/** Fills `out` with the first standard basis vector that is not in the span of `basis`, orthonormalised. */
function completeOrthonormal(out: Float64Array, basis: Float64Array[]): void {
  for (let e = 0; e < out.length; e++) {
    out.fill(0);
    out[e] = 1;
    for (const b of basis) {
      let projection = 0;
      for (let i = 0; i < out.length; i++) projection += out[i]! * b[i]!;
      for (let i = 0; i < out.length; i++) out[i]! -= projection * b[i]!;
    }
    let norm = 0;
    for (const x of out) norm += x * x;
    if (norm > 1e-6) {
      normalize(out);
      return;
    }
  }
}

/** Flips `axis` so that its entry of largest magnitude is positive. */
function fixSign(axis: Float64Array): Float64Array {
  let best = 0;
  for (let i = 1; i < axis.length; i++) if (Math.abs(axis[i]!) > Math.abs(axis[best]!) + 1e-12) best = i;
  if (axis[best]! < 0) for (let i = 0; i < axis.length; i++) axis[i] = -axis[i]!;
  return axis;
}
