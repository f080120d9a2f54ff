import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseBackendChoice, describeBackend, initBackend, NATIVE_RUNTIME_DEFAULTS } from '../../src/tensor/backend.js';

const backendModule = join(__dirname, '../../src/tensor/backend.js');

interface InitReport {
  info?: { name: string; tfjsBackend: string; skipped: { name: string }[]; runtime: string[] };
  error?: string;
  /** The libtensorflow settings in the child's environment after initBackend. */
  tf: Record<string, string | undefined>;
}

/**
 * Runs initBackend in a fresh process with LTO_BACKEND set (and the given TF_* variables, the
 * others removed), returning its JSON report or error.
 */
function initIn(env: string | undefined, tfEnv: Record<string, string> = {}): InitReport {
  const keys = JSON.stringify(Object.keys(NATIVE_RUNTIME_DEFAULTS));
  const script = `const tf = () => Object.fromEntries(${keys}.map((k) => [k, process.env[k]]));
  require(${JSON.stringify(backendModule)}).initBackend().then(
    (i) => process.stdout.write(JSON.stringify({ info: i, tf: tf() })),
    (e) => process.stdout.write(JSON.stringify({ error: e.message, tf: tf() })))`;
  const childEnv = { ...process.env };
  delete childEnv['LTO_BACKEND'];
  for (const key of Object.keys(NATIVE_RUNTIME_DEFAULTS)) delete childEnv[key];
  Object.assign(childEnv, tfEnv);
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
  assert.throws(() => parseBackendChoice(3 as unknown as string, 'initBackend choice'), /initBackend choice must be a string naming a backend .* got number/);
});

test('initBackend rejects a bad choice from JavaScript callers with the expected names, before selecting anything', async () => {
  await assert.rejects(initBackend('gpu' as never), /initBackend choice="gpu" is not a backend; expected one of auto/);
  await assert.rejects(initBackend(3 as never), /initBackend choice must be a string naming a backend/);
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

test('libtensorflow settings get defaults before a native backend is tried, and given values are kept', () => {
  // Only wasm is tried: the environment is left alone and nothing is reported.
  const wasm = initIn('wasm');
  assert.deepEqual(wasm.info?.runtime, []);
  assert.deepEqual(wasm.tf, {}, 'JSON drops the unset variables');
  // auto tries the native packages first: the defaults are set where unset, given values kept.
  const auto = initIn(undefined, { TF_NUM_INTRAOP_THREADS: '4' });
  assert.deepEqual(auto.tf, { TF_ENABLE_ONEDNN_OPTS: '0', TF_NUM_INTRAOP_THREADS: '4' });
  if (auto.info?.tfjsBackend === 'tensorflow') {
    assert.deepEqual(auto.info.runtime, ['TF_ENABLE_ONEDNN_OPTS=0 (default)', 'TF_NUM_INTRAOP_THREADS=4']);
  } else {
    assert.deepEqual(auto.info?.runtime, [], 'a non-native backend reports no libtensorflow settings');
  }
  const line = describeBackend({ name: 'node', tfjsBackend: 'tensorflow', reason: 'r', skipped: [], runtime: ['TF_NUM_INTRAOP_THREADS=1 (default)'] });
  assert.equal(line, 'node (r; TF_NUM_INTRAOP_THREADS=1 (default))');
});
