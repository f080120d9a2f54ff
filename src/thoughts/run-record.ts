/**
 * One sampled run of one question: the row of a trajectory set's table. Field names are
 * snake_case as they are stored (JSONL / Arrow) and shown in tables.
 */
export interface RunRecord {
  /** Task item id, e.g. "math-test-00042"; all runs of one question share it. */
  readonly question_id: string;
  readonly domain: string;
  /** 1..5 for the synthetic tasks; 0 when unknown (imported data). */
  readonly difficulty: number;
  /** Run index within the question, 0..runs-1. */
  readonly run: number;
  /** The seed that determined this run's randomness (initial state, step noise). */
  readonly seed: number;
  readonly question: string;
  /** The decoded generation (special tokens removed). */
  readonly output: string;
  /** Answer extracted from the output, or null when none was found. */
  readonly answer: string | null;
  readonly gold: string;
  readonly correct: boolean;
  /** Generated tokens pooled into the trajectory. */
  readonly tokens: number;
  /** Mean recurrence steps per generated token (below T when early exit was used). */
  readonly mean_steps: number;
}

export const RUN_RECORD_FIELDS: readonly (keyof RunRecord)[] = [
  'question_id', 'domain', 'difficulty', 'run', 'seed', 'question', 'output', 'answer', 'gold', 'correct', 'tokens', 'mean_steps',
];

type FieldKind = 'string' | 'nullable-string' | 'integer' | 'number' | 'boolean';

const FIELD_KINDS: Readonly<Record<keyof RunRecord, FieldKind>> = {
  question_id: 'string',
  domain: 'string',
  difficulty: 'integer',
  run: 'integer',
  seed: 'integer',
  question: 'string',
  output: 'string',
  answer: 'nullable-string',
  gold: 'string',
  correct: 'boolean',
  tokens: 'integer',
  mean_steps: 'number',
};

function kindMatches(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'nullable-string':
      return value === null || typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/** Validates a parsed table row; `where` names the file and line in errors. */
export function checkRunRecord(value: unknown, where: string): RunRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected a JSON object`);
  const row = value as Record<string, unknown>;
  for (const field of RUN_RECORD_FIELDS) {
    if (!(field in row)) throw new Error(`${where}: missing field "${field}"`);
    if (!kindMatches(row[field], FIELD_KINDS[field])) throw new Error(`${where}: field "${field}" must be ${FIELD_KINDS[field].replace('-', ' ')}, got ${JSON.stringify(row[field])}`);
  }
  return Object.fromEntries(RUN_RECORD_FIELDS.map((f) => [f, row[f]])) as unknown as RunRecord;
}
