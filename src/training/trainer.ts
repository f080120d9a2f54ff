/**
 * Training a small Huginn-architecture model on the task suite, the upstream way: a random number
 * of recurrence steps per batch (poisson-lognormal), truncated backpropagation through the last
 * k steps, a fresh random initial state for every batch; plus a curriculum over difficulty,
 * AdamW with warm-up and cosine decay, gradient clipping, progress, periodic atomic checkpoints
 * (weights + optimizer state) and exact resume. Randomness is derived from (seed, step), so an
 * interrupted run resumed from a checkpoint continues as if it had never stopped.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { huginnConfigJson, parseHuginnConfig, type HuginnConfig } from '../model/config.js';
import { RecurrentDepthModel } from '../model/recurrent-depth-model.js';
import { loadHuginnWeights, type HuginnWeights } from '../model/weights.js';
import { namedWeights, saveCheckpoint } from '../model/save-checkpoint.js';
import { openCheckpointTensors } from '../io/checkpoint.js';
import { SafetensorsFile, writeSafetensors, type WritableTensor } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { CharTokenizer } from '../model/tokenizer/char-tokenizer.js';
import type { Tokenizer } from '../model/tokenizer/tokenizer.js';
import { HUGINN_SPECIAL_TOKENS } from '../model/tokenizer/tokenizer.js';
import { Rng, deriveSeed } from '../tensor/random.js';
import { AdamW, clipByGlobalNorm } from './adamw.js';
import { learningRateAt, sampleRecurrence } from './schedule.js';
import { ExamplePool, collate, tokenId, type Batch } from './examples.js';
import { initialiseWeights } from './initialise.js';
import { TASK_CHARACTERS, type TaskItem } from '../tasks/task.js';
import { weightMatMul } from '../model/layers/weight-matmul.js';

export interface ModelShape {
  readonly nEmbd: number;
  readonly nHeads: number;
  readonly nPrelude: number;
  readonly nCore: number;
  readonly nCoda: number;
  readonly intermediateSize: number;
  readonly meanRecurrence: number;
  readonly meanBackpropDepth: number;
  readonly blockSize: number;
  /**
   * The standard (non-recurrent) baseline: the same blocks run once (prelude, adapter on
   * [0; e], core, coda), s0 = 0, one step with gradient; needs meanRecurrence = meanBackpropDepth = 1.
   */
  readonly standard?: boolean;
}

export interface TrainingConfig {
  readonly shape: ModelShape;
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly warmupSteps: number;
  readonly weightDecay: number;
  readonly gradClip: number;
  /** Highest difficulty at step 0, raised by one every `curriculumEvery` steps (0 = all at once). */
  readonly curriculumStart: number;
  readonly curriculumEvery: number;
  readonly seed: number;
  readonly checkpointEvery: number;
}

export const DEFAULT_TRAINING: TrainingConfig = {
  shape: { nEmbd: 96, nHeads: 4, nPrelude: 1, nCore: 2, nCoda: 1, intermediateSize: 256, meanRecurrence: 8, meanBackpropDepth: 4, blockSize: 256 },
  steps: 3000,
  batchSize: 32,
  learningRate: 2e-3,
  warmupSteps: 200,
  weightDecay: 0.01,
  gradClip: 1,
  curriculumStart: 2,
  curriculumEvery: 500,
  seed: 1,
  checkpointEvery: 100,
};

export interface ProgressReport {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly gradNorm: number;
  readonly learningRate: number;
  readonly maxDifficulty: number;
  readonly recurrence: number;
  readonly secondsPerStep: number;
}

const STATE_FILE = 'training-state.json';
const OPTIMIZER_FILE = 'optimizer.safetensors';
export const TOKENIZER_FILE = 'char-tokenizer.json';

/** The Huginn config for a training shape and vocabulary (keys as on the hub). */
export function configFor(shape: ModelShape, vocabSize: number): HuginnConfig {
  if (shape.standard && (shape.meanRecurrence !== 1 || shape.meanBackpropDepth !== 1)) {
    throw new Error(`a standard transformer runs its core once: meanRecurrence and meanBackpropDepth must be 1, got ${shape.meanRecurrence} and ${shape.meanBackpropDepth}`);
  }
  return parseHuginnConfig(
    huginnConfigJson({ ...shape, intermediate: shape.intermediateSize, vocab: vocabSize, stateInit: shape.standard ? 'zero' : 'like-init' }),
    'training configuration',
  );
}

/** Embedding as a one-hot product: differentiable on every backend (gather's gradient is not on wasm). */
function embedDifferentiable(model: RecurrentDepthModel, ids: tf.Tensor2D): tf.Tensor3D {
  const [b, s] = ids.shape;
  const oneHot = tf.oneHot(tf.reshape(ids, [b * s]), model.config.paddedVocabSize).toFloat() as tf.Tensor2D;
  const rows = weightMatMul(oneHot, tf.transpose(model.weights.wteT));
  return tf.mul(tf.reshape(rows, [b, s, model.config.nEmbd]), model.config.embedScale) as tf.Tensor3D;
}

/** Mean next-token cross-entropy over positions with a label. */
function batchLoss(model: RecurrentDepthModel, ids: tf.Tensor2D, labels: tf.Tensor2D, start: tf.Tensor3D, withGrad: number, firstStep: number, lossTokens: number): tf.Scalar {
  const [b, s] = ids.shape;
  const ctx = model.stepContext(b, s, 0, undefined);
  try {
    const e = model.prelude(embedDifferentiable(model, ids), ctx);
    let state = start;
    for (let t = 0; t < withGrad; t++) state = model.coreStep(state, e, firstStep + t, ctx);
    const out = model.codaOut(state, ctx);
    const logits = model.head(tf.reshape(out, [b * s, model.config.nEmbd]));
    const flatLabels = tf.reshape(labels, [b * s]);
    const mask = tf.cast(tf.greaterEqual(flatLabels, 0), 'float32');
    const safe = tf.maximum(flatLabels, tf.scalar(0, 'int32'));
    const logp = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(safe, model.config.paddedVocabSize)), 1);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, mask))), lossTokens) as tf.Scalar;
  } finally {
    model.disposeContext(ctx);
  }
}

/** The recurrence run without gradient: s_{noGrad} from s0 (prelude recomputed outside the tape). */
function runWithoutGradient(model: RecurrentDepthModel, ids: tf.Tensor2D, s0: tf.Tensor3D, steps: number): tf.Tensor3D {
  if (steps === 0) return s0.clone();
  const [b, s] = ids.shape;
  const ctx = model.stepContext(b, s, 0, undefined);
  try {
    return tf.tidy(() => {
      const e = model.prelude(model.embed(ids), ctx);
      let state = s0;
      for (let t = 1; t <= steps; t++) state = model.coreStep(state, e, t, ctx);
      return state;
    });
  } finally {
    model.disposeContext(ctx);
  }
}

export interface TrainOptions {
  readonly outDir: string;
  readonly train: readonly TaskItem[];
  readonly config: TrainingConfig;
  /** Continue from the checkpoint in outDir when there is one. Default true. */
  readonly resume?: boolean;
  readonly onProgress?: (p: ProgressReport) => void;
  /** Called after each checkpoint is written. */
  readonly onCheckpoint?: (step: number) => void;
  /** Stop (after writing a checkpoint) when this returns true; checked every step. */
  readonly shouldStop?: () => boolean;
}

interface TrainingState {
  readonly step: number;
  readonly config: TrainingConfig;
}

export interface TrainResult {
  readonly step: number;
  readonly finished: boolean;
  readonly lastLoss: number;
}

function sameConfig(a: TrainingConfig, b: TrainingConfig): boolean {
  return JSON.stringify({ ...a, steps: 0 }) === JSON.stringify({ ...b, steps: 0 });
}

/** Trains (or resumes training) and writes checkpoints into `outDir`. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { outDir, config: tc } = options;
  await mkdir(outDir, { recursive: true });
  const tokenizer: Tokenizer = CharTokenizer.fromCharacters(TASK_CHARACTERS);
  const modelConfig = configFor(tc.shape, tokenizer.vocabSize);
  const statePath = join(outDir, STATE_FILE);
  let step = 0;
  let weights: HuginnWeights;
  const resuming = (options.resume ?? true) && existsSync(statePath);
  let savedTokenizer: string | undefined;
  if (resuming) {
    const state = JSON.parse(await readFile(statePath, 'utf8')) as TrainingState;
    if (!sameConfig(state.config, tc)) {
      throw new Error(`${statePath}: the checkpoint was trained with a different configuration; use another --out folder or --no-resume`);
    }
    savedTokenizer = await readFile(join(outDir, TOKENIZER_FILE), 'utf8');
    step = state.step;
    const source = await openCheckpointTensors(outDir);
    try {
      const loaded = await loadHuginnWeights(source, modelConfig);
      weights = asVariables(loaded);
    } finally {
      await source.close();
    }
  } else {
    weights = initialiseWeights(modelConfig, deriveSeed(tc.seed, 'weights'));
  }
  const tokenizerJson = savedTokenizer ?? `${JSON.stringify((tokenizer as CharTokenizer).toJSON())}\n`;
  const model = new RecurrentDepthModel(modelConfig, weights, outDir);
  const named = namedWeights(weights, modelConfig);
  const variables = named.map((n) => n.tensor as tf.Variable);
  const optimizer = new AdamW(variables, named.map((n) => n.name), { weightDecay: tc.weightDecay });
  if (resuming) {
    const file = await SafetensorsFile.open(join(outDir, OPTIMIZER_FILE));
    try {
      const values = new Map<string, Float32Array>();
      for (const name of file.names()) values.set(name, await file.readFloat32(name));
      optimizer.restore(values, step);
    } finally {
      await file.close();
    }
  }

  const pool = new ExamplePool(tokenizer, options.train);
  const padId = tokenId(tokenizer, HUGINN_SPECIAL_TOKENS.pad);
  const h = modelConfig.nEmbd;
  const std = modelConfig.initStd;
  let lastLoss = NaN;

  const save = async (): Promise<void> => {
    await saveCheckpoint(outDir, modelConfig, weights, { extraFiles: { [TOKENIZER_FILE]: tokenizerJson } });
    const moments: Record<string, WritableTensor> = {};
    for (const [name, t] of optimizer.stateTensors()) moments[name] = { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array };
    await writeSafetensors(join(outDir, OPTIMIZER_FILE), moments);
    // The state file is written last: it names a step whose weights and moments are on disk.
    await writeFileAtomic(statePath, `${JSON.stringify({ step, config: tc } satisfies TrainingState, null, 2)}\n`);
    options.onCheckpoint?.(step);
  };

  try {
    while (step < tc.steps) {
      const started = Date.now();
      const rng = new Rng(deriveSeed(tc.seed, 'step', step));
      const maxDifficulty = tc.curriculumEvery > 0 ? Math.min(5, tc.curriculumStart + Math.floor(step / tc.curriculumEvery)) : 5;
      const batch: Batch = collate(pool.sample(rng, tc.batchSize, maxDifficulty), padId);
      const { noGrad, withGrad } = tc.shape.standard ? { noGrad: 0, withGrad: 1 } : sampleRecurrence(rng, modelConfig.meanRecurrence, modelConfig.meanBackpropDepth);
      const b = batch.ids.length;
      const s = batch.ids[0]!.length;
      const s0 = tc.shape.standard ? tf.zeros([b, s, h]) as tf.Tensor3D : tf.tensor3d(Float32Array.from(rng.truncatedNormalArray(b * s * h, std), (v) => v * modelConfig.embedScale), [b, s, h]);
      const ids = tf.tensor2d(batch.ids, [b, s], 'int32');
      const labels = tf.tensor2d(batch.labels, [b, s], 'int32');
      const start = runWithoutGradient(model, ids, s0, noGrad);
      const lr = learningRateAt(step, tc.learningRate, tc.warmupSteps, tc.steps);
      let gradNorm = 0;
      try {
        const { value, grads } = tf.variableGrads(() => batchLoss(model, ids, labels, start, withGrad, noGrad + 1, batch.lossTokens), variables);
        const ordered = variables.map((v) => grads[v.name]!);
        const { clipped, norm } = clipByGlobalNorm(ordered, tc.gradClip);
        gradNorm = norm;
        optimizer.apply(clipped, lr);
        lastLoss = value.dataSync()[0]!;
        value.dispose();
        for (const g of Object.values(grads)) g.dispose();
        if (clipped !== ordered) for (const g of clipped) g.dispose();
      } finally {
        for (const t of [s0, ids, labels, start]) t.dispose();
      }
      if (!Number.isFinite(lastLoss)) throw new Error(`training diverged at step ${step} (loss ${lastLoss}); lower the learning rate`);
      step += 1;
      options.onProgress?.({ step, steps: tc.steps, loss: lastLoss, gradNorm, learningRate: lr, maxDifficulty, recurrence: noGrad + withGrad, secondsPerStep: (Date.now() - started) / 1000 });
      // One turn of the event loop per step, so that a signal handler (lto train's Ctrl-C) or a
      // timer can set the stop flag now rather than at the next checkpoint's file writes.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const stop = options.shouldStop?.() ?? false;
      if (step % tc.checkpointEvery === 0 || step === tc.steps || stop) await save();
      if (stop) break;
    }
    return { step, finished: step >= tc.steps, lastLoss };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** Loaded weights turned into trainable variables (the loaded constants are released). */
function asVariables(w: HuginnWeights): HuginnWeights {
  const v = <T extends tf.Tensor>(t: T): T => {
    const out = tf.variable(t, true) as unknown as T;
    t.dispose();
    return out;
  };
  const block = (b: HuginnWeights['core'][number]) => ({
    norm1: v(b.norm1),
    norm2: v(b.norm2),
    norm3: v(b.norm3),
    norm4: v(b.norm4),
    attn: { wqkvT: v(b.attn.wqkvT), qkBias: b.attn.qkBias ? v(b.attn.qkBias) : undefined, projT: v(b.attn.projT) },
    mlp: { fcT: v(b.mlp.fcT), projT: v(b.mlp.projT) },
  });
  return {
    wteT: v(w.wteT),
    lmHeadT: w.lmHeadT ? v(w.lmHeadT) : undefined,
    adapterT: v(w.adapterT),
    lnF: v(w.lnF),
    prelude: w.prelude.map(block),
    core: w.core.map(block),
    coda: w.coda.map(block),
  };
}
