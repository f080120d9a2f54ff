import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type SamplingSettings, type TrajectoryManifest } from '../../src/thoughts/manifest.js';
import { samplingDifferences } from '../../src/thoughts/sampling-differences.js';
import { useSyntheticModel } from '../helpers/model.js';

let model: RecurrentDepthModel;
useSyntheticModel((m) => (model = m));

const FINGERPRINT = 'sha256:abc';

/** A manifest as sampleTrajectories writes it for { runs: 4, seed: 7, maxNewTokens: 12 } on `model`. */
function manifest(sampling: Partial<SamplingSettings> = {}, fingerprint = FINGERPRINT): TrajectoryManifest {
  const c = model.config;
  return {
    format: MANIFEST_FORMAT, version: MANIFEST_VERSION, library_version: '0.0.0',
    model: { source: '/models/x', fingerprint },
    tasks: { split: 'train', domains: ['math'], questions: 2 },
    sampling: {
      runs_per_question: 4, steps: c.testTimeSteps, seed: 7, init_scale: c.testTimeInitScale,
      noise: { scale: c.testTimeNoise.scale, schedule: c.testTimeNoise.schedule }, pooling: 'mean', max_new_tokens: 12,
      record: null, decoding: 'greedy', ...sampling,
    },
    n_runs: 8, states: c.testTimeSteps + 1, width: c.nEmbd, token_latents: false,
    files: { tensors: 'trajectories.safetensors', table: 'runs.jsonl' }, table_sha256: '', created: '2026-01-01T00:00:00Z',
  };
}

const ASKED = { runs: 4, seed: 7, maxNewTokens: 12 };

test('a set sampled with the resolved settings (defaults from the model config) differs in nothing', () => {
  assert.deepEqual(samplingDifferences(manifest(), FINGERPRINT, model, ASKED), []);
  // Sets written before record and decoding were recorded stand for latent states, greedy decoding.
  const { record: _r, decoding: _d, ...legacy } = manifest().sampling;
  assert.deepEqual(samplingDifferences({ ...manifest(), sampling: legacy }, FINGERPRINT, model, ASKED), []);
});

test('every sampling setting and the model fingerprint is compared, each named with both values', () => {
  const c = model.config;
  const cases: [Partial<SamplingSettings>, Record<string, unknown>, string][] = [
    [{}, { runs: 5 }, 'runs (4 here, 5 asked)'],
    [{}, { steps: c.testTimeSteps + 1 }, `steps (${c.testTimeSteps} here, ${c.testTimeSteps + 1} asked)`],
    [{}, { seed: 8 }, 'seed (7 here, 8 asked)'],
    [{}, { initScale: c.testTimeInitScale + 1 }, `init scale (${c.testTimeInitScale} here, ${c.testTimeInitScale + 1} asked)`],
    [{}, { noise: { scale: 0.25, schedule: 'fixed' } }, 'noise ('],
    [{ pooling: 'last' }, {}, 'pooling ("last" here, "mean" asked)'],
    [{}, { maxNewTokens: 13 }, 'max new tokens (12 here, 13 asked)'],
    [{}, { record: ['embed', 'coda.out'] }, 'recorded states (null here, ["embed","coda.out"] asked)'],
    [{}, { decoding: { temperature: 0.7 } }, 'decoding ("greedy" here, {"temperature":0.7} asked)'],
  ];
  for (const [stored, asked, expected] of cases) {
    const found = samplingDifferences(manifest(stored), FINGERPRINT, model, { ...ASKED, ...asked });
    assert.equal(found.length, 1, `${JSON.stringify(asked)}: ${found.join('; ')}`);
    assert.ok(found[0]!.startsWith(expected), `${found[0]} should start with ${expected}`);
  }
  assert.deepEqual(samplingDifferences(manifest({}, 'sha256:other'), FINGERPRINT, model, { ...ASKED, seed: 9 }), ['model ("sha256:other" here, "sha256:abc" asked)', 'seed (7 here, 9 asked)']);
});

test('invalid requested settings fail with sampleTrajectories\' message', () => {
  assert.throws(() => samplingDifferences(manifest(), FINGERPRINT, model, { runs: 0 }), /runs must be a positive integer, got 0/);
});
