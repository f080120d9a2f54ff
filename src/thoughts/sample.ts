/**
 * Sampling a trajectory set: every question answered by N runs (each with its own initial state
 * and step noise, seeded by question id and run index), generated in batches of questions x runs,
 * scored, and pooled into one trajectory per run.
 *
 * With `partsDir`, every finished batch is saved there as its own small set before the next one
 * starts; a later call with the same settings loads those and samples only what is missing, so an
 * interrupted sampling loses at most the batch in progress.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { generate } from '../model/generate.js';
import type { RecurrentDepthModel } from '../model/recurrent-depth-model.js';
import type { TestTimeNoise } from '../model/test-time-noise.js';
import type { Tokenizer } from '../model/tokenizer/tokenizer.js';
import { promptIds } from '../evaluation/accuracy.js';
import { scoreSynthetic, type AnswerScore } from '../tasks/scoring.js';
import { MAX_TARGET_CHARS } from '../tasks/task.js';
import { deriveSeed, type Seed } from '../tensor/random.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkpointFingerprint } from '../io/checkpoint-fingerprint.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type TrajectoryManifest } from './manifest.js';
import { POOLINGS, isPooling, poolTokenLatents, type Pooling } from './pooling.js';
import type { RunRecord } from './run-record.js';
import { loadTrajectorySet, saveTrajectorySet, MANIFEST_FILE } from './storage.js';
import { TrajectorySet, type TokenLatents } from './trajectory-set.js';
import { LIBRARY_VERSION } from '../version.js';

/** What sampling needs of a question (TaskItem has it; real datasets map onto it). */
export interface SamplingItem {
  readonly id: string;
  readonly domain: string;
  readonly difficulty?: number;
  readonly question: string;
  readonly answer: string;
}

export interface SampleOptions {
  /** Runs per question (N). */
  readonly runs: number;
  /** Recurrence steps T (default: the model's mean_recurrence). */
  readonly steps?: number;
  readonly seed?: Seed;
  readonly initScale?: number;
  /** Test-time noise (default: the model config's). */
  readonly noise?: TestTimeNoise;
  /** How token latents become one trajectory (default 'mean', as the paper). */
  readonly pooling?: Pooling;
  /** Keep the unpooled per-token latents as well (memory: tokens x (T + 1) x width per run). */
  readonly keepTokenLatents?: boolean;
  /** Default: the synthetic tasks' longest target + 2. */
  readonly maxNewTokens?: number;
  /** Questions per generation batch (rows = questions x runs). Default: as many as fit 160 rows. */
  readonly questionsPerBatch?: number;
  /** Scores an output against its item (default: the synthetic-task rule, `#### answer`). */
  readonly score?: (output: string, item: SamplingItem) => AnswerScore;
  /** Split name recorded in the manifest. */
  readonly split?: string;
  /** Folder where finished batches are kept, making the sampling resumable. */
  readonly partsDir?: string;
  readonly onProgress?: (doneQuestions: number, totalQuestions: number) => void;
}

interface Resolved {
  readonly runs: number;
  readonly steps: number;
  readonly seed: Seed;
  readonly initScale: number;
  readonly noise: TestTimeNoise;
  readonly pooling: Pooling;
  readonly keepTokenLatents: boolean;
  readonly maxNewTokens: number;
  readonly questionsPerBatch: number;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`sampleTrajectories: ${name} must be a positive integer, got ${value}`);
  return value;
}

function resolve(model: RecurrentDepthModel, o: SampleOptions): Resolved {
  const runs = positiveInteger(o.runs, 'runs');
  const pooling = o.pooling ?? 'mean';
  if (!isPooling(pooling)) throw new Error(`sampleTrajectories: pooling must be one of ${POOLINGS.join(', ')}, got ${JSON.stringify(pooling)}`);
  return {
    runs,
    steps: positiveInteger(o.steps ?? model.config.meanRecurrence, 'steps'),
    seed: o.seed ?? 0,
    initScale: o.initScale ?? 1,
    noise: o.noise ?? model.config.testTimeNoise,
    pooling,
    keepTokenLatents: o.keepTokenLatents ?? false,
    maxNewTokens: positiveInteger(o.maxNewTokens ?? MAX_TARGET_CHARS + 2, 'maxNewTokens'),
    questionsPerBatch: positiveInteger(o.questionsPerBatch ?? Math.max(1, Math.floor(160 / runs)), 'questionsPerBatch'),
  };
}

/** The folder's model fingerprint, or a description when the model did not come from a folder. */
async function modelIdentity(model: RecurrentDepthModel): Promise<{ source: string; fingerprint: string }> {
  const isFolder = await fsp.stat(model.source).then((s) => s.isDirectory(), () => false);
  return { source: model.source, fingerprint: isFolder ? await checkpointFingerprint(model.source) : 'unknown' };
}

function baseManifest(identity: { source: string; fingerprint: string }, items: readonly SamplingItem[], r: Resolved, split: string | undefined, width: number, nRuns: number): TrajectoryManifest {
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    library_version: LIBRARY_VERSION,
    model: identity,
    tasks: { split: split ?? null, domains: [...new Set(items.map((i) => i.domain))], questions: new Set(items.map((i) => i.id)).size },
    sampling: {
      runs_per_question: r.runs,
      steps: r.steps,
      seed: r.seed,
      init_scale: r.initScale,
      noise: { scale: r.noise.scale, schedule: r.noise.schedule },
      pooling: r.pooling,
      max_new_tokens: r.maxNewTokens,
    },
    n_runs: nRuns,
    states: r.steps + 1,
    width,
    token_latents: r.keepTokenLatents,
    files: { tensors: '', table: '' },
    table_sha256: '0'.repeat(64),
    created: new Date().toISOString(),
  };
}

/** Generates, scores and pools one batch of questions. */
function sampleBatch(model: RecurrentDepthModel, tokenizer: Tokenizer, batch: readonly SamplingItem[], r: Resolved, score: NonNullable<SampleOptions['score']>, manifest: TrajectoryManifest): TrajectorySet {
  const h = model.config.nEmbd;
  const states = r.steps + 1;
  const seeds = batch.flatMap((item) => Array.from({ length: r.runs }, (_, run) => deriveSeed(r.seed, item.id, run)));
  const result = generate(model, batch.map((item) => promptIds(tokenizer, item)), {
    maxNewTokens: r.maxNewTokens,
    steps: r.steps,
    runs: r.runs,
    rowSeeds: seeds,
    initScale: r.initScale,
    noise: r.noise,
    stopTokens: tokenizer.specialTokens.eos,
    recordLatents: true,
  });
  const runs: RunRecord[] = [];
  const pooled = new Float32Array(result.sequences.length * states * h);
  const tokenChunks: Float32Array[] = [];
  const offsets = new Int32Array(result.sequences.length + 1);
  result.sequences.forEach((seq, i) => {
    const item = batch[seq.prompt]!;
    const output = tokenizer.decode(seq.tokens, { skipSpecialTokens: true });
    const s = score(output, item);
    runs.push({
      question_id: item.id,
      domain: item.domain,
      difficulty: item.difficulty ?? 0,
      run: seq.run,
      seed: seeds[i]!,
      question: item.question,
      output,
      answer: s.extracted ?? null,
      gold: item.answer,
      correct: s.correct,
      tokens: seq.tokens.length,
      mean_steps: seq.stepsUsed.reduce((a, b) => a + b, 0) / seq.stepsUsed.length,
    });
    pooled.set(poolTokenLatents(seq.latents!, seq.tokens.length, states, h, r.pooling), i * states * h);
    offsets[i + 1] = offsets[i]! + seq.tokens.length;
    if (r.keepTokenLatents) tokenChunks.push(seq.latents!);
  });
  let tokenLatents: TokenLatents | undefined;
  if (r.keepTokenLatents) {
    const data = new Float32Array(offsets[runs.length]! * states * h);
    let at = 0;
    for (const c of tokenChunks) {
      data.set(c, at);
      at += c.length;
    }
    tokenLatents = { data, offsets };
  }
  return new TrajectorySet(runs, { data: pooled, runs: runs.length, steps: states, width: h }, { ...manifest, n_runs: runs.length, token_latents: r.keepTokenLatents }, tokenLatents);
}

/** Concatenates sets sampled with the same settings (their manifests' provenance must agree). */
export function concatTrajectorySets(sets: readonly TrajectorySet[], manifest: TrajectoryManifest): TrajectorySet {
  const runs = sets.flatMap((s) => [...s.runs]);
  const width = manifest.width;
  const states = manifest.states;
  const data = new Float32Array(runs.length * states * width);
  let at = 0;
  for (const s of sets) {
    if (s.width !== width || s.states !== states) throw new Error(`concatTrajectorySets: a part has ${s.states} states x width ${s.width}, expected ${states} x ${width}`);
    data.set(s.trajectories.data, at);
    at += s.trajectories.data.length;
  }
  let tokenLatents: TokenLatents | undefined;
  if (sets.length > 0 && sets.every((s) => s.tokenLatents)) {
    const offsets = new Int32Array(runs.length + 1);
    runs.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.tokens));
    const tokenData = new Float32Array(offsets[runs.length]! * states * width);
    let t = 0;
    for (const s of sets) {
      tokenData.set(s.tokenLatents!.data, t);
      t += s.tokenLatents!.data.length;
    }
    tokenLatents = { data: tokenData, offsets };
  }
  return new TrajectorySet(runs, { data, runs: runs.length, steps: states, width }, { ...manifest, n_runs: runs.length, token_latents: tokenLatents !== undefined }, tokenLatents);
}

const SPEC_FILE = 'sampling.json';

/** What must be equal for stored parts to be reused: model, questions, settings, batching. */
function samplingSpec(identity: { fingerprint: string }, items: readonly SamplingItem[], r: Resolved): string {
  const questions = createHash('sha256').update(items.map((i) => `${i.id}\0${i.question}\0${i.answer}`).join('\n')).digest('hex');
  return JSON.stringify({ model: identity.fingerprint, questions, ...r, noise: { scale: r.noise.scale, schedule: r.noise.schedule } }, null, 2);
}

/** Samples N runs of every item into a trajectory set (see the module comment for resuming). */
export async function sampleTrajectories(model: RecurrentDepthModel, tokenizer: Tokenizer, items: readonly SamplingItem[], options: SampleOptions): Promise<TrajectorySet> {
  const r = resolve(model, options);
  if (new Set(items.map((i) => i.id)).size !== items.length) throw new Error('sampleTrajectories: item ids must be unique');
  const identity = await modelIdentity(model);
  const manifest = baseManifest(identity, items, r, options.split, model.config.nEmbd, 0);
  const score = options.score ?? ((output: string, item: SamplingItem) => scoreSynthetic(output, item));
  const batches: SamplingItem[][] = [];
  for (let start = 0; start < items.length; start += r.questionsPerBatch) batches.push(items.slice(start, start + r.questionsPerBatch));

  const partsDir = options.partsDir;
  if (partsDir) {
    await fsp.mkdir(partsDir, { recursive: true });
    const spec = samplingSpec(identity, items, r);
    const specPath = join(partsDir, SPEC_FILE);
    if (existsSync(specPath)) {
      if ((await fsp.readFile(specPath, 'utf8')) !== spec) {
        throw new Error(`${partsDir}: holds parts of a sampling with other settings, questions or model; use another folder or delete it`);
      }
    } else {
      await writeFileAtomic(specPath, spec);
    }
  }
  const parts: TrajectorySet[] = [];
  let done = 0;
  for (const [b, batch] of batches.entries()) {
    const partDir = partsDir ? join(partsDir, `part-${String(b).padStart(5, '0')}`) : undefined;
    let part: TrajectorySet;
    if (partDir && existsSync(join(partDir, MANIFEST_FILE))) {
      part = await loadTrajectorySet(partDir);
    } else {
      part = sampleBatch(model, tokenizer, batch, r, score, manifest);
      if (partDir) await saveTrajectorySet(part, partDir);
    }
    parts.push(part);
    done += batch.length;
    options.onProgress?.(done, items.length);
  }
  return concatTrajectorySets(parts, { ...manifest, created: new Date().toISOString() });
}
