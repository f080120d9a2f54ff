/**
 * Loading a trajectory set saved whole (saveTrajectorySet) or in parts: a folder whose `part-*`
 * subfolders are saved sets of consecutive questions, as `lto optimize` caches its splits.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { concatTrajectorySets } from './sample.js';
import { loadTrajectorySet } from './storage.js';
import type { TrajectorySet } from './trajectory-set.js';

/**
 * The set saved in `dir`, or the concatenation of its parts in name order. Parts must come from
 * the same model with the same sampling settings; the first part that does not is named.
 */
export async function loadSavedTrajectories(dir: string): Promise<TrajectorySet> {
  if (existsSync(join(dir, 'manifest.json'))) return loadTrajectorySet(dir);
  let names: string[];
  try {
    names = (await fsp.readdir(dir)).filter((n) => /^part-\d+$/.test(n)).sort();
  } catch {
    throw new Error(`${dir}: no such folder`);
  }
  if (names.length === 0) throw new Error(`${dir}: not a trajectory set (no manifest.json) and no part-* folders of one`);
  const parts: TrajectorySet[] = [];
  for (const name of names) {
    const part = await loadTrajectorySet(join(dir, name));
    const first = parts[0]?.manifest;
    if (first) {
      const same = JSON.stringify(part.manifest.model) === JSON.stringify(first.model) && JSON.stringify(part.manifest.sampling) === JSON.stringify(first.sampling)
        && part.manifest.tasks.split === first.tasks.split && part.states === parts[0]!.states && part.width === parts[0]!.width;
      if (!same) throw new Error(`${join(dir, name)}: sampled with another model or other settings than ${join(dir, names[0]!)}; its parts cannot be analysed as one set`);
    }
    parts.push(part);
  }
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!.manifest;
  const questions = parts.reduce((n, p) => n + p.questionIds().length, 0);
  const domains = [...new Set(parts.flatMap((p) => p.manifest.tasks.domains))];
  return concatTrajectorySets(parts, { ...first, tasks: { ...first.tasks, domains, questions } });
}
