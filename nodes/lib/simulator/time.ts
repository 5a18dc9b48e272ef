/**
 * Local time and sun times for the simulated territory: daily profiles follow the local clock of
 * Poitiers (Europe/Paris, with daylight saving time) and street lighting follows sunset and sunrise.
 */

export const TIME_ZONE = 'Europe/Paris';

export interface LocalTime {
  /** 0–23 */
  hour: number;
  /** Minutes after local midnight (0–1439). */
  minuteOfDay: number;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
  /** 1–12 */
  month: number;
  /** Day of the month, 1–31. */
  day: number;
  year: number;
}

const formatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  weekday: 'short',
});

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Recent conversions: the meters of a fleet step through the same instants (the history replay). */
const localCache = new Map<number, LocalTime>();
const LOCAL_CACHE_SIZE = 4096;

/** The local (Europe/Paris) calendar fields of an instant. */
export function localTime(ms: number): LocalTime {
  const cached = localCache.get(ms);
  if (cached !== undefined) return { ...cached };
  const local = computeLocalTime(ms);
  if (localCache.size >= LOCAL_CACHE_SIZE) localCache.clear();
  localCache.set(ms, local);
  return { ...local };
}

function computeLocalTime(ms: number): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(new Date(ms))) parts[part.type] = part.value;
  const hour = Number(parts.hour) % 24;
  return {
    hour,
    minuteOfDay: hour * 60 + Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday] ?? 1,
    month: Number(parts.month),
    day: Number(parts.day),
    year: Number(parts.year),
  };
}

/** True when `minuteOfDay` lies in [from, to), the span crossing midnight when from > to. */
export function inDailySpan(minuteOfDay: number, span: { from: number; to: number }): boolean {
  return span.from < span.to
    ? minuteOfDay >= span.from && minuteOfDay < span.to
    : minuteOfDay >= span.from || minuteOfDay < span.to;
}

const RAD = Math.PI / 180;

/**
 * Sunrise and sunset (ms, UTC instants) of the UTC day containing `ms`, with the NOAA approximation
 * and the standard zenith of 90.833° (refraction and the sun's radius): about a minute off, which is
 * plenty for a simulation. Polar day or night are not handled (not in France).
 */
export function sunTimes(ms: number, latitude: number, longitude: number): { sunrise: number; sunset: number } {
  const date = new Date(ms);
  const dayStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const dayOfYear = Math.floor((dayStart - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  const gamma = (2 * Math.PI / 365) * (dayOfYear - 1);
  const eqTime = 229.18 * (0.000075 + 0.001868 * Math.cos(gamma) - 0.032077 * Math.sin(gamma)
    - 0.014615 * Math.cos(2 * gamma) - 0.040849 * Math.sin(2 * gamma));
  const decl = 0.006918 - 0.399912 * Math.cos(gamma) + 0.070257 * Math.sin(gamma) - 0.006758 * Math.cos(2 * gamma)
    + 0.000907 * Math.sin(2 * gamma) - 0.002697 * Math.cos(3 * gamma) + 0.00148 * Math.sin(3 * gamma);
  const cosHa = Math.cos(90.833 * RAD) / (Math.cos(latitude * RAD) * Math.cos(decl)) - Math.tan(latitude * RAD) * Math.tan(decl);
  const ha = Math.acos(Math.max(-1, Math.min(1, cosHa))) / RAD;
  const sunriseMin = 720 - 4 * (longitude + ha) - eqTime;
  const sunsetMin = 720 - 4 * (longitude - ha) - eqTime;
  return { sunrise: dayStart + sunriseMin * 60_000, sunset: dayStart + sunsetMin * 60_000 };
}

/** True between sunset and the next sunrise at that place. */
export function isDark(ms: number, latitude: number, longitude: number): boolean {
  const { sunrise, sunset } = sunTimes(ms, latitude, longitude);
  return ms < sunrise || ms >= sunset;
}

/**
 * The instant of a local (Europe/Paris) wall-clock time. Paris is UTC+1 or UTC+2: the candidate that
 * reads back as the same local time wins (the earlier one when the autumn change repeats an hour;
 * a time skipped in spring gives the instant one hour later).
 */
export function localInstant(year: number, month: number, day: number, hour = 0, minute = 0): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const normal = new Date(asUtc);
  for (const offsetHours of [2, 1]) {
    const t = asUtc - offsetHours * 3_600_000;
    const l = localTime(t);
    if (l.year === normal.getUTCFullYear() && l.month === normal.getUTCMonth() + 1 && l.day === normal.getUTCDate()
      && l.minuteOfDay === normal.getUTCHours() * 60 + normal.getUTCMinutes()) return t;
  }
  return asUtc - 3_600_000;
}
