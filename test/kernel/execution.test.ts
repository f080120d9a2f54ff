/**
 * The kernel's execution core in-process (tslab's real executor and compiler, no ZeroMQ): what a
 * cell publishes on IOPub and what its reply says. The end-to-end run through Jupyter's own
 * client is kernel.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ABORT_WINDOW_MS, LatentKernel, type ExecuteReplyContent, type IopubChannel } from '../../src/kernel/kernel.js';
import { resolveLibraryFrom } from '../../src/kernel/main.js';
import { kernelInfo } from '../../src/kernel/server.js';
import { JupyterHandlerImpl } from 'tslab/dist/jupyter';

interface Published {
  readonly msgType: string;
  readonly content: Record<string, unknown>;
}

let workDir: string;
let kernel: LatentKernel;
let clock = 0;

before(() => {
  workDir = mkdtempSync(join(tmpdir(), 'lt-kernel-exec-'));
  writeFileSync(join(workDir, 'helper.ts'), 'export const greeting: string = "hi";\n');
  // As Jupyter and the launcher do: the kernel runs in the notebook's folder, and the library
  // resolves by name from a folder that does not install it.
  process.chdir(workDir);
  assert.equal(resolveLibraryFrom(workDir), true);
  // captureProcessOutput off: the test runner reports through this process's stdout.
  kernel = new LatentKernel({ now: () => clock, captureProcessOutput: false });
});
after(() => {
  kernel.close();
  process.chdir(tmpdir());
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs one cell; returns its reply and what it published. */
async function run(code: string, options: { stop_on_error?: boolean } = {}): Promise<{ reply: ExecuteReplyContent; published: Published[] }> {
  const published: Published[] = [];
  const iopub: IopubChannel = { publish: (msgType, content) => published.push({ msgType, content: content as Record<string, unknown> }) };
  const reply = await kernel.execute({ code, ...options }, iopub);
  return { reply, published };
}

test('a last value implementing the display protocol is ONE execute_result with every MIME type', async () => {
  const { reply, published } = await run(`
    const chart = { [Symbol.for('Jupyter.display')]() { return { 'text/plain': 'chart', 'text/html': '<svg></svg>', 'application/vnd.plotly.v1+json': { data: [1] } }; } };
    chart`);
  assert.equal(reply.status, 'ok');
  assert.deepEqual(published, [
    { msgType: 'execute_result', content: { execution_count: reply.execution_count, data: { 'text/plain': 'chart', 'text/html': '<svg></svg>', 'application/vnd.plotly.v1+json': { data: [1] } }, metadata: {} } },
  ]);
});

test('binary representations are sent as base64 and a broken display method shows its fault', async () => {
  const png = await run(`({ [Symbol.for('Jupyter.display')]() { return { 'text/plain': 'img', 'image/png': new Uint8Array([137, 80, 78, 71]) }; } })`);
  assert.equal((png.published[0]!.content['data'] as Record<string, unknown>)['image/png'], 'iVBORw==');
  const broken = await run(`class Chart { [Symbol.for('Jupyter.display')]() { throw new Error('no data'); } }\nnew Chart()`);
  assert.equal(broken.reply.status, 'ok');
  assert.deepEqual(broken.published.map((p) => p.content['data']), [{ 'text/plain': '[Chart: cannot display: its display method threw Error: no data]' }]);
});

test('display() and its handle publish display_data and update_display_data under one display_id; a trailing handle is not printed', async () => {
  const { published } = await run(`
    const h = display({ [Symbol.for('Jupyter.display')]() { return { 'text/plain': 'v1', 'text/html': '<i>v1</i>' }; } });
    h.update('v2');
    h`);
  assert.deepEqual(published.map((p) => p.msgType), ['display_data', 'update_display_data']);
  const [shown, updated] = published as [Published, Published];
  assert.deepEqual(shown.content['data'], { 'text/plain': 'v1', 'text/html': '<i>v1</i>' });
  assert.deepEqual(updated.content['data'], { 'text/plain': 'v2' });
  const id = (shown.content['transient'] as { display_id: string }).display_id;
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.deepEqual(updated.content['transient'], { display_id: id });
});

test('a thrown error becomes an error output and an error reply (ename, evalue, traceback without kernel frames)', async () => {
  const { reply, published } = await run(`function inner() { throw new RangeError('too far'); }\ninner();`, { stop_on_error: false });
  assert.deepEqual(published.map((p) => p.msgType), ['error']);
  const error = published[0]!.content as { ename: string; evalue: string; traceback: string[] };
  assert.equal(error.ename, 'RangeError');
  assert.equal(error.evalue, 'too far');
  assert.ok(error.traceback.includes('RangeError: too far'), error.traceback.join('\n'));
  assert.ok(error.traceback.some((line) => /at inner \(evalmachine/.test(line)), error.traceback.join('\n'));
  assert.ok(!error.traceback.some((line) => /tslab[\\/]dist|node:vm/.test(line)), error.traceback.join('\n'));
  assert.equal(reply.status, 'error');
  assert.deepEqual({ ...reply }, { status: 'error', execution_count: reply.execution_count, ...error });
  const thrownString = await run(`throw 'plain string';`, { stop_on_error: false });
  assert.deepEqual(thrownString.published[0]!.content, { ename: 'Error', evalue: "Uncaught 'plain string'", traceback: ["Uncaught 'plain string'"] });
});

test('a TypeScript error is a CompileError naming the line, column and code; types come from the library', async () => {
  const { reply, published } = await run(`const n: number = 1;\nconst s: number = 'text';`, { stop_on_error: false });
  assert.equal(reply.status, 'error');
  assert.deepEqual(published[0]!.content, {
    ename: 'CompileError',
    evalue: "2:7 - error TS2322: Type 'string' is not assignable to type 'number'.",
    traceback: ["2:7 - error TS2322: Type 'string' is not assignable to type 'number'."],
  });
  // 'latent-thinking' resolves (through the kernel's alias) with its real declarations.
  const typed = await run(`import { escapeHtml } from 'latent-thinking';\nescapeHtml(42);`, { stop_on_error: false });
  assert.equal(typed.reply.status, 'error');
  assert.match(typed.published[0]!.content['evalue'] as string, /TS2345: Argument of type 'number' is not assignable to parameter of type 'string'/);
  const used = await run(`import { escapeHtml as esc } from 'latent-thinking';\nimport { greeting } from './helper';\n({ [Symbol.for('Jupyter.display')]: () => ({ 'text/plain': esc('<' + greeting + '>') }) })`);
  assert.equal(used.reply.status, 'ok', JSON.stringify(used.published));
  assert.deepEqual(used.published[0]!.content['data'], { 'text/plain': '&lt;hi&gt;' });
});

test('after an error, queued requests run when the failed one had stop_on_error false', async () => {
  const failing = kernel.execute({ code: `throw new Error('first fails')`, stop_on_error: false }, { publish: () => undefined });
  const queued = run(`({ [Symbol.for('Jupyter.display')]: () => ({ 'text/plain': 'still served' }) })`);
  assert.equal((await failing).status, 'error');
  const { reply, published } = await queued;
  assert.equal(reply.status, 'ok');
  assert.deepEqual(published[0]!.content['data'], { 'text/plain': 'still served' });
});

test('with stop_on_error (the default), queued requests and those arriving within the abort window are aborted, later ones run', async () => {
  const before = (await run('1;')).reply.execution_count;
  const failing = kernel.execute({ code: `throw new Error('stop here')` }, { publish: () => undefined });
  const queued = [run('2;'), run('3;')];
  assert.equal((await failing).status, 'error');
  for (const q of queued) assert.deepEqual((await q).reply, { status: 'aborted', execution_count: before + 1 });
  clock += ABORT_WINDOW_MS - 1;
  assert.equal((await run('4;')).reply.status, 'aborted');
  clock += 2;
  const later = await run('5;');
  assert.equal(later.reply.status, 'ok');
  assert.equal(later.reply.execution_count, before + 2);
});

test('kernel_info names the kernel and keeps tslab\'s TypeScript language info', () => {
  const info = kernelInfo(new JupyterHandlerImpl(kernel.executor, false).handleKernel(), '9.9.9');
  assert.equal(info.implementation, 'latent-thinking');
  assert.equal(info.implementation_version, '9.9.9');
  assert.equal(info.language_info.name, 'typescript');
  assert.equal(info.language_info.file_extension, '.ts');
  assert.match(info.language_info.version, /^5\.\d+\.\d+$/);
  assert.match(info.banner, /^Latent Thinking \(TypeScript\) 9\.9\.9: tslab 1\.0\.22, TypeScript 5\./);
});

test('a shorthand property names a variable declared in an earlier cell', async () => {
  assert.equal((await run('const alpha = 3;\nlet beta = 4;')).reply.status, 'ok');
  // tslab rewrites an earlier cell's `alpha` as `exports.alpha` but used to miss shorthands.
  const { reply, published } = await run(`const pair = { alpha, beta };
    ({ beta } = { beta: 5 });
    const { alpha: a2 } = pair;
    const text = JSON.stringify({ ...pair, a2, gamma: alpha + beta });
    ({ [Symbol.for('Jupyter.display')]() { return { 'text/plain': text }; } })`);
  assert.equal(reply.status, 'ok', JSON.stringify(published));
  assert.deepEqual(published.map((p) => (p.content['data'] as Record<string, unknown> | undefined)?.['text/plain']), ['{"alpha":3,"beta":4,"a2":3,"gamma":8}']);
});

test('a compile error after a shorthand property is reported at the column the user wrote', async () => {
  const { reply, published } = await run('const o = { alpha, beta }; const n: number = "x";');
  assert.equal(reply.status, 'error');
  const error = published.find((p) => p.msgType === 'error')!;
  assert.match(JSON.stringify(error.content), /1:34 - error TS2322/);
});
