/**
 * TypedQuery helpers shared by both backends, so InfluxDB and SQLite answer the same question:
 * time bounds, interval, time buckets, validation, and the InfluxQL text.
 *
 * Semantics (both backends):
 * - the range is `start <= time < end`; a missing `end` is `now` (InfluxDB's own default for GROUP BY time);
 * - with `interval` and an aggregate, one point per non-empty bucket (fill(none)), stamped with the
 *   bucket start; without interval, an aggregate gives one point per series stamped with `start`,
 *   except the selectors (min, max, last) that keep the time of the selected point; without
 *   aggregate, the raw points;
 * - buckets: intervals shorter than a day are aligned on the epoch (UTC); for a zone whose offset is
 *   a whole number of hours (Europe/Paris), that is what InfluxDB's tz() gives too. Intervals that
 *   are whole days (`1d`, `7d`, `1w`) are cut in local wall-clock time of `timezone` (default
 *   Europe/Paris): a `1d` bucket runs from local midnight to the next local midnight, so the day of
 *   the spring DST change lasts 23 h and the autumn one 25 h; weeks are aligned like InfluxDB's
 *   (on the epoch, i.e. starting on Thursday, local midnight). This is InfluxDB 1.x `tz()` behaviour
 *   for day buckets, checked by test/lib/timeseries-conformance_spec.ts against a real influxd.
 * - series are split by the `groupBy` tags (a missing tag is ''), sorted by their tag values;
 * - `limit` (default 10,000) caps the points of each series.
 */
import type { Aggregate, QueryResult, QuerySeries, TypedQuery } from './types';

export const DEFAULT_LIMIT = 10000;
export const DEFAULT_TIMEZONE = 'Europe/Paris';
export const AGGREGATES: readonly Aggregate[] = ['sum', 'mean', 'min', 'max', 'last', 'count', 'spread'];
const SELECTORS: ReadonlySet<Aggregate> = new Set<Aggregate>(['min', 'max', 'last']);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000 };
const DAY = 86400000;

/** A query the backends refuse (bad time, interval, aggregate or name). */
export class QueryError extends Error {
  constructor(message: string, readonly field: string) {
    super(message);
    this.name = 'QueryError';
  }
}

/** Epoch ms of an ISO time, epoch ms, `now`, or `now`-relative `-7d`, `-24h`, `-30m`, `-10s`. */
export function resolveTime(value: string | number | undefined, now: number, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new QueryError(`${field} is not a finite number`, field);
    return Math.round(value);
  }
  if (typeof value !== 'string' || value.trim() === '') throw new QueryError(`${field} is missing`, field);
  const text = value.trim();
  if (text === 'now') return now;
  const relative = /^(?:now)?\s*([-+])\s*(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text);
  if (relative) {
    const amount = Number(relative[2]) * UNIT_MS[relative[3]];
    return Math.round(relative[1] === '-' ? now - amount : now + amount);
  }
  if (/^\d+$/.test(text)) return Number(text);
  const parsed = Date.parse(text);
  if (!Number.isFinite(parsed)) throw new QueryError(`${field} "${text}" is not a time (ISO, epoch ms, now, -7d...)`, field);
  return parsed;
}

/** Length in ms of an interval such as `15m`, `1h`, `1d`, `1w`. */
export function parseInterval(interval: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(interval.trim());
  if (!match || Number(match[1]) <= 0) throw new QueryError(`interval "${interval}" must be a number and a unit (s, m, h, d, w), e.g. 15m`, 'interval');
  return Number(match[1]) * UNIT_MS[match[2]];
}

const IDENT = /^[A-Za-z0-9_.\-:/]+$/;

/** Identifiers (measurement, field, tag keys) are restricted to a safe set: no injection. */
export function checkIdentifier(name: unknown, field: string): string {
  if (typeof name !== 'string' || !IDENT.test(name)) throw new QueryError(`${field} ${JSON.stringify(name)} is not a valid name (letters, digits, _ . - : /)`, field);
  return name;
}

export interface ResolvedQuery {
  quantity: string;
  field: string;
  start: number;
  end: number;
  intervalMs?: number;
  interval?: string;
  aggregate?: Aggregate;
  where: Array<[string, string[]]>;
  groupBy: string[];
  timezone: string;
  limit: number;
}

/** Checks a TypedQuery and fills its defaults. */
export function resolveQuery(query: TypedQuery, now = Date.now()): ResolvedQuery {
  if (query === null || typeof query !== 'object') throw new QueryError('the query must be an object', 'query');
  const quantity = checkIdentifier(query.quantity, 'quantity');
  const field = checkIdentifier(query.field ?? 'value', 'field');
  const start = resolveTime(query.start, now, 'start');
  const end = query.end === undefined || query.end === '' ? now : resolveTime(query.end, now, 'end');
  let aggregate = query.aggregate;
  if (aggregate !== undefined && !AGGREGATES.includes(aggregate)) {
    throw new QueryError(`aggregate "${String(aggregate)}" must be one of ${AGGREGATES.join(', ')}`, 'aggregate');
  }
  let intervalMs: number | undefined;
  let interval: string | undefined;
  if (query.interval !== undefined && query.interval !== '') {
    interval = query.interval.trim();
    intervalMs = parseInterval(interval);
    if (aggregate === undefined) aggregate = 'mean';
  }
  const where: Array<[string, string[]]> = [];
  for (const [key, value] of Object.entries(query.where ?? {})) {
    checkIdentifier(key, 'where');
    const values = (Array.isArray(value) ? value : [value]).map((v) => String(v));
    if (values.length === 0) throw new QueryError(`where.${key} has no value`, 'where');
    where.push([key, values]);
  }
  const groupBy = (query.groupBy ?? []).map((tag) => checkIdentifier(tag, 'groupBy'));
  const timezone = query.timezone ?? DEFAULT_TIMEZONE;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new QueryError(`timezone "${timezone}" is not an IANA zone`, 'timezone');
  }
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Math.floor(Number(query.limit));
  if (!Number.isFinite(limit) || limit < 1) throw new QueryError('limit must be a positive number', 'limit');
  return { quantity, field, start, end, intervalMs, interval, aggregate, where, groupBy, timezone, limit };
}

export function isSelector(aggregate: Aggregate | undefined): boolean {
  return aggregate !== undefined && SELECTORS.has(aggregate);
}

// ---------------------------------------------------------------------------------------------
// Time zones and buckets

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();

/** Offset of the zone from UTC at `t` (ms), e.g. +3,600,000 for Paris in winter. */
export function zoneOffset(t: number, timezone: string): number {
  // Zone offsets change on whole quarter hours: cache per 15 minutes.
  const slot = Math.floor(t / 900000);
  const key = `${timezone}|${slot}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  let format = formatters.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timezone, format);
  }
  const at = slot * 900000;
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(at))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  const offset = local - at;
  if (offsetCache.size > 100000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** The UTC instant of a local wall-clock time (ms as if UTC) in the zone; the earlier one when ambiguous. */
function localToUtc(local: number, timezone: string): number {
  // Try the offsets around the local time; keep the instant that maps back to this local time.
  const guess1 = local - zoneOffset(local - DAY / 2, timezone);
  const guess2 = local - zoneOffset(local + DAY / 2, timezone);
  const candidates = [guess1, guess2].filter((u) => u + zoneOffset(u, timezone) === local).sort((a, b) => a - b);
  // A local time skipped by a spring change does not exist: take the first instant after the gap.
  return candidates.length > 0 ? candidates[0] : Math.min(guess1, guess2);
}

/** Start (epoch ms) of the bucket that holds `t`. */
export function bucketStart(t: number, intervalMs: number, timezone: string): number {
  if (intervalMs % DAY !== 0) return Math.floor(t / intervalMs) * intervalMs;
  const local = t + zoneOffset(t, timezone);
  const localStart = Math.floor(local / intervalMs) * intervalMs;
  return localToUtc(localStart, timezone);
}

// ---------------------------------------------------------------------------------------------
// InfluxQL

/** An InfluxQL identifier, double-quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** An InfluxQL string literal, single-quoted. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The InfluxQL of a resolved query (times in ms since the epoch, `epoch=ms` expected on the request). */
export function toInfluxQL(q: ResolvedQuery, retentionPolicy?: string): string {
  const from = retentionPolicy ? `${quoteIdent(retentionPolicy)}.${quoteIdent(q.quantity)}` : quoteIdent(q.quantity);
  const fieldIdent = quoteIdent(q.field);
  let select: string;
  if (q.aggregate === undefined) select = `${fieldIdent} AS "value"`;
  else if (q.aggregate === 'mean') select = `mean(${fieldIdent}) AS "value"`;
  else select = `${q.aggregate}(${fieldIdent}) AS "value"`;
  const conditions = [`time >= ${q.start}ms`, `time < ${q.end}ms`];
  for (const [key, values] of q.where) {
    const alternatives = values.map((v) => `${quoteIdent(key)} = ${quoteString(v)}`);
    conditions.push(alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' OR ')})`);
  }
  const groups: string[] = [];
  if (q.interval !== undefined && q.aggregate !== undefined) groups.push(`time(${q.interval})`);
  for (const tag of q.groupBy) groups.push(quoteIdent(tag));
  let text = `SELECT ${select} FROM ${from} WHERE ${conditions.join(' AND ')}`;
  if (groups.length > 0) text += ` GROUP BY ${groups.join(', ')}`;
  if (q.interval !== undefined && q.aggregate !== undefined) text += ' fill(none)';
  text += ` LIMIT ${q.limit}`;
  if (q.interval !== undefined && q.aggregate !== undefined && (q.intervalMs ?? 0) % DAY === 0) text += ` tz(${quoteString(q.timezone)})`;
  return text;
}

/** Sorts series by their groupBy tag values and points by time: both backends answer in this order. */
export function normaliseResult(series: QuerySeries[], groupBy: string[]): QueryResult {
  const key = (s: QuerySeries) => groupBy.map((tag) => s.tags[tag] ?? '').join('\u0000');
  series.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  for (const s of series) s.points.sort((a, b) => a.time - b.time);
  return { series };
}
