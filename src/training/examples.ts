/**
 * Training examples from task items: BOS + prompt + target + end token, next-token targets, and a
 * loss mask over the answer (the model learns to answer, not to write questions).
 */
import type { Tokenizer } from '../model/tokenizer/tokenizer.js';
import { HUGINN_SPECIAL_TOKENS } from '../model/tokenizer/tokenizer.js';
import { promptText, targetText, type TaskItem } from '../tasks/task.js';
import type { Rng } from '../tensor/random.js';

export interface EncodedExample {
  /** Input ids (BOS, prompt, target). */
  readonly input: number[];
  /** Next token for every input position (target, end token), -1 where there is no loss. */
  readonly labels: number[];
}

export interface Batch {
  /** [B, S] input ids, right-padded. */
  readonly ids: number[][];
  /** [B, S] next-token labels (-1 = no loss). */
  readonly labels: number[][];
  /** Number of positions with a loss. */
  readonly lossTokens: number;
}

export function tokenId(tokenizer: Tokenizer, name: string): number {
  const id = tokenizer.tokenToId(name);
  if (id === undefined) throw new Error(`the tokenizer has no "${name}" token, which training needs`);
  return id;
}

export function encodeExample(tokenizer: Tokenizer, item: TaskItem): EncodedExample {
  const bos = tokenId(tokenizer, HUGINN_SPECIAL_TOKENS.beginText);
  const end = tokenId(tokenizer, HUGINN_SPECIAL_TOKENS.endText);
  const prompt = [bos, ...tokenizer.encode(promptText(item))];
  const target = [...tokenizer.encode(targetText(item)), end];
  const all = [...prompt, ...target];
  const input = all.slice(0, -1);
  // Position i predicts all[i + 1]; only predictions of target tokens count.
  const labels = input.map((_, i) => (i + 1 >= prompt.length ? all[i + 1]! : -1));
  return { input, labels };
}

/** Right-pads examples into a batch (padding predicts nothing, and causal attention never looks right). */
export function collate(examples: readonly EncodedExample[], padId: number): Batch {
  const length = Math.max(...examples.map((e) => e.input.length));
  let lossTokens = 0;
  const ids = examples.map((e) => [...e.input, ...new Array<number>(length - e.input.length).fill(padId)]);
  const labels = examples.map((e) => {
    lossTokens += e.labels.filter((l) => l >= 0).length;
    return [...e.labels, ...new Array<number>(length - e.labels.length).fill(-1)];
  });
  return { ids, labels, lossTokens };
}

/** Items grouped by difficulty, for curriculum sampling. */
export class ExamplePool {
  private readonly byDifficulty = new Map<number, EncodedExample[]>();

  constructor(tokenizer: Tokenizer, items: readonly TaskItem[]) {
    for (const item of items) {
      const list = this.byDifficulty.get(item.difficulty) ?? [];
      list.push(encodeExample(tokenizer, item));
      this.byDifficulty.set(item.difficulty, list);
    }
  }

  /** Samples `size` examples uniformly from difficulties <= maxDifficulty. */
  sample(rng: Rng, size: number, maxDifficulty: number): EncodedExample[] {
    const eligible = [...this.byDifficulty.entries()].filter(([d]) => d <= maxDifficulty).flatMap(([, list]) => list);
    if (eligible.length === 0) throw new Error(`no training examples with difficulty <= ${maxDifficulty}`);
    return Array.from({ length: size }, () => eligible[rng.int(eligible.length)]!);
  }
}
