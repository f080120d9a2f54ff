/**
 * The widgets in a real browser: pages holding several widget outputs are opened from disk in
 * headless Chromium with name resolution disabled, and the DOM after rendering is inspected (plot
 * elements, point counts, the selection list, hover text, no injected markup). Two pages:
 * - a notebook-like page made of the widgets' `text/html` outputs in display order, where only the
 *   first output carries plotly (plus one output placed above it, which must wait for the library);
 * - a standalone report from `htmlPage` (the library inlined once in the head).
 * The notebook page's screenshot is kept in out/test-artifacts/widgets.png.
 *
 * Needs Debian's `chromium` (`apt-get install -y chromium`); skips with that message without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleOf } from '../../src/display/protocol.js';
import { htmlPage, resetPlotlyEmbedding } from '../../src/display/plotly-offline.js';
import { Table } from '../../src/display/table.js';
import type { Figure } from '../../src/display/figures/figure.js';
import { CHROMIUM, CHROMIUM_MISSING, offlineChromiumArgs, runChromium } from '../helpers/chromium.js';
import { HOSTILE_BROWSER, RUNS, STEPS, accuracyCurves, aurocBySteps, crossDomainMatrix, latentMap, ltoComparison, metricCurves, rocCurve, trajectoryView } from './widget-fixtures.js';

const REPO = join(__dirname, '..', '..', '..');
const ARTIFACTS = join(REPO, 'out', 'test-artifacts');

/** Runs in the page after load: waits for every figure, exercises selection and hover, reports. */
const PROBE = `<script>
(function () {
  var started = Date.now();
  function all(root, selector) { return root ? Array.prototype.slice.call(root.querySelectorAll(selector)) : []; }
  function report() {
    var figures = all(document, '.lt-figure');
    var pending = figures.filter(function (f) { return !f.hasAttribute('data-lt-rendered') && !f.hasAttribute('data-lt-error'); });
    if (pending.length && Date.now() - started < 20000) { setTimeout(report, 50); return; }
    var probe = {};
    var map = document.querySelector('.lt-figure[data-lt-kind="map"] .js-plotly-plot');
    if (map && map.emit) {
      // What plotly emits after a lasso around runs 0 and 1 (customdata[0] is the run index).
      map.emit('plotly_selected', { points: [{ customdata: [1] }, { customdata: [0] }, { customdata: [0] }] });
      var box = map.parentNode.parentNode.querySelector('.lt-selection');
      probe.selectionText = box ? box.textContent : null;
      probe.selectionItems = all(box, 'li').length;
      probe.selectionImages = all(box, 'img').length;
      // Hover over run 0 (the first point of the "incorrect" trace, index 1).
      window.Plotly.Fx.hover(map, [{ curveNumber: 1, pointNumber: 0 }]);
      probe.hoverText = all(map, '.hoverlayer .hovertext').map(function (e) { return e.textContent; }).join(' | ');
      probe.hoverImages = all(map, '.hoverlayer img, .hoverlayer foreignObject').length;
    }
    var results = figures.map(function (f) {
      var gd = f.querySelector('.js-plotly-plot');
      return {
        kind: f.getAttribute('data-lt-kind'),
        rendered: f.getAttribute('data-lt-rendered'),
        error: f.getAttribute('data-lt-error'),
        fallbackLeft: !!f.querySelector('.lt-fallback'),
        mainSvg: all(gd, '.main-svg').length,
        points: all(gd, '.scatterlayer .point').length,
        traces: all(gd, '.scatterlayer .trace').length,
        bars: all(gd, '.barlayer .point').length,
        heatmaps: all(gd, '.heatmaplayer .hm image').length,
        annotations: all(gd, '.annotation').length,
        glCanvases: all(gd, '.gl-container canvas').length,
        sliderSteps: all(gd, '.slider-tick-rect').length,
        legend: all(gd, '.legendtext').map(function (e) { return e.textContent; })
      };
    });
    var out = document.createElement('pre');
    out.id = 'lt-test-result';
    out.style.display = 'none';
    out.textContent = JSON.stringify({
      results: results,
      probe: probe,
      xss: document.documentElement.getAttribute('data-xss'),
      libraryScripts: all(document, 'script[data-lt-plotly]').length,
      injectedImages: all(document, 'img').length,
      resources: performance.getEntriesByType('resource').map(function (e) { return e.name; })
    });
    document.body.appendChild(out);
  }
  window.addEventListener('load', function () { setTimeout(report, 0); });
})();
</script>`;

interface FigureResult {
  kind: string;
  rendered: string | null;
  error: string | null;
  fallbackLeft: boolean;
  mainSvg: number;
  points: number;
  traces: number;
  bars: number;
  heatmaps: number;
  annotations: number;
  glCanvases: number;
  sliderSteps: number;
  legend: string[];
}

interface PageResult {
  results: FigureResult[];
  probe: { selectionText?: string; selectionItems?: number; selectionImages?: number; hoverText?: string; hoverImages?: number };
  xss: string | null;
  libraryScripts: number;
  injectedImages: number;
  resources: string[];
}

function parseResult(dom: string): PageResult {
  const match = /<pre id="lt-test-result"[^>]*>([\s\S]*?)<\/pre>/.exec(dom);
  assert.ok(match, `the page did not report (no #lt-test-result in the dumped DOM):\n${dom.slice(0, 500)}`);
  const json = match[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return JSON.parse(json) as PageResult;
}

/** Marks each output with its widget kind so that the probe can find it. */
function tagged(kind: string, html: string): string {
  return html.replace('<div class="lt-figure"', `<div data-lt-kind="${kind}" class="lt-figure"`);
}

function checkFigures(page: PageResult, where: string): void {
  const byKind = (kind: string): FigureResult => {
    const found = page.results.find((r) => r.kind === kind);
    assert.ok(found, `${where}: no ${kind} figure`);
    return found;
  };
  for (const r of page.results) {
    assert.equal(r.error, null, `${where}: ${r.kind} failed: ${r.error}`);
    assert.equal(r.rendered, 'true', `${where}: ${r.kind} did not render`);
    assert.ok(r.mainSvg >= 1, `${where}: ${r.kind} has no .main-svg`);
    assert.equal(r.fallbackLeft, false, `${where}: ${r.kind} still shows its static fallback`);
  }
  const map = byKind('map');
  assert.equal(map.points, RUNS, `${where}: the latent map shows ${map.points} points, expected one per run`);
  assert.equal(map.sliderSteps, STEPS.length);
  assert.ok(map.legend.some((l) => l.startsWith('correct')) && map.legend.some((l) => l.startsWith('incorrect')), map.legend.join(', '));
  const domains = byKind('map-domain');
  assert.equal(domains.points, RUNS);
  // Plotly decodes the escaped legend name back to plain text: shown literally, never parsed.
  assert.ok(domains.legend.some((l) => l.startsWith('</script><img src=x onerror=')), domains.legend.join(' | '));
  const trajectories = byKind('trajectories');
  assert.ok(trajectories.glCanvases >= 1, `${where}: the 3-D view has no WebGL canvas`);
  assert.equal(byKind('metrics').traces, 8, 'two metrics × (band + mean) × two classes');
  assert.equal(byKind('roc').traces, 2);
  assert.equal(byKind('auroc').points, STEPS.length);
  const matrix = byKind('matrix');
  assert.equal(matrix.heatmaps, 1);
  assert.equal(matrix.annotations, 9);
  assert.equal(byKind('lto').bars, 9, 'three methods × three domains');
  assert.equal(byKind('curves').points, 12, 'two series × six points');
  assert.equal(page.xss, null, `${where}: injected markup ran`);
  assert.equal(page.injectedImages, 0, `${where}: an <img> from data reached the DOM`);
  assert.equal(page.libraryScripts, 1, `${where}: plotly must be embedded exactly once`);
  for (const url of page.resources) assert.ok(url.startsWith('file:'), `${where}: the page loaded ${url}`);
  assert.match(page.probe.selectionText ?? '', /^2 selected runs/);
  assert.equal(page.probe.selectionItems, 2);
  assert.equal(page.probe.selectionImages, 0);
  assert.ok((page.probe.selectionText ?? '').includes(HOSTILE_BROWSER), 'the selected run lists its question as text');
  assert.ok((page.probe.hoverText ?? '').includes('</script><img src=x'), `hover shows the raw question as text: ${page.probe.hoverText}`);
  assert.equal(page.probe.hoverImages, 0);
}

test('widgets render from disk in headless Chromium with the network off', { skip: CHROMIUM ? false : CHROMIUM_MISSING, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-widgets-'));
  try {
    const widgets = (): [string, Figure][] => [
      ['map', latentMap(HOSTILE_BROWSER)],
      ['trajectories', trajectoryView(HOSTILE_BROWSER)],
      ['metrics', metricCurves(HOSTILE_BROWSER)],
      ['roc', rocCurve(HOSTILE_BROWSER)],
      ['auroc', aurocBySteps()],
      ['matrix', crossDomainMatrix(HOSTILE_BROWSER)],
      ['lto', ltoComparison(HOSTILE_BROWSER)],
      ['curves', accuracyCurves()],
    ];

    // Notebook-like page: outputs in display order; the first carries plotly. One more output,
    // displayed after it (so without the library), sits above it as a re-run cell would.
    resetPlotlyEmbedding();
    const outputs = widgets().map(([kind, widget]) => tagged(kind, bundleOf(widget)['text/html'] as string));
    const above = tagged('map-domain', bundleOf(latentMap(HOSTILE_BROWSER, { colorBy: 'domain', title: 'by domain' }))['text/html'] as string);
    assert.ok(outputs[0]!.includes('data-lt-plotly') && !outputs.slice(1).some((h) => h.includes('data-lt-plotly')) && !above.includes('data-lt-plotly'));
    const table = new Table([{ question: HOSTILE_BROWSER, reward: 0.123456 }]).pageHtml();
    const cells = [above, ...outputs, table].map((html) => `<div class="output" style="min-width:0">${html}</div>`).join('\n');
    const notebook =
      '<!DOCTYPE html><html><head><meta charset="utf-8"><title>widgets</title></head>' +
      `<body style="margin:8px;font-family:sans-serif"><div style="display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px">${cells}</div>${PROBE}</body></html>`;
    const notebookPath = join(dir, 'notebook.html');
    writeFileSync(notebookPath, notebook);

    // Standalone report: the library once in the head, every figure referencing it.
    const report = htmlPage(`Widgets ${HOSTILE_BROWSER}`, [
      { heading: 'All widgets' },
      ...widgets().map(([, widget]) => widget),
      latentMap(HOSTILE_BROWSER, { colorBy: 'domain' }),
      new Table([{ question: HOSTILE_BROWSER }]),
    ]);
    const kinds = ['map', 'trajectories', 'metrics', 'roc', 'auroc', 'matrix', 'lto', 'curves', 'map-domain'];
    let k = 0;
    const reportTagged = report.replace(/<div class="lt-figure"/g, () => `<div data-lt-kind="${kinds[k++]}" class="lt-figure"`).replace('</body>', `${PROBE}</body>`);
    assert.equal(k, kinds.length);
    const reportPath = join(dir, 'report.html');
    writeFileSync(reportPath, reportTagged);

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'widgets.png');
    rmSync(screenshot, { force: true });
    // One run dumps the notebook page's DOM and takes its screenshot; the report runs alongside.
    const [notebookDom, reportDom] = await Promise.all([
      runChromium([...offlineChromiumArgs(join(dir, 'profile-1'), 30_000), '--window-size=1600,3000', `--screenshot=${screenshot}`, '--dump-dom', pathToFileURL(notebookPath).href], 50_000, 64 * 1024 * 1024),
      runChromium([...offlineChromiumArgs(join(dir, 'profile-2'), 30_000), '--dump-dom', pathToFileURL(reportPath).href], 50_000, 64 * 1024 * 1024),
    ]);
    const notebookResult = parseResult(notebookDom);
    const reportResult = parseResult(reportDom);
    // What the pages reported, kept next to the screenshot for diagnosis.
    writeFileSync(join(ARTIFACTS, 'widgets-dom.json'), `${JSON.stringify({ notebook: notebookResult, report: reportResult }, null, 1)}\n`);
    checkFigures(notebookResult, 'notebook page');
    checkFigures(reportResult, 'report page');
    assert.ok(existsSync(screenshot) && statSync(screenshot).size > 10_000, `no screenshot at ${screenshot}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
