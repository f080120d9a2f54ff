/**
 * Synthetic reasoning tasks: the item type, the text a model sees, and the text it must produce.
 *
 * The tasks exist so that a small character-level recurrent-depth model, trained from scratch on a
 * CPU, shows the phenomena of the LTO paper. Texts are therefore short and regular, written with a
 * fixed alphabet of {@link TASK_CHARACTERS} (45 characters), and answers follow GSM8K's
 * "worked steps, then `#### final`" convention so the same scorers work on synthetic and real data.
 *
 * Model format (documented contract between the task files, the trainer and the scorers):
 *
 *   prompt = question + "\n"                          e.g. "tom has 3 apples. he buys 4 more. how many apples now?\n"
 *   target = solution + " #### " + answer             e.g. "3+4=7. #### 7"
 *
 * The newline is the only separator: questions never contain one, so the model can learn that the
 * worked solution starts after it. Training text is `prompt + target` followed by the tokenizer's
 * end token (the trainer adds that; it is a special token, not a character).
 */

import type { Rng } from '../tensor/random.js';

/** The three task families, mirroring the paper's math / code / commonsense split. */
export type Domain = 'math' | 'code' | 'choice';

/** All domains, in the canonical order used for files and manifests. */
export const DOMAINS: readonly Domain[] = ['math', 'code', 'choice'];

/** Difficulty is the number of reasoning steps (operations, assignments or relations). */
export const MIN_DIFFICULTY = 1;
export const MAX_DIFFICULTY = 5;
export const DIFFICULTIES: readonly number[] = [1, 2, 3, 4, 5];

/** Option letters of multiple-choice questions; `answer` is one of them (upper case). */
export const CHOICE_LETTERS: readonly string[] = ['A', 'B', 'C', 'D', 'E'];

export interface TaskItem {
  /** `${domain}-${split}-${index}`, index zero-padded to 5 digits, e.g. "math-test-00042". */
  id: string;
  domain: Domain;
  /** 1..5: the number of reasoning steps. */
  difficulty: number;
  question: string;
  /** Worked steps, without the final answer. */
  solution: string;
  /** The gold final answer: a non-negative integer as text (math, code) or a letter A-E (choice). */
  answer: string;
  /** Option texts in letter order (choice domain only); the question text lists them too. */
  choices?: string[];
}

/**
 * Every character any generated question, solution or answer may contain, plus the prompt's
 * newline, sorted by code point. A char tokenizer built from this string covers all task text:
 * `CharTokenizer.fromCharacters(TASK_CHARACTERS)`.
 *
 * Why these 45: digits and `+ - * =` for arithmetic, `;` to separate code statements, `>` for
 * orderings, `#` for the final-answer marker, `. ?` and space for sentences, A-E for option
 * letters, and 19 lower-case letters — the generators' word lists avoid g, j, k, q, v, x, z so that
 * a tiny model spends no capacity on rare characters.
 */
export const TASK_CHARACTERS = '\n #*+-.0123456789;=>?ABCDEabcdefhilmnoprstuwy';

/** Upper bounds the generators enforce (by redrawing), so every text stays short. */
export const MAX_QUESTION_CHARS = 115;
/** Bound on `targetText(item)` = solution + " #### " + answer. */
export const MAX_TARGET_CHARS = 140;

/** What a generator returns: everything but the id, which a split assigns. */
export type GeneratedTask = Omit<TaskItem, 'id'>;

/** A seeded procedural generator of one domain. */
export type TaskGenerator = (rng: Rng, difficulty: number) => GeneratedTask;

/** Separator between the worked solution and the final answer (GSM8K convention). */
export const ANSWER_MARKER = '####';

/** The exact text given to the model before it answers: the question and a newline. */
export function promptText(item: Pick<TaskItem, 'question'>): string {
  return `${item.question}\n`;
}

/** The text the model is trained to produce after the prompt: `${solution} #### ${answer}`. */
export function targetText(item: Pick<TaskItem, 'solution' | 'answer'>): string {
  return item.solution.length > 0 ? `${item.solution} ${ANSWER_MARKER} ${item.answer}` : `${ANSWER_MARKER} ${item.answer}`;
}

/** Prompt followed by target: one training example (without the end token). */
export function trainingText(item: Pick<TaskItem, 'question' | 'solution' | 'answer'>): string {
  return promptText(item) + targetText(item);
}

export function isDomain(value: unknown): value is Domain {
  return typeof value === 'string' && (DOMAINS as readonly string[]).includes(value);
}

/** Throws unless `difficulty` is an integer in 1..5 (generators call this first). */
export function checkDifficulty(difficulty: number): void {
  if (!Number.isInteger(difficulty) || difficulty < MIN_DIFFICULTY || difficulty > MAX_DIFFICULTY) {
    throw new Error(`difficulty must be an integer in ${MIN_DIFFICULTY}..${MAX_DIFFICULTY}, got ${difficulty}`);
  }
}

/** The characters of `text` that are not in {@link TASK_CHARACTERS} (distinct, in order). */
export function foreignCharacters(text: string): string[] {
  const out = new Set<string>();
  for (const ch of text) if (!TASK_CHARACTERS.includes(ch)) out.add(ch);
  return [...out];
}
