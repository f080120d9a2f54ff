/**
 * `lto optimize`: the LRM + LTO evaluation of the task suite (src/optimize/experiment.ts) from the
 * model on disk. For each domain it samples (or loads) three trajectory sets under `--sets DIR`:
 *   {sets}/{domain}/train-T{T}       the first --train-questions (default 300) questions of the
 *                                    train split, --train-runs runs each (default --runs): the
 *                                    12000-question split x 20 runs is far too much on a CPU;
 *   {sets}/{domain}/validation-T{T}  the first --validation-questions (default: all 500), --runs runs;
 *   {sets}/{domain}/test-T{T}        the first --test-questions (default: all 500), --runs runs;
 * and, for every T' in --depths, {sets}/{domain}/test-T{T'} (accuracy versus steps).
 * Each folder holds parts (part-00000, ...) of a fixed number of questions, written as soon as
 * they are sampled, so an interrupted run resumes where it stopped; a part sampled with other
 * settings or another model is an error (use another --sets folder), a part of other questions is
 * resampled. With `--early-prefix tokens` (the default) the validation and test parts also keep,
 * per token checkpoint k (--token-checkpoints, default 2,4,8), every run's latents mean-pooled
 * over its first k tokens (token-prefixes.safetensors), for realisable early rejection; with
 * `--prefix-lrm` so do the train parts, for the LRM that gives early rejection its prefix rewards
 * (train parts stored without them are sampled again: the same runs). The per-token latents
 * themselves are not stored. Trained LRMs are cached under {sets}/lrm (keyed on
 * their training data and options), so a re-run on the same sets loads them instead of training.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { STANDARD_MODEL_LAYERS, loadModelWithTokenizer, type LoadedModel } from '../model/default-model.js';
import { checkpointFingerprint } from '../io/checkpoint-fingerprint.js';
import { SafetensorsFile, writeSafetensors, type WritableTensor } from '../io/safetensors.js';
import { readTaskJsonl } from '../tasks/jsonl.js';
import { DOMAINS, isDomain, MAX_TARGET_CHARS, type Domain, type TaskItem } from '../tasks/task.js';
import type { TestTimeNoise } from '../model/test-time-noise.js';
import type { Decoding } from '../model/sampling.js';
import { sampleTrajectories, concatTrajectorySets, type SampleOptions } from '../thoughts/sample.js';
import { loadTrajectorySet, saveTrajectorySet } from '../thoughts/storage.js';
import { samplingDifferences } from '../thoughts/sampling-differences.js';
import { TrajectorySet } from '../thoughts/trajectory-set.js';
import type { TrajectoryArray } from '../tensor/trajectory-array.js';
import { checkTokenCheckpoints, tokenPrefixTrajectories, type TokenPrefixes } from '../optimize/early-rejection.js';
import { runExperiment, DEFAULT_BETAS, DEFAULT_LRM_INPUT, LRM_INPUTS, type DomainSets, type LrmInput } from '../optimize/experiment.js';
import { DEFAULT_TASKS_DIR } from './train-command.js';
import { UsageError, decodingOption, openGenerationPool, thinkingSettings, workersOption } from './options.js';
import type { GenerationPool } from '../model/generation-pool.js';

export const OPTIMIZE_USAGE = `  lto optimize [--model DIR] [--sets DIR] [--domain D] [--runs N] [--steps T] [--seed S] [--noise X] [--noise-type T] [--init-scale X]
      [--train-questions N] [--train-runs N] [--validation-questions N] [--test-questions N] [--max-new-tokens N]
      [--lrm transformer|probe] [--lrm-input question-centred|raw|raw-and-centred|ensemble] [--epochs N] [--lr X] [--ranking-weight X] [--betas B,B,..] [--early-prefix tokens|steps] [--token-checkpoints K,K,..] [--prefix-lrm]
      [--depths T,T,..] [--no-cross-domain] [--tasks DIR] [--workers N] [--record NAME,NAME,..] [--temperature X] --json
                                      LRM and LTO on every domain's test split (N runs, beta chosen on validation):
                                      every method with bootstrap CIs, early rejection, sweeps over N, beta and steps,
                                      and the cross-domain matrix; trajectory sets cached and resumable under --sets
                                      (default out/optimize-sets); --train-questions defaults to 300;
                                      --workers N samples in N worker threads (default 1 = in-process; 2 on a 2-core machine);
                                      general-model path: a standard model (lto train --standard) uses its per-layer
                                      states embed,prelude.out,latent.1,coda.out (or --record) and needs --temperature X
                                      for diverse runs; --lrm-input raw feeds the LRM the trajectories as sampled
                                      (the paper) instead of centred on each question's mean (the default);
                                      --lrm-input ensemble trains both and mixes their logits with a raw weight chosen
                                      with beta on validation;
                                      --ranking-weight X adds a within-question ranking term to the LRM's loss (default 0);
                                      --prefix-lrm also keeps the train parts' token prefixes and trains a second LRM on
                                      them, which gives early rejection its prefix rewards`;

export interface OptimizeArgs {
  readonly model?: string;
  readonly sets?: string;
  readonly tasks?: string;
  readonly domain?: string;
  readonly noiseType?: string;
  /** `transformer` (default) or `probe`. */
  readonly lrm?: string;
  /** `question-centred` (default), `raw`, `raw-and-centred` or `ensemble`. */
  readonly lrmInput?: string;
  /** `tokens` (default) or `steps`. */
  readonly earlyPrefix?: string;
  /** Comma-separated lists. */
  readonly betas?: string;
  readonly tokenCheckpoints?: string;
  readonly depths?: string;
  /** false with --no-cross-domain. */
  readonly crossDomain?: boolean;
  /** --prefix-lrm: early rejection's prefix rewards from an LRM trained on the train split's token prefixes. */
  readonly prefixLrm?: boolean;
  /** --record: comma-separated state names making up a trajectory (default: per-layer states for a standard model). */
  readonly record?: string;
  /** runs, steps, seed, train-questions, train-runs, validation-questions, test-questions, max-new-tokens, epochs, workers (integers); noise, init-scale, lr (numbers). */
  readonly numbers: Readonly<Record<string, number | undefined>>;
  /** Library callers only: how an output is scored (default: the synthetic-task rule). */
  readonly score?: SampleOptions['score'];
  /** Library callers only: where progress lines go (default stderr). */
  readonly log?: (line: string) => void;
  /** Library callers only: where the JSON goes (default stdout). */
  readonly write?: (text: string) => void;
}

export const DEFAULT_SETS_DIR = join('out', 'optimize-sets');
/** Sub-folder of --sets caching the trained LRMs. */
export const LRM_CACHE_DIR = 'lrm';
export const DEFAULT_TRAIN_QUESTIONS = 300;
export const DEFAULT_TOKEN_CHECKPOINTS: readonly number[] = [2, 4, 8];
const PREFIX_FILE = 'token-prefixes.safetensors';

function list(text: string | undefined, name: string, integer: boolean): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || (integer && !Number.isInteger(v)))) throw new UsageError(`--${name} expects a comma-separated list of ${integer ? 'integers' : 'numbers'}, got "${text}"`);
  return values;
}

function positive(value: number | undefined, name: string, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer, got ${v}`);
  return v;
}

interface SplitSpec {
  readonly split: string;
  readonly items: readonly TaskItem[];
  readonly runs: number;
  readonly steps: number;
  readonly tokenCheckpoints?: readonly number[];
}

interface SamplingContext {
  readonly loaded: LoadedModel;
  readonly fingerprint: string;
  readonly seed: number;
  readonly noise: TestTimeNoise;
  readonly initScale: number;
  readonly maxNewTokens: number;
  /** Per-layer state names (the general-model path), or undefined for latent.0 .. latent.T. */
  readonly record?: readonly string[];
  readonly decoding: Decoding;
  readonly score?: SampleOptions['score'];
  readonly log: (line: string) => void;
  /** Worker threads on loaded.dir that generate the batches (default: in-process). */
  readonly pool?: GenerationPool;
}

async function readPrefixes(path: string, tokens: readonly number[], set: TrajectorySet): Promise<TokenPrefixes | undefined> {
  if (!existsSync(path)) return undefined;
  const file = await SafetensorsFile.open(path);
  try {
    const trajectories: TrajectoryArray[] = [];
    for (const k of tokens) {
      const name = `prefix.${k}`;
      if (!file.has(name)) return undefined;
      const data = await file.readFloat32(name);
      if (data.length !== set.size * set.states * set.width) throw new Error(`${path}: tensor ${name} has ${data.length} values, expected ${set.size} x ${set.states} x ${set.width}`);
      trajectories.push({ data, runs: set.size, steps: set.states, width: set.width });
    }
    return { tokens: [...tokens], trajectories };
  } finally {
    await file.close();
  }
}

/**
 * Samples (or loads) one split in parts of `questionsPerPart` questions under `dir`; with token
 * checkpoints, also the token-prefix trajectories of every part.
 */
export async function loadOrSampleSplit(ctx: SamplingContext, spec: SplitSpec, dir: string, questionsPerPart: number): Promise<{ set: TrajectorySet; prefixes?: TokenPrefixes }> {
  if (spec.items.length === 0) throw new Error(`${dir}: the ${spec.split} split has no questions to sample`);
  await fsp.mkdir(dir, { recursive: true });
  const sets: TrajectorySet[] = [];
  const prefixes: TokenPrefixes[] = [];
  const options: SampleOptions = {
    runs: spec.runs, steps: spec.steps, seed: ctx.seed, noise: ctx.noise, initScale: ctx.initScale, maxNewTokens: ctx.maxNewTokens, split: spec.split,
    decoding: ctx.decoding, ...(ctx.record ? { record: ctx.record } : {}),
    keepTokenLatents: spec.tokenCheckpoints !== undefined, ...(ctx.score ? { score: ctx.score } : {}), ...(ctx.pool ? { pool: ctx.pool } : {}),
  };
  for (let start = 0, part = 0; start < spec.items.length; start += questionsPerPart, part++) {
    const chunk = spec.items.slice(start, start + questionsPerPart);
    const partDir = join(dir, `part-${String(part).padStart(5, '0')}`);
    let set: TrajectorySet | undefined;
    let prefix: TokenPrefixes | undefined;
    if (existsSync(join(partDir, 'manifest.json'))) {
      const stored = await loadTrajectorySet(partDir);
      const differing = samplingDifferences(stored.manifest, ctx.fingerprint, ctx.loaded.model, options);
      if (differing.length) throw new Error(`${partDir}: sampled with another ${differing.join(', ')}; use another --sets folder or delete it`);
      const sameQuestions = stored.questionIds().join('\n') === chunk.map((i) => i.id).join('\n');
      if (sameQuestions) {
        prefix = spec.tokenCheckpoints ? await readPrefixes(join(partDir, PREFIX_FILE), spec.tokenCheckpoints, stored) : undefined;
        if (!spec.tokenCheckpoints || prefix) set = stored;
      }
    }
    if (!set) {
      const sampled = await sampleTrajectories(ctx.loaded.model, ctx.loaded.tokenizer, chunk, options);
      if (spec.tokenCheckpoints) {
        prefix = tokenPrefixTrajectories(sampled, spec.tokenCheckpoints);
        const tensors: Record<string, WritableTensor> = {};
        prefix.tokens.forEach((k, c) => (tensors[`prefix.${k}`] = { dtype: 'F32', shape: [sampled.size, sampled.states, sampled.width], data: prefix!.trajectories[c]!.data }));
        await fsp.rm(partDir, { recursive: true, force: true });
        await fsp.mkdir(partDir, { recursive: true });
        await writeSafetensors(join(partDir, PREFIX_FILE), tensors, { tokens: prefix.tokens.join(',') });
      }
      // The per-token latents are dropped: only the pooled trajectories (and the prefixes) are kept.
      set = new TrajectorySet(sampled.runs, sampled.trajectories, { ...sampled.manifest, token_latents: false });
      await saveTrajectorySet(set, partDir);
    }
    sets.push(set);
    if (prefix) prefixes.push(prefix);
    ctx.log(`${dir}: ${Math.min(start + questionsPerPart, spec.items.length)}/${spec.items.length} questions`);
  }
  const set = concatTrajectorySets(sets, { ...sets[0]!.manifest, tasks: { ...sets[0]!.manifest.tasks, questions: spec.items.length } });
  if (!spec.tokenCheckpoints) return { set };
  const per = set.states * set.width;
  const joined = spec.tokenCheckpoints.map((_, c) => {
    const data = new Float32Array(set.size * per);
    let at = 0;
    for (const p of prefixes) {
      data.set(p.trajectories[c]!.data, at);
      at += p.trajectories[c]!.data.length;
    }
    return { data, runs: set.size, steps: set.states, width: set.width };
  });
  return { set, prefixes: { tokens: [...spec.tokenCheckpoints], trajectories: joined } };
}

export async function runOptimize(args: OptimizeArgs): Promise<number> {
  const n = args.numbers;
  if (args.domain !== undefined && !isDomain(args.domain)) throw new UsageError(`--domain must be one of ${DOMAINS.join(', ')}, got "${args.domain}"`);
  const lrmKind = args.lrm ?? 'transformer';
  if (lrmKind !== 'transformer' && lrmKind !== 'probe') throw new UsageError(`--lrm must be transformer or probe, got "${lrmKind}"`);
  const lrmInput = (args.lrmInput ?? DEFAULT_LRM_INPUT) as LrmInput;
  if (!LRM_INPUTS.includes(lrmInput)) throw new UsageError(`--lrm-input must be one of ${LRM_INPUTS.join(', ')}, got "${lrmInput}"`);
  const earlyPrefix = args.earlyPrefix ?? 'tokens';
  if (earlyPrefix !== 'tokens' && earlyPrefix !== 'steps') throw new UsageError(`--early-prefix must be tokens or steps, got "${earlyPrefix}"`);
  if (args.prefixLrm && earlyPrefix !== 'tokens') throw new UsageError('--prefix-lrm trains on token prefixes; it needs --early-prefix tokens (the default)');
  const runs = positive(n['runs'], 'runs', 20);
  const trainRuns = positive(n['train-runs'], 'train-runs', runs);
  const trainQuestions = positive(n['train-questions'], 'train-questions', DEFAULT_TRAIN_QUESTIONS);
  const validationQuestions = n['validation-questions'] === undefined ? undefined : positive(n['validation-questions'], 'validation-questions', 1);
  const testQuestions = n['test-questions'] === undefined ? undefined : positive(n['test-questions'], 'test-questions', 1);
  const maxNewTokens = positive(n['max-new-tokens'], 'max-new-tokens', MAX_TARGET_CHARS + 2);
  const epochs = positive(n['epochs'], 'epochs', 10);
  const workers = workersOption(n['workers']);
  const decoding = decodingOption(n['temperature']);
  const learningRate = n['lr'] ?? 1e-3;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new UsageError(`--lr must be a positive number, got ${learningRate}`);
  const rankingWeight = n['ranking-weight'] ?? 0;
  if (!(rankingWeight >= 0) || !Number.isFinite(rankingWeight)) throw new UsageError(`--ranking-weight must be a finite number >= 0, got ${rankingWeight}`);
  const seed = n['seed'] ?? 0;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seed}`);
  const betas = list(args.betas, 'betas', false) ?? [...DEFAULT_BETAS];
  if (betas.some((b) => !(b > 0))) throw new UsageError(`--betas must all be > 0, got "${args.betas}"`);
  const tokenCheckpoints = list(args.tokenCheckpoints, 'token-checkpoints', true) ?? [...DEFAULT_TOKEN_CHECKPOINTS];
  try {
    checkTokenCheckpoints(tokenCheckpoints, '--token-checkpoints');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const depths = list(args.depths, 'depths', true) ?? [];
  if (depths.some((t) => t < 1)) throw new UsageError(`--depths must be positive integers, got "${args.depths}"`);
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const write = args.write ?? ((text: string) => process.stdout.write(text));
  const domains: Domain[] = args.domain ? [args.domain as Domain] : [...DOMAINS];
  const setsDir = resolve(args.sets ?? DEFAULT_SETS_DIR);
  const tasksDir = args.tasks ?? DEFAULT_TASKS_DIR;

  const loaded = await loadModelWithTokenizer(args.model);
  let pool: GenerationPool | undefined;
  try {
    const { steps, initScale, noise } = thinkingSettings({ steps: n['steps'], initScale: n['init-scale'], noise: n['noise']?.toString(), noiseType: args.noiseType }, loaded.model.config);
    pool = await openGenerationPool(loaded.dir, workers, log);
    // A model whose blocks run once from s0 = 0 has no latent recurrence: its latent thoughts are its per-layer states.
    const record = args.record !== undefined ? args.record.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : loaded.model.config.stateInit === 'zero' ? [...STANDARD_MODEL_LAYERS] : undefined;
    const ctx: SamplingContext = { loaded, fingerprint: await checkpointFingerprint(loaded.dir), seed, noise, initScale, maxNewTokens, decoding, ...(record ? { record } : {}), ...(args.score ? { score: args.score } : {}), log, ...(pool ? { pool } : {}) };
    const perPart = 4 * Math.max(1, Math.floor(160 / runs));
    const sets: DomainSets[] = [];
    for (const domain of domains) {
      const read = async (split: string, limit: number | undefined): Promise<TaskItem[]> => {
        const items = await readTaskJsonl(join(tasksDir, domain, `${split}.jsonl`));
        return limit === undefined ? items : items.slice(0, limit);
      };
      const tokens = earlyPrefix === 'tokens' ? tokenCheckpoints : undefined;
      const trainTokens = args.prefixLrm ? tokens : undefined;
      const train = await loadOrSampleSplit(ctx, { split: 'train', items: await read('train', trainQuestions), runs: trainRuns, steps, ...(trainTokens ? { tokenCheckpoints: trainTokens } : {}) }, join(setsDir, domain, `train-T${steps}`), perPart);
      const testItems = await read('test', testQuestions);
      const validation = await loadOrSampleSplit(ctx, { split: 'validation', items: await read('validation', validationQuestions), runs, steps, ...(tokens ? { tokenCheckpoints: tokens } : {}) }, join(setsDir, domain, `validation-T${steps}`), perPart);
      const test = await loadOrSampleSplit(ctx, { split: 'test', items: testItems, runs, steps, ...(tokens ? { tokenCheckpoints: tokens } : {}) }, join(setsDir, domain, `test-T${steps}`), perPart);
      const depthTests: TrajectorySet[] = [];
      for (const t of depths) {
        if (t === steps) continue;
        depthTests.push((await loadOrSampleSplit(ctx, { split: 'test', items: testItems, runs, steps: t }, join(setsDir, domain, `test-T${t}`), perPart)).set);
      }
      sets.push({
        domain,
        train: train.set,
        validation: validation.set,
        test: test.set,
        ...(tokens ? { tokenPrefixes: { validation: validation.prefixes!, test: test.prefixes!, ...(trainTokens ? { train: train.prefixes! } : {}) } } : {}),
        ...(depthTests.length > 0 ? { depthTests } : {}),
      });
    }
    const result = await runExperiment(sets, {
      runs,
      seed,
      betas,
      // Added only when used, so that LRMs cached without it keep their keys.
      lrm: { model: { kind: lrmKind }, epochs, learningRate, ...(rankingWeight > 0 ? { rankingWeight } : {}) },
      lrmInput,
      earlyRejection: { prefix: earlyPrefix },
      ...(args.prefixLrm ? { prefixLrm: true } : {}),
      // Keyed on the trajectories, labels and options: a re-run on the same sets loads the LRMs.
      lrmCacheDir: join(setsDir, LRM_CACHE_DIR),
      ...(args.crossDomain === false ? { crossDomain: false } : {}),
      onProgress: log,
    });
    const out = {
      model: loaded.dir,
      sets: setsDir,
      steps,
      noise: { scale: noise.scale, schedule: noise.schedule },
      init_scale: initScale,
      decoding: ctx.decoding,
      train_questions: trainQuestions,
      train_runs: trainRuns,
      validation_questions: sets.map((s) => s.validation.questionIds().length)[0],
      test_questions: sets.map((s) => s.test.questionIds().length)[0],
      lrm_kind: lrmKind,
      lrm_epochs: epochs,
      lrm_learning_rate: learningRate,
      lrm_ranking_weight: rankingWeight,
      ...result,
    };
    write(`${JSON.stringify(out)}\n`);
  } finally {
    await pool?.close();
    loaded.model.dispose();
  }
  return 0;
}
