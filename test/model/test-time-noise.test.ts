/**
 * Test-time noise (upstream `test_time_noise`): the schedules' mixing weights, the perturbation
 * itself against a hand computation, and its effect in forward and generate (seeded, per-row
 * streams independent of the batch, also under early exit), with flat tensor counts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, deriveSeed } from '../../src/tensor/random.js';
import { huginnConfigJson, parseHuginnConfig } from '../../src/model/config.js';
import { StepNoiseSampler, noiseAmount, type TestTimeNoise } from '../../src/model/test-time-noise.js';
import { InitialStateSampler } from '../../src/model/initial-state.js';
import { generate } from '../../src/model/generate.js';
import type { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { assertClose, maxAbsDiff, values, useSyntheticModel } from '../helpers/model.js';

const T = 4;
const PROMPT = [3, 14, 15, 9, 2, 6];
const OTHER = [7, 7, 1, 8, 2, 8];
const NOISE: TestTimeNoise = { scale: 0.8, schedule: 'fixed' };

let model: RecurrentDepthModel;
useSyntheticModel((m) => {
  model = m;
});

describe('schedules', () => {
  const config = parseHuginnConfig({ ...huginnConfigJson({ nEmbd: 64, nHeads: 4, nPrelude: 1, nCore: 1, nCoda: 1, intermediate: 32, vocab: 10, meanRecurrence: 10 }), test_time_noise: 0.5 }, 'test config');
  // n = 0.5 * sqrt(2 / (5 * 64)) * sqrt(64) = 0.5 * sqrt(0.4)
  const n = 0.5 * Math.sqrt(0.4);

  test('the config carries the noise; each schedule gives the upstream mixing weight', () => {
    assert.deepEqual(config.testTimeNoise, { scale: 0.5, schedule: 'fixed' });
    const at = (schedule: TestTimeNoise['schedule'], step: number, u = 0.25) => noiseAmount({ scale: 0.5, schedule }, config, step, () => u);
    assert.ok(Math.abs(at('fixed', 7) - n) < 1e-12);
    assert.ok(Math.abs(at('geom', 3) - n / 4) < 1e-12);
    assert.ok(Math.abs(at('sqrt', 3) - n / 2) < 1e-12);
    assert.equal(at('line', 2), 0.8); // max(n = 0.316, (10 - 2) / 10)
    assert.ok(Math.abs(at('line', 9) - n) < 1e-12); // (10 - 9) / 10 = 0.1 < n
    assert.ok(Math.abs(at('chi', 0, 0.25) - 0.5 * n) < 1e-12);
  });

  test('a bad scale or schedule in config.json or an option is a clear error', () => {
    const base = huginnConfigJson({ nEmbd: 8, nHeads: 2, nPrelude: 1, nCore: 1, nCoda: 1, intermediate: 8, vocab: 10 });
    assert.throws(() => parseHuginnConfig({ ...base, test_time_noise: '1' }, 'cfg.json'), /cfg\.json: "test_time_noise" must be a number, got "1"/);
    assert.throws(() => parseHuginnConfig({ ...base, test_time_noise: -1 }, 'cfg.json'), /cfg\.json test_time_noise: scale must be a finite number >= 0, got -1/);
    assert.throws(() => parseHuginnConfig({ ...base, test_time_noise_type: 'gauss' }, 'cfg.json'), /schedule must be one of fixed, geom, sqrt, line, chi, got "gauss"/);
    assert.throws(() => model.forward([PROMPT], { steps: 2, noise: { scale: Number.NaN, schedule: 'fixed' } }), /scale must be a finite number >= 0, got NaN/);
  });
});

describe('the perturbation', () => {
  test('equals norm_4((1 - k) x + k z) with z from the row stream deriveSeed(rowSeed, "step-noise")', () => {
    const rowSeeds = [5, 'b'];
    const positions = 3;
    const h = model.config.nEmbd;
    const x = new Rng(1).truncatedNormalArray(2 * positions * h, 1);
    const norm4 = model.weights.core[model.weights.core.length - 1]!.norm4;
    const sampler = new StepNoiseSampler(model.config, rowSeeds, NOISE);
    const state = tf.tensor3d(x, [2, positions, h]);
    const out = sampler.perturb(state, 0, norm4);
    const got = values(out);
    state.dispose();
    out.dispose();
    const weight = values(norm4);
    const k = NOISE.scale * model.config.initStd * model.config.embedScale;
    const expected = new Float32Array(x.length);
    rowSeeds.forEach((seed, r) => {
      const rng = new Rng(deriveSeed(seed, 'step-noise'));
      const mixed = Array.from({ length: positions * h }, (_, i) => (1 - k) * x[r * positions * h + i]! + k * rng.normal());
      for (let p = 0; p < positions; p++) {
        const v = mixed.slice(p * h, (p + 1) * h);
        const rms = Math.sqrt(v.reduce((s, a) => s + a * a, 0) / h + model.config.normEps);
        v.forEach((a, i) => (expected[(r * positions + p) * h + i] = (a / rms) * weight[i]!));
      }
    });
    assertClose(got, expected, 1e-5, 'perturbed state');
  });

  test('with scale 0 the state passes through untouched (the same tensor)', () => {
    const state = tf.zeros([1, 2, model.config.nEmbd]) as tf.Tensor3D;
    const sampler = new StepNoiseSampler(model.config, [1], { scale: 0, schedule: 'fixed' });
    assert.equal(sampler.perturb(state, 0, model.weights.core[0]!.norm4), state);
    state.dispose();
  });
});

describe('in forward and generate', () => {
  const latentT = (noise: TestTimeNoise | undefined, seed: number): Float32Array => {
    const out = model.forward([PROMPT], { steps: T, seed, noise, record: [`latent.${T}`], positions: 'all' });
    try {
      return values(out.records.get(`latent.${T}`)!);
    } finally {
      out.dispose();
    }
  };

  test('off by default; scale 0 equals no noise exactly; noise changes the states; same seed, same bits', () => {
    assert.equal(model.config.testTimeNoise.scale, 0);
    assert.deepEqual(latentT({ scale: 0, schedule: 'geom' }, 3), latentT(undefined, 3));
    const noisy = latentT(NOISE, 3);
    assert.ok(maxAbsDiff(noisy, latentT(undefined, 3)) > 1e-2);
    assert.deepEqual(latentT(NOISE, 3), noisy);
    assert.ok(maxAbsDiff(latentT(NOISE, 4), noisy) > 1e-2);
  });

  test('batched runs with noise: each row equals its own single-row call', () => {
    const seeds = InitialStateSampler.rowSeeds(21, 4);
    const opts = { steps: T, noise: NOISE, record: [`latent.${T}`], positions: 'all' as const };
    const batched = model.forward([PROMPT, OTHER], { ...opts, runs: 2, seed: 21 });
    const per = PROMPT.length * model.config.nEmbd;
    const all = values(batched.records.get(`latent.${T}`)!);
    batched.dispose();
    [PROMPT, PROMPT, OTHER, OTHER].forEach((prompt, r) => {
      const single = model.forward([prompt], {
        ...opts,
        sampler: new InitialStateSampler(model.config, [seeds[r]!], 1),
        stepNoise: new StepNoiseSampler(model.config, [seeds[r]!], NOISE),
      });
      assertClose(all.subarray(r * per, (r + 1) * per), values(single.records.get(`latent.${T}`)!), 1e-5, `row ${r}`);
      single.dispose();
    });
  });

  test('generate: a row gives the same tokens alone or in a batch, with and without early exit', () => {
    const rowSeeds = [101, 102, 103, 104];
    for (const earlyExit of [undefined, { criterion: 'latent-diff' as const, threshold: 0.8 }]) {
      const batch = generate(model, [PROMPT, OTHER], { maxNewTokens: 6, steps: 6, runs: 2, rowSeeds, noise: NOISE, earlyExit });
      batch.sequences.forEach((s, r) => {
        const alone = generate(model, [r < 2 ? PROMPT : OTHER], { maxNewTokens: 6, steps: 6, rowSeeds: [rowSeeds[r]!], noise: NOISE, earlyExit }).sequences[0]!;
        assert.deepEqual(s.tokens, alone.tokens, `row ${r} tokens (early exit ${earlyExit !== undefined})`);
        assert.deepEqual(s.stepsUsed, alone.stepsUsed, `row ${r} steps used`);
        assertClose(s.latents!, alone.latents!, 1e-5, `row ${r} latents`);
      });
      if (earlyExit) {
        // (noise keeps successive states apart: this threshold makes the rows exit between steps 2 and 6)
        const used = batch.sequences.map((s) => s.stepsUsed.slice(1).join());
        assert.ok(new Set(used).size > 1, `rows exit at different steps (${used.join(' | ')}), so the per-row streams were exercised`);
      }
    }
  });

  test('the tensor count stays flat over repeated noisy forwards and generations', () => {
    latentT(NOISE, 1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      latentT(NOISE, i);
      generate(model, [PROMPT], { maxNewTokens: 3, steps: 3, seed: i, noise: NOISE, earlyExit: { criterion: 'latent-diff', threshold: 0.2 } });
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
