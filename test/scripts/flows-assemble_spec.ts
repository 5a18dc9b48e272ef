/**
 * scripts/flows-assemble.ts: the flow file of each instance role. `all` is what `npm start` writes; `ingest`
 * is the ingest tab alone, with no dangling wire or reference (a worker runs it with the editor off).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assembleFlows, FlowNode } from '../../scripts/flows';
import { ingestFlows } from '../../scripts/flows-assemble';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'scripts', 'flows-assemble.js');

describe('flows-assemble (instance roles)', () => {
  it('role ingest: the ingest tab with lorawan-mqtt-in, no link out, every wire and reference resolves', () => {
    const flow = ingestFlows(root);
    const ids = new Set(flow.map((n) => n.id));
    assert.equal(ids.size, flow.length, 'ids are unique');
    const tabs = flow.filter((n) => n.type === 'tab');
    assert.deepEqual(tabs.map((t) => t.id), ['tab-ingest']);
    assert.ok(!flow.some((n) => n.type === 'link out' || n.type === 'link in'), 'no link node');
    assert.ok(!flow.some((n) => n.type.startsWith('ui-')), 'no dashboard widget');
    const source = flow.find((n) => n.type === 'lorawan-mqtt-in');
    assert.ok(source, 'the ingest source');
    assert.equal(source.shareGroup, '${SUPERVISOR_MQTT_SHARE_GROUP}');
    assert.equal(source.clientId, '${SUPERVISOR_MQTT_CLIENT_ID}');
    for (const node of flow) {
      if (node.z !== undefined) assert.ok(ids.has(node.z), `${node.id}: z ${node.z}`);
      for (const port of (node.wires as string[][] | undefined) ?? []) for (const target of port) assert.ok(ids.has(target), `${node.id} is wired to missing ${target}`);
      for (const key of ['scope', 'links']) {
        const list = node[key];
        if (Array.isArray(list)) for (const id of list) assert.ok(ids.has(id as string), `${node.id}.${key} names missing ${id}`);
      }
    }
    // The chain to the database is whole.
    const writer = flow.find((n) => n.type === 'timeseries-write')!;
    assert.ok(ids.has(writer.db as string), 'the writer\'s database config node is there');
    const byId = new Map(flow.map((n) => [n.id, n]));
    const reach = new Set<string>();
    const walk = (id: string) => {
      if (reach.has(id)) return;
      reach.add(id);
      for (const port of (byId.get(id)!.wires as string[][] | undefined) ?? []) port.forEach(walk);
    };
    walk(source.id);
    assert.ok(reach.has(writer.id), 'lorawan-mqtt-in reaches timeseries-write');
    // Nodes that only fed the dashboards are gone; config nodes nobody uses are not carried.
    const all = assembleFlows(root);
    const configs = flow.filter((n) => n.z === undefined && n.type !== 'tab').map((n) => n.id).sort();
    const used = new Set<string>(flow.flatMap((n: FlowNode) => Object.values(n).filter((v): v is string => typeof v === 'string')));
    for (const id of configs) assert.ok(used.has(id), `config node ${id} is used`);
    assert.ok(all.some((n) => n.id === 'broker-supervisor') && !ids.has('broker-supervisor'), 'the mqtt-broker of the other tabs is left out');
  });

  it('the CLI writes each role, and names a bad argument', function () {
    assert.ok(fs.existsSync(cli), `${cli} is built (npm test builds first)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-assemble-'));
    try {
      const ingest = path.join(dir, 'ingest.json');
      const one = spawnSync(process.execPath, [cli, '--role', 'ingest', '--out', ingest], { encoding: 'utf8' });
      assert.equal(one.status, 0, one.stderr);
      assert.deepEqual(JSON.parse(fs.readFileSync(ingest, 'utf8')), ingestFlows(root));
      const all = spawnSync(process.execPath, [cli, '--role', 'all'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      assert.equal(all.status, 0, all.stderr);
      assert.deepEqual(JSON.parse(all.stdout), assembleFlows(root));
      const bad = spawnSync(process.execPath, [cli, '--role', 'worker'], { encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--role "worker" is not a role: all or ingest/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
