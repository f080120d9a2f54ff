import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleOf, escapeHtml, JUPYTER_DISPLAY } from '../../src/display/protocol.js';
import { claimPlotlyEmbedding, figureHtml, htmlPage, jsonForScript, plotlyLibrary, plotlyNotebookInit, resetPlotlyEmbedding, writeHtmlPage } from '../../src/display/plotly-offline.js';
import { Table } from '../../src/display/table.js';
import { HOSTILE, accuracyCurves, latentMap, rocCurve } from './widget-fixtures.js';

/** Every <script ...> opening tag of an HTML text. */
function scriptTags(html: string): string[] {
  return html.match(/<script\b[^>]*>/gi) ?? [];
}

test('the library is read from the installed plotly.js-dist-min 4.1.2 and can be inlined', () => {
  const { version, source } = plotlyLibrary();
  assert.equal(version, '4.1.2');
  assert.ok(source.length > 3_000_000, `plotly.min.js is only ${source.length} characters`);
  assert.doesNotMatch(source, /<\/?script/i);
  assert.equal(plotlyLibrary(), plotlyLibrary(), 'read once and cached');
});

test('JSON inside a script cannot close it: < > & and U+2028/9 are escaped, and the value survives', () => {
  const value = { text: `${HOSTILE} <!-- & \u2028\u2029 "quoted"`, nested: [1, null, 'a</SCRIPT>b'] };
  const json = jsonForScript(value);
  assert.doesNotMatch(json, /[<>&\u2028\u2029]/);
  assert.ok(json.includes('\\u003c/script\\u003e'));
  assert.deepEqual(JSON.parse(json), value);
});

test('plotly is embedded once per kernel session: the first figure carries it, later ones reference it', () => {
  resetPlotlyEmbedding();
  const first = bundleOf(rocCurve())['text/html'] as string;
  const second = bundleOf(accuracyCurves())['text/html'] as string;
  const third = bundleOf(rocCurve())['text/html'] as string;
  const library = plotlyLibrary().source;
  assert.ok(first.includes(library) && first.includes('data-lt-plotly="4.1.2"'));
  assert.equal(first.split('data-lt-plotly=').length - 1, 1);
  for (const later of [second, third]) {
    assert.ok(!later.includes('data-lt-plotly') && later.length < 100_000, 'a later figure must not carry the library');
    // It draws with window.Plotly when present, else waits for the library to announce itself.
    assert.ok(later.includes('if (window.Plotly) render();') && later.includes("addEventListener('lt-plotly-ready', render)"));
  }
  // The loader defines window.Plotly only if no earlier output did.
  assert.ok(first.includes('if (!window.Plotly) {'));
  // After a reset (a new kernel) the next figure carries it again; plotlyNotebookInit always does.
  resetPlotlyEmbedding();
  assert.ok((bundleOf(rocCurve())['text/html'] as string).includes('data-lt-plotly'));
  assert.equal(claimPlotlyEmbedding(), false);
  const init = bundleOf(plotlyNotebookInit());
  assert.ok((init['text/html'] as string).includes('data-lt-plotly') && (init['text/html'] as string).includes(library));
  assert.equal(init['text/plain'], 'plotly.js 4.1.2 (offline)');
});

test('no output loads a script from a URL', () => {
  resetPlotlyEmbedding();
  for (const widget of [latentMap(), rocCurve(), accuracyCurves()]) {
    const html = bundleOf(widget)['text/html'] as string;
    for (const tag of scriptTags(html)) {
      assert.doesNotMatch(tag, /\bsrc\s*=/i, `script with a src: ${tag}`);
      assert.doesNotMatch(tag, /http/i);
    }
  }
  const page = htmlPage('report', [rocCurve()]);
  for (const tag of scriptTags(page)) assert.doesNotMatch(tag, /\bsrc\s*=|http/i);
  assert.doesNotMatch(page, /<link\b/i);
});

test('every figure shows its static SVG until plotly has drawn, and a note if plotly never comes', () => {
  const html = figureHtml({ spec: { data: [], layout: {} }, svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' }, { embedLibrary: false });
  assert.match(html, /^<div class="lt-figure" id="lt-fig-[^"]+"><div class="lt-fallback"><svg /);
  assert.ok(html.includes('plotlyNotebookInit()'), 'the note says how to load the library again');
  assert.ok(html.includes("fallback.parentNode.removeChild(fallback)"));
  // Two figures never share an element id.
  const other = figureHtml({ spec: { data: [], layout: {} }, svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' }, { embedLibrary: false });
  assert.notEqual(/id="([^"]+)"/.exec(html)![1], /id="([^"]+)"/.exec(other)![1]);
});

test('a standalone page inlines the library exactly once for all its figures and escapes its text', async () => {
  const items = [{ heading: `Results ${HOSTILE}` }, { text: 'A paragraph & more' }, latentMap(), rocCurve(), accuracyCurves(), new Table([{ a: 1 }]), { [JUPYTER_DISPLAY]: () => ({ 'text/plain': `plain ${HOSTILE}` }) }];
  const page = htmlPage(`Report ${HOSTILE}`, items);
  assert.equal(page.split(plotlyLibrary().source).length - 1, 1);
  assert.equal(page.split('data-lt-plotly=').length - 1, 1);
  assert.equal((page.match(/class="lt-figure"/g) ?? []).length, 3);
  assert.ok(page.startsWith('<!DOCTYPE html>'));
  assert.ok(page.includes(`<title>Report ${escapeHtml(HOSTILE)}</title>`));
  assert.ok(page.includes(`<h2>Results ${escapeHtml(HOSTILE)}</h2>`));
  assert.ok(page.includes(`<pre>plain ${escapeHtml(HOSTILE)}</pre>`));
  assert.ok(page.includes('<p>A paragraph &amp; more</p>'));
  assert.ok(!page.includes('<img'), 'no markup from data');
  // Written atomically to the path.
  const dir = mkdtempSync(join(tmpdir(), 'lt-page-'));
  try {
    const path = join(dir, 'index.html');
    await writeHtmlPage(path, 'R', [rocCurve()]);
    const written = readFileSync(path, 'utf8');
    assert.ok(written.startsWith('<!DOCTYPE html>') && written.endsWith('</html>\n'));
    assert.equal(written.split('data-lt-plotly=').length - 1, 1);
    assert.equal((written.match(/class="lt-figure"/g) ?? []).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
