/**
 * Lets notebook cells `import ... from 'latent-thinking'` without installing the package next to
 * the notebook: the kernel belongs to a copy of the library, and that copy is what the name means
 * when nothing else provides it. Both resolvers need it:
 * - Node's, at run time (cells are compiled to CommonJS and call `require`);
 * - TypeScript's, when tslab type-checks a cell (Node10 resolution looking for
 *   `<dir>/node_modules/latent-thinking` from the kernel's working directory upward).
 * A real `latent-thinking` found by normal resolution (an install beside the notebook) wins.
 */
import Module, { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';

/** The part of TypeScript's `ts.sys` that module resolution reads (patched in place). */
export interface TypeScriptFileSystem {
  fileExists(path: string): boolean;
  readFile(path: string, encoding?: string): string | undefined;
  directoryExists(path: string): boolean;
  getDirectories(path: string): string[];
  readDirectory(path: string, extensions?: readonly string[], exclude?: readonly string[], include?: readonly string[], depth?: number): string[];
  realpath?(path: string): string;
}

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

/** True when Node can resolve `name` from `dir` on its own. */
export function resolvableFrom(dir: string, name: string): boolean {
  try {
    createRequire(join(dir, '__resolve__.js')).resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run time: requests for `name` or `name/...` that Node cannot resolve are resolved inside
 * `packageRoot` instead. Node offers no public hook for CommonJS resolution, so this wraps
 * `Module._resolveFilename` (what module-alias and similar tools do); only failed lookups of
 * this one name are redirected.
 */
export function aliasPackageAtRuntime(name: string, packageRoot: string): void {
  const moduleInternals = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = moduleInternals._resolveFilename;
  moduleInternals._resolveFilename = function resolveWithAlias(request, parent, isMain, options) {
    try {
      return original.call(this, request, parent, isMain, options);
    } catch (e) {
      const ours = request === name || request.startsWith(`${name}/`);
      if (!ours || (e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
      return original.call(this, packageRoot + request.slice(name.length), parent, isMain, options);
    }
  };
}

/**
 * Type checking: makes `<dir>/node_modules/<name>` a view of `packageRoot` in the file system
 * TypeScript reads through (tslab's converter delegates to `ts.sys`). `realpath` maps the view
 * back to the real files, so the program holds each declaration file once, at its real path.
 * Must run before tslab creates its converter (the compiler host binds `realpath` then).
 */
export function aliasPackageForTypeScript(sys: TypeScriptFileSystem, name: string, packageRoot: string, dir: string): void {
  const virtualRoot = join(dir, 'node_modules', name);
  const toReal = (path: string): string | undefined => {
    if (path === virtualRoot) return packageRoot;
    if (path.startsWith(virtualRoot + sep) || path.startsWith(`${virtualRoot}/`)) return join(packageRoot, relative(virtualRoot, path));
    return undefined;
  };
  const { fileExists, readFile, directoryExists, getDirectories, readDirectory } = sys;
  const realpath = sys.realpath;
  sys.fileExists = (path) => fileExists.call(sys, toReal(path) ?? path);
  sys.readFile = (path, encoding) => readFile.call(sys, toReal(path) ?? path, encoding);
  sys.directoryExists = (path) => directoryExists.call(sys, toReal(path) ?? path);
  sys.getDirectories = (path) => getDirectories.call(sys, toReal(path) ?? path);
  sys.readDirectory = (path, extensions, exclude, include, depth) => readDirectory.call(sys, toReal(path) ?? path, extensions, exclude, include, depth);
  sys.realpath = (path) => {
    const real = toReal(path) ?? path;
    return realpath ? realpath.call(sys, real) : real;
  };
}
