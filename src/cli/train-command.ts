/** `lto train`: trains a small recurrent-depth model on the task suite (see src/training). */
import { join, resolve } from 'node:path';
import { DEFAULT_TRAINING, train, type TrainingConfig } from '../training/trainer.js';
import { readTaskJsonl } from '../tasks/jsonl.js';
import { DOMAINS } from '../tasks/task.js';

export const TRAIN_USAGE = `  lto train --out DIR                 train a small recurrent-depth model on datasets/tasks (train splits);
      [--steps N] [--batch N] [--lr X] [--seed S] [--width H] [--heads N] [--core N]
      [--intermediate N] [--recurrence T] [--backprop K] [--curriculum-start D] [--curriculum-every N]
      [--checkpoint-every N] [--tasks DIR] [--no-resume] [--standard]
                                      resumes from DIR when it holds a checkpoint; Ctrl-C saves and stops;
                                      --standard trains the same blocks as a standard transformer (run once, s0 = 0)`;

export interface TrainArgs {
  readonly out?: string;
  readonly tasks?: string;
  readonly resume: boolean;
  /** Train the standard (non-recurrent) baseline. */
  readonly standard?: boolean;
  readonly numbers: Readonly<Record<string, number | undefined>>;
}

export const DEFAULT_TASKS_DIR = resolve(__dirname, '..', '..', '..', 'datasets', 'tasks');

export function trainingConfigFrom(n: TrainArgs['numbers'], standard = false): TrainingConfig {
  const d = DEFAULT_TRAINING;
  if (standard && ((n['recurrence'] ?? 1) !== 1 || (n['backprop'] ?? 1) !== 1)) throw new Error('--standard runs the blocks once: --recurrence and --backprop must be 1 (or left out)');
  return {
    ...d,
    shape: {
      ...d.shape,
      nEmbd: n['width'] ?? d.shape.nEmbd,
      nHeads: n['heads'] ?? d.shape.nHeads,
      nCore: n['core'] ?? d.shape.nCore,
      intermediateSize: n['intermediate'] ?? d.shape.intermediateSize,
      meanRecurrence: standard ? 1 : (n['recurrence'] ?? d.shape.meanRecurrence),
      meanBackpropDepth: standard ? 1 : (n['backprop'] ?? d.shape.meanBackpropDepth),
      ...(standard ? { standard: true } : {}),
    },
    steps: n['steps'] ?? d.steps,
    batchSize: n['batch'] ?? d.batchSize,
    learningRate: n['lr'] ?? d.learningRate,
    seed: n['seed'] ?? d.seed,
    curriculumStart: n['curriculum-start'] ?? d.curriculumStart,
    curriculumEvery: n['curriculum-every'] ?? d.curriculumEvery,
    checkpointEvery: n['checkpoint-every'] ?? d.checkpointEvery,
  };
}

export async function runTrain(args: TrainArgs): Promise<number> {
  if (args.out === undefined) throw new Error('lto train needs --out DIR');
  const tasksDir = args.tasks ?? DEFAULT_TASKS_DIR;
  const items = [];
  for (const domain of DOMAINS) items.push(...(await readTaskJsonl(join(tasksDir, domain, 'train.jsonl'))));
  const config = trainingConfigFrom(args.numbers, args.standard ?? false);
  let stop = false;
  const onSignal = (): void => {
    process.stderr.write('\nstopping after this step (a checkpoint will be written) ...\n');
    stop = true;
  };
  process.once('SIGINT', onSignal);
  const started = Date.now();
  try {
    const result = await train({
      outDir: args.out,
      train: items,
      config,
      resume: args.resume,
      shouldStop: () => stop,
      onProgress: (p) => {
        const eta = ((p.steps - p.step) * p.secondsPerStep) / 60;
        process.stderr.write(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} |g| ${p.gradNorm.toFixed(2)} lr ${p.learningRate.toExponential(2)} difficulty<=${p.maxDifficulty} steps ${p.recurrence} ${p.secondsPerStep.toFixed(2)} s/step eta ${eta.toFixed(0)} min\n`);
      },
      onCheckpoint: (step) => process.stderr.write(`checkpoint at step ${step} written to ${args.out}\n`),
    });
    process.stdout.write(`${JSON.stringify({ out: args.out, step: result.step, finished: result.finished, last_loss: result.lastLoss, seconds: (Date.now() - started) / 1000 })}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
