/**
 * Synthetic trajectory sets for the experiment tests: questions with a per-question success rate,
 * runs whose per-token latents random-walk with a drift along a fixed direction (towards it when
 * the run is correct, away otherwise), mean-pooled into trajectories as sampling does; correct runs
 * answer the gold answer, wrong runs one of two wrong answers (so majority voting can fail).
 */
import { Rng, type Seed } from '../../src/tensor/random.js';
import { TrajectorySet } from '../../src/thoughts/trajectory-set.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type TrajectoryManifest } from '../../src/thoughts/manifest.js';
import type { RunRecord } from '../../src/thoughts/run-record.js';
import { poolTokenLatents } from '../../src/thoughts/pooling.js';

export interface SyntheticSetOptions {
  readonly domain: string;
  readonly split: string;
  readonly questions: number;
  readonly runs: number;
  /** T + 1. */
  readonly states: number;
  readonly width: number;
  readonly seed: Seed;
  /** Drift per step (default 0.4). */
  readonly drift?: number;
  readonly keepTokenLatents?: boolean;
}

export function syntheticSet(o: SyntheticSetOptions): TrajectorySet {
  const rng = new Rng(o.seed);
  const direction = Float64Array.from({ length: o.width }, (_, j) => (j % 2 === 0 ? 1 : -1) / Math.sqrt(o.width));
  const per = o.states * o.width;
  const runs: RunRecord[] = [];
  const pooled = new Float32Array(o.questions * o.runs * per);
  const tokenChunks: Float32Array[] = [];
  const offsets = new Int32Array(o.questions * o.runs + 1);
  let r = 0;
  for (let q = 0; q < o.questions; q++) {
    const id = `${o.domain}-${o.split}-${String(q).padStart(5, '0')}`;
    const rate = 0.15 + 0.6 * rng.uniform();
    const gold = String(rng.int(100));
    for (let run = 0; run < o.runs; run++) {
      const correct = rng.uniform() < rate;
      const tokens = 1 + rng.int(9);
      const base = new Float64Array(per);
      const state = Float64Array.from({ length: o.width }, () => rng.normal());
      for (let t = 0; t < o.states; t++) {
        if (t > 0) for (let j = 0; j < o.width; j++) state[j] += (correct ? 1 : -1) * (o.drift ?? 0.4) * direction[j]! + 0.5 * rng.normal();
        base.set(state, t * o.width);
      }
      const latents = new Float32Array(tokens * per);
      for (let k = 0; k < tokens; k++) for (let i = 0; i < per; i++) latents[k * per + i] = base[i]! + 0.3 * rng.normal();
      pooled.set(poolTokenLatents(latents, tokens, o.states, o.width, 'mean'), r * per);
      if (o.keepTokenLatents) tokenChunks.push(latents);
      offsets[r + 1] = offsets[r]! + tokens;
      const answer = correct ? gold : rng.uniform() < 0.7 ? `${gold}1` : `${gold}2`;
      runs.push({ question_id: id, domain: o.domain, difficulty: 1, run, seed: r, question: `q${q}`, output: `#### ${answer}`, answer, gold, correct, tokens, mean_steps: o.states - 1 });
      r++;
    }
  }
  const manifest: TrajectoryManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    library_version: 'test',
    model: null,
    tasks: { split: o.split, domains: [o.domain], questions: o.questions },
    sampling: { runs_per_question: o.runs, steps: o.states - 1, seed: String(o.seed), init_scale: 1, noise: null, pooling: 'mean', max_new_tokens: 10 },
    n_runs: runs.length,
    states: o.states,
    width: o.width,
    token_latents: Boolean(o.keepTokenLatents),
    files: { tensors: '', table: '' },
    table_sha256: '0'.repeat(64),
    created: '2025-01-01T00:00:00.000Z',
  };
  let tokenLatents: { data: Float32Array; offsets: Int32Array } | undefined;
  if (o.keepTokenLatents) {
    const data = new Float32Array(offsets[runs.length]! * per);
    let at = 0;
    for (const c of tokenChunks) {
      data.set(c, at);
      at += c.length;
    }
    tokenLatents = { data, offsets };
  }
  return new TrajectorySet(runs, { data: pooled, runs: runs.length, steps: o.states, width: o.width }, manifest, tokenLatents);
}
