/**
 * Small deterministic inputs for every widget (shared by the bundle tests and the browser test),
 * with hostile text in questions, domain and method names.
 */
import { AurocBySteps, Curves, MetricCurves, RocCurve } from '../../src/display/widgets/curves.js';
import { CrossDomainMatrix } from '../../src/display/widgets/cross-domain-matrix.js';
import { LatentMap, type LatentMapInput } from '../../src/display/widgets/latent-map.js';
import { LtoComparison } from '../../src/display/widgets/lto-comparison.js';
import { TrajectoryView } from '../../src/display/widgets/trajectory-view.js';

/** Text that would run script if any of it reached the page unescaped. */
export const HOSTILE = `</script><img src=x onerror=alert(1)>`;
/** The browser variant: marks the document instead of opening a dialog. */
export const HOSTILE_BROWSER = `</script><img src=x onerror="document.documentElement.setAttribute('data-xss','1')"><b>bold?</b> Tom & "Jerry"`;

/** A seeded generator (mulberry32), so fixtures are the same on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const RUNS = 12;
export const STEPS = [0, 4, 8, 12, 16];

/** Correct runs drift to (+2, +1), incorrect ones to (-2, -1), as steps increase. */
export function latentMapInput(hostile = HOSTILE, overrides: Partial<LatentMapInput> = {}): LatentMapInput {
  const rnd = random(7);
  const runs = Array.from({ length: RUNS }, (_, r) => ({
    correct: r % 3 !== 0,
    reward: Number((r % 3 !== 0 ? 0.6 + 0.3 * rnd() : 0.1 + 0.3 * rnd()).toFixed(3)),
    domain: r % 2 === 0 ? 'math' : r === 1 ? hostile : 'code',
    difficulty: 1 + (r % 4),
    question: r === 0 ? `What is 2 < 3? ${hostile}` : `Question ${r}: add ${r} and ${2 * r}`,
    answer: r === 0 ? hostile : `#### ${3 * r}`,
  }));
  const points = STEPS.map((_, s) => runs.map((run) => ({ x: (run.correct ? 2 : -2) * (s / 4) + rnd() - 0.5, y: (run.correct ? 1 : -1) * (s / 4) + rnd() - 0.5 })));
  return { points, runs, steps: STEPS, title: `Latent map ${hostile}`, ...overrides };
}

export function latentMap(hostile = HOSTILE, overrides: Partial<LatentMapInput> = {}): LatentMap {
  return new LatentMap(latentMapInput(hostile, overrides));
}

export function trajectoryView(hostile = HOSTILE): TrajectoryView {
  const rnd = random(11);
  const runs = Array.from({ length: 6 }, (_, r) => ({ correct: r % 2 === 0, question: r === 0 ? hostile : `q${r}` }));
  const paths = runs.map((run) => STEPS.map((_, s) => ({ x: (run.correct ? 1 : -1) * s + rnd(), y: s * 0.5 + rnd(), z: (run.correct ? 0.3 : -0.3) * s + rnd() })));
  return new TrajectoryView({ paths, runs, steps: STEPS, title: 'Trajectories' });
}

export function metricCurves(hostile = HOSTILE): MetricCurves {
  const curve = (base: number, slope: number) => ({ mean: STEPS.map((s) => base + slope * s), lower: STEPS.map((s) => base + slope * s - 0.1), upper: STEPS.map((s) => base + slope * s + 0.1) });
  return new MetricCurves({
    metrics: [
      { name: 'latent norm', steps: STEPS, correct: curve(1, 0.05), incorrect: curve(1, 0.02) },
      { name: `cosine ${hostile}`, steps: STEPS, correct: curve(0.2, 0.04), incorrect: curve(0.2, 0.01) },
    ],
    title: 'Metrics by step',
  });
}

export function rocCurve(hostile = HOSTILE): RocCurve {
  return new RocCurve({
    curves: [
      { name: 'LRM', fpr: [0, 0.1, 0.3, 1], tpr: [0, 0.6, 0.85, 1], auc: 0.84 },
      { name: hostile, fpr: [0, 0.5, 1], tpr: [0, 0.6, 1], auc: 0.55 },
    ],
    title: 'ROC',
  });
}

export function aurocBySteps(): AurocBySteps {
  return new AurocBySteps({ series: [{ name: 'math', steps: STEPS, auroc: [0.5, 0.6, 0.7, 0.75, 0.8], lower: [0.45, 0.55, 0.65, 0.7, 0.74], upper: [0.55, 0.65, 0.75, 0.8, 0.86] }], title: 'AUROC by step' });
}

export function crossDomainMatrix(hostile = HOSTILE): CrossDomainMatrix {
  const domains = ['math', 'code', hostile];
  return new CrossDomainMatrix({ trainDomains: domains, testDomains: domains, values: [[0.9, 0.7, 0.6], [0.65, 0.88, 0.6], [0.6, 0.62, 0.8]], title: 'Cross-domain AUROC' });
}

export function ltoComparison(hostile = HOSTILE): LtoComparison {
  const methods = ['single run', 'majority vote', `LTO ${hostile}`];
  const domains = ['math', 'code', 'commonsense'];
  const rows = methods.flatMap((method, m) => domains.map((domain, d) => ({ method, domain, accuracy: 0.4 + 0.1 * m + 0.05 * d, lower: 0.35 + 0.1 * m + 0.05 * d, upper: 0.45 + 0.1 * m + 0.05 * d, n: 200 })));
  return new LtoComparison({ rows, title: 'Table 1' });
}

export function accuracyCurves(): Curves {
  const n = [1, 2, 4, 8, 16, 32];
  return new Curves({
    series: [
      { name: 'LTO', x: n, y: [0.4, 0.48, 0.55, 0.6, 0.63, 0.65], lower: [0.36, 0.44, 0.51, 0.56, 0.59, 0.61], upper: [0.44, 0.52, 0.59, 0.64, 0.67, 0.69] },
      { name: 'majority vote', x: n, y: [0.4, 0.44, 0.5, 0.53, 0.55, 0.56], dash: true },
    ],
    xLabel: 'N (sampled runs)',
    yLabel: 'accuracy',
    xScale: 'log',
    title: 'Accuracy vs N',
  });
}
