import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sharedDir } from '../helpers/shared.js';
import { writeSyntheticHuginnCheckpoint } from '../helpers/synthetic-checkpoint.js';
import { CharTokenizer } from '../../src/model/tokenizer/char-tokenizer.js';

const lto = join(__dirname, '../../../bin/lto.js');

function runLto(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [lto, ...args], { encoding: 'utf8', env: { ...process.env, LTO_BACKEND: 'wasm' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('lto check-fixture passes on the official fixtures and prints one JSON object', (t) => {
  const shared = sharedDir();
  if (!shared) return t.skip('../shared/ not present');
  for (const name of ['huginn-tiny', 'huginn-tiny-bf16-sharded']) {
    const r = runLto(['check-fixture', join(shared, 'fixtures', name)]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.pass, true);
    assert.equal(report.tokens_match, true);
    for (const key of ['embeds', 'prelude_out', 'states', 'states_normed', 'step_logits', 'logits', 'gen_final_latents']) {
      assert.ok(report.max_abs_error[key] < 1e-3, `${name} ${key}: ${report.max_abs_error[key]}`);
    }
  }
});

test('usage errors exit 2 with the usage text; a missing folder exits 1 naming it', () => {
  const unknown = runLto(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  assert.match(unknown.stderr, /Usage:/);
  const noArg = runLto(['check-fixture']);
  assert.equal(noArg.status, 2);
  const missing = runLto(['check-fixture', '/nonexistent/model']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /\/nonexistent\/model\/config\.json/);
  const help = runLto(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /lto check-fixture DIR/);
});

test('lto info and lto generate work on a checkpoint folder with a tokenizer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lto-cli-'));
  try {
    const tok = CharTokenizer.fromCharacters('abcdefghijklmnopqrstuvwxyz 0123456789');
    await writeSyntheticHuginnCheckpoint(dir, { nEmbd: 32, nHeads: 4, nPrelude: 1, nCore: 1, nCoda: 1, intermediate: 64, vocab: tok.vocabSize, meanRecurrence: 3 }, { seed: 3 });
    writeFileSync(join(dir, 'char-tokenizer.json'), JSON.stringify(tok.toJSON()));
    const info = runLto(['info', dir]);
    assert.equal(info.status, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).width, 32);
    const gen = runLto(['generate', dir, '--prompt', 'abc 12', '--max-new-tokens', '5', '--runs', '2', '--seed', '4']);
    assert.equal(gen.status, 0, gen.stderr);
    const out = JSON.parse(gen.stdout);
    assert.equal(out.runs.length, 2);
    for (const run of out.runs) {
      assert.ok(run.tokens >= 1 && run.tokens <= 5);
      assert.equal(run.mean_steps, 3);
    }
    const bad = runLto(['generate', dir, '--prompt', 'abc', '--early-exit', 'never']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--early-exit expects one of kl, latent-diff/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
