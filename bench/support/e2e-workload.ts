/**
 * The workload of the end-to-end ingest benchmark, shared by the orchestrator (bench/ingest-e2e.ts)
 * and the publisher process (bench/e2e-publisher.ts):
 *   - a registry of DEVICES Netvox R718H pulse counters on water meters (10 L/pulse), added to a
 *     temporary copy of data/ (devices.csv for lorawan-decode, meters.csv for reference-enrich), so
 *     decode, enrich (pulses → m3) and meter-index (index → delta) all do their real work;
 *   - genuine ChirpStack v4 `up` events of those devices (the simulator's event builder and its
 *     byte-exact R718H frame);
 *   - the two flows compared: the shipped ingest tab, and the stock-node baseline.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildUpEvent, eventTopic, radioProfile, RadioProfile } from '../../nodes/lib/simulator/chirpstack';
import { FleetDevice, loadFleet } from '../../nodes/lib/simulator/fleet';
import { encodeR718hStatus } from '../../nodes/lib/simulator/frames/netvox';
import { streamFor, Random } from '../../nodes/lib/simulator/random';

/** Package root, from bench/support (tsx) or dist/bench/support. */
export const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

export const DEVICES = 1000;
/** The first PROBES devices carry the latency samples (their own DevEUI prefix, one cheap query). */
export const PROBES = 50;
export const PROBE_PREFIX = '00137a10fe';
const OTHER_PREFIX = '00137a10ff';
const APPLICATION_ID = '3b7c9e2a-5d41-4f8a-9c62-0e1f2a3b4c5d';
const APPLICATION_NAME = 'Banc de mesure – compteurs d’eau';
const PULSE_WEIGHT_L = 10;
/** Netvox R718H reports on fPort 6 (nodes/lib/simulator/frames/netvox.ts). */
const FPORT = 6;

export function devEuiOf(index: number): string {
  return `${index < PROBES ? PROBE_PREFIX : OTHER_PREFIX}${index.toString(16).padStart(6, '0')}`;
}

/** Pulse count of an uplink: grows by 3 per frame counter, far from the uint16 rollover for a soak. */
export function pulsesAt(fCnt: number): number {
  return (100 + 3 * fCnt) % 65536;
}

/** Copies data/ into a temporary folder and adds the benchmark's devices to devices.csv and meters.csv. */
export function createDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-bench-data-'));
  fs.cpSync(path.join(root, 'data'), dir, { recursive: true });
  const devices: string[] = [];
  const meters: string[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const devEui = devEuiOf(i);
    const lat = (46.55 + (i % 50) / 1000).toFixed(4);
    const lon = (0.31 + Math.floor(i / 50) / 1000).toFixed(4);
    devices.push([devEui, `Banc ${i} – compteur d'eau`, 'netvox-r718h', 'cobalt', 'COBALT – tiers-lieu', 'Poitiers', 'water', 'grand-poitiers',
      APPLICATION_ID, APPLICATION_NAME, 'Netvox R718H', '15', lat, lon, 'm3', '1000', '500', String(PULSE_WEIGHT_L / 1000), '', ''].join(','));
    meters.push([devEui, `CPT-EAU-BANC-${i}`, 'meter', 'divisionnaire', 'water', 'cobalt', 'BAT-POI-0412', 'Poitiers', 'm3',
      String(PULSE_WEIGHT_L), 'L/pulse', '1000', '', 'général', 'grand-poitiers'].join(','));
  }
  const append = (file: string, rows: string[]) => {
    const target = path.join(dir, file);
    const text = fs.readFileSync(target, 'utf8');
    fs.writeFileSync(target, `${text.endsWith('\n') ? text : `${text}\n`}${rows.join('\n')}\n`);
  };
  append('devices.csv', devices);
  append('meters.csv', meters);
  return dir;
}

export interface WorkloadDevice {
  device: FleetDevice;
  radio: RadioProfile;
  random: Random;
}

/** The benchmark's devices as the simulator knows them, in index order (read from a data folder made by createDataDir). */
export function loadWorkloadDevices(dataDir: string): WorkloadDevice[] {
  const fleet = loadFleet(fs.readFileSync(path.join(dataDir, 'devices.csv'), 'utf8'), { file: 'devices.csv' });
  const byEui = new Map(fleet.map((d) => [d.devEui, d]));
  return Array.from({ length: DEVICES }, (_, i) => {
    const device = byEui.get(devEuiOf(i));
    if (!device) throw new Error(`device ${devEuiOf(i)} is missing from ${dataDir}/devices.csv`);
    const random = streamFor(42, device.devEui);
    return { device, radio: radioProfile(device, random), random };
  });
}

/** A genuine ChirpStack v4 `up` event of device `d` (topic and JSON body as ChirpStack publishes them). */
export function upEvent(d: WorkloadDevice, fCnt: number, timeMs: number): { topic: string; payload: Buffer } {
  const event = buildUpEvent({
    device: d.device,
    radio: d.radio,
    fCnt,
    fPort: FPORT,
    bytes: encodeR718hStatus(3.6, pulsesAt(fCnt)),
    time: timeMs,
    random: d.random,
  });
  return { topic: eventTopic(d.device.applicationId, d.device.devEui), payload: Buffer.from(JSON.stringify(event)) };
}

type FlowNode = { id: string; type: string; wires?: string[][]; [key: string]: unknown };

/**
 * The shipped ingest tab alone: as a scale-out ingest worker runs it (dist/scripts/flows-assemble.js
 * `--role ingest`, when the build has it), or with BENCH_E2E_ROLE=all (or without that script)
 * flows/10-ingest.json whole, its link-out nodes towards the dashboard tabs removed. The returned
 * `how` says which.
 */
export function ingestFlows(): { flows: FlowNode[]; how: string } {
  const shipped = shippedIngestFlows();
  const tweaks = (process.env.BENCH_E2E_TWEAKS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (tweaks.length === 0) return shipped;
  return { flows: tweakFlows(shipped.flows, tweaks), how: `${shipped.how}, tweaked for diagnosis: ${tweaks.join(', ')}` };
}

/**
 * Diagnosis only (BENCH_E2E_TWEAKS, comma-separated), to measure what a change of the shipped flow
 * would give before proposing it: `no-debug` (debug nodes inactive), `receiveMaximum=<n>` (the MQTT
 * source's window of unacknowledged messages), `flushInterval=<ms>`, `batchSize=<n>`, `maxInFlight=<n>` and
 * `writeWhenIdle=<true|false>` (the writer).
 */
function tweakFlows(flows: FlowNode[], tweaks: string[]): FlowNode[] {
  const copy = flows.map((n) => ({ ...n }));
  for (const tweak of tweaks) {
    const [name, value] = tweak.split('=');
    const set = (type: string, property: string) => {
      const nodes = copy.filter((n) => n.type === type);
      if (nodes.length === 0) throw new Error(`BENCH_E2E_TWEAKS ${tweak}: the ingest flow has no ${type} node`);
      for (const n of nodes) n[property] = value;
    };
    if (name === 'no-debug') for (const n of copy.filter((n) => n.type === 'debug')) n.active = false;
    else if (name === 'receiveMaximum') set('lorawan-mqtt-in', 'receiveMaximum');
    else if (name === 'flushInterval' || name === 'batchSize' || name === 'maxInFlight' || name === 'writeWhenIdle') set('timeseries-write', name);
    else throw new Error(`BENCH_E2E_TWEAKS: unknown tweak "${tweak}" (no-debug, receiveMaximum=<n>, flushInterval=<ms>, batchSize=<n>, maxInFlight=<n>, writeWhenIdle=<true|false>)`);
  }
  return copy;
}

function shippedIngestFlows(): { flows: FlowNode[]; how: string } {
  const cli = path.join(root, 'dist', 'scripts', 'flows-assemble.js');
  // BENCH_E2E_ROLE=all: the whole tab as a single instance runs it (with its dashboard branches).
  const role = (process.env.BENCH_E2E_ROLE ?? 'ingest').trim();
  if (role !== 'ingest' && role !== 'all') throw new Error(`BENCH_E2E_ROLE="${role}" must be ingest or all`);
  if (role === 'ingest' && fs.existsSync(cli)) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'st-bench-flows-')), 'ingest.json');
    try {
      const run = spawnSync(process.execPath, [cli, '--role', 'ingest', '--out', out], { cwd: root, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`flows-assemble --role ingest failed (${run.status}): ${run.stderr || run.stdout}`);
      return { flows: JSON.parse(fs.readFileSync(out, 'utf8')) as FlowNode[], how: 'dist/scripts/flows-assemble.js --role ingest' };
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  }
  const nodes = JSON.parse(fs.readFileSync(path.join(root, 'flows', '10-ingest.json'), 'utf8')) as FlowNode[];
  const dropped = new Set(nodes.filter((n) => n.type === 'link out').map((n) => n.id));
  const flows = nodes.filter((n) => !dropped.has(n.id)).map((n) => (n.wires ? { ...n, wires: n.wires.map((port) => port.filter((id) => !dropped.has(id))) } : n));
  return { flows, how: 'flows/10-ingest.json without its link-out nodes' };
}

/** Measurement and field our flow stores once per uplink of the benchmark's devices (pulses converted to m3). */
export const OURS_SERIES = { database: 'supervisor', measurement: 'water_volume', field: 'index' } as const;
export const BASELINE_SERIES = { database: 'baseline', measurement: 'water_meter', field: 'pulses' } as const;

/**
 * The decoder a user writes in a function node: Buffer reads of the R718H status report, one point
 * object for node-red-contrib-influxdb with the radio figures as fields.
 */
const BASELINE_DECODER = `// Netvox R718H (compteur d'impulsions) : rapport d'état sur le port 6
const up = msg.payload;
const bytes = Buffer.from(up.data, 'base64');
if (up.fPort !== 6 || bytes.length < 6 || bytes[1] !== 0x1f || bytes[2] !== 0x01) {
    node.warn('trame inattendue de ' + up.deviceInfo.devEui);
    return null;
}
const pulses = bytes.readUInt16BE(4);
const rx = (up.rxInfo && up.rxInfo[0]) || {};
msg.payload = [{
    measurement: 'water_meter',
    tags: { devEui: up.deviceInfo.devEui, device: up.deviceInfo.deviceName, application: up.deviceInfo.applicationName },
    fields: { pulses: pulses, volume_m3: 1000 + pulses * ${PULSE_WEIGHT_L} / 1000, battery: bytes[3] / 10, rssi: rx.rssi, snr: rx.snr, fCnt: up.fCnt || 0 },
    timestamp: new Date(up.time)
}];
return msg;
`;

/** The baseline: mqtt in → json → function (decoder) → change → influxdb batch, one write per uplink. */
export function baselineFlows(mqttUrl: string, influxUrl: string): FlowNode[] {
  const broker = new URL(mqttUrl);
  const influx = new URL(influxUrl);
  const at = (x: number) => ({ z: 'tab-baseline', x, y: 100 });
  return [
    { id: 'tab-baseline', type: 'tab', label: 'Baseline: stock nodes' },
    { id: 'baseline-broker', type: 'mqtt-broker', name: 'Mosquitto', broker: broker.hostname, port: broker.port, clientid: '', autoConnect: true, usetls: false,
      protocolVersion: '4', keepalive: '60', cleansession: true, autoUnsubscribe: true },
    { id: 'baseline-influx', type: 'influxdb', hostname: influx.hostname, port: influx.port, protocol: 'http', database: BASELINE_SERIES.database, name: 'InfluxDB',
      usetls: false, tls: '', influxdbVersion: '1.x', url: '', rejectUnauthorized: true },
    { id: 'in', type: 'mqtt in', name: 'ChirpStack', topic: 'application/+/device/+/event/up', qos: '1', datatype: 'auto', broker: 'baseline-broker',
      nl: false, rap: true, rh: 0, inputs: 0, ...at(100), wires: [['json']] },
    { id: 'json', type: 'json', name: '', property: 'payload', action: '', pretty: false, ...at(250), wires: [['decode']] },
    { id: 'decode', type: 'function', name: 'Décoder R718H', func: BASELINE_DECODER, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [],
      ...at(400), wires: [['tidy']] },
    { id: 'tidy', type: 'change', name: 'Nettoyer le message', rules: [{ t: 'delete', p: 'topic', pt: 'msg' }, { t: 'delete', p: 'qos', pt: 'msg' }, { t: 'delete', p: 'retain', pt: 'msg' }],
      action: '', property: '', from: '', to: '', reg: false, ...at(550), wires: [['write']] },
    { id: 'write', type: 'influxdb batch', influxdb: 'baseline-influx', precision: 'ms', retentionPolicy: '', name: 'InfluxDB', ...at(700), wires: [] },
  ];
}
