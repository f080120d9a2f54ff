/** Log-odds of probabilities, kept finite for saturated ones. */

/** Probabilities are clipped to [1e-7, 1 - 1e-7] before the logit, so that a saturated score stays finite. */
const CLIP = 1e-7;

/** log(p / (1 - p)), with p clipped to [1e-7, 1 - 1e-7]. */
export function logit(p: number): number {
  return Math.log(Math.max(p, CLIP) / Math.max(1 - p, CLIP));
}
