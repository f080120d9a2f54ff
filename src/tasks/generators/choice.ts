/**
 * Multiple-choice relational reasoning, the stand-in for CommonsenseQA: a ranking is given as
 * pairwise results in shuffled order, the question asks for its top or bottom, five options follow.
 *
 *   question  "bob beat cid. ann beat bob. who is best? A.bob B.ann C.cid D.dan E.eli"
 *   solution  "ann>bob>cid. ann=B."
 *   answer    "B"
 *
 * Letters are upper case everywhere (option labels in the question, the gold answer), as in the
 * CommonsenseQA files, so the model copies the letter it read. Option labels are written `A.name`
 * without a space to keep five-relation questions within the length bound.
 * Difficulty = number of relations (1..5), i.e. a ranking of difficulty+1 people. The options are
 * the correct person, then as many other ranked people as fit, then outsiders; the correct
 * option's position is uniform over A-E. The solution writes the whole ranking, best first, then
 * the chosen person and their option letter: spelling the lookup out is what lets a small model
 * learn it (our first model, trained on the ranking alone, answered "A" to every question).
 */
import type { Rng } from '../../tensor/random.js';
import { CHOICE_LETTERS, type GeneratedTask } from '../task.js';
import { drawShortTask, pick } from './common.js';

/** Three-letter names, all distinct, using only the task alphabet. */
const NAMES: readonly string[] = [
  'ann', 'bob', 'cid', 'dan', 'eli', 'fay', 'hal', 'ida', 'lou', 'ned', 'pam', 'rob', 'sue', 'tim',
];

type Ask = 'best' | 'worst';

function draftChoice(rng: Rng, difficulty: number): GeneratedTask {
  const people = rng.shuffle([...NAMES]);
  const ranking = people.slice(0, difficulty + 1); // best first
  const outsiders = people.slice(difficulty + 1);
  const relations: string[] = [];
  for (let i = 0; i + 1 < ranking.length; i++) relations.push(`${ranking[i]} beat ${ranking[i + 1]}.`);
  rng.shuffle(relations);

  const ask: Ask = pick(rng, ['best', 'worst'] as const);
  const correct = ask === 'best' ? ranking[0]! : ranking[ranking.length - 1]!;
  const rivals = rng.shuffle(ranking.filter((p) => p !== correct));
  const distractors = [...rivals, ...outsiders].slice(0, CHOICE_LETTERS.length - 1);
  rng.shuffle(distractors);
  const position = rng.int(CHOICE_LETTERS.length);
  const choices = [...distractors];
  choices.splice(position, 0, correct);

  const options = choices.map((name, i) => `${CHOICE_LETTERS[i]}.${name}`).join(' ');
  return {
    domain: 'choice',
    difficulty,
    question: `${relations.join(' ')} who is ${ask}? ${options}`,
    solution: `${ranking.join('>')}. ${correct}=${CHOICE_LETTERS[position]!}.`,
    answer: CHOICE_LETTERS[position]!,
    choices,
  };
}

/** A multiple-choice ranking question with `difficulty` relations (1..5). */
export function generate(rng: Rng, difficulty: number): GeneratedTask {
  return drawShortTask('choice', rng, difficulty, draftChoice);
}
