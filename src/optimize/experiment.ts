/**
 * The full LTO evaluation of one or more domains, as one library call (used by `lto optimize`
 * and the notebooks). Per domain, from train / validation / test trajectory sets:
 *   1. train the LRM on train, keeping the epoch that is best on validation (never test);
 *   2. choose beta on validation pools (expected LTO accuracy, `chooseBeta`), and for the ensemble
 *      of a raw and a centred LRM its raw weight with it (reward-ensemble.ts);
 *   3. build test pools (answers, correctness, LRM rewards, CoE-R / CoE-C from the trajectories,
 *      latent steps) with the first N runs of every question, and run every method with 95%
 *      bootstrap intervals and paired tests of LTO against each baseline;
 *   4. early rejection (early-rejection.ts): thresholds and (q, S) chosen on validation, reported
 *      on test as method `lto_early` next to LTO, with a paired comparison;
 *   5. sweeps on test (reported, never used to choose): accuracy versus N = 1..N, versus beta,
 *      versus steps.
 * Then, with several domains, the cross-domain matrix (the paper's Fig. 4). Every LRM reads the
 * trajectories centred on their question's mean by default (`lrmInput`; 'raw' is the paper's).
 *
 * Latent steps. A run costs tokens x (T + 1): one unit per latent state latent.0..latent.T of
 * every generated token (the initial state / prelude counted as one), the same unit for every
 * method. A candidate stopped after k tokens costs k x (T + 1); stopped at step t of every token,
 * tokens x (t + 1).
 *
 * "Versus steps" has two honest readings, both reported:
 *   - `versus_steps.prefix`: the answers (and their cost) stay those of the full T-step runs; only
 *     the LRM's view is cut to the first s states latent.0..latent.{s-1}. Test AUROC, LTO and
 *     best-of-N accuracy with those prefix rewards show how many steps the reward needs.
 *   - `versus_steps.depths`: test sets sampled with other recurrence depths T' (when given):
 *     every method evaluated on them, with the LRM and beta of the main T (the LRM reads any
 *     length). This is the paper's "16 instead of 32 steps" ablation: accuracy of the model itself
 *     at depth T'.
 * Early rejection uses token prefixes when validation and test token-prefix trajectories are given
 * (`tokenPrefixes`; realisable while sampling: after k tokens the sampler can score the pooled
 * latents so far), else step prefixes of every token, reported with `realisable: false`: step
 * t of token k + 1 needs token k, decoded only after step T, so an autoregressive sampler cannot
 * compute the step prefix of a whole answer without computing (almost) all of it; the saving
 * shown is then an idealised bound.
 */
import { calibration, thresholdMetrics } from '../reward/metrics.js';
import type { LabelledTrajectories } from '../reward/labelled-trajectories.js';
import type { LatentRewardModel } from '../reward/reward-model.js';
import { centreByGroups, withGroupCentred } from '../reward/question-centring.js';
import { trainRewardModel, type TrainRewardModelOptions } from '../reward/train-reward-model.js';
import { trainOrLoadRewardModel } from '../reward/cached-reward-model.js';
import type { FitProgress, FitResult } from '../reward/fit.js';
import { chainOfEmbedding } from '../analysis/chain-of-embedding.js';
import { rocAuc, withinGroupAuc } from '../stats/roc.js';
import { logit } from '../stats/logit.js';
import { bootstrapInterval, pairedBootstrapPValue, type Interval } from '../stats/bootstrap.js';
import { deriveSeed, type Seed } from '../tensor/random.js';
import { selectRuns, type TrajectoryArray } from '../tensor/trajectory-array.js';
import type { TrajectorySet } from '../thoughts/trajectory-set.js';
import type { QuestionPool } from './candidate-pool.js';
import { evaluateMethods, type Evaluation, type EvaluationOptions } from './evaluation.js';
import { withinQuestionAurocByMajority } from './majority-split-auroc.js';
import { chooseEnsembleWeight, mixRewards, type EnsembleChoice } from './reward-ensemble.js';
import type { MethodName } from './methods.js';
import { accuracyVersusBeta, accuracyVersusRuns, chooseBeta, type RunsSweepPoint } from './sweeps.js';
import {
  checkTokenCheckpoints,
  chooseEarlyRejection,
  evaluateEarlyRejection,
  expectedEarlyRejection,
  heldOutSelectionRules,
  gridRule,
  keepSchedules,
  DEFAULT_EARLY_REJECTION_STANDARD_ERRORS,
  DEFAULT_EARLY_REJECTION_TOLERANCE,
  type EarlyRejectionGridPoint,
  type EarlyRejectionPool,
  type RunningRewards,
  type TokenPrefixes,
  withRunning,
} from './early-rejection.js';

/** One domain's trajectory sets (sampled from the same model with the same settings). */
export interface DomainSets {
  readonly domain: string;
  readonly train: TrajectorySet;
  readonly validation: TrajectorySet;
  readonly test: TrajectorySet;
  /**
   * Token-prefix trajectories of the validation and test sets (same runs, same order), for
   * realisable early rejection; and of the train set, for the prefix LRM (`prefixLrm`).
   */
  readonly tokenPrefixes?: { readonly validation: TokenPrefixes; readonly test: TokenPrefixes; readonly train?: TokenPrefixes };
  /** Test sets of the same questions sampled with other recurrence depths T' (accuracy versus steps). */
  readonly depthTests?: readonly TrajectorySet[];
}

export interface EarlyRejectionSettings {
  /** `tokens` (needs tokenPrefixes), `steps`, or `auto` (tokens when given; default). */
  readonly prefix?: 'auto' | 'tokens' | 'steps';
  /** Step mode: prefix lengths in states (2..T); default floor((T+1)/4) and floor((T+1)/2). */
  readonly states?: readonly number[];
  /** Quantiles q tried for the thresholds (default 0, 0.1, ..., 0.7). */
  readonly quantiles?: readonly number[];
  /** Relative margins m tried, in logits of the prefix reward (default EARLY_REJECTION_MARGINS). */
  readonly margins?: readonly number[];
  /** Survivor counts S tried (default round(N x {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1})). */
  readonly survivors?: readonly number[];
  /** Batch-rule schedules k_1..k_C tried (default keepSchedules(N, C); [] for the sequential rule only). */
  readonly keeps?: readonly (readonly number[])[];
  /**
   * Acceptance levels alpha tried with the sequential rule, as quantiles of the validation full
   * rewards (default EARLY_ACCEPT_QUANTILES; [] for none): a question stops drawing candidates once
   * a finished one is rewarded at least alpha.
   */
  readonly acceptQuantiles?: readonly number[];
  /** k_min tried with each acceptance level: finished candidates needed before it can stop (default EARLY_ACCEPT_MIN_FINISHED). */
  readonly minFinished?: readonly number[];
  /** Accuracy LTO may lose (default 0.01). */
  readonly tolerance?: number;
  /** Standard errors of the paired validation difference the choice must clear -tolerance by (default 1.645). */
  readonly standardErrors?: number;
  /** Random validation halvings for the `held_out` check (default 50). */
  readonly heldOutSplits?: number;
}

/** What the LRM reads: trajectories as sampled, centred on their question's mean, or both side by side. */
export type LrmInput = 'raw' | 'question-centred' | 'raw-and-centred' | 'ensemble';

export const LRM_INPUTS: readonly LrmInput[] = ['raw', 'question-centred', 'raw-and-centred', 'ensemble'];

/** What one trained LRM reads: every input but the ensemble, which is two LRMs (reward-ensemble.ts). */
type SingleInput = Exclude<LrmInput, 'ensemble'>;

/** Chosen on validation: see reward/question-centring.ts for why and the measurements. */
export const DEFAULT_LRM_INPUT: LrmInput = 'question-centred';

export interface ExperimentOptions {
  /** N: runs per question used (default: the smallest number of runs any test or validation question has). */
  readonly runs?: number;
  readonly seed?: Seed;
  /** Betas tried on validation and swept on test (default 1e-4, 1e-3, 1e-2, 1e-1, 1). */
  readonly betas?: readonly number[];
  /** The reward model and its training (default: the paper's transformer LRM, 10 epochs, selection by F1 as in the paper). */
  readonly lrm?: TrainRewardModelOptions;
  /** Folder caching the trained LRMs (trainOrLoadRewardModel): a re-run with the same sets and options loads them. */
  readonly lrmCacheDir?: string;
  /** Bootstrap resamples for the main results (default 1000) and for the sweeps (default 200). */
  readonly bootstrapSamples?: number;
  readonly sweepBootstrapSamples?: number;
  /** Prefix lengths (states) for `versus_steps.prefix` and the prefix AUROC (default: up to 9 evenly spaced values from 1 to T+1). */
  readonly prefixStates?: readonly number[];
  readonly earlyRejection?: EarlyRejectionSettings;
  /** Cross-domain matrix (default: when there are at least two domains). */
  readonly crossDomain?: boolean;
  /**
   * What the LRM reads (default 'question-centred'): the trajectories as sampled ('raw', the
   * paper), or each minus the mean trajectory of its question's runs ('question-centred'; see
   * reward/question-centring.ts), or each state followed by its centred copy ('raw-and-centred',
   * twice the width; see withGroupCentred), or two LRMs, one raw and one centred, whose logits are
   * mixed with a raw weight chosen with beta on validation ('ensemble'; see reward-ensemble.ts).
   * Centred (any way), every evaluation uses only the N runs per question
   * that the pools hold, and the accuracy-versus-N sweep re-centres on the first n runs. Early
   * rejection chooses its rule with partial trajectories centred on all N candidates' at the same
   * checkpoint (and final rewards centred on all N runs), more than a sampler that stops candidates
   * has; on test (tokens mode) the chosen rule is then measured with what it would have: each
   * reward from the candidates it has at that point (`running_rewards`, runningRewardsOf).
   */
  readonly lrmInput?: LrmInput;
  /**
   * Early rejection's prefix rewards from a second LRM (same members and raw weight as the main
   * one) trained on the train split's token prefixes (needs tokenPrefixes.train), instead of the
   * main LRM, which was trained on whole answers only (see trainPrefixLrm).
   */
  readonly prefixLrm?: boolean;
  readonly onProgress?: (message: string) => void;
}

export const DEFAULT_BETAS: readonly number[] = [1e-4, 1e-3, 1e-2, 1e-1, 1];

/** Relative margins tried by early rejection, in logits of the prefix reward (Infinity: thresholds only). */
export const EARLY_REJECTION_MARGINS: readonly number[] = [Infinity, 4, 2, 1, 0.5];
/**
 * Acceptance levels tried, as quantiles of the validation full rewards. A low level with a larger
 * k_min (stop once any of the first k_min candidates looks right) and a high level with k_min = 1
 * both save steps; which saves more depends on the LRM, so both ends are in the grid.
 */
export const EARLY_ACCEPT_QUANTILES: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];
/** k_min tried with each acceptance level. */
export const EARLY_ACCEPT_MIN_FINISHED: readonly number[] = [1, 2, 3, 4, 6, 8];

/** Selection rules compared in early rejection's held-out check (standard errors; 0 is the point-estimate rule). */
const HELD_OUT_STANDARD_ERRORS: readonly number[] = [0, 1, 1.645, 2.326];

/** The JSON entry of one method. */
export interface MethodJson {
  readonly accuracy: number;
  readonly ci_low: number;
  readonly ci_high: number;
  readonly latent_steps: number;
}

export interface ComparisonJson {
  readonly baseline: string;
  readonly difference: number;
  readonly ci_low: number;
  readonly ci_high: number;
  readonly p_value: number;
}

export interface LrmJson {
  /** On test (null when the test split has a single class). */
  readonly auroc: number | null;
  /**
   * Mean AUROC among the runs of one question, over the test questions with both correct and
   * incorrect runs (null when there is none): the ranking that best-of-N and LTO rely on.
   */
  readonly within_question_auroc: number | null;
  /** Test questions with both correct and incorrect runs. */
  readonly mixed_questions: number;
  /**
   * within_question_auroc over the mixed questions whose majority answer is right, and over those
   * where it is wrong (with how many of each). LTO beats majority voting only by ranking the correct
   * runs first where the majority is wrong; a reward that learned only agreement with the other
   * runs is below 0.5 there (see majority-split-auroc.ts).
   */
  readonly within_question_auroc_by_majority: {
    readonly majority_right: number | null;
    readonly majority_right_questions: number;
    readonly majority_wrong: number | null;
    readonly majority_wrong_questions: number;
  };
  readonly f1: number;
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly ece: number;
  readonly kind: string;
  readonly best_epoch: number;
  readonly epochs_run: number;
  readonly stop_reason: string;
  /** The kept epoch's validation scores. */
  readonly validation: { readonly auroc: number; readonly f1: number };
  /**
   * The ensemble only (lrmInput 'ensemble'): the raw weight chosen on validation, every weight
   * tried with its best beta, and each member. The fields above from kind to validation are then
   * those of the member with the larger weight.
   */
  readonly ensemble?: {
    readonly raw_weight: number;
    readonly weight_candidates: readonly { readonly raw_weight: number; readonly beta: number; readonly validation_accuracy: number }[];
    readonly members: readonly {
      readonly input: string;
      readonly test_auroc: number | null;
      readonly best_epoch: number;
      readonly epochs_run: number;
      readonly stop_reason: string;
      readonly validation: { readonly auroc: number; readonly f1: number };
    }[];
  };
}

/** An acceptance stop: reward level alpha (the LRM's probability), the quantile of the validation full rewards it is, and k_min. */
export interface AcceptJson {
  readonly level: number;
  readonly quantile: number;
  readonly min_finished: number;
}

export interface EarlyRejectionJson {
  readonly prefix: 'tokens' | 'steps';
  readonly realisable: boolean;
  /** Token counts (tokens mode) or prefix lengths in states (steps mode). */
  readonly checkpoints: readonly number[];
  /** Which LRM gave the prefix rewards: the main one, or the prefix LRM trained on token prefixes. */
  readonly prefix_lrm: 'main' | 'prefix';
  /** Test ROC-AUC of the prefix rewards at each checkpoint, over all runs and within questions (mean over mixed questions). */
  readonly checkpoint_auroc: readonly { readonly auroc: number | null; readonly within_question_auroc: number | null }[];
  /** Thresholds and margin in logits of the prefix reward; null: none. */
  readonly chosen: { readonly quantile: number; readonly margin: number | null; readonly survivors: number; readonly keep: readonly number[] | null; readonly thresholds: readonly (number | null)[]; readonly accept: AcceptJson | null };
  /** The selection rule: cheapest setting whose validation difference minus standard_errors x its SE is >= -tolerance. */
  readonly selection: { readonly tolerance: number; readonly standard_errors: number };
  readonly validation: {
    readonly accuracy: number;
    readonly latent_steps_per_question: number;
    readonly lto_accuracy: number;
    readonly lto_latent_steps_per_question: number;
    readonly difference: number;
    readonly standard_error: number;
  };
  /**
   * The selection rule judged on validation alone, for several standard_errors (0 = the
   * point-estimate rule): chosen on random halves, measured on the other halves.
   */
  readonly held_out: readonly { readonly standard_errors: number; readonly splits: number; readonly difference: number; readonly within_tolerance: number; readonly step_fraction: number }[];
  /** `acceptances`: questions whose drawing stopped at the acceptance level. */
  readonly test: MethodJson & { readonly lto_accuracy: number; readonly lto_latent_steps: number; readonly step_fraction: number; readonly candidates: number; readonly rejected: number; readonly fallbacks: number; readonly acceptances: number };
  /**
   * Whether `test` (and lto_early) was measured with running rewards: with a centred LRM in tokens
   * mode, each reward computed from the candidates the sampler has at that point (runningRewardsOf).
   */
  readonly running_rewards: boolean;
  /** The chosen rule on test with the rewards computed once over all N candidates (as the grid and the choice use them). */
  readonly test_precomputed_rewards: { readonly accuracy: number; readonly latent_steps: number };
  /** lto_early minus lto on test, paired over questions. */
  readonly versus_lto: ComparisonJson;
  readonly grid: readonly { readonly quantile: number; readonly margin: number | null; readonly survivors: number; readonly keep: readonly number[] | null; readonly accept: AcceptJson | null; readonly validation_accuracy: number; readonly validation_latent_steps: number; readonly test_accuracy: number; readonly test_latent_steps: number }[];
}

export interface DomainResult {
  readonly questions: number;
  readonly n_runs: number;
  /** Recurrence steps T of the sets. */
  readonly steps: number;
  /** Null when the LRM could not be trained (see lrm_error); only reward-free methods are then reported. */
  readonly beta: number | null;
  readonly beta_candidates: readonly { readonly beta: number; readonly validation_accuracy: number }[];
  readonly lrm: LrmJson | null;
  readonly lrm_error?: string;
  readonly methods: Partial<Record<MethodName | 'lto_early', MethodJson>>;
  readonly lto_versus: readonly ComparisonJson[];
  readonly versus_runs: readonly { readonly runs: number; readonly methods: Partial<Record<MethodName, MethodJson>> }[];
  readonly versus_beta: readonly ({ readonly beta: number } & MethodJson)[];
  readonly versus_steps: {
    readonly prefix: readonly { readonly states: number; readonly auroc: number | null; readonly lto: number; readonly best_of_n: number }[];
    readonly depths: readonly { readonly steps: number; readonly methods: Partial<Record<MethodName, MethodJson>> }[];
  };
  readonly early_rejection: EarlyRejectionJson | null;
  readonly notes: readonly string[];
}

export interface CrossDomainJson {
  /** Rows: the LRM's training domain (and `pooled`: all domains' train splits together). */
  readonly sources: readonly string[];
  /** Columns: the evaluation domain (its test split). */
  readonly targets: readonly string[];
  readonly auroc: readonly (readonly (number | null)[])[];
  readonly lto_accuracy: readonly (readonly (number | null)[])[];
  /** Beta of each row, chosen on the source's validation split(s) with that LRM. */
  readonly beta: readonly (number | null)[];
}

export interface ExperimentResult {
  readonly domains: Record<string, DomainResult>;
  /** The beta chosen for each domain (null where no LRM). */
  readonly beta: Record<string, number | null>;
  readonly n_runs: number;
  readonly seed: Seed;
  /** What the LRMs read (ExperimentOptions.lrmInput). */
  readonly lrm_input: LrmInput;
  readonly cross_domain: CrossDomainJson | null;
}

// ---------------------------------------------------------------------------------------------
// Pools from trajectory sets

/** Run indices of every question, ordered by run number and cut to the first n. */
export function questionGroups(set: TrajectorySet, n: number | undefined, what: string): number[][] {
  const groups = [...set.runsByQuestion().entries()].map(([id, runs]) => {
    const ordered = [...runs].sort((a, b) => set.runs[a]!.run - set.runs[b]!.run);
    if (n !== undefined && ordered.length < n) throw new Error(`${what}: question ${id} has ${ordered.length} runs; N = ${n} needs at least that many`);
    return n === undefined ? ordered : ordered.slice(0, n);
  });
  if (groups.length === 0) throw new Error(`${what}: the set has no runs`);
  return groups;
}

/** Smallest number of runs per question in a set. */
export function minimumRuns(set: TrajectorySet): number {
  return Math.min(...[...set.runsByQuestion().values()].map((r) => r.length));
}

/** Latent steps of every run: tokens x (T + 1). */
export function runLatentSteps(set: TrajectorySet): Float64Array {
  return Float64Array.from(set.runs, (r) => r.tokens * set.states);
}

/** CoE-R and CoE-C of every run, or undefined (with the reason) when a chain is degenerate. */
function coeScores(set: TrajectorySet): { coeR: Float64Array; coeC: Float64Array } | string {
  try {
    const coe = chainOfEmbedding(set.trajectories);
    return { coeR: coe.coeR, coeC: coe.coeC };
  } catch (e) {
    return (e as Error).message;
  }
}

/** Pools of a set: one per group, with the given per-run rewards (indexed like the set). */
export function poolsFromSet(set: TrajectorySet, groups: readonly number[][], rewards: ArrayLike<number>, coe?: { coeR: ArrayLike<number>; coeC: ArrayLike<number> }): QuestionPool[] {
  const steps = runLatentSteps(set);
  return groups.map((g) => ({
    answers: g.map((i) => (set.runs[i]!.answer ?? '').trim()),
    correct: g.map((i) => set.runs[i]!.correct),
    rewards: g.map((i) => rewards[i]!),
    ...(coe ? { coeR: g.map((i) => coe.coeR[i]!), coeC: g.map((i) => coe.coeC[i]!) } : {}),
    latentSteps: g.map((i) => steps[i]!),
  }));
}

/** The trajectories the LRM reads for `set`, or for `t` (an array indexed like the set): see ExperimentOptions.lrmInput. */
function lrmView(set: TrajectorySet, input: SingleInput, t: TrajectoryArray = set.trajectories): TrajectoryArray {
  return input === 'raw' ? t : groupedView(t, input, [...set.runsByQuestion().values()]);
}

/** `t` as an LRM of `input` reads it, each group of runs centred on itself. */
function groupedView(t: TrajectoryArray, input: SingleInput, groups: readonly (readonly number[])[]): TrajectoryArray {
  if (input === 'raw') return t;
  return input === 'question-centred' ? centreByGroups(t, groups) : withGroupCentred(t, groups);
}

/**
 * The validation, test and depth-test sets (and token prefixes) cut to the N runs per question
 * that the pools use: a centred run must be centred on exactly the candidates it competes with.
 */
function poolRunsOnly(d: DomainSets, runs: number): DomainSets {
  const cut = (set: TrajectorySet, what: string): { set: TrajectorySet; runs: number[] } => {
    const kept = questionGroups(set, runs, `runExperiment: domain ${d.domain}: ${what}`).flat();
    return { set: set.select(kept), runs: kept };
  };
  const validation = cut(d.validation, 'validation');
  const test = cut(d.test, 'test');
  const prefixes = (p: TokenPrefixes, kept: number[]): TokenPrefixes => ({ tokens: p.tokens, trajectories: p.trajectories.map((t) => selectRuns(t, kept)) });
  return {
    ...d,
    validation: validation.set,
    test: test.set,
    ...(d.tokenPrefixes
      ? { tokenPrefixes: { validation: prefixes(d.tokenPrefixes.validation, validation.runs), test: prefixes(d.tokenPrefixes.test, test.runs), ...(d.tokenPrefixes.train ? { train: d.tokenPrefixes.train } : {}) } }
      : {}),
    ...(d.depthTests ? { depthTests: d.depthTests.map((t) => cut(t, `depth test (T = ${t.states - 1})`).set) } : {}),
  };
}

function labelled(unviewed: readonly TrajectorySet[], input: SingleInput): LabelledTrajectories {
  return concatLabelled(unviewed.map((set) => ({ trajectories: lrmView(set, input), correct: set.correct(), groups: [...set.runsByQuestion().values()] })));
}

/**
 * The prefix LRM's data from a set and its token prefixes: every checkpoint's prefixes of the first
 * `questions` questions (default all), each checkpoint's copy of a question a group of its own (a
 * centred prefix is centred on the same question's prefixes at the same checkpoint, as in early
 * rejection), labelled with the whole answer's correctness.
 */
function prefixLabelled(set: TrajectorySet, prefixes: TokenPrefixes, input: SingleInput, questions?: number): LabelledTrajectories {
  const groups = [...set.runsByQuestion().values()];
  const kept = groups.slice(0, questions ?? groups.length).flat();
  const subset = kept.length === set.size ? set : set.select(kept);
  return concatLabelled(prefixes.trajectories.map((t) => ({
    trajectories: lrmView(subset, input, kept.length === set.size ? t : selectRuns(t, kept)),
    correct: subset.correct(),
    groups: [...subset.runsByQuestion().values()],
  })));
}

/** Labelled sets one after the other (groups renumbered); the sets must share steps and width. */
function concatLabelled(sets: readonly LabelledTrajectories[]): LabelledTrajectories {
  if (sets.length === 1) return sets[0]!;
  const { steps, width } = sets[0]!.trajectories;
  for (const s of sets) if (s.trajectories.steps !== steps || s.trajectories.width !== width) throw new Error(`runExperiment: sets of ${steps} states x width ${width} and ${s.trajectories.steps} x ${s.trajectories.width} cannot be pooled`);
  const runs = sets.reduce((a, s) => a + s.trajectories.runs, 0);
  const data = new Float32Array(runs * steps * width);
  let at = 0;
  for (const s of sets) {
    data.set(s.trajectories.data, at);
    at += s.trajectories.data.length;
  }
  let offset = 0;
  const groups = sets.flatMap((s) => {
    const shifted = (s.groups ?? []).map((g) => g.map((r) => r + offset));
    offset += s.trajectories.runs;
    return shifted;
  });
  return { trajectories: { data, runs, steps, width }, correct: sets.flatMap((s) => Array.from(s.correct)), groups };
}

function classes(labels: ArrayLike<boolean>): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  return { positives, negatives: labels.length - positives };
}

function aurocOrNull(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number | null {
  const { positives, negatives } = classes(labels);
  return positives > 0 && negatives > 0 ? rocAuc(scores, labels) : null;
}

function methodJson(r: { accuracy: number; interval: Interval; latentSteps: number }): MethodJson {
  return { accuracy: r.accuracy, ci_low: r.interval.lower, ci_high: r.interval.upper, latent_steps: r.latentSteps };
}

function methodsJson(e: Evaluation): Partial<Record<MethodName, MethodJson>> {
  const out: Partial<Record<MethodName, MethodJson>> = {};
  for (const [name, r] of Object.entries(e.methods)) out[name as MethodName] = methodJson(r);
  return out;
}

/** -Infinity (nothing rejected) becomes null in JSON. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

// ---------------------------------------------------------------------------------------------
// Trained reward models

/** One trained LRM and what it reads. */
interface LrmMember {
  readonly input: SingleInput;
  readonly model: LatentRewardModel;
  readonly fit: FitResult;
}

/** The LRM of a domain: one member, or the ensemble's raw and centred members (in that order). */
interface TrainedLrm {
  readonly members: readonly LrmMember[];
}

/** The members an LRM input trains. */
function memberInputs(input: LrmInput): SingleInput[] {
  return input === 'ensemble' ? ['raw', 'question-centred'] : [input];
}

/**
 * Rewards of a set's runs: scored from `trajectories` (an array indexed like the set; default its
 * own trajectories), cut to the first `steps` states when given. With two members, mixRewards at
 * the raw weight.
 */
type Scorer = (set: TrajectorySet, options?: { readonly trajectories?: TrajectoryArray; readonly steps?: number }) => Float32Array;

/** Each member's rewards of a set's runs, in member order. */
function memberScoresOf(trained: TrainedLrm, set: TrajectorySet): Float32Array[] {
  return trained.members.map((m) => m.model.score(lrmView(set, m.input)));
}

function scorer(trained: TrainedLrm, rawWeight: number): Scorer {
  return (set, o = {}) => combineMembers(trained.members.map((m) => m.model.score(lrmView(set, m.input, o.trajectories), o.steps === undefined ? undefined : { steps: o.steps })), rawWeight);
}

/** One member's rewards as they are; the ensemble's two mixed at the raw weight. */
function combineMembers(scores: readonly Float32Array[], rawWeight: number): Float32Array {
  return scores.length === 1 ? scores[0]! : mixRewards(scores[0]!, scores[1]!, rawWeight);
}

interface RewardSettings {
  /** The ensemble's raw weight; 1 for a single LRM, which does not use it. */
  readonly rawWeight: number;
  readonly beta: number;
  /** Every beta at the chosen weight, with its expected validation accuracy. */
  readonly betaCandidates: readonly { readonly beta: number; readonly expectedAccuracy: number }[];
  /** The validation pools at the chosen weight (all sets' questions, in order). */
  readonly validationPools: readonly QuestionPool[];
  readonly ensemble?: EnsembleChoice;
}

/** The raw weight and beta with the best expected LTO accuracy on the `validation` sets' pools. */
function chooseRewardSettings(trained: TrainedLrm, validation: readonly TrajectorySet[], runs: number, betas: readonly number[], what: string): RewardSettings {
  const groups = validation.map((set) => questionGroups(set, runs, `${what} validation`));
  // Each member scores each set once; only the mixing depends on the weight.
  const memberScores = validation.map((set) => memberScoresOf(trained, set));
  const poolsAt = (rawWeight: number): QuestionPool[] => validation.flatMap((set, i) => poolsFromSet(set, groups[i]!, combineMembers(memberScores[i]!, rawWeight)));
  const ensemble = trained.members.length === 1 ? undefined : chooseEnsembleWeight(poolsAt, betas);
  const rawWeight = ensemble?.rawWeight ?? 1;
  const validationPools = poolsAt(rawWeight);
  const choice = chooseBeta(validationPools, betas);
  return { rawWeight, beta: choice.beta, betaCandidates: choice.all, validationPools, ...(ensemble ? { ensemble } : {}) };
}

/**
 * Trains (or loads) every member of `name`'s LRM. The members share the seed derived from `name`
 * (they read different trajectories), so that each member's cache key is that of the same LRM
 * trained alone.
 */
async function trainLrm(name: string, trainSets: readonly TrajectorySet[], validationSets: readonly TrajectorySet[], options: ExperimentOptions, seed: Seed): Promise<TrainedLrm | string> {
  return trainMembers(name, (input) => ({ train: labelled(trainSets, input), validation: labelled(validationSets, input) }), options, seed);
}

/**
 * The prefix LRM of a domain (`prefixLrm`): the main LRM's members, each trained on the token
 * prefixes of the train split at every checkpoint, with its epoch chosen on the validation split's
 * prefixes. It trains on the first ceil(questions / checkpoints) train questions, so on as many
 * runs as the main LRM, in about the same time.
 */
async function trainPrefixLrm(d: DomainSets, options: ExperimentOptions, seed: Seed): Promise<TrainedLrm | string> {
  const p = d.tokenPrefixes!;
  const questions = Math.ceil(d.train.questionIds().length / p.train!.tokens.length);
  return trainMembers(`${d.domain} prefix`, (input) => ({ train: prefixLabelled(d.train, p.train!, input, questions), validation: prefixLabelled(d.validation, p.validation, input) }), options, seed);
}

async function trainMembers(name: string, data: (input: SingleInput) => { train: LabelledTrajectories; validation: LabelledTrajectories }, options: ExperimentOptions, seed: Seed): Promise<TrainedLrm | string> {
  const members: LrmMember[] = [];
  const inputs = memberInputs(lrmInputOf(options));
  try {
    for (const input of inputs) {
      const label = inputs.length === 1 ? name : `${name} (${input} member)`;
      const { train, validation } = data(input);
      const member = await trainMember(name, label, train, validation, options, seed);
      if (typeof member === 'string') {
        for (const m of members) m.model.dispose();
        return member;
      }
      members.push({ input, ...member });
    }
  } catch (e) {
    for (const m of members) m.model.dispose();
    throw e;
  }
  return { members };
}

async function trainMember(name: string, label: string, train: LabelledTrajectories, validation: LabelledTrajectories, options: ExperimentOptions, seed: Seed): Promise<{ model: LatentRewardModel; fit: FitResult } | string> {
  for (const [split, set] of [['train', train], ['validation', validation]] as const) {
    const c = classes(set.correct);
    if (c.positives === 0 || c.negatives === 0) return `the ${name} ${split} split has ${c.positives} correct and ${c.negatives} incorrect runs; the LRM needs both`;
  }
  const report = options.onProgress;
  const callerProgress = options.lrm?.onProgress;
  const lrm: TrainRewardModelOptions = {
    epochs: 10,
    selectBy: 'f1',
    ...options.lrm,
    seed: options.lrm?.seed ?? deriveSeed(seed, 'lrm', name),
    // Training an LRM on tens of thousands of runs takes minutes: one line per epoch says how far it is.
    ...(report ? { onProgress: (p: FitProgress) => { callerProgress?.(p); if (p.kind === 'epoch') report(epochLine(label, p)); } } : {}),
  };
  if (options.lrmCacheDir === undefined) return trainRewardModel(train, validation, lrm);
  const result = await trainOrLoadRewardModel(options.lrmCacheDir, train, validation, lrm);
  if (result.cached) options.onProgress?.(`${label}: LRM loaded from ${options.lrmCacheDir} (trained earlier on the same sets and options)`);
  return result;
}

function epochLine(name: string, p: Extract<FitProgress, { kind: 'epoch' }>): string {
  const v = p.validation;
  return `${name}: LRM epoch ${p.epoch}/${p.epochs}, training loss ${p.trainLoss.toFixed(4)}, validation AUROC ${v.auroc.toFixed(3)} F1 ${v.f1.toFixed(3)}${p.improved ? ' (best so far)' : ''}, ${p.seconds.toFixed(0)} s`;
}

// ---------------------------------------------------------------------------------------------
// Early rejection pools

function defaultStates(states: number): number[] {
  return [...new Set([Math.floor(states / 4), Math.floor(states / 2)])].filter((s) => s >= 2 && s < states);
}

/**
 * Per-run prefix rewards and costs at each checkpoint (indexed like the set). The rewards are
 * logits, so that a relative margin is the same odds ratio at every reward level (thresholds, as
 * quantiles, do not depend on the scale).
 */
function checkpointData(score: Scorer, set: TrajectorySet, mode: 'tokens' | 'steps', checkpoints: readonly number[], prefixes: TokenPrefixes | undefined): { rewards: Float64Array[]; costs: Float64Array[] } {
  const logits = (rewards: Float32Array): Float64Array => Float64Array.from(rewards, logit);
  if (mode === 'steps') {
    return {
      rewards: checkpoints.map((s) => logits(score(set, { steps: s }))),
      costs: checkpoints.map((s) => Float64Array.from(set.runs, (r) => r.tokens * s)),
    };
  }
  const p = prefixes!;
  return {
    rewards: p.trajectories.map((t) => logits(score(set, { trajectories: t }))),
    costs: p.tokens.map((k) => Float64Array.from(set.runs, (r) => Math.min(k, r.tokens) * set.states)),
  };
}

function earlyPools(pools: readonly QuestionPool[], groups: readonly number[][], data: { rewards: Float64Array[]; costs: Float64Array[] }): EarlyRejectionPool[] {
  return pools.map((pool, q) => ({
    ...pool,
    latentSteps: pool.latentSteps!,
    checkpoints: {
      rewards: data.rewards.map((r) => groups[q]!.map((i) => r[i]!)),
      costs: data.costs.map((k) => groups[q]!.map((i) => k[i]!)),
    },
  }));
}

function checkTokenPrefixes(p: TokenPrefixes, set: TrajectorySet, what: string): void {
  checkTokenCheckpoints(p.tokens, what);
  if (p.trajectories.length !== p.tokens.length) throw new Error(`${what}: ${p.trajectories.length} arrays for ${p.tokens.length} token checkpoints`);
  for (const t of p.trajectories) {
    if (t.runs !== set.size || t.steps !== set.states || t.width !== set.width) throw new Error(`${what}: a prefix array is ${t.runs} x ${t.steps} x ${t.width}; the set is ${set.size} x ${set.states} x ${set.width}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The experiment

function checkSets(d: DomainSets): void {
  if (!d || typeof d.domain !== 'string' || d.domain === '') throw new Error('runExperiment: every domain needs a non-empty name');
  for (const split of ['train', 'validation', 'test'] as const) {
    if (!d[split] || typeof d[split].runsByQuestion !== 'function') throw new Error(`runExperiment: domain ${d.domain}: ${split} is not a TrajectorySet`);
    if (d[split].size === 0) throw new Error(`runExperiment: domain ${d.domain}: the ${split} set is empty`);
  }
  const { width, states } = d.train;
  for (const split of ['validation', 'test'] as const) {
    if (d[split].width !== width || d[split].states !== states) throw new Error(`runExperiment: domain ${d.domain}: ${split} is ${d[split].states} states x width ${d[split].width}, train is ${states} x ${width}`);
  }
  if (d.tokenPrefixes) {
    checkTokenPrefixes(d.tokenPrefixes.validation, d.validation, `runExperiment: domain ${d.domain}: tokenPrefixes.validation`);
    checkTokenPrefixes(d.tokenPrefixes.test, d.test, `runExperiment: domain ${d.domain}: tokenPrefixes.test`);
    if (d.tokenPrefixes.validation.tokens.join() !== d.tokenPrefixes.test.tokens.join()) throw new Error(`runExperiment: domain ${d.domain}: validation and test token checkpoints differ`);
    if (d.tokenPrefixes.train) {
      checkTokenPrefixes(d.tokenPrefixes.train, d.train, `runExperiment: domain ${d.domain}: tokenPrefixes.train`);
      if (d.tokenPrefixes.train.tokens.join() !== d.tokenPrefixes.test.tokens.join()) throw new Error(`runExperiment: domain ${d.domain}: train token checkpoints (${d.tokenPrefixes.train.tokens.join(', ')}) differ from test's (${d.tokenPrefixes.test.tokens.join(', ')})`);
    }
  }
  for (const t of d.depthTests ?? []) if (t.width !== width) throw new Error(`runExperiment: domain ${d.domain}: a depth test set has width ${t.width}, expected ${width}`);
}

function checkOptions(o: ExperimentOptions, domains: readonly DomainSets[]): { runs: number; betas: number[] } {
  const betas = [...(o.betas ?? DEFAULT_BETAS)];
  if (betas.length === 0) throw new Error('runExperiment: betas is empty; expected at least one beta > 0');
  betas.forEach((b, i) => {
    if (typeof b !== 'number' || !(b > 0)) throw new Error(`runExperiment: betas[${i}] is ${b}; expected a number > 0`);
  });
  const available = Math.min(...domains.flatMap((d) => [minimumRuns(d.validation), minimumRuns(d.test)]));
  const runs = o.runs ?? available;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runExperiment: runs (N) is ${runs}; expected a positive integer`);
  if (runs > available) throw new Error(`runExperiment: runs (N) is ${runs} but some validation or test question has only ${available} runs`);
  for (const [name, v] of [['bootstrapSamples', o.bootstrapSamples], ['sweepBootstrapSamples', o.sweepBootstrapSamples]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`runExperiment: ${name} is ${v}; expected a positive integer`);
  }
  if (o.lrmInput !== undefined && !LRM_INPUTS.includes(o.lrmInput)) throw new Error(`runExperiment: lrmInput is ${JSON.stringify(o.lrmInput)}; expected one of ${LRM_INPUTS.map((i) => `"${i}"`).join(', ')}`);
  const prefix = o.earlyRejection?.prefix ?? 'auto';
  if (!['auto', 'tokens', 'steps'].includes(prefix)) throw new Error(`runExperiment: earlyRejection.prefix is ${JSON.stringify(prefix)}; expected "auto", "tokens" or "steps"`);
  if (prefix === 'tokens') for (const d of domains) if (!d.tokenPrefixes) throw new Error(`runExperiment: earlyRejection.prefix is "tokens" but domain ${d.domain} has no tokenPrefixes`);
  if (o.prefixLrm) {
    if (prefix === 'steps') throw new Error('runExperiment: prefixLrm trains on token prefixes; earlyRejection.prefix "steps" does not use them');
    for (const d of domains) if (!d.tokenPrefixes?.train) throw new Error(`runExperiment: prefixLrm needs the train split's token prefixes, but domain ${d.domain} has no tokenPrefixes.train`);
  }
  return { runs, betas };
}

/** Runs the whole evaluation; see the module comment. Trained LRMs are disposed before returning. */
export async function runExperiment(unviewed: readonly DomainSets[], options: ExperimentOptions = {}): Promise<ExperimentResult> {
  if (!Array.isArray(unviewed) || unviewed.length === 0) throw new Error('runExperiment: domains is empty; expected at least one {domain, train, validation, test}');
  unviewed.forEach(checkSets);
  const names = unviewed.map((d) => d.domain);
  if (new Set(names).size !== names.length) throw new Error(`runExperiment: domain names must be unique, got ${names.join(', ')}`);
  const { runs, betas } = checkOptions(options, unviewed);
  const seed = options.seed ?? 0;
  const progress = options.onProgress ?? (() => undefined);
  const crossDomain = options.crossDomain ?? unviewed.length > 1;
  const input = lrmInputOf(options);
  const domains = input === 'raw' ? unviewed : unviewed.map((d) => poolRunsOnly(d, runs));
  const models = new Map<string, TrainedLrm | string>();
  const prefixModels = new Map<string, TrainedLrm | string>();
  try {
    for (const d of domains) {
      progress(`${d.domain}: training the LRM on ${d.train.size} runs (${input === 'ensemble' ? 'an ensemble of a raw and a question-centred LRM' : `${input} trajectories`})`);
      models.set(d.domain, await trainLrm(d.domain, [d.train], [d.validation], options, seed));
      if (options.prefixLrm && typeof models.get(d.domain) !== 'string') {
        progress(`${d.domain}: training the prefix LRM on the train split's token prefixes (${d.tokenPrefixes!.train!.tokens.join(', ')} tokens)`);
        prefixModels.set(d.domain, await trainPrefixLrm(d, options, seed));
      }
    }
    const results: Record<string, DomainResult> = {};
    for (const d of domains) {
      progress(`${d.domain}: evaluating`);
      results[d.domain] = evaluateDomain(d, models.get(d.domain)!, prefixModels.get(d.domain), runs, betas, options, seed);
    }
    let cross: CrossDomainJson | null = null;
    if (crossDomain) {
      if (domains.length > 1) {
        progress('pooled: training the LRM on every domain');
        models.set('pooled', await trainLrm('pooled', domains.map((d) => d.train), domains.map((d) => d.validation), options, seed));
      }
      cross = crossDomainMatrix(domains, models, runs, betas, seed);
    }
    const beta: Record<string, number | null> = {};
    for (const [name, r] of Object.entries(results)) beta[name] = r.beta;
    return { domains: results, beta, n_runs: runs, seed, lrm_input: input, cross_domain: cross };
  } finally {
    for (const m of [...models.values(), ...prefixModels.values()]) if (typeof m !== 'string') for (const member of m.members) member.model.dispose();
  }
}

function evaluateDomain(d: DomainSets, trained: TrainedLrm | string, prefixTrained: TrainedLrm | string | undefined, runs: number, betas: readonly number[], options: ExperimentOptions, seed: Seed): DomainResult {
  const notes: string[] = [];
  const samples = options.bootstrapSamples ?? 1000;
  const sweepSamples = options.sweepBootstrapSamples ?? 200;
  const evalSeed = deriveSeed(seed, 'methods', d.domain);
  const bootstrap = { samples, seed: deriveSeed(seed, 'bootstrap', d.domain) };
  const sweepBootstrap = { samples: sweepSamples, seed: deriveSeed(seed, 'bootstrap', d.domain) };
  const testGroups = questionGroups(d.test, runs, `runExperiment: domain ${d.domain}: test`);
  const validationGroups = questionGroups(d.validation, runs, `runExperiment: domain ${d.domain}: validation`);
  const coe = coeScores(d.test);
  if (typeof coe === 'string') notes.push(`CoE scores unavailable on test: ${coe}`);
  const testCoe = typeof coe === 'string' ? undefined : coe;
  const base = { questions: testGroups.length, n_runs: runs, steps: d.test.states - 1 };

  if (typeof trained === 'string') {
    const pools = poolsFromSet(d.test, testGroups, new Float32Array(d.test.size), testCoe);
    const free: MethodName[] = ['single', 'majority', ...(testCoe ? (['coe_r', 'coe_c'] as const) : []), 'oracle'];
    const e = evaluateMethods(pools, { beta: 1, methods: free, seed: evalSeed, bootstrap });
    return {
      ...base, beta: null, beta_candidates: [], lrm: null, lrm_error: trained, methods: methodsJson(e), lto_versus: [],
      versus_runs: accuracyVersusRuns(pools, range(1, runs), { beta: 1, methods: free, seed: evalSeed, bootstrap: sweepBootstrap }).map((p) => ({ runs: p.runs, methods: sweepJson(p.methods) })),
      versus_beta: [], versus_steps: { prefix: [], depths: [] }, early_rejection: null, notes,
    };
  }

  const settings = chooseRewardSettings(trained, [d.validation], runs, betas, `runExperiment: domain ${d.domain}:`);
  const { beta, validationPools } = settings;
  const score = scorer(trained, settings.rawWeight);

  // Each member scores the test set once: the mixed rewards and the members' own AUROCs both use it.
  const testMemberScores = memberScoresOf(trained, d.test);
  const testRewards = combineMembers(testMemberScores, settings.rawWeight);
  const testPools = poolsFromSet(d.test, testGroups, testRewards, testCoe);
  const e = evaluateMethods(testPools, { beta, seed: evalSeed, bootstrap });
  const testLabels = d.test.correct();
  const lrm = lrmJson(trained, settings, testMemberScores, testRewards, testLabels, testGroups, testPools);
  if (lrm.auroc === null) notes.push('test AUROC undefined: the test split has a single class');

  const states = d.test.states;
  const prefixStates = options.prefixStates ? [...options.prefixStates] : evenlySpaced(states, 9);
  for (const s of prefixStates) if (!Number.isInteger(s) || s < 1 || s > states) throw new Error(`runExperiment: prefixStates has ${s}; expected integers in 1..${states}`);
  const prefix = prefixStates.map((s) => {
    const rewards = s === states ? testRewards : score(d.test, { steps: s });
    const pools = poolsFromSet(d.test, testGroups, rewards);
    const r = evaluateMethods(pools, { beta, methods: ['lto', 'best_of_n'], seed: evalSeed, compare: false, bootstrap: sweepBootstrap });
    return { states: s, auroc: aurocOrNull(rewards, testLabels), lto: r.methods.lto!.accuracy, best_of_n: r.methods.best_of_n!.accuracy };
  });
  const depths = (d.depthTests ?? []).map((t) => {
    const groups = questionGroups(t, runs, `runExperiment: domain ${d.domain}: depth test (T = ${t.states - 1})`);
    const tc = coeScores(t);
    const pools = poolsFromSet(t, groups, score(t), typeof tc === 'string' ? undefined : tc);
    return { steps: t.states - 1, methods: methodsJson(evaluateMethods(pools, { beta, seed: evalSeed, compare: false, bootstrap: sweepBootstrap })) };
  });

  let prefixLrm: TrainedLrm | undefined;
  if (typeof prefixTrained === 'string') notes.push(`prefix LRM not trained (${prefixTrained}); early rejection uses the main LRM's prefix rewards`);
  else prefixLrm = prefixTrained;
  const prefixScore = prefixLrm ? scorer(prefixLrm, settings.rawWeight) : score;
  // A centred member's rewards depend on which candidates it is centred on: see runningRewardsOf.
  const centred = [...trained.members, ...(prefixLrm?.members ?? [])].some((m) => m.input !== 'raw');
  const running = centred ? (set: TrajectorySet, groups: readonly number[][], prefixes: TokenPrefixes) => runningRewardsOf(prefixLrm ?? trained, trained, settings.rawWeight, set, groups, prefixes) : undefined;
  const early = earlyRejection(d, prefixScore, prefixLrm !== undefined, running, validationPools, validationGroups, testPools, testGroups, e, runs, beta, options, evalSeed, bootstrap);
  const methods: DomainResult['methods'] = { ...methodsJson(e), lto_early: early.method };
  return {
    ...base,
    beta,
    beta_candidates: settings.betaCandidates.map((c) => ({ beta: c.beta, validation_accuracy: c.expectedAccuracy })),
    lrm,
    methods,
    lto_versus: e.ltoVersus.map((c) => ({ baseline: c.baseline, difference: c.difference.estimate, ci_low: c.difference.lower, ci_high: c.difference.upper, p_value: c.pValue })),
    versus_runs: versusRuns(d.test, testPools, score, lrmInputOf(options), runs, testCoe, { beta, seed: evalSeed, bootstrap: sweepBootstrap }).map((p) => ({ runs: p.runs, methods: sweepJson(p.methods) })),
    versus_beta: accuracyVersusBeta(testPools, betas, { seed: evalSeed, bootstrap: sweepBootstrap }).map((p) => ({ beta: p.beta, ...methodJson(p) })),
    versus_steps: { prefix, depths },
    early_rejection: early.json,
    notes,
  };
}

/**
 * Accuracy versus N = 1..runs. Centred rewards depend on which candidates a run competes with, so
 * for each n the first n runs of every question are re-centred and re-scored; raw rewards do not,
 * and the pools are simply cut.
 */
function versusRuns(test: TrajectorySet, testPools: readonly QuestionPool[], score: Scorer, input: LrmInput, runs: number, coe: { coeR: ArrayLike<number>; coeC: ArrayLike<number> } | undefined, options: EvaluationOptions): RunsSweepPoint[] {
  if (input === 'raw') return accuracyVersusRuns(testPools, range(1, runs), options);
  return range(1, runs).map((n) => {
    const kept = questionGroups(test, n, 'runExperiment: accuracy versus N').flat();
    const subset = test.select(kept);
    const keptCoe = coe ? { coeR: kept.map((i) => coe.coeR[i]!), coeC: kept.map((i) => coe.coeC[i]!) } : undefined;
    const pools = poolsFromSet(subset, questionGroups(subset, n, 'runExperiment: accuracy versus N'), score(subset), keptCoe);
    return accuracyVersusRuns(pools, [n], options)[0]!;
  });
}

function lrmInputOf(options: ExperimentOptions): LrmInput {
  return options.lrmInput ?? DEFAULT_LRM_INPUT;
}

/** Running rewards of a set's questions, with `prefetch` to score the sets of candidates a computation asks for in batches. */
interface RunningRewardSource {
  readonly of: (question: number) => RunningRewards;
  /**
   * Runs `compute` until it asks for no set of candidates not scored yet: each pass, the sets it
   * asks for get placeholder rewards and are then scored together, in one call per member and
   * checkpoint. The rules decide from rewards, so a pass with placeholders may take a path the
   * real rewards will not (its sets are scored too, harmlessly); the next pass follows the real ones.
   */
  readonly prefetch: (compute: () => void) => void;
}

/**
 * The running rewards (early-rejection.ts) of a set's questions: the prefix LRM's (or main LRM's)
 * rewards of the runs given, at checkpoint c, and the main LRM's full rewards at the end, each
 * member reading those runs only (a centred member centres on them). Prefix rewards are logits,
 * like checkpointData's. Every set of candidates is scored once (rules share most of them); one
 * LRM call per set would take tens of minutes for the whole grid, so `prefetch` batches them.
 */
function runningRewardsOf(prefixLrm: TrainedLrm, lrm: TrainedLrm, rawWeight: number, set: TrajectorySet, groups: readonly number[][], prefixes: TokenPrefixes): RunningRewardSource {
  const memo = groups.map(() => new Map<string, ArrayLike<number>>());
  let wanted: Map<string, { q: number; c: number; runs: number[] }> | undefined;
  const checkpoints = prefixes.tokens.length;
  const score = (asked: readonly { q: number; c: number; runs: readonly number[] }[]): void => {
    for (let c = 0; c <= checkpoints; c++) {
      const here = asked.filter((a) => a.c === c);
      if (here.length === 0) continue;
      const rows = here.flatMap((a) => a.runs.map((i) => groups[a.q]![i]!));
      const t = selectRuns(c === checkpoints ? set.trajectories : prefixes.trajectories[c]!, rows);
      // Each set is centred on itself: one group per set.
      const together: number[][] = [];
      let offset = 0;
      for (const a of here) {
        together.push(a.runs.map((_, k) => offset + k));
        offset += a.runs.length;
      }
      const scores = (c === checkpoints ? lrm : prefixLrm).members.map((m) => m.model.score(groupedView(t, m.input, together)));
      const mixed = combineMembers(scores, rawWeight);
      let at = 0;
      for (const a of here) {
        const part = mixed.subarray(at, at + a.runs.length);
        at += a.runs.length;
        memo[a.q]!.set(`${c}:${a.runs.join(',')}`, c === checkpoints ? Float32Array.from(part) : Float64Array.from(part, logit));
      }
    }
  };
  return {
    of: (q) => (c, runs) => {
      const key = `${c}:${runs.join(',')}`;
      const known = memo[q]!.get(key);
      if (known) return known;
      if (wanted) {
        wanted.set(`${q}|${key}`, { q, c, runs: [...runs] });
        return new Float64Array(runs.length);
      }
      score([{ q, c, runs }]);
      return memo[q]!.get(key)!;
    },
    prefetch: (compute) => {
      for (;;) {
        const asking = new Map<string, { q: number; c: number; runs: number[] }>();
        wanted = asking;
        try {
          compute();
        } finally {
          wanted = undefined;
        }
        if (asking.size === 0) return;
        score([...asking.values()]);
      }
    },
  };
}

function acceptJson(point: EarlyRejectionGridPoint): AcceptJson | null {
  return point.accept ? { level: point.accept.level, quantile: point.accept.quantile, min_finished: point.accept.minFinished } : null;
}

function earlyRejection(
  d: DomainSets,
  score: Scorer,
  fromPrefixLrm: boolean,
  running: ((set: TrajectorySet, groups: readonly number[][], prefixes: TokenPrefixes) => RunningRewardSource) | undefined,
  validationPools: readonly QuestionPool[],
  validationGroups: readonly number[][],
  testPools: readonly QuestionPool[],
  testGroups: readonly number[][],
  e: Evaluation,
  runs: number,
  beta: number,
  options: ExperimentOptions,
  evalSeed: number,
  bootstrap: { samples: number; seed: number },
): { method: MethodJson; json: EarlyRejectionJson } {
  const settings = options.earlyRejection ?? {};
  const mode: 'tokens' | 'steps' = (settings.prefix ?? 'auto') === 'steps' || !d.tokenPrefixes ? 'steps' : 'tokens';
  const states = d.test.states;
  let checkpoints: number[];
  if (mode === 'tokens') checkpoints = [...d.tokenPrefixes!.test.tokens];
  else {
    checkpoints = settings.states ? [...settings.states] : defaultStates(states);
    for (const s of checkpoints) if (!Number.isInteger(s) || s < 1 || s >= states) throw new Error(`runExperiment: earlyRejection.states has ${s}; expected integers in 1..${states - 1} (a prefix shorter than the trajectory)`);
  }
  const quantiles = settings.quantiles ?? [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
  const margins = settings.margins ?? EARLY_REJECTION_MARGINS;
  const survivors = settings.survivors ?? [...new Set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1].map((f) => Math.max(1, Math.round(runs * f))))];
  // A centred LRM's rewards depend on the candidates it is centred on: in tokens mode the rule is
  // chosen and measured with what its sampler has (running rewards); the rewards over all N
  // candidates stay for the thresholds, the checkpoint AUROCs and test_precomputed_rewards.
  const useRunning = running !== undefined && mode === 'tokens';
  const validationPrecomputed = earlyPools(validationPools, validationGroups, checkpointData(score, d.validation, mode, checkpoints, d.tokenPrefixes?.validation));
  const validationRunning = useRunning ? running(d.validation, validationGroups, d.tokenPrefixes!.validation) : undefined;
  const validation = validationRunning ? withRunning(validationPrecomputed, validationRunning.of) : validationPrecomputed;
  const testData = checkpointData(score, d.test, mode, checkpoints, d.tokenPrefixes?.test);
  const testPrecomputed = earlyPools(testPools, testGroups, testData);
  const testRunning = useRunning ? running(d.test, testGroups, d.tokenPrefixes!.test) : undefined;
  const test = testRunning ? withRunning(testPrecomputed, testRunning.of) : testPrecomputed;
  const testLabels = d.test.correct();
  const checkpointAuroc = testData.rewards.map((r) => ({ auroc: aurocOrNull(r, testLabels), within_question_auroc: withinGroupAuc(r, testLabels, testGroups).mean }));
  // Steps mode with a short trajectory can leave no checkpoint, and then no schedule.
  const keeps = settings.keeps ?? (checkpoints.length > 0 ? keepSchedules(runs, checkpoints.length) : []);
  const acceptQuantiles = settings.acceptQuantiles ?? EARLY_ACCEPT_QUANTILES;
  const minFinished = settings.minFinished ?? EARLY_ACCEPT_MIN_FINISHED;
  const selection = { beta, quantiles, margins, survivors, keeps, acceptQuantiles, minFinished, tolerance: settings.tolerance ?? DEFAULT_EARLY_REJECTION_TOLERANCE, standardErrors: settings.standardErrors ?? DEFAULT_EARLY_REJECTION_STANDARD_ERRORS };
  validationRunning?.prefetch(() => void chooseEarlyRejection(validation, selection));
  const choice = chooseEarlyRejection(validation, selection);
  testRunning?.prefetch(() => {
    for (const g of choice.grid) expectedEarlyRejection(test, gridRule(g, beta));
  });
  const rules = [...new Set([...HELD_OUT_STANDARD_ERRORS, selection.standardErrors])].sort((a, b) => a - b);
  const heldOut = heldOutSelectionRules(validation, { ...selection, splits: settings.heldOutSplits, seed: deriveSeed(evalSeed, 'held-out') }, rules).map((h, k) => ({
    standard_errors: rules[k]!, splits: h.splits, difference: h.difference, within_tolerance: h.withinTolerance, step_fraction: h.stepFraction,
  }));
  const rule = gridRule(choice.chosen, beta);
  const result = evaluateEarlyRejection(test, rule, { seed: evalSeed, bootstrap });
  const precomputed = useRunning ? evaluateEarlyRejection(testPrecomputed, rule, { seed: evalSeed, bootstrap: { samples: 1 } }) : result;
  const lto = e.methods.lto!;
  const difference = bootstrapInterval(test.length, (idx) => {
    let sum = 0;
    for (const i of idx) sum += result.correct[i]! - lto.correct[i]!;
    return sum / idx.length;
  }, bootstrap);
  const grid = choice.grid.map((g) => {
    const t = evaluateEarlyRejection(test, gridRule(g, beta), { seed: evalSeed, bootstrap: { samples: 1 } });
    return { quantile: g.quantile, margin: finiteOrNull(g.margin), survivors: g.survivors, keep: g.keep, accept: acceptJson(g), validation_accuracy: g.accuracy, validation_latent_steps: g.latentSteps, test_accuracy: t.accuracy, test_latent_steps: t.latentSteps };
  });
  const method = methodJson(result);
  return {
    method,
    json: {
      prefix: mode,
      realisable: mode === 'tokens',
      checkpoints,
      prefix_lrm: fromPrefixLrm ? 'prefix' : 'main',
      checkpoint_auroc: checkpointAuroc,
      chosen: { quantile: choice.chosen.quantile, margin: finiteOrNull(choice.chosen.margin), survivors: choice.chosen.survivors, keep: choice.chosen.keep, thresholds: choice.chosen.thresholds.map(finiteOrNull), accept: acceptJson(choice.chosen) },
      selection: { tolerance: selection.tolerance, standard_errors: selection.standardErrors },
      validation: {
        accuracy: choice.chosen.accuracy,
        latent_steps_per_question: choice.chosen.latentSteps,
        lto_accuracy: choice.reference.accuracy,
        lto_latent_steps_per_question: choice.reference.latentSteps,
        difference: choice.chosen.difference,
        standard_error: choice.chosen.standardError,
      },
      held_out: heldOut,
      test: { ...method, lto_accuracy: lto.accuracy, lto_latent_steps: lto.latentSteps, step_fraction: result.latentSteps / lto.latentSteps, candidates: result.candidates, rejected: result.rejected, fallbacks: result.fallbacks, acceptances: result.acceptances },
      running_rewards: useRunning,
      test_precomputed_rewards: { accuracy: precomputed.accuracy, latent_steps: precomputed.latentSteps },
      versus_lto: { baseline: 'lto', difference: difference.estimate, ci_low: difference.lower, ci_high: difference.upper, p_value: pairedBootstrapPValue(result.correct, lto.correct, bootstrap) },
      grid,
    },
  };
}

function lrmJson(trained: TrainedLrm, settings: RewardSettings, testMemberScores: readonly Float32Array[], testRewards: Float32Array, labels: boolean[], groups: readonly (readonly number[])[], testPools: readonly QuestionPool[]): LrmJson {
  const { members } = trained;
  // The ensemble's summary fields are those of its member with the larger weight (raw on a tie).
  const main = members.length === 1 || settings.rawWeight >= 0.5 ? members[0]! : members[1]!;
  const fit = main.fit;
  const c = classes(labels);
  const t = thresholdMetrics(testRewards, labels);
  const within = withinGroupAuc(testRewards, labels, groups);
  const byMajority = withinQuestionAurocByMajority(testPools);
  return {
    auroc: c.positives > 0 && c.negatives > 0 ? rocAuc(testRewards, labels) : null,
    within_question_auroc: within.mean,
    mixed_questions: within.mixedGroups,
    within_question_auroc_by_majority: {
      majority_right: byMajority.majorityRight.mean,
      majority_right_questions: byMajority.majorityRight.mixedGroups,
      majority_wrong: byMajority.majorityWrong.mean,
      majority_wrong_questions: byMajority.majorityWrong.mixedGroups,
    },
    f1: t.f1,
    accuracy: t.accuracy,
    precision: t.precision,
    recall: t.recall,
    ece: calibration(testRewards, labels).ece,
    kind: main.model.config.kind,
    best_epoch: fit.bestEpoch,
    epochs_run: fit.history.length,
    stop_reason: fit.stopReason,
    validation: { auroc: fit.best.auroc, f1: fit.best.f1 },
    ...(settings.ensemble
      ? {
          ensemble: {
            raw_weight: settings.rawWeight,
            weight_candidates: settings.ensemble.all.map((w) => ({ raw_weight: w.rawWeight, beta: w.beta, validation_accuracy: w.expectedAccuracy })),
            members: members.map((m, i) => ({
              input: m.input,
              test_auroc: aurocOrNull(testMemberScores[i]!, labels),
              best_epoch: m.fit.bestEpoch,
              epochs_run: m.fit.history.length,
              stop_reason: m.fit.stopReason,
              validation: { auroc: m.fit.best.auroc, f1: m.fit.best.f1 },
            })),
          },
        }
      : {}),
  };
}

function crossDomainMatrix(domains: readonly DomainSets[], models: ReadonlyMap<string, TrainedLrm | string>, runs: number, betas: readonly number[], seed: Seed): CrossDomainJson {
  const sources = [...domains.map((d) => d.domain), ...(models.has('pooled') ? ['pooled'] : [])];
  const targets = domains.map((d) => d.domain);
  const auroc: (number | null)[][] = [];
  const lto: (number | null)[][] = [];
  const beta: (number | null)[] = [];
  for (const source of sources) {
    const trained = models.get(source)!;
    if (typeof trained === 'string') {
      auroc.push(targets.map(() => null));
      lto.push(targets.map(() => null));
      beta.push(null);
      continue;
    }
    // Beta (and the ensemble's weight) from the source's own validation split(s): no target data is used to tune the transfer.
    const sourceSets = source === 'pooled' ? domains : domains.filter((d) => d.domain === source);
    const settings = chooseRewardSettings(trained, sourceSets.map((d) => d.validation), runs, betas, `cross-domain: ${source}`);
    const b = settings.beta;
    const score = scorer(trained, settings.rawWeight);
    beta.push(b);
    const rowAuroc: (number | null)[] = [];
    const rowLto: (number | null)[] = [];
    for (const d of domains) {
      const rewards = score(d.test);
      rowAuroc.push(aurocOrNull(rewards, d.test.correct()));
      const pools = poolsFromSet(d.test, questionGroups(d.test, runs, `cross-domain: ${d.domain} test`), rewards);
      // The same LTO seed as the in-domain evaluation, so that the diagonal equals the per-domain LTO accuracy.
      rowLto.push(evaluateMethods(pools, { beta: b, methods: ['lto'], seed: deriveSeed(seed, 'methods', d.domain), compare: false, bootstrap: { samples: 1 } }).methods.lto!.accuracy);
    }
    auroc.push(rowAuroc);
    lto.push(rowLto);
  }
  return { sources, targets, auroc, lto_accuracy: lto, beta };
}

function sweepJson(methods: Partial<Record<MethodName, { accuracy: number; interval: Interval; latentSteps: number }>>): Partial<Record<MethodName, MethodJson>> {
  const out: Partial<Record<MethodName, MethodJson>> = {};
  for (const [name, p] of Object.entries(methods)) out[name as MethodName] = methodJson(p!);
  return out;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Up to `count` distinct integers evenly spaced from 1 to n, n included. */
export function evenlySpaced(n: number, count: number): number[] {
  if (n <= count) return range(1, n);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round(1 + ((n - 1) * i) / (count - 1))))];
}
