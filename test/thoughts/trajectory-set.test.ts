/**
 * TrajectorySet (selection, tables), storage (save/load round trips in JSONL and Arrow, refusal
 * of mismatched or damaged files) and import from .npy/.safetensors + JSONL labels.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrajectorySet } from '../../src/thoughts/trajectory-set.js';
import { loadTrajectorySet, saveTrajectorySet } from '../../src/thoughts/storage.js';
import { importTrajectories } from '../../src/thoughts/import.js';
import { MANIFEST_FORMAT, type TrajectoryManifest } from '../../src/thoughts/manifest.js';
import type { RunRecord } from '../../src/thoughts/run-record.js';
import { writeNpy, readNpy } from '../../src/io/npy.js';
import { writeSafetensors } from '../../src/io/safetensors.js';

let root: string;
before(() => (root = mkdtempSync(join(tmpdir(), 'lto-thoughts-'))));
after(() => rmSync(root, { recursive: true, force: true }));

const STATES = 3;
const WIDTH = 4;

function makeSet(n: number, withTokens = false): TrajectorySet {
  const runs: RunRecord[] = Array.from({ length: n }, (_, i) => ({
    question_id: `q${Math.floor(i / 2)}`,
    domain: i < n / 2 ? 'math' : 'code',
    difficulty: 1 + (i % 5),
    run: i % 2,
    seed: 1000 + i,
    question: i === 1 ? '</script><b>"hostile"</b> & \u2028' : `question ${i}`,
    output: `out ${i} #### ${i}`,
    answer: i === 2 ? null : String(i),
    gold: '3',
    correct: i % 3 === 0,
    tokens: 1 + (i % 3),
    mean_steps: 2 + i / 10,
  }));
  const data = Float32Array.from({ length: n * STATES * WIDTH }, (_, j) => Math.sin(j) * 3);
  const offsets = new Int32Array(n + 1);
  runs.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.tokens));
  const tokenLatents = withTokens ? { offsets, data: Float32Array.from({ length: offsets[n]! * STATES * WIDTH }, (_, j) => j / 7) } : undefined;
  const manifest: TrajectoryManifest = {
    format: MANIFEST_FORMAT,
    version: 1,
    library_version: 'test',
    model: { source: 'synthetic', fingerprint: 'sha256:abc' },
    tasks: { split: 'validation', domains: ['math', 'code'], questions: Math.ceil(n / 2) },
    sampling: { runs_per_question: 2, steps: STATES - 1, seed: 5, init_scale: 1, noise: { scale: 0, schedule: 'fixed' }, pooling: 'mean', max_new_tokens: 10 },
    n_runs: n,
    states: STATES,
    width: WIDTH,
    token_latents: withTokens,
    files: { tensors: '', table: '' },
    table_sha256: '0'.repeat(64),
    created: '2026-01-01T00:00:00.000Z',
  };
  return new TrajectorySet(runs, { data, runs: n, steps: STATES, width: WIDTH }, manifest, tokenLatents);
}

describe('TrajectorySet', () => {
  test('select, filter, runsByQuestion, accuracy and token latents', () => {
    const set = makeSet(6, true);
    assert.equal(set.size, 6);
    assert.deepEqual(set.correct(), [true, false, false, true, false, false]);
    assert.equal(set.accuracy(), 2 / 6);
    assert.deepEqual([...set.runsByQuestion()], [['q0', [0, 1]], ['q1', [2, 3]], ['q2', [4, 5]]]);
    const picked = set.select([4, 0]);
    assert.deepEqual(picked.runs.map((r) => r.seed), [1004, 1000]);
    assert.deepEqual([...picked.trajectories.data.subarray(0, STATES * WIDTH)], [...set.trajectories.data.subarray(4 * STATES * WIDTH, 5 * STATES * WIDTH)]);
    assert.deepEqual([...picked.tokenLatentsOf(0)], [...set.tokenLatentsOf(4)]);
    assert.equal(picked.manifest.n_runs, 2);
    const math = set.filter((r) => r.domain === 'math');
    assert.deepEqual(math.manifest.tasks.domains, ['math']);
    assert.equal(math.size, 3);
    assert.throws(() => set.select([6]), /run index 6 is outside 0..5/);
  });

  test('table() is an arquero table with one row per run; selectTable maps a derived table back to runs', () => {
    const set = makeSet(6);
    const table = set.table();
    assert.equal(table.numRows(), 6);
    assert.ok(table.columnNames().includes('question_id') && table.columnNames().includes('correct'));
    const correctMath = table.filter((d: { correct: boolean }) => d.correct).orderby('seed');
    assert.deepEqual(set.selectTable(correctMath).runs.map((r) => r.seed), [1000, 1003]);
    assert.throws(() => set.selectTable(table.select('seed')), /no "index" column/);
  });

  test('rows, tensors and manifest that disagree are refused', () => {
    const set = makeSet(4);
    assert.throws(() => new TrajectorySet(set.runs.slice(1), set.trajectories, set.manifest), /3 table rows but 4 trajectories/);
    assert.throws(() => new TrajectorySet(set.runs, set.trajectories, { ...set.manifest, width: 5 }), /manifest says 4 runs x 3 states x width 5/);
  });
});

describe('storage', () => {
  for (const format of ['jsonl', 'arrow'] as const) {
    test(`save then load (${format} table, with token latents) gives identical tensors, table and manifest`, async () => {
      const set = makeSet(6, true);
      const dir = join(root, `set-${format}`);
      const written = await saveTrajectorySet(set, dir, { table: format });
      const loaded = await loadTrajectorySet(dir);
      assert.deepEqual(loaded.runs, set.runs);
      assert.deepEqual(loaded.trajectories.data, set.trajectories.data);
      assert.deepEqual(loaded.tokenLatents!.offsets, set.tokenLatents!.offsets);
      assert.deepEqual(loaded.tokenLatents!.data, set.tokenLatents!.data);
      assert.deepEqual(loaded.manifest, written);
      assert.equal(written.files.table, format === 'jsonl' ? 'runs.jsonl' : 'runs.arrow');
    });
  }

  test('an edited table, a truncated tensor file, a manifest with other sizes or no manifest give clear errors', async () => {
    const dir = join(root, 'damaged');
    const fresh = async () => saveTrajectorySet(makeSet(4), dir);
    await fresh();
    const table = join(dir, 'runs.jsonl');
    writeFileSync(table, readFileSync(table, 'utf8').replace('"correct":true', '"correct":false'));
    await assert.rejects(loadTrajectorySet(dir), /runs\.jsonl: its sha256 does not match manifest\.json/);

    await fresh();
    const tensors = join(dir, 'trajectories.safetensors');
    truncateSync(tensors, statSync(tensors).size - 8);
    await assert.rejects(loadTrajectorySet(dir), /trajectories\.safetensors/);

    const manifest = await fresh();
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, n_runs: 5 }));
    await assert.rejects(loadTrajectorySet(dir), /4 rows, the manifest says 5/);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, width: 8 }));
    await assert.rejects(loadTrajectorySet(dir), /tensor "trajectories" has shape \[4, 3, 4\], the manifest needs \[4, 3, 8\]/);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, files: { ...manifest.files, table: '../x' } }));
    await assert.rejects(loadTrajectorySet(dir), /must be a plain name inside the set's folder/);
    await assert.rejects(loadTrajectorySet(join(root, 'nowhere')), /not a trajectory set \(no manifest\.json/);
  });
});

describe('import', () => {
  const labels = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ question_id: Math.floor(i / 2), correct: i % 2, domain: 'math' })).join('\n') + '\n';

  test('.npy + JSONL labels: values, defaults (run = position within the question) and manifest', async () => {
    const data = Float32Array.from({ length: 4 * STATES * WIDTH }, (_, j) => j - 3.5);
    await writeNpy(join(root, 'traj.npy'), data, [4, STATES, WIDTH]);
    assert.deepEqual((await readNpy(join(root, 'traj.npy'))).shape, [4, STATES, WIDTH]);
    writeFileSync(join(root, 'labels.jsonl'), labels(4));
    const set = await importTrajectories({ tensors: join(root, 'traj.npy'), labels: join(root, 'labels.jsonl'), model: 'huginn-0125' });
    assert.deepEqual(set.trajectories.data, data);
    assert.deepEqual(set.runs.map((r) => [r.question_id, r.run, r.correct]), [['0', 0, false], ['0', 1, true], ['1', 0, false], ['1', 1, true]]);
    assert.equal(set.runs[0]!.mean_steps, STATES - 1);
    assert.equal(set.manifest.sampling.pooling, 'imported');
    // An imported set saves and loads like a sampled one.
    await saveTrajectorySet(set, join(root, 'imported'));
    assert.deepEqual((await loadTrajectorySet(join(root, 'imported'))).runs, set.runs);
  });

  test('.safetensors input, counts that disagree, bad label lines and bad arrays are clear errors', async () => {
    const path = join(root, 'traj.safetensors');
    await writeSafetensors(path, { states: { dtype: 'F32', shape: [2, STATES, WIDTH], data: new Float32Array(2 * STATES * WIDTH) } });
    writeFileSync(join(root, 'two.jsonl'), labels(2));
    assert.equal((await importTrajectories({ tensors: path, labels: join(root, 'two.jsonl') })).size, 2);
    writeFileSync(join(root, 'three.jsonl'), labels(3));
    await assert.rejects(importTrajectories({ tensors: path, labels: join(root, 'three.jsonl') }), /3 label lines, but .*traj\.safetensors holds 2 trajectories/);
    writeFileSync(join(root, 'bad.jsonl'), '{"question_id": "a", "correct": true}\n{"question_id": "a", "correct": "yes"}\n');
    await assert.rejects(importTrajectories({ tensors: path, labels: join(root, 'bad.jsonl') }), /bad\.jsonl:2: "correct" must be true, false, 0 or 1, got "yes"/);
    writeFileSync(join(root, 'broken.jsonl'), '{"question_id": "a", "correct": true}\n{oops\n');
    await assert.rejects(importTrajectories({ tensors: path, labels: join(root, 'broken.jsonl') }), /broken\.jsonl:2: invalid JSON/);
    await writeNpy(join(root, 'flat.npy'), new Float32Array(6), [6]);
    await assert.rejects(importTrajectories({ tensors: join(root, 'flat.npy'), labels: join(root, 'two.jsonl') }), /must be 3-D \[runs, steps \+ 1, width\], got shape \[6\]/);
    await writeNpy(join(root, 'nan.npy'), Float32Array.from([0, Number.NaN, 0, 0]), [2, 1, 2]);
    await assert.rejects(importTrajectories({ tensors: join(root, 'nan.npy'), labels: join(root, 'two.jsonl') }), /value 1 \(run 0\) is NaN/);
    writeFileSync(join(root, 'not.npy'), 'hello world, not numpy');
    await assert.rejects(importTrajectories({ tensors: join(root, 'not.npy'), labels: join(root, 'two.jsonl') }), /not a \.npy file/);
  });
});
