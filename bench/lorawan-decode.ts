/**
 * Benchmark of decoding: frames/s of each native decoder of the catalog (at run time), on its golden
 * frames (test/fixtures/golden/<model>.json, the frames that decode), compared in the same run with:
 *   - for the frame families of VENDOR_FAMILIES: the SAME frames decoded by a TTN-convention codec
 *     written in the plain ES5 style vendors use (bench/vendor-style-codecs/<file>.js), run in the
 *     QuickJS sandbox with its mapping (<file>.mapping.json). The frames are the family's golden frames
 *     plus a few the simulator builds; before timing, both paths must give identical measurements and
 *     status (alarms compared as a set) for every one of them, or the benchmark fails;
 *   - for the models (or the rest of a model's frames) no family covers: the issue's target of
 *     200,000 frames/s on one core (ratio = figure / target).
 * The issue's targets: native ≥ 10× the sandbox, ≥ 200,000 frames/s for fixed-frame families.
 */
import fs from 'node:fs';
import path from 'node:path';
import { catalog } from '../nodes/lib/codecs';
import { hexToBytes } from '../nodes/lib/codecs/reader';
import type { DecodeInput, DecodedFrame, DeviceCodec } from '../nodes/lib/codecs/types';
import { MappingRule, VendorModel } from '../nodes/lib/codecs/sandbox';
import { encodeNasStatus, encodeNasUsage } from '../nodes/lib/simulator/frames/nas';
import { encodeHumidity, encodePulseIndex, encodeTemperature } from '../nodes/lib/simulator/frames/watteco';
import { BenchResult } from './types';

/** Package root, from bench/ (tsx) or dist/bench/ (npm run bench). */
const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const goldenDir = path.join(root, 'test', 'fixtures', 'golden');
const vendorDir = path.join(root, 'bench', 'vendor-style-codecs');
const RECV_TIME = new Date('2026-01-15T10:00:00.000Z');
/** Time spent measuring each figure; the best of PASSES is kept. */
const MEASURE_MS = Number(process.env.BENCH_DECODE_MS) || 400;
const PASSES = 3;
const TARGET = 200000;

interface GoldenFrame { fPort: number; bytesHex: string; recvTime?: string; expectedError?: string }

function goldenInputs(model: string): DecodeInput[] {
  const file = path.join(goldenDir, `${model}.json`);
  if (!fs.existsSync(file)) return [];
  const frames = (JSON.parse(fs.readFileSync(file, 'utf8')) as { frames: GoldenFrame[] }).frames;
  return frames
    .filter((f) => f.expectedError === undefined)
    .map((f) => ({ bytes: Buffer.from(hexToBytes(f.bytesHex)), fPort: f.fPort, recvTime: f.recvTime ? new Date(f.recvTime) : RECV_TIME }));
}

let sink = 0;

/** Frames per second of `decode` over `inputs`, best of PASSES runs of about MEASURE_MS each. */
function rate<T>(inputs: T[], decode: (input: T) => DecodedFrame): number {
  // Warm-up, and how many rounds fit in about 20 ms.
  let rounds = 1;
  for (;;) {
    const started = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) for (const input of inputs) sink += decode(input).measurements.length;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (ms > 20) break;
    rounds *= 2;
  }
  let best = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    let frames = 0;
    const started = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < MEASURE_MS) {
      for (let r = 0; r < rounds; r++) for (const input of inputs) sink += decode(input).measurements.length;
      frames += rounds * inputs.length;
      elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    }
    best = Math.max(best, (frames * 1000) / elapsed);
  }
  return best;
}

/** Measurements and status of a decoded frame, order-independent (an empty alarm list = no alarms). */
function canonical(frame: DecodedFrame): string {
  const measurements = [...frame.measurements].map((m) => `${m.quantity}|${m.channel ?? ''}|${m.kind}|${m.unit}|${m.value}|${m.time ?? ''}`).sort();
  const status: Record<string, unknown> = { ...(frame.status ?? {}) };
  if (Array.isArray(status.alarms)) {
    if (status.alarms.length === 0) delete status.alarms;
    else status.alarms = [...status.alarms].sort();
  }
  return JSON.stringify({ measurements, status: Object.keys(status).sort().map((k) => [k, status[k]]) });
}

/** A frame and the model whose native codec decodes it. */
interface ModelInput { model: string; input: DecodeInput }

/** A frame family both decoded natively and by a vendor-style codec in the sandbox. */
interface VendorFamily {
  /** Label of the figure. */
  name: string;
  /** bench/vendor-style-codecs/<file>.js and <file>.mapping.json */
  file: string;
  models: string[];
  /** The golden frames of a model the vendor-style codec handles. */
  covers(input: DecodeInput): boolean;
  /** Frames the simulator builds, added to the golden ones. */
  simulated?(): ModelInput[];
}

const at = (bytes: Buffer, fPort: number): DecodeInput => ({ bytes, fPort, recvTime: RECV_TIME });

const VENDOR_FAMILIES: VendorFamily[] = [
  { name: 'netvox-r718h', file: 'netvox-r718h', models: ['netvox-r718h'], covers: () => true },
  {
    name: 'nas-ul20xx status (fPort 23) + usage (fPort 26)',
    file: 'nas-ul20xx',
    models: ['nas-ul20xx'],
    covers: (input) => input.fPort === 23 || input.fPort === 26,
    simulated: () => {
      const epoch = Math.floor(RECV_TIME.getTime() / 1000);
      const status = (level: number, reason: number, dali: number, alerts: number, relay: number) => at(encodeNasStatus({
        epoch, statusBits: relay, statusBits2: 0, downlinkRssi: 97, downlinkSnr: 7, mcuTemperature: 21, alerts,
        sensorSources: [], dimming: [{ address: 0xfe, reason, level, daliStatus: dali }],
      }), 23);
      return [
        status(100, 0x50, 0x04, 0, 0x80), // night, on
        status(0, 0x21, 0x00, 0, 0x00), // day, off
        status(0, 0x50, 0x02, 0x20, 0x80), // lamp failure
        at(encodeNasUsage([{ address: 0xff, activeEnergyWh: 12_345_678, activePowerW: 57, powerFactor: 0.95, mainsVoltage: 231, driverOperatingTimeS: 40_000_000, lampOnTimeS: 25_000_000 }]), 26),
        at(encodeNasUsage([{ address: 0xff, activeEnergyWh: 12_345_700, activePowerW: 0, powerFactor: null, mainsVoltage: 229, driverOperatingTimeS: 40_003_600, lampOnTimeS: 25_000_000 }]), 26),
      ].map((input) => ({ model: 'nas-ul20xx', input }));
    },
  },
  {
    name: "watteco standard reports (Pulse Sens'O pulse counter, Vaqa'O Lite temperature/humidity)",
    file: 'watteco-standard-report',
    models: ['watteco-pulse-senso', 'watteco-pulse-senso-atex', 'watteco-vaqao-lite'],
    covers: (input) => {
      const b = input.bytes;
      if (input.fPort !== 125 || b.length < 7 || b[0] !== 0x11 || b[1] !== 0x0a) return false;
      const key = ((b[2] << 24) | (b[3] << 16) | (b[4] << 8) | b[5]) >>> 0;
      return key === 0x000f0402 || key === 0x04020000 || key === 0x04050000;
    },
    simulated: () => [
      ...[1, 65_535, 1_234_567, 4_000_000_000].map((pulses) => ({ model: 'watteco-pulse-senso', input: at(encodePulseIndex(pulses), 125) })),
      ...[-5.25, 19.8, 23.47].map((c) => ({ model: 'watteco-vaqao-lite', input: at(encodeTemperature(c), 125) })),
      ...[31.5, 58.05].map((h) => ({ model: 'watteco-vaqao-lite', input: at(encodeHumidity(h), 125) })),
    ],
  },
];

export async function benchLorawanDecode(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const codecOf = (model: string): DeviceCodec => {
    const codec = catalog.get(model);
    if (!codec) throw new Error(`no native codec for ${model}`);
    return codec;
  };
  /** Models whose golden frames a family covers entirely: no separate target figure. */
  const fullyCovered = new Set<string>();
  for (const family of VENDOR_FAMILIES) {
    const frames: ModelInput[] = [];
    for (const model of family.models) {
      const golden = goldenInputs(model);
      const covered = golden.filter((input) => family.covers(input));
      if (golden.length > 0 && covered.length === golden.length) fullyCovered.add(model);
      frames.push(...covered.map((input) => ({ model, input })));
    }
    const goldenCount = frames.length;
    frames.push(...(family.simulated?.() ?? []));
    if (frames.length === 0) continue;
    const vendorFile = path.join(vendorDir, `${family.file}.js`);
    const rules = JSON.parse(fs.readFileSync(path.join(vendorDir, `${family.file}.mapping.json`), 'utf8')) as MappingRule[];
    const vendor = await VendorModel.load(family.file, vendorFile, rules);
    try {
      for (const { model, input } of frames) {
        const a = canonical(codecOf(model).decode(input));
        const b = canonical(vendor.decode(input));
        if (a !== b) throw new Error(`${vendorFile} is not equivalent to the native ${model} decoder on ${Buffer.from(input.bytes).toString('hex')}: ${b} vs ${a}`);
      }
      const native = rate(frames, (f) => codecOf(f.model).decode(f.input));
      const sandbox = rate(frames, (f) => vendor.decode(f.input));
      const simulated = frames.length - goldenCount;
      results.push({
        name: `lorawan-decode ${family.name} native (${goldenCount} golden${simulated ? ` + ${simulated} simulated` : ''} frames, identical measurements)`,
        figure: native, unit: 'frames/s',
        baselineName: 'sandbox (vendor-style ES5 codec in QuickJS + mapping)', baseline: sandbox, ratio: native / sandbox,
      });
    } finally {
      vendor.dispose();
    }
  }
  for (const codec of catalog.values()) {
    if (fullyCovered.has(codec.model)) continue;
    const inputs = goldenInputs(codec.model);
    if (inputs.length === 0) continue;
    const native = rate(inputs, (input: DecodeInput) => codec.decode(input));
    results.push({
      name: `lorawan-decode ${codec.model} native (${inputs.length} golden frames)`, figure: native, unit: 'frames/s',
      baselineName: 'target', baseline: TARGET, ratio: native / TARGET,
    });
  }
  if (sink === -1) process.stdout.write('');
  return results;
}
