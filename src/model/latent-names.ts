/**
 * Canonical names of the points where latents can be recorded (TransformerLens-style filters):
 *   embed, prelude.out, state.{t} (t = 0 is the initial noise), latent.{t} = ln_f(state.{t}),
 *   coda.out, logits (final), logits.{t} (decoded from step t).
 * A request is a list of names or patterns: `latent.*`, `state.0`, `state.3-7`, `logits`.
 */

export const FIXED_NAMES = ['embed', 'prelude.out', 'coda.out', 'logits'] as const;
export const STEP_FAMILIES = ['state', 'latent', 'logits'] as const;
export type StepFamily = (typeof STEP_FAMILIES)[number];

/** A parsed request: which fixed names and which steps of each family to record. */
export interface NameSelection {
  readonly fixed: ReadonlySet<string>;
  readonly steps: Readonly<Record<StepFamily, ReadonlySet<number>>>;
}

export function stepName(family: StepFamily, step: number): string {
  return `${family}.${step}`;
}

/**
 * Resolves patterns against a run of `steps` recurrence steps. Unknown names and steps out of
 * range are errors (a typo must not silently record nothing).
 */
export function selectNames(patterns: readonly string[], steps: number): NameSelection {
  const fixed = new Set<string>();
  const sel: Record<StepFamily, Set<number>> = { state: new Set(), latent: new Set(), logits: new Set() };
  for (const raw of patterns) {
    const p = raw.trim();
    if ((FIXED_NAMES as readonly string[]).includes(p)) {
      fixed.add(p);
      continue;
    }
    const m = /^(state|latent|logits)\.(\*|\d+|\d+-\d+)$/.exec(p);
    if (!m) {
      throw new Error(`unknown latent name "${raw}"; expected one of ${FIXED_NAMES.join(', ')}, state.{t}, latent.{t}, logits.{t} (t a step, "*" or a range "a-b")`);
    }
    const family = m[1] as StepFamily;
    const first = family === 'logits' ? 1 : 0; // there is nothing to decode at step 0 beyond noise, but allow it below
    let lo: number;
    let hi: number;
    if (m[2] === '*') {
      lo = family === 'logits' ? first : 0;
      hi = steps;
    } else if (m[2]!.includes('-')) {
      [lo, hi] = m[2]!.split('-').map(Number) as [number, number];
    } else {
      lo = hi = Number(m[2]);
    }
    if (lo > hi || hi > steps) throw new Error(`latent name "${raw}": steps must lie in 0..${steps} for a run of ${steps} steps`);
    for (let t = lo; t <= hi; t++) sel[family].add(t);
  }
  return { fixed, steps: sel };
}
