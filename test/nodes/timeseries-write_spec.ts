import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeInitializer } from 'node-red';
import { SqliteBackend } from '../../nodes/lib/timeseries/sqlite';
import { builtNode, helper } from '../support/nodered';
import { InfluxService, startInfluxDb } from '../support/services';
import { influxCountSum, reading, received, until, writeFlow } from '../support/timeseries';

const dbNode = builtNode('timeseries-db') as NodeInitializer;
const writeNode = builtNode('timeseries-write') as NodeInitializer;

describe('timeseries-write', function () {
  this.timeout(30000);
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-tsw-'));
    helper.settings({ userDir: dir, supervisorTimeseriesUrl: '' } as Record<string, unknown>);
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores Readings in the embedded SQLite file by default, with enrichment tags', async () => {
    await helper.load([dbNode, writeNode], writeFlow('', { flushInterval: 50 }));
    const w = helper.getNode('w');
    for (let i = 0; i < 300; i++) w.receive({ payload: reading(i), tags: { site: 'B12', commune: 'Poitiers' } } as never);
    await until('the metrics', async () => {
      w.receive({ topic: 'metrics' } as never);
      await new Promise((r) => setTimeout(r, 20));
      return true;
    });
    const metrics = received('metrics');
    await until('600 points written', async () => {
      w.receive({ topic: 'metrics' } as never);
      await new Promise((r) => setTimeout(r, 20));
      return metrics.some((m) => m.payload.written === 600);
    });
    await helper.unload();
    const sqlite = new SqliteBackend({ file: path.join(dir, 'timeseries.sqlite') });
    const result = await sqlite.query({ quantity: 'active_power', start: 0, end: Date.UTC(2030, 0), aggregate: 'sum', groupBy: ['site'] });
    assert.deepEqual(result.series, [{ tags: { site: 'B12' }, points: [{ time: 0, value: (299 * 300) / 2 }] }]);
    await sqlite.close();
  });

  it('reports bad input to Catch nodes, naming the field and the device, and goes on', async () => {
    await helper.load([dbNode, writeNode], writeFlow('', { flushInterval: 50 }));
    const caught = received('caught');
    const w = helper.getNode('w');
    const bad = reading(1);
    bad.measurements[1].value = NaN;
    w.receive({ payload: bad } as never);
    w.receive({ payload: { nothing: true } } as never);
    w.receive({ payload: [{ measurement: 'm', fields: { value: 1 }, time: '2024-01-01T00:00:00Z' }] } as never);
    await until('two errors', () => caught.length === 2);
    assert.match(caught[0].error.message, /measurements\[1\]\.value .*70b3d5e75e000001/);
    assert.match(caught[1].error.message, /measurement is missing/);
  });

  it('writes to InfluxDB, sends metrics periodically, with credentials from the credentials store', async () => {
    const influxd: InfluxService = await startInfluxDb();
    try {
      await helper.load([dbNode, writeNode], writeFlow(influxd.url, { flushInterval: 50, metricsInterval: 0.2 }),
        { db: { username: 'u', password: 'p' } });
      const metrics = received('metrics');
      const w = helper.getNode('w');
      for (let i = 0; i < 1000; i++) w.receive({ payload: reading(i) } as never);
      await until('1000 power points in InfluxDB', async () => (await influxCountSum(influxd.url, 'active_power')).count === 1000);
      await until('metrics with written = 2000', () => metrics.some((m) => m.payload.written === 2000));
      const last = metrics[metrics.length - 1].payload;
      assert.equal(last.queued, 0);
      assert.equal(last.databaseUp, true);
      assert.equal((await influxCountSum(influxd.url, 'active_energy', 'index')).sum, 1000 * 1000 + (999 * 1000) / 2);
      // Credentials come from the credentials store, not from the node's properties.
      assert.deepEqual((helper.getNode('db') as unknown as { credentials: unknown }).credentials, { username: 'u', password: 'p' });
    } finally {
      await helper.unload();
      await influxd.stop();
    }
  });
});
