/**
 * Benchmark of the storage edge: N Readings (three measurements each: an energy index, a power and a
 * voltage → 3 points) stored into a real influxd, measured two ways in the same run:
 *   (a) timeseries-write inside a Node-RED runtime (node-red-node-test-helper), fed with node.receive();
 *   (b) the baseline users build today: node-red-contrib-influxdb's `influxdb batch` node fed one
 *       message per reading (its payload the reading's three points).
 * Each run is timed from the first message to the last point confirmed by `SELECT count()` in
 * InfluxDB (polled every 100 ms; a run whose count stops moving for 5 s ends there and the missing
 * points are reported as lost). Figures are points/s; the ratio is (a)/(b).
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import helper from 'node-red-node-test-helper';
import type { NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import type { Reading } from '../nodes/lib/contracts';
import timeseriesDbNode = require('../nodes/timeseries-db/timeseries-db');
import timeseriesWriteNode = require('../nodes/timeseries-write/timeseries-write');
import { startBenchInflux } from './support/influxd';
import { BenchResult } from './types';

const N = Number(process.env.BENCH_TS_READINGS) || 50000;
const FEED_BATCH = 500;
const DEVICES = 1000;

function reading(i: number): Reading {
  return {
    devEui: `70b3d5e75e${(i % DEVICES).toString(16).padStart(6, '0')}`,
    tenant: 'grand-poitiers',
    model: 'watteco-ticso',
    time: new Date(Date.UTC(2024, 0, 15) + i * 7).toISOString(),
    measurements: [
      { quantity: 'active_energy', value: 1000000 + i, unit: 'Wh', kind: 'index', channel: 'base' },
      { quantity: 'active_power', value: 1500 + (i % 700), unit: 'W', kind: 'instant' },
      { quantity: 'voltage', value: 230 + (i % 20) / 10, unit: 'V', kind: 'instant' },
    ],
  };
}

/** The same reading as the point objects a user's function node builds for `influxdb batch`. */
function batchPoints(r: Reading): unknown[] {
  const timestamp = new Date(r.time);
  return r.measurements.map((m) => ({
    measurement: m.quantity,
    tags: { tenant: r.tenant, devEui: r.devEui, model: r.model, ...(m.channel ? { channel: m.channel } : {}) },
    fields: { [m.kind === 'index' ? 'index' : 'value']: m.value },
    timestamp,
  }));
}

async function countPoints(url: string, db: string): Promise<number> {
  const q = 'SELECT count("index") FROM "active_energy";SELECT count("value") FROM "active_power";SELECT count("value") FROM "voltage"';
  try {
    const res = await fetch(`${url}/query?db=${db}&q=${encodeURIComponent(q)}`);
    const body = await res.json() as { results: Array<{ series?: Array<{ values: number[][] }> }> };
    return body.results.reduce((sum, r) => sum + (r.series?.[0].values[0][1] ?? 0), 0);
  } catch {
    return 0;
  }
}

interface RunResult {
  pointsPerSecond: number;
  confirmed: number;
  lost: number;
}

/** Feeds N messages to node `input` and waits for InfluxDB to hold them (or to stop progressing). */
async function run(url: string, db: string, message: (i: number) => unknown): Promise<RunResult> {
  const expected = N * 3;
  const input = helper.getNode('input');
  const started = Date.now();
  for (let i = 0; i < N; i += FEED_BATCH) {
    for (let j = i; j < Math.min(N, i + FEED_BATCH); j++) input.receive(message(j) as never);
    await new Promise((r) => setImmediate(r));
  }
  let confirmed = 0;
  let lastChange = Date.now();
  for (;;) {
    const count = await countPoints(url, db);
    if (count !== confirmed) {
      confirmed = count;
      lastChange = Date.now();
    }
    if (confirmed >= expected || Date.now() - lastChange > 5000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const elapsed = (lastChange - started) / 1000;
  return { pointsPerSecond: confirmed / elapsed, confirmed, lost: expected - confirmed };
}

export async function benchTimeseriesWrite(): Promise<BenchResult[]> {
  helper.init(require.resolve('node-red'));
  const influx = await startBenchInflux();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-bench-tsw-'));
  helper.settings({ userDir, logging: { console: { level: 'off', metrics: false, audit: false } } });
  await new Promise<void>((resolve) => helper.startServer(resolve));
  try {
    await fetch(`${influx.url}/query?q=${encodeURIComponent('CREATE DATABASE "ours"; CREATE DATABASE "baseline"')}`, { method: 'POST' });
    const at = { z: 'f1', x: 100, y: 100 };

    // (a) timeseries-write
    await helper.load([timeseriesDbNode as unknown as NodeInitializer, timeseriesWriteNode as unknown as NodeInitializer], [
      { id: 'f1', type: 'tab', label: 'bench' },
      { id: 'db', type: 'timeseries-db', url: influx.url, database: 'ours' },
      { id: 'input', type: 'timeseries-write', db: 'db', metricsInterval: 0, ...at, wires: [[], []] },
    ] as unknown as TestFlowsItem[]);
    const ours = await run(influx.url, 'ours', (i) => ({ payload: reading(i) }));
    await helper.unload();

    // (b) node-red-contrib-influxdb, one message per reading
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const contrib = require('node-red-contrib-influxdb') as NodeInitializer;
    const port = new URL(influx.url).port;
    await helper.load(contrib, [
      { id: 'f1', type: 'tab', label: 'bench' },
      { id: 'influx', type: 'influxdb', hostname: '127.0.0.1', port, database: 'baseline', influxdbVersion: '1.x' },
      { id: 'input', type: 'influxdb batch', influxdb: 'influx', precision: 'ms', ...at, wires: [] },
    ] as unknown as TestFlowsItem[]);
    const baseline = await run(influx.url, 'baseline', (i) => ({ payload: batchPoints(reading(i)) }));
    await helper.unload();

    process.stdout.write(`timeseries-write: ${N} readings, ${ours.confirmed}/${N * 3} points confirmed (${ours.lost} lost); ` +
      `influxdb batch: ${baseline.confirmed}/${N * 3} confirmed (${baseline.lost} lost)\n`);
    return [{
      name: 'timeseries-write → InfluxDB',
      figure: ours.pointsPerSecond,
      unit: 'points/s',
      baselineName: 'node-red-contrib-influxdb batch, 1 msg/reading',
      baseline: baseline.pointsPerSecond,
      ratio: ours.pointsPerSecond / baseline.pointsPerSecond,
    }];
  } finally {
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    await influx.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}
