#!/usr/bin/env node
'use strict';
// postinstall: make node_modules/.bin/tsc (and tsserver) the project's TypeScript again.
//
// tslab (the notebook kernel's base) depends on @tslab/typescript-for-tslab, a TypeScript 5.0
// fork that declares the same `tsc`/`tsserver` bins. npm links bins first come, first served,
// and that package sorts before `typescript`, so after every install `npx tsc`, `npm run build`
// and `npm test` would compile the project with TypeScript 5.0 (and fail on newer syntax).
// The fork is still used by the kernel through require(); only the command-line links change.
const { existsSync, lstatSync, readlinkSync, symlinkSync, unlinkSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const binDir = join(root, 'node_modules', '.bin');
const typescriptBin = join(root, 'node_modules', 'typescript', 'bin');

function isSymlink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

let relinked = 0;
for (const name of ['tsc', 'tsserver']) {
  const target = join(typescriptBin, name);
  const link = join(binDir, name);
  // Only replace symlinks (POSIX installs); Windows .cmd shims and missing TypeScript are left alone.
  if (!existsSync(target) || !isSymlink(link)) continue;
  const wanted = relative(binDir, target);
  if (readlinkSync(link) === wanted) continue;
  unlinkSync(link);
  symlinkSync(wanted, link);
  relinked++;
}
if (relinked > 0) console.log(`link-typescript: node_modules/.bin/tsc and tsserver now run ${require(join(root, 'node_modules', 'typescript', 'package.json')).version}`);
