import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, thinkingSettings } from '../../src/cli/options.js';

const config = { testTimeSteps: 2, testTimeInitScale: 4, testTimeNoise: { scale: 0, schedule: 'fixed' as const } };

test('thinkingSettings: the model config says how runs think unless the command line does', () => {
  assert.deepEqual(thinkingSettings({}, config), { steps: 2, initScale: 4, noise: { scale: 0, schedule: 'fixed' } });
  assert.deepEqual(thinkingSettings({ steps: 8, initScale: 1, noise: '1' }, config), { steps: 8, initScale: 1, noise: { scale: 1, schedule: 'fixed' } });
  // --noise-type alone keeps the configured scale.
  assert.deepEqual(thinkingSettings({ noiseType: 'sqrt' }, config).noise, { scale: 0, schedule: 'sqrt' });
  // 0 is a valid initial-state scale (every run starts from the same zero state).
  assert.equal(thinkingSettings({ initScale: 0 }, config).initScale, 0);
});

test('thinkingSettings: bad values are usage errors naming the option and the value', () => {
  for (const steps of [0, -2, 1.5]) assert.throws(() => thinkingSettings({ steps }, config), (e: unknown) => e instanceof UsageError && e.message === `--steps must be a positive integer, got ${steps}`);
  for (const initScale of [-1, Infinity, NaN]) assert.throws(() => thinkingSettings({ initScale }, config), (e: unknown) => e instanceof UsageError && e.message.startsWith('--init-scale must be a finite number >= 0'));
  assert.throws(() => thinkingSettings({ noise: 'loud' }, config), /--noise expects a number, got "loud"/);
  assert.throws(() => thinkingSettings({ noiseType: 'wobbly' }, config), /--noise\/--noise-type/);
});
