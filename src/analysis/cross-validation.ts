/**
 * Seeded stratified k-fold assignment. Without groups, each class is shuffled and dealt to the
 * folds in turn, so every fold gets floor or ceil of its share of each class (as scikit-learn's
 * StratifiedKFold). With groups (e.g. the question of each run), all runs of a group go to the
 * same fold, so a probe is never tested on a question it was trained on; groups are shuffled,
 * ordered by their share of positives and dealt in turn, which balances the classes
 * approximately.
 */
import { Rng, type Seed } from '../tensor/random.js';

export interface FoldOptions {
  readonly seed?: Seed;
  /** Optional group id per item: items of one group share a fold. */
  readonly groups?: ArrayLike<number>;
}

/** Fold index (0..folds-1) of every item. */
export function stratifiedFolds(labels: ArrayLike<boolean>, folds: number, options: FoldOptions = {}): Int32Array {
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`stratifiedFolds: folds must be an integer >= 2, got ${folds}`);
  const rng = new Rng(options.seed ?? 0);
  const out = new Int32Array(labels.length);
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] ? positives : negatives).push(i);
  if (positives.length < folds || negatives.length < folds) {
    throw new Error(`stratified ${folds}-fold cross-validation needs at least ${folds} items of each class, got ${positives.length} positive (correct) and ${negatives.length} negative (incorrect)`);
  }
  if (options.groups === undefined) {
    let next = 0;
    for (const members of [positives, negatives]) {
      for (const i of rng.shuffle([...members])) out[i] = next++ % folds;
    }
    return out;
  }
  const groups = options.groups;
  if (groups.length !== labels.length) throw new Error(`stratifiedFolds: ${groups.length} groups for ${labels.length} labels`);
  const members = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(groups[i]!)) throw new Error(`stratifiedFolds: group of item ${i} is ${groups[i]}, expected an integer`);
    const list = members.get(groups[i]!) ?? [];
    list.push(i);
    members.set(groups[i]!, list);
  }
  if (members.size < folds) throw new Error(`grouped ${folds}-fold cross-validation needs at least ${folds} groups, got ${members.size}`);
  const keys = rng.shuffle([...members.keys()].sort((a, b) => a - b));
  const share = (key: number): number => members.get(key)!.filter((i) => labels[i]).length / members.get(key)!.length;
  keys.sort((a, b) => share(a) - share(b)); // stable: ties keep their shuffled order
  keys.forEach((key, position) => {
    for (const i of members.get(key)!) out[i] = position % folds;
  });
  for (let fold = 0; fold < folds; fold++) {
    let trainPositives = 0;
    let trainNegatives = 0;
    for (let i = 0; i < labels.length; i++) {
      if (out[i] !== fold) {
        if (labels[i]) trainPositives++;
        else trainNegatives++;
      }
    }
    if (trainPositives === 0 || trainNegatives === 0) {
      throw new Error(`grouped ${folds}-fold cross-validation: the training part of fold ${fold} has only one class; use fewer folds or more groups`);
    }
  }
  return out;
}
