import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { bundleOf, isDisplayable } from '../../src/display/protocol.js';
import { claimPlotlyEmbedding, resetPlotlyEmbedding, type PlotlySpec } from '../../src/display/plotly-offline.js';
import { CORRECT_COLOR, INCORRECT_COLOR } from '../../src/display/figures/colors.js';
import { FigureInputError, PLOTLY_MIME, type Figure } from '../../src/display/figures/figure.js';
import { LatentMap } from '../../src/display/widgets/latent-map.js';
import { TrajectoryView } from '../../src/display/widgets/trajectory-view.js';
import { AurocBySteps, Curves, MetricCurves, RocCurve } from '../../src/display/widgets/curves.js';
import { CrossDomainMatrix } from '../../src/display/widgets/cross-domain-matrix.js';
import { LtoComparison } from '../../src/display/widgets/lto-comparison.js';
import { HOSTILE, RUNS, STEPS, accuracyCurves, aurocBySteps, crossDomainMatrix, latentMap, latentMapInput, ltoComparison, metricCurves, rocCurve, trajectoryView } from './widget-fixtures.js';
import { checkWellFormed, parseWithExpat } from './xml.js';

type Trace = Record<string, any>;

before(() => {
  // The library's embedding is tested in plotly-offline.test.ts; keep these bundles small.
  resetPlotlyEmbedding();
  claimPlotlyEmbedding();
});

const ESCAPED_FOR_HTML = '&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;';
const ESCAPED_FOR_PLOTLY = '&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;';

/** The checks every widget's bundle passes; returns the bundle's parts. */
function checkBundle(widget: Figure, name: string): { plain: string; html: string; svg: string; spec: PlotlySpec } {
  assert.ok(isDisplayable(widget), `${name} implements the display protocol`);
  const bundle = bundleOf(widget);
  assert.deepEqual(Object.keys(bundle).sort(), ['application/vnd.plotly.v1+json', 'image/svg+xml', 'text/html', 'text/plain'], name);
  const plain = bundle['text/plain'] as string;
  const html = bundle['text/html'] as string;
  const svg = bundle['image/svg+xml'] as string;
  const spec = bundle[PLOTLY_MIME] as PlotlySpec;
  assert.ok(plain.length > 10 && plain.startsWith(widget.constructor.name), `${name} text/plain: ${plain}`);
  checkWellFormed(svg);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  // The spec is plain JSON (what the plotly MIME renderers receive), equal to widget.spec().
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
  assert.deepEqual(widget.spec(), spec);
  assert.ok(Array.isArray(spec.data) && spec.data.length > 0 && typeof spec.layout === 'object');
  // No data can open or close an element: every <script> we open is closed exactly once, and
  // nothing from data shows up as markup anywhere.
  const opened = (html.match(/<script\b/gi) ?? []).length;
  assert.equal((html.match(/<\/script>/gi) ?? []).length, opened, `${name}: </script> from data reached the HTML`);
  for (const text of [html, svg, JSON.stringify(spec)]) {
    assert.ok(!text.includes(HOSTILE), `${name}: raw hostile text`);
    assert.ok(!/<img/i.test(text), `${name}: an <img> tag`);
  }
  assert.ok(html.includes(svg), `${name}: the HTML shows the static SVG until plotly draws`);
  return { plain, html, svg, spec };
}

test('every widget renders a full bundle whose SVG is well-formed XML (expat agrees)', () => {
  const svgs: string[] = [];
  for (const [name, make] of Object.entries({ latentMap, trajectoryView, metricCurves, rocCurve, aurocBySteps, crossDomainMatrix, ltoComparison, accuracyCurves })) {
    svgs.push(checkBundle(make(), name).svg);
  }
  svgs.push(checkBundle(latentMap(HOSTILE, { colorBy: 'reward' }), 'reward map').svg);
  parseWithExpat(svgs);
});

test('LatentMap: one trace per class, a frame per step, a slider, escaped hover and selection data', () => {
  const input = latentMapInput();
  const { plain, html, svg, spec } = checkBundle(new LatentMap(input), 'LatentMap');
  const data = spec.data as Trace[];
  assert.equal(data.length, 2);
  assert.deepEqual(data.map((t) => t.name), ['correct (8)', 'incorrect (4)']);
  assert.deepEqual(data.map((t) => t.marker.color), [CORRECT_COLOR, INCORRECT_COLOR]);
  const runsOf = (t: Trace): number[] => t.customdata.map((c: [number, string]) => c[0]);
  assert.deepEqual([...runsOf(data[0]!), ...runsOf(data[1]!)].sort((a, b) => a - b), Array.from({ length: RUNS }, (_, i) => i));
  assert.ok(runsOf(data[0]!).every((r) => input.runs[r]!.correct) && runsOf(data[1]!).every((r) => !input.runs[r]!.correct));
  // Shown first: the last step.
  const last = STEPS.length - 1;
  assert.deepEqual(data[1]!.x, runsOf(data[1]!).map((r) => input.points[last]![r]!.x));
  // One frame per step, each moving both traces.
  assert.equal(spec.frames!.length, STEPS.length);
  spec.frames!.forEach((frame, s) => {
    assert.equal(frame.name, String(STEPS[s]));
    assert.deepEqual(frame.traces, [0, 1]);
    assert.deepEqual(frame.data[0]!.y, runsOf(data[0]!).map((r) => input.points[s]![r]!.y));
  });
  const slider = (spec.layout.sliders as Trace[])[0]!;
  assert.equal(slider.active, last);
  assert.deepEqual(slider.steps.map((st: Trace) => st.args[0][0]), STEPS.map(String));
  assert.equal(spec.layout.dragmode, 'lasso');
  // Hover: the hostile question is escaped for plotly's pseudo-HTML.
  const hover0 = data[1]!.customdata.find((c: [number, string]) => c[0] === 0)[1] as string;
  assert.ok(hover0.includes(`Q: What is 2 &#60; 3? ${ESCAPED_FOR_PLOTLY}`), hover0);
  assert.ok(hover0.startsWith('<b>run 0 · incorrect · math · difficulty 1</b><br>reward '));
  // The selection list's data travels as escaped JSON and is inserted with textContent only.
  assert.ok(html.includes('\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e'));
  assert.ok(html.includes('class="lt-selection"') && html.includes("gd.on('plotly_selected'") && !html.includes('innerHTML ='));
  assert.equal((svg.match(/class="point"/g) ?? []).length, RUNS);
  assert.ok(svg.includes(ESCAPED_FOR_HTML), 'the title is escaped in the SVG');
  assert.equal(plain, 'LatentMap (PCA): 12 runs × 5 steps (0–16), coloured by correctness: 8 correct, 4 incorrect; showing step 16');
});

test('LatentMap: colouring by domain, difficulty and reward; the initial step', () => {
  const byDomain = latentMap(HOSTILE, { colorBy: 'domain' }).spec().data as Trace[];
  assert.deepEqual(byDomain.map((t) => t.name), ['math (6)', `${ESCAPED_FOR_PLOTLY} (1)`, 'code (5)']);
  assert.equal(new Set(byDomain.map((t) => t.marker.color)).size, 3);
  const byDifficulty = latentMap(HOSTILE, { colorBy: 'difficulty' }).spec().data as Trace[];
  assert.deepEqual(byDifficulty.map((t) => t.name), ['difficulty 1 (3)', 'difficulty 2 (3)', 'difficulty 3 (3)', 'difficulty 4 (3)']);
  const input = latentMapInput(HOSTILE, { colorBy: 'reward', initialStep: 8 });
  const reward = new LatentMap(input);
  const spec = reward.spec();
  const data = spec.data as Trace[];
  const rewards = input.runs.map((r) => r.reward!);
  assert.deepEqual(data.map((t) => [t.marker.colorscale, t.marker.showscale, t.marker.symbol]), [['Viridis', true, 'circle'], ['Viridis', false, 'x']]);
  assert.equal(data[0]!.marker.cmin, Math.min(...rewards));
  assert.equal(data[0]!.marker.cmax, Math.max(...rewards));
  assert.equal((spec.layout.sliders as Trace[])[0]!.active, 2);
  assert.deepEqual(data[0]!.x, data[0]!.customdata.map((c: [number]) => input.points[2]![c[0]]!.x));
  assert.ok(reward.svg().includes('class="colorbar"'));
  assert.ok(reward.toString().includes('coloured by reward'));
});

test('LatentMap rejects inconsistent input with errors naming the field', () => {
  const input = latentMapInput();
  const bad = (patch: Record<string, unknown>, message: RegExp): void => assert.throws(() => new LatentMap({ ...input, ...patch } as never), (e: unknown) => e instanceof FigureInputError && message.test(e.message));
  bad({ points: [input.points[0]!.slice(1)] }, /^LatentMap: points\[0\] has 11 points but there are 12 runs$/);
  bad({ points: [input.points[0]!.map((p, i) => (i === 3 ? { x: NaN, y: 0 } : p))], steps: [0] }, /points\[0\]\[3\]\.x must be a finite number, got NaN/);
  bad({ colorBy: 'reward', runs: input.runs.map((r, i) => (i === 5 ? { correct: true } : r)) }, /colorBy "reward" needs runs\[i\]\.reward for every run; runs\[5\] has none/);
  bad({ colorBy: 'colour' }, /colorBy must be correct, reward, domain or difficulty/);
  bad({ initialStep: 5 }, /initialStep 5 is not one of the steps/);
  bad({ steps: [0, 1] }, /steps has 2 values, expected 5/);
  bad({ runs: input.runs.map((r, i) => (i === 0 ? { ...r, correct: 'yes' } : r)) }, /runs\[0\]\.correct must be true or false/);
  bad({ runs: [] }, /runs needs at least 1 element/);
});

test('TrajectoryView: a scatter3d trace per class, runs separated by gaps', () => {
  const { spec, svg, plain } = checkBundle(trajectoryView(), 'TrajectoryView');
  const data = spec.data as Trace[];
  assert.deepEqual(data.map((t) => [t.type, t.name, t.line.color]), [['scatter3d', 'correct (3)', CORRECT_COLOR], ['scatter3d', 'incorrect (3)', INCORRECT_COLOR]]);
  // 3 runs × 5 steps plus 2 separators.
  assert.equal(data[0]!.x.length, 3 * STEPS.length + 2);
  assert.equal(data[0]!.x.filter((v: unknown) => v === null).length, 2);
  assert.ok(data[0]!.text[0].includes(ESCAPED_FOR_PLOTLY));
  assert.ok((spec.layout.scene as Trace).xaxis.title.text === 'PC1');
  assert.equal((svg.match(/class="line"/g) ?? []).length, 3 + 6, 'three axes and six paths');
  assert.equal(plain, 'TrajectoryView: 6 runs × 5 steps (0–16) in 3-D (PC1, PC2, PC3): 3 correct, 3 incorrect');
  assert.throws(() => new TrajectoryView({ paths: [[{ x: 0, y: 0, z: 0 }], [{ x: 0, y: 0, z: 0 }, { x: 1, y: 1, z: 1 }]], runs: [{ correct: true }, { correct: false }] }), /paths\[1\] has 2 steps, paths\[0\] has 1/);
  assert.throws(() => new TrajectoryView({ paths: [[{ x: 0, y: 0, z: 0 }]], runs: [{ correct: true }, { correct: false }] }), /1 paths but 2 runs/);
});

test('MetricCurves: a subplot per metric with correct/incorrect means and bands', () => {
  const { spec, svg } = checkBundle(metricCurves(), 'MetricCurves');
  const data = spec.data as Trace[];
  assert.equal(data.length, 8, '2 metrics × 2 classes × (band + mean)');
  assert.deepEqual(data.map((t) => t.xaxis), ['x', 'x', 'x', 'x', 'x2', 'x2', 'x2', 'x2']);
  assert.deepEqual(data.filter((t) => t.fill === 'toself').map((t) => t.x.length), [10, 10, 10, 10]);
  assert.deepEqual(data.filter((t) => t.showlegend).map((t) => t.name), ['correct', 'incorrect']);
  assert.deepEqual(spec.layout.grid, { rows: 1, columns: 2, pattern: 'independent', xgap: 0.12, ygap: 0.3 });
  const titles = (spec.layout.annotations as Trace[]).map((a) => a.text);
  // Subplot titles are shortened to 40 characters so that neighbours do not overlap.
  assert.deepEqual(titles, ['<b>latent norm</b>', '<b>cosine &#60;/script&#62;&#60;img src=x onerror=aler…</b>']);
  assert.equal((svg.match(/class="band"/g) ?? []).length, 4);
  assert.equal((svg.match(/class="panel"/g) ?? []).length, 2);
  assert.throws(() => new MetricCurves({ metrics: [{ name: 'm', steps: [0, 1], correct: { mean: [1] }, incorrect: { mean: [1, 2] } }] }), /metrics\[0\]\.correct\.mean has 1 values, expected 2/);
  assert.throws(() => new MetricCurves({ metrics: [{ name: 'm', steps: [0], correct: { mean: [1], lower: [2], upper: [1] }, incorrect: { mean: [1] } }] }), /lower\[0\] = 2 is above upper\[0\] = 1/);
  assert.throws(() => new MetricCurves({ metrics: [{ name: 'm', steps: [0], correct: { mean: [1], lower: [0] }, incorrect: { mean: [1] } }] }), /give both lower and upper/);
});

test('RocCurve and AurocBySteps: AUC in the legend, chance lines, validated ranges', () => {
  const roc = checkBundle(rocCurve(), 'RocCurve');
  const data = roc.spec.data as Trace[];
  assert.deepEqual(data.map((t) => t.name), ['LRM (AUC 0.840)', `${ESCAPED_FOR_PLOTLY} (AUC 0.550)`]);
  assert.deepEqual((roc.spec.layout.shapes as Trace[])[0], { type: 'line', x0: 0, y0: 0, x1: 1, y1: 1, line: { dash: 'dash', color: '#999999', width: 1 } });
  assert.ok(roc.svg.includes('LRM (AUC 0.840)'));
  assert.throws(() => new RocCurve({ curves: [{ name: 'a', fpr: [0, 1.5], tpr: [0, 1], auc: 0.5 }] }), /rates must lie in \[0, 1\], got 1\.5/);
  assert.throws(() => new RocCurve({ curves: [{ name: 'a', fpr: [0, 1], tpr: [0, 1], auc: 2 }] }), /auc must lie in \[0, 1\]/);
  const auroc = checkBundle(aurocBySteps(), 'AurocBySteps');
  const traces = auroc.spec.data as Trace[];
  assert.deepEqual(traces.map((t) => t.fill ?? t.mode), ['toself', 'lines+markers']);
  assert.equal((auroc.spec.layout.shapes as Trace[])[0]!.y0, 0.5);
  assert.equal(auroc.plain, 'AurocBySteps: math: 5 steps, max 0.8 at step 16');
  assert.throws(() => new AurocBySteps({ series: [{ name: 'a', steps: [0], auroc: [1.2] }] }), /AUROC values must lie in \[0, 1\]/);
});

test('CrossDomainMatrix: a heatmap with an annotation per cell', () => {
  const { spec, svg, plain } = checkBundle(crossDomainMatrix(), 'CrossDomainMatrix');
  const heatmap = (spec.data as Trace[])[0]!;
  assert.equal(heatmap.type, 'heatmap');
  assert.deepEqual(heatmap.z, [[0.9, 0.7, 0.6], [0.65, 0.88, 0.6], [0.6, 0.62, 0.8]]);
  assert.deepEqual(heatmap.y, ['math', 'code', ESCAPED_FOR_PLOTLY]);
  const annotations = spec.layout.annotations as Trace[];
  assert.equal(annotations.length, 9);
  assert.deepEqual(annotations.slice(0, 3).map((a) => [a.x, a.y, a.text]), [[0, 0, '0.900'], [1, 0, '0.700'], [2, 0, '0.600']]);
  assert.equal((svg.match(/class="cell"/g) ?? []).length, 9);
  assert.ok(plain.startsWith('CrossDomainMatrix (AUROC): 3 train × 3 test domains, values 0.600–0.900; in-domain: math 0.900, code 0.880'));
  assert.throws(() => new CrossDomainMatrix({ trainDomains: ['a', 'b'], testDomains: ['a'], values: [[1]] }), /values has 1 rows but there are 2 train domains/);
  assert.throws(() => new CrossDomainMatrix({ trainDomains: ['a', 'a'], testDomains: ['a'], values: [[1], [1]] }), /trainDomains must be distinct/);
});

test('LtoComparison: grouped bars with asymmetric error bars and an escaped HTML table', () => {
  const { spec, html, svg, plain } = checkBundle(ltoComparison(), 'LtoComparison');
  const bars = spec.data as Trace[];
  assert.deepEqual(bars.map((t) => t.type), ['bar', 'bar', 'bar']);
  // Legend names are shortened (40 characters of data); the hover keeps the whole name.
  assert.equal(bars[2]!.name, 'LTO &#60;/script&#62;&#60;img src=x onerror=alert(1…');
  assert.ok(bars[2]!.hovertemplate.startsWith(`LTO ${ESCAPED_FOR_PLOTLY}<br>`));
  assert.deepEqual(bars[0]!.y.map((v: number) => Number(v.toFixed(6))), [40, 45, 50]);
  assert.deepEqual(bars[0]!.error_y.array.map((v: number) => Number(v.toFixed(6))), [5, 5, 5]);
  assert.equal(spec.layout.barmode, 'group');
  assert.equal((html.match(/<tr><th style="text-align:left">/g) ?? []).length, 4, 'header + 3 methods');
  assert.ok(html.includes(`<tr><th style="text-align:left">LTO ${ESCAPED_FOR_HTML}</th>`));
  assert.ok(html.includes('<b>70.0</b> <span style="color:#666">[65.0, 75.0]</span>'));
  assert.equal((svg.match(/class="bar"/g) ?? []).length, 9);
  assert.equal((svg.match(/class="errorbar"/g) ?? []).length, 9);
  assert.match(plain, /^single run +40\.0 \[35\.0, 45\.0\] +45\.0 \[40\.0, 50\.0\]/m);
  const row = { method: 'm', domain: 'd', accuracy: 0.5, lower: 0.4, upper: 0.6 };
  assert.throws(() => new LtoComparison({ rows: [{ ...row, lower: 0.55 }] }), /needs 0 <= lower <= accuracy <= upper <= 1/);
  assert.throws(() => new LtoComparison({ rows: [row, row] }), /repeats method "m" on domain "d"/);
});

test('Curves: named series, bands, log axes, reference line', () => {
  const { spec, plain } = checkBundle(accuracyCurves(), 'Curves');
  const data = spec.data as Trace[];
  assert.deepEqual(data.map((t) => t.name ?? '(band)'), ['(band)', 'LTO', 'majority vote']);
  assert.equal(data[2]!.line.dash, 'dash');
  assert.equal((spec.layout.xaxis as Trace).type, 'log');
  assert.equal(plain, 'Curves: accuracy vs N (sampled runs), 2 series (LTO: 6 points; majority vote: 6 points)');
  const withReference = new Curves({ series: [{ name: 'a', x: [0, 1], y: [0.2, 0.4], color: '#112233' }], xLabel: 'beta', yLabel: 'acc', reference: { y: 0.25, label: 'chance' } });
  assert.equal((withReference.spec().layout.shapes as Trace[])[0]!.y0, 0.25);
  assert.equal((withReference.spec().data as Trace[])[0]!.line.color, '#112233');
  assert.ok(withReference.svg().includes('chance'));
  assert.throws(() => new Curves({ series: [{ name: 'a', x: [0, 1], y: [1, 2] }], xLabel: 'N', yLabel: 'acc', xScale: 'log' }), /series\[0\] has a value <= 0 on the logarithmic x axis/);
  assert.throws(() => new Curves({ series: [{ name: 'a', x: [1], y: [1], color: 'red;"' }], xLabel: 'N', yLabel: 'acc' }), /color must be a colour like/);
  assert.throws(() => new Curves({ series: [{ name: 'a', x: [1], y: [1] }], yLabel: 'acc' } as never), /xLabel must be a string/);
});
