/** `lto eval`: accuracy of a model on a task split, single run and pass@N. */
import { join } from 'node:path';
import { loadModelWithTokenizer } from '../model/default-model.js';
import { evaluateAccuracy } from '../evaluation/accuracy.js';
import type { GenerationPool } from '../model/generation-pool.js';
import { readTaskJsonl } from '../tasks/jsonl.js';
import { DEFAULT_TASKS_DIR } from './train-command.js';
import { decodingOption, openGenerationPool, splitAndDomains, thinkingSettings, workersOption } from './options.js';

export const EVAL_USAGE = `  lto eval [--model DIR] [--split S] [--domain D] [--steps T] [--runs N] [--limit N] [--init-scale X] [--noise X] [--noise-type fixed|geom|sqrt|line|chi] [--seed S] [--temperature X] [--workers N] [--tasks DIR] --json
                                      accuracy (single run) and pass@N over N runs with different initial states;
                                      greedy, or sampled at --temperature X (how a standard model's runs differ);
                                      --workers N generates in N worker threads (default 1 = in-process; 2 on a 2-core machine);
                                      --tasks DIR reads DIR/DOMAIN/SPLIT.jsonl instead of datasets/tasks`;

export interface EvalArgs {
  readonly model?: string;
  readonly split?: string;
  readonly domain?: string;
  readonly tasks?: string;
  /** --noise-type (the scale is numbers.noise). */
  readonly noiseType?: string;
  readonly numbers: Readonly<Record<string, number | undefined>>;
}

export async function runEval(args: EvalArgs): Promise<number> {
  const { split, domains } = splitAndDomains(args.split, args.domain);
  const workers = workersOption(args.numbers['workers']);
  const decoding = decodingOption(args.numbers['temperature']);
  const loaded = await loadModelWithTokenizer(args.model);
  const { model, tokenizer } = loaded;
  const { steps, initScale, noise } = thinkingSettings({ steps: args.numbers['steps'], initScale: args.numbers['init-scale'], noise: args.numbers['noise']?.toString(), noiseType: args.noiseType }, model.config);
  const runs = args.numbers['runs'] ?? 1;
  const limit = args.numbers['limit'];
  const out: Record<string, { accuracy: number; pass_at_n: number; n_questions: number; by_difficulty: unknown[] }> = {};
  let pool: GenerationPool | undefined;
  try {
    pool = await openGenerationPool(loaded.dir, workers);
    for (const domain of domains) {
      let items = await readTaskJsonl(join(args.tasks ?? DEFAULT_TASKS_DIR, domain, `${split}.jsonl`));
      if (limit !== undefined) items = items.slice(0, limit);
      const report = await evaluateAccuracy(model, tokenizer, items, {
        steps,
        runs,
        seed: args.numbers['seed'] ?? 0,
        initScale,
        noise,
        decoding,
        pool,
        onBatch: (done, total) => process.stderr.write(`\r${domain}: ${done}/${total} questions`),
      });
      process.stderr.write('\n');
      out[domain] = {
        accuracy: report.accuracy,
        pass_at_n: report.passAtN,
        n_questions: report.nQuestions,
        by_difficulty: report.byDifficulty.map((d) => ({ difficulty: d.difficulty, n_questions: d.nQuestions, accuracy: d.accuracy, pass_at_n: d.passAtN })),
      };
    }
  } finally {
    await pool?.close();
    model.dispose();
  }
  process.stdout.write(`${JSON.stringify({ model: loaded.dir, split, steps, runs, init_scale: initScale, noise: { scale: noise.scale, schedule: noise.schedule }, decoding, domains: out })}\n`);
  return 0;
}
