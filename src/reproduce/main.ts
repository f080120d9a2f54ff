/**
 * `npm run reproduce [-- --quick] [--only 03,04] [--out DIR] [--notebooks DIR] [--timeout S]`:
 * see run.ts. Exit code 0 when every notebook ran without error, 1 otherwise, 2 on bad usage.
 */
import { pathToFileURL } from 'node:url';
import { reproduce, summaryTable, type ReproduceOptions } from './run.js';

export const USAGE = `usage: npm run reproduce [-- [--quick] [--only NAME,NAME] [--out DIR] [--notebooks DIR] [--timeout SECONDS]]
  Executes the notebooks headless on the kernel's executor and writes out/report/index.html,
  out/report/summary.json and out/report/notebooks/*.ipynb. --quick (or LTO_QUICK=1) uses the
  small CI sizes; the default is the full reproduction.`;

export function parseArgs(argv: readonly string[]): ReproduceOptions | string {
  const o: { quick?: boolean; only?: string[]; outDir?: string; notebooksDir?: string; timeoutSeconds?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value`);
      return v;
    };
    try {
      if (arg === '--quick') o.quick = true;
      else if (arg === '--full') o.quick = false;
      else if (arg === '--only') o.only = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
      else if (arg === '--out') o.outDir = value();
      else if (arg === '--notebooks') o.notebooksDir = value();
      else if (arg === '--timeout') {
        const s = Number(value());
        if (!(s > 0)) return `--timeout must be a positive number of seconds\n${USAGE}`;
        o.timeoutSeconds = s;
      } else if (arg === '--help' || arg === '-h') return USAGE;
      else return `unknown argument ${JSON.stringify(arg)}\n${USAGE}`;
    } catch (e) {
      return `${(e as Error).message}\n${USAGE}`;
    }
  }
  return o;
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n`);
    return parsed === USAGE ? 0 : 2;
  }
  const result = await reproduce(parsed);
  process.stdout.write(`\n${summaryTable(result.reports)}\n\n`);
  for (const r of result.reports) if (r.status === 'error') process.stdout.write(`FAILED ${r.name}: see the report\n`);
  process.stdout.write(`${result.ok ? 'All notebooks ran' : 'Some notebooks failed'} in ${result.seconds.toFixed(0)} s.\n`);
  process.stdout.write(`Report:  ${result.htmlPath}\n         ${pathToFileURL(result.htmlPath).href}\n`);
  process.stdout.write(`Summary: ${result.summaryPath}\n`);
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`reproduce: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
