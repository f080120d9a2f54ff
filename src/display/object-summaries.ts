/**
 * Concise rich summaries of the library's data and model objects beyond the Huginn model:
 * trajectory sets (provenance, sizes, accuracy per domain, a few example runs) and latent reward
 * models (architecture, parameter count, configuration, standardisation; with the training
 * result when one is given). Registered with the display protocol, so these objects render
 * themselves when they end a notebook cell. Loaded by summaries.ts.
 *
 * Everything here only lays out what the objects already hold: counts and shares of correct runs
 * are bookkeeping, not statistics. Every piece of text from data goes through `summaryBundle` or
 * `Table`, which escape it.
 */
import { JUPYTER_DISPLAY, registerDisplay, type Displayable, type MimeBundle } from './protocol.js';
import { summaryBundle, groupDigits, shortCount, type SummaryRow } from './summaries.js';
import { Table, formatNumber } from './table.js';
import { TrajectorySet } from '../thoughts/trajectory-set.js';
import { INPUT_MEAN, INPUT_SCALE, type LatentRewardModel } from '../reward/reward-model.js';
import { TransformerRewardModel } from '../reward/transformer-reward-model.js';
import { ProbeRewardModel } from '../reward/probe-reward-model.js';
import type { RewardModelConfig } from '../reward/reward-model-config.js';
import type { FitResult } from '../reward/fit.js';

/** `0.4567` -> `45.7%`. */
function percent(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}

/** Two summaries (or a summary and a table) as one bundle: plain texts and HTML one after the other. */
function joinBundles(parts: readonly MimeBundle[]): MimeBundle {
  return {
    'text/plain': parts.map((p) => String(p['text/plain'])).join('\n\n'),
    'text/html': `<div class="lt-summary-group">${parts.map((p) => String(p['text/html'])).join('')}</div>`,
  };
}

// ---- trajectory sets ----

export interface TrajectorySetSummaryOptions {
  /** Example runs listed under the summary (default 5; 0 for none). */
  readonly examples?: number;
}

/** Correct / total runs of every domain, in first-appearance order. */
function domainCounts(set: TrajectorySet): { domain: string; correct: number; runs: number }[] {
  const counts = new Map<string, { correct: number; runs: number }>();
  for (const run of set.runs) {
    const c = counts.get(run.domain) ?? { correct: 0, runs: 0 };
    c.runs++;
    if (run.correct) c.correct++;
    counts.set(run.domain, c);
  }
  return [...counts].map(([domain, c]) => ({ domain, ...c }));
}

/** The rows describing a trajectory set (sizes, accuracy, sampling settings, provenance). */
export function trajectorySetRows(set: TrajectorySet): SummaryRow[] {
  const m = set.manifest;
  const s = m.sampling;
  const questions = set.questionIds().length;
  const correct = set.runs.filter((r) => r.correct).length;
  const perQuestion = s.runs_per_question !== null ? `${s.runs_per_question} per question` : questions > 0 ? `${formatNumber(set.size / questions, 3)} per question on average` : '';
  const rows: SummaryRow[] = [
    ['runs', `${groupDigits(set.size)}${perQuestion ? ` (${perQuestion})` : ''}`],
    ['questions', `${groupDigits(questions)}${m.tasks.split !== null ? ` (${m.tasks.split} split)` : ''}`],
    ['accuracy', set.size === 0 ? 'no runs' : `${percent(correct / set.size)} (${groupDigits(correct)} / ${groupDigits(set.size)} runs correct)`],
  ];
  const domains = domainCounts(set);
  if (domains.length > 0) rows.push(['by domain', domains.map((d) => `${d.domain} ${percent(d.correct / d.runs)} (${d.correct}/${d.runs})`).join(' · ')]);
  rows.push(
    ['steps', `T = ${set.states - 1} (latent.0 .. latent.${set.states - 1}, ${set.states} states per run)`],
    ['width', `${set.width}`],
    ['pooling', `${s.pooling}${m.token_latents ? ' (per-token latents kept)' : ''}`],
    ['noise', s.noise === null ? 'unknown' : `scale ${formatNumber(s.noise.scale)}, ${s.noise.schedule}`],
  );
  if (s.init_scale !== null) rows.push(['init scale', formatNumber(s.init_scale)]);
  rows.push(['seed', s.seed === null ? 'unknown' : String(s.seed)]);
  if (s.max_new_tokens !== null) rows.push(['max new tokens', String(s.max_new_tokens)]);
  rows.push(['model', m.model === null ? 'unknown (imported)' : `${m.model.source} (${shortFingerprint(m.model.fingerprint)})`]);
  rows.push(['latents', `${shortCount(set.trajectories.data.length)} floats (${formatBytes(set.trajectories.data.byteLength + (set.tokenLatents?.data.byteLength ?? 0))})`]);
  rows.push(['library', `${m.library_version}${m.created ? `, created ${m.created}` : ''}`]);
  return rows;
}

function shortFingerprint(fingerprint: string): string {
  const match = /^sha256:([0-9a-f]{12})[0-9a-f]*$/.exec(fingerprint);
  return match ? `sha256:${match[1]}…` : fingerprint;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The summary of a trajectory set: its description, then a few example runs. */
export function trajectorySetSummary(set: TrajectorySet, options: TrajectorySetSummaryOptions = {}): MimeBundle {
  const examples = options.examples ?? 5;
  if (!Number.isInteger(examples) || examples < 0) throw new RangeError(`trajectorySetSummary: examples must be a non-negative integer, got ${examples}`);
  const subtitle = `${groupDigits(set.size)} runs × ${set.states} states × ${set.width}`;
  const head = summaryBundle('TrajectorySet', subtitle, trajectorySetRows(set));
  if (examples === 0 || set.size === 0) return head;
  const rows = set.runs.slice(0, examples).map((r) => ({
    question_id: r.question_id,
    run: r.run,
    domain: r.domain,
    question: r.question,
    answer: r.answer,
    gold: r.gold,
    correct: r.correct,
    tokens: r.tokens,
  }));
  const title = set.size > examples ? `first ${examples} of ${groupDigits(set.size)} runs (set.table() has them all)` : 'runs';
  return joinBundles([head, new Table(rows, { maxRows: examples, maxStringLength: 48, title })[JUPYTER_DISPLAY]()]);
}

// ---- reward models ----

/** One line naming the architecture of a reward model configuration. */
export function rewardArchitecture(config: RewardModelConfig): string {
  if (config.kind === 'transformer') {
    return `Transformer encoder: width ${config.width} → d_model ${config.dModel}, ${config.layers} layer${config.layers === 1 ? '' : 's'} × ${config.heads} heads (FFN ${config.ffn}), sinusoidal step encoding, mean pooling, MLP head (${config.mlpHidden} hidden)`;
  }
  const features = { last: 'the last state', mean: 'the mean state over steps', 'last-mean': 'the last and the mean state' }[config.features];
  const body = config.hidden === 0 ? 'logistic regression' : `MLP (${config.hidden} hidden units)`;
  return `probe: ${body} on ${features}`;
}

/** The configuration as `key value` pairs (for the summary's config row). */
function configText(config: RewardModelConfig): string {
  return Object.entries(config)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
}

/** Whether the input standardisation differs from its initial mean 0 / scale 1. */
function standardisation(model: LatentRewardModel): string {
  const weights = model.namedWeights();
  const mean = weights.get(INPUT_MEAN);
  const scale = weights.get(INPUT_SCALE);
  if (!mean || !scale) return 'none';
  const m = mean.dataSync();
  const s = scale.dataSync();
  const fitted = m.some((v) => v !== 0) || s.some((v) => v !== 1);
  return `${fitted ? 'fitted' : 'not fitted (mean 0, scale 1)'} over ${m.length} features`;
}

/** The rows of a training result: best epoch, validation scores, why it stopped. */
export function fitResultRows(fit: FitResult): SummaryRow[] {
  const b = fit.best;
  const last = fit.history.at(-1);
  const seconds = fit.history.reduce((sum, e) => sum + e.seconds, 0);
  return [
    ['trained', `${fit.history.length} epoch${fit.history.length === 1 ? '' : 's'} (${fit.stopReason === 'epochs' ? 'all epochs' : fit.stopReason === 'patience' ? 'stopped early: no improvement' : 'stopped by the caller'}), ${formatNumber(seconds, 3)} s`],
    ['best epoch', `${fit.bestEpoch}: validation AUROC ${b.auroc.toFixed(3)}, F1 ${b.f1.toFixed(3)}, accuracy ${percent(b.accuracy)}, log loss ${b.logLoss.toFixed(3)}`],
    ...(last !== undefined ? ([['last train loss', formatNumber(last.trainLoss, 4)]] as SummaryRow[]) : []),
  ];
}

/** The summary of a reward model, with its training result when given. */
export function rewardModelSummary(model: LatentRewardModel, fit?: FitResult): MimeBundle {
  const name = model.constructor.name || 'LatentRewardModel';
  if (model.isDisposed) return summaryBundle(name, 'disposed', [['architecture', rewardArchitecture(model.config)]]);
  const parameters = model.parameterCount;
  const rows: SummaryRow[] = [
    ['architecture', rewardArchitecture(model.config)],
    ['parameters', `${shortCount(parameters)} (${groupDigits(parameters)} trained)`],
    ['input', `trajectories of width ${model.config.width}`],
    ['standardisation', standardisation(model)],
    ['config', configText(model.config)],
    ...(fit ? fitResultRows(fit) : []),
  ];
  return summaryBundle(name, model.config.kind, rows);
}

/** The summary of a training result on its own. */
export function fitResultSummary(fit: FitResult): MimeBundle {
  return summaryBundle('Reward model training', `best epoch ${fit.bestEpoch}`, fitResultRows(fit));
}

/**
 * A displayable pairing of a reward model with its training result, e.g. the value of
 * `trainRewardModel(...)`: `const { model, fit } = await trainRewardModel(...); describeRewardModel(model, fit)`.
 */
export function describeRewardModel(model: LatentRewardModel, fit?: FitResult): Displayable {
  return { [JUPYTER_DISPLAY]: () => rewardModelSummary(model, fit) };
}

registerDisplay(TrajectorySet, (set) => trajectorySetSummary(set));
// Registered per concrete class (the abstract base's constructor is protected).
registerDisplay(TransformerRewardModel, (model) => rewardModelSummary(model));
registerDisplay(ProbeRewardModel, (model) => rewardModelSummary(model));
