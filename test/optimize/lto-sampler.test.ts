/**
 * The acceptance-rejection sampler against its definition: the limits in beta, the exact output
 * distribution (checked by frequencies over many seeded draws), M > 1 with r_max recomputed over
 * the remaining candidates, the shuffled order, the counters, and bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed } from '../../src/tensor/random.js';
import { acceptanceProbability, ltoSample, ltoSelectionProbabilities } from '../../src/optimize/lto-sampler.js';

const REWARDS = [0.5, 0.7, 0.9, 0.6];

function frequencies(rewards: number[], draws: number, options: { beta: number; order?: 'given' | 'shuffled' }): number[] {
  const counts = new Array<number>(rewards.length).fill(0);
  for (let s = 0; s < draws; s++) counts[ltoSample(rewards, { ...options, seed: deriveSeed('frequencies', s) }).selected]! += 1;
  return counts.map((c) => c / draws);
}

test('acceptance probability is exp((r - r_max) / beta)', () => {
  assert.equal(acceptanceProbability(0.9, 0.9, 1e-3), 1);
  assert.ok(Math.abs(acceptanceProbability(0.5, 0.9, 0.2) - Math.exp(-2)) < 1e-15);
  assert.equal(acceptanceProbability(0.1, 0.9, Infinity), 1);
});

test('beta -> 0 picks the highest reward (first of tied maxima); beta -> infinity picks the first candidate', () => {
  for (let seed = 0; seed < 50; seed++) {
    assert.equal(ltoSample(REWARDS, { beta: 1e-9, seed }).selected, 2);
    assert.equal(ltoSample([0.3, 0.8, 0.1, 0.8], { beta: 1e-9, seed }).selected, 1);
    assert.equal(ltoSample(REWARDS, { beta: 1e12, seed }).selected, 0);
    assert.equal(ltoSample(REWARDS, { beta: Infinity, seed }).selected, 0);
  }
});

test('output frequencies over 20000 seeded draws match a_i * prod_{j<i} (1 - a_j)', () => {
  const beta = 0.2;
  // a = [e^-2, e^-1, 1, e^-1.5]: the last candidate is never reached, the max always accepts.
  const a = REWARDS.map((r) => Math.exp((r - 0.9) / beta));
  const expected = [a[0]!, (1 - a[0]!) * a[1]!, (1 - a[0]!) * (1 - a[1]!), 0];
  const exact = ltoSelectionProbabilities(REWARDS, beta);
  expected.forEach((p, i) => assert.ok(Math.abs(exact[i]! - p) < 1e-12, `exact P(${i}) = ${exact[i]}, formula ${p}`));
  const draws = 20000;
  const observed = frequencies(REWARDS, draws, { beta });
  observed.forEach((f, i) => {
    const tolerance = 4 * Math.sqrt((expected[i]! * (1 - expected[i]!)) / draws) + 1e-9;
    assert.ok(Math.abs(f - expected[i]!) <= tolerance, `P(${i}): observed ${f}, expected ${expected[i]} +- ${tolerance}`);
  });
});

test('shuffled order: beta -> infinity picks uniformly, beta -> 0 still the best', () => {
  const draws = 8000;
  const observed = frequencies(REWARDS, draws, { beta: Infinity, order: 'shuffled' });
  const tolerance = 4 * Math.sqrt((0.25 * 0.75) / draws);
  observed.forEach((f, i) => assert.ok(Math.abs(f - 0.25) <= tolerance, `P(${i}) = ${f}`));
  for (let seed = 0; seed < 20; seed++) assert.equal(ltoSample(REWARDS, { beta: 1e-9, order: 'shuffled', seed }).selected, 2);
});

test('M > 1: accepted candidates leave the pool and r_max is recomputed, so beta -> 0 accepts in reward order', () => {
  const s = ltoSample(REWARDS, { beta: 1e-9, accept: 3, seed: 1 });
  assert.deepEqual(s.accepted, [2, 1, 3]);
  assert.equal(s.selected, 2);
  assert.equal(s.passes, 3);
  // Pass 1 tests all 4 (only 2 accepts), pass 2 tests 0, 1, 3 (only 1 accepts; M is not yet
  // reached, so the pass goes on), pass 3 tests 0 and 3 (3 accepts).
  assert.equal(s.tests, 4 + 3 + 2);
  for (let seed = 0; seed < 30; seed++) {
    const m = ltoSample(REWARDS, { beta: 0.1, accept: 4, seed });
    assert.deepEqual([...m.accepted].sort(), [0, 1, 2, 3]);
    assert.equal(m.selected, m.accepted[0]);
  }
  const all = ltoSample(REWARDS, { beta: Infinity, accept: 2, seed: 3 });
  assert.deepEqual([all.accepted, all.tests, all.passes], [[0, 1], 2, 1]);
});

test('a seed fixes the draw; different seeds differ', () => {
  const options = { beta: 0.3, accept: 2 };
  assert.deepEqual(ltoSample(REWARDS, { ...options, seed: 'q7' }), ltoSample(REWARDS, { ...options, seed: 'q7' }));
  const outputs = new Set(Array.from({ length: 40 }, (_, s) => ltoSample(REWARDS, { ...options, seed: s }).accepted.join(',')));
  assert.ok(outputs.size > 1);
});

test('bad input is named', () => {
  assert.throws(() => ltoSample(REWARDS, { beta: 0, seed: 1 }), /beta is 0; expected a number > 0/);
  assert.throws(() => ltoSample(REWARDS, { beta: -1, seed: 1 }), /beta is -1/);
  assert.throws(() => ltoSample(REWARDS, { beta: NaN, seed: 1 }), /beta is NaN/);
  assert.throws(() => ltoSample(REWARDS, { beta: 1, accept: 0, seed: 1 }), /accept \(M\) is 0; expected an integer >= 1/);
  assert.throws(() => ltoSample(REWARDS, { beta: 1, accept: 1.5, seed: 1 }), /accept \(M\) is 1\.5/);
  assert.throws(() => ltoSample(REWARDS, { beta: 1, accept: 5, seed: 1 }), /accept \(M\) is 5 but there are only 4 candidates/);
  assert.throws(() => ltoSample([0.1, NaN], { beta: 1, seed: 1 }), /rewards\[1\] is NaN; expected a finite number/);
  assert.throws(() => ltoSample([], { beta: 1, seed: 1 }), /rewards is empty/);
  assert.throws(() => ltoSample(REWARDS, { beta: 1, seed: 1, order: 'sorted' as never }), /order is "sorted"/);
  assert.throws(() => ltoSelectionProbabilities(REWARDS, 0), /beta is 0/);
});
