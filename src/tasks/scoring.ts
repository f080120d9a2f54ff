/**
 * Answer extraction and correctness, as pure functions.
 *
 * Synthetic tasks: the model's final answer is the text after the LAST `####` (up to the end of
 * that line, trimmed). Numbers compare as numbers ("07" = "7"), letters case-insensitively.
 * No `####`, or nothing after it, means no answer: incorrect.
 *
 * Real datasets, with the rules the LTO paper's evaluation used (docs/lto-paper.md section 6):
 * - GSM8K: gold = the number after `####` in the reference answer (commas allowed: `1,000`);
 *   prediction = the LAST number anywhere in the model output, commas removed; equal as numbers.
 * - SVAMP: the same, but within an absolute tolerance of 0.01 (golds are floats like `51.0`);
 *   like the paper's code, |prediction - gold| < 0.01.
 * - CommonsenseQA: prediction = the last capital letter A-E standing alone (not inside a word)
 *   in the output; compared with the gold letter (`answer` / `answerKey`).
 */
import type { RealTaskItem } from './real-datasets.js';
import { ANSWER_MARKER, CHOICE_LETTERS, type TaskItem } from './task.js';

/** What a scorer found in an output, and whether it is right. */
export interface AnswerScore {
  /** The extracted answer text, or undefined when the output has none. */
  extracted: string | undefined;
  correct: boolean;
}

/**
 * A number as written in answers: optional sign, digits with optional thousands commas
 * (`1,000`, `12,345,678`), optional decimals. A comma must be followed by exactly three digits,
 * so "3,4" is not one number.
 */
const NUMBER_TEXT = /^[-+]?\d+(?:,\d{3})*(?:\.\d+)?$/;

/**
 * Numbers inside free text, with the same comma rule. A minus sign belongs to the number only
 * when it does not follow a letter, digit or period, so "5-3=2" yields 5, 3, 2 and "is -3" yields -3.
 */
const NUMBER_IN_TEXT = /(?:(?<![\w.])-)?\d+(?:,\d{3}(?!\d))*(?:\.\d+)?/g;

/** SVAMP's absolute tolerance. */
export const SVAMP_TOLERANCE = 0.01;

/** Parses a whole string as a number (thousands commas allowed); undefined if it is not one. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!NUMBER_TEXT.test(t)) return undefined;
  const n = Number(t.replace(/,/g, ''));
  return Number.isFinite(n) ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// Synthetic tasks

/** The text after the last `####` in `output`, up to the end of its line, trimmed. */
export function extractFinalAnswer(output: string): string | undefined {
  const at = output.lastIndexOf(ANSWER_MARKER);
  if (at < 0) return undefined;
  const rest = output.slice(at + ANSWER_MARKER.length);
  const newline = rest.search(/\r?\n/);
  const answer = (newline < 0 ? rest : rest.slice(0, newline)).trim();
  return answer.length > 0 ? answer : undefined;
}

/** True for a single option letter A-E (either case). */
function isLetterAnswer(text: string): boolean {
  return /^[A-Ea-e]$/.test(text);
}

/**
 * Whether an extracted answer matches a synthetic gold answer: letters case-insensitively,
 * anything else as numbers (both must parse). An undefined prediction is never correct.
 */
export function answersMatch(predicted: string | undefined, gold: string): boolean {
  if (predicted === undefined) return false;
  const g = gold.trim();
  const p = predicted.trim();
  if (isLetterAnswer(g)) return p.toUpperCase() === g.toUpperCase();
  const gn = parseNumber(g);
  const pn = parseNumber(p);
  return gn !== undefined && pn !== undefined && gn === pn;
}

/** Scores a model output for a synthetic task (gold: a TaskItem or its answer text). */
export function scoreSynthetic(output: string, gold: string | Pick<TaskItem, 'answer'>): AnswerScore {
  const extracted = extractFinalAnswer(output);
  return { extracted, correct: answersMatch(extracted, typeof gold === 'string' ? gold : gold.answer) };
}

// ---------------------------------------------------------------------------------------------
// Real datasets

/**
 * The gold number of a GSM8K/SVAMP reference answer: the number after the last `####`.
 * Throws if there is no `####` or what follows is not a number.
 */
export function parseReferenceAnswer(reference: string): number {
  const text = extractFinalAnswer(reference);
  if (text === undefined) throw new Error(`no "${ANSWER_MARKER} <number>" in the reference answer`);
  const n = parseNumber(text);
  if (n === undefined) throw new Error(`"${ANSWER_MARKER} ${text}" is not a number`);
  return n;
}

/** The last number in `output` as written (commas kept), or undefined if there is none. */
export function extractLastNumberText(output: string): string | undefined {
  const matches = output.match(NUMBER_IN_TEXT);
  return matches === null ? undefined : matches[matches.length - 1];
}

/** The value of the last number in `output` (commas removed), or undefined. */
export function extractLastNumber(output: string): number | undefined {
  const text = extractLastNumberText(output);
  return text === undefined ? undefined : parseNumber(text);
}

function goldNumber(gold: string | number): number {
  if (typeof gold === 'number') return gold;
  const n = parseNumber(gold);
  if (n === undefined) throw new Error(`gold answer ${JSON.stringify(gold)} is not a number`);
  return n;
}

/** GSM8K: the last number of the output equals the gold number. */
export function scoreGsm8k(output: string, gold: string | number): AnswerScore {
  const g = goldNumber(gold);
  const extracted = extractLastNumberText(output);
  const p = extracted === undefined ? undefined : parseNumber(extracted);
  return { extracted, correct: p !== undefined && p === g };
}

/** SVAMP: the last number of the output is within 0.01 of the gold number. */
export function scoreSvamp(output: string, gold: string | number): AnswerScore {
  const g = goldNumber(gold);
  const extracted = extractLastNumberText(output);
  const p = extracted === undefined ? undefined : parseNumber(extracted);
  return { extracted, correct: p !== undefined && Math.abs(p - g) < SVAMP_TOLERANCE };
}

/** The last capital A-E standing alone in `output` ("B", "(B)", "#### B."; not the B of "Bob"). */
export function extractChoiceLetter(output: string): string | undefined {
  const matches = output.match(/\b[A-E]\b/g);
  return matches === null ? undefined : matches[matches.length - 1];
}

/** CommonsenseQA: the last standalone letter A-E equals the gold letter. */
export function scoreCommonsenseQa(output: string, gold: string): AnswerScore {
  const g = gold.trim().toUpperCase();
  if (!CHOICE_LETTERS.includes(g)) throw new Error(`gold answer ${JSON.stringify(gold)} is not a letter A-E`);
  const extracted = extractChoiceLetter(output);
  return { extracted, correct: extracted === g };
}

/** Scores an output for a loaded real-dataset item with that dataset's rule. */
export function scoreRealItem(output: string, item: Pick<RealTaskItem, 'dataset' | 'answer'>): AnswerScore {
  switch (item.dataset) {
    case 'gsm8k':
      return scoreGsm8k(output, item.answer);
    case 'svamp':
      return scoreSvamp(output, item.answer);
    case 'commonsenseqa':
      return scoreCommonsenseQa(output, item.answer);
  }
}
