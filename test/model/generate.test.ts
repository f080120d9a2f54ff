/**
 * generate(): stopping, token budgets, sampled decoding, recorded latents, per-token early exit
 * with every criterion, and option validation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, newTokensWithinBlock, type GenerateOptions, type GeneratedSequence } from '../../src/model/generate.js';
import { EXIT_CRITERIA, type EarlyExitOptions, type ExitCriterion } from '../../src/model/early-exit.js';
import type { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { SMALL_SHAPE, useSyntheticModel } from '../helpers/model.js';

const H = SMALL_SHAPE.nEmbd;
const T = 6;
const A = [4, 8, 15, 16, 23];
const B = [42, 1, 2];

let model: RecurrentDepthModel;
useSyntheticModel((m) => {
  model = m;
});

/** ln_f(state_t) of generated token k: [h]. */
function latentAt(s: GeneratedSequence, k: number, t: number, steps = T): Float32Array {
  return s.latents!.subarray((k * (steps + 1) + t) * H, (k * (steps + 1) + t + 1) * H);
}

describe('budgets and stopping', () => {
  test('maxNewTokens is respected; latents are [tokens, T+1, h]; onToken reports progress', () => {
    const progress: [number, number][] = [];
    const gen = generate(model, [A, B], { maxNewTokens: 5, steps: T, seed: 1, onToken: (n, max) => progress.push([n, max]) });
    assert.equal(gen.steps, T);
    assert.equal(gen.hiddenSize, H);
    assert.deepEqual(progress, [1, 2, 3, 4, 5].map((n) => [n, 5]));
    assert.equal(gen.sequences.length, 2);
    for (const s of gen.sequences) {
      assert.equal(s.tokens.length, 5);
      assert.equal(s.stopReason, 'max-new-tokens');
      assert.deepEqual(s.stepsUsed, [T, T, T, T, T]);
      assert.equal(s.latents!.length, 5 * (T + 1) * H);
      for (const tok of s.tokens) assert.ok(Number.isInteger(tok) && tok >= 0 && tok < SMALL_SHAPE.vocab);
    }
    assert.equal(generate(model, [A], { maxNewTokens: 1, steps: T }).sequences[0]!.tokens.length, 1);
    assert.equal(generate(model, [A], { maxNewTokens: 3, steps: T, recordLatents: false }).sequences[0]!.latents, undefined);
    // Without steps the config's mean_recurrence is used.
    assert.equal(generate(model, [A], { maxNewTokens: 1 }).steps, SMALL_SHAPE.meanRecurrence);
  });

  test('with initScale 0 the step-0 latent of every token is ln_f(0) = 0', () => {
    const s = generate(model, [A], { maxNewTokens: 3, steps: T, initScale: 0 }).sequences[0]!;
    for (let k = 0; k < 3; k++) {
      assert.ok(latentAt(s, k, 0).every((v) => v === 0), `token ${k} step 0`);
      assert.ok(latentAt(s, k, T).some((v) => v !== 0), `token ${k} step T`);
    }
  });

  test("a stop token ends its row (included, stopReason 'stop-token') while the other row continues", () => {
    const opts: GenerateOptions = { maxNewTokens: 8, steps: T, seed: 3, decoding: { temperature: 1 } };
    const free = generate(model, [A, B], opts).sequences;
    // A token that one row emits before its last position and the other row never emits.
    let choice: { stopRow: number; k: number; token: number } | undefined;
    for (const stopRow of [0, 1]) {
      const mine = free[stopRow]!.tokens;
      const theirs = free[1 - stopRow]!.tokens;
      const k = mine.findIndex((tok, i) => i < mine.length - 1 && mine.indexOf(tok) === i && !theirs.includes(tok));
      if (k >= 0) {
        choice = { stopRow, k, token: mine[k]! };
        break;
      }
    }
    assert.ok(choice, `found a distinguishing stop token in ${JSON.stringify(free.map((s) => s.tokens))}`);
    const stopped = generate(model, [A, B], { ...opts, stopTokens: [choice.token] }).sequences;
    const s = stopped[choice.stopRow]!;
    const other = stopped[1 - choice.stopRow]!;
    assert.equal(s.stopReason, 'stop-token');
    assert.deepEqual(s.tokens, free[choice.stopRow]!.tokens.slice(0, choice.k + 1));
    assert.equal(s.tokens[s.tokens.length - 1], choice.token, 'the stop token is included');
    assert.equal(s.stepsUsed.length, choice.k + 1);
    assert.deepEqual(s.latents, free[choice.stopRow]!.latents!.subarray(0, (choice.k + 1) * (T + 1) * H));
    assert.equal(other.stopReason, 'max-new-tokens');
    assert.deepEqual(other.tokens, free[1 - choice.stopRow]!.tokens);
    assert.deepEqual(other.latents, free[1 - choice.stopRow]!.latents);
  });

  test('generation ends as soon as every row has stopped', () => {
    const first = generate(model, [A, B], { maxNewTokens: 1, steps: T, seed: 4 }).sequences.map((s) => s.tokens[0]!);
    let calls = 0;
    const gen = generate(model, [A, B], { maxNewTokens: 10, steps: T, seed: 4, stopTokens: first, onToken: () => calls++ });
    assert.equal(calls, 1);
    gen.sequences.forEach((s, r) => {
      assert.deepEqual(s.tokens, [first[r]]);
      assert.equal(s.stopReason, 'stop-token');
    });
  });
});

describe('decoding', () => {
  test('sampled decoding is reproducible for a seed and differs across seeds', () => {
    const opts: GenerateOptions = { maxNewTokens: 10, steps: T, decoding: { temperature: 1.5 } };
    const a = generate(model, [A], { ...opts, seed: 10 }).sequences[0]!;
    const b = generate(model, [A], { ...opts, seed: 10 }).sequences[0]!;
    const c = generate(model, [A], { ...opts, seed: 11 }).sequences[0]!;
    assert.deepEqual(a.tokens, b.tokens);
    assert.deepEqual(a.latents, b.latents);
    assert.notDeepEqual(a.tokens, c.tokens);
  });

  test('sampling with topK 1 is greedy decoding', () => {
    const greedy = generate(model, [A, B], { maxNewTokens: 6, steps: T, seed: 8 }).sequences.map((s) => s.tokens);
    const top1 = generate(model, [A, B], { maxNewTokens: 6, steps: T, seed: 8, decoding: { topK: 1, temperature: 2 } }).sequences.map((s) => s.tokens);
    assert.deepEqual(top1, greedy);
  });
});

describe('early exit', () => {
  function assertFrozenAfterExit(s: GeneratedSequence, steps = T): void {
    s.stepsUsed.forEach((used, k) => {
      assert.ok(Number.isInteger(used) && used >= 1 && used <= steps, `token ${k} used ${used} steps`);
      const exitLatent = latentAt(s, k, used, steps);
      for (let t = used + 1; t <= steps; t++) assert.deepEqual(latentAt(s, k, t, steps), exitLatent, `token ${k}: latent.${t} equals the exit step ${used}`);
    });
  }

  test("'latent-diff' with a large threshold exits early; later recorded latents equal the exit-step latent", () => {
    const gen = generate(model, [A, B], { maxNewTokens: 4, steps: T, seed: 2, earlyExit: { criterion: 'latent-diff', threshold: 1e9 } });
    for (const s of gen.sequences) {
      assert.equal(s.stepsUsed[0], T, 'the prompt (first token) always runs all steps');
      // Criteria compare step i with i-1, so the earliest exit is at step 2.
      assert.deepEqual(s.stepsUsed.slice(1), [2, 2, 2]);
      assertFrozenAfterExit(s);
      assert.notDeepEqual(latentAt(s, 1, 2), latentAt(s, 1, 1), 'step 2 was really computed');
    }
    const withMin = generate(model, [A], { maxNewTokens: 3, steps: T, seed: 2, earlyExit: { criterion: 'latent-diff', threshold: 1e9, minSteps: 4 } });
    assert.deepEqual(withMin.sequences[0]!.stepsUsed, [T, 4, 4]);
    assertFrozenAfterExit(withMin.sequences[0]!);
  });

  test('threshold 0 never triggers and equals the run without early exit exactly', () => {
    const opts: GenerateOptions = { maxNewTokens: 5, steps: T, seed: 6, runs: 2 };
    const plain = generate(model, [A, B], opts).sequences;
    const never = generate(model, [A, B], { ...opts, earlyExit: { criterion: 'latent-diff', threshold: 0 } }).sequences;
    never.forEach((s, r) => {
      assert.deepEqual(s.stepsUsed, new Array<number>(5).fill(T));
      assert.deepEqual(s.tokens, plain[r]!.tokens);
      assert.deepEqual(s.latents, plain[r]!.latents);
    });
  });

  const settling: Record<ExitCriterion, number> = { kl: 5e-4, 'latent-diff': 0.05, 'entropy-diff': 0.01, 'argmax-stability': 2, cosine: 1e-3 };
  const immediate: Record<ExitCriterion, number> = { kl: 1e9, 'latent-diff': 1e9, 'entropy-diff': 1e9, 'argmax-stability': 0, cosine: 1e9 };

  for (const criterion of EXIT_CRITERIA) {
    test(`criterion '${criterion}' runs, reports stepsUsed in 1..T and freezes the latents after the exit`, () => {
      const gen = generate(model, [A, B], { maxNewTokens: 4, steps: T, seed: 9, earlyExit: { criterion, threshold: settling[criterion] } });
      for (const s of gen.sequences) {
        assert.equal(s.tokens.length, 4);
        assert.equal(s.stepsUsed.length, 4);
        assertFrozenAfterExit(s);
      }
      // A threshold that is always met makes every decoded token exit at the earliest step.
      const eager = generate(model, [A], { maxNewTokens: 3, steps: T, seed: 9, earlyExit: { criterion, threshold: immediate[criterion] } });
      assert.deepEqual(eager.sequences[0]!.stepsUsed, [T, 2, 2]);
    });
  }

  test('argmax-stability with an unreachable count never exits', () => {
    const plain = generate(model, [A], { maxNewTokens: 3, steps: T, seed: 12 }).sequences[0]!;
    const s = generate(model, [A], { maxNewTokens: 3, steps: T, seed: 12, earlyExit: { criterion: 'argmax-stability', threshold: 1000 } }).sequences[0]!;
    assert.deepEqual(s.stepsUsed, [T, T, T]);
    assert.deepEqual(s.tokens, plain.tokens);
  });
});

describe('validation', () => {
  const ok: GenerateOptions = { maxNewTokens: 2, steps: 2 };
  const exit = (e: Partial<EarlyExitOptions>): GenerateOptions => ({ ...ok, earlyExit: { criterion: 'kl', threshold: 1e-3, ...e } as EarlyExitOptions });

  test('prompts and budgets', () => {
    assert.throws(() => generate(model, [], ok), /generate: no prompts/);
    assert.throws(() => generate(model, [A, []], ok), /generate: prompt 1 is empty/);
    assert.throws(() => generate(model, [A], { ...ok, maxNewTokens: 0 }), /generate: maxNewTokens must be a positive integer, got 0/);
    assert.throws(() => generate(model, [A], { ...ok, maxNewTokens: 1.5 }), /maxNewTokens must be a positive integer, got 1\.5/);
    assert.throws(() => generate(model, [A], { ...ok, steps: 0 }), /generate: steps must be a positive integer, got 0/);
    assert.throws(() => generate(model, [A], { ...ok, maxNewTokens: 60 }), /generate: prompt \(5\) \+ maxNewTokens \(60\) exceeds block_size 64/);
    assert.throws(() => generate(model, [[1, SMALL_SHAPE.vocab]], ok), /token id 50 at row 0, position 1 is outside the vocabulary/);
    assert.throws(() => generate(model, [A], { ...ok, initScale: -1 }), /initScale must be a finite number >= 0, got -1/);
    assert.throws(() => generate(model, [A], { ...ok, runs: 0 }), /runs must be a positive integer, got 0/);
  });

  test('decoding options', () => {
    assert.throws(() => generate(model, [A], { ...ok, decoding: { temperature: 0 } }), /sampling temperature must be a positive number, got 0/);
    assert.throws(() => generate(model, [A], { ...ok, decoding: { topK: -1 } }), /sampling topK must be a non-negative integer, got -1/);
    assert.throws(() => generate(model, [A], { ...ok, decoding: { topK: 2.5 } }), /sampling topK must be a non-negative integer/);
    assert.throws(() => generate(model, [A], { ...ok, decoding: { topP: 0 } }), /sampling topP must lie in \(0, 1\], got 0/);
    assert.throws(() => generate(model, [A], { ...ok, decoding: { topP: 1.5 } }), /sampling topP must lie in \(0, 1\]/);
  });

  test('early-exit options', () => {
    assert.throws(() => generate(model, [A], exit({ criterion: 'entropy' as ExitCriterion })), /early exit criterion "entropy" is unknown; expected one of kl, latent-diff, entropy-diff, argmax-stability, cosine/);
    assert.throws(() => generate(model, [A], exit({ threshold: -1 })), /early exit threshold must be a finite number >= 0, got -1/);
    assert.throws(() => generate(model, [A], exit({ threshold: Number.NaN })), /early exit threshold must be a finite number >= 0, got NaN/);
    assert.throws(() => generate(model, [A], exit({ threshold: Infinity })), /early exit threshold must be a finite number >= 0/);
    assert.throws(() => generate(model, [A], exit({ criterion: 'argmax-stability', threshold: 1.5 })), /argmax-stability threshold counts steps and must be an integer, got 1\.5/);
    assert.throws(() => generate(model, [A], exit({ minSteps: 0 })), /early exit minSteps must be a positive integer, got 0/);
  });
});

test('newTokensWithinBlock: the wanted budget, cut to what the block size leaves after the longest prompt', () => {
  assert.equal(newTokensWithinBlock(142, [[1, 2, 3], [4]], 256), 142);
  assert.equal(newTokensWithinBlock(142, [new Array<number>(117).fill(1), [4]], 256), 139);
  assert.equal(newTokensWithinBlock(10, [new Array<number>(256).fill(1)], 256), 1); // generate then reports the overflow
});
