/**
 * Accuracy of a latent model on task items: every question answered by N runs (different
 * initial states, greedy decoding), scored with the synthetic-task rule. Reports single-run
 * accuracy (the mean over runs) and pass@N (at least one run correct).
 */
import { generate } from '../model/generate.js';
import type { RecurrentDepthModel } from '../model/recurrent-depth-model.js';
import type { Tokenizer } from '../model/tokenizer/tokenizer.js';
import { HUGINN_SPECIAL_TOKENS } from '../model/tokenizer/tokenizer.js';
import { scoreSynthetic } from '../tasks/scoring.js';
import { MAX_TARGET_CHARS, promptText, type TaskItem } from '../tasks/task.js';
import { deriveSeed, type Seed } from '../tensor/random.js';
import type { TestTimeNoise } from '../model/test-time-noise.js';

export interface RunOutcome {
  readonly id: string;
  readonly run: number;
  readonly output: string;
  readonly extracted: string | undefined;
  readonly correct: boolean;
}

export interface AccuracyReport {
  readonly nQuestions: number;
  readonly runs: number;
  /** Mean correctness over all runs of all questions. */
  readonly accuracy: number;
  /** Share of questions with at least one correct run. */
  readonly passAtN: number;
  readonly outcomes: RunOutcome[];
}

export interface AccuracyOptions {
  readonly steps: number;
  readonly runs: number;
  readonly seed: Seed;
  readonly initScale?: number;
  /** Noise before every recurrence step (default: the model config's). */
  readonly noise?: TestTimeNoise;
  /** Questions per generation batch (rows = questions x runs). Default: as many as fit 160 rows. */
  readonly questionsPerBatch?: number;
  readonly onBatch?: (done: number, total: number) => void;
}

/** The prompt ids of an item: BOS + question + newline, as in training. */
export function promptIds(tokenizer: Tokenizer, item: Pick<TaskItem, 'question'>): number[] {
  const bos = tokenizer.tokenToId(HUGINN_SPECIAL_TOKENS.beginText);
  return [...(bos === undefined ? [] : [bos]), ...tokenizer.encode(promptText(item))];
}

export function evaluateAccuracy(model: RecurrentDepthModel, tokenizer: Tokenizer, items: readonly TaskItem[], o: AccuracyOptions): AccuracyReport {
  const perBatch = o.questionsPerBatch ?? Math.max(1, Math.floor(160 / o.runs));
  const outcomes: RunOutcome[] = [];
  for (let start = 0; start < items.length; start += perBatch) {
    const chunk = items.slice(start, start + perBatch);
    const result = generate(model, chunk.map((item) => promptIds(tokenizer, item)), {
      maxNewTokens: MAX_TARGET_CHARS + 2,
      steps: o.steps,
      runs: o.runs,
      // Each run's seed depends on its question and run index, not on the batch it lands in.
      rowSeeds: chunk.flatMap((item) => Array.from({ length: o.runs }, (_, r) => deriveSeed(o.seed, item.id, r))),
      initScale: o.initScale,
      noise: o.noise,
      stopTokens: tokenizer.specialTokens.eos,
      recordLatents: false,
    });
    for (const seq of result.sequences) {
      const item = chunk[seq.prompt]!;
      const output = tokenizer.decode(seq.tokens, { skipSpecialTokens: true });
      const score = scoreSynthetic(output, item);
      outcomes.push({ id: item.id, run: seq.run, output, extracted: score.extracted, correct: score.correct });
    }
    o.onBatch?.(Math.min(start + perBatch, items.length), items.length);
  }
  const byQuestion = new Map<string, boolean>();
  for (const r of outcomes) byQuestion.set(r.id, (byQuestion.get(r.id) ?? false) || r.correct);
  const correct = outcomes.filter((r) => r.correct).length;
  return {
    nQuestions: items.length,
    runs: o.runs,
    accuracy: outcomes.length ? correct / outcomes.length : 0,
    passAtN: items.length ? [...byQuestion.values()].filter(Boolean).length / items.length : 0,
    outcomes,
  };
}
