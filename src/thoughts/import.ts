/**
 * Importing trajectories produced elsewhere, typically by a Python pipeline that ran Huginn-3.5B
 * on a GPU: one array of pooled trajectories [runs, T + 1, width] as `.npy` or `.safetensors`,
 * plus a JSONL file with one label line per run, in the same order:
 *
 *   {"question_id": "gsm8k-17", "correct": true, "domain": "math", "run": 3, "answer": "72", "gold": "72"}
 *
 * `question_id` and `correct` (true/false or 1/0) are required; `domain`, `difficulty`, `run`,
 * `seed`, `question`, `output`, `answer`, `gold`, `tokens` and `mean_steps` are optional
 * (defaults: "unknown", 0, the run's position among its question's lines, 0, "", "", null, "", 0, T).
 */
import { promises as fsp } from 'node:fs';
import { readNpy } from '../io/npy.js';
import { SafetensorsFile } from '../io/safetensors.js';
import { trajectoryArray } from '../tensor/trajectory-array.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type TrajectoryManifest } from './manifest.js';
import type { RunRecord } from './run-record.js';
import { TrajectorySet } from './trajectory-set.js';
import { LIBRARY_VERSION } from '../version.js';

export interface ImportOptions {
  /** `.npy` or `.safetensors` file with the pooled trajectories [runs, T + 1, width]. */
  readonly tensors: string;
  /** Tensor name inside a .safetensors file (default: its only tensor, or "trajectories"). */
  readonly tensorName?: string;
  /** JSONL labels, one line per run in tensor order. */
  readonly labels: string;
  /** Description of the model recorded in the manifest (e.g. "tomg-group-umd/huginn-0125"). */
  readonly model?: string;
  readonly split?: string;
}

async function readTrajectoryTensor(path: string, name: string | undefined): Promise<{ data: Float32Array; shape: number[] }> {
  if (path.endsWith('.npy')) return readNpy(path);
  if (!path.endsWith('.safetensors')) throw new Error(`${path}: expected a .npy or .safetensors file`);
  const file = await SafetensorsFile.open(path);
  try {
    const names = file.names();
    const chosen = name ?? (names.length === 1 ? names[0]! : names.includes('trajectories') ? 'trajectories' : undefined);
    if (chosen === undefined) throw new Error(`${path}: holds ${names.length} tensors (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}); name one with tensorName`);
    return { data: await file.readFloat32(chosen), shape: [...file.entry(chosen).shape] };
  } finally {
    await file.close();
  }
}

function optional<T>(row: Record<string, unknown>, key: string, check: (v: unknown) => v is T, expected: string, where: string, fallback: T): T {
  const v = row[key];
  if (v === undefined) return fallback;
  if (!check(v)) throw new Error(`${where}: field "${key}" must be ${expected}, got ${JSON.stringify(v)}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** Parses the label lines into run records (see the module comment for the fields). */
export function parseLabelLines(text: string, path: string, steps: number): RunRecord[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const runsSeen = new Map<string, number>();
  return lines.map((line, i) => {
    const where = `${path}:${i + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${where}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new Error(`${where}: expected a JSON object`);
    const id = row['question_id'];
    if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) throw new Error(`${where}: "question_id" must be a string or number, got ${JSON.stringify(id)}`);
    const correct = row['correct'];
    if (!(typeof correct === 'boolean' || correct === 0 || correct === 1)) throw new Error(`${where}: "correct" must be true, false, 0 or 1, got ${JSON.stringify(correct)}`);
    const questionId = String(id);
    const position = runsSeen.get(questionId) ?? 0;
    runsSeen.set(questionId, position + 1);
    return {
      question_id: questionId,
      domain: optional(row, 'domain', isString, 'a string', where, 'unknown'),
      difficulty: optional(row, 'difficulty', isInteger, 'an integer', where, 0),
      run: optional(row, 'run', isInteger, 'an integer', where, position),
      seed: optional(row, 'seed', isInteger, 'an integer', where, 0),
      question: optional(row, 'question', isString, 'a string', where, ''),
      output: optional(row, 'output', isString, 'a string', where, ''),
      answer: optional(row, 'answer', isNullableString, 'a string or null', where, null),
      gold: optional(row, 'gold', isString, 'a string', where, ''),
      correct: correct === true || correct === 1,
      tokens: optional(row, 'tokens', isInteger, 'an integer', where, 0),
      mean_steps: optional(row, 'mean_steps', isFiniteNumber, 'a number', where, steps),
    };
  });
}

/** Builds a trajectory set from external tensors and labels. */
export async function importTrajectories(options: ImportOptions): Promise<TrajectorySet> {
  const { data, shape } = await readTrajectoryTensor(options.tensors, options.tensorName);
  if (shape.length !== 3) throw new Error(`${options.tensors}: trajectories must be 3-D [runs, steps + 1, width], got shape [${shape.join(', ')}]`);
  const [n, states, width] = shape as [number, number, number];
  const runs = parseLabelLines(await fsp.readFile(options.labels, 'utf8'), options.labels, states - 1);
  if (runs.length !== n) throw new Error(`${options.labels}: ${runs.length} label lines, but ${options.tensors} holds ${n} trajectories`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new Error(`${options.tensors}: value ${i} (run ${Math.floor(i / (states * width))}) is ${data[i]}, expected a finite number`);
  }
  const manifest: TrajectoryManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    library_version: LIBRARY_VERSION,
    model: options.model === undefined ? null : { source: options.model, fingerprint: 'unknown' },
    tasks: { split: options.split ?? null, domains: [...new Set(runs.map((r) => r.domain))], questions: new Set(runs.map((r) => r.question_id)).size },
    sampling: { runs_per_question: null, steps: states - 1, seed: null, init_scale: null, noise: null, pooling: 'imported', max_new_tokens: null },
    n_runs: n,
    states,
    width,
    token_latents: false,
    files: { tensors: '', table: '' },
    table_sha256: '0'.repeat(64),
    created: new Date().toISOString(),
  };
  return new TrajectorySet(runs, trajectoryArray(data, n, states, width, options.tensors), manifest);
}
