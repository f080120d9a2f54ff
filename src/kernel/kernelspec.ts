/**
 * The kernelspec that registers the Latent Thinking kernel with Jupyter: a folder
 * `<data dir>/kernels/latent-thinking/` holding kernel.json (and a logo), in the data dirs
 * Jupyter searches (jupyter_core's `jupyter_data_dir()` for --user, `P/share/jupyter` for
 * --prefix P, which Jupyter searches when P is its sys.prefix or JUPYTER_PATH names it).
 */
import { existsSync, promises as fsp, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';

export const KERNEL_NAME = 'latent-thinking';
export const KERNEL_DISPLAY_NAME = 'Latent Thinking (TypeScript)';

/** The root of this package (from dist/src/kernel: three levels up). */
const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');
/** The launcher the kernelspec runs (plain JS, so its path does not depend on the build). */
export const LAUNCHER = join(PACKAGE_ROOT, 'kernel', 'launch.js');
/** The compiled kernel the launcher loads. */
const COMPILED_KERNEL = join(PACKAGE_ROOT, 'dist', 'src', 'kernel', 'main.js');
const LOGO = join(PACKAGE_ROOT, 'kernel', 'logo-svg.svg');

/** Where to register: the user's Jupyter data dir, or `<prefix>/share/jupyter`. */
export type KernelSpecLocation = { readonly user: true } | { readonly prefix: string };

/** kernel.json as Jupyter reads it. */
export interface KernelSpec {
  readonly argv: readonly string[];
  readonly display_name: string;
  readonly language: string;
  readonly interrupt_mode: 'signal';
  readonly metadata: Record<string, unknown>;
}

export class KernelSpecError extends Error {}

/**
 * jupyter_core's `jupyter_data_dir()`: $JUPYTER_DATA_DIR, else ~/Library/Jupyter (macOS),
 * %APPDATA%\jupyter (Windows), $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter (elsewhere).
 */
export function jupyterUserDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (env['JUPYTER_DATA_DIR']) return env['JUPYTER_DATA_DIR'];
  if (platform === 'darwin') return join(home, 'Library', 'Jupyter');
  if (platform === 'win32') return env['APPDATA'] ? join(env['APPDATA'], 'jupyter') : join(home, '.jupyter', 'data');
  return join(env['XDG_DATA_HOME'] || join(home, '.local', 'share'), 'jupyter');
}

/** The folder of this kernel's spec at `location`. */
export function kernelSpecDir(location: KernelSpecLocation, env: NodeJS.ProcessEnv = process.env): string {
  if ('user' in location) return join(jupyterUserDataDir(env), 'kernels', KERNEL_NAME);
  if (location.prefix.trim() === '') throw new KernelSpecError('--prefix needs a folder, got an empty string');
  const prefix = resolve(location.prefix);
  if (existsSync(prefix) && !statSync(prefix).isDirectory()) throw new KernelSpecError(`--prefix ${prefix} exists and is not a folder`);
  return join(prefix, 'share', 'jupyter', 'kernels', KERNEL_NAME);
}

/**
 * The spec: absolute paths of this Node and of the launcher, so that Jupyter can start the kernel
 * whatever its PATH (a desktop launcher's PATH often lacks nvm's node).
 */
export function kernelSpec(node: string = process.execPath, launcher: string = LAUNCHER): KernelSpec {
  if (!isAbsolute(node) || !isAbsolute(launcher)) throw new KernelSpecError(`the kernelspec needs absolute paths (node: ${node}, launcher: ${launcher})`);
  return {
    argv: [node, launcher, '{connection_file}'],
    display_name: KERNEL_DISPLAY_NAME,
    language: 'typescript',
    interrupt_mode: 'signal',
    metadata: { 'latent-thinking': { package_root: PACKAGE_ROOT } },
  };
}

export interface InstallResult {
  readonly dir: string;
  readonly spec: KernelSpec;
  /** True when an existing spec was overwritten. */
  readonly replaced: boolean;
}

/** Writes the kernelspec (replacing a previous one of this kernel). */
export async function installKernelSpec(location: KernelSpecLocation, env: NodeJS.ProcessEnv = process.env): Promise<InstallResult> {
  if (!existsSync(COMPILED_KERNEL)) {
    throw new KernelSpecError(`the kernel is not compiled (${COMPILED_KERNEL} is missing); run \`npm run build\` in ${PACKAGE_ROOT} first`);
  }
  try {
    require.resolve('tslab/dist/jupyter');
  } catch {
    throw new KernelSpecError(`tslab is not installed; run \`npm install\` in ${PACKAGE_ROOT} first`);
  }
  const dir = kernelSpecDir(location, env);
  const replaced = existsSync(join(dir, 'kernel.json'));
  const spec = kernelSpec();
  try {
    await fsp.mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
    if (existsSync(LOGO)) await fsp.copyFile(LOGO, join(dir, 'logo-svg.svg'));
  } catch (e) {
    throw new KernelSpecError(`cannot write the kernelspec to ${dir}: ${(e as Error).message}`);
  }
  return { dir, spec, replaced };
}

/** Removes the kernelspec folder; fails when there is none at `location`. */
export async function uninstallKernelSpec(location: KernelSpecLocation, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = kernelSpecDir(location, env);
  if (!existsSync(join(dir, 'kernel.json'))) throw new KernelSpecError(`no ${KERNEL_NAME} kernelspec at ${dir} (nothing to uninstall)`);
  try {
    await fsp.rm(dir, { recursive: true });
  } catch (e) {
    throw new KernelSpecError(`cannot remove ${dir}: ${(e as Error).message}`);
  }
  return dir;
}
