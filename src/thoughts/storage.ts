/**
 * Saving and loading trajectory sets: a folder with `trajectories.safetensors` (the pooled
 * trajectories, optionally the per-token latents and their offsets), the run table as
 * `runs.jsonl` or `runs.arrow`, and `manifest.json`, written last. Every file is written
 * atomically, so an interrupted save leaves the previous set (or no manifest) behind. Loading
 * refuses a table whose hash, row count or columns disagree with the manifest, and tensors whose
 * shapes do not match it.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { SafetensorsFile, writeSafetensors, type WritableTensor } from '../io/safetensors.js';
import { trajectoryArray } from '../tensor/trajectory-array.js';
import { checkManifest, type TrajectoryManifest } from './manifest.js';
import { RUN_RECORD_FIELDS, checkRunRecord, type RunRecord } from './run-record.js';
import { TrajectorySet, type TokenLatents } from './trajectory-set.js';
import aq = require('arquero');

export const MANIFEST_FILE = 'manifest.json';
export const TENSORS_FILE = 'trajectories.safetensors';

export interface SaveOptions {
  /** Table format: 'jsonl' (default; readable anywhere) or 'arrow' (Arrow IPC file). */
  readonly table?: 'jsonl' | 'arrow';
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function encodeTable(runs: readonly RunRecord[], format: 'jsonl' | 'arrow'): Uint8Array {
  if (format === 'jsonl') return Buffer.from(runs.map((r) => JSON.stringify(Object.fromEntries(RUN_RECORD_FIELDS.map((f) => [f, r[f]])))).join('\n') + (runs.length ? '\n' : ''), 'utf8');
  const columns = Object.fromEntries(RUN_RECORD_FIELDS.map((f) => [f, runs.map((r) => r[f])]));
  return aq.toArrowIPC(aq.table(columns), { format: 'file' });
}

/** Saves `set` into folder `dir` (created if needed); returns the manifest written. */
export async function saveTrajectorySet(set: TrajectorySet, dir: string, options: SaveOptions = {}): Promise<TrajectoryManifest> {
  const format = options.table ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'arrow') throw new Error(`saveTrajectorySet: table must be 'jsonl' or 'arrow', got ${JSON.stringify(format)}`);
  await fsp.mkdir(dir, { recursive: true });
  const tableFile = format === 'jsonl' ? 'runs.jsonl' : 'runs.arrow';
  const tableBytes = encodeTable(set.runs, format);
  const tensors: Record<string, WritableTensor> = {
    trajectories: { dtype: 'F32', shape: [set.size, set.states, set.width], data: set.trajectories.data },
  };
  if (set.tokenLatents) {
    tensors['token_latents'] = { dtype: 'F32', shape: [set.tokenLatents.offsets[set.size]!, set.states, set.width], data: set.tokenLatents.data };
    tensors['token_offsets'] = { dtype: 'I32', shape: [set.size + 1], data: set.tokenLatents.offsets };
  }
  // The manifest goes last: a folder whose manifest is missing or names other files is not a set.
  await fsp.rm(join(dir, MANIFEST_FILE), { force: true });
  await writeSafetensors(join(dir, TENSORS_FILE), tensors);
  await writeFileAtomic(join(dir, tableFile), tableBytes);
  const manifest: TrajectoryManifest = {
    ...set.manifest,
    n_runs: set.size,
    states: set.states,
    width: set.width,
    token_latents: set.tokenLatents !== undefined,
    files: { tensors: TENSORS_FILE, table: tableFile },
    table_sha256: sha256(tableBytes),
  };
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function decodeTable(bytes: Uint8Array, path: string): RunRecord[] {
  if (path.endsWith('.arrow')) {
    let table: aq.ColumnTable;
    try {
      table = aq.fromArrow(bytes);
    } catch (e) {
      throw new Error(`${path}: not a readable Arrow IPC file (${e instanceof Error ? e.message : String(e)})`);
    }
    return table.objects().map((row, i) => checkRunRecord(row, `${path} row ${i + 1}`));
  }
  const text = Buffer.from(bytes).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    return checkRunRecord(value, `${path}:${i + 1}`);
  });
}

async function readTensor(file: SafetensorsFile, name: string, shape: readonly number[]): Promise<Float32Array | Int32Array> {
  if (!file.has(name)) throw new Error(`${file.path}: tensor "${name}" is missing`);
  const entry = file.entry(name);
  if (entry.shape.join() !== shape.join()) throw new Error(`${file.path}: tensor "${name}" has shape [${entry.shape.join(', ')}], the manifest needs [${shape.join(', ')}]`);
  return entry.dtype === 'I32' ? file.readInt32(name) : file.readFloat32(name);
}

/** Loads a set saved by saveTrajectorySet, checking every file against the manifest. */
export async function loadTrajectorySet(dir: string): Promise<TrajectorySet> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let manifestText: string;
  try {
    manifestText = await fsp.readFile(manifestPath, 'utf8');
  } catch {
    throw new Error(`${dir}: not a trajectory set (no ${MANIFEST_FILE}; an interrupted save leaves none)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestText);
  } catch (e) {
    throw new Error(`${manifestPath}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const manifest = checkManifest(parsed, manifestPath);
  const tablePath = join(dir, manifest.files.table);
  const tableBytes = await fsp.readFile(tablePath);
  if (sha256(tableBytes) !== manifest.table_sha256) throw new Error(`${tablePath}: its sha256 does not match ${MANIFEST_FILE} (the table belongs to another set or was edited)`);
  const runs = decodeTable(tableBytes, tablePath);
  if (runs.length !== manifest.n_runs) throw new Error(`${tablePath}: ${runs.length} rows, the manifest says ${manifest.n_runs}`);
  const file = await SafetensorsFile.open(join(dir, manifest.files.tensors));
  try {
    const { n_runs: n, states, width } = manifest;
    const data = (await readTensor(file, 'trajectories', [n, states, width])) as Float32Array;
    let tokenLatents: TokenLatents | undefined;
    if (manifest.token_latents) {
      const offsets = (await readTensor(file, 'token_offsets', [n + 1])) as Int32Array;
      const total = offsets[n] ?? 0;
      tokenLatents = { offsets, data: (await readTensor(file, 'token_latents', [total, states, width])) as Float32Array };
    }
    return new TrajectorySet(runs, trajectoryArray(data, n, states, width, file.path), manifest, tokenLatents);
  } finally {
    await file.close();
  }
}
