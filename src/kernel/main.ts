/**
 * Starts the Latent Thinking kernel: `node kernel/launch.js CONNECTION_FILE` (the argv of the
 * kernelspec that `lto kernel install` writes). Jupyter starts it in the notebook's folder.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { LatentKernel } from './kernel.js';
import { LatentZmqServer } from './server.js';
import { aliasPackageAtRuntime, aliasPackageForTypeScript, resolvableFrom, type TypeScriptFileSystem } from './package-alias.js';

export const PACKAGE_NAME = 'latent-thinking';
/** The root of this package (from dist/src/kernel: three levels up). */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');

function packageVersion(): string {
  return (JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** TypeScript's file system object as tslab's converter sees it (the TypeScript copy tslab loads). */
function tslabTypeScriptSys(): TypeScriptFileSystem {
  const fromTslab = createRequire(require.resolve('tslab/package.json'));
  return (fromTslab('@tslab/typescript-for-tslab') as { sys: TypeScriptFileSystem }).sys;
}

/**
 * Cells in `workDir` may import this library by name; unless a copy is installed where Node would
 * find it, the name means the copy this kernel belongs to (see package-alias.ts). Call before
 * the kernel's converter is created. Returns whether the alias was installed.
 */
export function resolveLibraryFrom(workDir: string): boolean {
  if (resolvableFrom(workDir, PACKAGE_NAME)) return false;
  aliasPackageAtRuntime(PACKAGE_NAME, PACKAGE_ROOT);
  aliasPackageForTypeScript(tslabTypeScriptSys(), PACKAGE_NAME, PACKAGE_ROOT, workDir);
  return true;
}

/** Starts serving on the sockets named in `connectionFile`; resolves once they are bound. */
export async function startKernel(connectionFile: string): Promise<LatentZmqServer> {
  const workDir = process.cwd();
  resolveLibraryFrom(workDir);
  const kernel = new LatentKernel();
  const server = new LatentZmqServer(kernel, packageVersion(), connectionFile);
  process.on('SIGINT', () => kernel.interrupt());
  // Errors of code that outlives its cell (timers, promises nobody awaits) must not kill the
  // kernel; they are printed to the last cell's stderr.
  process.on('uncaughtException', (error) => console.error('Uncaught exception:', error));
  process.on('unhandledRejection', (reason) => console.error('Unhandled promise rejection:', reason));
  await server.init();
  return server;
}

/** Entry point of kernel/launch.js; resolves to an exit code when the kernel cannot start. */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  if (argv.length !== 1 || argv[0]!.startsWith('-')) {
    process.stderr.write('usage: node kernel/launch.js CONNECTION_FILE\n(Jupyter starts this kernel; register it with `lto kernel install`.)\n');
    return 2;
  }
  const connectionFile = resolve(argv[0]!);
  try {
    JSON.parse(readFileSync(connectionFile, 'utf8'));
  } catch (e) {
    process.stderr.write(`latent-thinking kernel: cannot read the connection file ${connectionFile}: ${(e as Error).message}\n`);
    return 1;
  }
  await startKernel(connectionFile);
  return undefined;
}
