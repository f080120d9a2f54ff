import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseBackendChoice, describeBackend } from '../../src/tensor/backend.js';

const backendModule = join(__dirname, '../../src/tensor/backend.js');

/** Runs initBackend in a fresh process with LTO_BACKEND set, returning its JSON report or error. */
function initIn(env: string | undefined): { info?: { name: string; tfjsBackend: string; skipped: { name: string }[] }; error?: string } {
  const script = `require(${JSON.stringify(backendModule)}).initBackend().then(
    (i) => process.stdout.write(JSON.stringify({ info: i })),
    (e) => process.stdout.write(JSON.stringify({ error: e.message })))`;
  const childEnv = { ...process.env };
  delete childEnv['LTO_BACKEND'];
  if (env !== undefined) childEnv['LTO_BACKEND'] = env;
  const run = spawnSync(process.execPath, ['-e', script], { env: childEnv, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('parseBackendChoice accepts the documented names and names the source of a bad value', () => {
  assert.equal(parseBackendChoice(undefined), 'auto');
  assert.equal(parseBackendChoice(''), 'auto');
  assert.equal(parseBackendChoice(' WASM '), 'wasm');
  assert.throws(() => parseBackendChoice('gpu'), /LTO_BACKEND="gpu" is not a backend; expected one of auto, node-gpu, node, wasm, cpu/);
  assert.throws(() => parseBackendChoice('x', '--backend'), /--backend="x"/);
});

test('LTO_BACKEND forces the backend', () => {
  assert.equal(initIn('cpu').info?.tfjsBackend, 'cpu');
  assert.equal(initIn('wasm').info?.tfjsBackend, 'wasm');
});

test('auto picks a working backend and reports what it skipped', () => {
  const { info } = initIn(undefined);
  assert.ok(info, 'auto must find a backend');
  assert.ok(['node-gpu', 'node', 'wasm'].includes(info.name));
  // Everything ahead of the chosen backend in the preference order was tried and skipped.
  const order = ['node-gpu', 'node', 'wasm', 'cpu'];
  assert.deepEqual(info.skipped.map((s) => s.name), order.slice(0, order.indexOf(info.name)));
  const line = describeBackend({ ...info, reason: 'r', skipped: [{ name: 'node', reason: 'missing' }] } as never);
  assert.match(line, /skipped node: missing/);
});

test('forcing a native backend that cannot load is a clear error, not a silent fallback', () => {
  let nativeAvailable = true;
  try {
    require.resolve('@tensorflow/tfjs-node-gpu');
  } catch {
    nativeAvailable = false;
  }
  const { info, error } = initIn('node-gpu');
  if (nativeAvailable) {
    assert.equal(info?.name, 'node-gpu');
  } else {
    assert.match(error ?? '', /no tensor backend could be initialised for choice "node-gpu" \(node-gpu: .*tfjs-node-gpu/);
  }
});
