/**
 * Program tracing, the code domain's stand-in for MBPP at a size a tiny model can learn:
 *
 *   question  "a=3; b=a+2; a=b*2; a?"
 *   solution  "a3. a3 3+2=5 b5. b5 5*2=10 a10. a10."
 *   answer    "10"
 *
 * The first statement sets one variable to a constant; each later statement assigns one of the
 * variables a, b, c, d from variables already set: `x=y+k`, `x=y-k` (k 1..9), `x=y*k` (k 2..3),
 * `x=y+z` or `x=y-z`. Difficulty = number of assignments after the first (1..5). All values are
 * 0..99. The query asks for a variable set by one of those later assignments (not always the last
 * one, so the model has to look its value up).
 *
 * The worked solution restates the first assignment, then traces each later one as: the variables
 * it reads with their current values (`a3`), the arithmetic (`3+2=5`, the same form as in the math
 * domain), the assignment of the result (`b5.`); it ends with the queried variable's value (`a10.`).
 * In the solution a variable's name is always followed directly by its value at that point, so
 * every lookup copies what followed the latest occurrence of that one character: the one-token key
 * that the choice domain's option letters showed a small character model learns (see choice.ts).
 * Why, measured on the models trained on earlier formats:
 * - values alone (`b=5.`) made the model look up two variables and add them within one token; it
 *   solved 29 % of two-assignment programs against 95 % of two-operation math problems;
 * - `b=3+2=5.` (version 2 of the tasks) put an operand, not a value, after `b=`: the model copied
 *   that operand when it later read b (`a=20; a=a+3; c=a*2` traced as `a=20+3=23. c=20*2=40.`) and
 *   answered with the last value computed rather than the queried variable (single-run accuracy
 *   0.33 on the test split);
 * - `a=3` lookups (versions 3 and 4) need the two-token key `a=`. On the same short recipe (standard
 *   transformer of the default shape, `lto train --standard --steps 800 --curriculum-start 5` on
 *   the 12,000 code training questions alone, greedy on the first 200 validation questions) `a=3`
 *   scored 0.305 and `a3` (this version) 0.385; by difficulty 1..5: .95 .31 .09 .09 .05 against
 *   .93 .47 .21 .21 .09. Most remaining errors copy the latest value computed instead of the
 *   queried variable's (`a1. a1 1*2=2 a2. a2 2+3=5 c5. a5.`). With the full recipe on all three
 *   domains, code single-run accuracy on the test split rose from 0.368 to 0.924 for the standard
 *   baseline and from 0.312 to 0.754 for the recurrent default (noise 1.0, 20 runs): see the
 *   READMEs in datasets/model and datasets/model-standard.
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
  /** The variables the expression reads, with their current values, as traced: `a3`. */
  lookups: string;
  /** The same expression with each variable replaced by its current value: `3+2`. */
  arithmetic: string;
  value: number;
}

type Expression = Omit<Assignment, 'target'>;

/** A variable as the solution writes it: its name directly followed by its current value, `a3`. */
function traced(name: string, value: number): string {
  return `${name}${value}`;
}

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
      return { expression: `${y}+${k}`, lookups: traced(y, vy), arithmetic: `${vy}+${k}`, value: vy + k };
    }
    case 'subk': {
      const k = intBetween(rng, 1, Math.min(MAX_OFFSET, vy));
      return { expression: `${y}-${k}`, lookups: traced(y, vy), arithmetic: `${vy}-${k}`, value: vy - k };
    }
    case 'mulk': {
      const k = vy * 3 <= MAX_VALUE ? pick(rng, [2, 3]) : 2;
      return { expression: `${y}*${k}`, lookups: traced(y, vy), arithmetic: `${vy}*${k}`, value: vy * k };
    }
    case 'addv':
      return { expression: `${y}+${z!}`, lookups: `${traced(y, vy)} ${traced(z!, vz!)}`, arithmetic: `${vy}+${vz!}`, value: vy + vz! };
    case 'subv':
      return { expression: `${y}-${z!}`, lookups: `${traced(y, vy)} ${traced(z!, vz!)}`, arithmetic: `${vy}-${vz!}`, value: vy - vz! };
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
  const assigned = [...new Set(steps.map((s) => s.target))];
  const query = pick(rng, assigned);
  const answer = env.get(query)!;
  return {
    domain: 'code',
    difficulty,
    question: `${statements.join('; ')}; ${query}?`,
    solution: [
      `${traced(first, constant)}.`,
      ...steps.map((s) => `${s.lookups} ${s.arithmetic}=${s.value} ${traced(s.target, s.value)}.`),
      `${traced(query, answer)}.`,
    ].join(' '),
    answer: String(answer),
  };
}

/** A program-tracing question with `difficulty` assignments after the first (1..5). */
export function generate(rng: Rng, difficulty: number): GeneratedTask {
  return drawShortTask('code', rng, difficulty, draftCode);
}
