import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { RecurrentDepthModel } from '../../src/model/recurrent-depth-model.js';
import { SafetensorsFile, writeSafetensors, type WritableTensor } from '../../src/io/safetensors.js';
import { openCheckpointTensors, type TensorSource } from '../../src/io/checkpoint.js';
import { parseHuginnConfig } from '../../src/model/config.js';
import { loadHuginnWeights } from '../../src/model/weights.js';
import { writeSyntheticHuginnCheckpoint, type SyntheticHuginnShape } from '../helpers/synthetic-checkpoint.js';

const SHAPE: SyntheticHuginnShape = { nEmbd: 32, nHeads: 4, nPrelude: 1, nCore: 2, nCoda: 1, intermediate: 48, vocab: 40, meanRecurrence: 3 };
const PROMPT = [[1, 5, 9, 2, 7]];
let root: string;

before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'lto-load-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

async function readAll(dir: string): Promise<Record<string, WritableTensor>> {
  const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
  const out: Record<string, WritableTensor> = {};
  for (const name of file.names()) out[name] = { dtype: 'F32', shape: file.entry(name).shape, data: await file.readFloat32(name) };
  await file.close();
  return out;
}

/** Final logits and the last latent of a deterministic (s0 = 0) forward pass. */
async function outputs(dir: string): Promise<{ logits: Float32Array; latent: Float32Array }> {
  const model = await RecurrentDepthModel.load(dir);
  const r = model.forward(PROMPT, { steps: 3, initScale: 0, record: ['latent.3'] });
  const res = { logits: r.logits!.dataSync() as Float32Array, latent: r.records.get('latent.3')!.dataSync() as Float32Array };
  r.dispose();
  model.dispose();
  return res;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

async function variant(name: string, edit: (t: Record<string, WritableTensor>, config: Record<string, unknown>) => void): Promise<string> {
  const dir = join(root, name);
  await writeSyntheticHuginnCheckpoint(dir, SHAPE, { seed: 11 });
  const tensors = await readAll(dir);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  edit(tensors, config);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

test('lm_head (a copy of the tied embedding) and freqs_cis are accepted and ignored', async () => {
  const plain = await variant('plain', () => undefined);
  const extra = await variant('extra', (t) => {
    t['lm_head.weight'] = { ...t['transformer.wte.weight']!, data: new Float32Array(SHAPE.vocab * SHAPE.nEmbd).fill(123) };
    t['freqs_cis'] = { dtype: 'F32', shape: [64, 4, 2], data: new Float32Array(64 * 4 * 2).fill(9) };
  });
  const a = await outputs(plain);
  const b = await outputs(extra);
  assert.deepEqual(b.logits, a.logits);
  assert.deepEqual(b.latent, a.latent);
});

test('untied embeddings use lm_head for the output', async () => {
  const untied = await variant('untied', (t, config) => {
    config['tie_embeddings'] = false;
    t['lm_head.weight'] = { ...t['transformer.wte.weight']!, data: Float32Array.from(t['transformer.wte.weight']!.data as Float32Array, (v) => 2 * v) };
  });
  const tied = await outputs(join(root, 'plain'));
  const out = await outputs(untied);
  assert.deepEqual(out.latent, tied.latent);
  // A doubled head doubles the logits.
  assert.ok(maxDiff(out.logits, Float32Array.from(tied.logits, (v) => 2 * v)) < 1e-4);
});

test('bfloat16 shards load to float32 and agree with the float32 checkpoint up to bf16 rounding', async () => {
  const dir = join(root, 'bf16');
  await writeSyntheticHuginnCheckpoint(dir, SHAPE, { seed: 11, dtype: 'BF16', shards: 3 });
  const model = await RecurrentDepthModel.load(dir);
  const wte = model.weights.wteT.dataSync();
  // Every loaded value is exactly representable in bf16 (low 16 bits zero).
  const bits = new Uint32Array(Float32Array.from(wte).buffer);
  assert.ok(bits.every((b) => (b & 0xffff) === 0));
  model.dispose();
  const a = await outputs(join(root, 'plain'));
  const b = await outputs(dir);
  assert.ok(maxDiff(a.latent, b.latent) < 0.1, `bf16 vs f32 latent diff ${maxDiff(a.latent, b.latent)}`);
});

test('a checkpoint that does not match its config fails before loading, naming the tensors', async () => {
  const missing = await variant('missing', (t) => {
    delete t['transformer.core_block.1.mlp.fc.weight'];
  });
  await assert.rejects(RecurrentDepthModel.load(missing), /missing tensor "transformer\.core_block\.1\.mlp\.fc\.weight" \(expected shape \[96, 32\]\)/);
  const wrongShape = await variant('wrong-shape', (t) => {
    t['transformer.ln_f.weight'] = { dtype: 'F32', shape: [31], data: new Float32Array(31) };
  });
  await assert.rejects(RecurrentDepthModel.load(wrongShape), /tensor "transformer\.ln_f\.weight" has shape \[31\], expected \[32\]/);
  const unexpected = await variant('unexpected', (t) => {
    t['transformer.core_block.2.attn.proj.weight'] = { dtype: 'F32', shape: [32, 32], data: new Float32Array(1024) };
  });
  await assert.rejects(RecurrentDepthModel.load(unexpected), /unexpected tensors \(not part of this configuration\): transformer\.core_block\.2\.attn\.proj\.weight/);
  const badConfig = await variant('bad-config', (_t, config) => {
    config['n_heads'] = 5;
  });
  await assert.rejects(RecurrentDepthModel.load(badConfig), /config\.json: "n_embd" must be divisible by n_heads=5/);
  const noWeights = await variant('no-weights', () => undefined);
  unlinkSync(join(noWeights, 'model.safetensors'));
  await assert.rejects(RecurrentDepthModel.load(noWeights), /no checkpoint in/);
});

test('a read failure in the middle of loading releases the tensors already created', async () => {
  const dir = join(root, 'plain');
  const source = await openCheckpointTensors(dir);
  const config = parseHuginnConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  const failing: TensorSource = {
    description: source.description,
    names: () => source.names(),
    has: (n) => source.has(n),
    entry: (n) => source.entry(n),
    readInt32: (n) => source.readInt32(n),
    readFloat32: (n) => (n === 'transformer.coda.0.mlp.proj.weight' ? Promise.reject(new Error('disk went away')) : source.readFloat32(n)),
    close: () => source.close(),
  };
  const before = tf.memory().numTensors;
  await assert.rejects(loadHuginnWeights(failing, config), /disk went away/);
  assert.equal(tf.memory().numTensors, before);
  await source.close();
});
