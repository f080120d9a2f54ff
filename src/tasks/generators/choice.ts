/**
 * Multiple-choice relational reasoning, the stand-in for CommonsenseQA: a ranking is given as
 * pairwise results in shuffled order, the question asks for its top or bottom, five options follow.
 *
 *   question  "dA beat cC. nB beat dA. who is best? dA nB cC lD fE"
 *   solution  "nB>dA>cC. nB."
 *   answer    "B"
 *
 * People are single lower-case letters, and a person who is among the options carries their
 * option letter everywhere they are written: in the relations, in the options and in the
 * solution (`nB` is person n, option B; a ranked person who is not an option is written bare).
 * The solution writes the whole ranking, best first, then the chosen person. So the reasoning is
 * the ranking (find the top or the bottom of a shuffled chain), and the option letter is always
 * the character right after its person, a one-token copy.
 *
 * Why the letter is attached to the person, measured: every earlier format, where the letter
 * had to be looked up in the option list (`p=A`, `A.name`, `ann=B`), left the trained models
 * writing the ranking right and the letters at chance. On the same recipe (standard transformer
 * of the default shape, `lto train --standard --steps 800 --curriculum-start 5` on 12,000
 * choice-only training questions, greedy on the first 100 validation questions), the options
 * written `d=A` (version 3) scored 19/100 and the letters attached (this version) 98/100.
 * (`d=A` needs a two-token key, `d=`, to find the letter; a one-token key is what this small
 * character model learns to copy from.)
 *
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

  const ask: Ask = pick(rng, ['best', 'worst'] as const);
  const correct = ask === 'best' ? ranking[0]! : ranking[ranking.length - 1]!;
  const rivals = rng.shuffle(ranking.filter((p) => p !== correct));
  const distractors = [...rivals, ...outsiders].slice(0, CHOICE_LETTERS.length - 1);
  rng.shuffle(distractors);
  const position = rng.int(CHOICE_LETTERS.length);
  const choices = [...distractors];
  choices.splice(position, 0, correct);

  const letterOf = new Map(choices.map((name, i) => [name, CHOICE_LETTERS[i]!]));
  const labelled = (name: string): string => `${name}${letterOf.get(name) ?? ''}`;
  const relations: string[] = [];
  for (let i = 0; i + 1 < ranking.length; i++) relations.push(`${labelled(ranking[i]!)} beat ${labelled(ranking[i + 1]!)}.`);
  rng.shuffle(relations);
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
