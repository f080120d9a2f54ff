import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/tensor/backend.js';
import { bundleOf, isDisplayable } from '../../src/display/protocol.js';
import { describeRewardModel, fitResultSummary, rewardModelSummary, trajectorySetSummary } from '../../src/display/object-summaries.js';
import { createRewardModel } from '../../src/reward/train-reward-model.js';
import type { FitResult } from '../../src/reward/fit.js';
import { HOSTILE_QUESTION, syntheticSet } from './trajectory-set-fixture.js';

before(async () => {
  await initBackend('cpu');
});

test('a trajectory set renders its sizes, accuracy per domain, settings and provenance, and example runs, all escaped', () => {
  const set = syntheticSet();
  assert.ok(isDisplayable(set));
  const bundle = bundleOf(set);
  assert.deepEqual(Object.keys(bundle).sort(), ['text/html', 'text/plain']);
  const plain = bundle['text/plain'] as string;
  const correct = set.runs.filter((r) => r.correct);
  const share = (runs: readonly { correct: boolean }[]) => `${((100 * runs.filter((r) => r.correct).length) / runs.length).toFixed(1)}%`;
  const math = set.runs.filter((r) => r.domain === 'math');
  const code = set.runs.filter((r) => r.domain === 'code');
  assert.equal(plain.split('\n')[0], 'TrajectorySet (40 runs × 5 states × 8)');
  for (const line of [
    'runs            40 (4 per question)',
    'questions       10 (test split)',
    `accuracy        ${share(set.runs)} (${correct.length} / 40 runs correct)`,
    `by domain       math ${share(math)} (${math.filter((r) => r.correct).length}/${math.length}) · code ${share(code)} (${code.filter((r) => r.correct).length}/${code.length})`,
    'steps           T = 4 (latent.0 .. latent.4, 5 states per run)',
    'width           8',
    'pooling         mean',
    'noise           scale 0.25, fixed',
    'seed            9',
    `model           /models/<b>tiny</b> (sha256:${'ab'.repeat(6)}…)`,
  ]) {
    assert.ok(plain.includes(`  ${line}`), `missing "${line}" in\n${plain}`);
  }
  // Example rows: the first five runs (the hostile question is run 4's, question q001).
  assert.ok(plain.includes('first 5 of 40 runs'));
  const html = bundle['text/html'] as string;
  assert.ok(!html.includes('<b>tiny</b>') && html.includes('/models/&lt;b&gt;tiny&lt;/b&gt;'));
  assert.ok(!html.includes('<img') && !html.includes('</script>'));
  assert.ok(html.includes('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'), 'the hostile question appears escaped');
  assert.ok(plain.includes(HOSTILE_QUESTION.slice(0, 20)));
  assert.equal((html.match(/<table/g) ?? []).length, 2);
  // Without examples: the summary table alone.
  const alone = trajectorySetSummary(set, { examples: 0 });
  assert.equal(((alone['text/html'] as string).match(/<table/g) ?? []).length, 1);
});

test('reward models render architecture, parameter count, config and standardisation; with a fit, its result', () => {
  const transformer = createRewardModel(8, { kind: 'transformer' }, 1);
  const probe = createRewardModel(8, { kind: 'probe', hidden: 4 }, 1);
  try {
    const t = bundleOf(transformer);
    const plain = t['text/plain'] as string;
    assert.equal(plain.split('\n')[0], 'TransformerRewardModel (transformer)');
    assert.match(plain, /architecture +Transformer encoder: width 8 → d_model 8, 2 layers × 4 heads \(FFN 16\)/);
    assert.ok(plain.includes(`(${transformer.parameterCount.toLocaleString('en-US')} trained)`), plain);
    assert.match(plain, /standardisation +not fitted \(mean 0, scale 1\) over 8 features/);
    assert.match(plain, /config +kind transformer, width 8, dModel 8/);
    const p = bundleOf(probe)['text/plain'] as string;
    assert.match(p, /^ProbeRewardModel \(probe\)/);
    assert.match(p, /architecture +probe: MLP \(4 hidden units\) on the last and the mean state/);
    const fit: FitResult = {
      bestEpoch: 2,
      best: { auroc: 0.8123, f1: 0.7, accuracy: 0.75, logLoss: 0.5 },
      history: [
        { epoch: 1, trainLoss: 0.69, validation: { auroc: 0.7, f1: 0.6, accuracy: 0.7, logLoss: 0.6 }, improved: true, seconds: 1.5 },
        { epoch: 2, trainLoss: 0.55, validation: { auroc: 0.8123, f1: 0.7, accuracy: 0.75, logLoss: 0.5 }, improved: true, seconds: 1.5 },
      ],
      stopReason: 'patience',
    };
    const withFit = bundleOf(describeRewardModel(probe, fit))['text/plain'] as string;
    assert.match(withFit, /trained +2 epochs \(stopped early: no improvement\), 3 s/);
    assert.match(withFit, /best epoch +2: validation AUROC 0\.812, F1 0\.700, accuracy 75\.0%, log loss 0\.500/);
    assert.equal((fitResultSummary(fit)['text/plain'] as string).split('\n')[0], 'Reward model training (best epoch 2)');
    assert.match(rewardModelSummary(probe)['text/html'] as string, /^<table class="lt-summary">/);
  } finally {
    transformer.dispose();
    probe.dispose();
  }
  assert.equal((bundleOf(probe)['text/plain'] as string).split('\n')[0], 'ProbeRewardModel (disposed)');
});
