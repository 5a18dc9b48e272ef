/**
 * Regenerates data/dju-poitiers.csv: synthetic daily temperatures and degree-days (DJU, base 18 °C) for
 * Poitiers, from 2024-09-01 to 2026-12-31. Deterministic: the same code always writes the same bytes, so
 * the file can be checked against this script (test/lib/kpi_spec.ts does). The method is described in
 * data/README.md; these are NOT Météo-France observations.
 *
 *   npx tsx scripts/generate-dju.ts            writes data/dju-poitiers.csv
 *   npx tsx scripts/generate-dju.ts --check    exits 1 when the committed file differs from the output
 *
 * Each calendar year has its own seed (86000 + year − 2025, so 2025 keeps seed 86000) and is generated
 * from its 1 January: the values of a day never depend on the span written out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mulberry32, type Random } from '../nodes/lib/simulator/random';

export const DJU_FIRST_DAY = '2024-09-01';
export const DJU_LAST_DAY = '2026-12-31';
export const DJU_HEADER = 'date,tMin,tMax,dju';
const BASE_SEED = 86000;
const BASE_YEAR = 2025;

/** One day of the file, with the values exactly as written (temperatures to 0.1 °C, DJU to 0.01). */
export interface DjuDay {
  date: string;
  tMin: number;
  tMax: number;
  dju: number;
}

/** The seed of one calendar year: 86000 for 2025, 86001 for 2026, 85999 for 2024… */
export function djuSeedOfYear(year: number): number {
  return BASE_SEED + (year - BASE_YEAR);
}

/** A standard normal draw by Box-Muller: two uniform draws u, v → √(−2 ln(1 − u)) × cos(2π v). */
function gaussian(random: Random): number {
  const u = random();
  const v = random();
  // 1 − u is in (0, 1]: the logarithm never sees 0.
  return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
}

const round = (value: number, decimals: number): number => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Every day of one calendar year (365 or 366), from its own seed; the weather anomaly starts at 0 on 1 January. */
export function djuYear(year: number): DjuDay[] {
  if (!Number.isInteger(year) || year < 1900 || year > 2200) throw new Error(`year must be an integer from 1900 to 2200, got ${year}`);
  const random = mulberry32(djuSeedOfYear(year));
  const days: DjuDay[] = [];
  let anomaly = 0;
  for (let time = Date.UTC(year, 0, 1), dayOfYear = 1; new Date(time).getUTCFullYear() === year; time += 86_400_000, dayOfYear++) {
    // Seasonal cycle, coldest around 18 January (day 18); the period stays 365 days in leap years too.
    const season = Math.cos((2 * Math.PI * (dayOfYear - 18)) / 365);
    const mean = 12.2 - 7.4 * season;
    const range = 9.5 - 2.5 * season;
    // Draw order matters for reproducibility: anomaly, then tMin noise, then tMax noise.
    anomaly = 0.7 * anomaly + 2.2 * gaussian(random);
    const minNoise = 0.8 * gaussian(random);
    const maxNoise = 0.8 * gaussian(random);
    let tMin = round(mean - range / 2 + anomaly + minNoise, 1);
    let tMax = round(mean + range / 2 + anomaly + maxNoise, 1);
    if (tMin > tMax) [tMin, tMax] = [tMax, tMin];
    days.push({ date: new Date(time).toISOString().slice(0, 10), tMin, tMax, dju: round(Math.max(0, 18 - (tMin + tMax) / 2), 2) });
  }
  return days;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function checkDay(name: string, day: string): void {
  if (!ISO_DAY.test(day) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
    throw new Error(`${name} must be a real day written YYYY-MM-DD, got "${day}"`);
  }
}

/** The days from `first` to `last`, both included. */
export function djuDays(first = DJU_FIRST_DAY, last = DJU_LAST_DAY): DjuDay[] {
  checkDay('first', first);
  checkDay('last', last);
  if (first > last) throw new Error(`first (${first}) is after last (${last})`);
  const days: DjuDay[] = [];
  for (let year = Number(first.slice(0, 4)); year <= Number(last.slice(0, 4)); year++) {
    days.push(...djuYear(year).filter((d) => d.date >= first && d.date <= last));
  }
  return days;
}

/** The CSV text of data/dju-poitiers.csv: header, one line per day, LF line endings, final newline. */
export function generateDjuCsv(first = DJU_FIRST_DAY, last = DJU_LAST_DAY): string {
  const lines = djuDays(first, last).map((d) => `${d.date},${d.tMin.toFixed(1)},${d.tMax.toFixed(1)},${d.dju}`);
  return `${[DJU_HEADER, ...lines].join('\n')}\n`;
}

const packageRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
export const DJU_FILE = path.join(packageRoot, 'data', 'dju-poitiers.csv');

function main(args: readonly string[]): void {
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) throw new Error(`unexpected argument "${unknown[0]}" (usage: generate-dju [--check])`);
  const csv = generateDjuCsv();
  const lines = csv.split('\n').length - 2;
  if (args.includes('--check')) {
    const current = fs.existsSync(DJU_FILE) ? fs.readFileSync(DJU_FILE, 'utf8') : '';
    if (current !== csv) throw new Error(`${DJU_FILE} differs from the generator's output: run npx tsx scripts/generate-dju.ts`);
    process.stdout.write(`${DJU_FILE} is up to date (${lines} days, ${DJU_FIRST_DAY} to ${DJU_LAST_DAY})\n`);
    return;
  }
  fs.writeFileSync(DJU_FILE, csv);
  process.stdout.write(`wrote ${DJU_FILE}: ${lines} days, ${DJU_FIRST_DAY} to ${DJU_LAST_DAY}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`[generate-dju] ${(err as Error).message}\n`);
    process.exit(1);
  }
}
