/**
 * Where a reward model's weights come from: a seeded initialisation (each tensor from its own
 * named stream, so adding a layer does not change the others) or values read from a checkpoint.
 */
import { Rng, deriveSeed, type Seed } from '../tensor/random.js';

/** How a fresh tensor is filled: Glorot-normal for matrices, zeros for biases, ones for norm gains. */
export type InitKind = 'glorot' | 'zeros' | 'ones';

/** Supplies the initial values of the tensor `name` of `shape`. */
export type WeightSource = (name: string, shape: readonly number[], kind: InitKind) => Float32Array;

/** Seeded initialisation: Glorot normal N(0, 2 / (fan_in + fan_out)) for [in, out] matrices. */
export function seededWeights(seed: Seed): WeightSource {
  return (name, shape, kind) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (kind === 'zeros') return new Float32Array(size);
    if (kind === 'ones') return new Float32Array(size).fill(1);
    if (shape.length !== 2) throw new Error(`seededWeights: ${name} has shape [${shape.join(', ')}]; Glorot initialisation needs a matrix`);
    const std = Math.sqrt(2 / (shape[0]! + shape[1]!));
    return new Rng(deriveSeed(seed, 'init', name)).truncatedNormalArray(size, std, 2);
  };
}

/** Values by name (e.g. read from a safetensors file); every requested tensor must be present with the right size. */
export function storedWeights(values: ReadonlyMap<string, Float32Array>, what: string): WeightSource {
  return (name, shape) => {
    const data = values.get(name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!data) throw new Error(`${what}: tensor "${name}" is missing`);
    if (data.length !== size) throw new Error(`${what}: tensor "${name}" has ${data.length} values; expected shape [${shape.join(', ')}] = ${size}`);
    return data;
  };
}
