/**
 * Fixed train / validation / test splits of the synthetic tasks.
 *
 * Guarantees, all deterministic from one seed:
 * - difficulties balanced: each split holds floor(n/5) items of every difficulty, the remainder
 *   going to the lowest difficulties (500 -> 100 each);
 * - no question text appears twice in a domain, within or across splits;
 * - the evaluation splits do not depend on the train size: test is drawn first, then validation,
 *   then train, each (split, difficulty) from its own derived stream; train only skips questions
 *   already taken. Changing `train` therefore never changes test or validation.
 * Items of a split are shuffled (so a prefix is a balanced sample) and numbered in that order.
 */
import { Rng, deriveSeed } from '../tensor/random.js';
import * as choice from './generators/choice.js';
import * as code from './generators/code.js';
import * as math from './generators/math.js';
import { DIFFICULTIES, DOMAINS, type Domain, type TaskGenerator, type TaskItem } from './task.js';

export type SplitName = 'train' | 'validation' | 'test';

/** Splits in file/manifest order. */
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/** The order in which splits are drawn: evaluation first, so its items never depend on train size. */
const DRAW_ORDER: readonly SplitName[] = ['test', 'validation', 'train'];

export const DEFAULT_TASK_SEED = 20250930;

export type SplitSizes = Record<SplitName, number>;

export const DEFAULT_SPLIT_SIZES: Readonly<SplitSizes> = { train: 12000, validation: 500, test: 500 };

export type DomainSplits = Record<SplitName, TaskItem[]>;

const GENERATORS: Record<Domain, TaskGenerator> = {
  math: math.generate,
  code: code.generate,
  choice: choice.generate,
};

/** The procedural generator of a domain. */
export function generatorFor(domain: Domain): TaskGenerator {
  return GENERATORS[domain];
}

/** How many items of each difficulty (1..5) a split of `total` items holds. */
export function difficultyCounts(total: number): number[] {
  if (!Number.isInteger(total) || total < 0) throw new Error(`split size must be a non-negative integer, got ${total}`);
  const base = Math.floor(total / DIFFICULTIES.length);
  const extra = total % DIFFICULTIES.length;
  return DIFFICULTIES.map((_, i) => base + (i < extra ? 1 : 0));
}

/** `math-test-00042`: ids sort in split order and name their origin. */
export function taskId(domain: Domain, split: SplitName, index: number): string {
  return `${domain}-${split}-${String(index).padStart(5, '0')}`;
}

/**
 * Draws `count` new questions of one difficulty, skipping any text in `seen` (and adding the new
 * ones to it). Fails loudly if the generator cannot supply enough distinct questions.
 */
function drawDistinct(
  domain: Domain,
  rng: Rng,
  difficulty: number,
  count: number,
  seen: Set<string>,
): Omit<TaskItem, 'id'>[] {
  const generate = generatorFor(domain);
  const out: Omit<TaskItem, 'id'>[] = [];
  // Generous: the generators' spaces are far larger than any split, so repeats are rare.
  const maxDraws = 20 * count + 1000;
  let draws = 0;
  while (out.length < count) {
    if (draws++ >= maxDraws) {
      throw new Error(
        `${domain}: only ${out.length} of ${count} distinct questions of difficulty ${difficulty} after ${maxDraws} draws`,
      );
    }
    const task = generate(rng, difficulty);
    if (seen.has(task.question)) continue;
    seen.add(task.question);
    out.push(task);
  }
  return out;
}

/** The three splits of one domain. */
export function buildDomainSplits(
  domain: Domain,
  opts: { seed?: number; sizes?: Partial<SplitSizes> } = {},
): DomainSplits {
  const seed = opts.seed ?? DEFAULT_TASK_SEED;
  const sizes: SplitSizes = { ...DEFAULT_SPLIT_SIZES, ...opts.sizes };
  const seen = new Set<string>();
  const splits: Partial<DomainSplits> = {};
  for (const split of DRAW_ORDER) {
    const counts = difficultyCounts(sizes[split]);
    const drafts: Omit<TaskItem, 'id'>[] = [];
    DIFFICULTIES.forEach((difficulty, i) => {
      const rng = new Rng(deriveSeed(seed, 'tasks', domain, split, difficulty));
      drafts.push(...drawDistinct(domain, rng, difficulty, counts[i]!, seen));
    });
    new Rng(deriveSeed(seed, 'tasks', domain, split, 'order')).shuffle(drafts);
    // Fixed key order (id first) so serialised items read the same everywhere.
    splits[split] = drafts.map((d, index) => ({ id: taskId(domain, split, index), ...d }));
  }
  return splits as DomainSplits;
}

/** Splits of every domain. */
export function buildTaskSplits(opts: { seed?: number; sizes?: Partial<SplitSizes> } = {}): Record<Domain, DomainSplits> {
  const out: Partial<Record<Domain, DomainSplits>> = {};
  for (const domain of DOMAINS) out[domain] = buildDomainSplits(domain, opts);
  return out as Record<Domain, DomainSplits>;
}
