/**
 * timeseries-query against the REAL SQLite backend, through the real timeseries-db config node
 * (a temporary user directory): shaping, msg overrides, relative times, expert mode, errors, status.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import type { Node, NodeInitializer, NodeMessage } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import type { TimeseriesDbNode } from '../../nodes/lib/timeseries/db-node';
import type { Point } from '../../nodes/lib/timeseries/types';
import { builtNode, helper, received, until } from '../support/nodered';

const timeseriesQuery = builtNode('timeseries-query') as NodeInitializer;
const timeseriesDb = builtNode('timeseries-db') as NodeInitializer;

type FlowItem = TestFlowsItem & Record<string, unknown>;
type Msg = Record<string, any>;

const HOUR = 3600000;
const T0 = Date.parse('2025-01-15T00:00:00.000Z');

function flow(config: Record<string, unknown> = {}): FlowItem[] {
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'db', type: 'timeseries-db', url: 'sqlite:ts.sqlite' },
    { id: 'q', type: 'timeseries-query', db: 'db', quantity: 'water_volume', field: 'delta', start: '-24h', output: 'chart', ...at, ...config, wires: [['out']] },
    { id: 'out', type: 'helper', ...at },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];
}

function lastStatus(node: Node): Record<string, unknown> | undefined {
  const spy = node.status as unknown as sinon.SinonSpy;
  const calls = spy.getCalls().filter((call) => call.thisValue === node);
  return calls[calls.length - 1]?.args[0];
}

/** Hourly water deltas of two sites over 6 hours from T0: mairie 1, 2, 3…; piscine 10, 20, 30… */
function points(): Point[] {
  const out: Point[] = [];
  for (let h = 0; h < 6; h++) {
    out.push({ measurement: 'water_volume', tags: { tenant: 'gp', devEui: 'a1', site: 'mairie' }, fields: { delta: h + 1 }, time: T0 + h * HOUR });
    out.push({ measurement: 'water_volume', tags: { tenant: 'gp', devEui: 'b2', site: 'piscine' }, fields: { delta: 10 * (h + 1) }, time: T0 + h * HOUR });
  }
  return out;
}

describe('timeseries-query node (real SQLite backend)', function () {
  this.timeout(10000);
  let userDir: string;

  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'timeseries-query-'));
    helper.settings({ userDir });
  });

  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  async function load(config: Record<string, unknown> = {}): Promise<{ node: Node; out: Msg[]; caught: Msg[] }> {
    await helper.load([timeseriesDb, timeseriesQuery], flow(config));
    const db = helper.getNode('db') as unknown as TimeseriesDbNode;
    const backend = await db.acquire({ id: 'spec' });
    const written = await backend.write(points());
    assert.equal(written.rejected.length, 0);
    return { node: helper.getNode('q'), out: received('out'), caught: received('caught') };
  }

  const range = { start: T0, end: T0 + 6 * HOUR };

  it('gives Dashboard 2.0 chart points grouped by site, and the resolved query', async () => {
    const { node, out } = await load({ groupBy: 'site' });
    node.receive({ query: range } as unknown as NodeMessage);
    await until('the result', () => out.length === 1);
    const chart = out[0].payload as Array<{ x: number; y: number; series: string }>;
    assert.equal(chart.length, 12);
    assert.deepEqual(chart[0], { x: T0, y: 1, series: 'mairie' });
    assert.deepEqual(chart[6], { x: T0, y: 10, series: 'piscine' });
    assert.deepEqual(out[0].query, {
      quantity: 'water_volume', field: 'delta', start: T0, end: T0 + 6 * HOUR, groupBy: ['site'], timezone: 'Europe/Paris', output: 'chart',
    });
  });

  it('applies tag filters (key/value rows, comma-separated values) and aggregates by interval', async () => {
    const { node, out } = await load({ where: [{ key: 'site', value: 'mairie' }], interval: '3h', output: 'table' });
    node.receive({ query: range } as unknown as NodeMessage);
    await until('the result', () => out.length === 1);
    // An interval on the delta field sums by default: 1+2+3, 4+5+6.
    assert.equal(out[0].query.aggregate, 'sum');
    assert.deepEqual(out[0].payload, [
      { time: '2025-01-15T01:00:00.000+01:00', water_volume: 6 },
      { time: '2025-01-15T04:00:00.000+01:00', water_volume: 15 },
    ]);
  });

  it('lets msg.query override the configuration, key by key', async () => {
    const { node, out } = await load({ where: [{ key: 'site', value: 'mairie' }] });
    node.receive({ query: { ...range, where: { site: ['mairie', 'piscine'] }, groupBy: ['devEui'], aggregate: 'max', output: 'rows' } } as unknown as NodeMessage);
    await until('the result', () => out.length === 1);
    const rows = out[0].payload as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((r) => [r.series, r.value]), [['a1', 6], ['b2', 60]]);
    assert.equal(rows[0].devEui, 'a1');
  });

  it('resolves relative times to epoch ms', async () => {
    const { node, out } = await load({ start: 'this-year-100y', end: 'now' });
    const before = Date.now();
    node.receive({} as NodeMessage);
    await until('the result', () => out.length === 1);
    assert.ok(out[0].query.start < T0);
    assert.ok(out[0].query.end >= before);
    assert.equal((out[0].payload as unknown[]).length, 12);
  });

  it('returns the raw backend result with output "result"', async () => {
    const { node, out } = await load({ output: 'result', where: [{ key: 'devEui', value: 'a1' }] });
    node.receive({ query: range } as unknown as NodeMessage);
    await until('the result', () => out.length === 1);
    assert.equal(out[0].payload.series.length, 1);
    assert.equal(out[0].payload.series[0].points.length, 6);
  });

  it('runs an expert query from msg.query.raw', async () => {
    const { node, out, caught } = await load();
    node.receive({ query: { raw: 'SELECT COUNT(*) AS n FROM points' } } as unknown as NodeMessage);
    await until('the result', () => out.length === 1 || caught.length === 1);
    assert.equal(caught.length, 0, caught[0]?.error?.message);
    assert.deepEqual(out[0].query, { raw: 'SELECT COUNT(*) AS n FROM points' });
    assert.ok(out[0].payload !== undefined);
  });

  it('reports bad queries to Catch nodes naming the field, and shows rows and duration in the status', async () => {
    const { node, out, caught } = await load();
    node.receive({ query: { ...range, aggregate: 'median' } } as unknown as NodeMessage);
    await until('the error', () => caught.length === 1);
    assert.match(caught[0].error.message, /"aggregate"/);
    assert.equal(caught[0].error.code, 'bad-aggregate');
    node.receive({ query: { start: 'last tuesday' } } as unknown as NodeMessage);
    await until('the second error', () => caught.length === 2);
    assert.match(caught[1].error.message, /"start".*last tuesday/);
    node.receive({ query: { start: T0, end: T0 - 1 } } as unknown as NodeMessage);
    await until('the third error', () => caught.length === 3);
    assert.match(caught[2].error.message, /"end"/);
    node.receive({ query: { ...range, output: 'pie' } } as unknown as NodeMessage);
    await until('the fourth error', () => caught.length === 4);
    assert.match(caught[3].error.message, /"output"/);
    assert.equal(out.length, 0);
    node.receive({ query: range } as unknown as NodeMessage);
    await until('the result', () => out.length === 1);
    await until('the status', () => /^12 rows · \d+ ms$/.test(String(lastStatus(node)?.text)));
  });

  it('reports what the database refuses (a write in expert mode)', async () => {
    const { node, caught } = await load();
    node.receive({ query: { raw: 'DELETE FROM points' } } as unknown as NodeMessage);
    await until('the error', () => caught.length === 1);
    assert.equal(caught[0].error.code, 'bad-query');
    assert.match(caught[0].error.message, /read-only/);
  });

  it('says so when no database is configured', async () => {
    await helper.load([timeseriesDb, timeseriesQuery], flow({ db: '' }));
    const caught = received('caught');
    helper.getNode('q').receive({ query: range } as unknown as NodeMessage);
    await until('the error', () => caught.length === 1);
    assert.match(caught[0].error.message, /no timeseries-db/);
  });
});
