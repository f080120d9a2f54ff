/**
 * Saving and loading a reward model: a folder with `config.json` (the model config and a format
 * tag) and `model.safetensors` (every weight as float32, the standardisation included), both
 * written atomically. Loading rebuilds the same network and gives bit-identical scores.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { SafetensorsFile, writeSafetensors, type WritableTensor } from '../io/safetensors.js';
import type { LatentRewardModel } from './reward-model.js';
import { checkRewardModelConfig } from './reward-model-config.js';
import { TransformerRewardModel } from './transformer-reward-model.js';
import { ProbeRewardModel } from './probe-reward-model.js';
import { storedWeights } from './weight-init.js';

export const REWARD_MODEL_FORMAT = 'latent-thinking-reward-model';
export const REWARD_MODEL_FORMAT_VERSION = 1;
export const REWARD_CONFIG_FILE = 'config.json';
export const REWARD_WEIGHTS_FILE = 'model.safetensors';

/** Writes the model into `directory` (created if needed); extra JSON-serialisable `info` (e.g. training history) goes into config.json. */
export async function saveRewardModel(model: LatentRewardModel, directory: string, info: Record<string, unknown> = {}): Promise<void> {
  const tensors: Record<string, WritableTensor> = {};
  for (const [name, v] of model.namedWeights()) tensors[name] = { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array };
  await mkdir(directory, { recursive: true });
  await writeSafetensors(join(directory, REWARD_WEIGHTS_FILE), tensors, { format: REWARD_MODEL_FORMAT });
  const config = { format: REWARD_MODEL_FORMAT, version: REWARD_MODEL_FORMAT_VERSION, model: model.config, info };
  await writeFileAtomic(join(directory, REWARD_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

/** Reads a model saved by `saveRewardModel`. */
export async function loadRewardModel(directory: string): Promise<LatentRewardModel> {
  const configPath = join(directory, REWARD_CONFIG_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new Error(`loadRewardModel: cannot read ${configPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const header = parsed as { format?: unknown; version?: unknown; model?: unknown };
  if (header?.format !== REWARD_MODEL_FORMAT) throw new Error(`loadRewardModel: ${configPath} has format ${JSON.stringify(header?.format)}; expected "${REWARD_MODEL_FORMAT}"`);
  if (header.version !== REWARD_MODEL_FORMAT_VERSION) throw new Error(`loadRewardModel: ${configPath} has version ${JSON.stringify(header.version)}; this library reads version ${REWARD_MODEL_FORMAT_VERSION}`);
  const config = checkRewardModelConfig(header.model, `loadRewardModel: ${configPath} "model"`);
  const weightsPath = join(directory, REWARD_WEIGHTS_FILE);
  const file = await SafetensorsFile.open(weightsPath);
  const values = new Map<string, Float32Array>();
  try {
    for (const name of file.names()) values.set(name, await file.readFloat32(name));
  } finally {
    await file.close();
  }
  const source = storedWeights(values, `loadRewardModel: ${weightsPath}`);
  const model = config.kind === 'transformer' ? new TransformerRewardModel(config, source) : new ProbeRewardModel(config, source);
  const expected = new Set(model.namedWeights().keys());
  const unexpected = [...values.keys()].filter((n) => !expected.has(n));
  if (unexpected.length > 0) {
    model.dispose();
    throw new Error(`loadRewardModel: ${weightsPath} has tensors this config does not use: ${unexpected.slice(0, 5).join(', ')}`);
  }
  return model;
}
