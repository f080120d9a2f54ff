/**
 * Representation metrics of a population of latent states (the paper's Fig. 2): matrix entropy,
 * effective rank and anisotropy, all read off the spectrum of the state matrix, plus the mean
 * pairwise cosine similarity (the other common meaning of "anisotropy").
 *
 * Every spectrum is computed on the smaller of the Gram matrix X X^T (rows x rows) and the
 * second-moment matrix X^T X (width x width): both have the same non-zero eigenvalues, the
 * squared singular values of X. Cost O(rows * width * min(rows, width)) to build plus
 * O(min(rows, width)^3) to decompose, so 5120-wide Huginn states are fine in groups of a few
 * hundred.
 */
import { symmetricEigen } from './symmetric-eigen.js';
import { checkStateMatrix, InsufficientDataError, preprocess, type PreprocessOptions, type StateMatrix } from './state-matrix.js';

/**
 * Squared singular values of the (optionally centred / row-normalised) states, descending, with
 * tiny negative round-off clipped to 0. Length min(rows, width).
 */
export function stateSpectrum(states: StateMatrix, options: PreprocessOptions = {}, what = 'states'): Float64Array {
  checkStateMatrix(states, what, 1);
  const x = preprocess(states, options);
  const { rows, width } = states;
  const gram = rows <= width ? rowGram(x, rows, width) : columnGram(x, rows, width);
  const { values } = symmetricEigen(gram, Math.min(rows, width));
  for (let i = 0; i < values.length; i++) if (values[i]! < 0) values[i] = 0;
  return values;
}

/** X X^T for row-major X [rows, width] (lower triangle filled; the solver reads only that). */
function rowGram(x: Float64Array, rows: number, width: number): Float64Array {
  const out = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = 0; k < width; k++) sum += x[i * width + k]! * x[j * width + k]!;
      out[i * rows + j] = sum;
    }
  }
  return out;
}

/**
 * X^T X for row-major X [rows, width] (lower triangle filled). Rows are processed in blocks that
 * are transposed first, so the inner loops are dot products over contiguous memory with the sums
 * in registers: about three times faster than a row-by-row rank-one update in V8. Pairs of
 * columns are done together (four sums per pass, two loads per product instead of four), which
 * halved the time of the 100,000 x 128 covariance behind PCA; every entry is still summed over
 * the rows in the same order, so the result is bit-identical to one dot product per entry.
 */
export function columnGram(x: ArrayLike<number>, rows: number, width: number, center?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(width * width);
  const blockRows = 128;
  const block = new Float64Array(width * blockRows);
  for (let start = 0; start < rows; start += blockRows) {
    const size = Math.min(blockRows, rows - start);
    for (let r = 0; r < size; r++) {
      const offset = (start + r) * width;
      for (let k = 0; k < width; k++) block[k * blockRows + r] = x[offset + k]! - (center ? center[k]! : 0);
    }
    let i = 0;
    for (; i + 1 < width; i += 2) {
      const a0 = i * blockRows;
      const a1 = a0 + blockRows;
      for (let j = 0; j <= i; j += 2) {
        // Columns j and j + 1 (j + 1 <= i + 1 always; entry (i, i + 1) is above the diagonal and dropped).
        const b0 = j * blockRows;
        const b1 = b0 + blockRows;
        let s00 = 0;
        let s01 = 0;
        let s10 = 0;
        let s11 = 0;
        for (let r = 0; r < size; r++) {
          const x0 = block[a0 + r]!;
          const x1 = block[a1 + r]!;
          const y0 = block[b0 + r]!;
          const y1 = block[b1 + r]!;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s10 += x1 * y0;
          s11 += x1 * y1;
        }
        out[i * width + j]! += s00;
        if (j + 1 <= i) out[i * width + j + 1]! += s01;
        out[(i + 1) * width + j]! += s10;
        out[(i + 1) * width + j + 1]! += s11;
      }
    }
    if (i < width) {
      // The last column of an odd width, against every column.
      const a0 = i * blockRows;
      for (let j = 0; j <= i; j++) {
        const b0 = j * blockRows;
        let sum = 0;
        for (let r = 0; r < size; r++) sum += block[a0 + r]! * block[b0 + r]!;
        out[i * width + j]! += sum;
      }
    }
  }
  return out;
}

/** Shannon entropy (natural log) of non-negative weights after normalising them to sum 1. */
export function shannonEntropy(weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    if (!(weights[i]! >= 0) || !Number.isFinite(weights[i]!)) throw new Error(`shannonEntropy: weight ${i} is ${weights[i]}, expected a finite number >= 0`);
    total += weights[i]!;
  }
  if (!(total > 0)) throw new InsufficientDataError('shannonEntropy: the weights sum to 0');
  let entropy = 0;
  for (let i = 0; i < weights.length; i++) {
    const p = weights[i]! / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return entropy;
}

/**
 * Matrix entropy (the paper's Fig. 2; Skean et al.'s "prompt entropy", the entropy behind
 * Diff-eRank): Shannon entropy (nats) of the eigenvalues of the trace-normalised Gram matrix
 * K = Z Z^T, where Z holds the states with rows scaled to unit length. Between 0 (all states
 * collinear) and log(min(rows, width)) (orthogonal states). Defaults follow the paper (no
 * centring); `center: true` gives the Diff-eRank variant.
 */
export function matrixEntropy(states: StateMatrix, options: PreprocessOptions = {}): number {
  const spectrum = stateSpectrum(states, { center: options.center ?? false, normalizeRows: options.normalizeRows ?? true }, 'matrixEntropy states');
  if (!(spectrum[0]! > 0)) throw new InsufficientDataError('matrixEntropy: every state is zero');
  return shannonEntropy(spectrum);
}

/**
 * Effective rank (Roy & Vetterli 2007, as the paper states it): exp of the Shannon entropy of
 * the singular values of the state matrix normalised to sum 1. Between 1 and min(rows, width).
 * Note it uses singular values, not their squares: exp(matrixEntropy) is the eigenvalue-based
 * variant. Defaults use the raw states, as Roy & Vetterli.
 */
export function effectiveRank(states: StateMatrix, options: PreprocessOptions = {}): number {
  const spectrum = stateSpectrum(states, { center: options.center ?? false, normalizeRows: options.normalizeRows ?? false }, 'effectiveRank states');
  if (!(spectrum[0]! > 0)) throw new InsufficientDataError('effectiveRank: every state is zero');
  return Math.exp(shannonEntropy(spectrum.map(Math.sqrt)));
}

/**
 * Anisotropy as the paper defines it: the largest eigenvalue of the covariance of the states
 * divided by the total variance (the trace). 1 = all variation along one direction; the minimum
 * is 1 / min(rows - 1, width).
 */
export function anisotropy(states: StateMatrix): number {
  if (states.rows < 2) throw new InsufficientDataError(`anisotropy: needs at least 2 states, got ${states.rows}`);
  const spectrum = stateSpectrum(states, { center: true }, 'anisotropy states');
  let total = 0;
  for (const v of spectrum) total += v;
  if (!(total > 0)) throw new InsufficientDataError('anisotropy: the states are all identical (zero variance)');
  return spectrum[0]! / total;
}

/**
 * Mean cosine similarity over all pairs of distinct states, in O(rows * width) through
 * sum_{i != j} u_i . u_j = |sum_i u_i|^2 - rows for unit vectors u_i.
 */
export function meanPairwiseCosine(states: StateMatrix): number {
  checkStateMatrix(states, 'meanPairwiseCosine states');
  const { rows, width } = states;
  if (rows < 2) throw new InsufficientDataError(`meanPairwiseCosine: needs at least 2 states, got ${rows}`);
  const sum = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let k = 0; k < width; k++) norm += states.data[r * width + k]! ** 2;
    if (!(norm > 0)) throw new InsufficientDataError(`meanPairwiseCosine: state ${r} is zero, its cosine is undefined`);
    const scale = 1 / Math.sqrt(norm);
    for (let k = 0; k < width; k++) sum[k]! += states.data[r * width + k]! * scale;
  }
  let squared = 0;
  for (let k = 0; k < width; k++) squared += sum[k]! ** 2;
  return (squared - rows) / (rows * (rows - 1));
}
