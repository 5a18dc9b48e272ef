/**
 * Horizontal scale-out (docs/scale-out.md): 3 Node-RED ingest workers — each a real `red.js` process with
 * dist/settings.js and the ingest role's flow (scripts/flows-assemble.ts), its own persistent MQTT session
 * and the same share group — on a real Mosquitto, writing to a real InfluxDB. 50,000 genuine ChirpStack v4
 * uplinks (Watteco Vaqa'O Lite temperature frames of the sample fleet, each with its own time) are published
 * at QoS 1; InfluxDB must end with exactly 50,000 points whose sum is the sum of the published
 * temperatures, and each worker must have taken a share. The second run SIGKILLs one worker in the middle
 * and restarts it with the same client id and user directory, as a container restart policy would.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectAsync, MqttClient } from 'mqtt';
import { buildUpEvent, eventTopic, radioProfile } from '../../nodes/lib/simulator/chirpstack';
import { loadFleet } from '../../nodes/lib/simulator/fleet';
import { WATTECO_PORT, encodeTemperature } from '../../nodes/lib/simulator/frames/watteco';
import { mulberry32 } from '../../nodes/lib/simulator/random';
import { nodeRedNodeOptions, readEnvironment } from '../../scripts/environment';
import { ingestFlows } from '../../scripts/flows-assemble';
import { freePort } from '../support/ports';
import { InfluxService, MqttService, startInfluxDb, startMosquitto } from '../support/services';

const ROOT = path.resolve(__dirname, '..', '..');
const UPLINKS = 50000;
const WORKERS = 3;
const FIRST_TIME = Date.parse('2026-11-01T00:00:00Z');
/** Each run's uplinks have times of their own: one second apart, runs a day apart. */
const RUN_SPAN_MS = 86400000;

interface Uplink { topic: string; body: string }
interface Published { list: Uplink[]; hundredthsSum: number }

/** The uplinks of one run and the checksum InfluxDB must end with (temperatures in hundredths of °C). */
function uplinks(run: number): Published {
  const fleet = loadFleet(fs.readFileSync(path.join(ROOT, 'data', 'devices.csv'), 'utf8')).filter((d) => d.model === 'watteco-vaqao-lite');
  assert.ok(fleet.length >= 4, 'the sample fleet has Vaqa\'O Lite comfort sensors');
  const random = mulberry32(9 + run);
  const radios = fleet.map((d) => radioProfile(d, random));
  const list: Uplink[] = [];
  let hundredthsSum = 0;
  for (let i = 0; i < UPLINKS; i++) {
    const k = i % fleet.length;
    const hundredths = 1500 + ((i * 37) % 1000); // 15.00 to 24.99 °C
    hundredthsSum += hundredths;
    const event = buildUpEvent({
      device: fleet[k], radio: radios[k], fCnt: Math.floor(i / fleet.length) + 1, fPort: WATTECO_PORT,
      bytes: encodeTemperature(hundredths / 100), time: FIRST_TIME + run * RUN_SPAN_MS + i * 1000, random,
    });
    list.push({ topic: eventTopic(fleet[k].applicationId, fleet[k].devEui), body: JSON.stringify(event) });
  }
  return { list, hundredthsSum };
}

interface Summary { received: number; settled: number; timedOut: number; unsettled: number; rate: number }

/** One Node-RED ingest worker: a red.js process, restartable on the same user directory. */
class Worker {
  proc?: ChildProcess;
  readonly log: string[] = [];
  /** The last summary line of each process run (the killed one's last periodic line). */
  readonly runs: Summary[] = [];

  constructor(readonly clientId: string, readonly userDir: string, readonly env: NodeJS.ProcessEnv) {}

  async start(): Promise<void> {
    const port = await freePort();
    // As npm start and the image run it: with the platform's node options (V8 heap sizes of an ingest worker).
    const options = nodeRedNodeOptions(readEnvironment({ ...process.env, ...this.env }));
    const proc = spawn(process.execPath, [...options, require.resolve('node-red/red.js'), '--settings', path.join(ROOT, 'dist', 'settings.js'), '--userDir', this.userDir], {
      env: { ...process.env, ...this.env, SUPERVISOR_HTTP_PORT: String(port), SUPERVISOR_USER_DIR: this.userDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.runs.push({ received: 0, settled: 0, timedOut: 0, unsettled: 0, rate: 0 });
    const run = this.runs.length - 1;
    let partial = '';
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.log.push(line);
        const m = /: (\d+) messages received, (\d+) acknowledged once settled, (\d+) by timeout, (\d+) waiting, (\d+) messages\/s/.exec(line);
        if (m) this.runs[run] = { received: +m[1], settled: +m[2], timedOut: +m[3], unsettled: +m[4], rate: +m[5] };
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    const deadline = Date.now() + 60000;
    while (!this.log.some((l, i) => i >= this.logMark && l.includes('subscribed to $share/'))) {
      if (proc.exitCode !== null) throw new Error(`${this.clientId} exited:\n${this.log.slice(-30).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`${this.clientId} did not subscribe within 60 s:\n${this.log.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.logMark = this.log.length;
  }

  private logMark = 0;

  /** Peak resident memory of the running process, in MB (VmHWM). */
  peakRssMb(): number {
    try {
      const status = fs.readFileSync(`/proc/${this.proc!.pid}/status`, 'utf8');
      return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024);
    } catch {
      return 0;
    }
  }

  kill(): void {
    this.proc?.kill('SIGKILL');
  }

  /** A graceful stop (SIGINT, as `docker stop` sends SIGTERM): the node logs its summary on close. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const killer = setTimeout(() => proc.kill('SIGKILL'), 20000);
      proc.once('exit', () => { clearTimeout(killer); resolve(); });
      proc.kill('SIGINT');
    });
  }

  get received(): number {
    return this.runs.reduce((sum, r) => sum + r.received, 0);
  }
}

async function influxQuery(influx: InfluxService, db: string, q: string): Promise<Array<Array<number | string>>> {
  const res = await fetch(`${influx.url}/query?db=${db}&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ values: Array<Array<number | string>> }>; error?: string }> };
  if (body.results[0].error) throw new Error(body.results[0].error);
  return body.results[0].series?.[0].values ?? [];
}

/** Publishes every uplink at QoS 1, at most `window` unacknowledged at a time; resolves when the broker has them all. */
async function publishAll(client: MqttClient, list: Uplink[], window = 2000): Promise<void> {
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (sent < list.length && sent - acked < window) {
        const { topic, body } = list[sent++];
        client.publish(topic, body, { qos: 1 }, (err) => {
          if (err) return reject(err);
          acked++;
          if (acked === list.length) resolve();
          else pump();
        });
      }
    };
    pump();
  });
}

describe('scale-out: 3 ingest workers on a shared subscription (real Mosquitto, InfluxDB, Node-RED)', function () {
  this.timeout(180000);
  let mosquitto: MqttService;
  let influx: InfluxService;
  let workers: Worker[] = [];
  const dirs: string[] = [];
  const DB = 'scale';

  before(async function () {
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'settings.js')), 'dist/settings.js is built (npm run build)');
    [mosquitto, influx] = await Promise.all([startMosquitto(), startInfluxDb()]);
    const flow = ingestFlows(ROOT);
    const source = flow.find((n) => n.type === 'lorawan-mqtt-in');
    assert.ok(source, 'the ingest flow starts with lorawan-mqtt-in');
    source.metricsInterval = 1; // a summary line in the log every second while messages come, read below
    for (let i = 1; i <= WORKERS; i++) {
      const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `st-scale-${i}-`));
      dirs.push(userDir);
      // The ingest role runs its own flow file (settings.ts); flows.json too, whatever the settings pick.
      for (const file of ['flows-ingest.json', 'flows.json']) fs.writeFileSync(path.join(userDir, file), JSON.stringify(flow, null, 4));
      workers.push(new Worker(`worker-${i}`, userDir, {
        SUPERVISOR_INSTANCE_ROLE: 'ingest',
        SUPERVISOR_HOST: '127.0.0.1',
        SUPERVISOR_LANG: 'en-US',
        SUPERVISOR_LOG_LEVEL: 'info',
        SUPERVISOR_SIMULATOR: 'off',
        SUPERVISOR_MQTT_URL: mosquitto.url,
        SUPERVISOR_MQTT_SHARE_GROUP: 'nr-ingest',
        SUPERVISOR_MQTT_CLIENT_ID: `worker-${i}`,
        SUPERVISOR_TIMESERIES_URL: `${influx.url}/${DB}`,
      }));
    }
    await Promise.all(workers.map((w) => w.start()));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all([mosquitto?.stop(), influx?.stop()]);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** What InfluxDB holds of one run's uplinks (its own time range). */
  async function stored(run: number): Promise<{ count: number; sum: number }> {
    const from = FIRST_TIME + run * RUN_SPAN_MS;
    const q = `SELECT count("value"), sum("value") FROM "temperature" WHERE time >= ${from}ms AND time < ${from + RUN_SPAN_MS}ms`;
    try {
      const rows = await influxQuery(influx, DB, q);
      return rows.length === 0 ? { count: 0, sum: 0 } : { count: Number(rows[0][1]), sum: Number(rows[0][2]) };
    } catch {
      return { count: 0, sum: 0 }; // the database is not created yet
    }
  }

  async function waitForAll(run: number, deadline: number): Promise<{ count: number; sum: number }> {
    let last = await stored(run);
    while (last.count < UPLINKS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      last = await stored(run);
    }
    return last;
  }

  /** Received counts of every worker; once the summary lines have caught up (they come every second). */
  async function receivedNow(): Promise<number[]> {
    await new Promise((r) => setTimeout(r, 2500));
    return workers.map((w) => w.received);
  }

  function check(result: { count: number; sum: number }, data: Published): void {
    // A point is measurement + tags + time, and each uplink has its own time: the count is the number of
    // distinct uplinks stored, whatever the duplicates that overwrote themselves.
    assert.equal(result.count, UPLINKS, `InfluxDB holds ${result.count} of ${UPLINKS} uplinks`);
    assert.ok(Math.abs(result.sum * 100 - data.hundredthsSum) < 0.5, `checksum: the stored temperatures add up to ${result.sum}, the published ones to ${data.hundredthsSum / 100}`);
  }

  it('stores 50,000 uplinks exactly once, the 3 workers sharing the load', async () => {
    const data = uplinks(0);
    const before = workers.map((w) => w.received);
    const publisher = await connectAsync(mosquitto.url, { clientId: 'scale-publisher-0', protocolVersion: 4 });
    const started = Date.now();
    try {
      await publishAll(publisher, data.list);
    } finally {
      await publisher.endAsync();
    }
    const published = (Date.now() - started) / 1000;
    const result = await waitForAll(0, started + 120000);
    const seconds = (Date.now() - started) / 1000;
    check(result, data);
    const shares = (await receivedNow()).map((n, i) => n - before[i]);
    process.stdout.write(`    ${UPLINKS} uplinks published in ${published.toFixed(1)} s, all stored ${seconds.toFixed(1)} s after the first publish: ${Math.round(UPLINKS / seconds)} uplinks/s for the 3 workers\n`);
    shares.forEach((n, i) => process.stdout.write(`      ${workers[i].clientId}: ${n} uplinks, ${Math.round(n / seconds)}/s, peak RSS ${workers[i].peakRssMb()} MB\n`));
    shares.forEach((n, i) => assert.ok(n >= UPLINKS * 0.2, `${workers[i].clientId} took a share: ${n} of ${UPLINKS}`));
    assert.equal(shares.reduce((a, b) => a + b, 0), UPLINKS, 'no message delivered twice without a failure');
    for (const w of workers) assert.equal(w.runs[w.runs.length - 1].timedOut, 0, `${w.clientId}: every message settled by the flow, none by the timeout`);
  });

  it('still stores each of them exactly once when a worker is SIGKILLed in the middle and restarted', async () => {
    const data = uplinks(1);
    const victim = workers[1];
    const before = workers.map((w) => w.received);
    const publisher = await connectAsync(mosquitto.url, { clientId: 'scale-publisher-1', protocolVersion: 4 });
    const started = Date.now();
    let killedAt = -1;
    let victimBefore = 0;
    let victimWaiting = 0;
    // Kill once a third is stored, while uplinks still come: the victim holds points in memory and
    // messages it has not acknowledged, and the broker keeps routing its share to its session.
    const killer = (async () => {
      while ((killedAt = (await stored(1)).count) < UPLINKS / 3) {
        assert.ok(Date.now() - started < 90000, 'a third of the uplinks stored within 90 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      victimBefore = victim.received - before[1];
      victimWaiting = victim.runs[0].unsettled;
      victim.kill();
      await new Promise((r) => setTimeout(r, 1000)); // a restart policy's delay
      await victim.start();
    })();
    try {
      await Promise.all([publishAll(publisher, data.list), killer]);
    } finally {
      await publisher.endAsync();
    }
    const result = await waitForAll(1, started + 150000);
    const seconds = (Date.now() - started) / 1000;
    check(result, data);
    const shares = (await receivedNow()).map((n, i) => n - before[i]);
    const restarted = victim.runs[victim.runs.length - 1].received;
    process.stdout.write(`    ${victim.clientId} SIGKILLed with ${killedAt} uplinks stored (its last summary: ${victimBefore} received, ${victimWaiting} not yet settled) and restarted; all ${UPLINKS} stored ${seconds.toFixed(1)} s after the first publish\n`);
    shares.forEach((n, i) => process.stdout.write(`      ${workers[i].clientId}: ${n} messages received${i === 1 ? ` (${restarted} after its restart)` : ''}\n`));
    shares.forEach((n, i) => assert.ok(n >= UPLINKS * 0.2, `${workers[i].clientId} took a share: ${n} of ${UPLINKS}`));
    assert.ok(restarted > 0, 'the restarted worker got its persistent session back (messages it had not acknowledged, and its share queued meanwhile)');
  });
});
