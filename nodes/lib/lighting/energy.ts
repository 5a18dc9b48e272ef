/**
 * Energy of street lighting per cabinet and program, and the what-if comparison of two programs.
 * Pure: no Node-RED import.
 *
 * - A night (evening date D) runs from noon D to noon D+1 local; its level curve comes from the
 *   compiled timeline (./schedule.ts: real sunset/sunrise of the cabinet's coordinates, DST-aware
 *   clock steps), starting from the level in force at noon D.
 * - Lit hours = hours with a level above 0; energy = installed power (W) × level % × hours (the
 *   power is taken as proportional to the level: true enough for LED drivers, optimistic at low
 *   dimming levels and for discharge lamps).
 * - A year = the 365 (366) nights whose evening falls in the year.
 * - Euros = kWh × tariff (€/kWh, a setting); kg CO2e = kWh × emission factor (kg/kWh, a setting).
 *   Default emission factor 0.052 kgCO2e/kWh: ADEME Base Empreinte, electricity, France mainland,
 *   average mix, consumption (2022) — an assumption to confirm with the city's carbon accounting
 *   (hourly/seasonal factors for night-time winter use are higher). Default tariff €0.20/kWh HT: an
 *   assumption (public-lighting supply contracts vary); both are node settings.
 */
import { addDays, isoDate, localToUtc } from './calendar';
import type { LightingProgram } from './model';
import { compileTimeline, Coordinates, entryAt, TimelineEntry } from './schedule';

export const DEFAULT_EMISSION_KG_PER_KWH = 0.052;
export const DEFAULT_TARIFF_EUR_PER_KWH = 0.2;

export interface Cabinet extends Coordinates {
  id: string;
  /** Installed power in W. */
  powerW: number;
  commune?: string;
  name?: string;
}

export interface NightEnergy {
  night: string;
  /** Hours with a level above 0. */
  litHours: number;
  /** Hours at full power equivalent: Σ level/100 × hours. */
  fullPowerHours: number;
  kWh: number;
}

export interface Totals {
  litHours: number;
  fullPowerHours: number;
  kWh: number;
}

const HOUR_MS = 3600000;

/** Integrates the level curve of a timeline between two instants. */
export function integrate(timeline: readonly TimelineEntry[], fromMs: number, toMs: number): { litHours: number; fullPowerHours: number } {
  let level = entryAt(timeline, fromMs)?.level ?? 0;
  let t = fromMs;
  let lit = 0;
  let full = 0;
  for (const e of timeline) {
    if (e.at <= fromMs) continue;
    if (e.at >= toMs) break;
    if (level > 0) lit += e.at - t;
    full += (level / 100) * (e.at - t);
    t = e.at;
    level = e.level;
  }
  if (level > 0) lit += toMs - t;
  full += (level / 100) * (toMs - t);
  return { litHours: lit / HOUR_MS, fullPowerHours: full / HOUR_MS };
}

function nightWindow(night: string): [number, number] {
  return [localToUtc(night, 720), localToUtc(addDays(night, 1), 720)];
}

/** Energy of a cabinet on one night under programs (priority order). */
export function nightEnergy(programs: readonly LightingProgram[], cabinet: Cabinet, night: string): NightEnergy {
  const timeline = compileTimeline(programs, cabinet, addDays(night, -1), night);
  const [from, to] = nightWindow(night);
  const r = integrate(timeline, from, to);
  return { night, ...r, kWh: (cabinet.powerW * r.fullPowerHours) / 1000 };
}

/** Energy of a cabinet over the nights whose evening falls in `year`. */
export function yearEnergy(programs: readonly LightingProgram[], cabinet: Cabinet, year: number): Totals & { nights: number } {
  const first = isoDate(year, 1, 1);
  const last = isoDate(year, 12, 31);
  const timeline = compileTimeline(programs, cabinet, addDays(first, -1), last);
  const from = nightWindow(first)[0];
  const to = nightWindow(last)[1];
  const r = integrate(timeline, from, to);
  const nights = Math.round((Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / 86400000);
  return { nights, ...r, kWh: (cabinet.powerW * r.fullPowerHours) / 1000 };
}

export interface WhatIfSettings {
  year: number;
  tariffEurPerKWh?: number;
  emissionKgPerKWh?: number;
}

export interface Figures {
  litHours: number;
  kWh: number;
  eur: number;
  kgCO2: number;
}

export interface WhatIfRow {
  cabinetId: string;
  name?: string;
  commune: string;
  powerW: number;
  a: Figures;
  b: Figures;
  savedKWh: number;
  savedEur: number;
  savedKgCO2: number;
  /** % of A's energy saved by B (negative: B uses more). */
  savedPercent: number;
}

export interface WhatIfResult {
  year: number;
  tariffEurPerKWh: number;
  emissionKgPerKWh: number;
  rows: WhatIfRow[];
  /** One row per commune (cabinetId = commune), then `total` over all. */
  communes: WhatIfRow[];
  total: WhatIfRow;
}

function figures(kWh: number, litHours: number, tariff: number, emission: number): Figures {
  return { litHours, kWh, eur: kWh * tariff, kgCO2: kWh * emission };
}

function compare(id: string, commune: string, powerW: number, a: Figures, b: Figures, name?: string): WhatIfRow {
  const savedKWh = a.kWh - b.kWh;
  return {
    cabinetId: id, ...(name ? { name } : {}), commune, powerW, a, b,
    savedKWh, savedEur: a.eur - b.eur, savedKgCO2: a.kgCO2 - b.kgCO2,
    savedPercent: a.kWh > 0 ? (100 * savedKWh) / a.kWh : 0,
  };
}

function sum(rows: WhatIfRow[], id: string, commune: string, tariff: number, emission: number): WhatIfRow {
  const add = (pick: (r: WhatIfRow) => Figures) => figures(rows.reduce((s, r) => s + pick(r).kWh, 0), rows.reduce((s, r) => s + pick(r).litHours, 0), tariff, emission);
  return compare(id, commune, rows.reduce((s, r) => s + r.powerW, 0), add((r) => r.a), add((r) => r.b));
}

/** Compares programs A and B (each a priority-ordered list) for cabinets over a year. */
export function whatIf(programsA: readonly LightingProgram[], programsB: readonly LightingProgram[], cabinets: readonly Cabinet[], settings: WhatIfSettings): WhatIfResult {
  const tariff = settings.tariffEurPerKWh ?? DEFAULT_TARIFF_EUR_PER_KWH;
  const emission = settings.emissionKgPerKWh ?? DEFAULT_EMISSION_KG_PER_KWH;
  if (!Number.isInteger(settings.year) || settings.year < 1900 || settings.year > 2200) throw new RangeError(`year ${settings.year} is not a year`);
  if (!(tariff >= 0)) throw new RangeError(`tariff ${tariff} €/kWh is not a positive number`);
  if (!(emission >= 0)) throw new RangeError(`emission factor ${emission} kg/kWh is not a positive number`);
  const rows = cabinets.map((c) => {
    if (!(c.powerW >= 0)) throw new RangeError(`cabinet ${c.id}: installed power ${c.powerW} W is not a positive number`);
    const a = yearEnergy(programsA, c, settings.year);
    const b = yearEnergy(programsB, c, settings.year);
    return compare(c.id, c.commune ?? '', c.powerW, figures(a.kWh, a.litHours, tariff, emission), figures(b.kWh, b.litHours, tariff, emission), c.name);
  });
  const byCommune = new Map<string, WhatIfRow[]>();
  for (const r of rows) byCommune.set(r.commune, [...(byCommune.get(r.commune) ?? []), r]);
  const communes = [...byCommune.entries()].map(([commune, list]) => sum(list, commune, commune, tariff, emission));
  return { year: settings.year, tariffEurPerKWh: tariff, emissionKgPerKWh: emission, rows, communes, total: sum(rows, 'total', '', tariff, emission) };
}
