#!/usr/bin/env node
// Entry shim: runs the TypeScript CLI through tsx so that `npm ci` is the only set-up step.
// Set TEMPOTRADE_DIST=1 to run the compiled `dist/` build instead (the Docker image does).
// It calls run() itself: through npx, `npm link` or a global install this file is reached by a symlink
// (argv[1] is e.g. node_modules/.bin/tempotrade), so the CLI module cannot tell that it is the entry point.
'use strict';
const path = require('node:path');
let cli;
if (process.env.TEMPOTRADE_DIST === '1') {
  cli = require(path.join(__dirname, '..', 'dist', 'cli', 'main.js'));
} else {
  require('tsx/cjs');
  cli = require(path.join(__dirname, '..', 'cli', 'main.ts'));
}
cli.run(process.argv);
