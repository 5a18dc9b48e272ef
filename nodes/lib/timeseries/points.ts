/**
 * From the message contracts (DESIGN §4) to time-series points.
 *
 * readingToPoints(): measurement = quantity; tags = tenant, devEui, model, channel (when present)
 * plus the enrichment tags (msg.tags: site, building, commune, fluid, usage...); fields are floats:
 *   - kind `instant` → field `value`;
 *   - kind `index`   → field `index`;
 *   - kind `delta`   → field `delta` (the consumption meter-index derives from two indexes) on the
 *     SAME measurement, tags and time as the index it comes from. Measurements of one Reading that
 *     share quantity, channel and time are merged into one point, so an index and its delta end up
 *     as `water_volume,... index=1234.5,delta=0.5 <t>`; a delta sent alone later at the same time
 *     merges with the stored index too (InfluxDB merges field sets of the same series and time, and
 *     the SQLite backend stores one row per field).
 * time = measurement.time ?? reading.time (the network server's time, so replays overwrite).
 */
import type { Measurement, Reading } from '../contracts';
import type { Point } from './types';

/** A message the writer cannot turn into points; `field` names what is wrong. */
export class PointInputError extends Error {
  constructor(message: string, readonly field: string, readonly device?: string) {
    super(message);
    this.name = 'PointInputError';
  }
}

const FIELD_OF_KIND: Record<string, string> = { instant: 'value', index: 'index', delta: 'delta' };

/** Tags that come from the Reading itself and cannot be overridden by msg.tags. */
const CORE_TAGS = new Set(['tenant', 'devEui', 'model', 'channel']);

/** Epoch ms of an ISO time (or a number of ms), or NaN. */
export function parseTime(time: unknown): number {
  if (typeof time === 'number') return time;
  if (time instanceof Date) return time.getTime();
  if (typeof time !== 'string' || time === '') return NaN;
  return Date.parse(time);
}

/** The enrichment tags kept from msg.tags: string, number and boolean values, as strings. */
export function enrichmentTags(extra: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) return tags;
  for (const [key, value] of Object.entries(extra as Record<string, unknown>)) {
    if (CORE_TAGS.has(key)) continue;
    if (typeof value === 'string') {
      if (value !== '') tags[key] = value;
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      tags[key] = String(value);
    }
  }
  return tags;
}

/** The points of one Reading (see the file comment for the mapping). Throws PointInputError. */
export function readingToPoints(reading: Reading, extraTags?: Record<string, unknown>): Point[] {
  if (reading === null || typeof reading !== 'object') throw new PointInputError('the reading must be an object', 'payload');
  const device = typeof reading.devEui === 'string' ? reading.devEui : undefined;
  if (!device) throw new PointInputError('field "devEui" is missing', 'devEui');
  if (!Array.isArray(reading.measurements)) throw new PointInputError('field "measurements" must be an array', 'measurements', device);
  const readingTime = parseTime(reading.time);
  const base: Record<string, string> = enrichmentTags(extraTags);
  base.tenant = typeof reading.tenant === 'string' && reading.tenant !== '' ? reading.tenant : 'grand-poitiers';
  base.devEui = device;
  if (typeof reading.model === 'string' && reading.model !== '') base.model = reading.model;

  // Measurements sharing quantity, channel and time merge into one point. A reading holds a handful
  // of measurements: a linear search of the points made so far is cheaper than a Map and its keys.
  const measurements = reading.measurements;
  const points: Point[] = [];
  const byKey = measurements.length > 16 ? new Map<string, Point>() : undefined;
  for (let i = 0; i < measurements.length; i++) {
    if (!(i in measurements)) continue; // a hole in a sparse array, as forEach skips it
    const m: Measurement = measurements[i];
    const where = `measurements[${i}]`;
    if (m === null || typeof m !== 'object') throw new PointInputError(`${where} must be an object`, where, device);
    if (typeof m.quantity !== 'string' || m.quantity === '') throw new PointInputError(`${where}.quantity is missing`, `${where}.quantity`, device);
    const field = FIELD_OF_KIND[m.kind];
    if (field === undefined) throw new PointInputError(`${where}.kind must be index, instant or delta, not ${JSON.stringify(m.kind)}`, `${where}.kind`, device);
    if (typeof m.value !== 'number' || !Number.isFinite(m.value)) {
      throw new PointInputError(`${where}.value must be a finite number, not ${JSON.stringify(m.value)}`, `${where}.value`, device);
    }
    const time = m.time !== undefined && m.time !== null ? parseTime(m.time) : readingTime;
    if (!Number.isFinite(time)) {
      const name = m.time !== undefined && m.time !== null ? `${where}.time` : 'time';
      throw new PointInputError(`field "${name}" is not a valid time`, name, device);
    }
    const channel = m.channel !== undefined && m.channel !== null && m.channel !== '' ? String(m.channel) : undefined;
    let point: Point | undefined;
    let key = '';
    if (byKey !== undefined) {
      key = `${m.quantity}\u0000${channel ?? ''}\u0000${time}`;
      point = byKey.get(key);
    } else {
      // `channel` is never an enrichment tag (CORE_TAGS), so tags.channel is the channel or undefined.
      for (let j = 0; j < points.length; j++) {
        const p = points[j];
        if (p.measurement === m.quantity && p.time === time && p.tags.channel === channel) {
          point = p;
          break;
        }
      }
    }
    if (point === undefined) {
      const tags = channel === undefined ? { ...base } : { ...base, channel };
      point = { measurement: m.quantity, tags, fields: {}, time };
      byKey?.set(key, point);
      points.push(point);
    }
    point.fields[field] = m.value;
  }
  return points;
}

/** A Point given explicitly in msg.payload: checked and normalised (time as ISO or ms). */
export function explicitPoint(value: unknown, where = 'payload'): Point {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new PointInputError(`${where} must be a point object`, where);
  const v = value as Record<string, unknown>;
  if (typeof v.measurement !== 'string' || v.measurement === '') throw new PointInputError(`${where}.measurement is missing`, `${where}.measurement`);
  if (v.fields === null || typeof v.fields !== 'object') throw new PointInputError(`${where}.fields must be an object`, `${where}.fields`);
  const time = parseTime(v.time ?? v.timestamp);
  if (!Number.isFinite(time)) throw new PointInputError(`${where}.time is not a valid time`, `${where}.time`);
  const tags: Record<string, string> = {};
  if (v.tags !== undefined && v.tags !== null) {
    if (typeof v.tags !== 'object') throw new PointInputError(`${where}.tags must be an object`, `${where}.tags`);
    for (const [key, tag] of Object.entries(v.tags as Record<string, unknown>)) {
      if (tag === undefined || tag === null || tag === '') continue;
      tags[key] = String(tag);
    }
  }
  // Fields are passed as they are: a non-number field is refused by the backend as a dead letter,
  // with the reason, instead of being silently converted.
  return { measurement: v.measurement, tags, fields: v.fields as Record<string, number>, time };
}

/** True when the payload looks like a Reading (measurements array) rather than explicit points. */
export function isReading(payload: unknown): payload is Reading {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) &&
    Array.isArray((payload as { measurements?: unknown }).measurements);
}

/** The tags of a point as stored: non-empty values, keys sorted, as a canonical JSON text. */
export function canonicalSeries(tags: Record<string, string> | undefined): string {
  if (!tags) return '{}';
  const keys = Object.keys(tags).filter((k) => tags[k] !== '' && tags[k] !== undefined && tags[k] !== null).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) out += `${i ? ',' : ''}${JSON.stringify(keys[i])}:${JSON.stringify(String(tags[keys[i]]))}`;
  return out + '}';
}
