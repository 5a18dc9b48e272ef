/**
 * Benchmark of decoding: frames/s of each native decoder of the catalog (at run time), on its golden
 * frames (test/fixtures/golden/<model>.json, the frames that decode), compared in the same run with:
 *   - for the models that have one in bench/vendor-style-codecs/<model>.js: the SAME frames decoded by a
 *     TTN-convention codec written in the plain ES5 style vendors use, run in the QuickJS sandbox with
 *     its mapping (<model>.mapping.json), checked equivalent to the native decoder before timing;
 *   - for the others: the target of 200,000 frames/s on one core (ratio = figure / target).
 * The targets: native ≥ 10× the sandbox, ≥ 200,000 frames/s for fixed-frame families.
 */
import fs from 'node:fs';
import path from 'node:path';
import { catalog } from '../nodes/lib/codecs';
import { hexToBytes } from '../nodes/lib/codecs/reader';
import type { DecodeInput, DecodedFrame } from '../nodes/lib/codecs/types';
import { MappingRule, VendorModel } from '../nodes/lib/codecs/sandbox';
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
function rate(inputs: DecodeInput[], decode: (input: DecodeInput) => DecodedFrame): number {
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

function canonical(frame: DecodedFrame): string {
  const measurements = [...frame.measurements].map((m) => `${m.quantity}|${m.channel ?? ''}|${m.kind}|${m.unit}|${m.value}`).sort();
  return JSON.stringify({ measurements, status: frame.status ?? {} });
}

export async function benchLorawanDecode(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const codec of catalog.values()) {
    const inputs = goldenInputs(codec.model);
    if (inputs.length === 0) continue;
    const decodeNative = (input: DecodeInput) => codec.decode(input);
    const native = rate(inputs, decodeNative);
    const vendorFile = path.join(vendorDir, `${codec.model}.js`);
    if (!fs.existsSync(vendorFile)) {
      results.push({
        name: `lorawan-decode ${codec.model} native (${inputs.length} golden frames)`, figure: native, unit: 'frames/s',
        baselineName: 'target', baseline: TARGET, ratio: native / TARGET,
      });
      continue;
    }
    const rules = JSON.parse(fs.readFileSync(path.join(vendorDir, `${codec.model}.mapping.json`), 'utf8')) as MappingRule[];
    const vendor = await VendorModel.load(codec.model, vendorFile, rules);
    try {
      for (const input of inputs) {
        const a = canonical(codec.decode(input));
        const b = canonical(vendor.decode(input));
        if (a !== b) throw new Error(`${vendorFile} is not equivalent to the native ${codec.model} decoder on ${Buffer.from(input.bytes).toString('hex')}: ${b} vs ${a}`);
      }
      const sandbox = rate(inputs, (input) => vendor.decode(input));
      results.push({
        name: `lorawan-decode ${codec.model} native (${inputs.length} golden frames)`, figure: native, unit: 'frames/s',
        baselineName: 'sandbox (vendor-style ES5 codec in QuickJS + mapping)', baseline: sandbox, ratio: native / sandbox,
      });
    } finally {
      vendor.dispose();
    }
  }
  if (sink === -1) process.stdout.write('');
  return results;
}
