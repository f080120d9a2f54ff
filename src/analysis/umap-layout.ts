/**
 * UMAP's layout optimisation for a fit (the epochs of stochastic gradient descent over the fuzzy
 * graph's edges, with negative sampling) and the edge schedule it starts from, re-implemented
 * from umap-js 1.4 (`initializeSimplicialSetEmbedding`, `makeEpochsPerSample`,
 * `prepareForOptimizationLoop` and `optimizeLayoutStep` in umap-js/dist/umap.js) over flat typed
 * arrays: the embedding is one Float64Array [rows * dim] instead of an array of row arrays, the
 * edges and their schedules are Int32Array / Float64Array, and the epoch loop reads no object
 * fields and makes no calls but `Math.pow` and `random`.
 *
 * The result is bit-identical to umap-js's for the same inputs and `random` stream (tested; at
 * 10,000 points `node dist/bench/index.js --only analysis --umap-baseline` checks it too): every
 * floating-point operation is done on the same doubles in the same order and association (e.g.
 * `-2 * a * b * pow(d, b - 1)` is `((-2 * a) * b) * pow(...)`, so `(-2 * a) * b` can be hoisted
 * out of the loop), and `random` is called exactly as often and at the same points (once per
 * negative sample). The only rewritten
 * operation is umap-js's squared distance `Math.pow(x - y, 2)`, here `(x - y) * (x - y)`: the
 * same double, since V8's Math.pow (fdlibm's algorithm) returns x * x for y == 2 and its
 * optimising compiler rewrites `x ** 2` to `x * x` itself.
 *
 * Why the speed-up is modest (about 1.3x on the epochs): some 75% of the epoch time (CPU profile,
 * 10,000 points) is the `Math.pow` calls for the non-integer powers, two per edge sample and one
 * per negative sample (about 10^8 in all), which bit-identical results must keep: any other pow
 * rounds differently now and then, and the optimisation amplifies that. V8's Math.pow (Node 20)
 * is fdlibm's pow with a different final division (read from the node binary); a JavaScript
 * port of it gave the same doubles on 10^7 random inputs but ran 2x slower than the native
 * call, so it is not used.
 */

/** The inputs of the layout optimisation, as umap-js's `initializeFit` prepares them. */
export interface UmapLayoutInput {
  /** Row-major [rows, dim] coordinates; optimised in place. */
  readonly embedding: Float64Array;
  readonly dim: number;
  /** Per edge, the row it moves towards `tail` (umap-js's `head`, the graph entry's column). */
  readonly head: ArrayLike<number>;
  /** Per edge, the row pulled towards `head` (umap-js's `tail`, the graph entry's row). */
  readonly tail: ArrayLike<number>;
  /** Per edge, epochs between its samples (`makeEpochsPerSample`). */
  readonly epochsPerSample: ArrayLike<number>;
  readonly nEpochs: number;
  /** The curve parameters a, b of umap-js's `findABParams`. */
  readonly a: number;
  readonly b: number;
  /** umap-js's `repulsionStrength` (default 1). */
  readonly gamma?: number;
  /** umap-js's `learningRate`, the initial alpha (default 1). */
  readonly learningRate?: number;
  /** umap-js's `negativeSampleRate` (default 5). */
  readonly negativeSampleRate?: number;
  /** Uniform [0, 1) numbers; called once per negative sample, in umap-js's order. */
  readonly random: () => number;
}

/** umap-js's gradient clip. */
const CLIP = 4.0;

/**
 * umap-js's `makeEpochsPerSample`: per edge weight w, nEpochs / (w / max * nEpochs) when that
 * sample count is positive, else -1, where max is the largest weight or 0 (utils.max starts
 * from 0). Same operations, so the same doubles.
 */
export function makeEpochsPerSample(weights: ArrayLike<number>, nEpochs: number): Float64Array {
  const result = new Float64Array(weights.length).fill(-1.0);
  let max = 0;
  for (let i = 0; i < weights.length; i++) max = weights[i]! > max ? weights[i]! : max;
  for (let i = 0; i < weights.length; i++) {
    const samples = (weights[i]! / max) * nEpochs;
    if (samples > 0) result[i] = nEpochs / samples;
  }
  return result;
}

/** The edges the layout samples, in umap-js's order. */
export interface LayoutEdges {
  /** Per edge, the column of the graph entry (the point it moves). */
  readonly head: Int32Array;
  /** Per edge, the row of the graph entry (the point it pulls towards). */
  readonly tail: Int32Array;
  readonly epochsPerSample: Float64Array;
}

/**
 * The edges of umap-js's `initializeSimplicialSetEmbedding`, from the fuzzy graph's entries
 * (given in any order; positions are unique): entries below max / nEpochs (max of all values,
 * from 0) are dropped, as are zero and NaN ones, and the rest are ordered by row, then column
 * (umap-js's `getAll()`), with head = column and tail = row. umap-js builds a second
 * string-keyed sparse matrix and sorts 10^5 entry objects for this; here it is a counting sort
 * by row and an insertion sort of each row's few columns.
 */
export function layoutEdges(rows: ArrayLike<number>, cols: ArrayLike<number>, values: ArrayLike<number>, nRows: number, nEpochs: number): LayoutEdges {
  const count = values.length;
  let graphMax = 0;
  for (let e = 0; e < count; e++) if (graphMax < values[e]!) graphMax = values[e]!;
  const threshold = graphMax / nEpochs;
  // Per row, the kept entries' positions in the input.
  const start = new Int32Array(nRows + 1);
  const kept = (v: number): boolean => (v < threshold ? 0 : v) !== 0 && !Number.isNaN(v);
  for (let e = 0; e < count; e++) if (kept(values[e]!)) start[rows[e]! + 1] += 1;
  for (let r = 0; r < nRows; r++) start[r + 1] += start[r]!;
  const order = new Int32Array(start[nRows]!);
  const fill = start.slice(0, nRows);
  for (let e = 0; e < count; e++) if (kept(values[e]!)) order[fill[rows[e]!]!++] = e;
  for (let r = 0; r < nRows; r++) {
    for (let i = start[r]! + 1; i < start[r + 1]!; i++) {
      const e = order[i]!;
      let j = i - 1;
      while (j >= start[r]! && cols[order[j]!]! > cols[e]!) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = e;
    }
  }
  const head = new Int32Array(order.length);
  const tail = new Int32Array(order.length);
  const weights = new Float64Array(order.length);
  order.forEach((e, i) => {
    head[i] = cols[e]!;
    tail[i] = rows[e]!;
    weights[i] = values[e]!;
  });
  return { head, tail, epochsPerSample: makeEpochsPerSample(weights, nEpochs) };
}

/**
 * The optimisation state of a fit, one `step()` per epoch: umap-js's state after
 * `prepareForOptimizationLoop` (negative-sample schedule = epochs per sample / negative sample
 * rate, both "next" schedules starting one period in, alpha = learning rate) and its
 * `optimizeLayoutStep`. Negative samples are drawn from all rows.
 */
export class UmapLayout {
  /** The coordinates being optimised (the input's array). */
  readonly embedding: Float64Array;
  readonly nEpochs: number;
  /** Epochs run so far. */
  currentEpoch = 0;
  /** Learning rate of the next epoch. */
  alpha: number;

  private readonly dim: number;
  private readonly rows: number;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly epochsPerSample: Float64Array;
  private readonly epochOfNextSample: Float64Array;
  private readonly epochsPerNegativeSample: Float64Array;
  private readonly epochOfNextNegativeSample: Float64Array;
  private readonly initialAlpha: number;
  private readonly gamma: number;
  private readonly a: number;
  private readonly b: number;
  private readonly random: () => number;

  constructor(input: UmapLayoutInput) {
    const { embedding, dim, head, tail, epochsPerSample } = input;
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`UmapLayout: dim must be a positive integer, got ${dim}`);
    if (embedding.length % dim !== 0 || embedding.length === 0) throw new Error(`UmapLayout: the embedding's length ${embedding.length} is not a positive multiple of dim ${dim}`);
    const rows = embedding.length / dim;
    const edges = epochsPerSample.length;
    if (head.length !== edges || tail.length !== edges) throw new Error(`UmapLayout: head (${head.length}), tail (${tail.length}) and epochsPerSample (${edges}) differ in length`);
    for (let i = 0; i < edges; i++) {
      // umap-js would read undefined (NaN) for a row it lacks; a flat array would read another row.
      if (!(Number.isInteger(head[i]) && head[i]! >= 0 && head[i]! < rows && Number.isInteger(tail[i]) && tail[i]! >= 0 && tail[i]! < rows)) {
        throw new Error(`UmapLayout: edge ${i} (${head[i]} -> ${tail[i]}) is outside the ${rows} rows`);
      }
    }
    if (!(Number.isInteger(input.nEpochs) && input.nEpochs >= 0)) throw new Error(`UmapLayout: nEpochs must be a non-negative integer, got ${input.nEpochs}`);
    this.embedding = embedding;
    this.dim = dim;
    this.rows = rows;
    this.head = Int32Array.from(head);
    this.tail = Int32Array.from(tail);
    this.nEpochs = input.nEpochs;
    this.a = input.a;
    this.b = input.b;
    this.random = input.random;
    const negativeSampleRate = input.negativeSampleRate ?? 5;
    this.epochsPerSample = Float64Array.from(epochsPerSample);
    this.epochsPerNegativeSample = this.epochsPerSample.map((e) => e / negativeSampleRate);
    this.epochOfNextNegativeSample = this.epochsPerNegativeSample.slice();
    this.epochOfNextSample = this.epochsPerSample.slice();
    this.initialAlpha = input.learningRate ?? 1.0;
    this.alpha = this.initialAlpha;
    this.gamma = input.gamma ?? 1.0;
  }

  /** Runs the next epoch (nothing once all have run, as umap-js's `step`); returns the epochs run. */
  step(): number {
    if (this.currentEpoch < this.nEpochs) {
      this.epoch(this.currentEpoch);
      this.alpha = this.initialAlpha * (1.0 - this.currentEpoch / this.nEpochs);
      this.currentEpoch += 1;
    }
    return this.currentEpoch;
  }

  /**
   * One epoch: umap-js's optimizeLayoutStep(n) statement by statement (rDist accumulates from 0.0
   * in component order; clip(x, 4) as two comparisons). A loop unrolled for two components was
   * tried and measured no faster (10,000 points, 200 epochs: 11.88 / 13.01 s unrolled, 11.76 /
   * 12.91 s this loop, `node dist/bench/index.js --only analysis`, alternating runs).
   */
  private epoch(n: number): void {
    const { head, tail, epochsPerSample, epochOfNextSample, epochsPerNegativeSample, epochOfNextNegativeSample, dim, rows, a, b, random } = this;
    const y = this.embedding;
    const alpha = this.alpha;
    const attract = -2.0 * a * b;
    const bMinus1 = b - 1.0;
    const repel = 2.0 * this.gamma * b;
    const edges = epochsPerSample.length;
    for (let i = 0; i < edges; i++) {
      if (epochOfNextSample[i]! > n) continue;
      const j = head[i]!;
      const jo = j * dim;
      const ko = tail[i]! * dim;
      let distSquared = 0.0;
      for (let d = 0; d < dim; d++) {
        const diff = y[jo + d]! - y[ko + d]!;
        distSquared += diff * diff;
      }
      let gradCoeff = 0;
      if (distSquared > 0) {
        gradCoeff = attract * Math.pow(distSquared, bMinus1);
        gradCoeff /= a * Math.pow(distSquared, b) + 1.0;
      }
      // Component d of both points is read right before it is written, as in umap-js, so an
      // edge from a point to itself (j === k, one row) gives the same doubles too.
      for (let d = 0; d < dim; d++) {
        let gradD = gradCoeff * (y[jo + d]! - y[ko + d]!);
        if (gradD > CLIP) gradD = CLIP;
        else if (gradD < -CLIP) gradD = -CLIP;
        y[jo + d] += gradD * alpha;
        y[ko + d] += -gradD * alpha;
      }
      epochOfNextSample[i] += epochsPerSample[i]!;
      const nNegSamples = Math.floor((n - epochOfNextNegativeSample[i]!) / epochsPerNegativeSample[i]!);
      for (let p = 0; p < nNegSamples; p++) {
        const k = Math.floor(random() * rows);
        const ro = k * dim;
        let negSquared = 0.0;
        for (let d = 0; d < dim; d++) {
          const diff = y[jo + d]! - y[ro + d]!;
          negSquared += diff * diff;
        }
        let negCoeff = 0.0;
        if (negSquared > 0.0) {
          negCoeff = repel;
          negCoeff /= (0.001 + negSquared) * (a * Math.pow(negSquared, b) + 1);
        } else if (j === k) {
          continue;
        }
        for (let d = 0; d < dim; d++) {
          let gradD = 4.0;
          if (negCoeff > 0.0) {
            gradD = negCoeff * (y[jo + d]! - y[ro + d]!);
            if (gradD > CLIP) gradD = CLIP;
            else if (gradD < -CLIP) gradD = -CLIP;
          }
          y[jo + d] += gradD * alpha;
        }
      }
      epochOfNextNegativeSample[i] += nNegSamples * epochsPerNegativeSample[i]!;
    }
  }
}
