/**
 * Index readings → consumption deltas (DESIGN §5, family "meter"). No Node-RED import.
 *
 * For every measurement of kind `index`, the tracker remembers the last index of its series
 * (devEui + quantity + channel) and adds a measurement of kind `delta` (same quantity, unit and
 * channel) holding the consumption since that last index. The rules:
 *
 * - first index of a series: no delta, it becomes the baseline;
 * - index ≥ previous: delta = current − previous (rounded, see numbers.ts);
 * - index < previous: a rollover when the series has a width W and W − previous + current is at most
 *   `rolloverMargin` × W (the counter was near its top and is now near 0): delta = W − previous + current;
 *   otherwise a reset (meter reset or replacement): delta 0 for that step, the new index is the
 *   baseline. A consumption is never negative;
 * - time since the previous index > gapFactor × expectedInterval: a gap. `flag` keeps one delta;
 *   `spread` splits it evenly into round(elapsed / expectedInterval) deltas with their own `time`
 *   (they add up exactly to the total). Both report the gap;
 * - same time and same value as the previous index: a duplicate; time before the previous one, or the
 *   same time with another value: out of order. Neither gives a delta nor moves the baseline.
 *
 * Every anomaly (rollover, reset, gap, duplicate, out-of-order) is returned as a MeterEvent and counted.
 */
import type { Measurement, Reading } from '../contracts';
import { deltaDecimals, difference, parseRollover, roundTo, splitEvenly } from './numbers';

export type GapPolicy = 'flag' | 'spread';
export type MeterEventType = 'rollover' | 'reset' | 'gap' | 'duplicate' | 'out-of-order';

export interface MeterOptions {
  /** Default rollover width of every series (parseRollover syntax): none, 16bit, 24bit, 32bit, 5digits, a number. */
  rollover?: string | number;
  /** Per-model overrides: key `<model>/<quantity>` or `<model>`, value a rollover width (`none` to disable). */
  rolloverByModel?: Record<string, string | number>;
  /** Largest wrapped delta taken as a rollover, as a fraction of the width (default 0.1). */
  rolloverMargin?: number;
  /** Expected time between two readings of a series, ms; 0 or undefined = no gap detection. */
  expectedIntervalMs?: number;
  /** A gap is a silence longer than gapFactor × expectedIntervalMs (default 3). */
  gapFactor?: number;
  /** What to do with the delta of a gap (default `flag`). */
  gapPolicy?: GapPolicy;
  /** Most deltas a spread gap is split into (default 1000). */
  maxSpread?: number;
}

/** An anomaly, sent to the alert output of meter-index. */
export interface MeterEvent {
  type: MeterEventType;
  devEui: string;
  tenant?: string;
  model?: string;
  quantity: string;
  channel?: string;
  unit: string;
  /** The previous index of the series (the baseline before this reading). */
  previous: number;
  /** The index just received. */
  current: number;
  /** ISO time of the index just received. */
  time: string;
  /** ISO time of the previous index. */
  previousTime: string;
  /** Consumption counted for this step (rollover, gap; 0 for a reset; absent when ignored). */
  delta?: number;
  /** Time since the previous index, ms. */
  elapsedMs: number;
  /** The rollover width used (rollover and reset, when the series has one). */
  width?: number;
}

export interface MeterCounters {
  readings: number;
  /** Delta measurements added (a spread gap adds several). */
  deltas: number;
  /** Series started (first index, no delta). */
  baselines: number;
  rollovers: number;
  resets: number;
  gaps: number;
  duplicates: number;
  outOfOrder: number;
  /** Index measurements that could not be used (not a number, bad time). */
  invalid: number;
}

export interface MeterResult {
  /** A copy of the reading, each index measurement followed by its delta measurement(s). */
  reading: Reading;
  events: MeterEvent[];
  /** Delta measurements added to this reading. */
  deltas: number;
  /** Index measurements skipped as invalid, each described with its field (measurements[2].value ...). */
  problems: string[];
}

interface SeriesState {
  index: number;
  /** Epoch ms. */
  time: number;
}

/** What is saved across restarts. */
export interface MeterSnapshot {
  version: 1;
  /** Series key (JSON [devEui, quantity, channel]) → [last index, its epoch ms]. */
  series: Record<string, [number, number]>;
}

/** Input that cannot be a Reading at all; `field` names the faulty property of msg.payload. */
export class MeterInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'MeterInputError';
  }
}

const DEFAULT_MARGIN = 0.1;
const DEFAULT_GAP_FACTOR = 3;
const DEFAULT_MAX_SPREAD = 1000;

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${value})`);
  return value;
}

export function seriesKey(devEui: string, quantity: string, channel: string | undefined): string {
  return JSON.stringify([devEui, quantity, channel ?? '']);
}

export class MeterTracker {
  readonly counters: MeterCounters = {
    readings: 0, deltas: 0, baselines: 0, rollovers: 0, resets: 0, gaps: 0, duplicates: 0, outOfOrder: 0, invalid: 0,
  };
  private readonly state = new Map<string, SeriesState>();
  private readonly defaultWidth: number | undefined;
  private readonly widthByModel = new Map<string, number | undefined>();
  private readonly margin: number;
  private readonly expectedMs: number;
  private readonly gapFactor: number;
  private readonly gapPolicy: GapPolicy;
  private readonly maxSpread: number;
  private changed = false;

  /** Throws an Error naming the option when one is invalid. */
  constructor(options: MeterOptions = {}, snapshot?: MeterSnapshot) {
    this.defaultWidth = parseRollover(options.rollover);
    for (const [key, spec] of Object.entries(options.rolloverByModel ?? {})) {
      try {
        this.widthByModel.set(key, parseRollover(spec));
      } catch (err) {
        throw new Error(`rollover override "${key}": ${(err as Error).message}`);
      }
    }
    this.margin = positive(options.rolloverMargin, DEFAULT_MARGIN, 'rolloverMargin');
    if (this.margin > 1) throw new Error(`rolloverMargin must be at most 1 (got ${this.margin})`);
    const expected = options.expectedIntervalMs ?? 0;
    if (!Number.isFinite(expected) || expected < 0) throw new Error(`expectedIntervalMs must be 0 or more (got ${expected})`);
    this.expectedMs = expected;
    this.gapFactor = positive(options.gapFactor, DEFAULT_GAP_FACTOR, 'gapFactor');
    const policy = options.gapPolicy ?? 'flag';
    if (policy !== 'flag' && policy !== 'spread') throw new Error(`gapPolicy must be flag or spread (got ${String(policy)})`);
    this.gapPolicy = policy;
    this.maxSpread = Math.floor(positive(options.maxSpread, DEFAULT_MAX_SPREAD, 'maxSpread'));
    if (snapshot) this.restore(snapshot);
  }

  /** Number of series tracked. */
  get size(): number {
    return this.state.size;
  }

  /** True when the state changed since the last snapshot() (something to save). */
  get dirty(): boolean {
    return this.changed;
  }

  /** The state to save; clears `dirty`. */
  snapshot(): MeterSnapshot {
    const series: Record<string, [number, number]> = {};
    for (const [key, s] of this.state) series[key] = [s.index, s.time];
    this.changed = false;
    return { version: 1, series };
  }

  /** Forgets every series (or those of one device). */
  clear(devEui?: string): void {
    if (devEui === undefined) this.state.clear();
    else for (const key of [...this.state.keys()]) if ((JSON.parse(key) as string[])[0] === devEui) this.state.delete(key);
    this.changed = true;
  }

  private restore(snapshot: MeterSnapshot): void {
    if (!snapshot || snapshot.version !== 1 || typeof snapshot.series !== 'object' || snapshot.series === null) {
      throw new Error('not a meter-index state (version 1)');
    }
    for (const [key, value] of Object.entries(snapshot.series)) {
      if (Array.isArray(value) && Number.isFinite(value[0]) && Number.isFinite(value[1])) {
        this.state.set(key, { index: value[0], time: value[1] });
      }
    }
  }

  /** The rollover width of a series: `<model>/<quantity>` override, then `<model>`, then the default. */
  widthFor(model: string | undefined, quantity: string): number | undefined {
    if (model !== undefined) {
      const specific = `${model}/${quantity}`;
      if (this.widthByModel.has(specific)) return this.widthByModel.get(specific);
      if (this.widthByModel.has(model)) return this.widthByModel.get(model);
    }
    return this.defaultWidth;
  }

  /** Processes one Reading. Throws MeterInputError when the input is not a Reading. */
  process(input: unknown): MeterResult {
    const reading = validateReading(input);
    const readingTime = Date.parse(reading.time);
    this.counters.readings++;
    const problems: string[] = [];
    const events: MeterEvent[] = [];
    const added = new Map<number, Measurement[]>();

    // Index measurements in time order (history frames may list the newest first).
    const indexes: Array<{ position: number; m: Measurement; time: number }> = [];
    reading.measurements.forEach((m, position) => {
      if (!m || typeof m !== 'object' || m.kind !== 'index') return;
      if (typeof m.quantity !== 'string' || m.quantity === '') {
        problems.push(`measurements[${position}].quantity is missing`);
      } else if (typeof m.value !== 'number' || !Number.isFinite(m.value) || m.value < 0) {
        problems.push(`measurements[${position}].value is not a number ≥ 0: ${JSON.stringify(m.value)}`);
      } else if (m.time !== undefined && !Number.isFinite(Date.parse(m.time))) {
        problems.push(`measurements[${position}].time is not a date: ${JSON.stringify(m.time)}`);
      } else {
        indexes.push({ position, m, time: m.time === undefined ? readingTime : Date.parse(m.time) });
        return;
      }
      this.counters.invalid++;
    });
    indexes.sort((a, b) => a.time - b.time || a.position - b.position);

    let deltas = 0;
    for (const { position, m, time } of indexes) {
      const out = this.step(reading, m, time, events);
      if (out.length > 0) {
        added.set(position, out);
        deltas += out.length;
      }
    }
    this.counters.deltas += deltas;

    const measurements: Measurement[] = [];
    reading.measurements.forEach((m, position) => {
      measurements.push(m);
      const extra = added.get(position);
      if (extra) measurements.push(...extra);
    });
    return { reading: { ...reading, measurements }, events, deltas, problems };
  }

  /** One index of one series: the delta measurements to add, the events pushed on `events`. */
  private step(reading: Reading, m: Measurement, time: number, events: MeterEvent[]): Measurement[] {
    const key = seriesKey(reading.devEui, m.quantity, m.channel);
    const previous = this.state.get(key);
    const current = m.value;
    if (previous === undefined) {
      this.state.set(key, { index: current, time });
      this.changed = true;
      this.counters.baselines++;
      return [];
    }
    const event = (type: MeterEventType, extra: Partial<MeterEvent> = {}): MeterEvent => {
      const e: MeterEvent = {
        type, devEui: reading.devEui, quantity: m.quantity, unit: m.unit,
        previous: previous.index, current, time: new Date(time).toISOString(),
        previousTime: new Date(previous.time).toISOString(), elapsedMs: time - previous.time, ...extra,
      };
      if (reading.tenant !== undefined) e.tenant = reading.tenant;
      if (reading.model !== undefined) e.model = reading.model;
      if (m.channel !== undefined) e.channel = m.channel;
      return e;
    };
    if (time === previous.time && current === previous.index) {
      this.counters.duplicates++;
      events.push(event('duplicate'));
      return [];
    }
    if (time <= previous.time) {
      this.counters.outOfOrder++;
      events.push(event('out-of-order'));
      return [];
    }

    const elapsed = time - previous.time;
    this.state.set(key, { index: current, time });
    this.changed = true;
    const deltaOf = (value: number, at?: number): Measurement => {
      const d: Measurement = { quantity: m.quantity, value, unit: m.unit, kind: 'delta' };
      if (m.channel !== undefined) d.channel = m.channel;
      if (at !== undefined) d.time = new Date(at).toISOString();
      else if (m.time !== undefined) d.time = m.time;
      return d;
    };

    let total: number;
    let decimals: number;
    if (current >= previous.index) {
      total = difference(previous.index, current);
      decimals = deltaDecimals(previous.index, current);
    } else {
      const width = this.widthFor(reading.model, m.quantity);
      // The counter wrapped when the drop is nearly one full width. The index may carry an offset (a pulse
      // counter converted with the meter's starting index), so the values themselves can exceed the width.
      const wrapped = width !== undefined
        ? roundTo(width - previous.index + current, deltaDecimals(width, previous.index, current))
        : undefined;
      if (wrapped === undefined || width === undefined || wrapped <= 0 || wrapped > width * this.margin) {
        this.counters.resets++;
        events.push(event('reset', { delta: 0, ...(width === undefined ? {} : { width }) }));
        return [deltaOf(0)];
      }
      this.counters.rollovers++;
      events.push(event('rollover', { delta: wrapped, width }));
      total = wrapped;
      decimals = deltaDecimals(width, previous.index, current);
    }

    if (this.expectedMs > 0 && elapsed > this.gapFactor * this.expectedMs) {
      this.counters.gaps++;
      events.push(event('gap', { delta: total }));
      if (this.gapPolicy === 'spread') {
        const parts = Math.min(this.maxSpread, Math.max(1, Math.round(elapsed / this.expectedMs)));
        const pieces = splitEvenly(total, parts, decimals);
        return pieces.map((value, k) => deltaOf(value, k === parts - 1 ? time : previous.time + Math.round((elapsed * (k + 1)) / parts)));
      }
    }
    return [deltaOf(total)];
  }
}

/** Checks the envelope of a Reading (devEui, time, measurements); measurement problems are reported by process(). */
export function validateReading(input: unknown): Reading {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new MeterInputError('payload', 'msg.payload is not a Reading object');
  }
  const r = input as Partial<Reading>;
  if (typeof r.devEui !== 'string' || r.devEui === '') throw new MeterInputError('devEui', 'msg.payload.devEui is missing');
  if (typeof r.time !== 'string' || !Number.isFinite(Date.parse(r.time))) {
    throw new MeterInputError('time', `msg.payload.time is not a date: ${JSON.stringify(r.time)}`);
  }
  if (!Array.isArray(r.measurements)) throw new MeterInputError('measurements', 'msg.payload.measurements is not an array');
  return r as Reading;
}
