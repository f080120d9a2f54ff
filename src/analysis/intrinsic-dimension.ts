/**
 * TwoNN intrinsic dimension (Facco, d'Errico, Rodriguez & Laio 2017, Sci. Rep. 7:12140). For
 * each point, mu = r2 / r1, the ratio of the distances to its second and first nearest
 * neighbours, follows a Pareto law with exponent d on a d-dimensional manifold; the maximum
 * likelihood estimate is d = N / sum(log mu).
 *
 * Duplicated states (distance 0, which would make mu infinite) are collapsed to one point first,
 * as the TwoNN authors recommend; N counts distinct points. Cost O(rows^2 * width): use it on
 * groups of hundreds to a few thousand states.
 */
import { checkStateMatrix, InsufficientDataError, type StateMatrix } from './state-matrix.js';

/**
 * TwoNN estimate of the intrinsic dimension of the states (Euclidean distances). Infinite when
 * every point's two nearest neighbours are equidistant (all mu = 1). Throws
 * InsufficientDataError for fewer than 3 distinct states.
 */
export function intrinsicDimensionTwoNN(states: StateMatrix): number {
  const ratios = twoNnRatios(states);
  let sumLog = 0;
  for (const mu of ratios) sumLog += Math.log(mu);
  return ratios.length / sumLog;
}

/**
 * mu = r2 / r1 for every distinct state (duplicates collapsed), in row order. Throws
 * InsufficientDataError for fewer than 3 distinct states.
 */
export function twoNnRatios(states: StateMatrix): Float64Array {
  checkStateMatrix(states, 'twoNnRatios states');
  const { rows, width, data } = states;
  // Squared distances from differences (not |a|^2 + |b|^2 - 2ab) so that duplicates give exactly 0.
  const distances = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < i; j++) {
      let sum = 0;
      for (let k = 0; k < width; k++) {
        const diff = data[i * width + k]! - data[j * width + k]!;
        sum += diff * diff;
      }
      distances[i * rows + j] = sum;
      distances[j * rows + i] = sum;
    }
  }
  const duplicate = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < i; j++) {
      if (!duplicate[j] && distances[i * rows + j] === 0) {
        duplicate[i] = 1;
        break;
      }
    }
  }
  const distinct = rows - duplicate.reduce((sum, d) => sum + d, 0);
  if (distinct < 3) throw new InsufficientDataError(`intrinsicDimensionTwoNN: needs at least 3 distinct states, got ${distinct}`);
  const ratios: number[] = [];
  for (let i = 0; i < rows; i++) {
    if (duplicate[i]) continue;
    let first = Infinity;
    let second = Infinity;
    for (let j = 0; j < rows; j++) {
      if (j === i || duplicate[j]) continue;
      const d = distances[i * rows + j]!;
      if (d < first) {
        second = first;
        first = d;
      } else if (d < second) second = d;
    }
    ratios.push(Math.sqrt(second / first));
  }
  return Float64Array.from(ratios);
}
