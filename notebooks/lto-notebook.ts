/**
 * Shared settings and small helpers of the reproduction notebooks (imported relatively:
 * `import { ... } from './lto-notebook'`). Built only on the public API (`latent-thinking`).
 *
 * - Sizes: `LTO_QUICK=1` selects the quick mode (CI: fewer questions and runs, same code path);
 *   otherwise the full mode that `npm run reproduce` runs.
 * - The model: $LTO_DEFAULT_MODEL, else the embedded model in the package's `datasets/model`.
 * - Trajectory sets are cached under $LTO_SETS_DIR (default `<package>/out/sets`), one folder per
 *   model and sampling settings, so a warm re-run (and every notebook after the first) loads them;
 *   the trained LRMs are cached beside them (`lrmCacheDir`).
 * - `keyFigures(...)` ends a notebook: a table of its key numbers next to the paper's, carried as
 *   JSON (MIME type `application/vnd.latent-thinking.summary+json`) that `npm run reproduce`
 *   collects into out/report/summary.json.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  RecurrentDepthModel,
  Table,
  defaultModelDir,
  loadModelWithTokenizer,
  progress,
  promptIds,
  readTaskJsonl,
  sampleOrLoadTrajectorySet,
  type Domain,
  type CachedSamplingOptions,
  type TaskItem,
  type Tokenizer,
  type TrajectorySet,
} from 'latent-thinking';

/** The package root (where datasets/ and out/ live). */
export const PACKAGE_ROOT = dirname(require.resolve('latent-thinking/package.json'));

/** True in quick mode (`LTO_QUICK=1`). */
export const QUICK = process.env['LTO_QUICK'] === '1' || process.env['LTO_QUICK'] === 'true';

export interface Sizes {
  /** Runs per question N for validation and test (the paper: 20). */
  readonly runs: number;
  readonly testQuestions: number;
  readonly validationQuestions: number;
  readonly trainQuestions: number;
  /** Runs per training question (the paper: 5). */
  readonly trainRuns: number;
  /** LRM epochs (the paper: ~10). */
  readonly epochs: number;
  /** Bootstrap resamples of the confidence intervals. */
  readonly bootstrap: number;
  /** Other recurrence depths T' for the "fewer steps" ablation. */
  readonly depths: readonly number[];
}

export const SIZES: Sizes = QUICK
  ? { runs: 6, testQuestions: 10, validationQuestions: 8, trainQuestions: 16, trainRuns: 4, epochs: 4, bootstrap: 200, depths: [4] }
  : { runs: 20, testQuestions: 40, validationQuestions: 24, trainQuestions: 80, trainRuns: 5, epochs: 10, bootstrap: 1000, depths: [4] };

/** Seed of every sampling, split, bootstrap and model initialisation in the notebooks. */
export const SEED = 0;

export const SETS_DIR = resolve(process.env['LTO_SETS_DIR'] || join(PACKAGE_ROOT, 'out', 'sets'));
export const TASKS_DIR = resolve(process.env['LTO_TASKS_DIR'] || join(PACKAGE_ROOT, 'datasets', 'tasks'));
export const DOMAINS_USED: readonly Domain[] = ['math', 'code', 'choice'];

/** The settings as a table (the first output of every notebook); `extra` adds settings or overrides them (e.g. `model`). */
export function settingsTable(extra: Record<string, unknown> = {}): Table {
  const settings = new Map<string, string>([
    ['mode', QUICK ? 'quick (LTO_QUICK=1)' : 'full'],
    ['model', defaultModelDir()],
    ['trajectory cache', SETS_DIR],
    ...Object.entries(SIZES).map(([setting, value]): [string, string] => [setting, Array.isArray(value) ? value.join(', ') : String(value)]),
    ['seed', String(SEED)],
  ]);
  for (const [setting, value] of Object.entries(extra)) settings.set(setting, String(value));
  const rows = [...settings].map(([setting, value]) => ({ setting, value }));
  return new Table(rows, { title: 'Settings', maxStringLength: 120, maxRows: 40 });
}

// ---- the model ----

export interface NotebookModel {
  readonly model: RecurrentDepthModel;
  readonly tokenizer: Tokenizer;
  readonly dir: string;
  /** Short key of the checkpoint files (cache folders are per model). */
  readonly key: string;
}

/** A cheap identity of a checkpoint folder: names, sizes and modification times of its files. */
function folderKey(dir: string): string {
  const hash = createHash('sha256').update(dir);
  for (const name of readdirSync(dir).sort()) {
    const s = statSync(join(dir, name));
    if (s.isFile()) hash.update(`\n${name} ${s.size} ${s.mtimeMs}`);
  }
  return hash.digest('hex').slice(0, 12);
}

/** Loads the default model ($LTO_DEFAULT_MODEL, else the embedded one) with its tokenizer. */
export async function loadModel(dir: string = defaultModelDir()): Promise<NotebookModel> {
  const loaded = await loadModelWithTokenizer(dir);
  return { ...loaded, key: folderKey(loaded.dir) };
}

export { promptIds };

// ---- tasks and trajectory sets ----

/** The first `limit` questions of a domain's split of the task suite. */
export async function tasks(domain: Domain, split: 'train' | 'validation' | 'test', limit?: number): Promise<TaskItem[]> {
  const items = await readTaskJsonl(join(TASKS_DIR, domain, `${split}.jsonl`));
  return limit === undefined ? items : items.slice(0, limit);
}

export interface SplitSetOptions {
  readonly questions: number;
  readonly runs: number;
  readonly steps?: number;
  readonly seed?: number;
  readonly initScale?: number;
  /** State names making up a trajectory (default latent.0 .. latent.T); e.g. STANDARD_MODEL_LAYERS. */
  readonly record?: readonly string[];
  /** Sampling temperature (default greedy decoding). */
  readonly temperature?: number;
}

/**
 * Samplings of at least this many runs use one worker thread per core; a pool loads the model in
 * every worker first, which the quick mode's small samplings would not repay.
 */
const POOLED_SAMPLING_MIN_RUNS = 200;

/**
 * The trajectory set of a split's first `questions` questions (sampled once, with a progress bar,
 * then loaded from the cache).
 */
export async function splitSet(m: NotebookModel, domain: Domain, split: 'train' | 'validation' | 'test', o: SplitSetOptions): Promise<TrajectorySet> {
  const items = await tasks(domain, split, o.questions);
  const steps = o.steps ?? m.model.config.testTimeSteps;
  const seed = o.seed ?? SEED;
  const initScale = o.initScale ?? m.model.config.testTimeInitScale;
  const variant = `${o.record ? `-rec${o.record.join('+')}` : ''}${o.temperature !== undefined ? `-temp${o.temperature}` : ''}`;
  const name = `${domain}-${split}-q${items.length}-r${o.runs}-t${steps}-s${seed}-init${initScale}${variant}`;
  const bar = progress({ total: items.length, label: `${domain} ${split} (${items.length} questions x ${o.runs} runs, T=${steps})` });
  const options: CachedSamplingOptions = {
    runs: o.runs, steps, seed, initScale, split, onProgress: (done) => bar.set(done),
    workers: items.length * o.runs >= POOLED_SAMPLING_MIN_RUNS ? availableParallelism() : 1,
    ...(o.record ? { record: o.record } : {}),
    ...(o.temperature !== undefined ? { decoding: { temperature: o.temperature } } : {}),
  };
  const set = await sampleOrLoadTrajectorySet(join(SETS_DIR, m.key, name), m.model, m.tokenizer, items, options);
  bar.finish();
  return set;
}

/**
 * Where a model's trained LRMs are cached (trainOrLoadRewardModel, runExperiment's lrmCacheDir):
 * keyed by their training data and options, so notebooks and warm re-runs share them.
 */
export function lrmCacheDir(m: NotebookModel): string {
  return join(SETS_DIR, m.key, 'lrm');
}

/** Train / validation / test sets of a domain at the notebook sizes. */
export async function domainSets(m: NotebookModel, domain: Domain, steps?: number): Promise<{ domain: Domain; train: TrajectorySet; validation: TrajectorySet; test: TrajectorySet }> {
  const s = steps === undefined ? {} : { steps };
  return {
    domain,
    train: await splitSet(m, domain, 'train', { questions: SIZES.trainQuestions, runs: SIZES.trainRuns, ...s }),
    validation: await splitSet(m, domain, 'validation', { questions: SIZES.validationQuestions, runs: SIZES.runs, ...s }),
    test: await splitSet(m, domain, 'test', { questions: SIZES.testQuestions, runs: SIZES.runs, ...s }),
  };
}

// ---- comparison with the paper and key figures ----

export interface PaperComparison {
  /** What is compared (e.g. "LRM ROC-AUC, math"). */
  readonly quantity: string;
  /** The embedded model's value (computed in the notebook), or null when not available. */
  readonly ours: number | null;
  /** The paper's value or claim. */
  readonly paper: string;
  /** Whether the computed value shows the paper's finding (decided from `ours` by the caller's rule). */
  readonly reproduces: boolean | null;
  readonly note?: string;
}

/** One row of the comparison with the paper; `rule` decides from the computed value. */
export function compare(quantity: string, ours: number | null | undefined, paper: string, rule: (value: number) => boolean, note?: string): PaperComparison {
  const value = ours === undefined || ours === null || !Number.isFinite(ours) ? null : ours;
  return { quantity, ours: value, paper, reproduces: value === null ? null : rule(value), ...(note ? { note } : {}) };
}

/** The comparison as a table: quantity, our value, the paper's, and the verdict. */
export function comparisonTable(rows: readonly PaperComparison[], title = 'Embedded model vs the paper'): Table {
  return new Table(
    rows.map((r) => ({
      quantity: r.quantity,
      'embedded model': r.ours === null ? 'n/a' : Number(r.ours.toFixed(3)),
      paper: r.paper,
      reproduces: r.reproduces === null ? 'not measurable' : r.reproduces ? 'yes' : 'NO',
      note: r.note ?? '',
    })),
    { title, maxStringLength: 160, maxRows: 60 },
  );
}

/** Prints one line per comparison (so the notebook's text output states the outcome too). */
export function printComparisons(rows: readonly PaperComparison[]): void {
  for (const r of rows) {
    const ours = r.ours === null ? 'n/a' : r.ours.toFixed(3);
    const verdict = r.reproduces === null ? 'not measurable here' : r.reproduces ? 'reproduces' : 'does NOT reproduce';
    console.log(`${r.quantity}: embedded model ${ours}, paper ${r.paper} -> ${verdict}${r.note ? ` (${r.note})` : ''}`);
  }
}

/** The MIME type carrying a notebook's key figures (collected by `npm run reproduce`). */
export const SUMMARY_MIME = 'application/vnd.latent-thinking.summary+json';

/**
 * The notebook's key figures: shown as text and carried as JSON for the report's summary.json.
 * `figures` must be JSON-serialisable plain data.
 */
export function keyFigures(notebook: string, reproduces: string, figures: Record<string, unknown>, comparisons: readonly PaperComparison[] = []): object {
  const data = { notebook, reproduces, quick: QUICK, figures, comparisons };
  return {
    [Symbol.for('Jupyter.display')]: () => ({
      'text/plain': `Key figures of ${notebook} (${reproduces}):\n${JSON.stringify(figures, null, 1)}`,
      [SUMMARY_MIME]: data,
    }),
  };
}

/** Rounds every number in a plain structure (for compact key figures). */
export function rounded<T>(value: T, digits = 4): T {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(digits)) : v))) as T;
}
