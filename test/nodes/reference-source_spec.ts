/**
 * reference-source in a Node-RED runtime: lazy load, last good table kept when a reload fails,
 * credentials (ArcGIS token) taken from the credentials and absent from the flow.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper } from '../support/nodered';

const referenceSource = builtNode('reference-source') as NodeInitializer;
type FlowItem = TestFlowsItem & Record<string, unknown>;
type Api = { table(): any; ready(): Promise<any>; reload(): Promise<any>; state(): any };

describe('reference-source node', function () {
  let dir: string;
  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-ref-node-'));
    await helper.startServer();
  });
  after(async function () {
    await helper.stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async function () {
    await helper.unload();
  });

  it('loads lazily and keeps the last good table when a reload fails', async function () {
    const file = path.join(dir, 'meters.csv');
    fs.writeFileSync(file, 'devEui;siteId\n70B3D5E75E00A101;cobalt\n');
    await helper.load(referenceSource, [{ id: 'src', type: 'reference-source', name: 'compteurs', kind: 'csv', location: file, keyColumn: 'devEui', requiredColumns: 'siteId', refreshMinutes: 0 }] as FlowItem[]);
    const src = helper.getNode('src') as unknown as Api;
    assert.equal(src.state().state, 'idle', 'nothing is loaded before a user asks');
    const table = await src.ready();
    assert.equal(table.rows.get('70b3d5e75e00a101').siteId, 'cobalt');
    fs.writeFileSync(file, 'devEui;siteId\n70b3d5e75e00a101;a\n70b3d5e75e00a101;b\n');
    await assert.rejects(src.reload(), /duplicate key "70b3d5e75e00a101"/);
    assert.equal(src.table(), table, 'the last good table is still served');
    assert.equal(src.state().state, 'error');
    fs.writeFileSync(file, 'devEui;siteId\n70b3d5e75e00a101;a\n70b3d5e75e00a102;b\n');
    const reloaded = await src.reload();
    assert.equal(reloaded.list.length, 2);
    assert.equal(src.table(), reloaded);
  });

  it('reads relative paths in supervisorDataDir', async function () {
    fs.writeFileSync(path.join(dir, 'sites.csv'), 'siteId,commune\nS1,Poitiers\n');
    const settings = (helper as unknown as { settings(s: Record<string, unknown>): void });
    settings.settings({ supervisorDataDir: dir });
    try {
      await helper.load(referenceSource, [{ id: 'src', type: 'reference-source', name: 'sites', kind: 'csv', location: 'sites.csv', keyColumn: 'siteId' }] as FlowItem[]);
      const table = await (helper.getNode('src') as unknown as Api).ready();
      assert.equal(table.rows.get('S1').commune, 'Poitiers');
    } finally {
      settings.settings({});
    }
  });

  it('uses the ArcGIS token from the credentials, never from the flow', async function () {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.writeHead(200, { 'content-type': 'application/json' });
      if (url.searchParams.get('token') !== 'tok') return res.end(JSON.stringify({ error: { code: 498, message: 'Invalid token.' } }));
      if (!url.pathname.endsWith('/query')) return res.end(JSON.stringify({ maxRecordCount: 10 }));
      res.end(JSON.stringify({ features: [{ attributes: { lampId: 'L1' }, geometry: { x: 1, y: 2 } }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/FeatureServer/0`;
      const flow = [{ id: 'src', type: 'reference-source', name: 'lampes', kind: 'arcgis', location: url, keyColumn: 'lampId' }] as FlowItem[];
      await helper.load(referenceSource, flow, { src: { token: 'tok' } });
      const table = await (helper.getNode('src') as unknown as Api).ready();
      assert.equal(table.rows.get('L1').longitude, 1);
      assert.ok(!JSON.stringify(flow).includes('tok'), 'the token is not in the flow');
      assert.ok(!table.origin.includes('tok'));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
