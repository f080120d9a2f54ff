/**
 * Training a reward model with a cache folder. The key is a SHA-256 of everything the result
 * depends on: the training and validation trajectories and labels (and question groups, with the
 * ranking objective), the options (callbacks aside)
 * and the library version. A later call with the same inputs loads the saved model, whose scores
 * are bit-identical (saveRewardModel / loadRewardModel), and its fit record instead of training
 * again: a warm notebook re-run then costs a load, not minutes of training.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LIBRARY_VERSION } from '../version.js';
import type { LabelledTrajectories } from './labelled-trajectories.js';
import type { LatentRewardModel } from './reward-model.js';
import type { FitResult } from './fit.js';
import { REWARD_CONFIG_FILE, loadRewardModel, saveRewardModel } from './reward-model-files.js';
import { trainRewardModel, type TrainRewardModelOptions } from './train-reward-model.js';

/** The cache key of a training call (hex SHA-256). */
export function rewardModelCacheKey(train: LabelledTrajectories, validation: LabelledTrajectories, options: TrainRewardModelOptions): string {
  const hash = createHash('sha256');
  hash.update(`latent-thinking ${LIBRARY_VERSION}\n`);
  // JSON drops the callbacks (onProgress, shouldStop), which do not change the result.
  hash.update(`${JSON.stringify(options)}\n`);
  for (const set of [train, validation]) {
    const t = set.trajectories;
    hash.update(`${t.runs} ${t.steps} ${t.width}\n`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    hash.update(Uint8Array.from({ length: t.runs }, (_, i) => (set.correct[i] ? 1 : 0)));
    // Question groups matter only to the ranking objective; hashed only then, so that keys of
    // models trained without it stay as they were.
    if ((options.rankingWeight ?? 0) > 0 && set.groups !== undefined) hash.update(`groups ${JSON.stringify(set.groups)}\n`);
  }
  return hash.digest('hex');
}

/**
 * trainRewardModel, cached in `cacheDir/<key>`: loads the model and fit saved by an earlier call
 * with the same inputs, else trains and saves them (written to a temporary folder, then renamed,
 * so an interrupted save leaves no half entry). A run stopped by `shouldStop` is not cached.
 * The caller owns (and disposes) the returned model.
 */
export async function trainOrLoadRewardModel(
  cacheDir: string,
  train: LabelledTrajectories,
  validation: LabelledTrajectories,
  options: TrainRewardModelOptions = {},
): Promise<{ model: LatentRewardModel; fit: FitResult; cached: boolean }> {
  const dir = join(cacheDir, rewardModelCacheKey(train, validation, options));
  if (existsSync(join(dir, REWARD_CONFIG_FILE))) {
    const fit = await readFit(dir);
    return { model: await loadRewardModel(dir), fit, cached: true };
  }
  const { model, fit } = await trainRewardModel(train, validation, options);
  if (fit.stopReason === 'stopped') return { model, fit, cached: false };
  const temporary = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await mkdir(cacheDir, { recursive: true });
    await saveRewardModel(model, temporary, { fit });
    // Another process may have saved the same entry meanwhile; either copy is the same model.
    if (!existsSync(dir)) await rename(temporary, dir);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
  return { model, fit, cached: false };
}

async function readFit(dir: string): Promise<FitResult> {
  const path = join(dir, REWARD_CONFIG_FILE);
  const fit = (JSON.parse(await readFile(path, 'utf8')) as { info?: { fit?: FitResult } }).info?.fit;
  if (!fit || !Number.isInteger(fit.bestEpoch) || !Array.isArray(fit.history)) throw new Error(`trainOrLoadRewardModel: ${path} has no fit record; delete ${dir} to train again`);
  return fit;
}
