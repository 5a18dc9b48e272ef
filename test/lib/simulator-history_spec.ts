/**
 * The simulated history of the meters (nodes/lib/simulator/history.ts, SimulatorEngine.replayHistory):
 * its report times in Paris local time, and its frames through the real parsing, decoding and
 * meter-index code: consumption deltas that add up to what the simulated meters consumed, with the
 * consumption model's day/week/season profile, and a live network that continues the indexes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { catalog, DeviceCodec } from '../../nodes/lib/codecs';
import type { Reading, UplinkEvent } from '../../nodes/lib/contracts';
import { readingOf } from '../../nodes/lib/decode';
import { parseNetworkEvent } from '../../nodes/lib/lorawan/events';
import { MeterOptions, MeterTracker } from '../../nodes/lib/meter';
import {
  HISTORY_FLUIDS, historyPlan, historyTimes, loadFleet, SIMULATED_MODELS, SimulatedUplink, SimulatorEngine,
} from '../../nodes/lib/simulator';
import { localTime } from '../../nodes/lib/simulator/time';

const FLEET = loadFleet(fs.readFileSync(path.resolve(__dirname, '../../data/devices.csv'), 'utf8'), { file: 'devices.csv', models: SIMULATED_MODELS });
const METERS = FLEET.filter((d) => HISTORY_FLUIDS.includes(d.fluid));
/** Sunday 29 November 2026, 09:30 in Poitiers. */
const NOW = Date.UTC(2026, 10, 29, 8, 30, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The meter-index settings of the Ingest tab (flows/10-ingest.json): no gap detection, no rollover width... */
const INGEST_METER: MeterOptions = { rolloverMargin: 0.1, gapFactor: 3, gapPolicy: 'flag' };
/** ...plus the 16-bit width of the Netvox R718H pulse counter, which wraps about every 9 months at 10 L a pulse. */
const WITH_R718H_WIDTH: MeterOptions = { ...INGEST_METER, rolloverByModel: { 'netvox-r718h/pulse_count': '16bit' } };

function decode(uplink: SimulatedUplink): Reading {
  const event = parseNetworkEvent(uplink.topic, JSON.stringify(uplink.event)) as UplinkEvent;
  const model = FLEET.find((d) => d.devEui === uplink.devEui)!.model;
  const codec = catalog.get(model) as DeviceCodec;
  return readingOf(event, model, codec.decode({ bytes: event.bytes, fPort: event.fPort, recvTime: new Date(event.time) }));
}

interface Replayed {
  engine: SimulatorEngine;
  uplinks: SimulatedUplink[];
  readings: Reading[];
  clock: { t: number };
}

const replays = new Map<number, Replayed>();

/** A replay of `days` of history at NOW, decoded (cached: the 2-year one takes a few seconds). */
function replayed(days: number): Replayed {
  let r = replays.get(days);
  if (r === undefined) {
    const clock = { t: NOW };
    const engine = new SimulatorEngine(FLEET, { seed: 7, now: () => clock.t });
    const replay = engine.replayHistory({ days });
    const uplinks: SimulatedUplink[] = [];
    for (let batch = replay.next(); batch !== undefined; batch = replay.next()) uplinks.push(...batch);
    assert.equal(uplinks.length, replay.total);
    r = { engine, uplinks, readings: uplinks.map(decode), clock };
    replays.set(days, r);
  }
  return r;
}

/** The deltas meter-index adds to the readings, per devEui/quantity/channel, with its counters. */
function deltas(readings: Reading[], options: MeterOptions) {
  const tracker = new MeterTracker(options);
  const points: Array<{ devEui: string; quantity: string; channel?: string; time: number; value: number }> = [];
  for (const reading of readings) {
    for (const m of tracker.process(reading).reading.measurements) {
      if (m.kind === 'delta') points.push({ devEui: reading.devEui, quantity: m.quantity, channel: m.channel, time: Date.parse(m.time ?? reading.time), value: m.value });
    }
  }
  return { points, counters: tracker.counters };
}

const paris = (ms: number) => {
  const l = localTime(ms);
  return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')} ${String(Math.floor(l.minuteOfDay / 60)).padStart(2, '0')}:${String(l.minuteOfDay % 60).padStart(2, '0')}`;
};

describe('simulator: history of the meters', function () {
  this.timeout(60000);

  describe('report times', function () {
    it('weekly and monthly, then daily at 23:50, then hourly on the clock over the last 29 days, all before now (Paris time, DST included)', function () {
      const times = historyTimes({ days: 760 }, NOW);
      for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], `times increase (${i})`);
      assert.ok(times[times.length - 1] < NOW);
      const labels = times.map(paris);
      // baseline the day before the history, then Sundays and month ends beyond 400 days
      assert.equal(labels[0], '2024-10-29 23:50');
      assert.deepEqual(labels.slice(1, 5), ['2024-10-31 23:50', '2024-11-03 23:50', '2024-11-10 23:50', '2024-11-17 23:50']);
      assert.ok(labels.includes('2024-11-30 23:50') && labels.includes('2024-12-31 23:50'));
      // March 2025 (after the spring change) is still 23:50 local
      assert.ok(labels.includes('2025-03-31 23:50'));
      // daily from 400 days back (25 October 2025) to the detailed part, across the autumn change (26 October 2025)
      const dailyFrom = labels.indexOf('2025-10-25 23:50');
      assert.ok(dailyFrom > 0);
      assert.equal(labels[dailyFrom - 1], '2025-10-19 23:50');
      assert.equal(labels[dailyFrom + 1], '2025-10-26 23:50');
      // hourly from local midnight 29 days ago (31 October 2026) up to the last hour before now
      const detailFrom = labels.indexOf('2026-10-31 00:00');
      assert.equal(labels[detailFrom - 1], '2026-10-30 23:50');
      assert.equal(labels[detailFrom + 1], '2026-10-31 01:00');
      assert.equal(labels[labels.length - 1], '2026-11-29 09:00');
      assert.equal(times.length - detailFrom, 29 * 24 + 10, 'hourly readings: 29 whole days and today 00:00 to 09:00 (the autumn change is before)');
      const daily = detailFrom - dailyFrom;
      assert.equal(daily, 400 - 29, "one reading a day from 400 to 30 days back");
    });

    it('checks its options, naming the faulty one', function () {
      assert.throws(() => historyTimes({ days: 0 }, NOW), /days must be a whole number from 1/);
      assert.throws(() => historyTimes({ days: 30, detailMinutes: 2 }, NOW), /detailMinutes/);
      assert.throws(() => historyTimes({ days: 2.5 }, NOW), /days/);
      assert.deepEqual(historyPlan({ days: 10 }, NOW), { days: 10, dailyDays: 10, detailDays: 10, detailMinutes: 60, until: NOW });
    });
  });

  describe('replay through event parsing, decoding and meter-index', function () {
    it('only the meters, each reading stamped with its past time, in time order', function () {
      const { uplinks } = replayed(760);
      const devices = new Set(uplinks.map((u) => u.devEui));
      assert.deepEqual([...devices].sort(), METERS.map((d) => d.devEui).sort());
      const times = uplinks.map((u) => Date.parse(u.event.time));
      for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1]);
      assert.equal(new Set(uplinks.map((u) => u.event.deduplicationId)).size, uplinks.length, 'each event has its own deduplication id');
    });

    it('deltas add up to what each meter consumed, without a reset, duplicate or out-of-order reading', function () {
      const { engine, readings } = replayed(760);
      const { points, counters } = deltas(readings, WITH_R718H_WIDTH);
      assert.equal(counters.resets, 0);
      assert.equal(counters.duplicates, 0);
      assert.equal(counters.outOfOrder, 0);
      assert.equal(counters.gaps, 0, 'no gap detection in the ingest settings');
      for (const device of METERS) {
        const state = engine.state(device.devEui)!;
        const consumed = state.index - device.initialIndex;
        const mine = points.filter((p) => p.devEui === device.devEui);
        const quantity = mine.find((p) => p.quantity !== 'current')?.quantity;
        if (quantity === undefined) continue; // the Netvox R718N3 clamp reports currents, no index
        const total = mine.filter((p) => p.quantity === quantity && (p.channel === undefined || p.channel === mine[0].channel)).reduce((a, p) => a + p.value, 0);
        const weight = device.pulseWeight ?? 1;
        const inBase = quantity === 'pulse_count' ? total * weight : total;
        // Frames carry whole pulses, litres or Wh: at most one unit off in the end.
        const tolerance = quantity === 'pulse_count' ? weight * 1.01 : consumed * 1e-6 + 2;
        assert.ok(Math.abs(inBase - consumed) <= tolerance, `${device.devEui} (${device.model}): deltas ${inBase} against ${consumed} consumed`);
        // two years of the model's annual consumption (± noise)
        const years = (NOW - Date.UTC(2024, 9, 29, 22, 50)) / (365 * DAY);
        assert.ok(consumed > device.annualConsumption * years * 0.85 && consumed < device.annualConsumption * years * 1.15,
          `${device.devEui}: ${consumed} for ${device.annualConsumption} a year`);
      }
    });

    it('the ingest settings see each 16-bit wrap of the Netvox R718H as a reset (a step lost): it needs its rollover width', function () {
      const { engine, readings } = replayed(760);
      const { counters } = deltas(readings, INGEST_METER);
      const wraps = METERS.filter((d) => d.model === 'netvox-r718h').reduce((n, d) => {
        const pulses = (index: number) => Math.floor(index / (d.pulseWeight as number) + 1e-9);
        return n + Math.floor(pulses(engine.state(d.devEui)!.index) / 65536) - Math.floor(pulses(d.initialIndex) / 65536);
      }, 0);
      assert.ok(wraps >= 2);
      assert.equal(counters.resets, wraps);
    });

    it('with a gap rule (hourly meters, spread policy), the daily and weekly steps are gaps, spread hour by hour with the same total', function () {
      const { readings } = replayed(760);
      const hdv = readings.filter((r) => r.devEui === '2c5e1a0000b20301');
      const plain = deltas(hdv, INGEST_METER);
      const spread = deltas(hdv, { ...INGEST_METER, expectedIntervalMs: HOUR, gapPolicy: 'spread' });
      const sum = (points: Array<{ quantity: string; value: number }>) => points.filter((p) => p.quantity === 'water_volume').reduce((a, p) => a + p.value, 0);
      assert.ok(Math.abs(sum(spread.points) - sum(plain.points)) < 1e-6);
      // every reading before the hourly part is more than 3 hours after the previous one
      const hourlyFrom = hdv.findIndex((r) => Date.parse(r.time) >= Date.UTC(2026, 9, 30, 23, 0));
      assert.equal(spread.counters.gaps, hourlyFrom - 1);
      assert.ok(spread.points.length > 20 * plain.points.length / 2, 'a day becomes 24 hourly deltas');
    });

    it('follows the consumption profile: weekdays above weekends, gas in winter above summer, water at night near zero', function () {
      const { readings } = replayed(760);
      const { points } = deltas(readings, WITH_R718H_WIDTH);
      const dayOf = (t: number) => localTime(t);
      const water = points.filter((p) => p.devEui === '00137a1000013c02'); // school water meter (R718H)
      const detailStart = Date.UTC(2026, 9, 31);
      const daily = water.filter((p) => p.time < detailStart && p.time > NOW - 200 * DAY);
      const weekday = daily.filter((p) => dayOf(p.time).weekday <= 5).map((p) => p.value);
      const weekend = daily.filter((p) => dayOf(p.time).weekday > 5).map((p) => p.value);
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      assert.ok(mean(weekday) > 2 * mean(weekend), `weekdays ${mean(weekday)} against weekends ${mean(weekend)} pulses`);
      const nights = water.filter((p) => p.time >= detailStart && [2, 3, 4].includes(dayOf(p.time).hour)).map((p) => p.value);
      const days = water.filter((p) => p.time >= detailStart && dayOf(p.time).weekday <= 5 && [10, 11, 12].includes(dayOf(p.time).hour)).map((p) => p.value);
      assert.ok(nights.length >= 29 * 3 - 3 && mean(nights) < mean(days) / 10, `night ${mean(nights)} against day ${mean(days)}`);
      const gas = points.filter((p) => p.devEui === '70b3d5e75e00c304');
      const month = (m: number, y: number) => gas.filter((p) => dayOf(p.time).month === m && dayOf(p.time).year === y).reduce((a, p) => a + p.value, 0);
      assert.ok(month(1, 2026) > 5 * month(7, 2026), `gas January ${month(1, 2026)} against July ${month(7, 2026)}`);
      assert.ok(month(1, 2025) > 5 * month(7, 2025), 'and the year before');
    });

    it('the live network continues the replayed indexes, and a replay after a start is refused', function () {
      const { engine, clock } = replayed(30);
      const device = '2c5e1a0000b20301';
      const replayedIndex = engine.state(device)!.index;
      engine.start();
      clock.t += 70_000; // every device has sent within its first minute at speed 60
      const live = engine.tick().filter((u) => u.devEui === device);
      assert.ok(live.length >= 1);
      assert.ok(engine.state(device)!.index >= replayedIndex, 'the index goes on from the history');
      assert.ok(Date.parse(live[0].event.time) > NOW);
      assert.throws(() => engine.replayHistory({ days: 3 }), /before the simulated network first starts/);
      engine.stop();
    });

    it('saves and restores the meters\' indexes (a restart goes on from them, not from the fleet\'s initial index)', function () {
      const { engine } = replayed(30);
      const saved = engine.meterIndexes();
      assert.deepEqual(Object.keys(saved).sort(), METERS.map((d) => d.devEui).sort());
      const fresh = new SimulatorEngine(FLEET, { seed: 7, now: () => NOW });
      const hdv = '2c5e1a0000b20301';
      assert.ok(fresh.state(hdv)!.index < saved[hdv]);
      const restored = fresh.restoreMeterIndexes({ ...saved, '70b3d5e75e00a103': 5, ffffffffffffffff: 1, '70b3d5e75e00a101': -1 });
      assert.equal(restored.length, METERS.length - 1, 'not a comfort sensor, an unknown device or an index below the initial one');
      assert.equal(fresh.state(hdv)!.index, saved[hdv]);
    });

    it('the other devices go live during the replay; the meters wait for its end, and refuse scenarios meanwhile', function () {
      const clock = { t: NOW };
      const engine = new SimulatorEngine(FLEET, { seed: 7, now: () => clock.t });
      const replay = engine.replayHistory({ days: 2 });
      engine.start();
      clock.t += 70_000;
      const meters = new Set(METERS.map((d) => d.devEui));
      const during = engine.tick();
      assert.ok(during.length > 0 && during.every((u) => !meters.has(u.devEui)), 'only the devices that are not meters');
      assert.ok(engine.replaying);
      assert.throws(() => engine.setScenario('2c5e1a0000b20301', 'leak', true), /replaying the meters' history/);
      // « Tout remettre à zéro » during the replay: the replaying meters have nothing to turn off, the others do.
      engine.setScenario('*', 'offline', true);
      const offline = engine.activeScenarios().map((d) => d.devEui);
      assert.ok(offline.length > 0 && offline.every((d) => !meters.has(d)), 'only the devices that are live take a scenario');
      assert.deepEqual(engine.setScenario('*', 'offline', false).sort(), [...offline].sort());
      assert.deepEqual(engine.activeScenarios(), []);
      assert.deepEqual(engine.setScenario('2c5e1a0000b20301', 'leak', false), [], 'nothing to turn off on a replaying meter');
      assert.throws(() => engine.uplinkNow('2c5e1a0000b20301'), /replaying its history/);
      let batches = 0;
      while (replay.next() !== undefined) batches++;
      assert.equal(batches, replay.times.length);
      assert.ok(!engine.replaying);
      clock.t += 70_000;
      const after = engine.tick();
      assert.deepEqual(new Set(after.filter((u) => meters.has(u.devEui)).map((u) => u.devEui)), meters, 'every meter goes live after the replay');
      engine.stop();
    });
  });
});
