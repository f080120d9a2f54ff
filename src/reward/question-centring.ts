/**
 * Question-centred trajectories: every run's trajectory minus the mean trajectory of the runs it
 * is grouped with (the runs of its question), state by state.
 *
 * Why: the runs of one question share most of their latent content (the question, and a solution
 * mostly written the same way), so a reward model trained on raw trajectories learns largely
 * which questions tend to be answered correctly. Best-of-N and LTO only ever compare runs of the
 * same question, where that part cancels. Subtracting the question's mean leaves what differs
 * between its runs. It uses no labels, only the other candidates' latents, which LTO has anyway
 * (its N candidates are sampled together, as one batch).
 *
 * Measured on the tasks-v3 embedded model, math, 200 training questions x 20 runs, the paper's
 * transformer LRM (`lto optimize --domain math --train-questions 200 --validation-questions 100
 * --test-questions 200`, then the same sets with each input): on validation (which chose the
 * default), AUROC 0.746 raw / 0.908 centred and LTO's expected accuracy at the best beta 0.785 /
 * 0.864; on test, AUROC 0.790 / 0.901, within-question AUROC 0.663 / 0.871, LTO 0.760 / 0.870
 * (single run 0.825, majority 0.870).
 */
import { trajectoryArray, type TrajectoryArray } from '../tensor/trajectory-array.js';

/**
 * `t` with each group's mean trajectory subtracted from the group's runs (computed in float64).
 * Every run must belong to exactly one group: a run left out would keep its raw values among
 * centred ones.
 */
export function centreByGroups(t: TrajectoryArray, groups: readonly (readonly number[])[]): TrajectoryArray {
  const { data, runs, steps, width } = t;
  const per = steps * width;
  const seen = new Uint8Array(runs);
  for (const [g, group] of groups.entries()) {
    if (group.length === 0) throw new Error(`centreByGroups: group ${g} is empty`);
    for (const r of group) {
      if (!Number.isInteger(r) || r < 0 || r >= runs) throw new Error(`centreByGroups: group ${g} holds run ${r}; expected an integer in [0, ${runs})`);
      if (seen[r]) throw new Error(`centreByGroups: run ${r} is in more than one group`);
      seen[r] = 1;
    }
  }
  const missing = seen.indexOf(0);
  if (missing >= 0) throw new Error(`centreByGroups: run ${missing} is in no group; every run needs its question's group`);
  const out = new Float32Array(data.length);
  const mean = new Float64Array(per);
  for (const group of groups) {
    mean.fill(0);
    for (const r of group) {
      const at = r * per;
      for (let i = 0; i < per; i++) mean[i] += data[at + i]!;
    }
    for (let i = 0; i < per; i++) mean[i] /= group.length;
    for (const r of group) {
      const at = r * per;
      for (let i = 0; i < per; i++) out[at + i] = data[at + i]! - mean[i]!;
    }
  }
  return trajectoryArray(out, runs, steps, width, 'question-centred trajectories');
}

/**
 * Each state of `t` followed by the same state centred on its group: width 2 * t.width, the raw
 * values first. Why both: centred, the LRM ranks a question's runs well where the majority of
 * them is right but prefers the majority's answer where it is wrong; raw, it ranks the wrong
 * majority's runs lower but the rest worse. Within-question AUROC, majority right / wrong, for
 * math, code, choice (embedded model, 2400 training questions x 20 runs, tested on the second
 * half of the validation split; see datasets/model/README.md): centred .965/.526, .928/.479,
 * .907/.380; raw .729/.699, .633/.601, .735/.618. Both side by side, at 4800 training questions:
 * .971/.640, .946/.403, .936/.391 (centred .973/.526, .951/.424, .944/.306), AUROC .972, .931,
 * .932 (centred .947, .923, .904), LTO .700, .876, .852 (centred .660, .888, .844).
 */
export function withGroupCentred(t: TrajectoryArray, groups: readonly (readonly number[])[]): TrajectoryArray {
  const centred = centreByGroups(t, groups).data;
  const { data, runs, steps, width } = t;
  const out = new Float32Array(data.length * 2);
  for (let s = 0; s < runs * steps; s++) {
    out.set(data.subarray(s * width, (s + 1) * width), 2 * s * width);
    out.set(centred.subarray(s * width, (s + 1) * width), (2 * s + 1) * width);
  }
  return trajectoryArray(out, runs, steps, 2 * width, 'raw and question-centred trajectories');
}
