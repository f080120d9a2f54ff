/**
 * Parity check against reference activations produced by the official Huginn code: a folder
 * holds a checkpoint plus `expected.safetensors` (format: shared/fixtures/README.md). Every known
 * tensor of the expected file is recomputed here and compared.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { SafetensorsFile } from '../io/safetensors.js';
import { RecurrentDepthModel } from './recurrent-depth-model.js';
import { generate } from './generate.js';

export const PARITY_TOLERANCE = 1e-3;

export interface FixtureReport {
  readonly fixture: string;
  /** Max absolute error per recomputed tensor. */
  readonly max_abs_error: Record<string, number>;
  /** Present when the fixture has a generation case. */
  readonly tokens_match?: boolean;
  /** Tensors of the expected file that this check does not know how to recompute. */
  readonly unknown_tensors: string[];
  readonly tolerance: number;
  readonly pass: boolean;
}

const KNOWN = new Set(['input_ids', 'embeds', 'prelude_out', 's0', 'states', 'states_normed', 'step_logits', 'logits', 'gen_prompt', 'gen_tokens', 'gen_final_latents']);

function maxAbsDiff(a: Float32Array, b: Float32Array, what: string): number {
  if (a.length !== b.length) throw new Error(`${what}: recomputed ${a.length} values, expected ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

function metaInt(file: SafetensorsFile, key: string): number {
  const v = Number(file.metadata[key]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${file.path}: metadata "${key}" must be a non-negative integer, got ${JSON.stringify(file.metadata[key])}`);
  return v;
}

/** Splits [B, S] int32 into rows. */
function rowsOf(data: Int32Array, shape: readonly number[]): number[][] {
  const [b, s] = shape as [number, number];
  return Array.from({ length: b }, (_, i) => Array.from(data.subarray(i * s, (i + 1) * s)));
}

/** [B, steps, ...rest] from per-step records [B, P, ...]. */
function stackSteps(records: ReadonlyMap<string, tf.Tensor3D>, family: string, steps: number): Float32Array {
  return tf.tidy(() => tf.stack(Array.from({ length: steps }, (_, t) => records.get(`${family}.${t + 1}`)!), 1).dataSync() as Float32Array);
}

export async function checkFixture(dir: string): Promise<FixtureReport> {
  const model = await RecurrentDepthModel.load(dir);
  const expected = await SafetensorsFile.open(join(dir, 'expected.safetensors'));
  const errors: Record<string, number> = {};
  let tokensMatch: boolean | undefined;
  try {
    const names = expected.names();
    const unknown = names.filter((n) => !KNOWN.has(n));
    const has = (n: string): boolean => expected.has(n);
    const read = (n: string): Promise<Float32Array> => expected.readFloat32(n);

    if (has('input_ids')) {
      const steps = metaInt(expected, 'steps');
      const idEntry = expected.entry('input_ids');
      const ids = rowsOf(await expected.readInt32('input_ids'), idEntry.shape);
      const s0 = has('s0') ? await read('s0') : undefined;
      const result = model.forward(ids, {
        steps,
        initialState: s0,
        initScale: s0 ? undefined : 0,
        record: ['embed', 'prelude.out', 'state.*', 'latent.*', 'logits.*'],
        positions: 'all',
        logits: 'all',
      });
      try {
        const compare = async (name: string, actual: () => Float32Array): Promise<void> => {
          if (has(name)) errors[name] = maxAbsDiff(actual(), await read(name), `${expected.path}: ${name}`);
        };
        await compare('embeds', () => result.records.get('embed')!.dataSync() as Float32Array);
        await compare('prelude_out', () => result.records.get('prelude.out')!.dataSync() as Float32Array);
        await compare('states', () => stackSteps(result.records, 'state', steps));
        await compare('states_normed', () => stackSteps(result.records, 'latent', steps));
        await compare('step_logits', () => stackSteps(result.records, 'logits', steps));
        await compare('logits', () => result.logits!.dataSync() as Float32Array);
      } finally {
        result.dispose();
      }
    }

    if (has('gen_prompt') && has('gen_tokens')) {
      const prompt = rowsOf(await expected.readInt32('gen_prompt'), expected.entry('gen_prompt').shape);
      const want = await expected.readInt32('gen_tokens');
      const gen = generate(model, prompt, {
        maxNewTokens: metaInt(expected, 'gen_new'),
        steps: metaInt(expected, 'gen_steps'),
        initScale: 0,
        decoding: 'greedy',
      });
      const got = gen.sequences.flatMap((s) => s.tokens);
      tokensMatch = got.length === want.length && got.every((t, i) => t === want[i]);
      if (has('gen_final_latents')) {
        const steps = gen.steps;
        const h = gen.hiddenSize;
        // The final step's latent of every generated token: [1, gen_new, h].
        const finals = gen.sequences.flatMap((s) => {
          const out: number[] = [];
          for (let k = 0; k < s.tokens.length; k++) out.push(...s.latents!.subarray((k * (steps + 1) + steps) * h, (k * (steps + 1) + steps + 1) * h));
          return out;
        });
        errors['gen_final_latents'] = maxAbsDiff(Float32Array.from(finals), await read('gen_final_latents'), `${expected.path}: gen_final_latents`);
      }
    }

    const pass = unknown.length === 0 && Object.values(errors).every((e) => e < PARITY_TOLERANCE) && tokensMatch !== false;
    return { fixture: dir, max_abs_error: errors, ...(tokensMatch === undefined ? {} : { tokens_match: tokensMatch }), unknown_tensors: unknown, tolerance: PARITY_TOLERANCE, pass };
  } finally {
    await expected.close();
    model.dispose();
  }
}
