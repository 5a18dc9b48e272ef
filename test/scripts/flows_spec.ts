import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assembleFlows, FlowNode, readFlowFiles, splitFlows, writeSplitFlows } from '../../scripts/flows';

function repo(files: Record<string, FlowNode[]>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-flows-'));
  for (const [file, nodes] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), JSON.stringify(nodes, null, 4) + '\n');
  }
  return dir;
}

const ingest: FlowNode[] = [
  { id: 't1', type: 'tab', label: 'Collecte' },
  { id: 'n1', type: 'mqtt in', z: 't1', broker: 'b1', wires: [['n2']] },
  { id: 'n2', type: 'debug', z: 't1', wires: [] },
  { id: 'b1', type: 'mqtt-broker', broker: 'x' },
];
const dashboard: FlowNode[] = [
  { id: 't2', type: 'tab', label: 'Tableau' },
  { id: 'p1', type: 'ui-page', ui: 'u1' },
  { id: 'g1', type: 'ui-group', page: 'p1' },
  { id: 'w1', type: 'ui-text', z: 't2', group: 'g1', wires: [] },
];
const base: FlowNode[] = [{ id: 'u1', type: 'ui-base', path: '/dashboard' }];

describe('scripts/flows: assembling and splitting the application flows', function () {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('assembles every file and refuses an id used twice, naming both files', function () {
    dir = repo({ 'flows/ingest.json': ingest, 'dashboards/page.json': dashboard, 'dashboards/base.json': base });
    assert.equal(assembleFlows(dir).length, ingest.length + dashboard.length + base.length);
    fs.writeFileSync(path.join(dir, 'flows/copy.json'), JSON.stringify([{ id: 'n2', type: 'debug', z: 't1' }]));
    assert.throws(() => assembleFlows(dir), /"n2" is used in both flows\/copy\.json and flows\/ingest\.json|"n2" is used in both flows\/ingest\.json and flows\/copy\.json/);
  });

  it('names the file of a malformed flow', function () {
    dir = repo({});
    fs.mkdirSync(path.join(dir, 'flows'));
    fs.writeFileSync(path.join(dir, 'flows/bad.json'), '{"id": 1}');
    assert.throws(() => readFlowFiles(dir), /flows\/bad\.json: a flow file must be a JSON array/);
  });

  it('round-trips: splitting the assembled flows gives back the same files', function () {
    dir = repo({ 'flows/ingest.json': ingest, 'dashboards/page.json': dashboard, 'dashboards/base.json': base });
    const existing = readFlowFiles(dir);
    const result = writeSplitFlows(dir, splitFlows(assembleFlows(dir), existing), existing);
    assert.deepEqual(result, { written: [], removed: [] });
  });

  it('puts a new tab in its own file, new nodes with their tab, and removes the file of a deleted tab', function () {
    dir = repo({ 'flows/ingest.json': ingest, 'dashboards/page.json': dashboard, 'dashboards/base.json': base });
    const existing = readFlowFiles(dir);
    const running: FlowNode[] = [
      ...ingest,
      { id: 'n3', type: 'inject', z: 't1', wires: [['n2']] },
      { id: 't3', type: 'tab', label: 'Éclairage public' },
      { id: 'n4', type: 'inject', z: 't3', wires: [] },
      { id: 'b2', type: 'mqtt-broker', broker: 'y' },
      { id: 'n5', type: 'mqtt out', z: 't3', broker: 'b2', wires: [] },
      ...base,
    ];
    const split = splitFlows(running, existing);
    assert.deepEqual(split.get('flows/eclairage-public.json')?.map((n) => n.id), ['t3', 'n4', 'b2', 'n5']);
    assert.deepEqual(split.get('flows/ingest.json')?.map((n) => n.id), ['t1', 'n1', 'n2', 'b1', 'n3']);
    const result = writeSplitFlows(dir, split, existing);
    assert.deepEqual(result.removed, ['dashboards/page.json']);
    assert.ok(!fs.existsSync(path.join(dir, 'dashboards/page.json')));
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'flows/eclairage-public.json'), 'utf8')).length, 4);
  });

  it('sends a new tab holding only dashboard widgets to dashboards/, with its page and group', function () {
    dir = repo({ 'dashboards/base.json': base });
    const running: FlowNode[] = [
      ...base,
      { id: 't9', type: 'tab', label: 'Tableau : Eau' },
      { id: 'p9', type: 'ui-page', ui: 'u1' },
      { id: 'g9', type: 'ui-group', page: 'p9' },
      { id: 'w9', type: 'ui-chart', z: 't9', group: 'g9', wires: [] },
    ];
    const split = splitFlows(running, readFlowFiles(dir));
    assert.deepEqual(split.get('dashboards/tableau-eau.json')?.map((n) => n.id), ['t9', 'p9', 'g9', 'w9']);
  });
});
