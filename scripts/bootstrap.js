#!/usr/bin/env node
// Runs before `npm start`, `npm test` and `npm run bench`: installs the dependencies on a fresh clone
// (npm ci from the lock file) and builds. Plain JavaScript: nothing is installed or compiled yet.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status || 1);
}

const installedLock = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
const stale = !fs.existsSync(installedLock) ||
  (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(installedLock).mtimeMs + 1000);
if (stale) {
  process.stdout.write('Installing dependencies (npm ci)...\n');
  run(npm, ['ci', '--no-audit', '--no-fund']);
}
run(process.execPath, [path.join(__dirname, 'build.js')]);
