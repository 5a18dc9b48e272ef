/**
 * Benchmark of the storage edge: N Readings (three measurements each: an energy index, a power and a
 * voltage → 3 points, 1,000 devices) stored into a real influxd, measured two ways in the same run:
 *   (a) timeseries-write inside a Node-RED runtime (node-red-node-test-helper), fed with node.receive();
 *   (b) the baseline users build today: node-red-contrib-influxdb's `influxdb batch` node fed one
 *       message per reading (its payload the reading's three points).
 * Same treatment for both: the helper's sinon spies are removed (a production runtime has none), a
 * warm-up of WARMUP readings (timestamped a year earlier) is written and confirmed first, the
 * messages are built before the clock starts. Each run is timed from the first message to the last
 * point confirmed by `SELECT count()` in InfluxDB (polled from the last message on, every POLL_MS,
 * 100 ms by default; one COUNT costs InfluxDB about 40 ms of CPU at 300,000 points, so polling
 * faster slows what it measures; the figure can be late by up to one poll interval plus one query; a run whose count stops moving for
 * 5 s ends there and the missing points are reported as lost). Figures are points/s; the ratio is (a)/(b).
 * Environment: BENCH_TS_READINGS (N, default 100,000), BENCH_TS_POLL_MS, BENCH_TS_IN_FLIGHT (the node's
 * maxInFlight; default: the node's default).
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import helper from 'node-red-node-test-helper';
import type { Node, NodeInitializer } from 'node-red';
import { performance } from 'node:perf_hooks';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import type { Reading } from '../nodes/lib/contracts';
import timeseriesDbNode = require('../nodes/timeseries-db/timeseries-db');
import timeseriesWriteNode = require('../nodes/timeseries-write/timeseries-write');
import { startBenchInflux } from './support/influxd';
import { BenchResult } from './types';

const N = Number(process.env.BENCH_TS_READINGS) || 100000;
const WARMUP = 10000;
const FEED_BATCH = 500;
const DEVICES = 1000;
/** Interval between two COUNT queries (each scans what was written: polling costs InfluxDB CPU). */
const POLL_MS = Number(process.env.BENCH_TS_POLL_MS) || 100;
/** A run whose count stops moving this long ends there; the missing points are reported as lost. */
const STALL_MS = 5000;
const WARMUP_FROM = Date.UTC(2023, 0, 15);
const MEASURED_FROM = Date.UTC(2024, 0, 15);

function reading(i: number, from: number): Reading {
  return {
    devEui: `70b3d5e75e${(i % DEVICES).toString(16).padStart(6, '0')}`,
    tenant: 'grand-poitiers',
    model: 'watteco-ticso',
    time: new Date(from + i * 7).toISOString(),
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

/** Points of the measured run (not the warm-up) that InfluxDB holds; -1 when the query failed. */
async function countPoints(url: string, db: string): Promise<number> {
  const since = `WHERE time >= '${new Date(MEASURED_FROM).toISOString()}'`;
  const q = `SELECT count("index") FROM "active_energy" ${since};SELECT count("value") FROM "active_power" ${since};SELECT count("value") FROM "voltage" ${since}`;
  try {
    const res = await fetch(`${url}/query?db=${db}&q=${encodeURIComponent(q)}`);
    const body = await res.json() as { results: Array<{ series?: Array<{ values: number[][] }> }> };
    return body.results.reduce((sum, r) => sum + (r.series?.[0].values[0][1] ?? 0), 0);
  } catch {
    return -1;
  }
}

interface RunResult {
  pointsPerSecond: number;
  confirmed: number;
  lost: number;
  seconds: number;
  /** COUNT queries sent while waiting. */
  polls: number;
}

/**
 * The helper wraps Node methods in sinon spies that record every call and keep every message (about
 * 15 µs and a few hundred bytes per message, growing for the whole run); a production runtime does
 * not. Removed for both sides, as bench/lorawan-event.ts does.
 */
function unspy(nodeId: string): void {
  const internals = helper as unknown as { _sandbox: { restore(): void }; _NodePrototype: { send: Node['send'] } };
  internals._sandbox.restore();
  const node = helper.getNode(nodeId) as Node;
  node.send = internals._NodePrototype.send;
}

/** Feeds `messages` to node `input`, FEED_BATCH at a time (letting the event loop turn in between). */
async function feed(messages: unknown[]): Promise<void> {
  const input = helper.getNode('input');
  for (let i = 0; i < messages.length; i += FEED_BATCH) {
    const end = Math.min(messages.length, i + FEED_BATCH);
    for (let j = i; j < end; j++) input.receive(messages[j] as never);
    await new Promise((r) => setImmediate(r));
  }
}

/** Waits until InfluxDB holds `expected` points of the measured run, or stops progressing for STALL_MS. */
async function confirm(url: string, db: string, expected: number, started: number): Promise<RunResult> {
  let confirmed = 0;
  let confirmedAt = started;
  let polls = 0;
  for (;;) {
    const count = await countPoints(url, db);
    polls++;
    const now = performance.now();
    if (count > confirmed) {
      confirmed = count;
      confirmedAt = now;
    }
    if (confirmed >= expected || now - confirmedAt > STALL_MS) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const seconds = (confirmedAt - started) / 1000;
  return { pointsPerSecond: confirmed / seconds, confirmed, lost: expected - confirmed, seconds, polls };
}

/**
 * One side of the comparison, in a freshly loaded flow: a warm-up (WARMUP readings, timestamped
 * before the measured range, confirmed in InfluxDB), then the measured burst of N readings, timed
 * from the first message to the last point confirmed by SELECT count(). Messages are built before the
 * clock starts: the figure is the node's, not the generator's.
 */
async function run(url: string, db: string, message: (r: Reading) => unknown): Promise<RunResult> {
  const warmup = Array.from({ length: WARMUP }, (_, i) => message(reading(i, WARMUP_FROM)));
  const measured = Array.from({ length: N }, (_, i) => message(reading(i, MEASURED_FROM)));
  await feed(warmup);
  const warmDeadline = performance.now() + 30000;
  while (performance.now() < warmDeadline) {
    const q = `SELECT count("value") FROM "voltage" WHERE time < '${new Date(MEASURED_FROM).toISOString()}'`;
    const body = await (await fetch(`${url}/query?db=${db}&q=${encodeURIComponent(q)}`)).json() as { results: Array<{ series?: Array<{ values: number[][] }> }> };
    if ((body.results[0].series?.[0].values[0][1] ?? 0) >= WARMUP) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const started = performance.now();
  await feed(measured);
  return confirm(url, db, N * 3, started);
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
      { id: 'input', type: 'timeseries-write', db: 'db', metricsInterval: 0, maxInFlight: process.env.BENCH_TS_IN_FLIGHT, ...at, wires: [[], []] },
    ] as unknown as TestFlowsItem[]);
    unspy('input');
    const ours = await run(influx.url, 'ours', (r) => ({ payload: r }));
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
    unspy('input');
    const baseline = await run(influx.url, 'baseline', (r) => ({ payload: batchPoints(r) }));
    await helper.unload();

    const line = (r: RunResult) => `${r.confirmed}/${N * 3} points confirmed (${r.lost} lost) in ${r.seconds.toFixed(2)} s, ${r.polls} COUNT polls`;
    process.stdout.write(`timeseries-write: ${N} readings after ${WARMUP} of warm-up, ${line(ours)}; influxdb batch: ${line(baseline)}\n`);
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
