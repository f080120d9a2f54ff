/**
 * One call from labelled trajectories to a trained reward model: build the chosen model sized from
 * the trajectory width, fit it with validation-based checkpoint selection, and report test-free
 * validation metrics.
 */
import type { Seed } from '../tensor/random.js';
import type { LabelledTrajectories } from './labelled-trajectories.js';
import type { LatentRewardModel } from './reward-model.js';
import type { ProbeRewardConfig, TransformerRewardConfig } from './reward-model-config.js';
import { TransformerRewardModel } from './transformer-reward-model.js';
import { ProbeRewardModel } from './probe-reward-model.js';
import { fitRewardModel, type FitOptions, type FitResult } from './fit.js';

export type RewardModelChoice =
  | ({ readonly kind: 'transformer' } & Partial<Omit<TransformerRewardConfig, 'kind' | 'width'>>)
  | ({ readonly kind: 'probe' } & Partial<Omit<ProbeRewardConfig, 'kind' | 'width'>>);

export interface TrainRewardModelOptions extends FitOptions {
  /** The model and any config overrides (default the paper's transformer LRM). */
  readonly model?: RewardModelChoice;
  /** Seed of the weight initialisation (default: `seed`, else 0). */
  readonly initSeed?: Seed;
}

/** Creates a model for states of `width` from a choice; seeded. */
export function createRewardModel(width: number, choice: RewardModelChoice = { kind: 'transformer' }, seed: Seed = 0): LatentRewardModel {
  if (choice.kind === 'transformer') {
    const { kind: _kind, ...overrides } = choice;
    return TransformerRewardModel.create(width, seed, overrides);
  }
  if (choice.kind === 'probe') {
    const { kind: _kind, ...overrides } = choice;
    return ProbeRewardModel.create(width, seed, overrides);
  }
  throw new Error(`createRewardModel: model kind ${JSON.stringify((choice as { kind?: unknown }).kind)}; expected "transformer" or "probe"`);
}

/** Creates and trains a reward model; the caller owns (and disposes) the returned model. */
export async function trainRewardModel(train: LabelledTrajectories, validation: LabelledTrajectories, options: TrainRewardModelOptions = {}): Promise<{ model: LatentRewardModel; fit: FitResult }> {
  const model = createRewardModel(train.trajectories.width, options.model, options.initSeed ?? options.seed ?? 0);
  try {
    return { model, fit: await fitRewardModel(model, train, validation, options) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
