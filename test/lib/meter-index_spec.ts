import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Measurement, Reading } from '../../nodes/lib/contracts';
import {
  MeterInputError, MeterTracker, ThrottledSaver, decimalsOf, difference, loadStateSync, parseRollover, saveStateSync, splitEvenly,
  stateFilePath,
} from '../../nodes/lib/meter';

const DEV = '70b3d5e75e000001';
const T0 = Date.parse('2025-01-15T10:00:00.000Z');
const HOUR = 3600000;

function reading(value: number, at: number, extra: Partial<Measurement> = {}, model = 'test-meter'): Reading {
  return {
    devEui: DEV, tenant: 'grand-poitiers', time: new Date(at).toISOString(), model,
    measurements: [{ quantity: 'water_volume', value, unit: 'm3', kind: 'index', ...extra }],
  };
}

function deltas(r: Reading): Measurement[] {
  return r.measurements.filter((m) => m.kind === 'delta');
}

/** Feeds indexes one hour apart and returns the delta values of each step. */
function feed(tracker: MeterTracker, values: number[], model?: string): number[][] {
  return values.map((v, i) => deltas(tracker.process(reading(v, T0 + i * HOUR, {}, model)).reading).map((m) => m.value));
}

describe('meter-index library', () => {
  describe('numbers', () => {
    it('counts the decimals of numbers as written', () => {
      assert.equal(decimalsOf(12), 0);
      assert.equal(decimalsOf(12.345), 3);
      assert.equal(decimalsOf(1e-7), 7);
      assert.equal(decimalsOf(1.5e-7), 8);
      assert.equal(decimalsOf(1e21), 0);
    });

    it('rounds deltas to the decimals of the indexes, not 0.30000000000000004', () => {
      assert.equal(1234.567 - 1234.267 === 0.3, false, 'the raw float difference is not 0.3');
      assert.equal(difference(1234.267, 1234.567), 0.3);
      assert.equal(difference(0.1, 0.4), 0.3);
      assert.equal(difference(98765.432, 98766.001), 0.569);
      assert.equal(difference(100, 100), 0);
    });

    it('parses rollover widths: bits, digits, plain numbers, scales, none', () => {
      assert.equal(parseRollover('16bit'), 65536);
      assert.equal(parseRollover('24bit'), 16777216);
      assert.equal(parseRollover('32bit'), 4294967296);
      assert.equal(parseRollover('32 bits'), 4294967296);
      assert.equal(parseRollover('5digits'), 100000);
      assert.equal(parseRollover('8 digits'), 100000000);
      assert.equal(parseRollover('100000'), 100000);
      assert.equal(parseRollover(65536), 65536);
      assert.equal(parseRollover('32bit*0.001'), 4294967.296);
      assert.equal(parseRollover('none'), undefined);
      assert.equal(parseRollover(''), undefined);
      assert.equal(parseRollover(undefined), undefined);
      assert.throws(() => parseRollover('12 apples'), /not understood/);
      assert.throws(() => parseRollover('32bit*-1'), /scale/);
    });

    it('splits a total evenly into pieces that add up exactly', () => {
      assert.deepEqual(splitEvenly(10, 4, 0), [3, 2, 3, 2]);
      assert.deepEqual(splitEvenly(1, 3, 3), [0.333, 0.334, 0.333]);
      const pieces = splitEvenly(12.345, 7, 3);
      assert.equal(Math.round(pieces.reduce((a, b) => a + b, 0) * 1000) / 1000, 12.345);
    });
  });

  describe('deltas', () => {
    it('gives no delta for the first index of a series, then the consumption', () => {
      const tracker = new MeterTracker();
      assert.deepEqual(feed(tracker, [100, 100.5, 101.25, 101.25]), [[], [0.5], [0.75], [0]]);
      assert.equal(tracker.counters.baselines, 1);
      assert.equal(tracker.counters.deltas, 3);
    });

    it('keeps quantity, unit and channel, puts each delta right after its index and keeps other measurements', () => {
      const tracker = new MeterTracker();
      const r = (hp: number, hc: number, at: number): Reading => ({
        devEui: DEV, tenant: 't', time: new Date(at).toISOString(), model: 'tic',
        measurements: [
          { quantity: 'active_energy', value: hp, unit: 'Wh', kind: 'index', channel: 'hp' },
          { quantity: 'active_power', value: 500, unit: 'W', kind: 'instant' },
          { quantity: 'active_energy', value: hc, unit: 'Wh', kind: 'index', channel: 'hc' },
        ],
      });
      tracker.process(r(1000, 5000, T0));
      const out = tracker.process(r(1200, 5030, T0 + HOUR)).reading;
      assert.deepEqual(out.measurements, [
        { quantity: 'active_energy', value: 1200, unit: 'Wh', kind: 'index', channel: 'hp' },
        { quantity: 'active_energy', value: 200, unit: 'Wh', kind: 'delta', channel: 'hp' },
        { quantity: 'active_power', value: 500, unit: 'W', kind: 'instant' },
        { quantity: 'active_energy', value: 5030, unit: 'Wh', kind: 'index', channel: 'hc' },
        { quantity: 'active_energy', value: 30, unit: 'Wh', kind: 'delta', channel: 'hc' },
      ]);
    });

    it('does not modify the input reading', () => {
      const tracker = new MeterTracker();
      tracker.process(reading(1, T0));
      const input = reading(2, T0 + HOUR);
      const copy = JSON.parse(JSON.stringify(input));
      tracker.process(input);
      assert.deepEqual(input, copy);
    });

    it('handles history samples in time order, whatever their order in the frame', () => {
      const tracker = new MeterTracker();
      const r: Reading = {
        devEui: DEV, tenant: 't', time: new Date(T0 + 3 * HOUR).toISOString(), model: 'm',
        measurements: [3, 2, 1, 0].map((h) => ({
          quantity: 'water_volume', value: 10 + h, unit: 'm3', kind: 'index' as const, time: new Date(T0 + h * HOUR).toISOString(),
        })),
      };
      const out = tracker.process(r);
      assert.deepEqual(deltas(out.reading).map((m) => [m.value, m.time]), [
        [1, new Date(T0 + 3 * HOUR).toISOString()],
        [1, new Date(T0 + 2 * HOUR).toISOString()],
        [1, new Date(T0 + HOUR).toISOString()],
      ]);
      assert.equal(out.events.length, 0);
    });

    it('rounds m3 deltas of 3-decimal indexes to 3 decimals', () => {
      const tracker = new MeterTracker();
      assert.deepEqual(feed(tracker, [1234.267, 1234.567, 1234.667, 1235.001]), [[], [0.3], [0.1], [0.334]]);
    });
  });

  describe('rollover and reset', () => {
    it('wraps a 16-bit counter', () => {
      const tracker = new MeterTracker({ rollover: '16bit' });
      assert.deepEqual(feed(tracker, [65530, 4]), [[], [10]]);
      assert.equal(tracker.counters.rollovers, 1);
    });

    it('wraps a 24-bit counter', () => {
      const tracker = new MeterTracker({ rollover: '24bit' });
      assert.deepEqual(feed(tracker, [16777000, 100]), [[], [316]]);
    });

    it('wraps a 32-bit counter, with its event', () => {
      const tracker = new MeterTracker({ rollover: '32bit' });
      tracker.process(reading(4294967290, T0));
      const out = tracker.process(reading(5, T0 + HOUR));
      assert.deepEqual(deltas(out.reading).map((m) => m.value), [11]);
      assert.equal(out.events.length, 1);
      assert.deepEqual(out.events[0], {
        type: 'rollover', devEui: DEV, tenant: 'grand-poitiers', model: 'test-meter', quantity: 'water_volume', unit: 'm3',
        previous: 4294967290, current: 5, time: new Date(T0 + HOUR).toISOString(), previousTime: new Date(T0).toISOString(),
        elapsedMs: HOUR, delta: 11, width: 4294967296,
      });
    });

    it('wraps a 5-digit meter at 100000 in its unit, with decimals', () => {
      const tracker = new MeterTracker({ rollover: '5digits' });
      assert.deepEqual(feed(tracker, [99999.875, 0.125]), [[], [0.25]]);
      const t2 = new MeterTracker({ rollover: '5digits' });
      assert.deepEqual(feed(t2, [99990, 15]), [[], [25]]);
    });

    it('wraps a scaled counter (litre pulses read in m3)', () => {
      const tracker = new MeterTracker({ rollover: '32bit*0.001' });
      assert.deepEqual(feed(tracker, [4294967.2, 0.1]), [[], [0.196]]);
    });

    it('takes a backwards jump too large for a wrap as a reset: delta 0, new baseline, event', () => {
      const tracker = new MeterTracker({ rollover: '5digits' });
      tracker.process(reading(50000, T0));
      const out = tracker.process(reading(10, T0 + HOUR));
      assert.deepEqual(deltas(out.reading).map((m) => m.value), [0]);
      assert.equal(out.events[0].type, 'reset');
      assert.equal(out.events[0].previous, 50000);
      assert.equal(out.events[0].current, 10);
      assert.equal(out.events[0].delta, 0);
      // The new index is the baseline.
      assert.deepEqual(deltas(tracker.process(reading(12, T0 + 2 * HOUR)).reading).map((m) => m.value), [2]);
      assert.equal(tracker.counters.resets, 1);
      assert.equal(tracker.counters.rollovers, 0);
    });

    it('decides rollover vs reset on the margin (10 % of the width by default, configurable)', () => {
      // 5 digits: 95000 → 4000 wraps by 9000 = 9 % → rollover; 90000 → 1000 would be 11000 = 11 % → reset.
      const a = new MeterTracker({ rollover: '5digits' });
      assert.deepEqual(feed(a, [95000, 4000]), [[], [9000]]);
      const b = new MeterTracker({ rollover: '5digits' });
      assert.deepEqual(feed(b, [90000, 1000]), [[], [0]]);
      assert.equal(b.counters.resets, 1);
      const c = new MeterTracker({ rollover: '5digits', rolloverMargin: 0.2 });
      assert.deepEqual(feed(c, [90000, 1000]), [[], [11000]]);
    });

    it('is a reset when the series has no width, or when the previous index is beyond the width', () => {
      const a = new MeterTracker();
      assert.deepEqual(feed(a, [65530, 4]), [[], [0]]);
      assert.equal(a.counters.resets, 1);
      const b = new MeterTracker({ rollover: '16bit' });
      assert.deepEqual(feed(b, [70000, 4]), [[], [0]]);
      assert.equal(b.counters.resets, 1);
    });

    it('sees the wrap of a converted pulse counter whose index carries a starting offset', () => {
      // A 16-bit counter of 10 L pulses is 655.36 m³ wide; the index starts at the meter's 2,210.75 m³.
      const a = new MeterTracker({ rollover: 'none', rolloverByModel: { 'test-meter/water_volume': 655.36 } });
      assert.deepEqual(feed(a, [2858.38, 2215.46]), [[], [12.44]]);
      assert.equal(a.counters.rollovers, 1);
      // A drop far from one width is a reset (a replaced meter), not a wrap.
      const b = new MeterTracker({ rollover: 'none', rolloverByModel: { 'test-meter/water_volume': 655.36 } });
      assert.deepEqual(feed(b, [2858.38, 100]), [[], [0]]);
      assert.equal(b.counters.resets, 1);
    });

    it('never gives a negative consumption', () => {
      const tracker = new MeterTracker({ rollover: '16bit' });
      const all = feed(tracker, [100, 50, 40000, 20, 65535, 0, 3]).flat();
      assert.ok(all.every((v) => v >= 0), String(all));
    });

    it('uses the per-model override, model/quantity first', () => {
      const tracker = new MeterTracker({ rollover: 'none', rolloverByModel: { kamstrup: '32bit', 'nas/water_volume': '5digits', other: 'none' } });
      assert.deepEqual(feed(tracker, [4294967295, 1], 'kamstrup'), [[], [2]]);
      const t2 = new MeterTracker({ rollover: '16bit', rolloverByModel: { 'nas/water_volume': '5digits', other: 'none' } });
      assert.deepEqual(feed(t2, [99999, 1], 'nas'), [[], [2]]);
      const t3 = new MeterTracker({ rollover: '16bit', rolloverByModel: { other: 'none' } });
      assert.deepEqual(feed(t3, [65535, 1], 'other'), [[], [0]]);
      assert.equal(t3.widthFor('unknown', 'water_volume'), 65536);
    });

    it('rejects invalid options with the option name', () => {
      assert.throws(() => new MeterTracker({ rollover: 'bad' }), /rollover width "bad"/);
      assert.throws(() => new MeterTracker({ rolloverByModel: { m: 'bad' } }), /override "m"/);
      assert.throws(() => new MeterTracker({ gapPolicy: 'x' as never }), /gapPolicy/);
      assert.throws(() => new MeterTracker({ expectedIntervalMs: -1 }), /expectedIntervalMs/);
    });
  });

  describe('gaps', () => {
    it('flags a gap and keeps one delta', () => {
      const tracker = new MeterTracker({ expectedIntervalMs: HOUR, gapFactor: 3 });
      tracker.process(reading(100, T0));
      assert.equal(tracker.process(reading(101, T0 + 3 * HOUR)).events.length, 0, '3 × the interval is not a gap yet');
      const out = tracker.process(reading(111, T0 + 8 * HOUR));
      assert.deepEqual(deltas(out.reading).map((m) => m.value), [10]);
      assert.equal(out.events.length, 1);
      assert.equal(out.events[0].type, 'gap');
      assert.equal(out.events[0].delta, 10);
      assert.equal(out.events[0].elapsedMs, 5 * HOUR);
      assert.equal(tracker.counters.gaps, 1);
    });

    it('spreads a gap evenly: one delta per expected interval, with its time, summing to the total', () => {
      const tracker = new MeterTracker({ expectedIntervalMs: HOUR, gapFactor: 3, gapPolicy: 'spread' });
      tracker.process(reading(100.5, T0));
      const out = tracker.process(reading(110.5, T0 + 6 * HOUR));
      const d = deltas(out.reading);
      assert.equal(d.length, 6);
      assert.deepEqual(d.map((m) => m.time), [1, 2, 3, 4, 5, 6].map((h) => new Date(T0 + h * HOUR).toISOString()));
      // Pieces keep the decimals of the indexes (1 here): cumulative 1.7, 3.3, 5, 6.7, 8.3, 10.
      assert.deepEqual(d.map((m) => m.value), [1.7, 1.6, 1.7, 1.7, 1.6, 1.7]);
      assert.equal(Math.round(d.reduce((a, m) => a + m.value, 0) * 10) / 10, 10);
      assert.equal(out.events[0].type, 'gap');
      assert.equal(tracker.counters.deltas, 6);
    });

    it('spreads decimal totals exactly (rounded sum equals the total)', () => {
      const tracker = new MeterTracker({ expectedIntervalMs: 15 * 60000, gapPolicy: 'spread' });
      tracker.process(reading(1234.267, T0));
      const d = deltas(tracker.process(reading(1241.5, T0 + 7 * HOUR)).reading);
      assert.equal(d.length, 28);
      const sum = d.reduce((a, m) => a + m.value, 0);
      assert.equal(Math.round(sum * 1000) / 1000, 7.233);
      assert.ok(d.every((m) => m.value === Math.round(m.value * 1000) / 1000));
    });

    it('spreads a rollover across a gap', () => {
      const tracker = new MeterTracker({ rollover: '16bit', expectedIntervalMs: HOUR, gapPolicy: 'spread' });
      tracker.process(reading(65530, T0));
      const out = tracker.process(reading(14, T0 + 4 * HOUR));
      assert.deepEqual(deltas(out.reading).map((m) => m.value), [5, 5, 5, 5]);
      assert.deepEqual(out.events.map((e) => e.type), ['rollover', 'gap']);
    });

    it('caps the number of spread deltas', () => {
      const tracker = new MeterTracker({ expectedIntervalMs: 60000, gapPolicy: 'spread', maxSpread: 10 });
      tracker.process(reading(0, T0));
      assert.equal(deltas(tracker.process(reading(100, T0 + 100 * HOUR)).reading).length, 10);
    });
  });

  describe('duplicates and out-of-order readings', () => {
    it('ignores and counts a duplicate (same time, same value)', () => {
      const tracker = new MeterTracker();
      tracker.process(reading(100, T0));
      tracker.process(reading(101, T0 + HOUR));
      const out = tracker.process(reading(101, T0 + HOUR));
      assert.equal(deltas(out.reading).length, 0);
      assert.equal(out.events[0].type, 'duplicate');
      assert.equal(tracker.counters.duplicates, 1);
      assert.deepEqual(feed(tracker, []), []);
      assert.deepEqual(deltas(tracker.process(reading(103, T0 + 2 * HOUR)).reading).map((m) => m.value), [2]);
    });

    it('ignores and counts an out-of-order reading without moving the baseline', () => {
      const tracker = new MeterTracker();
      tracker.process(reading(100, T0 + HOUR));
      const early = tracker.process(reading(99, T0));
      assert.equal(deltas(early.reading).length, 0);
      assert.equal(early.events[0].type, 'out-of-order');
      const sameTime = tracker.process(reading(105, T0 + HOUR));
      assert.equal(sameTime.events[0].type, 'out-of-order');
      assert.equal(tracker.counters.outOfOrder, 2);
      assert.equal(tracker.counters.resets, 0);
      assert.deepEqual(deltas(tracker.process(reading(102, T0 + 2 * HOUR)).reading).map((m) => m.value), [2]);
    });
  });

  describe('input', () => {
    it('rejects what is not a Reading, naming the field', () => {
      const tracker = new MeterTracker();
      assert.throws(() => tracker.process('x'), (e: unknown) => e instanceof MeterInputError && e.field === 'payload');
      assert.throws(() => tracker.process({ time: 'x', measurements: [] }), (e: unknown) => e instanceof MeterInputError && e.field === 'devEui');
      assert.throws(() => tracker.process({ devEui: DEV, time: 'yesterday', measurements: [] }), /time is not a date/);
      assert.throws(() => tracker.process({ devEui: DEV, time: new Date(T0).toISOString() }), /measurements is not an array/);
    });

    it('skips invalid index measurements and names them', () => {
      const tracker = new MeterTracker();
      const r = reading(100, T0);
      r.measurements.push({ quantity: 'gas_volume', value: Number.NaN, unit: 'm3', kind: 'index' });
      r.measurements.push({ quantity: 'gas_volume', value: -1, unit: 'm3', kind: 'index' });
      const out = tracker.process(r);
      assert.equal(out.problems.length, 2);
      assert.match(out.problems[0], /measurements\[1\]\.value/);
      assert.equal(tracker.counters.invalid, 2);
    });
  });

  describe('state', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meter-state-'));
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('survives a snapshot / restore without a spike or a lost step', () => {
      const a = new MeterTracker({ rollover: '5digits' });
      feed(a, [100, 150]);
      assert.equal(a.dirty, true);
      const file = stateFilePath(dir, 'abc.123');
      saveStateSync(file, a.snapshot());
      assert.equal(a.dirty, false);
      const loaded = loadStateSync(file);
      const b = new MeterTracker({ rollover: '5digits' }, loaded.snapshot);
      assert.equal(b.size, 1);
      const out = b.process(reading(175, T0 + 2 * HOUR));
      assert.deepEqual(deltas(out.reading).map((m) => m.value), [25]);
    });

    it('writes atomically (no temporary file left) and moves an unreadable file aside', () => {
      const file = stateFilePath(dir, 'node/1');
      assert.equal(path.basename(file), 'node_1.json');
      saveStateSync(file, { version: 1, series: {} });
      assert.deepEqual(fs.readdirSync(dir), ['node_1.json']);
      fs.writeFileSync(file, '{"version":1,"ser');
      const loaded = loadStateSync(file);
      assert.equal(loaded.snapshot, undefined);
      assert.ok(loaded.corruptMovedTo && fs.existsSync(loaded.corruptMovedTo));
      assert.equal(fs.existsSync(file), false);
      assert.deepEqual(loadStateSync(path.join(dir, 'missing.json')), {});
    });

    it('saves at most once per interval, and on close', async () => {
      const file = path.join(dir, 'sub', 's.json');
      let takes = 0;
      const tracker = new MeterTracker();
      const saver = new ThrottledSaver(file, () => {
        takes++;
        return tracker.dirty ? tracker.snapshot() : undefined;
      }, 50, (err) => assert.fail(err));
      tracker.process(reading(1, T0));
      saver.changed();
      saver.changed();
      assert.equal(fs.existsSync(file), false);
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(takes, 1);
      assert.equal(Object.keys(loadStateSync(file).snapshot!.series).length, 1);
      tracker.process({ ...reading(1, T0), devEui: 'other' });
      saver.changed();
      saver.close();
      assert.equal(Object.keys(loadStateSync(file).snapshot!.series).length, 2);
    });
  });
});
