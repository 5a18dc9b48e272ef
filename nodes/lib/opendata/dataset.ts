/**
 * Builds the rows of an open dataset from a time-series query result (one series per site) and the
 * buildings reference table, at a spatial level (building, commune, territory), with each row's
 * per-site contributions (for the charter's minimum-units and dominance rules). Pure: no Node-RED.
 */
import { zoneOffset } from '../timeseries/query';
import type { QueryResult } from '../timeseries/types';
import type { DatasetDescription, DatasetField, DatasetRows } from './types';

export type SpatialLevel = DatasetDescription['spatialLevel'];
export const SPATIAL_LEVELS: SpatialLevel[] = ['building', 'commune', 'territory'];

/** Canonical units of DESIGN §4 (UCUM codes). */
export const QUANTITY_UNITS: Record<string, string> = {
  water_volume: 'm3', gas_volume: 'm3', active_energy: 'Wh', reactive_energy: 'varh', pulse_count: '1',
  active_power: 'W', apparent_power: 'VA', voltage: 'V', current: 'A', power_factor: '1', frequency: 'Hz',
  temperature: 'Cel', humidity: '%', co2: '[ppm]', illuminance: 'lx', light_level: '%', relay_state: '1', lamp_on_time: 'h',
};

export interface BuildOptions {
  spatialLevel: SpatialLevel;
  /** How the sites of a commune/territory combine: consumptions add up, instant values average. */
  combine: 'sum' | 'mean';
  /** Row granularity (`15m`, `1h`, `1d`…): a day or more publishes local dates, less publishes UTC datetimes. */
  granularity: string;
  /** Tag of the series naming the site (default `site`). */
  siteTag?: string;
  /** IANA zone of the day buckets (default Europe/Paris). */
  timezone?: string;
  /** Name of the whole territory (default Grand Poitiers). */
  territory?: string;
  /** Decimals kept in `valeur` (default 3). */
  decimals?: number;
}

export interface BuiltDataset extends DatasetRows {
  contributions: Array<Record<string, number>>;
  /** Usages of the sites that contributed (buildings.csv `usage`). */
  usages: string[];
  /** First and last period start (ISO), when there are rows. */
  temporal?: { start: string; end: string };
}

/** True for granularities of a day or more (`1d`, `1w`, `1mo`, `1y`). */
export function isDaily(granularity: string): boolean {
  const m = /^(\d+)(mo|ms|s|m|h|d|w|y)$/.exec(String(granularity).trim());
  if (!m) return false;
  return m[2] === 'd' || m[2] === 'w' || m[2] === 'mo' || m[2] === 'y';
}

/** Every column a dataset of this level can publish, in order (names in French, as the city publishes). */
export function availableFields(level: SpatialLevel, granularity: string, quantity: string, unit?: string): DatasetField[] {
  const daily = isDaily(granularity);
  const u = unit ?? QUANTITY_UNITS[quantity];
  const time: DatasetField = daily
    ? { name: 'date', type: 'date', title: 'Date', description: 'Jour (ou début de la période) en heure de Paris, AAAA-MM-JJ' }
    : { name: 'date', type: 'datetime', title: 'Date et heure', description: 'Début de la période, en UTC (ISO 8601)' };
  const value: DatasetField = { name: 'valeur', type: 'number', title: 'Valeur', description: `Valeur de ${quantity} sur la période (granularité ${granularity})`, ...(u ? { unit: u } : {}) };
  const coords: DatasetField[] = [
    { name: 'latitude', type: 'number', title: 'Latitude', description: 'Latitude en degrés décimaux (WGS 84)', unit: 'deg' },
    { name: 'longitude', type: 'number', title: 'Longitude', description: 'Longitude en degrés décimaux (WGS 84)', unit: 'deg' },
  ];
  const count: DatasetField = { name: 'nombre_sites', type: 'integer', title: 'Nombre de sites', description: 'Nombre de sites agrégés dans la ligne' };
  switch (level) {
    case 'building':
      return [
        time,
        { name: 'site', type: 'string', title: 'Site', description: 'Identifiant du site' },
        { name: 'nom', type: 'string', title: 'Nom', description: 'Nom du bâtiment' },
        { name: 'usage', type: 'string', title: 'Usage', description: 'Usage principal du bâtiment' },
        { name: 'commune', type: 'string', title: 'Commune', description: 'Commune du bâtiment' },
        ...coords,
        value,
      ];
    case 'commune':
      return [
        time,
        { name: 'commune', type: 'string', title: 'Commune', description: 'Commune' },
        ...coords.map((c) => ({ ...c, description: `${c.description}, moyenne des sites de la commune` })),
        count,
        value,
      ];
    default:
      return [
        time,
        { name: 'territoire', type: 'string', title: 'Territoire', description: 'Territoire couvert' },
        count,
        value,
      ];
  }
}

/** The fields chosen by a comma list of names (empty = all), in the list's order; unknown names throw. */
export function selectFields(available: DatasetField[], columns: string | string[] | undefined): DatasetField[] {
  const names = (Array.isArray(columns) ? columns : String(columns ?? '').split(',')).map((c) => c.trim()).filter((c) => c !== '');
  if (names.length === 0) return available;
  return names.map((name) => {
    const field = available.find((f) => f.name === name);
    if (!field) throw new Error(`column "${name}" is not one of ${available.map((f) => f.name).join(', ')}`);
    return field;
  });
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The period's label: local date (`2025-01-15`) for daily granularities, UTC datetime otherwise. */
export function periodLabel(t: number, granularity: string, timezone = 'Europe/Paris'): string {
  if (isDaily(granularity)) {
    const local = new Date(t + zoneOffset(t, timezone));
    return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  }
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

function num(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).replace(',', '.'));
  return Number.isFinite(n) ? n : undefined;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

interface SiteInfo {
  site: string;
  name: string;
  commune: string;
  usage: string;
  latitude?: number;
  longitude?: number;
}

function siteInfo(site: string, building: Record<string, unknown> | undefined, tags: Record<string, string>): SiteInfo {
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v).trim());
  return {
    site,
    name: text(building?.name) || site,
    commune: text(building?.commune) || text(tags.commune),
    usage: text(building?.usage) || text(tags.usage),
    latitude: num(building?.latitude),
    longitude: num(building?.longitude),
  };
}

/**
 * The dataset's rows: one per (period, site) at building level, per (period, commune) at commune
 * level, per period at territory level. Series without a site tag, and NaN values, are left out.
 */
export function buildDatasetRows(result: QueryResult, buildings: ReadonlyArray<Record<string, unknown>>, options: BuildOptions): BuiltDataset {
  const siteTag = options.siteTag ?? 'site';
  const timezone = options.timezone ?? 'Europe/Paris';
  const territory = options.territory ?? 'Grand Poitiers';
  const decimals = options.decimals ?? 3;
  const bySite = new Map<string, Record<string, unknown>>();
  for (const b of buildings) {
    const key = String(b.site ?? '').trim();
    if (key !== '') bySite.set(key, b);
  }

  /** group key → period → site → value */
  const groups = new Map<string, { sites: SiteInfo[]; periods: Map<number, Map<string, number>> }>();
  const usages = new Set<string>();
  for (const series of result.series) {
    const site = String(series.tags?.[siteTag] ?? '').trim();
    if (site === '') continue;
    const info = siteInfo(site, bySite.get(site), series.tags ?? {});
    const key = options.spatialLevel === 'building' ? site : options.spatialLevel === 'commune' ? info.commune : territory;
    let group = groups.get(key);
    if (!group) {
      group = { sites: [], periods: new Map() };
      groups.set(key, group);
    }
    if (!group.sites.some((s) => s.site === site)) group.sites.push(info);
    for (const point of series.points) {
      if (!Number.isFinite(point.value)) continue;
      let period = group.periods.get(point.time);
      if (!period) {
        period = new Map();
        group.periods.set(point.time, period);
      }
      // Two series of one site (several meters) add up within the site.
      period.set(site, (period.get(site) ?? 0) + point.value);
      if (info.usage) usages.add(info.usage);
    }
  }

  const entries: Array<{ time: number; key: string; row: Record<string, unknown>; contribution: Record<string, number> }> = [];
  for (const [key, group] of groups) {
    const located = group.sites.filter((s) => s.latitude !== undefined && s.longitude !== undefined);
    const lat = located.length > 0 ? located.reduce((a, s) => a + (s.latitude as number), 0) / located.length : undefined;
    const lon = located.length > 0 ? located.reduce((a, s) => a + (s.longitude as number), 0) / located.length : undefined;
    for (const [time, perSite] of group.periods) {
      const values = [...perSite.values()];
      const total = values.reduce((a, v) => a + v, 0);
      const value = options.combine === 'mean' ? total / values.length : total;
      const contribution: Record<string, number> = {};
      for (const [site, v] of perSite) contribution[site] = Math.abs(v);
      const row: Record<string, unknown> = { date: periodLabel(time, options.granularity, timezone), valeur: round(value, decimals) };
      if (options.spatialLevel === 'building') {
        const info = group.sites[0];
        Object.assign(row, { site: info.site, nom: info.name, usage: info.usage, commune: info.commune, latitude: info.latitude ?? null, longitude: info.longitude ?? null });
      } else if (options.spatialLevel === 'commune') {
        Object.assign(row, { commune: key, latitude: lat === undefined ? null : round(lat, 6), longitude: lon === undefined ? null : round(lon, 6), nombre_sites: perSite.size });
      } else {
        Object.assign(row, { territoire: key, nombre_sites: perSite.size });
      }
      entries.push({ time, key, row, contribution });
    }
  }
  entries.sort((a, b) => a.time - b.time || a.key.localeCompare(b.key, 'fr'));
  const out: BuiltDataset = {
    rows: entries.map((e) => e.row),
    contributions: entries.map((e) => e.contribution),
    usages: [...usages].sort(),
  };
  if (entries.length > 0) {
    out.temporal = {
      start: periodLabel(entries[0].time, '1h'),
      end: periodLabel(entries[entries.length - 1].time, '1h'),
    };
  }
  return out;
}
