/**
 * Benchmark of the ingest edge: N realistic ChirpStack v4 `up` events (about 900 bytes of JSON each,
 * 1,000 devices, held as Buffers as `mqtt in` delivers them) measured three ways in the same run:
 *   (a) the pure parser (nodes/lib/lorawan/events.ts), topic and body, de-duplication included;
 *   (b) the lorawan-event node inside a Node-RED runtime (node-red-node-test-helper), fed with
 *       node.receive() and timed until a sink node has received every event;
 *   (c) the baseline: bare JSON.parse of the same Buffers, the floor of any JSON consumer.
 * Ratios against (c) are what to compare between machines (see shared/reference/performance.md).
 */
import helper from 'node-red-node-test-helper';
import type { Node, NodeInitializer, NodeMessage } from 'node-red';
import { RecentKeys, parseEventBody, parseEventTopic } from '../nodes/lib/lorawan/events';
import lorawanEventNode = require('../nodes/lorawan-event/lorawan-event');
import { BenchResult } from './types';

const N = Number(process.env.BENCH_EVENTS) || 200000;
const DEVICES = 1000;
const WARMUP = 20000;
/** Timed passes of each measurement; the median is kept. */
const PASSES = 3;
/** Messages fed to the runtime between two turns of the event loop, as a socket would deliver them. */
const FEED_BATCH = 500;

interface Sample {
  topic: string;
  payload: Buffer;
}

const APPLICATION_ID = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/** The i-th uplink of the burst: device i % 1000, its own fCnt, time and deduplicationId. */
function uplink(i: number): Sample {
  const device = i % DEVICES;
  const devEui = `70b3d5e75e${hex(device, 6)}`;
  const fCnt = Math.floor(i / DEVICES);
  const ms = Date.UTC(2024, 0, 15, 8, 0, 0) + i * 7;
  // Nanoseconds and +00:00, as ChirpStack writes its times.
  const time = `${new Date(ms).toISOString().slice(0, 23)}${String(i % 1000000).padStart(6, '0')}+00:00`;
  // An 11-byte frame: an energy index, a power, a voltage and a counter.
  const frame = Buffer.alloc(11);
  frame.writeUInt8(0x11, 0);
  frame.writeUInt32BE(1000000 + i, 1);
  frame.writeUInt16BE(1500 + (i % 700), 5);
  frame.writeUInt16BE(2300 + (i % 20), 7);
  frame.writeUInt16BE(fCnt & 0xffff, 9);
  // One gateway and no `object`: our ChirpStack profiles have no codec, lorawan-decode decodes.
  const body = {
    deduplicationId: `${hex(i, 8)}-4b8d-4386-a5c9-${hex(device, 12)}`,
    time,
    deviceInfo: {
      tenantId: '52f14cd4-c6f1-4fbd-8f87-4025e1d49242',
      tenantName: 'Grand Poitiers',
      applicationId: APPLICATION_ID,
      applicationName: 'Compteurs',
      deviceProfileId: '14855bf7-d10d-4aee-b618-ebfcb64dc7ad',
      deviceProfileName: 'Watteco TIC CBE',
      deviceName: `compteur-${device}`,
      devEui,
      tags: { batiment: `B${device % 120}`, commune: 'Poitiers', fluide: 'electricite' },
    },
    devAddr: hex(0x26011000 + device, 8),
    adr: true,
    dr: 5,
    fCnt,
    fPort: 2,
    data: frame.toString('base64'),
    rxInfo: [{
      gatewayId: `0016c001f1${hex(device % 7, 6)}`,
      uplinkId: (i * 7919) % 4294967296,
      nsTime: new Date(ms + 3).toISOString(),
      rssi: -60 - (i % 60),
      snr: (i % 20) - 7.5,
      channel: i % 8,
      context: 'E3OWOQ==',
      metadata: { region_common_name: 'EU868', region_config_id: 'eu868' },
      crcStatus: 'CRC_OK',
    }],
    txInfo: { frequency: 868100000 + (i % 3) * 200000, modulation: { lora: { bandwidth: 125000, spreadingFactor: 7, codeRate: 'CR_4_5' } } },
  };
  return { topic: `application/${APPLICATION_ID}/device/${devEui}/event/up`, payload: Buffer.from(JSON.stringify(body)) };
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Keeps results alive so the engine cannot skip the work. */
let sink = 0;

function passJsonParse(samples: Sample[], count: number): number {
  const started = nowMs();
  for (let i = 0; i < count; i++) {
    const body = JSON.parse(samples[i].payload.toString('utf8'));
    sink += body.fCnt;
  }
  return count / ((nowMs() - started) / 1000);
}

function passParser(samples: Sample[], count: number): number {
  const recent = new RecentKeys(10000);
  const started = nowMs();
  for (let i = 0; i < count; i++) {
    const sample = samples[i];
    const event = parseEventBody(parseEventTopic(sample.topic), sample.payload);
    if (event.eventType === 'up' && !recent.isDuplicate(event.dedupId)) sink += event.fCnt;
  }
  return count / ((nowMs() - started) / 1000);
}

/** Feeds every sample to a freshly loaded lorawan-event node and resolves with events/s once the sink has them all. */
async function passNode(samples: Sample[], count: number): Promise<number> {
  const at = { z: 'bench', x: 100, y: 100 };
  await helper.load(lorawanEventNode as unknown as NodeInitializer, [
    { id: 'bench', type: 'tab', label: 'bench' },
    { id: 'ev', type: 'lorawan-event', name: 'bench', ...at, wires: [['sink']] },
    { id: 'sink', type: 'helper', ...at },
  ] as Array<{ id: string; type: string }>);
  const node = helper.getNode('ev') as Node;
  // The helper wraps Node methods in sinon spies that record every call and keep every message; a
  // production runtime does not. Remove them, including the copy of `send` the node took at creation.
  const internals = helper as unknown as { _sandbox: { restore(): void }; _NodePrototype: { send: Node['send'] } };
  internals._sandbox.restore();
  node.send = internals._NodePrototype.send;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    helper.getNode('sink').on('input', () => {
      received++;
      if (received === count) resolve();
    });
  });
  const started = nowMs();
  for (let i = 0; i < count; i++) {
    node.receive({ topic: samples[i].topic, payload: samples[i].payload } as NodeMessage);
    if (i % FEED_BATCH === FEED_BATCH - 1) await new Promise((r) => setImmediate(r));
  }
  await done;
  const rate = count / ((nowMs() - started) / 1000);
  await helper.unload();
  return rate;
}

export async function benchLorawanEvent(): Promise<BenchResult[]> {
  const samples = Array.from({ length: N }, (_, i) => uplink(i));
  const bytes = samples.reduce((total, s) => total + s.payload.length, 0);
  process.stdout.write(`lorawan-event: ${N.toLocaleString('en-US')} ChirpStack v4 up events of ${Math.round(bytes / N)} bytes on average, ${DEVICES} devices\n`);

  helper.init(require.resolve('node-red'));
  // Warm-up: the same code paths, so the JIT has optimised them before any timing.
  passJsonParse(samples, WARMUP);
  passParser(samples, WARMUP);
  await passNode(samples, WARMUP);

  const baseline: number[] = [];
  const parser: number[] = [];
  for (let pass = 0; pass < PASSES; pass++) {
    baseline.push(passJsonParse(samples, N));
    parser.push(passParser(samples, N));
  }
  const node: number[] = [];
  for (let pass = 0; pass < PASSES; pass++) node.push(await passNode(samples, N));
  if (sink === -1) process.stdout.write('\n'); // never true: it only keeps `sink` observable

  const base = median(baseline);
  const result = (name: string, figure: number): BenchResult => ({
    name, figure, unit: 'events/s', baselineName: 'JSON.parse', baseline: base, ratio: figure / base,
  });
  return [result('lorawan-event parse', median(parser)), result('lorawan-event node', median(node))];
}
