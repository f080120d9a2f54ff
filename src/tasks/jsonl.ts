/**
 * Task files: one TaskItem per line as JSON.
 *
 * Writing is deterministic byte for byte (fixed key order `id, domain, difficulty, question,
 * solution, answer[, choices]`, no spaces, `\n` line ends, a trailing newline, UTF-8) and atomic,
 * so committed files can be checked by hash and a crash never leaves half a file.
 * Reading is strict: a line that is not a valid TaskItem fails with `<file>:<line>: <problem>`.
 */
import { writeFileAtomic } from '../io/atomic.js';
import { RecordError, describeValue, isJsonObject, readJsonLines } from './json-lines.js';
import { CHOICE_LETTERS, DOMAINS, MAX_DIFFICULTY, MIN_DIFFICULTY, type TaskItem, isDomain } from './task.js';

const REQUIRED_FIELDS = ['id', 'domain', 'difficulty', 'question', 'solution', 'answer'] as const;
const KNOWN_FIELDS: ReadonlySet<string> = new Set([...REQUIRED_FIELDS, 'choices']);
/** Numeric gold answers: an integer or decimal, optionally negative (generated ones are 0..99). */
const NUMERIC_ANSWER = /^-?\d+(?:\.\d+)?$/;

/**
 * Checks that `value` is a TaskItem and returns it with keys in canonical order. Throws a
 * RecordError naming the first problem: missing field, wrong type, difficulty out of range,
 * unknown domain, unexpected field, or an answer that does not fit the domain.
 */
export function parseTaskItem(value: unknown): TaskItem {
  if (!isJsonObject(value)) throw new RecordError(`expected a JSON object, got ${describeValue(value)}`);
  for (const field of REQUIRED_FIELDS) {
    if (!(field in value)) throw new RecordError(`missing field "${field}"`);
  }
  for (const key of Object.keys(value)) {
    if (!KNOWN_FIELDS.has(key)) throw new RecordError(`unexpected field "${key}"`);
  }
  for (const field of ['id', 'domain', 'question', 'solution', 'answer'] as const) {
    if (typeof value[field] !== 'string') {
      throw new RecordError(`field "${field}" must be a string, got ${describeValue(value[field])}`);
    }
  }
  const { id, domain, difficulty, question, solution, answer, choices } = value as Record<string, unknown> & {
    id: string;
    domain: string;
    question: string;
    solution: string;
    answer: string;
  };
  if (id.length === 0) throw new RecordError('field "id" must not be empty');
  if (question.length === 0) throw new RecordError('field "question" must not be empty');
  if (!isDomain(domain)) {
    throw new RecordError(`unknown domain ${describeValue(domain)} (expected one of ${DOMAINS.join(', ')})`);
  }
  if (typeof difficulty !== 'number' || !Number.isInteger(difficulty)) {
    throw new RecordError(`field "difficulty" must be an integer, got ${describeValue(difficulty)}`);
  }
  if (difficulty < MIN_DIFFICULTY || difficulty > MAX_DIFFICULTY) {
    throw new RecordError(`difficulty ${difficulty} out of range ${MIN_DIFFICULTY}..${MAX_DIFFICULTY}`);
  }
  const item: TaskItem = { id, domain, difficulty, question, solution, answer };
  if (domain === 'choice') {
    if (choices === undefined) throw new RecordError('missing field "choices" (required for domain "choice")');
    if (!Array.isArray(choices) || choices.length === 0 || !choices.every((c): c is string => typeof c === 'string')) {
      throw new RecordError(`field "choices" must be a non-empty array of strings, got ${describeValue(choices)}`);
    }
    if (choices.length > CHOICE_LETTERS.length) {
      throw new RecordError(`field "choices" has ${choices.length} options; at most ${CHOICE_LETTERS.length} (A-E)`);
    }
    const letters = CHOICE_LETTERS.slice(0, choices.length);
    if (!letters.includes(answer)) {
      throw new RecordError(`answer ${describeValue(answer)} must be one of the option letters ${letters.join(', ')}`);
    }
    item.choices = [...choices];
  } else {
    if (choices !== undefined) throw new RecordError(`field "choices" is only allowed for domain "choice"`);
    if (!NUMERIC_ANSWER.test(answer)) {
      throw new RecordError(`answer ${describeValue(answer)} must be a number for domain "${domain}"`);
    }
  }
  return item;
}

/** One item as its JSONL line (without the newline), keys in canonical order. */
export function serializeTaskItem(item: TaskItem): string {
  const canonical = parseTaskItem(item);
  return JSON.stringify(canonical);
}

/** The exact file text for `items`: one line each, `\n` after every line. */
export function formatTaskJsonl(items: readonly TaskItem[]): string {
  const ids = new Set<string>();
  let text = '';
  items.forEach((item, i) => {
    let line: string;
    try {
      line = serializeTaskItem(item);
    } catch (e) {
      if (e instanceof RecordError) throw new Error(`item ${i} (${describeValue(item.id)}): ${e.message}`);
      throw e;
    }
    if (ids.has(item.id)) throw new Error(`item ${i}: duplicate id ${describeValue(item.id)}`);
    ids.add(item.id);
    text += `${line}\n`;
  });
  return text;
}

/**
 * Writes items atomically; returns the text written (so callers can hash it without rereading).
 * Invalid items are rejected before anything is written.
 */
export async function writeTaskJsonl(path: string, items: readonly TaskItem[]): Promise<string> {
  let text: string;
  try {
    text = formatTaskJsonl(items);
  } catch (e) {
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
  await writeFileAtomic(path, text);
  return text;
}

/** Reads and validates a task file; ids must be unique within it. */
export async function readTaskJsonl(path: string): Promise<TaskItem[]> {
  const firstLineOfId = new Map<string, number>();
  return readJsonLines(path, (value, line) => {
    const item = parseTaskItem(value);
    const previous = firstLineOfId.get(item.id);
    if (previous !== undefined) throw new RecordError(`duplicate id ${describeValue(item.id)} (first on line ${previous})`);
    firstLineOfId.set(item.id, line);
    return item;
  });
}
