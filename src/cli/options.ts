/** Parsing of `lto` command-line option values shared by the commands. */
import { checkTestTimeNoise, type NoiseSchedule, type TestTimeNoise } from '../model/test-time-noise.js';

/** A mistake in the command line: reported with the usage text. */
export class UsageError extends Error {}

/** A numeric option, or undefined when absent. */
export function numberOption(value: string | undefined, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} expects ${integer ? 'an integer' : 'a number'}, got "${value}"`);
  return n;
}

/**
 * Test-time noise from --noise (scale) and --noise-type (schedule), each defaulting to the
 * model config's; undefined when neither is given (the model then uses its config).
 */
export function noiseOption(scale: string | undefined, schedule: string | undefined, configured: TestTimeNoise): TestTimeNoise | undefined {
  if (scale === undefined && schedule === undefined) return undefined;
  return checkTestTimeNoise(
    { scale: numberOption(scale, 'noise', false) ?? configured.scale, schedule: (schedule ?? configured.schedule) as NoiseSchedule },
    '--noise/--noise-type',
  );
}
