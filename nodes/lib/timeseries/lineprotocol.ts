/**
 * InfluxDB line protocol (v1 `/write`, also accepted by 2.x and 3.x compatibility endpoints).
 *
 * Rules applied (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/):
 * - measurement: `,` and space are escaped with a backslash;
 * - tag keys, tag values and field keys: `,`, `=` and space are escaped;
 * - tags are written sorted by key (what InfluxDB recommends for write speed), empty tag values are
 *   left out (line protocol cannot carry them; the SQLite backend leaves them out too);
 * - fields are always floats: a number is written without the `i` suffix, so `20` and `20.1` are the
 *   same type and a field can never flip between integer and float (the node-red-contrib-influxdb bug);
 * - the timestamp is an integer in the chosen precision (ms by default: Point.time is in ms).
 *
 * What line protocol cannot carry is refused by pointProblem() before anything is sent, so a batch
 * never fails because of one malformed point: newlines in names, a trailing backslash (it would
 * escape the separator that follows), non-finite numbers, a point without fields.
 */
import type { Point } from './types';

export type Precision = 'ms' | 'ns';

const MEASUREMENT_SPECIAL = /[, ]/g;
const KEY_SPECIAL = /[,= ]/g;

/** Escapes a measurement name (`,` and space). */
export function escapeMeasurement(name: string): string {
  return name.indexOf(',') < 0 && name.indexOf(' ') < 0 ? name : name.replace(MEASUREMENT_SPECIAL, '\\$&');
}

/** Escapes a tag key, a tag value or a field key (`,`, `=` and space). */
export function escapeKey(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 61 || c === 32) return text.replace(KEY_SPECIAL, '\\$&');
  }
  return text;
}

/**
 * A float as line protocol reads it: JavaScript's shortest round-trip form (`20`, `0.1`, `1e+21`,
 * `5e-7`), which InfluxDB parses as a float because it has no `i` suffix.
 */
export function formatFloat(value: number): string {
  return String(value);
}

function nameProblem(what: string, text: unknown): string | undefined {
  if (typeof text !== 'string') return `${what} must be a string`;
  if (text.length === 0) return `${what} is empty`;
  if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) return `${what} "${text.replace(/[\r\n]/g, ' ')}" contains a line break`;
  if (text.endsWith('\\')) return `${what} "${text}" ends with a backslash`;
  return undefined;
}

/**
 * Why a point cannot be stored, or undefined when it can. Both backends refuse the same points, so
 * InfluxDB and SQLite stay interchangeable.
 */
export function pointProblem(point: Point): string | undefined {
  if (point === null || typeof point !== 'object') return 'a point must be an object';
  const m = nameProblem('measurement', point.measurement);
  if (m) return m;
  if (point.tags !== undefined && (point.tags === null || typeof point.tags !== 'object')) return 'tags must be an object';
  const t = tagNamesProblem(point.tags);
  if (t) return t;
  if (point.fields === null || typeof point.fields !== 'object') return 'fields must be an object';
  const fieldKeys = Object.keys(point.fields);
  if (fieldKeys.length === 0) return 'a point needs at least one field';
  for (const key of fieldKeys) {
    const k = nameProblem('field key', key);
    if (k) return k;
    const value = point.fields[key];
    if (typeof value !== 'number') return `field "${key}" must be a number, not ${value === null ? 'null' : typeof value}`;
    if (!Number.isFinite(value)) return `field "${key}" is ${value}: not a finite number`;
  }
  if (typeof point.time !== 'number' || !Number.isFinite(point.time)) return 'time must be a number of milliseconds since the epoch';
  return undefined;
}

/** The tags actually stored: non-empty values, sorted by key. */
export function storedTagKeys(tags: Record<string, string> | undefined): string[] {
  if (!tags) return [];
  const keys: string[] = [];
  for (const key in tags) {
    const value = tags[key];
    if (value !== '' && value !== undefined && value !== null) keys.push(key);
  }
  return keys.length > 1 ? keys.sort() : keys;
}

/** One line of line protocol (no trailing newline). The point must pass pointProblem(). */
export function pointToLine(point: Point, precision: Precision = 'ms'): string {
  let line = escapeMeasurement(point.measurement);
  const tags = point.tags;
  for (const key of storedTagKeys(tags)) line += `,${escapeKey(key)}=${escapeKey(String(tags[key]))}`;
  let first = true;
  for (const key in point.fields) {
    line += `${first ? ' ' : ','}${escapeKey(key)}=${formatFloat(point.fields[key])}`;
    first = false;
  }
  const ms = Math.round(point.time);
  line += precision === 'ms' ? ` ${ms}` : ` ${ms}000000`;
  return line;
}

/** A batch as one `/write` body: one line per point, newline-terminated. */
export function pointsToBody(points: readonly Point[], precision: Precision = 'ms'): string {
  let body = '';
  for (const point of points) body += pointToLine(point, precision) + '\n';
  return body;
}

/** Default bound of the series cache of a LineEncoder (escaped `measurement,tags` prefixes). */
export const DEFAULT_SERIES_CACHE = 20000;

/**
 * Turns points into lines like pointToLine(), refusing the same points as pointProblem(), but
 * faster for the usual stream where the same series come back again and again (1,000 devices × a
 * few quantities): the escaped, sorted `measurement,tag=value,...` prefix of each series is kept in
 * a bounded cache (oldest entry evicted first), so a known series costs one string key and one map
 * lookup instead of a sort, escaping and validation of every tag. Escaped field keys are cached the
 * same way.
 *
 * The cache key is the measurement and every tag key and value (empty ones too), in the object's
 * order, joined by newlines; the entry also holds the number of tags. A hit is only taken when the
 * number of tags is the same: the key of the cached series then has exactly 2 × tags newlines,
 * so the point's names contain none and split exactly as the cached ones, i.e. they are the same
 * names, already checked by pointProblem()'s rules when the entry was made (a newline inside a name
 * is refused, so it can never borrow another series' entry). Empty, undefined and null tag values
 * share a key: none of them is stored, and the tag key is checked the same way. Anything unusual
 * (a non-string tag value, a missing object) goes through pointProblem() for its exact reason.
 */
export class LineEncoder {
  /** Why the last encode() returned undefined. */
  problem = '';
  private readonly series = new Map<string, { prefix: string; tags: number }>();
  private readonly fieldKeys = new Map<string, string>();

  constructor(readonly precision: Precision = 'ms', private readonly maxSeries = DEFAULT_SERIES_CACHE) {}

  /** Entries in the series cache (for tests and metrics). */
  get cachedSeries(): number {
    return this.series.size;
  }

  /** The line of `point` (no trailing newline), or undefined with the reason in `problem`. */
  encode(point: Point): string | undefined {
    const prefix = this.prefixOf(point);
    if (prefix === undefined) return this.refuse(point);
    const fields = point.fields;
    if (fields === null || typeof fields !== 'object') return this.refuse(point);
    let line = prefix;
    let separator = ' ';
    for (const key in fields) {
      const value = fields[key];
      if (typeof value !== 'number' || !Number.isFinite(value)) return this.refuse(point);
      let escaped = this.fieldKeys.get(key);
      if (escaped === undefined) {
        if (nameProblem('field key', key) !== undefined) return this.refuse(point);
        escaped = escapeKey(key);
        if (this.fieldKeys.size >= 1000) this.fieldKeys.clear();
        this.fieldKeys.set(key, escaped);
      }
      line += separator + escaped + '=' + formatFloat(value);
      separator = ',';
    }
    if (separator === ' ') return this.refuse(point); // no field
    const time = point.time;
    if (typeof time !== 'number' || !Number.isFinite(time)) return this.refuse(point);
    const ms = Math.round(time);
    return this.precision === 'ms' ? line + ' ' + ms : line + ' ' + ms + '000000';
  }

  private refuse(point: Point): undefined {
    this.problem = pointProblem(point) ?? 'the point cannot be written as line protocol';
    return undefined;
  }

  /** The escaped `measurement,tags` of the point's series, or undefined when something is off. */
  private prefixOf(point: Point): string | undefined {
    if (point === null || typeof point !== 'object') return undefined;
    const measurement = point.measurement;
    if (typeof measurement !== 'string') return undefined;
    const tags = point.tags;
    let key = measurement;
    let count = 0;
    if (tags !== undefined) {
      if (tags === null || typeof tags !== 'object') return undefined;
      for (const tag in tags) {
        const value = tags[tag];
        if (typeof value === 'string') key += '\n' + tag + '\n' + value;
        else if (value === undefined || value === null) key += '\n' + tag + '\n';
        else return undefined;
        count++;
      }
    }
    const cached = this.series.get(key);
    // Same key and same number of tags: the same names exactly (see the class comment).
    if (cached !== undefined && cached.tags === count) return cached.prefix;
    if (pointTagsProblem(point) !== undefined) return undefined;
    let prefix = escapeMeasurement(measurement);
    for (const tag of storedTagKeys(tags)) prefix += ',' + escapeKey(tag) + '=' + escapeKey(tags[tag]);
    if (cached === undefined && this.series.size >= this.maxSeries) this.series.delete(this.series.keys().next().value as string);
    this.series.set(key, { prefix, tags: count });
    return prefix;
  }
}

/** pointProblem() restricted to the measurement and the tags (already known to be an object or undefined). */
function pointTagsProblem(point: Point): string | undefined {
  return nameProblem('measurement', point.measurement) ?? tagNamesProblem(point.tags);
}

/** Tag keys and non-empty tag values that line protocol cannot carry. */
function tagNamesProblem(tags: Record<string, string> | undefined): string | undefined {
  for (const key of Object.keys(tags ?? {})) {
    const value = tags![key];
    const k = nameProblem('tag key', key);
    if (k) return k;
    if (value === '' || value === undefined || value === null) continue;
    const v = nameProblem(`tag "${key}"`, value);
    if (v) return v;
  }
  return undefined;
}
