/**
 * Loaders for the real datasets the LTO paper evaluated on, in the JSONL layouts its code read.
 * Nothing is bundled or downloaded: the user points a loader at their own copy.
 *
 * | loader            | layout per line                                                           |
 * |-------------------|---------------------------------------------------------------------------|
 * | loadGsm8k         | {"question", "answer": "<worked solution>\n#### 1,000"}                   |
 * | loadSvamp         | {"question", "answer": "( 76.0 - 25.0 ) = \n#### 51.0"}                    |
 * | loadCommonsenseQa | dev layout {"question": "stem \nA. x \nB. y ...", "answer" or "answerKey"} |
 * |                   | or the raw release {"answerKey", "id", "question": {"stem", "choices":      |
 * |                   | [{"label", "text"}], ...}} (both layouts may even be mixed in one file)    |
 *
 * Files are read line by line; any bad line fails with `<file>:<line>: <problem>`.
 */
import { basename, extname } from 'node:path';
import { RecordError, describeValue, isJsonObject, readJsonLines } from './json-lines.js';
import { extractFinalAnswer, parseNumber } from './scoring.js';
import { ANSWER_MARKER, CHOICE_LETTERS } from './task.js';

export type RealDatasetName = 'gsm8k' | 'svamp' | 'commonsenseqa';

export interface RealTaskItem {
  /** The record's own id when it has one (CommonsenseQA release), else `${dataset}-${file}-${index}`. */
  id: string;
  dataset: RealDatasetName;
  /** The question; for CommonsenseQA the stem alone (the options are in `choices`). */
  question: string;
  /** Gold final answer: the number as written without thousands commas ("1000", "51.0"), or a letter A-E. */
  answer: string;
  /** GSM8K/SVAMP: the reference worked solution, without the `#### answer` line. */
  solution?: string;
  /** CommonsenseQA: option texts in letter order (A first). */
  choices?: string[];
}

/** `gsm8k-test-00042`: zero-based index within the file, named after the file. */
function fileItemId(dataset: RealDatasetName, path: string, index: number): string {
  const name = basename(path, extname(path));
  return `${dataset}-${name}-${String(index).padStart(5, '0')}`;
}

function requireString(record: Record<string, unknown>, field: string, where = ''): string {
  if (!(field in record)) throw new RecordError(`missing field "${where}${field}"`);
  const value = record[field];
  if (typeof value !== 'string') throw new RecordError(`field "${where}${field}" must be a string, got ${describeValue(value)}`);
  return value;
}

/** {question, answer} with a `#### number` gold, shared by GSM8K and SVAMP. */
function parseMathRecord(dataset: 'gsm8k' | 'svamp', path: string) {
  let index = 0;
  return (value: unknown): RealTaskItem => {
    if (!isJsonObject(value)) throw new RecordError(`expected a JSON object, got ${describeValue(value)}`);
    const question = requireString(value, 'question');
    const reference = requireString(value, 'answer');
    const goldText = extractFinalAnswer(reference);
    if (goldText === undefined) throw new RecordError(`field "answer" has no "${ANSWER_MARKER} <number>" line`);
    if (parseNumber(goldText) === undefined) {
      throw new RecordError(`gold answer ${describeValue(goldText)} after "${ANSWER_MARKER}" is not a number`);
    }
    const solution = reference.slice(0, reference.lastIndexOf(ANSWER_MARKER)).trim();
    return {
      id: fileItemId(dataset, path, index++),
      dataset,
      question,
      answer: goldText.replace(/,/g, ''),
      solution,
    };
  };
}

/** GSM8K (`test.jsonl` 1319 rows, `train.jsonl` 7473 rows). */
export function loadGsm8k(path: string): Promise<RealTaskItem[]> {
  return readJsonLines(path, parseMathRecord('gsm8k', path));
}

/** SVAMP (`test.jsonl`, 1000 rows) in the GSM8K-style layout. */
export function loadSvamp(path: string): Promise<RealTaskItem[]> {
  return readJsonLines(path, parseMathRecord('svamp', path));
}

/** Checks that option labels are A, B, C, ... in order and the gold is one of them. */
function checkChoices(labels: readonly string[], gold: string): void {
  if (labels.length < 2 || labels.length > CHOICE_LETTERS.length) {
    throw new RecordError(`expected 2 to ${CHOICE_LETTERS.length} options, found ${labels.length}`);
  }
  labels.forEach((label, i) => {
    if (label !== CHOICE_LETTERS[i]) {
      throw new RecordError(`option ${i + 1} is labelled ${describeValue(label)}, expected "${CHOICE_LETTERS[i]}"`);
    }
  });
  if (!labels.includes(gold)) {
    throw new RecordError(`gold answer ${describeValue(gold)} is not one of the option letters ${labels.join(', ')}`);
  }
}

const OPTION_LINE = /^([A-E])\.\s?(.*)$/;

/**
 * The dev layout's question text: the stem, then one line per option ("A. bank "). The options
 * are the trailing lines that look like options, so a stem spanning lines is kept whole.
 */
function splitDevQuestion(text: string): { stem: string; labels: string[]; choices: string[] } {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const labels: string[] = [];
  const choices: string[] = [];
  while (lines.length > 0) {
    const m = OPTION_LINE.exec(lines[lines.length - 1]!.trim());
    if (m === null) break;
    labels.unshift(m[1]!);
    choices.unshift(m[2]!.trim());
    lines.pop();
  }
  const stem = lines.join('\n').trim();
  if (labels.length === 0) throw new RecordError('field "question" has no option lines ("A. ...")');
  if (stem.length === 0) throw new RecordError('field "question" has options but no question stem');
  return { stem, labels, choices };
}

function parseCommonsenseQaRecord(path: string) {
  let index = 0;
  return (value: unknown): RealTaskItem => {
    if (!isJsonObject(value)) throw new RecordError(`expected a JSON object, got ${describeValue(value)}`);
    const position = index++;
    if (!('question' in value)) throw new RecordError('missing field "question"');
    const q = value['question'];
    if (typeof q === 'string') {
      // Dev layout: {"question": "stem \nA. ...", "answer": "A"} (answerKey accepted too).
      if (!('answer' in value) && !('answerKey' in value)) throw new RecordError('missing field "answer" (or "answerKey")');
      const gold = requireString(value, 'answer' in value ? 'answer' : 'answerKey').trim();
      const { stem, labels, choices } = splitDevQuestion(q);
      checkChoices(labels, gold);
      return { id: fileItemId('commonsenseqa', path, position), dataset: 'commonsenseqa', question: stem, answer: gold, choices };
    }
    if (isJsonObject(q)) {
      // The original release layout.
      const id = requireString(value, 'id');
      const gold = requireString(value, 'answerKey').trim();
      const stem = requireString(q, 'stem', 'question.').trim();
      const rawChoices = q['choices'];
      if (!Array.isArray(rawChoices)) {
        throw new RecordError(`field "question.choices" must be an array, got ${describeValue(rawChoices)}`);
      }
      const labels: string[] = [];
      const choices: string[] = [];
      rawChoices.forEach((c: unknown, i) => {
        if (!isJsonObject(c)) throw new RecordError(`question.choices[${i}] must be an object, got ${describeValue(c)}`);
        labels.push(requireString(c, 'label', `question.choices[${i}].`));
        choices.push(requireString(c, 'text', `question.choices[${i}].`));
      });
      checkChoices(labels, gold);
      return { id, dataset: 'commonsenseqa', question: stem, answer: gold, choices };
    }
    throw new RecordError(`field "question" must be a string or an object, got ${describeValue(q)}`);
  };
}

/** CommonsenseQA: dev (1221 rows, dev layout) or train (9741 rows, raw release layout). */
export function loadCommonsenseQa(path: string): Promise<RealTaskItem[]> {
  return readJsonLines(path, parseCommonsenseQaRecord(path));
}

/**
 * The question with its options as the CommonsenseQA dev layout writes them
 * ("stem\nA. bank\nB. library..."), for building prompts.
 */
export function formatChoiceQuestion(item: Pick<RealTaskItem, 'question' | 'choices'>): string {
  const options = (item.choices ?? []).map((text, i) => `${CHOICE_LETTERS[i]}. ${text}`);
  return [item.question, ...options].join('\n');
}
