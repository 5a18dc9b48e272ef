/**
 * Faults of the time-series writer against a real InfluxDB that is stopped and restarted on the same
 * port and data folder: an outage in the middle of a stream, a runtime restart with a non-empty queue,
 * a type-conflicting point, the queue's bound.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeInitializer } from 'node-red';
import { builtNode, helper } from '../support/nodered';
import { RestartableInflux, restartableInfluxDb } from '../support/influx-restartable';
import { influxCountSum, influxWriteRaw, reading, received, sleep, until, writeFlow } from '../support/timeseries';

const dbNode = builtNode('timeseries-db') as NodeInitializer;
const writeNode = builtNode('timeseries-write') as NodeInitializer;

/** Sum of the power values (= reading index) of readings first..first+n-1. */
const sumOf = (first: number, n: number) => (n * (2 * first + n - 1)) / 2;

describe('timeseries-write faults (real InfluxDB)', function () {
  this.timeout(120000);
  let influxd: RestartableInflux;
  let dir: string;

  before(async () => { influxd = await restartableInfluxDb(); });
  after(async () => { await influxd?.destroy(); });
  beforeEach(async () => {
    await influxd.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-faults-'));
    helper.settings({ userDir: dir, timeseriesWriteRetryMaxMs: 1000 } as Record<string, unknown>);
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function metricsNow(): Promise<Record<string, number>> {
    const metrics = received('metrics');
    helper.getNode('w').receive({ topic: 'metrics' } as never);
    return until('metrics', () => metrics.length > 0).then(() => metrics[0].payload);
  }

  it('(c) dead-letters a type-conflicting point and writes its neighbours', async () => {
    assert.equal(await influxWriteRaw(influxd.url, `co2,devEui=x value=400i ${Date.UTC(2024, 0, 1)}`, 'conflict'), 204);
    await helper.load([dbNode, writeNode], writeFlow(influxd.url, { flushInterval: 50 }, { database: 'conflict' }));
    const dead = received('dead');
    const caught = received('caught');
    const w = helper.getNode('w');
    for (let i = 0; i < 20; i++) {
      const r = reading(i);
      if (i === 7) r.measurements.push({ quantity: 'co2', value: 612, unit: '[ppm]', kind: 'instant' });
      w.receive({ payload: r } as never);
    }
    await until('the dead letter', () => dead.length === 1 && caught.length === 1);
    assert.equal(dead[0].payload.length, 1);
    assert.equal(dead[0].payload[0].measurement, 'co2');
    assert.match(dead[0].reasons[0], /field type conflict/);
    assert.match(caught[0].error.message, /refused 1 point/);
    assert.deepEqual(await influxCountSum(influxd.url, 'active_power', 'value', 'conflict'), { count: 20, sum: sumOf(0, 20) });
    const letters = fs.readFileSync(dead[0].deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(letters.length, 1);
    assert.equal(letters[0].point.fields.value, 612);
    assert.equal((await metricsNow()).deadLetters, 1);
  });

  it('(d) drops the oldest points when the queue is full, and reports the count', async () => {
    await influxd.stop();
    await helper.load([dbNode, writeNode], writeFlow(influxd.url, { batchSize: 100, flushInterval: 10, maxQueuePoints: 1000 }, { database: 'bound' }));
    const w = helper.getNode('w');
    // 1,500 readings = 3,000 points, in batches of 100 points.
    for (let i = 0; i < 1500; i += 50) {
      for (let j = i; j < i + 50; j++) w.receive({ payload: reading(j) } as never);
      await sleep(15);
    }
    await until('everything queued or dropped', async () => {
      const m = await metricsNow();
      return m.pending === 0 && m.queued + m.dropped === 3000;
    });
    const m = await metricsNow();
    assert.equal(m.queued, 1000);
    assert.equal(m.dropped, 2000);
    assert.equal(m.databaseUp, false);
    const warnings = (helper.log().args as unknown[][]).map((a) => a[0] as { level: number; msg: unknown }).filter((e) => e.level === 30);
    assert.ok(warnings.some((e) => /dropped/.test(String(e.msg))), 'a warning names the dropped points');
    await influxd.start();
    // The newest 500 readings survive.
    await until('the queue replayed', async () => (await influxCountSum(influxd.url, 'active_power', 'value', 'bound')).count === 500, 20000);
    assert.equal((await influxCountSum(influxd.url, 'active_power', 'value', 'bound')).sum, sumOf(1000, 500));
  });

  it('(b) replays the queue after a runtime restart: nothing lost', async () => {
    await influxd.stop();
    const flow = writeFlow(influxd.url, { batchSize: 200, flushInterval: 20 }, { database: 'restart' });
    await helper.load([dbNode, writeNode], flow);
    let w = helper.getNode('w');
    for (let i = 0; i < 1000; i++) w.receive({ payload: reading(i) } as never);
    // Half of them are still in memory when the runtime stops: close() must queue them.
    await helper.unload();
    await influxd.start();
    await helper.load([dbNode, writeNode], flow);
    w = helper.getNode('w');
    await until('the queue replayed', async () => (await influxCountSum(influxd.url, 'active_power', 'value', 'restart')).count === 1000, 20000);
    assert.equal((await influxCountSum(influxd.url, 'active_power', 'value', 'restart')).sum, sumOf(0, 1000));
    await until('queue empty', async () => (await metricsNow()).queued === 0);
  });

  it('(a) loses nothing when InfluxDB stops for 30 s in the middle of a stream', async () => {
    await helper.load([dbNode, writeNode], writeFlow(influxd.url, { batchSize: 500, flushInterval: 50 }, { database: 'outage' }));
    const w = helper.getNode('w');
    let next = 0;
    const feed = (n: number) => { for (const end = next + n; next < end; next++) w.receive({ payload: reading(next) } as never); };
    feed(2000);
    await until('first part written', async () => (await influxCountSum(influxd.url, 'active_power', 'value', 'outage')).count === 2000);
    const stopped = influxd.stop();
    // The stream goes on during the outage: 100 readings every 0.5 s for 30 s.
    const outageEnd = Date.now() + 30000;
    while (Date.now() < outageEnd) {
      feed(100);
      await sleep(500);
    }
    await stopped;
    const during = await metricsNow();
    assert.equal(during.databaseUp, false);
    assert.ok(during.queued > 0);
    await influxd.start();
    feed(2000);
    await until('every point written', async () => (await influxCountSum(influxd.url, 'active_power', 'value', 'outage')).count === next, 30000);
    assert.deepEqual(await influxCountSum(influxd.url, 'active_power', 'value', 'outage'), { count: next, sum: sumOf(0, next) });
    assert.equal((await influxCountSum(influxd.url, 'active_energy', 'index', 'outage')).count, next);
    await until('queue empty', async () => (await metricsNow()).queued === 0);
    const m = await metricsNow();
    assert.equal(m.dropped, 0);
    assert.equal(m.deadLetters, 0);
  });
});
