#!/usr/bin/env node
// Builds the package: TypeScript runtime code with tsc (incremental), then one editor file per node
// (dist/nodes/<type>/<type>.html) bundled with esbuild, with locales and icons copied beside it.
// Plain JavaScript on purpose: it must run before anything is compiled. Files are only rewritten
// when their content changes, so a second build is a no-op and fast.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const nodesSrc = path.join(root, 'nodes');
const nodesOut = path.join(root, 'dist', 'nodes');

function writeIfChanged(file, content) {
  if (fs.existsSync(file) && fs.readFileSync(file).equals(Buffer.from(content))) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return true;
}

function copyTree(from, to) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else writeIfChanged(target, fs.readFileSync(source));
  }
}

function compileRuntime() {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tsc failed (see the errors above)');
}

function nodeTypes() {
  return fs.readdirSync(nodesSrc, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'lib')
    .map((entry) => entry.name)
    .filter((type) => fs.existsSync(path.join(nodesSrc, type, `${type}.ts`)));
}

function buildEditor(type) {
  const esbuild = require('esbuild');
  const folder = path.join(nodesSrc, type);
  const entry = path.join(folder, 'editor', 'index.ts');
  const template = path.join(folder, 'editor', 'template.html');
  if (!fs.existsSync(entry) || !fs.existsSync(template)) {
    throw new Error(`node ${type}: editor/index.ts and editor/template.html are both required`);
  }
  const bundle = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2019',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'warning',
  }).outputFiles[0].text;
  // node-red-dev and the editor only read <script type="text/javascript"> blocks with a literal registerType.
  const html = `<script type="text/javascript">\n${bundle}</script>\n\n` +
    `<script type="text/html" data-template-name="${type}">\n${fs.readFileSync(template, 'utf8').trim()}\n</script>\n`;
  const out = path.join(nodesOut, type);
  writeIfChanged(path.join(out, `${type}.html`), html);
  copyTree(path.join(folder, 'locales'), path.join(out, 'locales'));
  copyTree(path.join(folder, 'icons'), path.join(out, 'icons'));
}

function main() {
  const started = Date.now();
  compileRuntime();
  const types = nodeTypes();
  for (const type of types) buildEditor(type);
  process.stdout.write(`build: ${types.length} nodes in ${Date.now() - started} ms\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`build failed: ${err.message}\n`);
  process.exit(1);
}
