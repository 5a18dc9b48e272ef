/**
 * End-to-end ingest benchmark (issue 9, item 4): genuine ChirpStack v4 `up` events published at QoS 1
 * by a separate process to a private Mosquitto → a Node-RED process → a private InfluxDB 1.x, for
 *   ours:     the shipped ingest tab (flows/10-ingest.json: lorawan-mqtt-in, lorawan-event,
 *             lorawan-decode, reference-enrich, meter-index, timeseries-write) as a scale-out ingest
 *             worker runs it (flows-assemble --role ingest, SUPERVISOR_INSTANCE_ROLE=ingest), run by
 *             `node <options> node-red/red.js --settings dist/settings.js` as `npm start` and the image
 *             run it (the V8 heap options of scripts/environment.ts), with SUPERVISOR_* variables pointing
 *             to the private services, a fixed MQTT client id (persistent session, as production sets
 *             SUPERVISOR_MQTT_CLIENT_ID) and a copy of data/ holding 1,000 benchmark devices;
 *   baseline: stock nodes the way users build it: mqtt in → json → function (decoder with Buffer
 *             reads) → change → node-red-contrib-influxdb `influxdb batch`, one write per uplink, in a
 *             Node-RED process of its own (default settings, and node's default heap: as users run it).
 * Each side gets fresh services and a fresh Node-RED, a warm-up (two uplinks per device, confirmed in
 * InfluxDB), then:
 *   burst:  BENCH_E2E_UPLINKS events (default 200,000) published as fast as the broker takes them,
 *           BENCH_E2E_BURSTS times (default 3, the median is reported, losses add up over all);
 *           sustained uplinks/s = stored / (last point confirmed by SELECT count() − first publish);
 *           lost = published − stored (a run whose count stops moving for STALL_MS ends there);
 *   paced:  2,000 uplinks/s for BENCH_E2E_PACED_SECONDS (default 30 s); end-to-end latency = (time the
 *           point is first returned by InfluxDB) − (publish time, carried in the event's `time` field
 *           and stored as the point's timestamp), sampled on the 50 probe devices (5 % of the traffic)
 *           by a query every POLL_MS (the figure is late by at most one poll plus one query);
 *   memory: peak RSS of the Node-RED process (VmHWM of /proc/<pid>/status).
 *   machine: the Node-RED CPU time per uplink, and the share of the burst its main thread waited for a
 *           CPU (/proc/<pid>/schedstat): on a shared machine, whether the figures are the flow's.
 * Targets (issue 9): ≥ 10,000 uplinks/s sustained with zero loss, p99 < 500 ms at 2,000/s, peak RSS
 * < 400 MB, ≥ 5× the baseline. The soak (bench/soak.ts) reuses runPaced for 10 minutes.
 * Environment: BENCH_E2E_UPLINKS, BENCH_E2E_BURSTS (3), BENCH_E2E_RATE (2000), BENCH_E2E_PACED_SECONDS (30), BENCH_E2E_WINDOW
 * (publisher's in-flight window, 1000), BENCH_E2E_STALL_MS (90000); for diagnosis: BENCH_E2E_ROLE=all
 * (the whole tab, with its dashboard branches), BENCH_E2E_TWEAKS (support/e2e-workload.ts),
 * BENCH_E2E_CLEAN_SESSION=1 (no client id), BENCH_E2E_KEEP_LOGS=<folder> (keep the Node-RED logs).
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { PublisherConfig, PublisherReport } from './e2e-publisher';
import {
  BASELINE_SERIES, DEVICES, OURS_SERIES, PROBE_PREFIX, PROBES, baselineFlows, createDataDir, ingestFlows, loadWorkloadDevices, root, upEvent,
} from './support/e2e-workload';
import { startBenchInflux } from './support/influxd';
import { startBenchMosquitto } from './support/mosquitto';
import { NodeRedProcess, startNodeRed } from './support/nodered-process';
import { nodeRedNodeOptions, readEnvironment } from '../scripts/environment';
import { BenchResult } from './types';

const UPLINKS = Number(process.env.BENCH_E2E_UPLINKS) || 200000;
/** Bursts per side; the median one is reported (as shared/reference/performance.md measures: median of 3). */
const BURSTS = Number(process.env.BENCH_E2E_BURSTS) || 3;
const PACED_RATE = Number(process.env.BENCH_E2E_RATE) || 2000;
const PACED_SECONDS = Number(process.env.BENCH_E2E_PACED_SECONDS) || 30;
/** Publishes waiting for their PUBACK at most (the publisher's in-flight window). */
const WINDOW = Number(process.env.BENCH_E2E_WINDOW) || 1000;
/** Interval of the COUNT queries during a burst (each one costs InfluxDB CPU: not faster). */
const COUNT_POLL_MS = 100;
/** Interval of the latency queries on the probe devices. */
const POLL_MS = 25;
/**
 * A burst whose stored count stops moving this long has ended. Longer than the MQTT keepalive (60 s):
 * a source that lost its connection gets its unacknowledged messages again after reconnecting.
 * What is still missing is counted again at the end of the side's run (`lost` = never stored).
 */
const STALL_MS = Number(process.env.BENCH_E2E_STALL_MS) || 90000;
const TARGETS = { uplinksPerSecond: 10000, p99Ms: 500, peakMb: 400, ratio: 5 };

export type Side = 'ours' | 'baseline';
type Series = { database: string; measurement: string; field: string };

export interface BurstResult {
  /** `stored` when the count reached `published` or stopped moving; `lost` = published − stored, and
   *  `lateStored`: stored after that (counted again at the end of the side's run), i.e. late, not lost. */
  published: number; stored: number; lost: number; lateStored: number; seconds: number; uplinksPerSecond: number;
  /** CPU used by the Node-RED process during the burst, in % of one core (200 % = both cores of the machine). */
  nodeRedCpuPercent: number;
  /**
   * Share of the burst the Node-RED main thread spent runnable but waiting for a CPU (%): high on a
   * machine busy with other work, where the figures say more about the machine than about the flow.
   */
  nodeRedCpuWaitPercent: number;
  /** Share of the burst the Node-RED main thread ran JavaScript (%). */
  nodeRedMainThreadPercent: number;
  /** CPU time of the Node-RED process per published uplink (µs): what the flow costs, whatever else the machine runs. */
  cpuMicrosPerUplink: number;
}
export interface PacedResult {
  published: number; stored: number; lost: number; samples: number; missingProbes: number;
  p50Ms: number; p99Ms: number; maxMs: number; maxPublisherLagMs: number;
}
/** `burst` is the median of `bursts` by uplinks/s; `lost` counts over all of them. */
export interface SideResult { side: Side; burst: BurstResult; bursts: BurstResult[]; lost: number; paced: PacedResult; peakMb: number }

const log = (line: string) => process.stdout.write(`[ingest-e2e] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (ms: number) => new Date(ms).toISOString();

async function influxQuery(url: string, db: string, q: string): Promise<Array<{ series?: Array<{ tags?: Record<string, string>; values: unknown[][] }> }>> {
  const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(30000) });
  if (!res.ok) throw new Error(`InfluxDB answered ${res.status} to ${q}: ${await res.text()}`);
  return ((await res.json()) as { results: Array<{ series?: Array<{ tags?: Record<string, string>; values: unknown[][] }> }> }).results;
}

/** Points of `series` with from ≤ time < to (or -1 when InfluxDB did not answer). */
async function countStored(url: string, s: Series, from: number, to: number): Promise<number> {
  try {
    const results = await influxQuery(url, s.database, `SELECT count("${s.field}") FROM "${s.measurement}" WHERE time >= '${iso(from)}' AND time < '${iso(to)}'`);
    return Number(results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
  } catch {
    return -1;
  }
}

/**
 * Counts a burst's stored points while it runs, at a cost that does not grow with the burst. Event i
 * carries the timestamp from + i ms, so the range is cut into CHUNK_MS slices; a slice that holds all
 * its points is added up once and never queried again. A plain COUNT over the whole range scans every
 * point stored so far: measured at 200,000 points, polling it kept InfluxDB at about half a core, CPU
 * taken from the pipeline under test on this 2-core machine.
 */
class BurstCounter {
  private static readonly CHUNK_MS = 5000;
  /** Points in the slices before `openFrom`, all complete. */
  private complete = 0;
  private openFrom: number;

  constructor(private readonly url: string, private readonly s: Series, from: number, private readonly to: number) {
    this.openFrom = from;
  }

  /** Points stored so far (or -1 when InfluxDB did not answer). */
  async count(): Promise<number> {
    if (this.openFrom >= this.to) return this.complete;
    const chunk = BurstCounter.CHUNK_MS;
    const offset = this.openFrom % chunk;
    let rows: unknown[][];
    try {
      const results = await influxQuery(this.url, this.s.database, `SELECT count("${this.s.field}") FROM "${this.s.measurement}" `
        + `WHERE time >= '${iso(this.openFrom)}' AND time < '${iso(this.to)}' GROUP BY time(${chunk}ms, ${offset}ms)`);
      rows = results[0]?.series?.[0]?.values ?? [];
    } catch {
      return -1;
    }
    let open = 0;
    let advancing = true;
    for (const [time, value] of rows) {
      const start = Number(time);
      const n = Number(value ?? 0);
      if (advancing && start === this.openFrom && n === Math.min(chunk, this.to - start)) {
        this.complete += n;
        this.openFrom = start + chunk;
      } else {
        advancing = false;
        open += n;
      }
    }
    return this.complete + open;
  }
}

/** Starts the publisher process, waits for it to be ready (connected, burst built), then lets it go. */
async function publish(config: PublisherConfig, onStart?: () => void): Promise<PublisherReport> {
  const compiled = path.join(__dirname, 'e2e-publisher.js');
  const args = fs.existsSync(compiled) ? [compiled] : ['--import', 'tsx', path.join(__dirname, 'e2e-publisher.ts')];
  const child: ChildProcess = spawn(process.execPath, [...args, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => { stderr += chunk.toString(); });
  const kill = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
  process.once('exit', kill);
  try {
    return await new Promise<PublisherReport>((resolve, reject) => {
      let buffered = '';
      child.stdout!.on('data', (chunk) => {
        buffered += chunk.toString();
        let newline;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          const message = JSON.parse(line) as { type: string };
          if (message.type === 'ready') {
            onStart?.();
            child.stdin!.write('go\n');
          } else if (message.type === 'done') resolve(message as PublisherReport);
        }
      });
      child.once('exit', (code) => reject(new Error(`the publisher exited (code ${code}) before it was done: ${stderr.trim()}`)));
    });
  } finally {
    process.removeListener('exit', kill);
    kill();
  }
}

interface Pipeline {
  side: Side;
  influxUrl: string;
  mqttUrl: string;
  series: Series;
  nodeRed: NodeRedProcess;
  dataDir: string;
  /** Next unused frame counter (each phase takes its own range, so indexes only grow). */
  nextFCnt: number;
}

/**
 * Makes sure the flow runs end to end (its subscription is active, the registries are loaded), then
 * sends two uplinks per device, timestamped two days back, and waits until InfluxDB holds them.
 */
async function warmUp(p: Pipeline): Promise<void> {
  const devices = loadWorkloadDevices(p.dataDir);
  const client = await mqtt.connectAsync(p.mqttUrl, { clientId: `st-bench-warmup-${process.pid}`, protocolVersion: 4, reconnectPeriod: 0 });
  const base = Date.now() - 2 * 86400000;
  try {
    const deadline = Date.now() + 90000;
    for (let attempt = 0; ; attempt++) {
      // Until the subscription exists, QoS 1 publishes to nobody are dropped: repeat the first uplink.
      const first = upEvent(devices[0], 0, base);
      await client.publishAsync(first.topic, first.payload, { qos: 1 });
      await sleep(500);
      if (await countStored(p.influxUrl, p.series, base, base + 1) > 0) break;
      if (Date.now() > deadline) {
        throw new Error(`${p.side}: no point reached InfluxDB within 90 s of the first uplink; Node-RED log:\n${p.nodeRed.log().slice(-4000)}`);
      }
    }
    const pending: Promise<unknown>[] = [];
    for (let i = 1; i < 2 * DEVICES; i++) {
      const e = upEvent(devices[i % DEVICES], Math.floor(i / DEVICES), base + i);
      pending.push(client.publishAsync(e.topic, e.payload, { qos: 1 }));
      if (pending.length >= 200) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const until = Date.now() + 60000;
    let stored = 0;
    while ((stored = await countStored(p.influxUrl, p.series, base, base + 2 * DEVICES)) < 2 * DEVICES) {
      if (Date.now() > until) throw new Error(`${p.side}: the warm-up stored ${stored} of ${2 * DEVICES} uplinks within 60 s; Node-RED log:\n${p.nodeRed.log().slice(-4000)}`);
      await sleep(200);
    }
  } finally {
    await client.endAsync();
  }
  p.nextFCnt = 10;
}

/** The burst: sustained uplinks/s from the first publish to the last point confirmed in InfluxDB. */
export async function runBurst(p: Pipeline, count: number, timeBase = Date.now() - count - 600000): Promise<BurstResult & { recount(): Promise<void> }> {
  const fCntStart = p.nextFCnt;
  p.nextFCnt += Math.ceil(count / DEVICES) + 10;
  let report: PublisherReport | undefined;
  const publishing = publish({ url: p.mqttUrl, dataDir: p.dataDir, mode: 'burst', count, fCntStart, timeBase, window: WINDOW })
    .then((r) => { report = r; });
  let failure: unknown;
  publishing.catch((err) => { failure = err; });
  const cpuBefore = p.nodeRed.cpuSeconds();
  const scheduleBefore = p.nodeRed.schedule();
  let scheduleAtStored = scheduleBefore;
  let stored = 0;
  let storedAt = Date.now();
  let cpuAtStored = cpuBefore;
  const hardDeadline = Date.now() + Math.max(300000, count * 4);
  const counter = new BurstCounter(p.influxUrl, p.series, timeBase, timeBase + count);
  for (;;) {
    if (failure) throw failure;
    const n = await counter.count();
    const now = Date.now();
    if (n > stored) { stored = n; storedAt = now; cpuAtStored = p.nodeRed.cpuSeconds(); scheduleAtStored = p.nodeRed.schedule(); }
    const target = report?.published ?? count;
    if (report && stored >= target) break;
    if (report && now - storedAt > STALL_MS) break;
    if (now > hardDeadline) throw new Error(`${p.side}: the burst did not end within ${(hardDeadline - storedAt) / 1000} s (${stored} stored)`);
    await sleep(COUNT_POLL_MS);
  }
  await publishing;
  const r = report!;
  if (r.errors.length > 0) log(`${p.side}: publisher errors: ${r.errors.join('; ')}`);
  const seconds = (storedAt - r.firstAt) / 1000;
  const result: BurstResult & { recount(): Promise<void> } = {
    /** Counts the burst's points again: what arrived after the burst ended was late, not lost. */
    async recount() {
      const final = await countStored(p.influxUrl, p.series, timeBase, timeBase + count);
      if (final > result.stored) {
        result.lateStored = final - result.stored;
        result.lost = result.published - final;
      }
    },
    published: r.published, stored, lost: r.published - stored, lateStored: 0, seconds, uplinksPerSecond: stored / seconds,
    nodeRedCpuPercent: ((cpuAtStored - cpuBefore) * 100) / seconds,
    cpuMicrosPerUplink: ((cpuAtStored - cpuBefore) * 1e6) / r.published,
    nodeRedMainThreadPercent: ((scheduleAtStored.runS - scheduleBefore.runS) * 100) / seconds,
    nodeRedCpuWaitPercent: ((scheduleAtStored.waitS - scheduleBefore.waitS) * 100) / seconds,
  };
  return result;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Paced publishing with latency sampling. Every POLL_MS the probe devices' newest points are read
 * (from 1 s before the newest point seen); every second a sweep over the last 15 s catches points
 * stored out of order. A sample's latency is the receive time of the first answer that holds it.
 */
export async function runPaced(p: Pipeline, rate: number, seconds: number): Promise<PacedResult> {
  const count = Math.round(rate * seconds);
  const fCntStart = p.nextFCnt;
  p.nextFCnt += Math.ceil(count / DEVICES) + 10;
  const from = Date.now() - 1000;
  const seen = new Set<string>();
  const latencies: number[] = [];
  let newest = from;
  let report: PublisherReport | undefined;
  let failure: unknown;
  const publishing = publish({ url: p.mqttUrl, dataDir: p.dataDir, mode: 'paced', count, rate, fCntStart, window: WINDOW })
    .then((r) => { report = r; }, (err) => { failure = err; });
  const probesPublished = Array.from({ length: count }, (_, i) => i % DEVICES < PROBES).filter(Boolean).length;
  const poll = async (since: number) => {
    const results = await influxQuery(p.influxUrl, p.series.database,
      `SELECT "${p.series.field}" FROM "${p.series.measurement}" WHERE "devEui" =~ /^${PROBE_PREFIX}/ AND time > '${iso(since)}' GROUP BY "devEui"`);
    const at = Date.now();
    for (const s of results[0]?.series ?? []) {
      const devEui = s.tags?.devEui ?? '';
      for (const row of s.values) {
        const t = Number(row[0]);
        const key = `${devEui}|${t}`;
        if (seen.has(key)) continue;
        seen.add(key);
        latencies.push(at - t);
        if (t > newest) newest = t;
      }
    }
  };
  const started = Date.now();
  let lastSweep = started;
  let doneAt = 0;
  for (;;) {
    if (failure) throw failure;
    await poll(Math.max(from, newest - 1000));
    const now = Date.now();
    if (now - lastSweep >= 1000) {
      lastSweep = now;
      await poll(Math.max(from, now - 15000));
    }
    if (report) {
      doneAt ||= now;
      if (seen.size >= probesPublished || now - doneAt > 15000) break;
    }
    await sleep(POLL_MS);
  }
  await publishing;
  const r = report!;
  // What is still on its way (a backlog, messages sent again after a reconnect) is late, not lost: wait
  // until everything is stored or the count stops moving for STALL_MS.
  let stored = 0;
  let movedAt = Date.now();
  for (;;) {
    const n = await countStored(p.influxUrl, p.series, from, Date.now() + 60000);
    if (n > stored) { stored = n; movedAt = Date.now(); }
    if (stored >= r.published || Date.now() - movedAt > STALL_MS) break;
    await sleep(500);
  }
  await poll(from); // a last full sweep: probes stored late still count (with their late latency)
  latencies.sort((a, b) => a - b);
  return {
    published: r.published, stored, lost: r.published - stored, samples: latencies.length, missingProbes: probesPublished - seen.size,
    p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), maxMs: latencies[latencies.length - 1] ?? NaN, maxPublisherLagMs: r.maxLagMs,
  };
}

export interface StartedPipeline extends Pipeline { stop(): Promise<void> }

/** Fresh Mosquitto, InfluxDB and Node-RED for one side, warmed up. `stop` releases everything. */
export async function startPipeline(side: Side, nodeArgs: string[] = []): Promise<StartedPipeline> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => log(`cleanup: ${(err as Error).message}`));
    cleanups.length = 0;
  };
  try {
    const dataDir = createDataDir();
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const broker = await startBenchMosquitto();
    cleanups.push(broker.stop);
    const influx = await startBenchInflux();
    cleanups.push(influx.stop);
    let nodeRed: NodeRedProcess;
    if (side === 'ours') {
      const { flows, how } = ingestFlows();
      log(`ours: ${how}, ${flows.length} nodes`);
      // The role decides both the node options (heap sizes) and what the settings load.
      const role = { SUPERVISOR_INSTANCE_ROLE: 'ingest' };
      nodeRed = await startNodeRed({
        // As a scale-out ingest worker: its own flow file, no editor, and the node options npm start and the
        // image give it (SUPERVISOR_SEMI_SPACE_MB, SUPERVISOR_MAX_OLD_SPACE_MB).
        name: 'st-bench-ours-', flows, flowFile: 'flows-ingest.json', settingsFile: path.join(root, 'dist', 'settings.js'),
        nodeArgs: [...nodeRedNodeOptions(readEnvironment({ ...process.env, ...role })), ...nodeArgs],
        env: {
          SUPERVISOR_MQTT_URL: broker.url, SUPERVISOR_TIMESERIES_URL: `${influx.url}/${OURS_SERIES.database}`,
          SUPERVISOR_SIMULATOR: 'off', SUPERVISOR_DATA_DIR: dataDir, SUPERVISOR_MODE: 'development', ...role,
          // As production runs it for QoS 1 (README, Configuration): a fixed client id keeps a persistent
          // session, so messages in flight survive a reconnect. BENCH_E2E_CLEAN_SESSION=1 measures the
          // embedded default (generated id, clean session) instead.
          SUPERVISOR_MQTT_CLIENT_ID: process.env.BENCH_E2E_CLEAN_SESSION === '1' ? '' : `st-bench-ours-${process.pid}`,
        },
      });
    } else {
      await influxQuery(influx.url, '', `CREATE DATABASE "${BASELINE_SERIES.database}"`).catch(async () => {
        // Older servers want DDL as a POST.
        await fetch(`${influx.url}/query?q=${encodeURIComponent(`CREATE DATABASE "${BASELINE_SERIES.database}"`)}`, { method: 'POST' });
      });
      nodeRed = await startNodeRed({
        name: 'st-bench-baseline-', flows: baselineFlows(broker.url, influx.url), nodeArgs,
        settings: { logging: { console: { level: 'info', metrics: false, audit: false } }, credentialSecret: false, diagnostics: { enabled: false }, telemetry: { enabled: false } },
      });
    }
    cleanups.push(nodeRed.stop);
    const pipeline: StartedPipeline = {
      side, influxUrl: influx.url, mqttUrl: broker.url, series: side === 'ours' ? OURS_SERIES : BASELINE_SERIES, nodeRed, dataDir, nextFCnt: 0, stop,
    };
    await warmUp(pipeline);
    return pipeline;
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function runSide(side: Side): Promise<SideResult> {
  const p = await startPipeline(side);
  const stopOnSignal = () => { void p.stop().then(() => process.exit(130)); };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    log(`${side}: warm-up done (Node-RED pid ${p.nodeRed.pid}); ${BURSTS} bursts of ${UPLINKS} uplinks`);
    // Each burst has its own range of timestamps, after the previous one and before the paced phase's,
    // so that meter-index sees every device's indexes in order.
    let timeBase = Date.now() - BURSTS * (UPLINKS + 60000) - 600000;
    const bursts: Array<Awaited<ReturnType<typeof runBurst>>> = [];
    for (let k = 1; k <= BURSTS; k++) {
      const burst = await runBurst(p, UPLINKS, timeBase);
      timeBase += UPLINKS + 60000;
      bursts.push(burst);
      log(`${side}: burst ${k}/${BURSTS}: ${burst.stored}/${burst.published} stored in ${burst.seconds.toFixed(1)} s (${fmt.format(burst.uplinksPerSecond)}/s), `
        + `Node-RED ${fmt.format(burst.cpuMicrosPerUplink)} µs/uplink, ${burst.nodeRedCpuPercent.toFixed(0)} % of a core, `
        + `main thread running ${burst.nodeRedMainThreadPercent.toFixed(0)} % and waiting for a CPU ${burst.nodeRedCpuWaitPercent.toFixed(0)} % of the time `
        + `(machine load average ${loadAverage()})`);
      await sleep(2000);
    }
    log(`${side}: paced ${PACED_RATE}/s for ${PACED_SECONDS} s`);
    const paced = await runPaced(p, PACED_RATE, PACED_SECONDS);
    for (const burst of bursts) {
      await burst.recount();
      if (burst.lateStored > 0) log(`${side}: ${burst.lateStored} uplinks of a burst were stored after it ended (late, not lost)`);
    }
    const peakMb = p.nodeRed.memory().peakMb;
    const errors = p.nodeRed.log().split('\n').filter((l) => /\[(error|erreur)\]/i.test(l));
    if (errors.length > 0) log(`${side}: ${errors.length} error lines in the Node-RED log, e.g. ${errors.slice(0, 3).join(' | ')}`);
    const byRate = [...bursts].sort((a, b) => a.uplinksPerSecond - b.uplinksPerSecond);
    return { side, burst: byRate[Math.floor((byRate.length - 1) / 2)], bursts, lost: bursts.reduce((sum, b) => sum + b.lost, 0), paced, peakMb };
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
    await p.stop();
  }
}

/** The 1-minute load average: on a shared machine it tells how much CPU the benchmark could have. */
export function loadAverage(): string {
  return `${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`;
}

const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

export async function benchIngestE2e(): Promise<BenchResult[]> {
  const ours = await runSide('ours');
  const baseline = await runSide('baseline');
  const line = (r: SideResult) => `${r.side.padEnd(8)} | ${fmt.format(r.burst.uplinksPerSecond).padStart(7)} uplinks/s (median; bursts ${r.bursts.map((b) => fmt.format(b.uplinksPerSecond)).join(', ')}) `
    + `| lost ${fmt.format(r.lost)} of ${fmt.format(r.bursts.reduce((sum, b) => sum + b.published, 0))} `
    + `${r.bursts.some((b) => b.lateStored > 0) ? `(${fmt.format(r.bursts.reduce((sum, b) => sum + b.lateStored, 0))} more stored late) ` : ''}| at ${PACED_RATE}/s: p50 ${fmt.format(r.paced.p50Ms)} ms, p99 ${fmt.format(r.paced.p99Ms)} ms, max ${fmt.format(r.paced.maxMs)} ms (${r.paced.samples} samples), lost ${r.paced.lost} `
    + `| peak RSS ${fmt.format(r.peakMb)} MB | Node-RED CPU ${fmt.format(r.burst.cpuMicrosPerUplink)} µs/uplink (${fmt.format(r.burst.nodeRedCpuPercent)} % of a core during the burst)`;
  const ratio = ours.burst.uplinksPerSecond / baseline.burst.uplinksPerSecond;
  const out = [
    `end-to-end ingest, ${BURSTS} bursts of ${UPLINKS} uplinks (QoS 1, ${DEVICES} devices), then ${PACED_RATE}/s for ${PACED_SECONDS} s; machine load average ${loadAverage()}:`,
    line(ours),
    line(baseline),
    `target: ≥ ${fmt.format(TARGETS.uplinksPerSecond)} uplinks/s sustained with zero loss: ${fmt.format(ours.burst.uplinksPerSecond)}/s (median of ${BURSTS}), lost ${ours.lost} → ${verdict(ours.burst.uplinksPerSecond >= TARGETS.uplinksPerSecond && ours.lost === 0)}`,
    `target: p99 < ${TARGETS.p99Ms} ms at ${PACED_RATE}/s: ${fmt.format(ours.paced.p99Ms)} ms (lost ${ours.paced.lost}) → ${verdict(ours.paced.p99Ms < TARGETS.p99Ms && ours.paced.lost === 0)}`,
    `target: peak RSS < ${TARGETS.peakMb} MB: ${fmt.format(ours.peakMb)} MB → ${verdict(ours.peakMb < TARGETS.peakMb)}`,
    `target: ≥ ${TARGETS.ratio}× the baseline: ${ratio.toFixed(2)}× (medians)${ours.lost > 0 ? ` (but ours lost ${ours.lost})` : ''} → ${verdict(ratio >= TARGETS.ratio)}`,
  ];
  for (const l of out) process.stdout.write(`${l}\n`);
  const baselineName = 'stock nodes (mqtt in → json → function → change → influxdb batch)';
  return [
    { name: 'ingest e2e burst (sustained)', figure: ours.burst.uplinksPerSecond, unit: 'uplinks/s', baselineName, baseline: baseline.burst.uplinksPerSecond, ratio },
    { name: `ingest e2e p99 at ${PACED_RATE}/s`, figure: ours.paced.p99Ms, unit: 'ms', baselineName, baseline: baseline.paced.p99Ms, ratio: ours.paced.p99Ms / baseline.paced.p99Ms },
    { name: `ingest e2e p50 at ${PACED_RATE}/s`, figure: ours.paced.p50Ms, unit: 'ms', baselineName, baseline: baseline.paced.p50Ms, ratio: ours.paced.p50Ms / baseline.paced.p50Ms },
    { name: 'ingest e2e Node-RED CPU per published uplink (a lost one costs less)', figure: ours.burst.cpuMicrosPerUplink, unit: 'µs', baselineName, baseline: baseline.burst.cpuMicrosPerUplink, ratio: ours.burst.cpuMicrosPerUplink / baseline.burst.cpuMicrosPerUplink },
    { name: 'ingest e2e peak RSS', figure: ours.peakMb, unit: 'MB', baselineName, baseline: baseline.peakMb, ratio: ours.peakMb / baseline.peakMb },
  ];
}
