import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainOfEmbedding, chainOfEmbeddingByStep, coeScores } from '../../src/analysis/chain-of-embedding.js';
import { Rng } from '../../src/tensor/random.js';
import { trajectoryArray } from '../../src/tensor/trajectory-array.js';

const close = (actual: number, expected: number, tolerance = 1e-6) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

test('chainOfEmbedding: hand-computed features and scores of (1,0) -> (1,1) -> (0,2)', () => {
  // Raw magnitudes 1 and sqrt2, normalised by |h2 - h0| = sqrt5; angles pi/4 and pi/4,
  // normalised by angle(h0, h2) = pi/2 -> 1/2 each.
  const t = trajectoryArray(Float32Array.from([1, 0, 1, 1, 0, 2]), 1, 3, 2);
  const coe = chainOfEmbedding(t);
  close(coe.magnitude.values[0]!, 1 / Math.sqrt(5));
  close(coe.magnitude.values[1]!, Math.SQRT2 / Math.sqrt(5));
  close(coe.angle.values[0]!, 0.5);
  close(coe.angle.values[1]!, 0.5);
  const meanMagnitude = (1 + Math.SQRT2) / (2 * Math.sqrt(5));
  close(coe.coeR[0]!, meanMagnitude - 0.5);
  // All angles equal: |mean M_k e^{i/2}| = mean M_k.
  close(coe.coeC[0]!, meanMagnitude);
});

test('coeScores: CoE-R = mean M - mean A, CoE-C = |mean M e^{iA}|', () => {
  const { coeR, coeC } = coeScores([1, 2], [0, Math.PI / 2]);
  close(coeR, 1.5 - Math.PI / 4, 1e-12);
  close(coeC, Math.hypot(0.5, 1), 1e-12); // (1 + 0i + 0 + 2i) / 2
  assert.throws(() => coeScores([1], [1, 2]), /equally many/);
});

test('chainOfEmbeddingByStep: every prefix score equals chainOfEmbedding with that lastStep', () => {
  const rng = new Rng(5);
  const runs = 3;
  const steps = 6;
  const width = 4;
  const t = trajectoryArray(Float32Array.from({ length: runs * steps * width }, () => rng.normal()), runs, steps, width);
  const byStep = chainOfEmbeddingByStep(t);
  for (let run = 0; run < runs; run++) {
    assert.ok(Number.isNaN(byStep.coeR[run * steps]!) && Number.isNaN(byStep.coeC[run * steps + 1]!));
    for (let last = 2; last < steps; last++) {
      const prefix = chainOfEmbedding(t, { lastStep: last });
      close(byStep.coeR[run * steps + last]!, prefix.coeR[run]!, 1e-12);
      close(byStep.coeC[run * steps + last]!, prefix.coeC[run]!, 1e-12);
    }
  }
});

test('chainOfEmbedding: a chain that ends where it started, or a bad lastStep, is a clear error', () => {
  const loop = trajectoryArray(Float32Array.from([1, 0, 0, 1, 1, 0]), 1, 3, 2);
  assert.throws(() => chainOfEmbedding(loop), /run 0 ends \(step 2\) where it started/);
  const t = trajectoryArray(Float32Array.from([1, 0, 0, 1]), 1, 2, 2);
  assert.throws(() => chainOfEmbedding(t, { lastStep: 2 }), /lastStep must be an integer in 1..1/);
});
