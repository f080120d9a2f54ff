import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jupyterUserDataDir, kernelSpec, kernelSpecDir, KernelSpecError, LAUNCHER } from '../../src/kernel/kernelspec.js';

const lto = join(__dirname, '../../../bin/lto.js');

function runLto(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [lto, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("the user data dir follows jupyter_core's rules", () => {
  assert.equal(jupyterUserDataDir({ JUPYTER_DATA_DIR: '/custom' }, 'linux', '/home/u'), '/custom');
  assert.equal(jupyterUserDataDir({}, 'linux', '/home/u'), '/home/u/.local/share/jupyter');
  assert.equal(jupyterUserDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux', '/home/u'), '/xdg/jupyter');
  assert.equal(jupyterUserDataDir({}, 'darwin', '/Users/u'), '/Users/u/Library/Jupyter');
  assert.equal(jupyterUserDataDir({ APPDATA: 'C:/Users/u/AppData/Roaming' }, 'win32', 'C:/Users/u'), join('C:/Users/u/AppData/Roaming', 'jupyter'));
});

test('spec folders: --prefix P -> P/share/jupyter/kernels/latent-thinking; bad prefixes are explained', () => {
  assert.equal(kernelSpecDir({ prefix: '/opt/env' }), '/opt/env/share/jupyter/kernels/latent-thinking');
  assert.equal(kernelSpecDir({ user: true }, { JUPYTER_DATA_DIR: '/data' }), '/data/kernels/latent-thinking');
  assert.throws(() => kernelSpecDir({ prefix: ' ' }), (e: unknown) => e instanceof KernelSpecError && /--prefix needs a folder/.test(e.message));
  const file = join(mkdtempSync(join(tmpdir(), 'lt-spec-')), 'a-file');
  writeFileSync(file, 'x');
  assert.throws(() => kernelSpecDir({ prefix: file }), /exists and is not a folder/);
  rmSync(join(file, '..'), { recursive: true });
});

test('the spec runs this node on the absolute launcher path with the connection file', () => {
  const spec = kernelSpec('/usr/bin/node', '/pkg/kernel/launch.js');
  assert.deepEqual(spec.argv, ['/usr/bin/node', '/pkg/kernel/launch.js', '{connection_file}']);
  assert.equal(spec.display_name, 'Latent Thinking (TypeScript)');
  assert.equal(spec.language, 'typescript');
  assert.equal(spec.interrupt_mode, 'signal');
  assert.ok(existsSync(LAUNCHER), LAUNCHER);
  assert.throws(() => kernelSpec('node', '/pkg/kernel/launch.js'), /absolute paths/);
});

test('lto kernel install --user writes into the Jupyter data dir, reinstall replaces, uninstall removes', () => {
  const data = mkdtempSync(join(tmpdir(), 'lt-jupyter-data-'));
  try {
    const env = { JUPYTER_DATA_DIR: data };
    const first = runLto(['kernel', 'install'], env);
    assert.equal(first.status, 0, first.stderr);
    const out = JSON.parse(first.stdout);
    const dir = join(data, 'kernels', 'latent-thinking');
    assert.equal(out.dir, dir);
    assert.equal(out.replaced, false);
    const written = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8'));
    assert.deepEqual(written.argv, [process.execPath, LAUNCHER, '{connection_file}']);
    assert.ok(existsSync(join(dir, 'logo-svg.svg')));
    assert.match(first.stderr, /Installed the kernel "Latent Thinking \(TypeScript\)"/);
    const again = runLto(['kernel', 'install', '--user'], env);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).replaced, true);
    const removed = runLto(['kernel', 'uninstall'], env);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(existsSync(dir), false);
    const nothing = runLto(['kernel', 'uninstall'], env);
    assert.equal(nothing.status, 1);
    assert.match(nothing.stderr, /no latent-thinking kernelspec at .*nothing to uninstall/);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test('usage errors of lto kernel exit 2 with an explanation', () => {
  const both = runLto(['kernel', 'install', '--user', '--prefix', '/tmp/x']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--user and --prefix are exclusive/);
  assert.match(both.stderr, /lto kernel install \[--user \| --prefix P\]/);
  const none = runLto(['kernel']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /needs an action: install or uninstall/);
  const unknown = runLto(['kernel', 'start']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown kernel action "start"/);
  const noValue = runLto(['kernel', 'install', '--prefix']);
  assert.equal(noValue.status, 2);
  assert.match(noValue.stderr, /--prefix/);
  const extra = runLto(['kernel', 'install', 'somewhere']);
  assert.equal(extra.status, 2);
  assert.match(extra.stderr, /takes no further arguments, got "somewhere"/);
  const help = runLto(['--help']);
  assert.match(help.stdout, /lto kernel install \[--user \| --prefix P\]/);
});
