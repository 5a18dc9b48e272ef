/**
 * The publisher of the end-to-end ingest benchmark, run as a process of its own (as a network server
 * would be): it publishes genuine ChirpStack v4 `up` events at QoS 1 to the broker, with at most
 * WINDOW publishes waiting for their PUBACK (a network server's MQTT client has a bounded in-flight
 * window too).
 *   burst: `count` events built BEFORE the clock starts (the publisher's own cost stays out of the
 *          measurement), published as fast as the broker takes them; event i carries time
 *          timeBase + i ms;
 *   paced: `count` events at `rate` per second, each built when due with the publish time as its
 *          ChirpStack `time` (the end-to-end latency is measured from it).
 * Uplink i belongs to device i % DEVICES with frame counter fCntStart + floor(i / DEVICES).
 * Protocol: one JSON configuration as argv[2]; prints `{"type":"ready"}` once connected (and built),
 * starts on a `go` line on stdin, prints `{"type":"done",…}` with what was published and acknowledged.
 */
import mqtt from 'mqtt';
import { DEVICES, loadWorkloadDevices, upEvent } from './support/e2e-workload';

export interface PublisherConfig {
  url: string;
  dataDir: string;
  mode: 'burst' | 'paced';
  count: number;
  /** Events per second (paced). */
  rate?: number;
  fCntStart: number;
  /** Time of event 0 in ms (burst). */
  timeBase?: number;
  /** Publishes waiting for their PUBACK at most. */
  window?: number;
}

export interface PublisherReport {
  type: 'done';
  published: number;
  acked: number;
  /** Date.now() of the first and last publish. */
  firstAt: number;
  lastAt: number;
  /** Paced: the largest delay behind schedule (ms), when the broker's acknowledgements held the publisher back. */
  maxLagMs: number;
  errors: string[];
}

function say(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as PublisherConfig;
  const window = config.window ?? 1000;
  const devices = loadWorkloadDevices(config.dataDir);
  const at = (i: number) => ({ d: devices[i % DEVICES], fCnt: config.fCntStart + Math.floor(i / DEVICES) });

  const prebuilt = config.mode === 'burst'
    ? Array.from({ length: config.count }, (_, i) => { const { d, fCnt } = at(i); return upEvent(d, fCnt, (config.timeBase ?? 0) + i); })
    : undefined;

  const client = mqtt.connect(config.url, { clientId: `st-bench-publisher-${process.pid}`, clean: true, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10000 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const errors: string[] = [];
  client.on('error', (err) => { if (errors.length < 10) errors.push(err.message); });
  say({ type: 'ready' });
  await new Promise<void>((resolve) => {
    let buffered = '';
    process.stdin.on('data', (chunk) => {
      buffered += chunk.toString();
      if (buffered.includes('go')) resolve();
    });
  });

  let published = 0;
  let acked = 0;
  let inFlight = 0;
  let firstAt = 0;
  let lastAt = 0;
  let maxLagMs = 0;
  const started = Date.now();

  await new Promise<void>((resolve) => {
    let waiting = false;
    const onAck = (err?: Error) => {
      inFlight--;
      if (err) { if (errors.length < 10) errors.push(err.message); } else acked++;
      if (published >= config.count && inFlight === 0) resolve();
      else if (waiting) { waiting = false; setImmediate(pump); }
    };
    const publishOne = () => {
      const i = published;
      const event = prebuilt ? prebuilt[i] : (() => { const { d, fCnt } = at(i); return upEvent(d, fCnt, Date.now()); })();
      if (prebuilt) prebuilt[i] = undefined as unknown as typeof event; // let the memory go
      const now = Date.now();
      if (firstAt === 0) firstAt = now;
      lastAt = now;
      published++;
      inFlight++;
      client.publish(event.topic, event.payload, { qos: 1 }, onAck);
    };
    const pump = () => {
      if (config.mode === 'burst') {
        // Hand the socket a few hundred publishes at a time, then let the acknowledgements in.
        let n = 0;
        while (published < config.count && inFlight < window && n < 500) { publishOne(); n++; }
        if (published >= config.count) return;
        if (inFlight >= window) waiting = true;
        else setImmediate(pump);
        return;
      }
      const due = Math.min(config.count, Math.floor(((Date.now() - started) * (config.rate ?? 1000)) / 1000) + 1);
      if (due - published > 1) maxLagMs = Math.max(maxLagMs, ((due - published - 1) * 1000) / (config.rate ?? 1000));
      while (published < due && inFlight < window) publishOne();
      if (published >= config.count) return;
      if (inFlight >= window) waiting = true;
      else setTimeout(pump, 2);
    };
    pump();
  });
  await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  const report: PublisherReport = { type: 'done', published, acked, firstAt, lastAt, maxLagMs, errors };
  say(report);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`e2e-publisher: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
