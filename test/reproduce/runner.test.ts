/**
 * The reproduction runner on tiny notebooks (no model needed): executed notebooks with outputs,
 * the self-contained HTML report (plotly inlined once, text escaped), summary.json from the
 * notebooks' key-figure outputs, and failures reported with the notebook and the cell.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reproduce, listNotebooks, summaryTable, type ReproduceResult } from '../../src/reproduce/run.js';
import { parseArgs, USAGE } from '../../src/reproduce/main.js';
import { markdownToHtml } from '../../src/reproduce/markdown.js';
import { parseNotebook, type CodeCell, type Notebook } from '../../src/reproduce/notebook.js';
import { SUMMARY_MIME } from '../../src/reproduce/report.js';

const HOSTILE = '<script>document.documentElement.setAttribute("data-xss","1")</script>';

function notebook(cells: { md?: string; code?: string }[]): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'latent-thinking', display_name: 'Latent Thinking (TypeScript)', language: 'typescript' } },
    cells: cells.map((c, i) =>
      c.md !== undefined
        ? { cell_type: 'markdown', id: `c${i}`, metadata: {}, source: c.md }
        : { cell_type: 'code', id: `c${i}`, metadata: {}, source: c.code!, execution_count: null, outputs: [] },
    ),
  };
}

let dir: string;
let result: ReproduceResult;
const lines: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lt-reproduce-'));
  const nbDir = join(dir, 'notebooks');
  mkdirSync(nbDir);
  writeFileSync(join(nbDir, 'helper.ts'), 'export const twice = (x: number): number => 2 * x;\n');
  const ok = notebook([
    { md: `# A tiny notebook\n\nText with ${HOSTILE} and **bold**.` },
    { code: `import { Curves } from 'latent-thinking';\nimport { twice } from './helper';\nconsole.log('hello ' + twice(21));\nconsole.log(${JSON.stringify(HOSTILE)});` },
    { code: `const handle = display('step 1');\nhandle.update('step 2');` },
    { code: `new Curves({ series: [{ name: 'a', x: [1, 2, 3], y: [0.1, 0.5, 0.4] }], xLabel: 'x', yLabel: 'y', title: 'first' })` },
    { code: `new Curves({ series: [{ name: 'b', x: [1, 2], y: [0.3, 0.2] }], xLabel: 'x', yLabel: 'y', title: 'second' })` },
    {
      code:
        `({ [Symbol.for('Jupyter.display')]: () => ({ 'text/plain': 'key figures', '${SUMMARY_MIME}': { notebook: 'a-ok', reproduces: 'Fig. 0', figures: { auroc: 0.9, quick: process.env['LTO_QUICK'] ?? null }, ` +
        `comparisons: [{ quantity: 'auroc', ours: 0.9, paper: '~1.0', reproduces: true }, { quantity: 'gain', ours: -0.1, paper: '> 0', reproduces: false }] } }) })`,
    },
  ]);
  const failing = notebook([
    { code: `console.log('before the failure');` },
    { code: `const x = 1;\nthrow new RangeError('deliberate failure in cell two');` },
    { code: `console.log('never runs');` },
  ]);
  writeFileSync(join(nbDir, 'a-ok.ipynb'), JSON.stringify(ok));
  writeFileSync(join(nbDir, 'b-fails.ipynb'), JSON.stringify(failing));
  result = await reproduce({ notebooksDir: nbDir, outDir: join(dir, 'report'), quick: true, timeoutSeconds: 120, log: (line) => lines.push(line) });
});

after(() => rmSync(dir, { recursive: true, force: true }));

function executed(name: string): Notebook {
  return parseNotebook(readFileSync(join(dir, 'report', 'notebooks', name), 'utf8'), name);
}

test('notebooks are listed in name order and filtered by --only', async () => {
  const all = await listNotebooks(join(dir, 'notebooks'));
  assert.deepEqual(all.map((p) => p.slice(p.lastIndexOf('/') + 1)), ['a-ok.ipynb', 'b-fails.ipynb']);
  assert.deepEqual((await listNotebooks(join(dir, 'notebooks'), ['fails'])).length, 1);
  await assert.rejects(listNotebooks(join(dir, 'notebooks'), ['nothing']), /no notebooks matching nothing/);
});

test('an executed notebook holds streams, updated displays, rich results and the key figures', () => {
  const nb = executed('a-ok.ipynb');
  const code = nb.cells.filter((c): c is CodeCell => c.cell_type === 'code');
  assert.deepEqual(code.map((c) => c.execution_count), [1, 2, 3, 4, 5]);
  assert.deepEqual(code[0]!.outputs, [{ output_type: 'stream', name: 'stdout', text: `hello 42\n${HOSTILE}\n` }]);
  assert.equal(code[1]!.outputs.length, 1);
  assert.deepEqual((code[1]!.outputs[0] as { data: unknown }).data, { 'text/plain': 'step 2' });
  const figure = code[2]!.outputs[0]!;
  assert.equal(figure.output_type, 'execute_result');
  assert.ok(figure.output_type === 'execute_result' && typeof figure.data['text/html'] === 'string' && figure.data['application/vnd.plotly.v1+json']);
  assert.match(String((figure as { data: Record<string, unknown> }).data['text/html']), /data-lt-plotly/, 'the first figure of a notebook carries plotly');
  const summary = code[4]!.outputs[0]!;
  assert.ok(summary.output_type === 'execute_result' && summary.data[SUMMARY_MIME]);
});

test('a failing cell is reported with the notebook and the cell; later cells are not run', () => {
  assert.equal(result.ok, false);
  const failed = result.reports.find((r) => r.name === 'b-fails.ipynb')!;
  assert.equal(failed.status, 'error');
  assert.ok(failed.failure && 'ename' in failed.failure);
  assert.equal(failed.failure.cell, 2);
  assert.equal(failed.failure.ename, 'RangeError');
  assert.equal(failed.failure.evalue, 'deliberate failure in cell two');
  assert.ok(lines.some((l) => l.includes('b-fails.ipynb: FAILED: cell 2 (code cell 2 of 3, "const x = 1;"): RangeError: deliberate failure in cell two')), lines.join('\n'));
  const nb = executed('b-fails.ipynb');
  const code = nb.cells as CodeCell[];
  assert.equal(code[1]!.outputs.at(-1)!.output_type, 'error');
  assert.equal(code[2]!.execution_count, null);
  assert.deepEqual(code[2]!.outputs, []);
  assert.equal(result.reports.find((r) => r.name === 'a-ok.ipynb')!.status, 'ok');
});

test('summary.json holds every notebook with its status, key figures and comparisons', () => {
  const summary = JSON.parse(readFileSync(result.summaryPath, 'utf8'));
  assert.equal(summary.mode, 'quick');
  assert.deepEqual(summary.notebooks.map((n: { notebook: string; status: string }) => [n.notebook, n.status]), [['a-ok.ipynb', 'ok'], ['b-fails.ipynb', 'error']]);
  assert.deepEqual(summary.notebooks[0].figures, { auroc: 0.9, quick: '1' }, 'quick mode reaches the notebooks as LTO_QUICK=1');
  assert.equal(summary.notebooks[0].reproduces, 'Fig. 0');
  assert.equal(summary.notebooks[0].comparisons.length, 2);
  assert.match(summary.notebooks[1].error, /^cell 2 \(code cell 2 of 3, "const x = 1;"\): RangeError: deliberate failure in cell two$/);
  const table = summaryTable(result.reports);
  assert.match(table, /a-ok\.ipynb\s+ok\s+[\d.]+ s\s+1\/2\s+Fig\. 0/);
  assert.match(table, /b-fails\.ipynb\s+ERROR/);
});

test('the HTML report is self-contained: plotly once, both figures, escaped text, the failure shown', () => {
  const html = readFileSync(result.htmlPath, 'utf8');
  assert.equal(html.match(/<script type="text\/javascript" data-lt-plotly=/g)?.length, 1, 'plotly inlined exactly once');
  assert.ok(html.indexOf('data-lt-plotly') < html.indexOf('</head>'));
  assert.equal(html.match(/class="lt-figure"/g)?.length, 2);
  assert.ok(!html.includes(HOSTILE), 'no raw markup from notebook text or streams');
  assert.ok(html.includes(HOSTILE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')), 'the text is shown escaped');
  assert.ok(html.includes('<strong>bold</strong>'));
  assert.match(html, /RangeError: deliberate failure in cell two/);
  assert.ok(!/src="(https?:)?\/\//.test(html), 'no network resources');
});

test('command-line arguments', () => {
  assert.deepEqual(parseArgs(['--quick', '--only', '03,04', '--out', 'x', '--timeout', '60']), { quick: true, only: ['03', '04'], outDir: 'x', timeoutSeconds: 60 });
  assert.deepEqual(parseArgs([]), {});
  assert.equal(parseArgs(['--help']), USAGE);
  assert.match(String(parseArgs(['--bogus'])), /^unknown argument "--bogus"/);
  assert.match(String(parseArgs(['--only'])), /^--only needs a value/);
  assert.match(String(parseArgs(['--timeout', '-1'])), /^--timeout must be a positive number/);
});

test('markdown is rendered with every piece of text escaped', () => {
  const html = markdownToHtml(`# Title <b>x</b>\n\nA [link](https://example.org/a?b=1&c=2) and [bad](javascript:alert(1)) and \`<code>\`.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| <i>1</i> | 2 |`);
  assert.ok(html.includes('<h3>Title &lt;b&gt;x&lt;/b&gt;</h3>'), html);
  assert.ok(html.includes('<a href="https://example.org/a?b=1&amp;c=2">link</a>'), html);
  assert.ok(!html.includes('javascript:alert(1)"'), html);
  assert.ok(html.includes('<code>&lt;code&gt;</code>'));
  assert.match(html, /<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/);
  assert.ok(html.includes('<td>&lt;i&gt;1&lt;/i&gt;</td>'));
  assert.ok(html.includes('<table class="lt-md-table">'));
});

test('a file that is not a notebook gives an error naming it', () => {
  assert.throws(() => parseNotebook('{"cells": 3}', 'x.ipynb'), /x\.ipynb: not a Jupyter notebook/);
  assert.throws(() => parseNotebook('{', 'y.ipynb'), /y\.ipynb: not valid JSON/);
  assert.throws(() => parseNotebook('{"nbformat": 3, "cells": []}', 'z.ipynb'), /z\.ipynb: nbformat 3/);
});
