/**
 * Local dates and times in Europe/Paris (with DST) and the matching of a program's CalendarRules.
 * Uses Intl with timeZone 'Europe/Paris' (the host's TZ does not matter). Pure.
 *
 * Local time → UTC, the rule for the two DST nights (last Sundays of March and October):
 * - a local time that does not exist (02:00–02:59 on the spring-forward night) is moved FORWARD by
 *   the gap: 02:30 → 03:30 CEST (01:30 UTC), i.e. the clock reading that time would have shown had it
 *   not jumped ("compatible" disambiguation of Temporal / RFC 5545);
 * - a local time that occurs twice (02:00–02:59 on the fall-back night) is taken at its FIRST
 *   occurrence, still in summer time: 02:30 → 02:30 CEST (00:30 UTC).
 * So a step is never skipped nor run twice, and a step at 02:30 still happens once each night.
 */
import type { CalendarRule, LightingProgram } from './model';
import { isFrenchHoliday } from './holidays';

export const TIME_ZONE = 'Europe/Paris';
const DAY_MS = 86400000;

const formatter = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The Europe/Paris wall-clock reading of an instant. */
export function localParts(epochMs: number): LocalParts {
  const out: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute, second: out.second };
}

/** UTC offset of Europe/Paris at an instant, in minutes (60 in winter, 120 in summer). */
export function utcOffsetMin(epochMs: number): number {
  const p = localParts(epochMs);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60000);
}

/** "YYYY-MM-DD" of the local (Paris) date of an instant. */
export function localDate(epochMs: number): string {
  const p = localParts(epochMs);
  return isoDate(p.year, p.month, p.day);
}

export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function parseDate(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`date "${date}" is not YYYY-MM-DD`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The calendar date n days after `date`. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = parseDate(date);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return isoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function weekday(date: string): number {
  const [y, m, d] = parseDate(date);
  const w = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return w === 0 ? 7 : w;
}

/** "HH:MM" → minutes after midnight (throws on a bad time). */
export function parseClock(time: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(String(time).trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new RangeError(`time "${time}" is not HH:MM (00:00–23:59)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * The UTC instant (epoch ms) of a local Paris wall-clock time on a date (see the DST rule above).
 * `minutes` may exceed 1440 (next day) or be negative.
 */
export function localToUtc(date: string, minutes: number): number {
  const [y, m, d] = parseDate(date);
  const wall = Date.UTC(y, m - 1, d) + minutes * 60000;
  const before = utcOffsetMin(wall - DAY_MS / 2);
  const after = utcOffsetMin(wall + DAY_MS / 2);
  const valid: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = wall - offset * 60000;
    if (utcOffsetMin(candidate) === offset) valid.push(candidate);
  }
  if (valid.length > 0) return Math.min(...valid); // repeated time: the first occurrence
  return wall - before * 60000; // non-existent time: moved forward by the gap
}

/** Local midnight (start of the local day) of a date, as epoch ms. */
export function startOfLocalDay(date: string): number {
  return localToUtc(date, 0);
}

function mmdd(date: string): string {
  return date.slice(5, 10);
}

/** Does a date ("YYYY-MM-DD") match one rule? All the rule's conditions must hold. */
export function matchesRule(rule: CalendarRule, date: string): boolean {
  if (rule.weekdays && rule.weekdays.length > 0 && !rule.weekdays.includes(weekday(date))) return false;
  if (rule.dates && rule.dates.length > 0) {
    const md = mmdd(date);
    // A range whose end comes before its start wraps over the new year (winter: 10-01 → 03-31).
    const inside = rule.dates.some((r) => (r.from <= r.to ? md >= r.from && md <= r.to : md >= r.from || md <= r.to));
    if (!inside) return false;
  }
  if (rule.publicHolidays !== undefined && rule.publicHolidays !== null) {
    if (isFrenchHoliday(date) !== rule.publicHolidays) return false;
  }
  return true;
}

/** Does a program apply on a date? No rules: every day; otherwise any matching rule. */
export function programApplies(program: LightingProgram, date: string): boolean {
  if (!program.calendar || program.calendar.length === 0) return true;
  return program.calendar.some((rule) => matchesRule(rule, date));
}

/**
 * The program in force on a date among several, in priority order (first = highest priority): the
 * first that applies, or undefined (no program: the schedule leaves the lights alone that day).
 */
export function programFor<T extends LightingProgram>(programs: readonly T[], date: string): T | undefined {
  return programs.find((p) => programApplies(p, date));
}
