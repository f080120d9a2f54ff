/**
 * Program tracing, the code domain's stand-in for MBPP at a size a tiny model can learn:
 *
 *   question  "a=3; b=a+2; a=b*2; a?"
 *   solution  "b=3+2=5. a=5*2=10."
 *   answer    "10"
 *
 * The first statement sets one variable to a constant; each later statement assigns one of the
 * variables a, b, c, d from variables already set: `x=y+k`, `x=y-k` (k 1..9), `x=y*k` (k 2..3),
 * `x=y+z` or `x=y-z`. Difficulty = number of assignments after the first (1..5); the solution
 * traces each of them with the variables' current values written out (`b=3+2=5.`), so every
 * variable lookup is a copy the model makes in the open and the arithmetic has the same form as
 * in the math domain. (Our first model, trained on values alone, `b=5.`, had to look up two
 * variables and add them within one token; it solved 29 % of two-assignment programs against
 * 95 % of two-operation math problems.) The query asks for a variable set by one of those later assignments (not
 * always the last one, so the model has to look the value up in its trace). All values are 0..99.
 */
import type { Rng } from '../../tensor/random.js';
import type { GeneratedTask } from '../task.js';
import { drawShortTask, intBetween, pick } from './common.js';

const VARIABLES: readonly string[] = ['a', 'b', 'c', 'd'];
const MAX_VALUE = 99;
/** The first constant: 1..60, leaving room for later additions. */
const MIN_CONSTANT = 1;
const MAX_CONSTANT = 60;
const MAX_OFFSET = 9;

interface Assignment {
  target: string;
  /** The expression over variable names, as written in the program: `a+2`. */
  expression: string;
  /** The same expression with each variable replaced by its current value: `3+2`. */
  arithmetic: string;
  value: number;
}

type Expression = Omit<Assignment, 'target'>;

/** Every expression over the assigned variables whose value stays in 0..99, drawn uniformly by kind. */
function drawExpression(rng: Rng, env: ReadonlyMap<string, number>): Expression {
  const names = [...env.keys()];
  const kinds: Array<'addk' | 'subk' | 'mulk' | 'addv' | 'subv'> = [];
  const y = pick(rng, names);
  const vy = env.get(y)!;
  if (vy < MAX_VALUE) kinds.push('addk');
  if (vy > 0) kinds.push('subk');
  if (vy > 0 && vy * 2 <= MAX_VALUE) kinds.push('mulk');
  const others = names.filter((n) => n !== y);
  const z = others.length > 0 ? pick(rng, others) : undefined;
  const vz = z === undefined ? undefined : env.get(z)!;
  if (vz !== undefined && vy + vz <= MAX_VALUE) kinds.push('addv');
  if (vz !== undefined && vy - vz >= 0) kinds.push('subv');
  // addk or subk is always possible (vy is in 0..99), so kinds is never empty.
  switch (pick(rng, kinds)) {
    case 'addk': {
      const k = intBetween(rng, 1, Math.min(MAX_OFFSET, MAX_VALUE - vy));
      return { expression: `${y}+${k}`, arithmetic: `${vy}+${k}`, value: vy + k };
    }
    case 'subk': {
      const k = intBetween(rng, 1, Math.min(MAX_OFFSET, vy));
      return { expression: `${y}-${k}`, arithmetic: `${vy}-${k}`, value: vy - k };
    }
    case 'mulk': {
      const k = vy * 3 <= MAX_VALUE ? pick(rng, [2, 3]) : 2;
      return { expression: `${y}*${k}`, arithmetic: `${vy}*${k}`, value: vy * k };
    }
    case 'addv':
      return { expression: `${y}+${z!}`, arithmetic: `${vy}+${vz!}`, value: vy + vz! };
    case 'subv':
      return { expression: `${y}-${z!}`, arithmetic: `${vy}-${vz!}`, value: vy - vz! };
  }
}

function draftCode(rng: Rng, difficulty: number): GeneratedTask {
  const env = new Map<string, number>();
  const first = pick(rng, VARIABLES);
  const constant = intBetween(rng, MIN_CONSTANT, MAX_CONSTANT);
  env.set(first, constant);
  const statements = [`${first}=${constant}`];
  const steps: Assignment[] = [];
  for (let i = 0; i < difficulty; i++) {
    const drawn = drawExpression(rng, env);
    // Any of the four names, set or not: overwriting a variable is what makes tracing necessary.
    const target = pick(rng, VARIABLES);
    env.set(target, drawn.value);
    statements.push(`${target}=${drawn.expression}`);
    steps.push({ target, ...drawn });
  }
  // Query a variable whose current value comes from a traced step.
  const traced = [...new Set(steps.map((s) => s.target))];
  const query = pick(rng, traced);
  return {
    domain: 'code',
    difficulty,
    question: `${statements.join('; ')}; ${query}?`,
    solution: steps.map((s) => `${s.target}=${s.arithmetic}=${s.value}.`).join(' '),
    answer: String(env.get(query)!),
  };
}

/** A program-tracing question with `difficulty` assignments after the first (1..5). */
export function generate(rng: Rng, difficulty: number): GeneratedTask {
  return drawShortTask('code', rng, difficulty, draftCode);
}
