#!/usr/bin/env node
// Compiled with the code cache made by the build: see src/cli/launch.ts.
require('../dist/launch.cjs').launch(require('node:path').join(__dirname, '..', 'dist', 'gen-nginx.cjs'));
