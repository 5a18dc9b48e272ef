/**
 * The simulated past of the fleet's meters: when the simulator replays it before going live, a fresh
 * installation has months of consumption behind it, so the energy pages (today against the previous
 * weeks, this year against last year, night flows, kWh/m², kWh/DJU) are filled at once.
 *
 * Report times, oldest first, all in Europe/Paris local time:
 * - the oldest part (beyond `dailyDays`): one reading at 23:50 every Sunday and on the last day of each
 *   month: monthly totals a year back, and weekly steps small enough for a 16-bit pulse counter (a
 *   meter-index rollover is a wrap of at most 10 % of the counter's width);
 * - then one reading a day at 23:50, so a day's consumption falls in that day's bucket (a reading
 *   stamped at midnight would count the day in the next one);
 * - the last `detailDays` days: one reading every `detailMinutes` (hourly by default), on the clock,
 *   for hourly profiles, "today up to this hour" and the night flows between 1 h and 5 h.
 * The readings come from the same consumption model as the live network (daily, weekly and seasonal
 * profile, noise), integrated hour by hour.
 */
import { localInstant, localTime } from './time';

export interface HistoryOptions {
  /** How far back the history goes, in days (e.g. 760: two years and a month). */
  days: number;
  /** The last days with one reading a day (default 400: 13 months and a bit; at most `days`). */
  dailyDays?: number;
  /** The last days with readings every `detailMinutes` (default 29; at most `dailyDays`). */
  detailDays?: number;
  /** Period of the detailed readings, minutes (default 60; 5 to 1,440). */
  detailMinutes?: number;
  /** End of the history, epoch ms (default: now). Readings are strictly before it. */
  until?: number;
}

/** Longest history accepted, days (about 5 years). */
export const MAX_HISTORY_DAYS = 1830;
/** Local clock time of the daily and monthly readings (minutes after midnight): 23:50. */
export const DAILY_READING_MINUTE = 23 * 60 + 50;

const DAY_MS = 86_400_000;

interface CivilDate { year: number; month: number; day: number }

function shiftDate(date: CivilDate, days: number): CivilDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const isLastDayOfMonth = (date: CivilDate): boolean => shiftDate(date, 1).day === 1;
const isSunday = (date: CivilDate): boolean => new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() === 0;
const dailyReading = (date: CivilDate): number =>
  localInstant(date.year, date.month, date.day, Math.floor(DAILY_READING_MINUTE / 60), DAILY_READING_MINUTE % 60);

function wholeNumber(value: number | undefined, fallback: number, name: string, min: number, max: number): number {
  const n = value === undefined ? fallback : value;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max} (got ${value})`);
  return n;
}

/** The resolved plan of a history (defaults filled, bounds checked); throws an Error naming the option. */
export function historyPlan(options: HistoryOptions, now = Date.now()): Required<HistoryOptions> {
  const days = wholeNumber(options.days, 0, 'days', 1, MAX_HISTORY_DAYS);
  const dailyDays = Math.min(days, wholeNumber(options.dailyDays, 400, 'dailyDays', 1, MAX_HISTORY_DAYS));
  const detailDays = Math.min(dailyDays, wholeNumber(options.detailDays, 29, 'detailDays', 0, MAX_HISTORY_DAYS));
  const detailMinutes = wholeNumber(options.detailMinutes, 60, 'detailMinutes', 5, 1440);
  const until = options.until ?? now;
  if (!Number.isFinite(until)) throw new Error(`until must be a time in ms (got ${options.until})`);
  return { days, dailyDays, detailDays, detailMinutes, until };
}

/**
 * The report times (epoch ms, increasing, all before `until`) of a history. The first one is the
 * baseline: the meters' index before the history starts (meter-index takes it as its first index).
 */
export function historyTimes(options: HistoryOptions, now = Date.now()): number[] {
  const plan = historyPlan(options, now);
  const local = localTime(plan.until);
  const today: CivilDate = { year: local.year, month: local.month, day: local.day };
  const times: number[] = [];
  const push = (t: number) => {
    if (t < plan.until && (times.length === 0 || t > times[times.length - 1])) times.push(t);
  };
  push(dailyReading(shiftDate(today, -plan.days - 1)));
  for (let back = plan.days; back > plan.dailyDays; back--) {
    const date = shiftDate(today, -back);
    if (isLastDayOfMonth(date) || isSunday(date)) push(dailyReading(date));
  }
  for (let back = plan.dailyDays; back > plan.detailDays; back--) push(dailyReading(shiftDate(today, -back)));
  const detailStart = shiftDate(today, -plan.detailDays);
  const stepMs = plan.detailMinutes * 60_000;
  for (let t = localInstant(detailStart.year, detailStart.month, detailStart.day); t < plan.until; t += stepMs) push(t);
  return times;
}
