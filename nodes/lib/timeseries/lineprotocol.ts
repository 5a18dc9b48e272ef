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
  for (const key of Object.keys(point.tags ?? {})) {
    const value = point.tags[key];
    const k = nameProblem('tag key', key);
    if (k) return k;
    if (value === '' || value === undefined || value === null) continue;
    const v = nameProblem(`tag "${key}"`, value);
    if (v) return v;
  }
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
