/**
 * `lto analyze`: the paper's first finding on a task split. Per domain: for every recurrence step,
 * the correct and incorrect means of every representation metric (with bootstrap bands), and the
 * cross-validated linear-probe AUROC (a question's runs never straddle train and test folds).
 */
import { loadModelWithTokenizer } from '../model/default-model.js';
import { metricsByStep, type MetricName } from '../analysis/metrics-by-step.js';
import { probeAurocByStep } from '../analysis/separability.js';
import { UsageError, openGenerationPool, splitAndDomains, thinkingSettings, workersOption } from './options.js';
import type { GenerationPool } from '../model/generation-pool.js';
import { splitTrajectorySet } from './trajectory-sets.js';
import type { TrajectorySet } from '../thoughts/trajectory-set.js';
import { loadSavedTrajectories } from '../thoughts/saved-parts.js';

export const ANALYZE_USAGE = `  lto analyze [--model DIR] [--split S] [--domain D] [--runs N] [--steps T] [--limit N] [--seed S]
      [--init-scale X] [--noise X] [--noise-type T] [--sets DIR] [--workers N] [--tasks DIR] --json
                                      per-step metrics (correct vs incorrect) and probe AUROC per domain;
                                      trajectory sets are sampled once and cached in --sets (default out/sets);
                                      --workers N samples in N worker threads (default 1 = in-process; 2 on a 2-core machine)
  lto analyze --from DIR [--from DIR ...] [--domain D] [--seed S] --json
                                      the same report on saved trajectory sets (saveTrajectorySet, importTrajectories,
                                      or a folder of part-* sets as lto optimize caches them), one entry per domain; no model needed`;

export interface AnalyzeArgs {
  readonly model?: string;
  readonly split?: string;
  readonly domain?: string;
  readonly tasks?: string;
  readonly sets?: string;
  readonly noise?: string;
  readonly noiseType?: string;
  /** Saved trajectory-set folders to analyse instead of sampling. */
  readonly from?: readonly string[];
  readonly numbers: Readonly<Record<string, number | undefined>>;
}

/** The per-step report of one set: metric means by correctness and the grouped probe AUROC. */
export function analyzeTrajectorySet(set: TrajectorySet, seed: number): Record<string, unknown> {
  const correct = set.correct();
  const questionIndex = new Map(set.questionIds().map((id, i) => [id, i]));
  const groups = set.runs.map((r) => questionIndex.get(r.question_id)!);
  const nCorrect = correct.filter(Boolean).length;
  const summary = { n_questions: questionIndex.size, n_runs: set.size, accuracy: set.accuracy(), correct_runs: nCorrect };
  if (nCorrect === 0 || nCorrect === set.size) return { ...summary, note: 'all runs have the same correctness; there is nothing to separate' };
  const metrics = metricsByStep(set.trajectories, correct, { seed, clusters: groups });
  const probe = probeAurocByStep(set.trajectories, correct, { seed, groups });
  const steps = probe.steps.map((p) => ({
    step: p.step,
    probe_auroc: p.auroc,
    metrics: Object.fromEntries(
      (Object.keys(metrics.metrics) as MetricName[]).map((name) => {
        const at = metrics.metrics[name]!.steps.find((s) => s.step === p.step);
        return [name, { correct: at?.correct?.mean ?? null, incorrect: at?.incorrect?.mean ?? null }];
      }),
    ),
  }));
  return { ...summary, probe_auroc_last: probe.steps[probe.steps.length - 1]!.auroc, steps };
}

export async function runAnalyze(args: AnalyzeArgs): Promise<number> {
  if (args.from !== undefined && args.from.length > 0) return analyzeSavedSets(args, args.from);
  const { split, domains } = splitAndDomains(args.split, args.domain);
  const workers = workersOption(args.numbers['workers']);
  const loaded = await loadModelWithTokenizer(args.model);
  const { steps, initScale, noise } = thinkingSettings({ steps: args.numbers['steps'], initScale: args.numbers['init-scale'], noise: args.noise, noiseType: args.noiseType }, loaded.model.config);
  const runs = args.numbers['runs'] ?? 20;
  const seed = args.numbers['seed'] ?? 0;
  const out: Record<string, unknown> = {};
  let pool: GenerationPool | undefined;
  try {
    pool = await openGenerationPool(loaded.dir, workers);
    for (const domain of domains) {
      const set = await splitTrajectorySet(loaded, {
        domain, split, limit: args.numbers['limit'], runs, steps, seed, noise, initScale, tasksDir: args.tasks, setsDir: args.sets, pool,
        onProgress: (done, total) => process.stderr.write(`\r${domain}: sampled ${done}/${total} questions`),
      });
      process.stderr.write(`\n${domain}: analysing ${set.size} runs\n`);
      out[domain] = analyzeTrajectorySet(set, seed);
    }
  } finally {
    await pool?.close();
    loaded.model.dispose();
  }
  process.stdout.write(`${JSON.stringify({ model: loaded.dir, split, runs, steps, seed, init_scale: initScale, noise, domains: out })}\n`);
  return 0;
}

/** Options that only make sense when sampling; refused with --from. */
const SAMPLING_OPTIONS = ['model', 'split', 'tasks', 'sets', 'noise', 'noiseType'] as const;
const SAMPLING_NUMBERS = ['steps', 'runs', 'limit', 'workers', 'init-scale'] as const;

async function analyzeSavedSets(args: AnalyzeArgs, dirs: readonly string[]): Promise<number> {
  for (const key of SAMPLING_OPTIONS) if (args[key] !== undefined) throw new UsageError(`lto analyze --from analyses saved sets; --${key === 'noiseType' ? 'noise-type' : key} applies only to sampling`);
  for (const key of SAMPLING_NUMBERS) if (args.numbers[key] !== undefined) throw new UsageError(`lto analyze --from analyses saved sets; --${key} applies only to sampling`);
  const seed = args.numbers['seed'] ?? 0;
  const out: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  for (const dir of dirs) {
    const set = await loadSavedTrajectories(dir);
    const domains = [...new Set(set.runs.map((r) => r.domain))].filter((d) => args.domain === undefined || d === args.domain);
    for (const domain of domains) {
      if (origin.has(domain)) throw new Error(`lto analyze: ${origin.get(domain)} and ${dir} both hold domain "${domain}"; analyse them in separate calls`);
      origin.set(domain, dir);
      const part = set.filter((r) => r.domain === domain);
      process.stderr.write(`${domain}: analysing ${part.size} runs from ${dir}\n`);
      out[domain] = { ...analyzeTrajectorySet(part, seed), from: dir, split: part.manifest.tasks.split };
    }
  }
  if (Object.keys(out).length === 0) throw new Error(`lto analyze: no runs${args.domain ? ` of domain "${args.domain}"` : ''} in ${dirs.join(', ')}`);
  process.stdout.write(`${JSON.stringify({ from: dirs, seed, domains: out })}\n`);
  return 0;
}
