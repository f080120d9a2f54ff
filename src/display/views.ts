/**
 * One-call views of a trajectory set: the analysis layer computes (projections, metric curves,
 * probe AUROCs), these functions pick what to show and hand plain numbers to the widgets.
 *
 *   latentMap(set, {method: 'pca' | 'umap', colorBy, steps, seed, maxPoints})   LatentMap
 *   trajectoryView(set, {maxRuns, seed})                3-D PCA paths over steps (paper Fig. 1)
 *   metricCurves(set, options)                          per-step metrics, correct vs incorrect (Fig. 2)
 *   aurocBySteps(set, options)                          linear-probe AUROC per step (Fig. 3)
 *
 * Large sets are subsampled to a seeded random choice of runs (kept in run order), and the
 * widget's title says so ("500 of 12,000 runs, seeded sample (seed 0)").
 */
import { curveArrays, metricsByStep, type MetricName, type MetricsByStepOptions, type RunMetricName } from '../analysis/metrics-by-step.js';
import { fitPca, pcaTransform } from '../analysis/pca.js';
import { metricAurocByStep, probeAurocByStep, type ProbeOptions } from '../analysis/separability.js';
import { allStates, statesAt, type StateMatrix } from '../analysis/state-matrix.js';
import { fitUmap, type UmapOptions } from '../analysis/umap-projection.js';
import { deriveSeed, Rng, type Seed } from '../tensor/random.js';
import type { TrajectorySet } from '../thoughts/trajectory-set.js';
import { groupDigits } from './summaries.js';
import { LatentMap, type MapColoring, type MapRun } from './widgets/latent-map.js';
import { TrajectoryView } from './widgets/trajectory-view.js';
import { AurocBySteps, MetricCurves, type AurocSeries } from './widgets/curves.js';

/** Which runs to show: all of them, or a seeded random choice of `max` runs in run order. */
export function chooseRuns(size: number, max: number, seed: Seed, purpose: string): { runs: number[]; note: string | undefined } {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`${purpose}: the maximum number of runs must be a positive integer, got ${max}`);
  const all = Array.from({ length: size }, (_, i) => i);
  if (size <= max) return { runs: all, note: undefined };
  const runs = new Rng(deriveSeed(seed, 'views', purpose)).shuffle(all).slice(0, max).sort((a, b) => a - b);
  return { runs, note: `${groupDigits(max)} of ${groupDigits(size)} runs, seeded sample (seed ${String(seed)})` };
}

function withNote(title: string, note: string | undefined): string {
  return note === undefined ? title : `${title} — ${note}`;
}

/** Checks `steps` against the set (default: every step 0..T). */
function resolveSteps(set: TrajectorySet, steps: readonly number[] | undefined, where: string): number[] {
  const all = Array.from({ length: set.states }, (_, i) => i);
  if (steps === undefined) return all;
  if (!Array.isArray(steps) || steps.length === 0) throw new RangeError(`${where}: steps must be a non-empty array of step numbers`);
  for (const s of steps) if (!Number.isInteger(s) || s < 0 || s >= set.states) throw new RangeError(`${where}: step ${s} is outside 0..${set.states - 1}`);
  if (new Set(steps).size !== steps.length) throw new RangeError(`${where}: steps must be distinct`);
  return [...steps];
}

function checkNotEmpty(set: TrajectorySet, where: string): void {
  if (set.size === 0) throw new RangeError(`${where}: the trajectory set has no runs`);
}

// ---- LatentMap ----

export interface LatentMapOptions {
  /** 'pca' (default): one PCA fitted on the shown states of every shown step, so the axes stay put; 'umap': one UMAP of the same. */
  readonly method?: 'pca' | 'umap';
  /** Colour by correctness (default), reward (needs `rewards`), domain or difficulty. */
  readonly colorBy?: MapColoring;
  /** One reward per run of the set (e.g. an LRM's scores), shown in the hover and used by colorBy 'reward'. */
  readonly rewards?: ArrayLike<number>;
  /** The steps on the slider (default: all, 0..T). */
  readonly steps?: readonly number[];
  /** Seed of the subsample and of UMAP (default 0). */
  readonly seed?: Seed;
  /** Most runs shown (default 1,000; a seeded random choice beyond). UMAP fits runs x steps points. */
  readonly maxPoints?: number;
  /** Further UMAP settings (neighbors, minDist, epochs, ...); its seed is `seed`. */
  readonly umap?: Omit<UmapOptions, 'seed' | 'components'>;
  readonly title?: string;
  readonly height?: number;
}

/** A LatentMap of the set's latent states: a 2-D projection per step with a step slider. */
export function latentMap(set: TrajectorySet, options: LatentMapOptions = {}): LatentMap {
  const where = 'latentMap';
  checkNotEmpty(set, where);
  const method = options.method ?? 'pca';
  if (method !== 'pca' && method !== 'umap') throw new RangeError(`${where}: method must be 'pca' or 'umap', got ${String(method)}`);
  const seed = options.seed ?? 0;
  const steps = resolveSteps(set, options.steps, where);
  if (options.rewards !== undefined && options.rewards.length !== set.size) throw new RangeError(`${where}: rewards has ${options.rewards.length} values, expected one per run (${set.size})`);
  if ((options.colorBy ?? 'correct') === 'reward' && options.rewards === undefined) throw new RangeError(`${where}: colorBy 'reward' needs the rewards option (one reward per run)`);
  const { runs, note } = chooseRuns(set.size, options.maxPoints ?? 1000, seed, 'latentMap');
  const t = set.trajectories;
  // The shown states, step-major: row s * runs + r is run runs[r] at steps[s].
  const perStep = steps.map((step) => statesAt(t, step, runs));
  const stacked: StateMatrix = { data: concat(perStep.map((m) => m.data)), rows: runs.length * steps.length, width: t.width };
  let coordinates: StateMatrix;
  let label: string;
  let detail: string;
  if (method === 'pca') {
    const model = fitPca(stacked, { components: 2 });
    coordinates = pcaTransform(model, stacked);
    label = 'PCA';
    detail = `PCA of latent states (${model.explainedVarianceRatio.map((r) => `${(100 * r).toFixed(1)}%`).join(' + ')} of variance)`;
  } else {
    const projection = fitUmap(stacked, { ...options.umap, seed, components: 2 });
    coordinates = projection.embedding;
    label = 'UMAP';
    detail = `UMAP of latent states (${projection.settings.neighbors} neighbours, seed ${String(seed)})`;
  }
  const points = steps.map((_, s) => runs.map((_, r) => ({ x: coordinates.data[(s * runs.length + r) * 2]!, y: coordinates.data[(s * runs.length + r) * 2 + 1]! })));
  const mapRuns: MapRun[] = runs.map((i) => {
    const run = set.runs[i]!;
    return {
      correct: run.correct,
      domain: run.domain,
      difficulty: run.difficulty,
      question: `${run.question_id} (run ${run.run}): ${run.question}`,
      answer: run.answer === null ? `(no answer) ${run.output}` : `${run.answer} (gold ${run.gold})`,
      ...(options.rewards !== undefined ? { reward: options.rewards[i]! } : {}),
    };
  });
  return new LatentMap({
    points,
    runs: mapRuns,
    steps,
    colorBy: options.colorBy ?? 'correct',
    method: label,
    title: options.title ?? withNote(detail, note),
    ...(options.height !== undefined ? { height: options.height } : {}),
  });
}

function concat(parts: readonly (Float32Array | Float64Array)[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- TrajectoryView ----

export interface TrajectoryViewOptions {
  /** Most runs drawn (default 200; a seeded random choice beyond). */
  readonly maxRuns?: number;
  /** Seed of the subsample (default 0). */
  readonly seed?: Seed;
  /** The steps along each path (default: all). */
  readonly steps?: readonly number[];
  readonly title?: string;
  readonly height?: number;
}

/** Every shown run's path through one 3-D PCA of the shown states (paper Fig. 1). */
export function trajectoryView(set: TrajectorySet, options: TrajectoryViewOptions = {}): TrajectoryView {
  const where = 'trajectoryView';
  checkNotEmpty(set, where);
  if (set.width < 3) throw new RangeError(`${where}: a 3-D view needs states of width >= 3, got ${set.width}`);
  const seed = options.seed ?? 0;
  const steps = resolveSteps(set, options.steps, where);
  const { runs, note } = chooseRuns(set.size, options.maxRuns ?? 200, seed, 'trajectoryView');
  const shown = set.select(runs).trajectories;
  const states = allStates(shown); // row r * T' + step
  const stepRows = runs.flatMap((_, r) => steps.map((step) => r * shown.steps + step));
  const chosen: StateMatrix = { data: concat(stepRows.map((row) => states.data.subarray(row * shown.width, (row + 1) * shown.width))), rows: stepRows.length, width: shown.width };
  if (chosen.rows < 2) throw new RangeError(`${where}: a PCA needs at least 2 states; show more runs or steps`);
  const model = fitPca(chosen, { components: 3 });
  const xyz = pcaTransform(model, chosen);
  const paths = runs.map((_, r) => steps.map((_, s) => {
    const row = r * steps.length + s;
    return { x: xyz.data[row * 3]!, y: xyz.data[row * 3 + 1]!, z: xyz.data[row * 3 + 2]! };
  }));
  const axisLabels = model.explainedVarianceRatio.map((ratio, c) => `PC${c + 1} (${(100 * ratio).toFixed(1)}%)`) as [string, string, string];
  return new TrajectoryView({
    paths,
    runs: runs.map((i) => ({ correct: set.runs[i]!.correct, question: `${set.runs[i]!.question_id} (run ${set.runs[i]!.run}): ${set.runs[i]!.question}`, answer: set.runs[i]!.answer ?? '(no answer)' })),
    steps,
    axisLabels,
    title: options.title ?? withNote('Latent trajectories over recurrence steps (3-D PCA)', note),
    ...(options.height !== undefined ? { height: options.height } : {}),
  });
}

// ---- MetricCurves ----

export interface MetricCurvesOptions extends Omit<MetricsByStepOptions, 'clusters'> {
  /** Bootstrap the per-run metrics over questions (default true: a question's runs are not independent). */
  readonly clusterByQuestion?: boolean;
  readonly title?: string;
  readonly columns?: number;
}

/** Question index of every run (first-appearance order). */
function questionIndex(set: TrajectorySet): Int32Array {
  const ids = new Map(set.questionIds().map((id, i) => [id, i]));
  return Int32Array.from(set.runs, (r) => ids.get(r.question_id)!);
}

function checkBothClasses(set: TrajectorySet, where: string): void {
  const correct = set.runs.filter((r) => r.correct).length;
  if (correct === 0 || correct === set.size) throw new RangeError(`${where}: needs both correct and incorrect runs, the set has ${correct} correct of ${set.size}`);
}

/** Correct-vs-incorrect curves of the latent metrics over steps, with bootstrap bands (paper Fig. 2). */
export function metricCurves(set: TrajectorySet, options: MetricCurvesOptions = {}): MetricCurves {
  const where = 'metricCurves';
  checkNotEmpty(set, where);
  checkBothClasses(set, where);
  const { clusterByQuestion, title, columns, ...analysis } = options;
  const result = metricsByStep(set.trajectories, set.correct(), { ...analysis, ...(clusterByQuestion ?? true ? { clusters: questionIndex(set) } : {}) });
  const curves = curveArrays(result, Object.keys(result.metrics) as MetricName[]);
  if (curves.length === 0) throw new RangeError(`${where}: no metric has a value at any step for both groups (trajectories of ${set.states} states)`);
  const band = `${Math.round(100 * result.level)}% bootstrap bands`;
  return new MetricCurves({
    metrics: curves,
    title: title ?? `Latent metrics by recurrence step: ${groupDigits(result.correctRuns)} correct vs ${groupDigits(result.incorrectRuns)} incorrect runs (${band})`,
    ...(columns !== undefined ? { columns } : {}),
  });
}

// ---- AurocBySteps ----

export interface AurocByStepsOptions extends Omit<ProbeOptions, 'groups'> {
  /** Keep each question's runs in one fold (default true). */
  readonly groupByQuestion?: boolean;
  /** One probe curve per domain as well as the pooled one (default false). */
  readonly byDomain?: boolean;
  /** Per-run metrics to add as scores (their AUROC per step, as computed; 0.5 is chance). */
  readonly metrics?: readonly RunMetricName[];
  readonly title?: string;
  readonly height?: number;
}

/** Out-of-fold AUROC of a linear probe for correctness at every step (paper Fig. 3). */
export function aurocBySteps(set: TrajectorySet, options: AurocByStepsOptions = {}): AurocBySteps {
  const where = 'aurocBySteps';
  checkNotEmpty(set, where);
  checkBothClasses(set, where);
  const { groupByQuestion, byDomain, metrics, title, height, ...probe } = options;
  const folds = probe.folds ?? 5;
  const curve = (part: TrajectorySet, name: string): AurocSeries => {
    const result = probeAurocByStep(part.trajectories, part.correct(), { ...probe, ...(groupByQuestion ?? true ? { groups: questionIndex(part) } : {}) });
    return { name, steps: result.steps.map((s) => s.step), auroc: result.steps.map((s) => s.auroc) };
  };
  const series: AurocSeries[] = [curve(set, `linear probe (${folds}-fold CV)`)];
  if (byDomain) {
    for (const domain of [...new Set(set.runs.map((r) => r.domain))]) {
      const part = set.filter((r) => r.domain === domain);
      const correct = part.runs.filter((r) => r.correct).length;
      if (correct < folds || part.size - correct < folds) continue; // too few of a class for the folds
      series.push(curve(part, `probe, ${domain}`));
    }
  }
  if (metrics && metrics.length > 0) {
    const values = metricAurocByStep(set.trajectories, set.correct(), metrics);
    for (const name of metrics) {
      const defined = values[name]!.filter((s) => s.auroc !== null);
      if (defined.length > 0) series.push({ name, steps: defined.map((s) => s.step), auroc: defined.map((s) => s.auroc!) });
    }
  }
  const correct = set.runs.filter((r) => r.correct).length;
  return new AurocBySteps({
    series,
    title: title ?? `Separability of correct and incorrect runs by step (${groupDigits(correct)} correct, ${groupDigits(set.size - correct)} incorrect)`,
    ...(height !== undefined ? { height } : {}),
  });
}
