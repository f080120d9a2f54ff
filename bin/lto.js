#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is written in TypeScript and compiled to dist/ by `npm install` (prepare).
require('../dist/src/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`lto: ${err && err.message ? err.message : err}`); process.exitCode = 1; },
);
