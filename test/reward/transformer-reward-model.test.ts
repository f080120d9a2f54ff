/**
 * The transformer LRM: learns a synthetic problem where correct runs drift one way, scores
 * prefixes (AUROC grows with the steps seen), is reproducible from its seeds, and scores each run
 * independently of batching.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/tensor/backend.js';
import { rocAuc } from '../../src/stats/roc.js';
import { selectRuns } from '../../src/tensor/trajectory-array.js';
import { TransformerRewardModel } from '../../src/reward/transformer-reward-model.js';
import { fitRewardModel } from '../../src/reward/fit.js';
import { aurocByPrefix } from '../../src/reward/prefix-auroc.js';
import { syntheticTrajectories } from './synthetic-trajectories.js';

const SHAPE = { steps: 8, width: 12 };
const train = syntheticTrajectories({ runs: 320, ...SHAPE, seed: 'train' });
const validation = syntheticTrajectories({ runs: 120, ...SHAPE, seed: 'validation' });
const testSet = syntheticTrajectories({ runs: 200, ...SHAPE, seed: 'test' });
const SMALL = { dModel: 16, heads: 2, ffn: 32, mlpHidden: 16 };
const FIT = { epochs: 6, batchSize: 32, learningRate: 3e-3, seed: 5 };

before(async () => {
  await initBackend();
});

test('config is sized from the width: dModel = min(width, 128), heads divide it', () => {
  const wide = TransformerRewardModel.create(300, 0, { layers: 1 });
  assert.equal(wide.config.dModel, 128);
  assert.equal(wide.config.dModel % wide.config.heads, 0);
  assert.equal(wide.config.layers, 1);
  wide.dispose();
  const narrow = TransformerRewardModel.create(6, 0);
  assert.deepEqual([narrow.config.dModel, narrow.config.heads, narrow.config.layers], [6, 2, 2]);
  narrow.dispose();
  assert.throws(() => TransformerRewardModel.create(12, 0, { dModel: 12, heads: 5 }), /heads \(5\) must divide dModel \(12\)/);
  assert.throws(() => TransformerRewardModel.create(0, 0), /width is 0/);
});

test('learns the drift problem to test AUROC > 0.95, and AUROC grows with the prefix length', async () => {
  const model = TransformerRewardModel.create(SHAPE.width, 1, SMALL);
  try {
    const fit = await fitRewardModel(model, train, validation, FIT);
    const auroc = rocAuc(model.score(testSet.trajectories), testSet.correct);
    assert.ok(auroc > 0.95, `test AUROC ${auroc}`);
    assert.ok(fit.best.auroc > 0.95, `validation AUROC ${fit.best.auroc}`);
    const prefix = aurocByPrefix(model, testSet, [1, 2, SHAPE.steps]);
    assert.deepEqual(prefix.steps, [1, 2, SHAPE.steps]);
    // Step 0 is pure noise, so a one-step prefix is near chance; the full trajectory is not.
    assert.ok(Math.abs(prefix.auroc[0]! - 0.5) < 0.15, `AUROC from step 0 alone: ${prefix.auroc[0]}`);
    assert.ok(prefix.auroc[1]! > prefix.auroc[0]!, `AUROC by prefix ${prefix.auroc.join(', ')}`);
    assert.equal(prefix.auroc[2], auroc);
  } finally {
    model.dispose();
  }
});

test('the same seeds give identical scores; another init seed gives different ones', async () => {
  const subset = { trajectories: selectRuns(train.trajectories, range(96)), correct: Array.from(range(96), (i) => train.correct[i]!) };
  const trained = async (initSeed: number, fitSeed: number): Promise<Float32Array> => {
    const model = TransformerRewardModel.create(SHAPE.width, initSeed, SMALL);
    try {
      await fitRewardModel(model, subset, validation, { ...FIT, epochs: 2, seed: fitSeed });
      return model.score(testSet.trajectories);
    } finally {
      model.dispose();
    }
  };
  const a = await trained(3, 7);
  const b = await trained(3, 7);
  assert.deepEqual(a, b);
  const otherInit = await trained(4, 7);
  const otherShuffle = await trained(3, 8);
  assert.notDeepEqual(a, otherInit);
  assert.notDeepEqual(a, otherShuffle);
});

test('a run scores the same alone, in any batch size and in any order', () => {
  const model = TransformerRewardModel.create(SHAPE.width, 2, SMALL);
  try {
    const all = model.score(testSet.trajectories, { batchSize: 64 });
    const oneByOne = model.score(testSet.trajectories, { batchSize: 1 });
    const reversed = model.score(selectRuns(testSet.trajectories, range(testSet.trajectories.runs).reverse()));
    for (let i = 0; i < all.length; i++) {
      assert.ok(Math.abs(all[i]! - oneByOne[i]!) < 1e-5, `run ${i}: ${all[i]} vs ${oneByOne[i]}`);
      assert.ok(Math.abs(all[i]! - reversed[all.length - 1 - i]!) < 1e-5);
      assert.ok(all[i]! > 0 && all[i]! < 1);
    }
  } finally {
    model.dispose();
  }
});

test('prefix scoring uses only the first t steps', () => {
  const model = TransformerRewardModel.create(SHAPE.width, 2, SMALL);
  try {
    const t = 3;
    const truncated = { ...testSet.trajectories, steps: t, data: new Float32Array(testSet.trajectories.runs * t * SHAPE.width) };
    for (let r = 0; r < truncated.runs; r++) {
      truncated.data.set(testSet.trajectories.data.subarray(r * SHAPE.steps * SHAPE.width, (r * SHAPE.steps + t) * SHAPE.width), r * t * SHAPE.width);
    }
    assert.deepEqual(model.score(testSet.trajectories, { steps: t }), model.score(truncated));
    assert.notDeepEqual(model.score(testSet.trajectories, { steps: t }), model.score(testSet.trajectories));
    assert.throws(() => model.score(testSet.trajectories, { steps: 0 }), /steps is 0; expected an integer in 1\.\.8/);
    assert.throws(() => model.score(testSet.trajectories, { steps: 9 }), /steps is 9/);
  } finally {
    model.dispose();
  }
});

test('bad input is named: wrong width, non-finite values, use after dispose', () => {
  const model = TransformerRewardModel.create(SHAPE.width, 2, SMALL);
  const other = syntheticTrajectories({ runs: 4, steps: 3, width: 5, seed: 1 });
  assert.throws(() => model.score(other.trajectories), /width 5; this reward model expects states of width 12/);
  const broken = syntheticTrajectories({ runs: 4, ...SHAPE, seed: 1 });
  broken.trajectories.data[SHAPE.steps * SHAPE.width + 3] = NaN;
  assert.throws(() => model.score(broken.trajectories), /value 99 \(run 1\) is NaN; expected finite numbers/);
  model.dispose();
  assert.throws(() => model.score(testSet.trajectories), /disposed/);
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
