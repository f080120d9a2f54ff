/**
 * The per-step KV cache: decoding token by token with `generate` equals recomputing the whole
 * sequence with one `forward`, with random initial states drawn from the same row streams; and
 * batched generation (several runs, prompts of unequal length, early exit) equals generating
 * each row on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InitialStateSampler } from '../../src/model/initial-state.js';
import { generate, leftPad, type GenerationResult } from '../../src/model/generate.js';
import { argmax } from '../../src/model/sampling.js';
import type { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { SMALL_SHAPE, assertClose, referenceGreedyDecode, row, values, useSyntheticModel } from '../helpers/model.js';

const H = SMALL_SHAPE.nEmbd;
const V = SMALL_SHAPE.vocab;
const T = 4;
const N = 6;
const LONG = [5, 17, 33, 2, 48];
const SHORT = [11, 40, 7];

let model: RecurrentDepthModel;
useSyntheticModel((m) => {
  model = m;
});

/** Latents of generated token k of a sequence: [T+1, h]. */
function tokenLatents(latents: Float32Array, k: number, steps: number): Float32Array {
  return latents.subarray(k * (steps + 1) * H, (k + 1) * (steps + 1) * H);
}

/**
 * Recomputes a generation in one forward pass over prompt + generated tokens (except the last),
 * with the initial states the generator drew (prompt positions first, then one per new token),
 * and checks every generated token's per-step latents and greedy choice.
 */
function checkAgainstFullRecompute(gen: GenerationResult, prompts: number[][], runs: number, seed: number, initScale: number): void {
  const rows = prompts.length * runs;
  const { ids, mask } = leftPad(prompts, 0);
  const length = ids[0]!.length;
  const newTokens = gen.sequences[0]!.tokens.length;
  for (const s of gen.sequences) assert.equal(s.tokens.length, newTokens, 'no stop tokens: every row has the same length');
  const fullIds: number[][] = [];
  const fullMask: number[][] = [];
  gen.sequences.forEach((s, r) => {
    const b = Math.floor(r / runs);
    assert.equal(s.prompt, b);
    assert.equal(s.run, r % runs);
    fullIds.push([...ids[b]!, ...s.tokens.slice(0, -1)]);
    fullMask.push([...mask[b]!, ...new Array<number>(newTokens - 1).fill(1)]);
  });
  const total = length + newTokens - 1;
  const sampler = new InitialStateSampler(model.config, InitialStateSampler.rowSeeds(seed, rows), initScale);
  // Padding draws nothing from a row's stream (and starts from zero), as in the generator.
  const initialState = sampler.next(total, fullMask);
  const names = Array.from({ length: T + 1 }, (_, t) => `latent.${t}`);
  const out = model.forward(fullIds, { steps: T, initialState, attentionMask: fullMask, record: names, positions: 'all', logits: 'all' });
  try {
    const recorded = names.map((n) => Float32Array.from(values(out.records.get(n)!)));
    const logits = Float32Array.from(values(out.logits!));
    gen.sequences.forEach((s, r) => {
      for (let k = 0; k < newTokens; k++) {
        const pos = length - 1 + k;
        for (let t = 0; t <= T; t++) {
          const want = row(recorded[t]!, r * total + pos, H);
          const got = row(tokenLatents(s.latents!, k, T), t, H);
          assertClose(got, want, 1e-4, `row ${r} token ${k} latent.${t}`);
        }
        assert.equal(argmax(logits, V, (r * total + pos) * V), s.tokens[k], `row ${r} token ${k} is the argmax of the recomputed logits`);
      }
    });
  } finally {
    out.dispose();
  }
}

test('cached greedy decoding with random initial states equals one full forward pass', () => {
  const seed = 1234;
  const gen = generate(model, [LONG], { maxNewTokens: N, steps: T, seed, initScale: 1, recordLatents: true });
  assert.equal(gen.sequences[0]!.tokens.length, N);
  assert.equal(gen.sequences[0]!.latents!.length, N * (T + 1) * H);
  checkAgainstFullRecompute(gen, [LONG], 1, seed, 1);
});

test('cached decoding of two unequal prompts x two runs equals one full (padded, masked) forward pass', () => {
  const seed = 77;
  const gen = generate(model, [LONG, SHORT], { maxNewTokens: N, steps: T, seed, runs: 2, initScale: 1 });
  assert.equal(gen.sequences.length, 4);
  checkAgainstFullRecompute(gen, [LONG, SHORT], 2, seed, 1);
});

test('a single-row forward+cache reference decoder reproduces generate exactly (validates the reference)', () => {
  const seed = 5;
  const gen = generate(model, [SHORT], { maxNewTokens: N, steps: T, seed });
  const ref = referenceGreedyDecode(model, SHORT, { steps: T, maxNewTokens: N, rowSeed: InitialStateSampler.rowSeeds(seed, 1)[0]! });
  assert.deepEqual(gen.sequences[0]!.tokens, ref.tokens);
  ref.latents.forEach((l, k) => assertClose(tokenLatents(gen.sequences[0]!.latents!, k, T), l, 1e-6, `token ${k}`));
});

test('batched generation (2 unequal prompts x 3 runs) equals unbatched generation of every row with its row seed', () => {
  const seed = 2024;
  const runs = 3;
  const prompts = [SHORT, LONG];
  const rows = prompts.length * runs;
  const gen = generate(model, prompts, { maxNewTokens: N, steps: T, seed, runs });
  const seeds = InitialStateSampler.rowSeeds(seed, rows);
  gen.sequences.forEach((s, r) => {
    const prompt = prompts[s.prompt]!;
    assert.equal(s.prompt, Math.floor(r / runs));
    assert.equal(s.run, r % runs);
    // Padding draws nothing from a row's stream: the unpadded reference sees the same noise.
    const ref = referenceGreedyDecode(model, prompt, { steps: T, maxNewTokens: N, rowSeed: seeds[r]! });
    assert.deepEqual(s.tokens, ref.tokens, `row ${r} tokens`);
    ref.latents.forEach((l, k) => assertClose(tokenLatents(s.latents!, k, T), l, 1e-4, `row ${r} token ${k} latents`));
  });
  // Runs of one prompt really differ (their own noise), so the comparison is not trivial.
  assert.notDeepEqual(gen.sequences[0]!.latents, gen.sequences[1]!.latents);
});

test('row 0 of a batch uses the same seed stream as a single-prompt call with the same seed', () => {
  const seed = 31;
  const batched = generate(model, [LONG, SHORT], { maxNewTokens: N, steps: T, seed, runs: 2 });
  const alone = generate(model, [LONG], { maxNewTokens: N, steps: T, seed });
  assert.deepEqual(batched.sequences[0]!.tokens, alone.sequences[0]!.tokens);
  assertClose(batched.sequences[0]!.latents!, alone.sequences[0]!.latents!, 1e-4, 'row 0 latents');
});

test('early exit in a batch whose rows exit at different steps equals generating each row alone', () => {
  // Deterministic states (initScale 0) so that each prompt alone is a well-defined reference.
  const A = [1, 2, 3, 4];
  const B = [7, 8, 9, 10];
  const steps = 8;
  const base = { maxNewTokens: 5, steps, initScale: 0 } as const;
  // Pick the first threshold at which the two rows exit at different steps before the last token.
  let found: { threshold: number; batched: GenerationResult } | undefined;
  for (const threshold of [0.5, 0.3, 0.2, 0.1, 0.05]) {
    const batched = generate(model, [A, B], { ...base, earlyExit: { criterion: 'latent-diff', threshold } });
    const [a, b] = batched.sequences.map((s) => s.stepsUsed) as [number[], number[]];
    if (a.slice(0, -1).some((x, k) => x !== b[k] && Math.min(x, b[k]!) < steps)) {
      found = { threshold, batched };
      break;
    }
  }
  assert.ok(found, 'some threshold makes the rows exit at different steps');
  const earlyExit = { criterion: 'latent-diff', threshold: found.threshold } as const;
  [A, B].forEach((prompt, r) => {
    const alone = generate(model, [prompt], { ...base, earlyExit }).sequences[0]!;
    const inBatch = found!.batched.sequences[r]!;
    assert.deepEqual(inBatch.stepsUsed, alone.stepsUsed, `row ${r} steps used`);
    assert.deepEqual(inBatch.tokens, alone.tokens, `row ${r} tokens`);
    // A row that exited at step k must leave the cache entries of step k for the later steps,
    // whatever the other rows of the batch still compute.
    assertClose(inBatch.latents!, alone.latents!, 1e-5, `row ${r} latents (threshold ${found!.threshold})`);
  });
});
