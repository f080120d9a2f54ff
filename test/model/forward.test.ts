/**
 * RecurrentDepthModel.forward on a small synthetic model: seeding and initial states, latent
 * recording by name and position, batched runs, left padding with an attention mask, and input
 * validation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/tensor/random.js';
import { InitialStateSampler } from '../../src/model/initial-state.js';
import { KvCache } from '../../src/model/kv-cache.js';
import { generate } from '../../src/model/generate.js';
import { forceCostlyOps } from '../../src/model/layers/layout.js';
import type { ForwardOptions, ForwardResult, RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { SMALL_SHAPE, assertClose, loadSyntheticModel, maxAbsDiff, row, values, useSyntheticModel } from '../helpers/model.js';

const H = SMALL_SHAPE.nEmbd;
const V = SMALL_SHAPE.vocab;
const T = 4;
const PROMPT = [3, 14, 15, 9, 2, 6];
const SHORT = [27, 18, 28];

let model: RecurrentDepthModel;
useSyntheticModel((m) => {
  model = m;
});

/** Runs forward, hands the result to `fn`, and disposes it. */
function withForward<R>(ids: readonly (readonly number[])[], options: ForwardOptions, fn: (r: ForwardResult) => R): R {
  return withForwardOf(model, ids, options, fn);
}

function withForwardOf<R>(m: RecurrentDepthModel, ids: readonly (readonly number[])[], options: ForwardOptions, fn: (r: ForwardResult) => R): R {
  const r = m.forward(ids, options);
  try {
    return fn(r);
  } finally {
    r.dispose();
  }
}

function rec(r: ForwardResult, name: string): Float32Array {
  const t = r.records.get(name);
  assert.ok(t, `record ${name} present`);
  return Float32Array.from(values(t));
}

function latentNames(steps: number): string[] {
  return Array.from({ length: steps + 1 }, (_, t) => `latent.${t}`);
}

function randomStates(seed: number, n: number, std = 0.6): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * std);
}

describe('initial states and seeding', () => {
  test('the same seed gives bit-identical latents; a different seed gives different ones', () => {
    const opts = { steps: T, record: ['latent.*'], positions: 'all' as const };
    const a = withForward([PROMPT], { ...opts, seed: 7 }, (r) => latentNames(T).map((n) => rec(r, n)));
    const b = withForward([PROMPT], { ...opts, seed: 7 }, (r) => latentNames(T).map((n) => rec(r, n)));
    const c = withForward([PROMPT], { ...opts, seed: 8 }, (r) => latentNames(T).map((n) => rec(r, n)));
    assert.deepEqual(a, b);
    for (let t = 0; t <= T; t++) assert.ok(maxAbsDiff(a[t]!, c[t]!) > 1e-3, `latent.${t} must depend on the seed`);
  });

  test('initScale 0 gives an all-zero state.0; initScale 1 has the documented truncated std sqrt(2/5)', () => {
    const zero = withForward([PROMPT], { steps: T, initScale: 0, seed: 3, record: ['state.0', 'latent.0'], positions: 'all' }, (r) => [rec(r, 'state.0'), rec(r, 'latent.0')]);
    assert.equal(zero[0]!.length, PROMPT.length * H);
    assert.ok(zero[0]!.every((v) => v === 0));
    assert.ok(zero[1]!.every((v) => v === 0), 'ln_f(0) = 0');
    const long = Array.from({ length: 60 }, (_, i) => i % V);
    const s0 = withForward([long], { steps: 0, seed: 3, record: ['state.0'], positions: 'all', logits: 'none' }, (r) => rec(r, 'state.0'));
    const sigma = Math.sqrt(2 / 5);
    const std = Math.sqrt(s0.reduce((s, v) => s + v * v, 0) / s0.length);
    assert.ok(Math.abs(std - 0.986 * sigma) < 0.05, `std ${std}`); // truncation at 3 sigma shrinks the std by ~1.4%
    assert.ok(s0.every((v) => Math.abs(v) <= 3 * sigma + 1e-6), 'truncated at 3 sigma');
  });

  test('an explicit initialState (array or tensor) is state.0 and fixes the result, whatever the seed', () => {
    const s0 = randomStates(99, PROMPT.length * H);
    const opts = { steps: T, record: ['state.0', `latent.${T}`], positions: 'all' as const, logits: 'all' as const };
    const a = withForward([PROMPT], { ...opts, initialState: s0, seed: 1 }, (r) => [rec(r, 'state.0'), rec(r, `latent.${T}`), Float32Array.from(values(r.logits!))]);
    assert.deepEqual(a[0], s0);
    const tensor = tf.tensor3d(s0, [1, PROMPT.length, H]);
    const b = withForward([PROMPT], { ...opts, initialState: tensor, seed: 2 }, (r) => [rec(r, 'state.0'), rec(r, `latent.${T}`), Float32Array.from(values(r.logits!))]);
    assert.ok(!tensor.isDisposed, 'a given tensor is not consumed');
    tensor.dispose();
    assert.deepEqual(b, a);
    const seeded = withForward([PROMPT], { ...opts, seed: 1 }, (r) => rec(r, `latent.${T}`));
    assert.ok(maxAbsDiff(seeded, a[1]!) > 1e-3, 'the given state, not the seed, was used');
    assert.throws(() => model.forward([PROMPT], { steps: T, initialState: s0.subarray(H) }), /initialState has 160 values, expected rows x positions x h = 1 x 6 x 32/);
    const wrong = tf.zeros([1, PROMPT.length, H + 1]) as tf.Tensor3D;
    assert.throws(() => model.forward([PROMPT], { steps: T, initialState: wrong }), /initialState tensor has shape \[1, 6, 33\], expected \[1, 6, 32\]/);
    wrong.dispose();
  });
});

describe('recording', () => {
  test('latent.* gives T+1 tensors [rows, P, h]; latent.t = ln_f(state.t)', () => {
    withForward([PROMPT, PROMPT.map((x) => (x + 5) % V)], { steps: T, seed: 5, record: ['latent.*', 'state.*'], positions: 'all' }, (r) => {
      assert.deepEqual([...r.records.keys()].filter((n) => n.startsWith('latent.')).sort(), latentNames(T).sort());
      for (let t = 0; t <= T; t++) {
        assert.deepEqual(r.records.get(`latent.${t}`)!.shape, [2, PROMPT.length, H]);
        const normed = model.finalNorm(r.records.get(`state.${t}`)!);
        assertClose(values(normed), rec(r, `latent.${t}`), 1e-6, `latent.${t}`);
        normed.dispose();
      }
      assert.deepEqual(r.finalState.shape, [2, PROMPT.length, H]);
      assert.deepEqual(values(r.finalState), rec(r, `state.${T}`));
    });
  });

  test("positions 'last', 'all' and explicit lists (negative counts from the end) pick the same values", () => {
    const opts = { steps: T, seed: 5, record: ['latent.2', 'state.0', 'prelude.out', 'embed', 'coda.out', 'logits'] };
    const all = withForward([PROMPT], { ...opts, positions: 'all' }, (r) => new Map([...r.records].map(([n, t]) => [n, { shape: t.shape, data: Float32Array.from(values(t)) }])));
    const width = (n: string): number => (n === 'logits' ? V : H);
    for (const n of opts.record) assert.deepEqual(all.get(n)!.shape, [1, PROMPT.length, width(n)], n);
    const pickRows = (n: string, ps: number[]): Float32Array => Float32Array.from(ps.flatMap((p) => [...row(all.get(n)!.data, p, width(n))]));
    withForward([PROMPT], { ...opts, positions: 'last' }, (r) => {
      for (const n of opts.record) {
        assert.deepEqual(r.records.get(n)!.shape, [1, 1, width(n)], n);
        assertClose(rec(r, n), pickRows(n, [PROMPT.length - 1]), 1e-6, `${n} last`);
      }
    });
    withForward([PROMPT], { ...opts, positions: [0, 2, -1] }, (r) => {
      for (const n of opts.record) {
        assert.deepEqual(r.records.get(n)!.shape, [1, 3, width(n)], n);
        assertClose(rec(r, n), pickRows(n, [0, 2, PROMPT.length - 1]), 1e-6, `${n} [0, 2, -1]`);
      }
    });
    // The default is 'last'.
    withForward([PROMPT], { steps: T, seed: 5, record: ['latent.2'] }, (r) => assert.deepEqual(r.records.get('latent.2')!.shape, [1, 1, H]));
  });

  test('logits.t decodes step t; logits.T and the logits record equal the final logits; ranges and logits options', () => {
    withForward([PROMPT], { steps: T, seed: 9, record: ['logits.*', 'logits', 'state.1-3'], positions: 'all', logits: 'all' }, (r) => {
      const names = [...r.records.keys()].sort();
      assert.deepEqual(names, ['logits', 'logits.1', 'logits.2', 'logits.3', 'logits.4', 'state.1', 'state.2', 'state.3']);
      assert.deepEqual(r.logits!.shape, [1, PROMPT.length, V]);
      assertClose(rec(r, `logits.${T}`), values(r.logits!), 1e-5, 'logits.T');
      assertClose(rec(r, 'logits'), values(r.logits!), 0, 'logits record');
      assert.ok(maxAbsDiff(rec(r, 'logits.1'), values(r.logits!)) > 1e-3, 'step 1 decodes differently from step T');
    });
    withForward([PROMPT], { steps: T, seed: 9, logits: 'none', record: ['latent.1'] }, (r) => {
      assert.equal(r.logits, undefined);
      assert.ok(r.records.has('latent.1'));
    });
    withForward([PROMPT], { steps: T, seed: 9 }, (r) => assert.deepEqual(r.logits!.shape, [1, 1, V], "logits default to 'last'"));
    // With steps omitted the config's mean_recurrence (4 here) is used.
    withForward([PROMPT], { seed: 9, record: ['latent.*'] }, (r) => assert.equal(r.records.size, SMALL_SHAPE.meanRecurrence! + 1));
  });

  test('unknown names, steps out of range and positions out of range are errors', () => {
    assert.throws(() => model.forward([PROMPT], { steps: T, record: ['latnt.1'] }), /unknown latent name "latnt\.1"/);
    assert.throws(() => model.forward([PROMPT], { steps: T, record: ['hidden'] }), /unknown latent name "hidden"/);
    assert.throws(() => model.forward([PROMPT], { steps: T, record: [`latent.${T + 1}`] }), /latent name "latent\.5": steps must lie in 0\.\.4 for a run of 4 steps/);
    assert.throws(() => model.forward([PROMPT], { steps: T, record: ['state.3-9'] }), /steps must lie in 0\.\.4/);
    assert.throws(() => model.forward([PROMPT], { steps: T, record: ['state.3-1'] }), /steps must lie in 0\.\.4/);
    assert.throws(() => model.forward([PROMPT], { steps: T, positions: [PROMPT.length] }), /positions: position 6 is outside 0\.\.5/);
    assert.throws(() => model.forward([PROMPT], { steps: T, positions: [-7] }), /positions: position -7 is outside 0\.\.5/);
    assert.throws(() => model.forward([PROMPT], { steps: T, logits: [1.5] }), /logits: position 1\.5 is outside 0\.\.5/);
  });
});

describe("the native backend's layer layout (fewer ops: head-major attention with the rotation folded in, the norms' mean as a matMul)", () => {
  /** Runs `fn` with opsAreCostly() forced to `costly`, restoring the backend's answer after. */
  function withLayout<R>(costly: boolean, fn: () => R): R {
    forceCostlyOps(costly);
    try {
      return fn();
    } finally {
      forceCostlyOps(undefined);
    }
  }

  test('forward agrees with the default layout (2 prompts x 2 runs, padding, every step)', () => {
    const options: ForwardOptions = { steps: T, runs: 2, seed: 7, record: [...latentNames(T), 'prelude.out'], positions: 'all', logits: 'all', attentionMask: [[1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1]] };
    const ids = [PROMPT, [0, 0, 0, ...SHORT]];
    const read = (r: ForwardResult) => [...options.record!.map((name) => rec(r, name)), values(r.logits!)];
    const plain = withLayout(false, () => withForward(ids, options, read));
    const costly = withLayout(true, () => withForward(ids, options, read));
    plain.forEach((expected, i) => assertClose(costly[i]!, expected, 1e-4, options.record![i] ?? 'logits'));
  });

  test('the head-major copies are built at the first call that needs them, and survive a caller\'s tf.tidy', async () => {
    const fresh = await loadSyntheticModel();
    try {
      const splitBytes = fresh.model.derivedWeightBytes;
      withLayout(false, () => fresh.model.forward([PROMPT], { steps: 1 }).dispose());
      assert.equal(fresh.model.derivedWeightBytes, splitBytes, 'not built for the default layout');
      const first = withLayout(true, () => tf.tidy(() => withForwardOf(fresh.model, [PROMPT], { steps: T, seed: 2 }, (r) => values(r.logits!))));
      assert.ok(fresh.model.derivedWeightBytes > splitBytes, 'built for the native layout');
      const again = withLayout(true, () => withForwardOf(fresh.model, [PROMPT], { steps: T, seed: 2 }, (r) => values(r.logits!)));
      assert.deepEqual(again, first, 'the copies built inside tf.tidy are still alive');
    } finally {
      await fresh.close();
    }
  });

  test('greedy generation with the KV cache gives the same tokens, and repeated calls do not grow the tensor count', () => {
    const decode = () => generate(model, [PROMPT], { maxNewTokens: 6, steps: T, seed: 3 }).sequences[0]!.tokens;
    const expected = withLayout(false, decode);
    withLayout(true, () => {
      assert.deepEqual(decode(), expected);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) withForward([PROMPT], { steps: T, seed: i, record: latentNames(T) }, () => undefined);
      decode();
      assert.equal(tf.memory().numTensors, before);
    });
  });
});

describe('batched runs', () => {
  test('runs: R — row r equals a single-run call seeded with row seed r; the prelude is shared', () => {
    const R = 3;
    const seed = 11;
    const opts = { steps: T, record: ['latent.*', 'prelude.out', 'embed'], positions: 'all' as const, logits: 'all' as const };
    const batched = model.forward([PROMPT], { ...opts, runs: R, seed });
    try {
      const per = PROMPT.length * H;
      const seeds = InitialStateSampler.rowSeeds(seed, R);
      for (let r = 0; r < R; r++) {
        const sampler = new InitialStateSampler(model.config, [seeds[r]!], 1);
        withForward([PROMPT], { ...opts, sampler }, (single) => {
          for (const n of latentNames(T)) assertClose(row(rec(batched, n), r, per), rec(single, n), 1e-5, `run ${r} ${n}`);
          assertClose(row(Float32Array.from(values(batched.logits!)), r, PROMPT.length * V), values(single.logits!), 1e-5, `run ${r} logits`);
        });
      }
      for (const n of ['prelude.out', 'embed']) {
        const data = rec(batched, n);
        for (let r = 1; r < R; r++) assert.deepEqual(row(data, r, per), row(data, 0, per), `${n} identical across runs`);
      }
      const s0 = rec(batched, 'latent.0');
      assert.ok(maxAbsDiff(row(s0, 0, per), row(s0, 1, per)) > 1e-2, 'runs have their own initial states');
    } finally {
      batched.dispose();
    }
  });

  test('two prompts x two runs: row b * runs + r is run r of prompt b', () => {
    const other = [7, 7, 1, 8, 2, 8];
    const seed = 'two-by-two';
    const seeds = InitialStateSampler.rowSeeds(seed, 4);
    const opts = { steps: T, record: [`latent.${T}`], positions: 'all' as const };
    const batched = withForward([PROMPT, other], { ...opts, runs: 2, seed }, (r) => rec(r, `latent.${T}`));
    const per = PROMPT.length * H;
    [
      [PROMPT, 0],
      [PROMPT, 1],
      [other, 2],
      [other, 3],
    ].forEach(([prompt, r]) => {
      const sampler = new InitialStateSampler(model.config, [seeds[r as number]!], 1);
      const single = withForward([prompt as number[]], { ...opts, sampler }, (s) => rec(s, `latent.${T}`));
      assertClose(row(batched, r as number, per), single, 1e-5, `row ${r}`);
    });
  });
});

describe('padding', () => {
  test('left-padded prompts with attentionMask give the same last-position latents and logits as alone; without the mask they differ', () => {
    const opts = { steps: T, record: latentNames(T), positions: 'last' as const, logits: 'last' as const };
    const sLong = randomStates(1, PROMPT.length * H);
    const sShort = randomStates(2, SHORT.length * H);
    const alone = (ids: number[], s0: Float32Array): Float32Array[] =>
      withForward([ids], { ...opts, initialState: s0 }, (r) => [...latentNames(T).map((n) => rec(r, n)), Float32Array.from(values(r.logits!))]);
    const wantLong = alone(PROMPT, sLong);
    const wantShort = alone(SHORT, sShort);

    const pad = PROMPT.length - SHORT.length;
    const junk = randomStates(3, pad * H, 5); // the padded positions' states must not matter
    const s0 = Float32Array.from([...sLong, ...junk, ...sShort]);
    const mask = [new Array<number>(PROMPT.length).fill(1), [...new Array<number>(pad).fill(0), ...new Array<number>(SHORT.length).fill(1)]];
    const batch = (padId: number, attentionMask: number[][] | undefined): Float32Array[][] =>
      withForward([PROMPT, [...new Array<number>(pad).fill(padId), ...SHORT]], { ...opts, initialState: s0, ...(attentionMask ? { attentionMask } : {}) }, (r) => {
        const perLatent = H;
        const out = [...latentNames(T).map((n) => rec(r, n)), Float32Array.from(values(r.logits!))];
        return [0, 1].map((b) => out.map((x, i) => row(x, b, i === out.length - 1 ? V : perLatent)));
      });
    const masked = batch(0, mask);
    const names = [...latentNames(T), 'logits'];
    names.forEach((n, i) => {
      assertClose(masked[0]![i]!, wantLong[i]!, 1e-4, `long prompt ${n}`);
      assertClose(masked[1]![i]!, wantShort[i]!, 1e-4, `short prompt ${n}`);
    });
    // Any pad id gives the same result under the mask.
    const otherPad = batch(41, mask);
    names.forEach((n, i) => assertClose(otherPad[1]![i]!, masked[1]![i]!, 1e-5, `pad id ${n}`));
    // Without the mask the padded prompt attends to the padding and changes.
    const unmasked = batch(0, undefined);
    assert.ok(maxAbsDiff(unmasked[1]![T]!, wantShort[T]!) > 1e-3, 'latent.T of the padded prompt differs without the mask');
    assert.ok(maxAbsDiff(unmasked[1]![T + 1]!, wantShort[T + 1]!) > 1e-3, 'logits of the padded prompt differ without the mask');
    // A mask of all ones is the same as no mask.
    const ones = withForward([PROMPT], { ...opts, initialState: sLong, attentionMask: [new Array<number>(PROMPT.length).fill(1)] }, (r) => rec(r, `latent.${T}`));
    assert.deepEqual(ones, wantLong[T]);
  });
});

describe('input validation', () => {
  test('token ids outside the vocabulary or not integers are rejected with row and position', () => {
    assert.throws(() => model.forward([[1, V]], { steps: 1 }), /forward: token id 50 at row 0, position 1 is outside the vocabulary \[0, 50\)/);
    assert.throws(() => model.forward([[1], [-1]], { steps: 1 }), /token id -1 at row 1, position 0 is outside the vocabulary/);
    assert.throws(() => model.forward([[1.5]], { steps: 1 }), /token id 1\.5 at row 0, position 0/);
  });

  test('rows of unequal length, empty batches and empty rows are rejected', () => {
    assert.throws(() => model.forward([[1, 2], [3]], { steps: 1 }), /forward: token id row 1 has length 1, expected 2 \(left-pad and pass attentionMask\)/);
    assert.throws(() => model.forward([], { steps: 1 }), /forward: empty batch of token ids/);
    assert.throws(() => model.forward([[]], { steps: 1 }), /forward: token id rows must not be empty/);
  });

  test('bad attention masks are rejected', () => {
    assert.throws(() => model.forward([[1, 2]], { steps: 1, attentionMask: [[1, 2]] }), /attentionMask\[0\]\[1\] = 2; expected 0 \(padding\) or 1 \(token\)/);
    assert.throws(() => model.forward([[1, 2]], { steps: 1, attentionMask: [[1, 0.5]] }), /attentionMask\[0\]\[1\] = 0\.5/);
    assert.throws(() => model.forward([[1, 2]], { steps: 1, attentionMask: [[1, 1], [1, 1]] }), /attentionMask has 2 rows, expected 1 \(prompts\) or 1 \(prompts x runs\)/);
    assert.throws(() => model.forward([[1, 2]], { steps: 1, attentionMask: [[1, 1, 1]] }), /attentionMask row 0 has 3 entries, expected 2 \(cached \+ new positions\)/);
  });

  test('bad steps, runs, initScale, sampler and lengths beyond block_size are rejected', () => {
    assert.throws(() => model.forward([[1]], { steps: -1 }), /forward: steps must be a non-negative integer, got -1/);
    assert.throws(() => model.forward([[1]], { steps: 1.5 }), /forward: steps must be a non-negative integer, got 1\.5/);
    assert.throws(() => model.forward([[1]], { runs: 0 }), /forward: runs must be a positive integer, got 0/);
    assert.throws(() => model.forward([[1]], { initScale: -1 }), /initScale must be a finite number >= 0, got -1/);
    const sampler = new InitialStateSampler(model.config, InitialStateSampler.rowSeeds(0, 2));
    assert.throws(() => model.forward([[1]], { steps: 1, sampler }), /initial-state sampler has 2 rows, the batch has 1/);
    const tooLong = new Array<number>(SMALL_SHAPE.blockSize! + 1).fill(1);
    assert.throws(() => model.forward([tooLong], { steps: 1 }), /sequence of 65 positions exceeds the model's block_size 64/);
  });

  test('runs > 1 on a non-empty cache is refused with an error about runs (not a tensor shape error)', () => {
    const cache = new KvCache();
    try {
      model.forward([[1, 2, 3]], { steps: 1, runs: 2, cache }).dispose();
      assert.throws(() => model.forward([[4]], { steps: 1, runs: 2, cache }), (e: Error) => {
        assert.match(e.message, /runs/, `unclear error: ${e.message}`);
        return true;
      });
    } finally {
      cache.dispose();
    }
  });

  test('a disposed model refuses to run', async () => {
    const other = await loadSyntheticModel();
    other.model.dispose();
    try {
      assert.throws(() => other.model.forward([[1]], { steps: 1 }), /this model has been disposed/);
    } finally {
      await other.close();
    }
  });
});
