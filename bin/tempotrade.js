#!/usr/bin/env node
// Entry shim: runs the TypeScript CLI through tsx so that `npm ci` is the only set-up step.
// Set TEMPOTRADE_DIST=1 to run the compiled `dist/` build instead (the Docker image does).
'use strict';
const path = require('node:path');
if (process.env.TEMPOTRADE_DIST === '1') {
  require(path.join(__dirname, '..', 'dist', 'cli', 'main.js'));
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'cli', 'main.ts'));
}
