/**
 * Calendar periods (day, ISO week starting Monday, month) in a time zone (Europe/Paris by default),
 * so that a "day" runs from local midnight to local midnight (23 h or 25 h on DST changes). Pure.
 */
import { zoneOffset } from '../timeseries/query';
import { localIso, localToUtc } from '../timeseries/query-shape';

export type Period = 'day' | 'week' | 'month';
export const PERIODS: readonly Period[] = ['day', 'week', 'month'];
export const DEFAULT_ZONE = 'Europe/Paris';
const DAY = 86400000;

/** Wall-clock parts of an instant in a zone. weekday: 1 = Monday … 7 = Sunday. */
export interface LocalParts { year: number; month: number; day: number; hour: number; minute: number; weekday: number }

export function localParts(t: number, zone = DEFAULT_ZONE): LocalParts {
  const local = new Date(t + zoneOffset(t, zone));
  const wd = local.getUTCDay();
  return {
    year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(),
    hour: local.getUTCHours(), minute: local.getUTCMinutes(), weekday: wd === 0 ? 7 : wd,
  };
}

/** The UTC instant of a local wall-clock date and hour in the zone. */
export function localTime(year: number, month: number, day: number, hour = 0, zone = DEFAULT_ZONE): number {
  return localToUtc(Date.UTC(year, month - 1, day, hour), zone);
}

/** Start (UTC ms) of the period holding t. */
export function periodStart(t: number, period: Period, zone = DEFAULT_ZONE): number {
  const p = localParts(t, zone);
  if (period === 'month') return localTime(p.year, p.month, 1, 0, zone);
  if (period === 'week') return localTime(p.year, p.month, p.day - (p.weekday - 1), 0, zone);
  return localTime(p.year, p.month, p.day, 0, zone);
}

/** Start of the period `n` periods after the one starting at `start` (n may be negative). */
export function addPeriods(start: number, n: number, period: Period, zone = DEFAULT_ZONE): number {
  const p = localParts(start, zone);
  if (period === 'month') return localTime(p.year, p.month + n, 1, 0, zone);
  return localTime(p.year, p.month, p.day + n * (period === 'week' ? 7 : 1), 0, zone);
}

/** Local calendar date `YYYY-MM-DD` of an instant. */
export function localDate(t: number, zone = DEFAULT_ZONE): string {
  const p = localParts(t, zone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** ISO 8601 week number and its year. */
export function isoWeek(t: number, zone = DEFAULT_ZONE): { year: number; week: number } {
  const p = localParts(t, zone);
  const date = Date.UTC(p.year, p.month - 1, p.day + 4 - p.weekday); // the Thursday of that week
  const year = new Date(date).getUTCFullYear();
  return { year, week: Math.floor((date - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1 };
}

/** Label of a period: `2025-01-15`, `2025-W03`, `2025-01`. */
export function periodLabel(start: number, period: Period, zone = DEFAULT_ZONE): string {
  if (period === 'day') return localDate(start, zone);
  if (period === 'month') return localDate(start, zone).slice(0, 7);
  const w = isoWeek(start, zone);
  return `${w.year}-W${String(w.week).padStart(2, '0')}`;
}

/** Epoch ms of a local date `YYYY-MM-DD` (local midnight), or NaN. */
export function parseLocalDate(text: string, zone = DEFAULT_ZONE): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(text).trim());
  if (!m) return NaN;
  return localTime(Number(m[1]), Number(m[2]), Number(m[3]), 0, zone);
}

export { localIso };
