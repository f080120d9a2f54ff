#!/usr/bin/env node
'use strict';
// The Latent Thinking kernel's launcher, named by the kernelspec (`lto kernel install`):
//   node /abs/path/kernel/launch.js {connection_file}
// The kernel is TypeScript compiled to dist/ (by `npm install`, via prepare); this file only
// starts it, so the kernelspec keeps a stable path whatever the build layout.
let kernel;
try {
  kernel = require('../dist/src/kernel/main.js');
} catch (err) {
  console.error(`latent-thinking kernel: cannot load the compiled kernel (${err && err.message ? err.message : err}); run \`npm run build\` in ${require('node:path').resolve(__dirname, '..')}`);
  process.exit(1);
}
kernel.main(process.argv.slice(2)).then(
  (code) => { if (code !== undefined) process.exit(code); },
  (err) => { console.error('latent-thinking kernel: failed to start:', err); process.exit(1); },
);
