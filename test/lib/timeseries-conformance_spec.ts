/**
 * One suite, two backends: the same writes give the same query results in a real InfluxDB 1.x and
 * in SQLite (aggregates, intervals including day buckets across the DST changes of Europe/Paris,
 * tag filters, groupBy), and a replay does not double anything.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InfluxBackend } from '../../nodes/lib/timeseries/influxdb';
import { SqliteBackend } from '../../nodes/lib/timeseries/sqlite';
import type { Aggregate, Point, QueryResult, TimeseriesBackend, TypedQuery } from '../../nodes/lib/timeseries/types';
import { InfluxService, startInfluxDb } from '../support/services';

const HOUR = 3600000;
const DEVICES = [
  { devEui: 'd1', site: 'A' },
  { devEui: 'd2', site: 'A' },
  { devEui: 'd3', site: 'B' },
];

/** Hourly points of three devices over two DST changes (spring 2024-03-31, autumn 2024-10-27, Europe/Paris). */
function dataset(): Point[] {
  const points: Point[] = [];
  for (const [from, hours] of [[Date.UTC(2024, 2, 28), 24 * 6], [Date.UTC(2024, 9, 24), 24 * 6]] as const) {
    for (let h = 0; h < hours; h++) {
      DEVICES.forEach((d, i) => {
        const time = from + h * HOUR + i * 60000;
        points.push({ measurement: 'temperature', tags: { tenant: 'gp', devEui: d.devEui, site: d.site }, fields: { value: ((h * 7 + i * 3) % 40) / 2 }, time });
        points.push({ measurement: 'water_volume', tags: { tenant: 'gp', devEui: d.devEui, site: d.site }, fields: { index: 1000 + h * (i + 1), delta: i + 1 }, time });
      });
    }
  }
  return points;
}

/**
 * Same series, tags, times and counts; values equal to the last bits of a double (InfluxDB adds
 * partial means of its shards and series, SQLite in one pass: a mean may differ in the 16th digit).
 */
function assertSameResult(actual: QueryResult, expected: QueryResult): void {
  const shape = (r: QueryResult) => r.series.map((s) => ({ tags: s.tags, times: s.points.map((p) => p.time) }));
  assert.deepEqual(shape(actual), shape(expected));
  actual.series.forEach((s, i) => s.points.forEach((p, j) => {
    const e = expected.series[i].points[j].value;
    assert.ok(Math.abs(p.value - e) <= 1e-12 * Math.max(1, Math.abs(e)), `value at ${new Date(p.time).toISOString()}: ${p.value} vs ${e}`);
  }));
}

const AGGREGATES: Aggregate[] = ['sum', 'mean', 'min', 'max', 'last', 'count', 'spread'];

function queries(): Array<[string, TypedQuery]> {
  const list: Array<[string, TypedQuery]> = [];
  const autumn = { start: '2024-10-24T00:00:00Z', end: '2024-10-30T00:00:00Z' };
  const spring = { start: '2024-03-28T00:00:00Z', end: '2024-04-03T00:00:00Z' };
  for (const aggregate of AGGREGATES) {
    for (const interval of ['1h', '1d']) {
      list.push([`${aggregate} ${interval} autumn by site`, { quantity: 'temperature', ...autumn, interval, aggregate, groupBy: ['site'] }]);
    }
    list.push([`${aggregate} 1d spring`, { quantity: 'temperature', ...spring, interval: '1d', aggregate }]);
    list.push([`${aggregate} no interval by devEui`, { quantity: 'temperature', ...autumn, aggregate, groupBy: ['devEui'] }]);
  }
  list.push(['delta sum 1d where site A', { quantity: 'water_volume', field: 'delta', ...autumn, interval: '1d', aggregate: 'sum', where: { site: 'A' } }]);
  list.push(['index last 1d where devEui in', { quantity: 'water_volume', field: 'index', ...spring, interval: '1d', aggregate: 'last', where: { devEui: ['d1', 'd3'] }, groupBy: ['devEui'] }]);
  list.push(['1w sum', { quantity: 'temperature', start: '2024-03-01T00:00:00Z', end: '2024-11-01T00:00:00Z', interval: '1w', aggregate: 'sum' }]);
  list.push(['15m mean by site and devEui', { quantity: 'temperature', start: '2024-10-27T00:00:00Z', end: '2024-10-27T04:00:00Z', interval: '15m', aggregate: 'mean', groupBy: ['site', 'devEui'] }]);
  list.push(['raw points where devEui, limit', { quantity: 'temperature', ...autumn, where: { devEui: 'd2' }, limit: 30 }]);
  list.push(['raw points by site', { quantity: 'temperature', start: '2024-10-27T00:00:00Z', end: '2024-10-27T03:00:00Z', groupBy: ['site'] }]);
  return list;
}

describe('time series: InfluxDB and SQLite answer alike', function () {
  this.timeout(60000);
  let influxd: InfluxService;
  let dir: string;
  let influx: TimeseriesBackend;
  let sqlite: TimeseriesBackend;
  const points = dataset();

  before(async () => {
    influxd = await startInfluxDb();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-conformance-'));
    influx = new InfluxBackend({ url: influxd.url, database: 'conformance', createDatabase: true });
    sqlite = new SqliteBackend({ file: path.join(dir, 'timeseries.sqlite') });
    for (const backend of [influx, sqlite]) {
      for (let i = 0; i < points.length; i += 1000) {
        const result = await backend.write(points.slice(i, i + 1000));
        assert.deepEqual(result.rejected, []);
      }
    }
  });

  after(async () => {
    await influx?.close();
    await sqlite?.close();
    await influxd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const results = new Map<string, [QueryResult, QueryResult]>();
  for (const [name, query] of queries()) {
    it(`same result: ${name}`, async () => {
      const a = await influx.query(query);
      const b = await sqlite.query(query);
      assert.ok(a.series.length > 0 && a.series.every((s) => s.points.length > 0), `InfluxDB returned nothing for ${name}`);
      assertSameResult(b, a);
      results.set(name, [a, b]);
    });
  }

  it('cuts 1d buckets at local midnight: 25 h on 2024-10-27, 23 h on 2024-03-31', async () => {
    const autumn = results.get('count 1d autumn by site')![0];
    const a = autumn.series.find((s) => s.tags.site === 'A')!;
    const day = a.points.find((p) => p.time === Date.parse('2024-10-26T22:00:00Z'));
    assert.ok(day, JSON.stringify(a.points));
    assert.equal(day.value, 25 * 2);
    assert.ok(a.points.some((p) => p.time === Date.parse('2024-10-27T23:00:00Z')));
    const spring = results.get('count 1d spring')![0].series[0];
    const short = spring.points.find((p) => p.time === Date.parse('2024-03-30T23:00:00Z'));
    assert.equal(short?.value, 23 * 3);
    assert.ok(spring.points.some((p) => p.time === Date.parse('2024-03-31T22:00:00Z')));
  });

  it('a replay of the same points does not double anything', async () => {
    const query: TypedQuery = { quantity: 'water_volume', field: 'delta', start: '2024-01-01T00:00:00Z', end: '2025-01-01T00:00:00Z', aggregate: 'count' };
    const before = [await influx.query(query), await sqlite.query(query)];
    for (const backend of [influx, sqlite]) await backend.write(points.slice(0, 2000));
    const after = [await influx.query(query), await sqlite.query(query)];
    assert.deepEqual(after, before);
    assert.equal(after[0].series[0].points[0].value, points.filter((p) => p.measurement === 'water_volume').length);
  });

  it('raw() passes InfluxQL and read-only SQL through', async () => {
    const q = await influx.raw('SELECT count("value") FROM "temperature"') as { results: Array<{ series: Array<{ values: number[][] }> }> };
    assert.equal(q.results[0].series[0].values[0][1], points.length / 2);
    const rows = await sqlite.raw("SELECT COUNT(*) AS n FROM points WHERE measurement = 'temperature'") as Array<{ n: number }>;
    assert.equal(rows[0].n, points.length / 2);
    await assert.rejects(sqlite.raw('DELETE FROM points'), /read-only/);
  });
});
