/**
 * A trajectory set: N runs of many questions, each with its pooled latent trajectory
 * latent.0 .. latent.T (one TrajectoryArray, [runs, T + 1, width]) and a table row (question,
 * run, seed, decoded answer, correctness, ...), plus optionally the unpooled per-token latents.
 * Immutable: filtering returns a new set that shares nothing mutable with the old one.
 */
import { JUPYTER_DISPLAY, displayOf, type MimeBundle } from '../display/protocol.js';
import { selectRuns, trajectoryArray, type TrajectoryArray } from '../tensor/trajectory-array.js';
import { RUN_RECORD_FIELDS, type RunRecord } from './run-record.js';
import type { TrajectoryManifest } from './manifest.js';
import aq = require('arquero');

/** Unpooled latents: run r's tokens are rows offsets[r] .. offsets[r + 1] of data [tokens, T + 1, width]. */
export interface TokenLatents {
  readonly data: Float32Array;
  readonly offsets: Int32Array;
}

export class TrajectorySet {
  readonly trajectories: TrajectoryArray;

  constructor(
    readonly runs: readonly RunRecord[],
    trajectories: TrajectoryArray,
    readonly manifest: TrajectoryManifest,
    readonly tokenLatents?: TokenLatents,
  ) {
    this.trajectories = trajectoryArray(trajectories.data, trajectories.runs, trajectories.steps, trajectories.width, 'trajectory set');
    if (runs.length !== trajectories.runs) throw new Error(`trajectory set: ${runs.length} table rows but ${trajectories.runs} trajectories`);
    if (manifest.n_runs !== runs.length || manifest.states !== trajectories.steps || manifest.width !== trajectories.width) {
      throw new Error(
        `trajectory set: the manifest says ${manifest.n_runs} runs x ${manifest.states} states x width ${manifest.width}, the data is ${runs.length} x ${trajectories.steps} x ${trajectories.width}`,
      );
    }
    if (tokenLatents) {
      const { offsets, data } = tokenLatents;
      if (offsets.length !== runs.length + 1 || offsets[0] !== 0) throw new Error(`trajectory set: token offsets must have ${runs.length + 1} entries starting at 0`);
      for (let r = 0; r < runs.length; r++) {
        if (offsets[r + 1]! - offsets[r]! !== runs[r]!.tokens) throw new Error(`trajectory set: run ${r} has ${runs[r]!.tokens} tokens in the table but ${offsets[r + 1]! - offsets[r]!} token latents`);
      }
      if (data.length !== offsets[runs.length]! * trajectories.steps * trajectories.width) throw new Error('trajectory set: token latents do not match their offsets');
    }
  }

  /** Number of runs. */
  get size(): number {
    return this.runs.length;
  }

  /** States per trajectory (T + 1). */
  get states(): number {
    return this.trajectories.steps;
  }

  get width(): number {
    return this.trajectories.width;
  }

  /** Correctness of every run, in run order. */
  correct(): boolean[] {
    return this.runs.map((r) => r.correct);
  }

  /** Share of correct runs (0 for an empty set). */
  accuracy(): number {
    return this.size === 0 ? 0 : this.runs.filter((r) => r.correct).length / this.size;
  }

  /** Question ids in first-appearance order. */
  questionIds(): string[] {
    return [...new Set(this.runs.map((r) => r.question_id))];
  }

  /** Run indices (into this set) of every question, in first-appearance order. */
  runsByQuestion(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    this.runs.forEach((r, i) => {
      const list = out.get(r.question_id);
      if (list) list.push(i);
      else out.set(r.question_id, [i]);
    });
    return out;
  }

  /** The runs at the given indices, in that order, as a new set. */
  select(indices: readonly number[]): TrajectorySet {
    for (const i of indices) if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new Error(`select: run index ${i} is outside 0..${this.size - 1}`);
    const runs = indices.map((i) => this.runs[i]!);
    let tokenLatents: TokenLatents | undefined;
    if (this.tokenLatents) {
      const per = this.states * this.width;
      const offsets = new Int32Array(indices.length + 1);
      indices.forEach((i, k) => (offsets[k + 1] = offsets[k]! + this.runs[i]!.tokens));
      const data = new Float32Array(offsets[indices.length]! * per);
      indices.forEach((i, k) => data.set(this.tokenLatents!.data.subarray(this.tokenLatents!.offsets[i]! * per, this.tokenLatents!.offsets[i + 1]! * per), offsets[k]! * per));
      tokenLatents = { data, offsets };
    }
    const domains = [...new Set(runs.map((r) => r.domain))];
    const manifest: TrajectoryManifest = {
      ...this.manifest,
      n_runs: runs.length,
      token_latents: tokenLatents !== undefined,
      tasks: { ...this.manifest.tasks, domains, questions: new Set(runs.map((r) => r.question_id)).size },
    };
    return new TrajectorySet(runs, selectRuns(this.trajectories, indices), manifest, tokenLatents);
  }

  /** The runs for which `keep` is true, as a new set. */
  filter(keep: (run: RunRecord, index: number) => boolean): TrajectorySet {
    return this.select(this.runs.flatMap((r, i) => (keep(r, i) ? [i] : [])));
  }

  /** The token latents of run `index`: [tokens, T + 1, width] (a view). */
  tokenLatentsOf(index: number): Float32Array {
    if (!this.tokenLatents) throw new Error('this trajectory set was sampled without token latents (keepTokenLatents: true keeps them)');
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new Error(`run index ${index} is outside 0..${this.size - 1}`);
    const per = this.states * this.width;
    return this.tokenLatents.data.subarray(this.tokenLatents.offsets[index]! * per, this.tokenLatents.offsets[index + 1]! * per);
  }

  /**
   * The table as an arquero table (one row per run, columns as RunRecord plus `index`, the run's
   * position in this set), for filtering, grouping and joins with task metadata.
   */
  table(): aq.ColumnTable {
    const columns: Record<string, unknown[]> = { index: this.runs.map((_, i) => i) };
    for (const key of RUN_RECORD_FIELDS) columns[key] = this.runs.map((r) => r[key]);
    return aq.table(columns);
  }

  /** The runs of a table derived from `table()` (filtered, ordered, sampled), via its `index` column. */
  selectTable(table: aq.ColumnTable): TrajectorySet {
    if (!table.columnNames().includes('index')) throw new Error('selectTable: the table has no "index" column (derive it from set.table())');
    return this.select(table.array('index') as number[]);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return displayOf(this);
  }
}
