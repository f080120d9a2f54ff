/**
 * Math word problems in the style of GSM8K, shrunk for a character-level model:
 *
 *   question  "tom has 3 apples. he buys 4 more. he sells 2. how many apples now?"
 *   solution  "3+4=7. 7-2=5."
 *   answer    "5"
 *
 * Difficulty = number of arithmetic operations = number of equations in the solution (1..5).
 * Sentences and what they compute (v is the running count):
 *   "{name} has N {item}."                   start at N (no operation)
 *   "{name} has A sets of B {item}."         A*B          (1 operation)
 *   "{he} buys|finds|wins K more."           v+K          (1)
 *   "{he} sells|loses|eats K."               v-K          (1; "eats" only for food)
 *   "{he} doubles|triples them."             v*2, v*3     (1)
 *   "{he} buys|finds A sets|piles of B."     A*B, then v+(A*B)  (2)
 * Every intermediate value stays in 0..99; operands of + and - are 1..20, factors 2..9.
 */
import type { Rng } from '../../tensor/random.js';
import type { GeneratedTask } from '../task.js';
import { drawShortTask, intBetween, pick } from './common.js';

interface Person {
  name: string;
  pronoun: 'he' | 'she';
}

const PEOPLE: readonly Person[] = [
  { name: 'tom', pronoun: 'he' },
  { name: 'sam', pronoun: 'he' },
  { name: 'ben', pronoun: 'he' },
  { name: 'dan', pronoun: 'he' },
  { name: 'rob', pronoun: 'he' },
  { name: 'tim', pronoun: 'he' },
  { name: 'ann', pronoun: 'she' },
  { name: 'amy', pronoun: 'she' },
  { name: 'sue', pronoun: 'she' },
  { name: 'pam', pronoun: 'she' },
  { name: 'ida', pronoun: 'she' },
  { name: 'mia', pronoun: 'she' },
];

interface Item {
  name: string;
  /** Only food can be eaten ("he eats 3 pens" would teach nonsense). */
  food: boolean;
}

const ITEMS: readonly Item[] = [
  { name: 'apples', food: true },
  { name: 'plums', food: true },
  { name: 'pears', food: true },
  { name: 'buns', food: true },
  { name: 'pies', food: true },
  { name: 'nuts', food: true },
  { name: 'pens', food: false },
  { name: 'cards', food: false },
  { name: 'coins', food: false },
  { name: 'balls', food: false },
  { name: 'shells', food: false },
  { name: 'stamps', food: false },
  { name: 'cups', food: false },
  { name: 'hats', food: false },
];

const ADD_VERBS: readonly string[] = ['buys', 'finds', 'wins'];
const SUB_VERBS: readonly string[] = ['sells', 'loses'];
const GROUP_VERBS: readonly string[] = ['buys', 'finds'];
const GROUP_NOUNS: readonly string[] = ['sets', 'piles'];

/** Largest value any intermediate result may take. */
const MAX_VALUE = 99;
/** Largest operand of an addition or subtraction sentence. */
const MAX_STEP = 20;
/** Starting amounts of "{name} has N {item}." */
const MIN_START = 2; // "has 1 apples" would be ungrammatical
const MAX_START = 30;
/** Factors of "A sets of B": both in 2..9. */
const MIN_FACTOR = 2;
const MAX_FACTOR = 9;
/** Probability that the opening sentence itself is a product ("has A sets of B"). */
const PRODUCT_OPENING_PROBABILITY = 0.25;

type OpKind = 'add' | 'sub' | 'mul' | 'group';

/** A product A*B with both factors in 2..9 and A*B <= limit (requires limit >= 4). */
function drawProduct(rng: Rng, limit: number): [number, number] {
  const a = intBetween(rng, MIN_FACTOR, Math.min(MAX_FACTOR, Math.floor(limit / MIN_FACTOR)));
  const b = intBetween(rng, MIN_FACTOR, Math.min(MAX_FACTOR, Math.floor(limit / a)));
  return [a, b];
}

function feasibleOps(value: number, remaining: number): OpKind[] {
  const ops: OpKind[] = [];
  if (value < MAX_VALUE) ops.push('add');
  if (value > 0) ops.push('sub');
  // Doubling needs v <= 49; doubling 0 would be a step that changes nothing.
  if (value > 0 && value * 2 <= MAX_VALUE) ops.push('mul');
  if (remaining >= 2 && MAX_VALUE - value >= MIN_FACTOR * MIN_FACTOR) ops.push('group');
  return ops;
}

function draftMath(rng: Rng, difficulty: number): GeneratedTask {
  const person = pick(rng, PEOPLE);
  const item = pick(rng, ITEMS);
  const sentences: string[] = [];
  const equations: string[] = [];
  let remaining = difficulty;
  let value: number;

  if (rng.uniform() < PRODUCT_OPENING_PROBABILITY) {
    const [a, b] = drawProduct(rng, MAX_VALUE);
    value = a * b;
    sentences.push(`${person.name} has ${a} sets of ${b} ${item.name}.`);
    equations.push(`${a}*${b}=${value}.`);
    remaining -= 1;
  } else {
    value = intBetween(rng, MIN_START, MAX_START);
    sentences.push(`${person.name} has ${value} ${item.name}.`);
  }

  const he = person.pronoun;
  while (remaining > 0) {
    const op = pick(rng, feasibleOps(value, remaining));
    switch (op) {
      case 'add': {
        const k = intBetween(rng, 1, Math.min(MAX_STEP, MAX_VALUE - value));
        sentences.push(`${he} ${pick(rng, ADD_VERBS)} ${k} more.`);
        equations.push(`${value}+${k}=${value + k}.`);
        value += k;
        remaining -= 1;
        break;
      }
      case 'sub': {
        const k = intBetween(rng, 1, Math.min(MAX_STEP, value));
        const verbs = item.food ? [...SUB_VERBS, 'eats'] : SUB_VERBS;
        sentences.push(`${he} ${pick(rng, verbs)} ${k}.`);
        equations.push(`${value}-${k}=${value - k}.`);
        value -= k;
        remaining -= 1;
        break;
      }
      case 'mul': {
        const factor = value * 3 <= MAX_VALUE ? pick(rng, [2, 3]) : 2;
        sentences.push(`${he} ${factor === 2 ? 'doubles' : 'triples'} them.`);
        equations.push(`${value}*${factor}=${value * factor}.`);
        value *= factor;
        remaining -= 1;
        break;
      }
      case 'group': {
        const [a, b] = drawProduct(rng, MAX_VALUE - value);
        sentences.push(`${he} ${pick(rng, GROUP_VERBS)} ${a} ${pick(rng, GROUP_NOUNS)} of ${b}.`);
        equations.push(`${a}*${b}=${a * b}.`, `${value}+${a * b}=${value + a * b}.`);
        value += a * b;
        remaining -= 2;
        break;
      }
    }
  }
  sentences.push(`how many ${item.name} now?`);
  return {
    domain: 'math',
    difficulty,
    question: sentences.join(' '),
    solution: equations.join(' '),
    answer: String(value),
  };
}

/** A math word problem with `difficulty` operations (1..5). */
export function generate(rng: Rng, difficulty: number): GeneratedTask {
  return drawShortTask('math', rng, difficulty, draftMath);
}
