/**
 * Consumption KPIs from delta points (DESIGN §4: the `delta` field of the cumulative quantities):
 * totals per site, fluid and calendar period (Europe/Paris), normalised per m² of heated area and per
 * DJU, and compared with a baseline. Pure: no Node-RED import.
 *
 * Units: water in m³; electricity, lighting and gas in kWh (active_energy is stored in Wh; gas_volume in
 * m³ is converted with the gas conversion coefficient, kWh/m³, of the meter or the default 11.2).
 */
import type { QueryResult } from '../timeseries/types';
import { addPeriods, DEFAULT_ZONE, localDate, Period, periodLabel, periodStart } from './calendar';
import type { Building, DjuDay, MeterInfo } from './reference';

/** One consumption (delta) point. */
export interface DeltaPoint {
  time: number;
  site: string;
  fluid: string;
  value: number;
  devEui?: string;
  /** The stored quantity (water_volume, gas_volume, active_energy); absent = already in KPI units. */
  quantity?: string;
}

export const DEFAULT_GAS_COEFFICIENT = 11.2;
export const HEATING_FLUIDS = ['gas', 'fuel', 'heat-network', 'wood'];

/** Quantity of each fluid in the time series, and the fluid a quantity means when points carry no fluid tag. */
export const QUANTITY_OF_FLUID: Record<string, string> = { water: 'water_volume', gas: 'gas_volume', electricity: 'active_energy', lighting: 'active_energy' };
const FLUID_OF_QUANTITY: Record<string, string> = { water_volume: 'water', gas_volume: 'gas', active_energy: 'electricity' };

/** KPI unit of a fluid. */
export function unitOf(fluid: string): string {
  return fluid === 'water' ? 'm3' : 'kWh';
}

/** The points of a query result (series split by site, fluid, devEui tags). Series without a site are kept with site ''. */
export function pointsFromResult(result: QueryResult, quantity: string): DeltaPoint[] {
  const out: DeltaPoint[] = [];
  for (const series of result.series) {
    const site = series.tags.site ?? '';
    const fluid = series.tags.fluid || FLUID_OF_QUANTITY[quantity] || quantity;
    const devEui = series.tags.devEui || undefined;
    for (const p of series.points) {
      if (Number.isFinite(p.value)) out.push({ time: p.time, site, fluid, value: p.value, devEui, quantity });
    }
  }
  return out;
}

export interface UnitOptions {
  /** Meter registry: gas coefficient per meter, and sub-meters left out when `skipSubMeters`. */
  meters?: ReadonlyMap<string, MeterInfo>;
  gasCoefficient?: number;
  /** Leave out the meters whose registry role is `divisionnaire` (default true): the main meter counts them already. */
  skipSubMeters?: boolean;
}

/** Points in KPI units (Wh → kWh, gas m³ → kWh), without the sub-meters. */
export function toKpiUnits(points: readonly DeltaPoint[], options: UnitOptions = {}): DeltaPoint[] {
  const skip = options.skipSubMeters !== false;
  const out: DeltaPoint[] = [];
  for (const p of points) {
    const meter = p.devEui ? options.meters?.get(p.devEui.toLowerCase()) : undefined;
    if (skip && meter?.role === 'divisionnaire') continue;
    let value = p.value;
    if (p.quantity === 'active_energy') value = p.value / 1000;
    else if (p.quantity === 'gas_volume') value = p.value * (meter?.gasCoefficient ?? options.gasCoefficient ?? DEFAULT_GAS_COEFFICIENT);
    out.push({ time: p.time, site: p.site, fluid: p.fluid, value, devEui: p.devEui });
  }
  return out;
}

export interface ConsumptionRow {
  site: string;
  fluid: string;
  unit: string;
  period: Period;
  /** Label: 2025-01-15, 2025-W03, 2025-01. */
  label: string;
  /** Epoch ms, start included, end excluded. */
  start: number;
  end: number;
  value: number;
  /** Number of delta points summed. */
  points: number;
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * Sums the points per site, fluid and calendar period (a point belongs to the period holding its time).
 * Only points in [from, to) when given. Sorted by site, fluid, start.
 */
export function consumptionByPeriod(points: readonly DeltaPoint[], period: Period, options: { zone?: string; from?: number; to?: number } = {}): ConsumptionRow[] {
  const zone = options.zone ?? DEFAULT_ZONE;
  const rows = new Map<string, ConsumptionRow>();
  for (const p of points) {
    if (options.from !== undefined && p.time < options.from) continue;
    if (options.to !== undefined && p.time >= options.to) continue;
    const start = periodStart(p.time, period, zone);
    const key = `${p.site}\u0000${p.fluid}\u0000${start}`;
    let row = rows.get(key);
    if (!row) {
      row = { site: p.site, fluid: p.fluid, unit: unitOf(p.fluid), period, label: periodLabel(start, period, zone), start, end: addPeriods(start, 1, period, zone), value: 0, points: 0 };
      rows.set(key, row);
    }
    row.value += p.value;
    row.points++;
  }
  return [...rows.values()]
    .map((r) => ({ ...r, value: round(r.value) }))
    .sort((a, b) => a.site.localeCompare(b.site) || a.fluid.localeCompare(b.fluid) || a.start - b.start);
}

/** Sum of the DJU of the local dates in [start, end); `days` counts the dates found (less than the period = missing data). */
export function djuOfPeriod(dju: readonly DjuDay[], start: number, end: number, zone = DEFAULT_ZONE): { dju: number; days: number } {
  const from = localDate(start, zone);
  const to = localDate(end, zone);
  let sum = 0;
  let days = 0;
  for (const d of dju) {
    if (d.date >= from && d.date < to) { sum += d.dju; days++; }
  }
  return { dju: round(sum, 2), days };
}

export interface NormalisedRow extends ConsumptionRow {
  heatedAreaM2?: number;
  /** Consumption per m² of heated area. */
  perM2?: number;
  /** Sum of the period's DJU (heating fluids only). */
  dju?: number;
  /** Consumption per DJU (heating fluids only, and only when every day of the period has a DJU). */
  perDju?: number;
}

/** A fluid heats the building: its own heatingFluid, or gas/fuel/heat network always. */
export function isHeating(fluid: string, building: Building | undefined): boolean {
  return HEATING_FLUIDS.includes(fluid) || (building?.heatingFluid !== undefined && building.heatingFluid === fluid);
}

export function normalise(rows: readonly ConsumptionRow[], buildings: ReadonlyMap<string, Building>, dju: readonly DjuDay[], zone = DEFAULT_ZONE): NormalisedRow[] {
  return rows.map((row) => {
    const building = buildings.get(row.site);
    const out: NormalisedRow = { ...row };
    if (building?.heatedAreaM2) {
      out.heatedAreaM2 = building.heatedAreaM2;
      out.perM2 = round(row.value / building.heatedAreaM2, 4);
    }
    if (isHeating(row.fluid, building) && dju.length > 0) {
      const period = djuOfPeriod(dju, row.start, row.end, zone);
      const expected = Math.round((row.end - row.start) / 86400000);
      if (period.days >= expected) {
        out.dju = period.dju;
        if (period.dju > 0) out.perDju = round(row.value / period.dju, 4);
      }
    }
    return out;
  });
}

export type BaselineMethod = 'last-year' | 'median';

export interface BaselineRow extends ConsumptionRow {
  baseline?: number;
  /** What the baseline is: `2024-01`, or `médiane de 4 semaines`. */
  baselineLabel?: string;
  /** (value − baseline) / baseline × 100. */
  deviationPct?: number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The baseline of each row among `history` (rows of the same period kind, earlier ones included):
 * - `last-year`: the same period a year before — the month 12 months before, the week 52 weeks before,
 *   the day 364 days before (same weekday, so an opening day is compared with an opening day);
 * - `median`: the median of the `n` previous periods of the same kind — same weekday of the n previous
 *   weeks for a day, n previous weeks, n previous months; periods without data are skipped (at least one needed).
 */
export function compareWithBaseline(rows: readonly ConsumptionRow[], history: readonly ConsumptionRow[], method: BaselineMethod, n = 4, zone = DEFAULT_ZONE): BaselineRow[] {
  const byKey = new Map<string, ConsumptionRow>();
  for (const h of history) byKey.set(`${h.site}\u0000${h.fluid}\u0000${h.start}`, h);
  const find = (row: ConsumptionRow, start: number) => byKey.get(`${row.site}\u0000${row.fluid}\u0000${start}`);
  return rows.map((row) => {
    const out: BaselineRow = { ...row };
    let baseline: number | undefined;
    if (method === 'last-year') {
      // 12 months before, or 52 weeks (364 days) before: same weekday for days and weeks
      const ref = find(row, row.period === 'month' ? addPeriods(row.start, -12, 'month', zone) : addPeriods(row.start, -52, 'week', zone));
      if (ref) { baseline = ref.value; out.baselineLabel = ref.label; }
    } else {
      const values: number[] = [];
      for (let k = 1; k <= n; k++) {
        const start = row.period === 'month' ? addPeriods(row.start, -k, 'month', zone) : addPeriods(row.start, -k, 'week', zone);
        const ref = find(row, start);
        if (ref) values.push(ref.value);
      }
      if (values.length > 0) {
        baseline = round(median(values));
        out.baselineLabel = `médiane de ${values.length} ${row.period === 'month' ? 'mois' : 'semaines'}`;
      }
    }
    if (baseline !== undefined) {
      out.baseline = baseline;
      if (baseline > 0) out.deviationPct = Math.round(((row.value - baseline) / baseline) * 1000) / 10;
    }
    return out;
  });
}
