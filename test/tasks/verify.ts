/**
 * Independent checkers for generated tasks: each parses the question TEXT (not the generator's
 * internals), recomputes the worked solution and the answer, and returns a list of problems
 * (empty when the item is right). Used on samples from the generators and on every committed item.
 */
import type { GeneratedTask } from '../../src/tasks/task.js';

const inRange = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 99;

/** Math word problems: sentences -> equations -> answer. */
export function checkMath(task: GeneratedTask): string[] {
  const problems: string[] = [];
  const sentences = task.question.split(/(?<=[.?]) /);
  const last = sentences.pop()!;
  const ending = /^how many (\w+) now\?$/.exec(last);
  if (ending === null) return [`bad ending ${JSON.stringify(last)}`];
  const item = ending[1]!;
  const equations: string[] = [];
  let value: number;
  const first = sentences.shift() ?? '';
  const opening = /^(\w+) has (\d+) (\w+)\.$/.exec(first);
  const productOpening = /^(\w+) has (\d+) sets of (\d+) (\w+)\.$/.exec(first);
  if (productOpening !== null) {
    const a = Number(productOpening[2]);
    const b = Number(productOpening[3]);
    value = a * b;
    equations.push(`${a}*${b}=${value}.`);
    if (productOpening[4] !== item) problems.push('item changes between sentences');
  } else if (opening !== null) {
    value = Number(opening[2]);
    if (opening[3] !== item) problems.push('item changes between sentences');
  } else {
    return [`bad opening ${JSON.stringify(first)}`];
  }
  if (!inRange(value)) problems.push(`start value ${value} out of 0..99`);
  for (const s of sentences) {
    let m: RegExpExecArray | null;
    if ((m = /^s?he (?:buys|finds|wins) (\d+) more\.$/.exec(s))) {
      const k = Number(m[1]);
      equations.push(`${value}+${k}=${value + k}.`);
      value += k;
    } else if ((m = /^s?he (?:sells|loses|eats) (\d+)\.$/.exec(s))) {
      const k = Number(m[1]);
      equations.push(`${value}-${k}=${value - k}.`);
      value -= k;
    } else if ((m = /^s?he (doubles|triples) them\.$/.exec(s))) {
      const f = m[1] === 'doubles' ? 2 : 3;
      equations.push(`${value}*${f}=${value * f}.`);
      value *= f;
    } else if ((m = /^s?he (?:buys|finds) (\d+) (?:sets|piles) of (\d+)\.$/.exec(s))) {
      const p = Number(m[1]) * Number(m[2]);
      equations.push(`${m[1]}*${m[2]}=${p}.`, `${value}+${p}=${value + p}.`);
      if (!inRange(p)) problems.push(`product ${p} out of 0..99`);
      value += p;
    } else {
      return [...problems, `unknown sentence ${JSON.stringify(s)}`];
    }
    if (!inRange(value)) problems.push(`intermediate value ${value} out of 0..99`);
  }
  if (equations.length !== task.difficulty) problems.push(`${equations.length} operations but difficulty ${task.difficulty}`);
  if (equations.join(' ') !== task.solution) problems.push(`solution ${JSON.stringify(task.solution)}, expected ${JSON.stringify(equations.join(' '))}`);
  if (String(value) !== task.answer) problems.push(`answer ${task.answer}, expected ${value}`);
  return problems;
}

/** Program tracing: execute the statements. */
export function checkCode(task: GeneratedTask): string[] {
  const problems: string[] = [];
  const parts = task.question.split('; ');
  const query = /^([a-d])\?$/.exec(parts.pop() ?? '');
  if (query === null) return ['bad query'];
  const env = new Map<string, number>();
  const first = /^([a-d])=(\d+)$/.exec(parts.shift() ?? '');
  if (first === null) return ['bad first statement'];
  env.set(first[1]!, Number(first[2]));
  const trace: string[] = [`${first[1]!}${first[2]!}.`];
  for (const statement of parts) {
    const m = /^([a-d])=([a-d])([+*-])([a-d]|\d+)$/.exec(statement);
    if (m === null) return [...problems, `bad statement ${JSON.stringify(statement)}`];
    const [, target, y, op, z] = m as unknown as [string, string, string, string, string];
    const vy = env.get(y);
    const vz = /\d/.test(z) ? Number(z) : env.get(z);
    if (vy === undefined || vz === undefined) return [...problems, `undefined variable in ${statement}`];
    const v = op === '+' ? vy + vz : op === '-' ? vy - vz : vy * vz;
    if (!inRange(v)) problems.push(`value ${v} out of 0..99`);
    const lookups = /\d/.test(z) ? `${y}${vy}` : `${y}${vy} ${z}${vz}`;
    env.set(target, v);
    trace.push(`${lookups} ${vy}${op}${vz}=${v} ${target}${v}.`);
  }
  const answer = env.get(query[1]!);
  trace.push(`${query[1]!}${answer}.`);
  if (parts.length !== task.difficulty) problems.push(`${parts.length} assignments but difficulty ${task.difficulty}`);
  if (trace.join(' ') !== task.solution) problems.push(`solution ${JSON.stringify(task.solution)}, expected ${JSON.stringify(trace.join(' '))}`);
  if (String(answer) !== task.answer) problems.push(`answer ${task.answer}, expected ${answer}`);
  return problems;
}

/**
 * Ranking questions: order the people from the "X beat Y." facts, pick the option. A person who
 * is an option carries the option's letter everywhere (`dA`); others are written bare.
 */
export function checkChoice(task: GeneratedTask): string[] {
  const problems: string[] = [];
  const m = /^((?:[a-z][A-E]? beat [a-z][A-E]?\. )+)who is (best|worst)\? ([a-z])A ([a-z])B ([a-z])C ([a-z])D ([a-z])E$/.exec(task.question);
  if (m === null) return ['question does not match the choice format'];
  const options = m.slice(3, 8) as string[];
  const labelled = (name: string): string => (options.includes(name) ? `${name}${'ABCDE'[options.indexOf(name)]}` : name);
  const facts = [...m[1]!.matchAll(/([a-z])([A-E]?) beat ([a-z])([A-E]?)\./g)].map((f) => {
    for (const [name, tag] of [[f[1]!, f[2]!], [f[3]!, f[4]!]] as const) {
      if (labelled(name) !== `${name}${tag}`) problems.push(`${name}${tag} in the relations, but the options make it ${labelled(name)}`);
    }
    return [f[1]!, f[3]!] as const;
  });
  const beats = new Map(facts.map(([w, l]) => [w, l]));
  const losers = new Set(facts.map(([, l]) => l));
  const tops = [...beats.keys()].filter((w) => !losers.has(w));
  if (tops.length !== 1) return [...problems, `${tops.length} people never lose; the ranking is not a chain`];
  const ranking = [tops[0]!];
  while (beats.has(ranking[ranking.length - 1]!)) ranking.push(beats.get(ranking[ranking.length - 1]!)!);
  if (ranking.length !== facts.length + 1) problems.push('relations do not form one chain');
  if (facts.length !== task.difficulty) problems.push(`${facts.length} relations but difficulty ${task.difficulty}`);
  const wanted = m[2] === 'best' ? ranking[0]! : ranking[ranking.length - 1]!;
  const positions = options.flatMap((o, i) => (o === wanted ? [i] : []));
  if (positions.length !== 1) problems.push(`the right person appears ${positions.length} times among the options`);
  if (new Set(options).size !== 5) problems.push('options repeat');
  const letter = 'ABCDE'[positions[0] ?? -1];
  const solution = `${ranking.map(labelled).join('>')}. ${wanted}${letter}.`;
  if (solution !== task.solution) problems.push(`solution ${task.solution}, expected ${solution}`);
  if (letter !== task.answer) problems.push(`answer ${task.answer}, expected ${letter}`);
  if (JSON.stringify(task.choices) !== JSON.stringify(options)) problems.push('choices differ from the options in the question');
  return problems;
}

export function checkTask(task: GeneratedTask): string[] {
  switch (task.domain) {
    case 'math':
      return checkMath(task);
    case 'code':
      return checkCode(task);
    case 'choice':
      return checkChoice(task);
  }
}
