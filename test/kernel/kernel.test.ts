/**
 * End to end through Jupyter's own tools: `lto kernel install --prefix`, `jupyter kernelspec list`,
 * then a notebook executed by nbclient (Debian's /usr/bin/python3; the python3 on PATH may be
 * another Python without Jupyter). The notebook lives in a folder inside this repository, as the
 * project's notebooks do, next to a TypeScript helper it imports relatively.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..');
const LTO = join(REPO, 'bin', 'lto.js');
const RUN_NOTEBOOK = join(REPO, 'test', 'kernel', 'run-notebook.py');
const PYTHON = '/usr/bin/python3';
const JUPYTER = '/usr/bin/jupyter';
const INSTALL_HINT =
  'The kernel test needs Debian\'s Jupyter packages: run `apt-get update && apt-get install -y --no-install-recommends jupyter-client python3-nbclient jupyter-nbconvert python3-ipykernel` (as root; .ci/run does this).';

interface Output {
  output_type: string;
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Cell {
  source: string;
  outputs: Output[];
}

/** The cells of the test notebook; the assertions below refer to them by index. */
const CELLS = [
  // 0: a last value implementing the display protocol with three MIME types
  `const rich = { [Symbol.for('Jupyter.display')]() { return { 'text/plain': 'plain view', 'text/html': '<b>html view</b>', 'application/json': { answer: 42 } }; } };
rich`,
  // 1: console.log stays a stream; a plain last value keeps tslab's text output
  `console.log('hello from console.log');
1 + 1`,
  // 2: a runtime error
  `throw new TypeError('deliberate failure');`,
  // 3: the next cell must still run
  `console.log('served after the error');`,
  // 4: a compile error
  `const count: number = 'not a number';`,
  // 5: and the kernel still serves
  `console.log('served after the compile error');`,
  // 6: display() with a handle updated in place, and a plain display
  `const handle = display({ [Symbol.for('Jupyter.display')]() { return { 'text/plain': 'version 1', 'text/html': '<i>version 1</i>' }; } });
display('a second output');
handle.update({ [Symbol.for('Jupyter.display')]() { return { 'text/plain': 'version 2', 'text/html': '<i>version 2</i>' }; } });`,
  // 7: the library by name, with its own display objects (a progress bar: one updated display)
  `import { escapeHtml, progress } from 'latent-thinking';
console.log(escapeHtml('<script>alert(1)</script>'));
const bar = progress({ total: 3, label: 'steps' });
for (let i = 0; i < 3; i++) bar.advance();
bar.finish();`,
  // 8: a relative import of a TypeScript file beside the notebook
  `import { square } from './shapes';
console.log(square(7));`,
];

let prefix: string;
let notebookDir: string;

before(() => {
  prefix = mkdtempSync(join(tmpdir(), 'lt-kernel-prefix-'));
  // Inside the repository (.tmp/ is ignored by git), like the project's notebooks/.
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  notebookDir = mkdtempSync(join(REPO, '.tmp', 'kernel-test-'));
});
after(() => {
  rmSync(prefix, { recursive: true, force: true });
  rmSync(notebookDir, { recursive: true, force: true });
});

test('the Debian Jupyter tools are installed', () => {
  const probe = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat, jupyter_client, ipykernel'], { encoding: 'utf8' });
  assert.ok(probe.status === 0 && existsSync(JUPYTER), `${INSTALL_HINT}\n${probe.error?.message ?? probe.stderr}`);
});

test('lto kernel install --prefix writes a kernelspec that jupyter kernelspec list shows', () => {
  const install = spawnSync(process.execPath, [LTO, 'kernel', 'install', '--prefix', prefix], { encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);
  const specDir = join(prefix, 'share', 'jupyter', 'kernels', 'latent-thinking');
  const spec = JSON.parse(readFileSync(join(specDir, 'kernel.json'), 'utf8'));
  assert.equal(spec.display_name, 'Latent Thinking (TypeScript)');
  assert.equal(spec.language, 'typescript');
  assert.equal(spec.argv[0], process.execPath);
  assert.equal(spec.argv[1], join(REPO, 'kernel', 'launch.js'));
  assert.equal(spec.argv[2], '{connection_file}');

  assert.ok(existsSync(JUPYTER), INSTALL_HINT);
  const list = spawnSync(JUPYTER, ['kernelspec', 'list', '--json'], { encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter') } });
  assert.equal(list.status, 0, `${list.stderr}\n${INSTALL_HINT}`);
  const listed = JSON.parse(list.stdout).kernelspecs['latent-thinking'];
  assert.ok(listed, list.stdout);
  assert.equal(listed.resource_dir, specDir);
  assert.equal(listed.spec.display_name, 'Latent Thinking (TypeScript)');
});

test('a notebook runs through nbclient: rich results, streams, errors that do not stop the kernel, display handles, library and relative imports', () => {
  const probe = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, `${INSTALL_HINT}\n${probe.error?.message ?? probe.stderr}`);
  assert.ok(existsSync(join(prefix, 'share', 'jupyter', 'kernels', 'latent-thinking', 'kernel.json')), 'the install test must run first');

  writeFileSync(join(notebookDir, 'shapes.ts'), 'export function square(x: number): number {\n  return x * x;\n}\n');
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'latent-thinking', display_name: 'Latent Thinking (TypeScript)', language: 'typescript' } },
    cells: CELLS.map((source, i) => ({ cell_type: 'code', id: `cell-${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  const path = join(notebookDir, 'kernel-test.ipynb');
  writeFileSync(path, JSON.stringify(notebook));

  const run = spawnSync(PYTHON, [RUN_NOTEBOOK, path, 'latent-thinking'], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter') },
  });
  assert.equal(run.status, 0, `nbclient failed (${run.error?.message ?? ''}):\n${run.stderr}`);
  const executed = JSON.parse(run.stdout) as { cells: Cell[]; metadata: { language_info?: { name: string } } };
  const cells = executed.cells;
  assert.equal(cells.length, CELLS.length);
  assert.equal(executed.metadata.language_info?.name, 'typescript');
  const streams = (cell: Cell) => cell.outputs.filter((o) => o.output_type === 'stream').map((o) => o.text).join('');

  // 0: ONE output carrying all three MIME types.
  assert.equal(cells[0]!.outputs.length, 1, JSON.stringify(cells[0]!.outputs));
  assert.equal(cells[0]!.outputs[0]!.output_type, 'execute_result');
  assert.deepEqual(cells[0]!.outputs[0]!.data, { 'text/plain': 'plain view', 'text/html': '<b>html view</b>', 'application/json': { answer: 42 } });

  // 1: console.log is a stdout stream (and so is tslab's text of a plain value).
  assert.ok(cells[1]!.outputs.every((o) => o.output_type === 'stream' && o.name === 'stdout'), JSON.stringify(cells[1]!.outputs));
  assert.equal(streams(cells[1]!), 'hello from console.log\n2\n');

  // 2 and 3: an error output, then the next cell still runs.
  assert.equal(cells[2]!.outputs.length, 1, JSON.stringify(cells[2]!.outputs));
  const error = cells[2]!.outputs[0]!;
  assert.equal(error.output_type, 'error');
  assert.equal(error.ename, 'TypeError');
  assert.equal(error.evalue, 'deliberate failure');
  assert.ok(error.traceback!.includes('TypeError: deliberate failure'), JSON.stringify(error.traceback));
  assert.equal(streams(cells[3]!), 'served after the error\n');

  // 4 and 5: a compile error is an error output too, and the kernel keeps serving.
  assert.equal(cells[4]!.outputs[0]!.output_type, 'error');
  assert.equal(cells[4]!.outputs[0]!.ename, 'CompileError');
  assert.match(cells[4]!.outputs[0]!.evalue!, /^1:7 - error TS2322: Type 'string' is not assignable to type 'number'\.$/);
  assert.equal(streams(cells[5]!), 'served after the compile error\n');

  // 6: the handle's display shows its updated content; the second display is separate.
  assert.deepEqual(cells[6]!.outputs.map((o) => [o.output_type, o.data]), [
    ['display_data', { 'text/plain': 'version 2', 'text/html': '<i>version 2</i>' }],
    ['display_data', { 'text/plain': 'a second output' }],
  ]);

  // 7: the library imported by name; its progress bar is one display that ends at 3/3.
  assert.equal(streams(cells[7]!), '&lt;script&gt;alert(1)&lt;/script&gt;\n');
  const bars = cells[7]!.outputs.filter((o) => o.output_type === 'display_data');
  assert.equal(bars.length, 1, JSON.stringify(cells[7]!.outputs));
  assert.match(bars[0]!.data!['text/plain'] as string, /^steps █{20} 100% 3\/3 /);
  assert.match(bars[0]!.data!['text/html'] as string, /<progress value="3" max="3"/);

  // 8: the relative import of shapes.ts.
  assert.equal(streams(cells[8]!), '49\n');
});
