/**
 * Analysis benchmarks (issue 4): UMAP of 10,000 points of width 128 (goal <= 20 s on wasm) and
 * PCA of 100,000 x 128 (goal <= 3 s). The points are seeded synthetic "latent states": 10
 * Gaussian clusters (centres of spread 3, unit noise) in 128 dimensions, float32 like a
 * trajectory set's states. Each figure is timed once (UMAP) or as the median of a few
 * repetitions (PCA); the machine may be shared, so the figures are indicative.
 *
 * The UMAP figure's epoch phase (the layout optimisation after `initializeFit`) is reported on its
 * own, from the progress callback: the time from the first epoch's end to the last's, scaled by
 * epochs / (epochs - 1).
 *
 * With `umapBaseline`, two comparisons run as well:
 * - plain umap-js (its NN-descent neighbour search and sparse-matrix graph construction, on the
 *   same PCA-reduced points, same epochs), timed in total and by phase: the "before" of
 *   src/analysis/umap-projection.ts's speed-ups;
 * - the epochs alone, A/B on one state: two umap-js instances initialised identically (exact kNN,
 *   fast graphs, same seed), one optimised by umap-js's `step()`, the other by our typed-array
 *   UmapLayout, alternating epoch by epoch so that both see the same machine load; their
 *   embeddings must be bit-identical.
 */
import { UMAP } from 'umap-js';
import { fitPca, pcaTransform } from '../src/analysis/pca.js';
import { exactNeighbors, fitLayout, fitUmap, installFastGraphs, installFastLayoutInit } from '../src/analysis/umap-projection.js';
import type { StateMatrix } from '../src/analysis/state-matrix.js';
import { deriveSeed, Rng } from '../src/tensor/random.js';

export const UMAP_POINTS = 10_000;
export const PCA_POINTS = 100_000;
export const WIDTH = 128;
export const GOALS = { umap_10k_x_128_s_max: 20, pca_100k_x_128_s_max: 3 };

/** `rows` seeded points in `clusters` Gaussian clusters of width `width` (float32). */
export function clusteredPoints(rows: number, width: number, seed: number, clusters = 10): StateMatrix {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Float64Array.from({ length: width }, () => rng.normal() * 3));
  const data = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const centre = centres[r % clusters]!;
    for (let j = 0; j < width; j++) data[r * width + j] = centre[j]! + rng.normal();
  }
  return { data, rows, width };
}

function seconds(from: number): number {
  return (performance.now() - from) / 1000;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface AnalysisBenchOptions {
  readonly pcaReps?: number;
  readonly umapBaseline?: boolean;
  readonly log?: (message: string) => void;
}

export interface AnalysisBenchResult {
  readonly workload: Record<string, unknown>;
  readonly umap_10k_x_128_s: number;
  readonly umap_knn: string;
  readonly umap_epochs: number;
  /** The epoch phase of the UMAP figure (see the file comment). */
  readonly umap_epochs_s: number;
  /** Plain umap-js on the same reduced points (only with --umap-baseline). */
  readonly umap_10k_x_128_plain_umap_js_s?: number;
  readonly umap_speedup_vs_plain_umap_js?: number;
  /** Plain umap-js by phase: PCA + its initializeFit (kNN, graphs, initial layout), then the epochs. */
  readonly umap_plain_umap_js_phases_s?: { readonly initialize_fit: number; readonly epochs: number };
  /** The epochs alone, umap-js step() vs UmapLayout on identical states (only with --umap-baseline). */
  readonly umap_epochs_ab?: { readonly umap_js_step_s: number; readonly typed_layout_s: number; readonly speedup: number; readonly bit_identical: boolean };
  readonly pca_100k_x_128_fit_s: number;
  readonly pca_100k_x_128_fit_transform_s: number;
  readonly pca_repetitions: number;
  readonly goals: typeof GOALS & { met: { umap_10k_x_128: boolean; pca_100k_x_128: boolean } };
}

export function benchAnalysis(options: AnalysisBenchOptions = {}): AnalysisBenchResult {
  const log = options.log ?? (() => undefined);
  const pcaReps = options.pcaReps ?? 3;

  log(`PCA of ${PCA_POINTS} x ${WIDTH} ...`);
  const pcaPoints = clusteredPoints(PCA_POINTS, WIDTH, 1);
  const fitTimes: number[] = [];
  const totalTimes: number[] = [];
  for (let i = 0; i < pcaReps; i++) {
    const t0 = performance.now();
    const model = fitPca(pcaPoints, { components: 3 });
    fitTimes.push(seconds(t0));
    pcaTransform(model, pcaPoints);
    totalTimes.push(seconds(t0));
  }
  const pcaFit = median(fitTimes);
  const pcaTotal = median(totalTimes);

  log(`UMAP of ${UMAP_POINTS} x ${WIDTH} (fitUmap defaults: 2-D, 15 neighbours, PCA to 50) ...`);
  const umapPoints = clusteredPoints(UMAP_POINTS, WIDTH, 2);
  let firstEpochEnd = 0;
  let lastEpochEnd = 0;
  const t0 = performance.now();
  const projection = fitUmap(umapPoints, {
    seed: 0,
    onProgress: (epoch) => {
      lastEpochEnd = performance.now();
      if (epoch === 1) firstEpochEnd = lastEpochEnd;
    },
  });
  const umapSeconds = seconds(t0);
  const fittedEpochs = projection.settings.epochs;
  const umapEpochSeconds = fittedEpochs > 1 ? ((lastEpochEnd - firstEpochEnd) / 1000) * (fittedEpochs / (fittedEpochs - 1)) : Number.NaN;
  log(`UMAP: ${round(umapSeconds, 2)} s, of which ${fittedEpochs} epochs ${round(umapEpochSeconds, 2)} s`);

  let plain: { total: number; initializeFit: number; epochs: number } | undefined;
  let epochsAB: AnalysisBenchResult['umap_epochs_ab'];
  if (options.umapBaseline) {
    log('UMAP baseline: plain umap-js on the same PCA-reduced points ...');
    const t1 = performance.now();
    const pca = fitPca(umapPoints, { components: 50 });
    const reduced = pcaTransform(pca, umapPoints);
    const rows = Array.from({ length: reduced.rows }, (_, r) => Array.from(reduced.data.subarray(r * 50, (r + 1) * 50)));
    const stream = new Rng(deriveSeed(0, 'umap', 'fit'));
    const umap = new UMAP({ nComponents: 2, nNeighbors: 15, random: () => stream.uniform() });
    const epochs = umap.initializeFit(rows);
    const t2 = performance.now();
    for (let e = 0; e < epochs; e++) umap.step();
    plain = { total: seconds(t1), initializeFit: (t2 - t1) / 1000, epochs: seconds(t2) };
    log(`plain umap-js: ${round(plain.total, 2)} s (PCA + initializeFit ${round(plain.initializeFit, 2)} s, ${epochs} epochs ${round(plain.epochs, 2)} s)`);

    log('UMAP epochs A/B: umap-js step() vs UmapLayout on identical states, alternating epochs ...');
    const knn = exactNeighbors(rows, 15);
    const initialised = () => {
      const abStream = new Rng(deriveSeed(0, 'umap', 'fit'));
      const random = (): number => abStream.uniform();
      const instance = new UMAP({ nComponents: 2, nNeighbors: 15, random });
      installFastGraphs(instance);
      installFastLayoutInit(instance);
      instance.setPrecomputedKNN(knn.indices, knn.distances);
      return { instance, random, epochs: instance.initializeFit(rows) };
    };
    const viaStep = initialised();
    const viaLayout = initialised();
    const layout = fitLayout(viaLayout.instance, viaLayout.random);
    let stepSeconds = 0;
    let layoutSeconds = 0;
    for (let e = 0; e < viaStep.epochs; e++) {
      const a = performance.now();
      viaStep.instance.step();
      const b = performance.now();
      layout.step();
      layoutSeconds += (performance.now() - b) / 1000;
      stepSeconds += (b - a) / 1000;
    }
    const reference = viaStep.instance.getEmbedding();
    const identical = reference.every((row, i) => row.every((v, d) => Object.is(v, layout.embedding[i * 2 + d])));
    epochsAB = { umap_js_step_s: round(stepSeconds, 2), typed_layout_s: round(layoutSeconds, 2), speedup: round(stepSeconds / layoutSeconds, 2), bit_identical: identical };
    log(`epochs A/B: umap-js step() ${epochsAB.umap_js_step_s} s, UmapLayout ${epochsAB.typed_layout_s} s (x${epochsAB.speedup}), bit-identical: ${identical}`);
  }

  return {
    workload: {
      points: `seeded float32 Gaussian clusters (10 centres, spread 3, unit noise), width ${WIDTH}`,
      umap: { points: UMAP_POINTS, ...projection.settings },
      pca: { points: PCA_POINTS, components: 3, timed: 'fitPca (covariance + eigendecomposition); fit_transform adds pcaTransform of all points' },
    },
    umap_10k_x_128_s: round(umapSeconds, 2),
    umap_knn: projection.settings.knn,
    umap_epochs: fittedEpochs,
    umap_epochs_s: round(umapEpochSeconds, 2),
    ...(plain !== undefined
      ? {
          umap_10k_x_128_plain_umap_js_s: round(plain.total, 2),
          umap_speedup_vs_plain_umap_js: round(plain.total / umapSeconds, 2),
          umap_plain_umap_js_phases_s: { initialize_fit: round(plain.initializeFit, 2), epochs: round(plain.epochs, 2) },
        }
      : {}),
    ...(epochsAB !== undefined ? { umap_epochs_ab: epochsAB } : {}),
    pca_100k_x_128_fit_s: round(pcaFit),
    pca_100k_x_128_fit_transform_s: round(pcaTotal),
    pca_repetitions: pcaReps,
    goals: { ...GOALS, met: { umap_10k_x_128: umapSeconds <= GOALS.umap_10k_x_128_s_max, pca_100k_x_128: pcaTotal <= GOALS.pca_100k_x_128_s_max } },
  };
}
