/**
 * Structural checks of every flow file the project ships (flows/, dashboards/, examples/): ids unique
 * across all of them, every wire, `z` and config reference resolves, every type is core, ours or
 * Dashboard 2.0's, and the application files assemble into one flow.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assembleFlows, FlowNode, readFlowFiles } from '../scripts/flows';

const root = path.resolve(__dirname, '..');

function coreTypes(): Set<string> {
  const dir = path.join(path.dirname(require.resolve('@node-red/nodes/package.json')), 'core');
  const types = new Set<string>(['tab', 'subflow', 'group', 'junction']);
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.html')) {
        for (const m of fs.readFileSync(path.join(d, e.name), 'utf8').matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)) types.add(m[1]);
      }
    }
  };
  walk(dir);
  return types;
}

const ourTypes = new Set(Object.keys(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))['node-red'].nodes));
const dashboardTypes = new Set(Object.keys(JSON.parse(fs.readFileSync(require.resolve('@flowfuse/node-red-dashboard/package.json'), 'utf8'))['node-red'].nodes));
const knownTypes = new Set([...coreTypes(), ...ourTypes, ...dashboardTypes]);

/** Properties of core and Dashboard nodes that hold the id of another node (config nodes, parents, links, scopes). */
const CORE_REFERENCES: Record<string, string[]> = {
  'mqtt in': ['broker'], 'mqtt out': ['broker'], 'mqtt-broker': ['tls'], 'http request': ['tls'],
  'link in': ['links'], 'link out': ['links'], 'link call': ['links'], catch: ['scope'], status: ['scope'], complete: ['scope'],
  'ui-page': ['ui', 'theme'], 'ui-group': ['page'], 'ui-link': ['ui'],
};

/** Our nodes' references: the editor defaults declared with a config type (`x: { value: '', type: 'timeseries-db' }`). */
function ourReferences(type: string): string[] {
  const html = fs.readFileSync(path.join(root, 'dist', 'nodes', type, `${type}.html`), 'utf8');
  return [...html.matchAll(/(\w+):\s*\{\s*value:\s*["']{2},\s*type:\s*["']([\w-]+)["']/g)].map((m) => m[1]);
}

function referenceProperties(type: string): string[] {
  if (ourTypes.has(type)) return ourReferences(type);
  if (dashboardTypes.has(type) && !CORE_REFERENCES[type]) return ['group'];
  return CORE_REFERENCES[type] ?? [];
}

function checkReferences(label: string, nodes: FlowNode[]): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const node of nodes) {
    const where = `${label}: ${node.type} "${node.name || node.id}"`;
    assert.ok(knownTypes.has(node.type), `${where}: unknown type (not core, ours or Dashboard 2.0)`);
    if (node.z !== undefined && node.z !== '') {
      const parent = byId.get(node.z);
      assert.ok(parent && (parent.type === 'tab' || parent.type === 'subflow'), `${where}: z "${node.z}" is not a tab of the same set`);
    }
    for (const output of (node.wires as string[][] | undefined) ?? []) {
      for (const target of output) assert.ok(byId.has(target), `${where}: wired to missing node "${target}"`);
    }
    for (const prop of referenceProperties(node.type)) {
      const value = node[prop];
      const ids = Array.isArray(value) ? value : typeof value === 'string' && value !== '' ? [value] : [];
      for (const id of ids) assert.ok(byId.has(id), `${where}: ${prop} refers to missing node "${id}"`);
    }
  }
}

describe('flow files', function () {
  const application = readFlowFiles(root, ['flows', 'dashboards']);
  const examples = readFlowFiles(root, ['examples']);

  it('the application has an Ingest tab, a Simulator tab and a dashboard page', function () {
    const types = application.flatMap((f) => f.nodes.map((n) => n.type));
    assert.ok(types.includes('lorawan-event') && types.includes('lorawan-simulator'));
    assert.ok(types.includes('ui-page') && types.includes('ui-base'));
    assert.ok(application.some((f) => f.file === 'flows/10-ingest.json'));
    assert.ok(application.some((f) => f.file === 'flows/90-simulator.json'));
  });

  it('ids are unique across flows/, dashboards/ and examples/', function () {
    const seen = new Map<string, string>();
    for (const { file, nodes } of [...application, ...examples]) {
      for (const node of nodes) {
        assert.ok(!seen.has(node.id), `id "${node.id}" is in ${seen.get(node.id)} and ${file}`);
        seen.set(node.id, file);
      }
    }
  });

  it('the application assembles and every reference resolves', function () {
    checkReferences('application', assembleFlows(root));
  });

  for (const example of examples) {
    it(`example ${example.file} stands alone and every reference resolves`, function () {
      checkReferences(example.file, example.nodes);
      assert.ok(example.nodes.some((n) => n.type === 'comment'), 'an example opens with a comment node explaining it');
    });
  }

  it('each application tab opens with a French comment and every node has a name', function () {
    for (const { file, nodes } of application) {
      for (const tab of nodes.filter((n) => n.type === 'tab')) {
        const members = nodes.filter((n) => n.z === tab.id);
        assert.ok(members.some((n) => n.type === 'comment'), `${file}: tab "${tab.label}" has no comment node`);
        for (const node of members) assert.ok(typeof node.name === 'string' && node.name.trim() !== '', `${file}: a ${node.type} node has no name`);
      }
    }
  });

  it('no secret is written in a flow file', function () {
    for (const { file, nodes } of [...application, ...examples]) {
      for (const node of nodes) {
        assert.equal(node.credentials, undefined, `${file}: node ${node.id} carries credentials`);
        for (const key of ['password', 'apiKey', 'token', 'secret']) {
          assert.ok(!node[key], `${file}: node ${node.id} has a "${key}" property`);
        }
      }
    }
  });
});
