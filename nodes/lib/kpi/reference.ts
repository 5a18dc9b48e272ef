/**
 * Reference rows (buildings, meters, invoices, DJU) as the KPI code needs them, read from the rows of
 * a ReferenceTable (CSV strings, or numbers from JSON/SQL) or from plain objects given in a message.
 * Column names are those of data/*.csv (documented in data/README.md); a few aliases are accepted.
 * Bad rows are skipped and reported in `problems`, never thrown. Pure: no Node-RED import.
 */
import type { ReferenceRow } from '../reference/types';

export interface Building {
  site: string;
  buildingId?: string;
  name: string;
  usage?: string;
  heatedAreaM2?: number;
  commune?: string;
  /** Fluid used for heating (gas, electricity, heat network…): its consumption is also normalised per DJU. */
  heatingFluid?: string;
}

export interface MeterInfo {
  devEui: string;
  site: string;
  fluid: string;
  /** `principal` (billed supply) or `divisionnaire` (sub-meter, already counted by the main meter). */
  role?: string;
  /** kWh per m³ for gas meters. */
  gasCoefficient?: number;
}

export interface Invoice {
  invoiceNumber: string;
  site: string;
  fluid: string;
  /** Local dates YYYY-MM-DD, both included. */
  periodStart: string;
  periodEnd: string;
  /** kWh (electricity, gas) or m³ (water). */
  consumption: number;
  unit: string;
  amountEur?: number;
}

export interface DjuDay {
  /** Local date YYYY-MM-DD. */
  date: string;
  dju: number;
}

export interface Parsed<T> {
  items: T;
  problems: string[];
}

/** A number written as 12.5, "12,5", "1 234,5" (French spreadsheets) or a number; undefined when empty or not a number. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function text(row: ReferenceRow, ...names: string[]): string {
  for (const name of names) {
    const v = row[name];
    if (v !== undefined && v !== null && String(v).trim() !== '') return String(v).trim();
  }
  return '';
}

function num(row: ReferenceRow, ...names: string[]): number | undefined {
  for (const name of names) {
    const n = toNumber(row[name]);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** A date cell as YYYY-MM-DD (accepts ISO dates and French DD/MM/YYYY). */
export function toDate(value: string): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`;
  const fr = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (fr) return `${fr[3]}-${fr[2].padStart(2, '0')}-${fr[1].padStart(2, '0')}`;
  return undefined;
}

function rowsOf(input: unknown, what: string): ReferenceRow[] {
  if (input === undefined || input === null) return [];
  if (Array.isArray(input)) return input.filter((r) => r !== null && typeof r === 'object') as ReferenceRow[];
  const list = (input as { list?: unknown }).list;
  if (Array.isArray(list)) return list as ReferenceRow[];
  throw new Error(`${what} must be an array of rows or a reference table`);
}

export function parseBuildings(input: unknown): Parsed<Map<string, Building>> {
  const items = new Map<string, Building>();
  const problems: string[] = [];
  rowsOf(input, 'buildings').forEach((row, i) => {
    const site = text(row, 'site');
    if (site === '') { problems.push(`buildings row ${i + 1}: no site`); return; }
    const area = num(row, 'heatedAreaM2', 'surface', 'surfaceM2', 'surface_m2');
    if (area !== undefined && area <= 0) problems.push(`buildings row ${i + 1} (${site}): heated area ${area} m² ignored`);
    items.set(site, {
      site,
      buildingId: text(row, 'buildingId') || undefined,
      name: text(row, 'name', 'nom') || site,
      usage: text(row, 'usage') || undefined,
      heatedAreaM2: area !== undefined && area > 0 ? area : undefined,
      commune: text(row, 'commune') || undefined,
      heatingFluid: text(row, 'heatingFluid').toLowerCase() || undefined,
    });
  });
  return { items, problems };
}

export function parseMeters(input: unknown): Parsed<Map<string, MeterInfo>> {
  const items = new Map<string, MeterInfo>();
  const problems: string[] = [];
  rowsOf(input, 'meters').forEach((row, i) => {
    const devEui = text(row, 'devEui', 'deveui').toLowerCase();
    if (devEui === '') { problems.push(`meters row ${i + 1}: no devEui`); return; }
    items.set(devEui, {
      devEui,
      site: text(row, 'site'),
      fluid: text(row, 'fluid').toLowerCase(),
      role: text(row, 'role').toLowerCase() || undefined,
      gasCoefficient: num(row, 'gasCoefficientKwhPerM3', 'gasCoefficient'),
    });
  });
  return { items, problems };
}

export function parseInvoices(input: unknown): Parsed<Invoice[]> {
  const items: Invoice[] = [];
  const problems: string[] = [];
  rowsOf(input, 'invoices').forEach((row, i) => {
    const where = `invoices row ${i + 1}`;
    const site = text(row, 'site');
    const fluid = text(row, 'fluid').toLowerCase();
    const periodStart = toDate(text(row, 'periodStart'));
    const periodEnd = toDate(text(row, 'periodEnd'));
    const consumption = num(row, 'consumption');
    if (site === '' || fluid === '') { problems.push(`${where}: site and fluid are required`); return; }
    if (!periodStart || !periodEnd || periodEnd < periodStart) { problems.push(`${where} (${site}): periodStart/periodEnd are not a valid period`); return; }
    if (consumption === undefined || consumption < 0) { problems.push(`${where} (${site}): consumption is not a number`); return; }
    items.push({
      invoiceNumber: text(row, 'invoiceNumber', 'number') || `${site}-${fluid}-${periodStart}`,
      site, fluid, periodStart, periodEnd, consumption,
      unit: text(row, 'unit') || (fluid === 'water' ? 'm3' : 'kWh'),
      amountEur: num(row, 'amountEurTTC', 'amount'),
    });
  });
  return { items, problems };
}

/** Daily DJU: the `dju` column, or max(0, base − (tMin + tMax) / 2) when only temperatures are given. */
export function parseDju(input: unknown, base = 18): Parsed<DjuDay[]> {
  const items: DjuDay[] = [];
  const problems: string[] = [];
  rowsOf(input, 'dju').forEach((row, i) => {
    const date = toDate(text(row, 'date'));
    if (!date) { problems.push(`dju row ${i + 1}: no valid date`); return; }
    let dju = num(row, 'dju');
    if (dju === undefined) {
      const tMin = num(row, 'tMin');
      const tMax = num(row, 'tMax');
      if (tMin !== undefined && tMax !== undefined) dju = Math.max(0, base - (tMin + tMax) / 2);
    }
    if (dju === undefined || dju < 0) { problems.push(`dju row ${i + 1} (${date}): no DJU`); return; }
    items.push({ date, dju });
  });
  return { items, problems };
}
