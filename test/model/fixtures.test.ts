/**
 * Parity with the official Huginn code: checkFixture on the shared fixtures passes, and fails on
 * a copy with one perturbed weight (so the check is not vacuous).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/tensor/backend.js';
import { checkFixture, PARITY_TOLERANCE } from '../../src/model/fixture-check.js';
import { SafetensorsFile, writeSafetensors, type WritableDtype, type WritableTensor } from '../../src/io/safetensors.js';
import { sharedDir } from '../helpers/shared.js';

before(async () => {
  await initBackend();
});

/** Every tensor the fixtures hold, so that each comparison is known to have run. */
const EXPECTED_ERRORS = ['embeds', 'prelude_out', 'states', 'states_normed', 'step_logits', 'logits', 'gen_final_latents'];

for (const name of ['huginn-tiny', 'huginn-tiny-bf16-sharded']) {
  test(`checkFixture passes on ${name}: every error < 1e-3 and the greedy tokens match`, async (t) => {
    const shared = sharedDir();
    if (!shared) {
      t.skip('shared/ folder not found (set LATENT_THINKING_SHARED)');
      return;
    }
    const report = await checkFixture(join(shared, 'fixtures', name));
    assert.equal(report.tolerance, PARITY_TOLERANCE);
    assert.equal(PARITY_TOLERANCE, 1e-3);
    assert.deepEqual(Object.keys(report.max_abs_error).sort(), [...EXPECTED_ERRORS].sort(), 'every reference tensor was compared');
    for (const [tensor, err] of Object.entries(report.max_abs_error)) {
      assert.ok(err < 1e-3, `${name}: ${tensor} max abs error ${err}`);
    }
    assert.equal(report.tokens_match, true);
    assert.deepEqual(report.unknown_tensors, []);
    assert.equal(report.pass, true);
  });
}

/** Copies a fixture and rewrites its model.safetensors with `tensor` changed by `edit`. */
async function corruptedCopy(src: string, tensor: string, edit: (data: Float32Array) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-fixture-corrupt-'));
  await cp(src, dir, { recursive: true });
  const path = join(dir, 'model.safetensors');
  const file = await SafetensorsFile.open(path);
  const tensors: Record<string, WritableTensor> = {};
  let metadata: Record<string, string>;
  try {
    assert.ok(file.has(tensor), `fixture has ${tensor}`);
    for (const n of file.names()) {
      const e = file.entry(n);
      const data = await file.readFloat32(n);
      if (n === tensor) edit(data);
      tensors[n] = { dtype: e.dtype as WritableDtype, shape: e.shape, data };
    }
    metadata = { ...file.metadata };
  } finally {
    await file.close();
  }
  await writeSafetensors(path, tensors, metadata);
  return dir;
}

test('a copy with one core norm weight changed FAILS the check (states and everything after)', async (t) => {
  const shared = sharedDir();
  if (!shared) {
    t.skip('shared/ folder not found (set LATENT_THINKING_SHARED)');
    return;
  }
  const dir = await corruptedCopy(join(shared, 'fixtures', 'huginn-tiny'), 'transformer.core_block.0.norm_2.weight', (d) => {
    d[3] = d[3]! + 0.5;
  });
  t.after(() => rm(dir, { recursive: true, force: true }));
  const report = await checkFixture(dir);
  assert.equal(report.pass, false);
  const err = report.max_abs_error;
  // Before the core nothing changed; from the first state on, the error is far above tolerance.
  assert.ok(err['embeds']! < 1e-3 && err['prelude_out']! < 1e-3, `embeds/prelude unaffected: ${JSON.stringify(err)}`);
  for (const k of ['states', 'states_normed', 'step_logits', 'logits']) assert.ok(err[k]! > 1e-3, `${k} must fail: ${err[k]}`);
});

test('a copy with one coda norm weight changed FAILS through the logits only', async (t) => {
  const shared = sharedDir();
  if (!shared) {
    t.skip('shared/ folder not found (set LATENT_THINKING_SHARED)');
    return;
  }
  const dir = await corruptedCopy(join(shared, 'fixtures', 'huginn-tiny'), 'transformer.coda.0.norm_4.weight', (d) => {
    d[0] = -d[0]!;
    d[1] = d[1]! * 3;
  });
  t.after(() => rm(dir, { recursive: true, force: true }));
  const report = await checkFixture(dir);
  assert.equal(report.pass, false);
  const err = report.max_abs_error;
  for (const k of ['embeds', 'prelude_out', 'states', 'states_normed']) assert.ok(err[k]! < 1e-3, `${k} is upstream of the coda: ${err[k]}`);
  for (const k of ['step_logits', 'logits']) assert.ok(err[k]! > 1e-3, `${k} must fail: ${err[k]}`);
});
