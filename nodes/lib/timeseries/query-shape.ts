/**
 * What the `timeseries-query` node adds around a backend query (no Node-RED import):
 *
 * - relative times resolved to epoch ms in a time zone (default Europe/Paris): an anchor (`now`,
 *   `today`, `yesterday`, `this-week`, `this-month`, `last-month`, `this-year`), an offset, or both
 *   (`-7d`, `today-1d`, `this-month+1mo`). Offsets in `ms`, `s`, `m`, `h` are exact durations; `d`,
 *   `w`, `mo`, `y` are calendar steps in local wall-clock time, so `-1d` at noon is yesterday noon
 *   even across a DST change (23 or 25 hours earlier). Anchors are local midnights (weeks start on
 *   Monday). ISO times and epoch ms pass unchanged;
 * - the shaping of a QueryResult for Dashboard 2.0's ui-chart (an array of {x, y, series}), for
 *   tables (wide: one row per time, one column per series) and for open data (long: one row per
 *   point with its tags).
 */
import { QueryError, zoneOffset } from './query';
import type { QueryResult } from './types';

const EXACT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000 };
const DAY = 86400000;
export const ANCHORS = ['now', 'today', 'yesterday', 'this-week', 'this-month', 'last-month', 'this-year'] as const;

/** The instant of a local wall-clock time (ms as if UTC) in the zone: the earlier one when ambiguous, the first after a DST gap. */
export function localToUtc(local: number, timezone: string): number {
  const before = zoneOffset(local - DAY / 2, timezone);
  const after = zoneOffset(local + DAY / 2, timezone);
  const candidates = [local - before, local - after].filter((u) => u + zoneOffset(u, timezone) === local).sort((a, b) => a - b);
  return candidates.length > 0 ? candidates[0] : local - before;
}

/** Local wall-clock time of an instant, as ms as if UTC. */
function utcToLocal(t: number, timezone: string): number {
  return t + zoneOffset(t, timezone);
}

function checkZone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new QueryError(`timezone "${timezone}" is not an IANA zone (e.g. Europe/Paris)`, 'timezone');
  }
}

/** Local midnight (as-if-UTC ms) of the anchor, `now` excepted. */
function anchorLocal(anchor: string, nowLocal: number): number {
  const d = new Date(nowLocal);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const today = Date.UTC(y, m, d.getUTCDate());
  switch (anchor) {
    case 'today': return today;
    case 'yesterday': return today - DAY;
    case 'this-week': return today - ((d.getUTCDay() + 6) % 7) * DAY;
    case 'this-month': return Date.UTC(y, m, 1);
    case 'last-month': return Date.UTC(y, m - 1, 1);
    case 'this-year': return Date.UTC(y, 0, 1);
    default: throw new Error(`unknown anchor ${anchor}`);
  }
}

/** Adds a calendar step to a local wall-clock time (as-if-UTC ms). Month ends are clamped (31 Jan + 1mo = 28/29 Feb). */
function addCalendar(local: number, amount: number, unit: string): number {
  if (unit === 'd') return local + amount * DAY;
  if (unit === 'w') return local + amount * 7 * DAY;
  const d = new Date(local);
  const months = unit === 'mo' ? amount : amount * 12;
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(),
    d.getUTCSeconds(), d.getUTCMilliseconds());
}

/**
 * Epoch ms of a query time: epoch ms (number or digits), ISO 8601, or an anchor and/or an offset
 * (see the file comment). `field` names the query field in errors (QueryError).
 */
export function resolveQueryTime(value: unknown, now: number, timezone = 'Europe/Paris', field = 'start'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new QueryError(`${field} is not a finite number`, field);
    return Math.round(value);
  }
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime())) throw new QueryError(`${field} is an invalid date`, field);
    return value.getTime();
  }
  if (typeof value !== 'string' || value.trim() === '') throw new QueryError(`${field} is missing`, field);
  const text = value.trim().toLowerCase().replace(/\s+/g, '');
  if (/^\d+$/.test(text)) return Number(text);
  const relative = /^(now|today|yesterday|this-week|this-month|last-month|this-year)?(?:([-+])(\d+(?:\.\d+)?)(ms|s|m|h|d|w|mo|y))?$/.exec(text);
  if (relative && (relative[1] !== undefined || relative[2] !== undefined)) {
    checkZone(timezone);
    const anchor = relative[1] ?? 'now';
    const sign = relative[2] === '-' ? -1 : 1;
    const amount = relative[3] === undefined ? 0 : sign * Number(relative[3]);
    const unit = relative[4];
    if ((unit === 'mo' || unit === 'y') && !Number.isInteger(amount)) {
      throw new QueryError(`${field} "${value}": months and years must be whole numbers`, field);
    }
    // Whole days, weeks, months and years step in local wall-clock time; the rest (and fractional days) are exact durations.
    const calendarStep = (unit === 'd' || unit === 'w' || unit === 'mo' || unit === 'y') && Number.isInteger(amount) && amount !== 0;
    let instant: number;
    if (anchor === 'now' && !calendarStep) {
      instant = now;
    } else {
      let local = anchor === 'now' ? utcToLocal(now, timezone) : anchorLocal(anchor, utcToLocal(now, timezone));
      if (calendarStep) local = addCalendar(local, amount, unit);
      instant = localToUtc(local, timezone);
    }
    if (unit !== undefined && !calendarStep) instant += amount * (EXACT_MS[unit] ?? (unit === 'w' ? 7 * DAY : DAY));
    return Math.round(instant);
  }
  const parsed = Date.parse(value.trim());
  if (!Number.isFinite(parsed)) {
    throw new QueryError(`${field} "${value}" is not a time: use ISO 8601, epoch ms, now, today, yesterday, this-week, this-month, last-month, this-year, or an offset such as -7d, -24h, today-1d`, field);
  }
  return parsed;
}

/** ISO 8601 with the zone's offset: 2025-03-30T03:00:00.000+02:00 (readable in local time, still unambiguous). */
export function localIso(t: number, timezone = 'Europe/Paris'): string {
  const offset = zoneOffset(t, timezone);
  const local = new Date(t + offset).toISOString().slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset) / 60000;
  return `${local}${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * The name of a series: its groupBy tag values in groupBy order, joined with " / " (a missing tag
 * is empty); the fallback (the quantity) when the query is not grouped.
 */
export function seriesName(tags: Record<string, string>, groupBy: string[] | undefined, fallback: string): string {
  const keys = groupBy && groupBy.length > 0 ? groupBy : Object.keys(tags).sort();
  if (keys.length === 0) return fallback;
  return keys.map((k) => tags[k] ?? '').join(' / ');
}

export interface ShapeOptions {
  groupBy?: string[];
  /** Series name of an ungrouped result (default: `value`). */
  fallbackName?: string;
  /** Zone of the ISO times of tables (default Europe/Paris). */
  timezone?: string;
}

export interface ChartPoint {
  x: number;
  y: number;
  series: string;
}

/**
 * Dashboard 2.0 ui-chart input: one {x: epoch ms, y, series} per point, series after series, in time
 * order. Configure the chart with Series = key `series`, X = key `x`, Y = key `y`, X-axis type time,
 * action "replace". Points whose value is not a finite number are left out.
 */
export function toChart(result: QueryResult, options: ShapeOptions = {}): ChartPoint[] {
  const out: ChartPoint[] = [];
  for (const s of result.series) {
    const series = seriesName(s.tags, options.groupBy, options.fallbackName ?? 'value');
    for (const p of [...s.points].sort((a, b) => a.time - b.time)) {
      if (typeof p.value === 'number' && Number.isFinite(p.value)) out.push({ x: p.time, y: p.value, series });
    }
  }
  return out;
}

export type TableRow = Record<string, string | number | null>;

/**
 * Wide table: one row per time (sorted), `time` as local ISO, then one column per series name
 * (null where that series has no point at that time). For ui-table and CSV exports.
 */
export function toTable(result: QueryResult, options: ShapeOptions = {}): TableRow[] {
  const timezone = options.timezone ?? 'Europe/Paris';
  const names = result.series.map((s) => seriesName(s.tags, options.groupBy, options.fallbackName ?? 'value'));
  const byTime = new Map<number, Array<number | null>>();
  result.series.forEach((s, column) => {
    for (const p of s.points) {
      let row = byTime.get(p.time);
      if (row === undefined) {
        row = new Array<number | null>(names.length).fill(null);
        byTime.set(p.time, row);
      }
      row[column] = typeof p.value === 'number' && Number.isFinite(p.value) ? p.value : null;
    }
  });
  return [...byTime.keys()].sort((a, b) => a - b).map((time) => {
    const row: TableRow = { time: localIso(time, timezone) };
    byTime.get(time)!.forEach((value, column) => {
      row[names[column]] = value;
    });
    return row;
  });
}

/** Long table: one row per point, {time (local ISO), series, <groupBy tags>, value}, series after series in time order. For open data. */
export function toRows(result: QueryResult, options: ShapeOptions = {}): TableRow[] {
  const timezone = options.timezone ?? 'Europe/Paris';
  const rows: TableRow[] = [];
  for (const s of result.series) {
    const series = seriesName(s.tags, options.groupBy, options.fallbackName ?? 'value');
    for (const p of [...s.points].sort((a, b) => a.time - b.time)) {
      rows.push({ time: localIso(p.time, timezone), series, ...s.tags, value: Number.isFinite(p.value) ? p.value : null });
    }
  }
  return rows;
}

export type OutputShape = 'chart' | 'table' | 'rows' | 'result';
export const OUTPUT_SHAPES: readonly OutputShape[] = ['chart', 'table', 'rows', 'result'];

/** Shapes a result; `result` returns it unchanged. Throws QueryError (field `output`) on an unknown shape. */
export function shapeResult(result: QueryResult, shape: string, options: ShapeOptions = {}): unknown {
  switch (shape) {
    case 'chart': return toChart(result, options);
    case 'table': return toTable(result, options);
    case 'rows': return toRows(result, options);
    case 'result': return result;
    default: throw new QueryError(`output "${shape}" must be one of ${OUTPUT_SHAPES.join(', ')}`, 'output');
  }
}

/** Number of rows (or points) of a shaped output, for the status. */
export function rowCount(shaped: unknown): number {
  if (Array.isArray(shaped)) return shaped.length;
  const series = (shaped as QueryResult | undefined)?.series;
  return Array.isArray(series) ? series.reduce((n, s) => n + (Array.isArray(s.points) ? s.points.length : 0), 0) : 0;
}
