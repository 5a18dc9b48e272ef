#!/usr/bin/env node
// Launcher of the lorawan-decode CLI (source: scripts/lorawan-decode-cli.ts, built by `npm run build`).
'use strict';
require('../dist/scripts/lorawan-decode-cli.js').main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  () => process.exit(2),
);
