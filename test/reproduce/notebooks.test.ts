/**
 * Issue 7 acceptance, through Jupyter's own tools: the kernel is registered (`lto kernel install
 * --prefix`) and every notebook of notebooks/ is executed by nbclient (Debian's /usr/bin/python3)
 * in quick mode (LTO_QUICK=1) with no error output; notebook 08 skips cleanly without a checkpoint.
 * Executed notebooks are kept in out/test-artifacts/notebooks/.
 *
 * Skips only when Debian's Jupyter (jupyter-client python3-nbclient jupyter-nbconvert
 * python3-ipykernel) is absent. Without a model (datasets/model, or LTO_DEFAULT_MODEL) it fails
 * with a message saying so. Trajectory sets are cached in out/sets (a warm run is faster).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notebookModel, REPO } from './model-for-notebooks.js';
import { SUMMARY_MIME } from '../../src/reproduce/report.js';

const PYTHON = '/usr/bin/python3';
const RUNNER = join(REPO, 'test', 'reproduce', 'run-notebooks.py');
const NOTEBOOKS = join(REPO, 'notebooks');
const ARTIFACTS = join(REPO, 'out', 'test-artifacts', 'notebooks');
const jupyterProbe = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat, jupyter_client, ipykernel'], { encoding: 'utf8' });
const JUPYTER_MISSING = jupyterProbe.status !== 0 || !existsSync('/usr/bin/jupyter');
const SKIP = JUPYTER_MISSING
  ? 'Debian Jupyter is not installed (apt-get install -y --no-install-recommends jupyter-client python3-nbclient jupyter-nbconvert python3-ipykernel)'
  : false;

interface RunLine {
  notebook: string;
  seconds: number;
  errors: { cell: number; ename: string; evalue: string }[];
  exception: string | null;
}

test('the notebooks are the nine of issue 7, each for the Latent Thinking kernel', () => {
  const names = readdirSync(NOTEBOOKS).filter((n) => n.endsWith('.ipynb')).sort();
  assert.deepEqual(names.map((n) => n.slice(0, 3)), ['01-', '02-', '03-', '04-', '05-', '06-', '07-', '08-', '09-']);
  for (const name of names) {
    const nb = JSON.parse(readFileSync(join(NOTEBOOKS, name), 'utf8'));
    assert.equal(nb.metadata.kernelspec.name, 'latent-thinking', name);
    for (const cell of nb.cells) if (cell.cell_type === 'code') assert.deepEqual(cell.outputs, [], `${name}: notebooks are committed without outputs`);
    const text = nb.cells.map((c: { source: string[] | string }) => (Array.isArray(c.source) ? c.source.join('') : c.source)).join('\n');
    assert.match(text, /\*\*Reproduces( \(analogue of\))?:\*\*|Paper link:|It reproduces no figure/, `${name} states what of the paper it reproduces`);
    assert.ok(text.includes('keyFigures('), `${name} ends with its key figures`);
    for (const m of text.matchAll(/from '([^']+)'/g)) assert.ok(['latent-thinking', './lto-notebook', 'node:fs', 'node:path'].includes(m[1]!), `${name} imports ${m[1]}: notebooks use the public API only`);
  }
});

test('every notebook runs through nbclient in quick mode with no error output', { skip: SKIP, timeout: 60 * 60 * 1000 }, () => {
  const model = notebookModel();
  assert.ok(!model.problem, model.problem);
  const prefix = mkdtempSync(join(tmpdir(), 'lt-notebooks-prefix-'));
  try {
    const install = spawnSync(process.execPath, [join(REPO, 'bin', 'lto.js'), 'kernel', 'install', '--prefix', prefix], { encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    const names = readdirSync(NOTEBOOKS).filter((n) => n.endsWith('.ipynb')).sort();
    rmSync(ARTIFACTS, { recursive: true, force: true });
    const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), LTO_QUICK: '1' };
    delete env['HUGINN_CHECKPOINT']; // notebook 08 must skip cleanly
    const run = spawnSync(PYTHON, [RUNNER, 'latent-thinking', ARTIFACTS, ...names.map((n) => join(NOTEBOOKS, n))], { encoding: 'utf8', env, timeout: 55 * 60 * 1000, maxBuffer: 64 * 2 ** 20 });
    assert.equal(run.status, 0, `nbclient failed (${run.error?.message ?? ''}):\n${run.stderr.slice(-4000)}`);
    const lines = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunLine);
    assert.deepEqual(lines.map((l) => l.notebook), names);
    for (const l of lines) {
      assert.equal(l.exception, null, `${l.notebook}: ${l.exception}`);
      assert.deepEqual(l.errors, [], `${l.notebook} has error outputs: ${l.errors.map((e) => `cell ${e.cell}: ${e.ename}: ${e.evalue}`).join('; ')}`);
      const executed = JSON.parse(readFileSync(join(ARTIFACTS, l.notebook), 'utf8'));
      const outputs = executed.cells.flatMap((c: { outputs?: { output_type: string; data?: Record<string, unknown> }[] }) => c.outputs ?? []);
      const summary = outputs.find((o: { data?: Record<string, unknown> }) => o.data && o.data[SUMMARY_MIME]);
      assert.ok(summary, `${l.notebook}: no key-figures output`);
      assert.equal((summary.data[SUMMARY_MIME] as { quick: boolean }).quick, true, `${l.notebook} ran in quick mode`);
      for (const cell of executed.cells) if (cell.cell_type === 'code') assert.notEqual(cell.execution_count, null, `${l.notebook}: a cell did not run`);
    }
    const skipped = JSON.parse(readFileSync(join(ARTIFACTS, names.find((n) => n.startsWith('08-'))!), 'utf8'));
    const text = skipped.cells.flatMap((c: { outputs?: { text?: string | string[] }[] }) => (c.outputs ?? []).map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))).join('');
    assert.match(text, /Skipping the real-checkpoint run: HUGINN_CHECKPOINT is not set/);
    process.stderr.write(`notebook times (s): ${lines.map((l) => `${l.notebook} ${l.seconds}`).join(', ')}\n`);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});
