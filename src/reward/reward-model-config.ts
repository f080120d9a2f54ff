/**
 * Configurations of the two reward models, with defaults sized from the trajectory width, and the
 * validation used both for user overrides and for configs read back from disk.
 */

/** The paper's LRM: sinusoidal step encoding, a Transformer encoder, mean pooling, an MLP. */
export interface TransformerRewardConfig {
  readonly kind: 'transformer';
  /** Width of a latent state (the trajectory's last axis). */
  readonly width: number;
  /** Encoder width; the input is projected from `width` to it. Default min(width, 128). */
  readonly dModel: number;
  /** Attention heads; must divide dModel. Default 4 (or the largest of 2, 1 dividing dModel). */
  readonly heads: number;
  /** Encoder layers (default 2, as in the paper). */
  readonly layers: number;
  /** Hidden width of each encoder layer's feed-forward block (default 2 * dModel). */
  readonly ffn: number;
  /** Hidden width of the MLP head after pooling (default dModel). */
  readonly mlpHidden: number;
  /** Dropout rate in the encoder while training (default 0.1, PyTorch's encoder default). */
  readonly dropout: number;
}

/** Which summary of a trajectory the probe reads. */
export type ProbeFeatures = 'last' | 'mean' | 'last-mean';
export const PROBE_FEATURES: readonly ProbeFeatures[] = ['last', 'mean', 'last-mean'];

/** A fast probe: logistic regression (hidden = 0) or a one-hidden-layer MLP on trajectory features. */
export interface ProbeRewardConfig {
  readonly kind: 'probe';
  readonly width: number;
  /** `last`: the final state; `mean`: the mean over steps; `last-mean`: both, concatenated. Default `last-mean`. */
  readonly features: ProbeFeatures;
  /** Hidden units of the MLP; 0 = logistic regression (default 0). */
  readonly hidden: number;
}

export type RewardModelConfig = TransformerRewardConfig | ProbeRewardConfig;
export type RewardModelKind = RewardModelConfig['kind'];

function positiveInteger(value: unknown, name: string, what: string, minimum = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new Error(`${what}: ${name} is ${JSON.stringify(value)}; expected an integer >= ${minimum}`);
  }
  return value;
}

function defaultHeads(dModel: number): number {
  return [4, 2, 1].find((h) => dModel % h === 0)!;
}

/** The transformer LRM's config for states of `width`, with overrides. */
export function transformerRewardConfig(width: number, overrides: Partial<Omit<TransformerRewardConfig, 'kind' | 'width'>> = {}): TransformerRewardConfig {
  positiveInteger(width, 'width', 'transformerRewardConfig');
  const dModel = overrides.dModel ?? Math.min(width, 128);
  return checkRewardModelConfig({
    kind: 'transformer',
    width,
    dModel,
    heads: overrides.heads ?? defaultHeads(dModel),
    layers: overrides.layers ?? 2,
    ffn: overrides.ffn ?? 2 * dModel,
    mlpHidden: overrides.mlpHidden ?? dModel,
    dropout: overrides.dropout ?? 0.1,
  }, 'transformerRewardConfig') as TransformerRewardConfig;
}

/** The probe's config for states of `width`, with overrides. */
export function probeRewardConfig(width: number, overrides: Partial<Omit<ProbeRewardConfig, 'kind' | 'width'>> = {}): ProbeRewardConfig {
  positiveInteger(width, 'width', 'probeRewardConfig');
  return checkRewardModelConfig({ kind: 'probe', width, features: overrides.features ?? 'last-mean', hidden: overrides.hidden ?? 0 }, 'probeRewardConfig') as ProbeRewardConfig;
}

/** Validates a config (e.g. parsed from config.json); returns it typed, or throws naming the field. */
export function checkRewardModelConfig(value: unknown, what: string): RewardModelConfig {
  if (value === null || typeof value !== 'object') throw new Error(`${what}: expected a config object, got ${JSON.stringify(value)}`);
  const c = value as Record<string, unknown>;
  const width = positiveInteger(c['width'], 'width', what);
  if (c['kind'] === 'transformer') {
    const dModel = positiveInteger(c['dModel'], 'dModel', what);
    const heads = positiveInteger(c['heads'], 'heads', what);
    if (dModel % heads !== 0) throw new Error(`${what}: heads (${heads}) must divide dModel (${dModel})`);
    const dropout = c['dropout'];
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new Error(`${what}: dropout is ${JSON.stringify(dropout)}; expected a number in [0, 1)`);
    return {
      kind: 'transformer',
      width,
      dModel,
      heads,
      layers: positiveInteger(c['layers'], 'layers', what, 0),
      ffn: positiveInteger(c['ffn'], 'ffn', what),
      mlpHidden: positiveInteger(c['mlpHidden'], 'mlpHidden', what),
      dropout,
    };
  }
  if (c['kind'] === 'probe') {
    const features = c['features'];
    if (!PROBE_FEATURES.includes(features as ProbeFeatures)) throw new Error(`${what}: features is ${JSON.stringify(features)}; expected one of ${PROBE_FEATURES.join(', ')}`);
    return { kind: 'probe', width, features: features as ProbeFeatures, hidden: positiveInteger(c['hidden'], 'hidden', what, 0) };
  }
  throw new Error(`${what}: kind is ${JSON.stringify(c['kind'])}; expected "transformer" or "probe"`);
}
