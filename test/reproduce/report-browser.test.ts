/**
 * `npm run reproduce` end to end in quick mode: the runner (`node dist/src/reproduce/main.js
 * --quick`) executes every notebook on the kernel's executor, then the HTML report is opened from
 * disk in headless Chromium with the network off and every figure must be rendered by plotly. The
 * screenshot and the report's summary are kept in out/test-artifacts/ (reproduce-report.png,
 * reproduce-report-dom.json, reproduce-summary.json).
 *
 * Without a model (datasets/model, or LTO_DEFAULT_MODEL) it fails with a message saying so.
 * Needs Debian's `chromium` (CI installs it); fails with the install command otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { notebookModel, REPO } from './model-for-notebooks.js';
import { CHROMIUM, CHROMIUM_MISSING, offlineChromiumArgs, runChromium } from '../helpers/chromium.js';

const ARTIFACTS = join(REPO, 'out', 'test-artifacts');

/** Waits for every figure (rendered or failed), then reports what the page holds. */
const PROBE = `<script>
(function () {
  var started = Date.now();
  function all(root, selector) { return root ? Array.prototype.slice.call(root.querySelectorAll(selector)) : []; }
  function report() {
    var figures = all(document, '.lt-figure');
    var pending = figures.filter(function (f) { return !f.hasAttribute('data-lt-rendered') && !f.hasAttribute('data-lt-error'); });
    if (pending.length && Date.now() - started < 90000) { setTimeout(report, 100); return; }
    var out = document.createElement('pre');
    out.id = 'lt-test-result';
    out.style.display = 'none';
    out.textContent = JSON.stringify({
      figures: figures.map(function (f) {
        var section = f.closest('.lt-output');
        return { rendered: f.getAttribute('data-lt-rendered'), error: f.getAttribute('data-lt-error'), fallbackLeft: !!f.querySelector('.lt-fallback'), mainSvg: all(f, '.main-svg').length };
      }),
      libraryScripts: all(document, 'script[data-lt-plotly]').length,
      plotly: typeof window.Plotly,
      notebooks: all(document, '.lt-notebook').length,
      resources: performance.getEntriesByType('resource').map(function (e) { return e.name; })
    });
    document.body.appendChild(out);
  }
  window.addEventListener('load', function () { setTimeout(report, 0); });
})();
</script>`;

test('npm run reproduce (quick) writes the report, and every figure renders offline in headless Chromium', { timeout: 60 * 60 * 1000 }, async () => {
  const model = notebookModel();
  assert.ok(!model.problem, model.problem);
  assert.ok(CHROMIUM, CHROMIUM_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'lt-reproduce-report-'));
  try {
    const out = join(dir, 'report');
    const env: NodeJS.ProcessEnv = { ...process.env, LTO_QUICK: '1' };
    delete env['HUGINN_CHECKPOINT'];
    const run = spawnSync(process.execPath, [join(REPO, 'dist', 'src', 'reproduce', 'main.js'), '--quick', '--out', out], { encoding: 'utf8', env, timeout: 55 * 60 * 1000, maxBuffer: 64 * 2 ** 20 });
    assert.equal(run.status, 0, `reproduce failed:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
    assert.match(run.stdout, /All notebooks ran in \d+ s\./);
    assert.ok(run.stdout.includes(`Report:  ${join(out, 'index.html')}`), run.stdout);
    assert.match(run.stderr, /\[1\/9\] 01-quickstart\.ipynb/, 'progress is printed');

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    mkdirSync(ARTIFACTS, { recursive: true });
    copyFileSync(join(out, 'summary.json'), join(ARTIFACTS, 'reproduce-summary.json'));
    assert.equal(summary.mode, 'quick');
    assert.equal(summary.notebooks.length, 9);
    for (const nb of summary.notebooks) {
      assert.equal(nb.status, 'ok', `${nb.notebook}: ${nb.error}`);
      assert.ok(nb.figures && Object.keys(nb.figures).length > 0, `${nb.notebook}: no key figures`);
      assert.ok(typeof nb.reproduces === 'string' && nb.reproduces.length > 0, `${nb.notebook} names what it reproduces`);
      assert.ok(existsSync(join(out, nb.executed)), `${nb.executed} missing`);
    }
    const byName = (prefix: string) => summary.notebooks.find((n: { notebook: string }) => n.notebook.startsWith(prefix));
    assert.ok(byName('05-').figures.lto_table.math.methods.lto, 'summary.json holds the LTO table');
    assert.ok('math' in byName('04-').figures.lrm, 'summary.json holds the LRM AUROCs');
    assert.ok(byName('02-').figures.accuracy, 'summary.json holds the accuracy table');
    assert.equal(byName('08-').figures.ran, false, 'notebook 08 skipped without a checkpoint');

    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const expectedFigures = html.match(/class="lt-figure"/g)?.length ?? 0;
    assert.ok(expectedFigures >= 15, `the report holds only ${expectedFigures} figures`);
    const probed = join(dir, 'probed.html');
    writeFileSync(probed, html.replace('</body>', `${PROBE}</body>`));
    const screenshot = join(ARTIFACTS, 'reproduce-report.png');
    rmSync(screenshot, { force: true });
    const args = [...offlineChromiumArgs(join(dir, 'profile'), 120_000), '--window-size=1300,5000', `--screenshot=${screenshot}`, '--dump-dom', pathToFileURL(probed).href];
    const dom = await runChromium(args, 170_000, 256 * 1024 * 1024);
    const match = /<pre id="lt-test-result"[^>]*>([\s\S]*?)<\/pre>/.exec(dom);
    assert.ok(match, `the report did not report (no #lt-test-result in the DOM):\n${dom.slice(0, 500)}`);
    const page = JSON.parse(match[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')) as {
      figures: { rendered: string | null; error: string | null; fallbackLeft: boolean; mainSvg: number }[];
      libraryScripts: number; plotly: string; notebooks: number; resources: string[];
    };
    writeFileSync(join(ARTIFACTS, 'reproduce-report-dom.json'), `${JSON.stringify(page, null, 1)}\n`);
    assert.equal(page.libraryScripts, 1, 'plotly is inlined exactly once');
    assert.equal(page.plotly, 'object');
    assert.equal(page.notebooks, 9);
    assert.equal(page.figures.length, expectedFigures);
    page.figures.forEach((f, i) => {
      assert.equal(f.error, null, `figure ${i + 1} failed: ${f.error}`);
      assert.equal(f.rendered, 'true', `figure ${i + 1} did not render`);
      assert.equal(f.fallbackLeft, false, `figure ${i + 1} still shows its static fallback`);
      assert.ok(f.mainSvg >= 1, `figure ${i + 1} has no plot`);
    });
    for (const url of page.resources) assert.ok(url.startsWith('file:') || url.startsWith('data:'), `the report loaded ${url}`);
    assert.ok(existsSync(screenshot) && statSync(screenshot).size > 10_000, `no screenshot at ${screenshot}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
