/**
 * `lto kernel install|uninstall [--user | --prefix P]`: registers the Jupyter kernel
 * "Latent Thinking (TypeScript)" (or removes it). Prints one JSON object on stdout, a human
 * explanation on stderr. Handled before the rest of the CLI: it needs no tensor backend.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { installKernelSpec, uninstallKernelSpec, KernelSpecError, KERNEL_NAME, type KernelSpecLocation } from '../kernel/kernelspec.js';

export const KERNEL_USAGE = `  lto kernel install [--user | --prefix P]
                                      register the Jupyter kernel "Latent Thinking (TypeScript)":
                                      --user (default) in your Jupyter data dir, --prefix P in
                                      P/share/jupyter/kernels/${KERNEL_NAME}/ (found by Jupyter when P is
                                      its prefix or JUPYTER_PATH includes P/share/jupyter)
  lto kernel uninstall [--user | --prefix P]   remove that kernelspec`;

class KernelUsageError extends Error {}

function location(values: { user?: boolean; prefix?: string }): KernelSpecLocation {
  if (values.user && values.prefix !== undefined) throw new KernelUsageError('--user and --prefix are exclusive: choose one place to register the kernel');
  return values.prefix !== undefined ? { prefix: values.prefix } : { user: true };
}

async function run(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { user: { type: 'boolean' }, prefix: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`Usage:\n${KERNEL_USAGE}\n`);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (action === undefined) throw new KernelUsageError('lto kernel needs an action: install or uninstall');
  if (extra.length > 0) throw new KernelUsageError(`lto kernel ${action} takes no further arguments, got ${extra.map((e) => `"${e}"`).join(' ')}`);
  const where = location(values);
  switch (action) {
    case 'install': {
      const result = await installKernelSpec(where);
      process.stdout.write(`${JSON.stringify({ action: 'install', kernel: KERNEL_NAME, dir: result.dir, replaced: result.replaced, kernel_json: result.spec }, null, 2)}\n`);
      const hint = 'prefix' in where ? ` Jupyter finds it when JUPYTER_PATH includes ${join(result.dir, '..', '..')} (or when that prefix is Jupyter's own).` : '';
      process.stderr.write(`${result.replaced ? 'Replaced' : 'Installed'} the kernel "${result.spec.display_name}" in ${result.dir}.${hint}\n`);
      return 0;
    }
    case 'uninstall': {
      const dir = await uninstallKernelSpec(where);
      process.stdout.write(`${JSON.stringify({ action: 'uninstall', kernel: KERNEL_NAME, dir }, null, 2)}\n`);
      process.stderr.write(`Removed the kernelspec ${dir}.\n`);
      return 0;
    }
    default:
      throw new KernelUsageError(`unknown kernel action "${action}" (expected install or uninstall)`);
  }
}

/** Runs `lto kernel ...` (argv after "kernel"); resolves to the exit code (0, 1 failure, 2 usage). */
export async function runKernelCommand(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof KernelUsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`lto kernel: ${(e as Error).message}\n\nUsage:\n${KERNEL_USAGE}\n`);
      return 2;
    }
    if (e instanceof KernelSpecError) {
      process.stderr.write(`lto kernel: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
