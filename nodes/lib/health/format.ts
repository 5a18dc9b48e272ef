/**
 * French formatting of the network-health values for the dashboard (units, decimal commas, dates in
 * Europe/Paris). Pure: no Node-RED import. The formatters are built once: Intl objects are costly.
 */

const ONE_DECIMAL = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
const THREE_DECIMALS = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 3 });
const TWO_DECIMALS = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });
const DATE_TIME = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' });

/** Between a value and its unit (French typography): the two never part on a line break. */
export const NBSP = '\u00a0';

/** What the dashboard shows for a value that is not known (yet). */
export const UNKNOWN = '—';

/** A number in French with at most `digits` decimals (1 234,5). */
export function frNumber(value: number, digits: 1 | 2 | 3 = 1): string {
  const format = digits === 1 ? ONE_DECIMAL : digits === 2 ? TWO_DECIMALS : THREE_DECIMALS;
  return format.format(value);
}

export function formatRssi(dbm: number | null | undefined): string {
  return typeof dbm === 'number' && Number.isFinite(dbm) ? `${frNumber(dbm)}${NBSP}dBm` : UNKNOWN;
}

export function formatSnr(db: number | null | undefined): string {
  return typeof db === 'number' && Number.isFinite(db) ? `${frNumber(db)}${NBSP}dB` : UNKNOWN;
}

/** Battery as the device reports it: a percentage first, else a voltage. */
export function formatBattery(percent: number | undefined, volts: number | undefined): string {
  if (typeof percent === 'number' && Number.isFinite(percent)) return `${frNumber(Math.round(percent))}${NBSP}%`;
  if (typeof volts === 'number' && Number.isFinite(volts)) return `${frNumber(volts, 2)}${NBSP}V`;
  return UNKNOWN;
}

/** A date and time in Europe/Paris (29/11/2026 09:12:03). */
export function formatDateTime(ms: number | undefined): string {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? DATE_TIME.format(ms) : UNKNOWN;
}

/** A duration in words: 45 s, 10 min, 1 h 30 min, 2 j 3 h. */
export function formatDuration(ms: number | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return UNKNOWN;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} j` : `${d} j ${h % 24} h`;
}
