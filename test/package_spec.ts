/**
 * The offline subset of `node-red-dev validate` (P01, P03–P07, N02, D01: the scorecard itself needs
 * the internet), plus the project's own packaging rules: every node has its editor file with a literal
 * registerType, both locales with the same keys, help in both languages, and the README documents
 * every environment variable.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { environmentVariables } from '../scripts/environment';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const nodeEntries: Record<string, string> = pkg['node-red'].nodes;
const nodeTypes = Object.keys(nodeEntries);
const pluginEntries: Record<string, string> = pkg['node-red'].plugins ?? {};
/** nodes/ folders that hold a Node-RED plugin (dist/nodes/<folder>/plugin.js): no editor, no node entry. */
const pluginFolders = new Set(Object.values(pluginEntries).map((file) => file.split('/')[2]));

function keyPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

function examplesFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? examplesFiles(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : []);
}

/** Parses the node's built editor file the way node-red-dev does: literal registerType in a text/javascript script. */
function editorDefinition(type: string): { category: string; color: string } {
  const html = fs.readFileSync(path.join(root, path.dirname(nodeEntries[type]), `${type}.html`), 'utf8');
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.ok(scripts.length > 0, `${type}.html has no <script type="text/javascript">`);
  const call = new RegExp(`RED\\.nodes\\.registerType\\(\\s*["']${type}["']\\s*,\\s*\\{([\\s\\S]*)`).exec(scripts.join('\n'));
  assert.ok(call, `${type}.html: no registerType("${type}", {…}) with a literal type and object`);
  const category = /\bcategory:\s*["']([^"']+)["']/.exec(call[1]);
  const color = /\bcolor:\s*["']([^"']+)["']/.exec(call[1]);
  assert.ok(category, `${type}.html: category is not a string literal`);
  // A config node has no palette entry, hence no colour; every other node needs a literal one.
  assert.ok(color || category[1] === 'config', `${type}.html: color is not a string literal`);
  assert.match(html, new RegExp(`<script type="text/html" data-template-name="${type}">`), `${type}.html: no edit template`);
  return { category: category[1], color: color?.[1] ?? '' };
}

describe('package (node-red-dev offline checks and packaging rules)', function () {
  it('P01 has an open licence with its text', function () {
    assert.equal(pkg.license, 'EUPL-1.2');
    assert.match(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8'), /EUROPEAN UNION PUBLIC LICENCE v\. 1\.2/);
  });

  it('P03 names its repository and bug tracker', function () {
    assert.match(pkg.repository.url, /^https:\/\//);
    assert.match(pkg.bugs.url, /^https:\/\//);
  });

  it('P04 has a scoped name', function () {
    assert.match(pkg.name, /^@[a-z0-9-]+\/node-red-[a-z0-9-]+$/);
  });

  it('P05 has the node-red keyword', function () {
    assert.ok(pkg.keywords.includes('node-red'));
  });

  it('P06 declares a Node-RED version that the installed Node-RED and Node-RED 5 satisfy', function () {
    const installed = JSON.parse(fs.readFileSync(require.resolve('node-red/package.json'), 'utf8')).version;
    assert.equal(pkg['node-red'].version, '>=4.1.0');
    assert.ok(semver.satisfies(installed, pkg['node-red'].version), `installed node-red ${installed}`);
    assert.ok(semver.satisfies('5.0.7', pkg['node-red'].version));
  });

  it("P07 engines.node admits Node 20 and Node-RED 5's minimum (22.9.0)", function () {
    assert.equal(pkg.engines.node, '>=20');
    assert.ok(semver.satisfies('20.0.0', pkg.engines.node));
    assert.ok(semver.satisfies('22.9.0', pkg.engines.node));
    assert.ok(semver.satisfies(process.versions.node, pkg.engines.node));
  });

  it('D01 has at most 6 runtime dependencies and is CommonJS', function () {
    assert.ok(Object.keys(pkg.dependencies ?? {}).length <= 6);
    assert.notEqual(pkg.type, 'module');
  });

  it('publishes only what the palette needs', function () {
    assert.deepEqual([...pkg.files].sort(), ['bin/', 'data/', 'dist/nodes/', 'dist/scripts/lorawan-decode-cli.js', 'examples/']);
  });

  it('N02 uses every non-config node in examples/ (each file a JSON array)', function () {
    const used = new Set<string>();
    for (const file of examplesFiles(path.join(root, 'examples'))) {
      const flow = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.ok(Array.isArray(flow), `${path.relative(root, file)} is not a JSON array`);
      for (const node of flow) used.add(node.type);
    }
    for (const type of nodeTypes) {
      if (editorDefinition(type).category === 'config') continue;
      assert.ok(used.has(type), `node ${type} is used by no file of examples/`);
    }
  });

  describe('every node', function () {
    it('has one node-red entry per node folder', function () {
      const folders = fs.readdirSync(path.join(root, 'nodes'), { withFileTypes: true })
        .filter((e) => e.isDirectory() && e.name !== 'lib' && !pluginFolders.has(e.name)).map((e) => e.name).sort();
      assert.deepEqual([...nodeTypes].sort(), folders);
    });

    it('builds every plugin it declares', function () {
      for (const [name, file] of Object.entries(pluginEntries)) {
        assert.match(file, /^dist\/nodes\/[a-z0-9-]+\/plugin\.js$/, name);
        assert.ok(fs.existsSync(path.join(root, file)), `${name}: run npm run build`);
      }
    });

    for (const type of nodeTypes) {
      describe(type, function () {
        const folder = path.join(root, 'nodes', type);

        it('is built to the file its entry names, with the editor file beside it', function () {
          assert.equal(nodeEntries[type], `dist/nodes/${type}/${type}.js`);
          assert.ok(fs.existsSync(path.join(root, nodeEntries[type])), 'run npm run build');
          assert.ok(fs.existsSync(path.join(folder, 'editor', 'index.ts')));
          assert.ok(fs.existsSync(path.join(folder, 'editor', 'template.html')));
        });

        it('registers a literal type in the smart territory category (or config)', function () {
          const { category } = editorDefinition(type);
          assert.ok(category === 'smart territory' || category === 'config', `category "${category}"`);
        });

        it('has en-US and fr catalogs with the same keys, and help in both languages', function () {
          const catalogs = ['en-US', 'fr'].map((lang) => {
            const dir = path.join(root, 'dist', 'nodes', type, 'locales', lang);
            const help = fs.readFileSync(path.join(dir, `${type}.html`), 'utf8');
            assert.match(help, new RegExp(`<script type="text/html" data-help-name="${type}">\\s*<p>`), `${lang} help must open with a <p> summary`);
            assert.match(help, /<h3>(Inputs|Entrées|Outputs|Sorties|Details|Détails)<\/h3>/);
            const catalog = JSON.parse(fs.readFileSync(path.join(dir, `${type}.json`), 'utf8'));
            assert.ok(catalog[type], `${lang} catalog has no "${type}" key`);
            return keyPaths(catalog).sort();
          });
          assert.deepEqual(catalogs[1], catalogs[0], 'fr and en-US catalogs differ in their keys');
        });

        it('has its icon (palette nodes)', function () {
          const html = fs.readFileSync(path.join(root, 'dist', 'nodes', type, `${type}.html`), 'utf8');
          const icon = /\bicon:\s*["']([^"']+)["']/.exec(html);
          if (!icon && editorDefinition(type).category === 'config') return; // config nodes have no palette entry
          assert.ok(icon, 'no literal icon');
          if (!icon[1].startsWith('font-awesome/') && !icon[1].startsWith('node-red/')) {
            assert.ok(fs.existsSync(path.join(root, 'dist', 'nodes', type, 'icons', icon[1])), `icons/${icon[1]} missing`);
          }
        });
      });
    }
  });

  it('the README documents every environment variable with its default', function () {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const variable of environmentVariables) {
      assert.ok(readme.includes(`\`${variable.name}\``), `README does not document ${variable.name}`);
    }
  });
});
