/** The fast probe: logistic regression or a small MLP on trajectory summaries. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/tensor/backend.js';
import { rocAuc } from '../../src/stats/roc.js';
import { statesAtStep, trajectoryArray } from '../../src/tensor/trajectory-array.js';
import { ProbeRewardModel } from '../../src/reward/probe-reward-model.js';
import { fitRewardModel } from '../../src/reward/fit.js';
import { syntheticTrajectories } from './synthetic-trajectories.js';

const SHAPE = { steps: 8, width: 12 };
const train = syntheticTrajectories({ runs: 320, ...SHAPE, seed: 'train' });
const validation = syntheticTrajectories({ runs: 120, ...SHAPE, seed: 'validation' });
const testSet = syntheticTrajectories({ runs: 200, ...SHAPE, seed: 'test' });

before(async () => {
  await initBackend();
});

test('feature sizes and parameter counts follow the config', () => {
  const logistic = ProbeRewardModel.create(12, 0);
  assert.deepEqual([logistic.config.features, logistic.config.hidden, logistic.featureSize, logistic.parameterCount], ['last-mean', 0, 24, 25]);
  logistic.dispose();
  const mlp = ProbeRewardModel.create(12, 0, { features: 'last', hidden: 8 });
  assert.deepEqual([mlp.featureSize, mlp.parameterCount], [12, 12 * 8 + 8 + 8 + 1]);
  mlp.dispose();
  assert.throws(() => ProbeRewardModel.create(12, 0, { features: 'first' as never }), /features is "first"; expected one of last, mean, last-mean/);
  assert.throws(() => ProbeRewardModel.create(12, 0, { hidden: -1 }), /hidden is -1; expected an integer >= 0/);
});

for (const [features, hidden] of [['last-mean', 0], ['last', 16]] as const) {
  test(`probe (${features}, hidden ${hidden}) learns the drift problem to test AUROC > 0.95`, async () => {
    const model = ProbeRewardModel.create(SHAPE.width, 1, { features, hidden });
    try {
      const fit = await fitRewardModel(model, train, validation, { epochs: 8, batchSize: 32, learningRate: 1e-2, seed: 2 });
      const auroc = rocAuc(model.score(testSet.trajectories), testSet.correct);
      assert.ok(auroc > 0.95, `test AUROC ${auroc}`);
      assert.ok(fit.best.auroc > 0.95, `validation AUROC ${fit.best.auroc}`);
    } finally {
      model.dispose();
    }
  });
}

test('a `last` probe scoring a prefix of t steps reads exactly step t - 1', () => {
  const model = ProbeRewardModel.create(SHAPE.width, 3, { features: 'last', hidden: 4 });
  try {
    const t = testSet.trajectories;
    for (const steps of [1, 4]) {
      const onlyThatStep = trajectoryArray(statesAtStep(t, steps - 1), t.runs, 1, t.width);
      assert.deepEqual(model.score(t, { steps }), model.score(onlyThatStep));
    }
  } finally {
    model.dispose();
  }
});
