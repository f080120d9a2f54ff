/**
 * Multiple-choice relational reasoning, the stand-in for CommonsenseQA: a ranking is given as
 * pairwise results in shuffled order, the question asks for its top or bottom, five options follow.
 *
 *   question  "bob beat cid. ann beat bob. who is best? bob=A ann=B cid=C dan=D eli=E"
 *   solution  "ann=B>bob=A>cid=C. ann=B."
 *   answer    "B"
 *
 * Each option is written `name=LETTER`, the letter after the name, and the solution writes the
 * whole ranking, best first, each ranked person with their option letter (a person who is not
 * among the options is written bare), then the chosen person and letter. Both choices make the
 * name-to-letter lookup a plain copy of what followed the same name earlier in the text, which
 * is what a small model learns first, and practise it once per ranked person rather than once per
 * question. (Our first model, trained on the ranking alone with `A.name` options, answered "A" to
 * every question; the second, with `A.name` options and only the final `ann=B.` lookup, wrote
 * the ranking right but still answered "A".)
 * Letters are upper case, as in the CommonsenseQA files. Difficulty = number of relations (1..5),
 * i.e. a ranking of difficulty+1 people. The options are the correct person, then as many other
 * ranked people as fit, then outsiders; the correct option's position is uniform over A-E.
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

  const letterOf = new Map(choices.map((name, i) => [name, CHOICE_LETTERS[i]!]));
  const labelled = (name: string): string => (letterOf.has(name) ? `${name}=${letterOf.get(name)!}` : name);
  const options = choices.map(labelled).join(' ');
  return {
    domain: 'choice',
    difficulty,
    question: `${relations.join(' ')} who is ${ask}? ${options}`,
    solution: `${ranking.map(labelled).join('>')}. ${labelled(correct)}.`,
    answer: CHOICE_LETTERS[position]!,
    choices,
  };
}

/** A multiple-choice ranking question with `difficulty` relations (1..5). */
export function generate(rng: Rng, difficulty: number): GeneratedTask {
  return drawShortTask('choice', rng, difficulty, draftChoice);
}
