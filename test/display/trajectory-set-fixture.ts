/**
 * A small synthetic trajectory set for the display tests: `questions` questions x `runs` runs in
 * two domains, states whose correct runs drift along one direction and incorrect runs along
 * another as the steps go on (so correct and incorrect runs separate by the last step), one
 * hostile question text.
 */
import { TrajectorySet } from '../../src/thoughts/trajectory-set.js';
import { MANIFEST_FORMAT, type TrajectoryManifest } from '../../src/thoughts/manifest.js';
import type { RunRecord } from '../../src/thoughts/run-record.js';
import { Rng } from '../../src/tensor/random.js';

export const HOSTILE_QUESTION = '</script><img src=x onerror=alert(1)> & "quoted"';

export function syntheticSet(options: { questions?: number; runs?: number; states?: number; width?: number; seed?: number; allCorrect?: boolean } = {}): TrajectorySet {
  const questions = options.questions ?? 10;
  const perQuestion = options.runs ?? 4;
  const states = options.states ?? 5;
  const width = options.width ?? 8;
  const rng = new Rng(options.seed ?? 1);
  const n = questions * perQuestion;
  const runs: RunRecord[] = Array.from({ length: n }, (_, i) => {
    const q = Math.floor(i / perQuestion);
    const correct = options.allCorrect ? true : (i * 7 + q) % 3 !== 0;
    return {
      question_id: `q${String(q).padStart(3, '0')}`,
      domain: q % 2 === 0 ? 'math' : 'code',
      difficulty: 1 + (q % 5),
      run: i % perQuestion,
      seed: 100 + i,
      question: q === 1 ? HOSTILE_QUESTION : `question ${q}`,
      output: `steps #### ${correct ? '7' : '8'}`,
      answer: correct ? '7' : i === 2 ? null : '8',
      gold: '7',
      correct,
      tokens: 3,
      mean_steps: states - 1,
    };
  });
  const data = new Float32Array(n * states * width);
  runs.forEach((run, r) => {
    for (let t = 0; t < states; t++) {
      for (let j = 0; j < width; j++) {
        const drift = (t / (states - 1)) * 3 * (run.correct ? (j === 0 ? 1 : 0) : j === 1 ? 1 : 0);
        data[(r * states + t) * width + j] = rng.normal() * 0.5 + drift;
      }
    }
  });
  const manifest: TrajectoryManifest = {
    format: MANIFEST_FORMAT,
    version: 1,
    library_version: 'test',
    model: { source: '/models/<b>tiny</b>', fingerprint: `sha256:${'ab'.repeat(32)}` },
    tasks: { split: 'test', domains: ['math', 'code'], questions },
    sampling: { runs_per_question: perQuestion, steps: states - 1, seed: 9, init_scale: 1, noise: { scale: 0.25, schedule: 'fixed' }, pooling: 'mean', max_new_tokens: 12 },
    n_runs: n,
    states,
    width,
    token_latents: false,
    files: { tensors: '', table: '' },
    table_sha256: '0'.repeat(64),
    created: '2026-01-01T00:00:00.000Z',
  };
  return new TrajectorySet(runs, { data, runs: n, steps: states, width }, manifest);
}
