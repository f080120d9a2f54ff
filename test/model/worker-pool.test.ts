/**
 * ForwardPool on a small synthetic model: pooled forwards are bit-identical to the in-process
 * forward (on tfjs-node: equal to float32 rounding; one or several prompts, runs split across
 * workers, more workers than rows), shapes of
 * records and logits, errors from the request and from the workers, a dead worker, and close().
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { initBackend } from '../../src/tensor/backend.js';
import { ForwardPool, splitRows, type PoolForwardOptions, type PoolForwardResult, type PoolTensor } from '../../src/model/worker-pool.js';
import { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { SMALL_SHAPE, loadSyntheticModel, type SyntheticModel } from '../helpers/model.js';

const H = SMALL_SHAPE.nEmbd;
const V = SMALL_SHAPE.vocab;
const T = 4;
const PROMPT = [3, 14, 15, 9, 2, 6];
const OTHER = [27, 18, 28, 1, 8, 44];
const THIRD = [5, 0, 49, 12, 7, 30];
const RECORD = ['latent.*', 'state.0', 'prelude.out', 'logits.2'];

let sm: SyntheticModel;
let model: RecurrentDepthModel;
/** Two workers, as on the 2-core machine the pool is for. */
let pool: ForwardPool;

before(async () => {
  const info = await initBackend();
  sm = await loadSyntheticModel();
  model = sm.model;
  // The same backend as this process, so that equality is bit for bit.
  pool = await ForwardPool.open(sm.dir, { workers: 2, backend: info.name });
});

after(async () => {
  await pool.close();
  await sm.close();
});

/** The in-process forward with the same options, copied out like the pool's result. */
function local(ids: readonly (readonly number[])[], options: PoolForwardOptions): PoolForwardResult {
  const out = model.forward(ids, options);
  try {
    const copy = (t: { dataSync(): unknown; shape: number[] }): PoolTensor => ({ data: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] });
    const records = new Map<string, PoolTensor>();
    for (const [name, t] of out.records) records.set(name, copy(t));
    return { logits: out.logits && copy(out.logits), records };
  } finally {
    out.dispose();
  }
}

/**
 * Bit-level equality (distinguishes -0 from 0 and compares NaN payloads). On tfjs-node the last
 * bits depend on how many rows a call holds (see worker-pool.ts), so there the values must agree
 * to within float32 rounding noise instead.
 */
function assertSameAsInProcess(actual: PoolTensor | undefined, expected: PoolTensor | undefined, what: string): void {
  assert.ok(actual && expected, `${what}: present in both`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  if (pool.backend === 'node' || pool.backend === 'node-gpu') {
    assert.equal(actual.data.length, expected.data.length, `${what}: length`);
    const worst = actual.data.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.data[i]!) / Math.max(1, Math.abs(expected.data[i]!))), 0);
    assert.ok(worst <= 1e-5, `${what}: relative difference ${worst} on tfjs-node`);
    return;
  }
  const a = new Uint32Array(actual.data.buffer, actual.data.byteOffset, actual.data.length);
  const b = new Uint32Array(expected.data.buffer, expected.data.byteOffset, expected.data.length);
  const first = a.findIndex((v, i) => v !== b[i]);
  assert.equal(a.length, b.length, `${what}: length`);
  assert.equal(first, -1, `${what}: first difference at ${first}: ${actual.data[first]} vs ${expected.data[first]}`);
}

function assertSameResult(pooled: PoolForwardResult, expected: PoolForwardResult): void {
  assert.deepEqual([...pooled.records.keys()], [...expected.records.keys()], 'record names and order');
  for (const [name, t] of expected.records) assertSameAsInProcess(pooled.records.get(name), t, name);
  if (expected.logits === undefined) assert.equal(pooled.logits, undefined);
  else assertSameAsInProcess(pooled.logits, expected.logits, 'logits');
}

async function assertPoolMatches(p: ForwardPool, ids: readonly (readonly number[])[], options: PoolForwardOptions): Promise<PoolForwardResult> {
  const pooled = await p.forward(ids, options);
  assertSameResult(pooled, local(ids, options));
  return pooled;
}

describe('row ranges', () => {
  test('rows split into contiguous ranges that differ by at most one row, never empty', () => {
    assert.deepEqual(splitRows(7, 2), [{ start: 0, end: 4 }, { start: 4, end: 7 }]);
    assert.deepEqual(splitRows(2, 3), [{ start: 0, end: 1 }, { start: 1, end: 2 }]);
    assert.deepEqual(splitRows(9, 3), [{ start: 0, end: 3 }, { start: 3, end: 6 }, { start: 6, end: 9 }]);
  });
});

describe('pooled forward equals the in-process forward (bit for bit, except on tfjs-node)', () => {
  for (const runs of [1, 3, 7]) {
    test(`one prompt, ${runs} run(s), 2 workers`, async () => {
      const pooled = await assertPoolMatches(pool, [PROMPT], { steps: T, runs, seed: 11, record: RECORD, positions: 'all' });
      // The runs differ from each other (their seeds do), so rows cannot have been mixed up unnoticed.
      if (runs > 1) {
        const s0 = pooled.records.get('state.0')!.data;
        const per = PROMPT.length * H;
        assert.notDeepEqual(s0.subarray(0, per), s0.subarray(per, 2 * per));
      }
    });
  }

  test('two prompts x 3 runs (one prompt per worker), a string seed and initScale 0.5', async () => {
    await assertPoolMatches(pool, [PROMPT, OTHER], { steps: T, runs: 3, seed: 'pool', initScale: 0.5, record: RECORD, positions: [0, -1] });
  });

  test('with test-time noise (per-row streams) the pooled forward is still bit-identical', async () => {
    await assertPoolMatches(pool, [PROMPT, OTHER], { steps: T, runs: 3, seed: 'noisy', noise: { scale: 0.7, schedule: 'sqrt' }, record: RECORD, positions: [0, -1] });
  });

  test('three prompts x 3 runs (a worker with rows of two prompts), and 4 prompts x 1 run', async () => {
    await assertPoolMatches(pool, [PROMPT, OTHER, THIRD], { steps: T, runs: 3, seed: 5, record: RECORD, logits: 'all' });
    await assertPoolMatches(pool, [PROMPT, OTHER, THIRD, PROMPT], { steps: T, seed: 5, record: ['latent.2', 'coda.out'] });
  });

  test('concurrent calls are answered in order, each equal to its in-process forward', async () => {
    const options = (seed: number): PoolForwardOptions => ({ steps: T, runs: 3, seed, record: ['latent.*'] });
    const [a, b] = await Promise.all([pool.forward([PROMPT], options(1)), pool.forward([PROMPT], options(2))]);
    assertSameResult(a, local([PROMPT], options(1)));
    assertSameResult(b, local([PROMPT], options(2)));
  });

  test('more workers than rows, and prompts split mid-way with unequal run counts per worker', async () => {
    const three = await ForwardPool.open(sm.dir, { workers: 3, backend: pool.backend });
    try {
      assert.equal(three.size, 3);
      await assertPoolMatches(three, [PROMPT], { steps: T, runs: 2, seed: 3, record: RECORD, positions: 'all' });
      await assertPoolMatches(three, [PROMPT], { steps: T, runs: 1, seed: 3, record: RECORD });
      // 8 rows -> 3 | 3 | 2: the second worker has run 3 of PROMPT and runs 0-1 of OTHER.
      await assertPoolMatches(three, [PROMPT, OTHER], { steps: T, runs: 4, seed: 3, record: RECORD });
    } finally {
      await three.close();
    }
  });
});

describe('result shapes', () => {
  test('records are [rows, P, width] and logits [rows, P, vocab]', async () => {
    const runs = 3;
    const r = await pool.forward([PROMPT, OTHER], { steps: T, runs, seed: 1, record: ['latent.*', 'prelude.out'], positions: [1, -1], logits: 'all' });
    const rows = 2 * runs;
    assert.deepEqual([...r.records.keys()].sort(), ['latent.0', 'latent.1', 'latent.2', 'latent.3', 'latent.4', 'prelude.out']);
    for (const [name, t] of r.records) {
      assert.deepEqual(t.shape, [rows, 2, H], name);
      assert.equal(t.data.length, rows * 2 * H, name);
    }
    assert.deepEqual(r.logits?.shape, [rows, PROMPT.length, V]);
    assert.equal(r.logits?.data.length, rows * PROMPT.length * V);
    const none = await pool.forward([PROMPT], { steps: T, runs, record: ['latent.4'], logits: 'none' });
    assert.equal(none.logits, undefined);
    assert.deepEqual(none.records.get('latent.4')?.shape, [runs, 1, H]);
  });
});

describe('errors', () => {
  /** The message the in-process forward throws for this request. */
  function modelError(ids: readonly (readonly number[])[], options: PoolForwardOptions): string {
    try {
      model.forward(ids, options).dispose();
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail('the in-process forward was expected to throw');
  }

  test("an invalid request rejects with the model's message, and the pool keeps working", async () => {
    const badId = [[3, 14, V + 7]];
    await assert.rejects(pool.forward(badId, { runs: 4 }), { message: modelError(badId, { runs: 4 }) });
    // The row number is that of the whole batch, not of a worker's share.
    const badSecond = [PROMPT, [3, 14, 15, 9, 2, -1]];
    const message = modelError(badSecond, { runs: 2 });
    assert.match(message, /row 1/);
    await assert.rejects(pool.forward(badSecond, { runs: 2 }), { message });
    // Errors found inside the workers (by the model there) come back with its message too.
    const badName = { steps: T, runs: 3, record: ['latent.9'] };
    await assert.rejects(pool.forward([PROMPT], badName), { message: modelError([PROMPT], badName) });
    const badScale = { steps: T, runs: 2, initScale: -1 };
    await assert.rejects(pool.forward([PROMPT], badScale), { message: modelError([PROMPT], badScale) });
    assert.equal(pool.running, 2);
    await assertPoolMatches(pool, [PROMPT], { steps: T, runs: 3, seed: 9, record: ['latent.*'] });
  });

  test("a model that cannot be loaded rejects open() with the loader's message; bad worker counts are refused", async () => {
    const missing = `${sm.dir}-missing`;
    const loadError = await RecurrentDepthModel.load(missing).then(
      () => assert.fail('loading a missing folder was expected to fail'),
      (e: Error) => e.message,
    );
    assert.match(loadError, /config\.json: cannot read the model configuration/);
    await assert.rejects(ForwardPool.open(missing, { workers: 2 }), { message: loadError });
    await assert.rejects(ForwardPool.open(sm.dir, { workers: 0 }), /workers must be a positive integer, got 0/);
  });

  test('a worker that dies rejects the pending call and later ones instead of hanging', async () => {
    const p = await ForwardPool.open(sm.dir, { workers: 2, backend: pool.backend });
    try {
      const pending = assert.rejects(p.forward([PROMPT], { steps: 64, runs: 8, record: ['latent.*'] }), /forward worker 1 exited unexpectedly/);
      // Fault injection: end one worker's thread from outside, as a crash would.
      const workers = (p as unknown as { workers: { worker: Worker }[] }).workers;
      await workers[1]!.worker.terminate();
      await pending;
      await assert.rejects(p.forward([PROMPT], { steps: T, runs: 2 }), /forward worker 1 exited unexpectedly/);
      assert.equal(p.running, 1);
    } finally {
      await p.close();
    }
    assert.equal(p.running, 0);
  });
});

describe('close', () => {
  test('close() ends every worker, rejects calls in flight and later calls, and is idempotent', async () => {
    const p = await ForwardPool.open(sm.dir, { workers: 2, backend: pool.backend });
    assert.equal(p.running, 2);
    // The expectation is attached before closing, so the rejection is never unhandled.
    const inFlight = assert.rejects(p.forward([PROMPT], { steps: 64, runs: 4 }), /ForwardPool has been closed/);
    await p.close();
    assert.equal(p.running, 0);
    await inFlight;
    await assert.rejects(p.forward([PROMPT], { steps: T }), /forward after close\(\)/);
    await p.close();
  });
});
