/**
 * Multiple-choice relational reasoning, the stand-in for CommonsenseQA: a ranking is given as
 * pairwise results in shuffled order, the question asks for its top or bottom, five options follow.
 *
 *   question  "d beat c. n beat d. who is best? d=A n=B c=C l=D f=E"
 *   solution  "n=B>d=A>c=C. n=B."
 *   answer    "B"
 *
 * People are single letters, each option is written `person=LETTER`, and the solution writes the
 * whole ranking, best first, each ranked person with their option letter (a person who is not
 * among the options is written bare), then the chosen person and letter. So the person-to-letter
 * lookup is a copy of what followed the same `person=` earlier in the text, a two-token induction
 * copy, practised once per ranked person rather than once per question. Why, measured on the
 * models trained on earlier formats:
 * - the ranking alone with `A.name` options: the model answered "A" to every question;
 * - `A.name` options and only the final `ann=B.` lookup: the ranking right, still "A" every time;
 * - three-letter names with `ann=B` options (version 2 of the tasks): the ranking right, the
 *   letters at chance (`ann=B>rob=E>ida=D. ann=B.` for options `rob=A ida=B lou=C ann=D ned=E`),
 *   because the key `ann=` is four characters long and its last two (`n=`) are shared by `dan=`.
 * (The model trained on this version for 3000 steps still writes the letters at chance; see
 * datasets/model/README.md.)
 * Letters are upper case, as in the CommonsenseQA files. Difficulty = number of relations (1..5),
 * i.e. a ranking of difficulty+1 people. The options are the correct person, then as many other
 * ranked people as fit, then outsiders; the correct option's position is uniform over A-E.
 */
import type { Rng } from '../../tensor/random.js';
import { CHOICE_LETTERS, type GeneratedTask } from '../task.js';
import { drawShortTask, pick } from './common.js';

/**
 * People: the nine lower-case letters of the task alphabet that occur in none of the words around
 * them ("beat", "who", "is", "best", "worst"), so a person's letter marks that person alone.
 */
const PEOPLE: readonly string[] = ['c', 'd', 'f', 'l', 'm', 'n', 'p', 'u', 'y'];

type Ask = 'best' | 'worst';

function draftChoice(rng: Rng, difficulty: number): GeneratedTask {
  const people = rng.shuffle([...PEOPLE]);
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
