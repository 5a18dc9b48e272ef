/**
 * Cabinets and controller targets of the lighting nodes, from editor rows or from a reference table
 * such as data/lighting-cabinets.csv (cabinetId, commune, installedPowerW, controllerDevEui,
 * luminaireControllers (space-separated), latitude, longitude; optional `applicationId` (ChirpStack),
 * `model` / `controllerModel` /
 * `luminaireModel` columns, else the model is guessed from the devEUI prefix, capabilities.ts).
 * Pure: no Node-RED import.
 */
import { guessLightingModel } from './capabilities';
import type { Cabinet } from './energy';

export interface ScheduleTarget {
  devEui: string;
  model: string;
  latitude: number;
  longitude: number;
  /** Installed power (W) fed by this controller, when known. */
  powerW?: number;
  name?: string;
  cabinetId?: string;
  commune?: string;
  /** ChirpStack application of the controller (a commune's own network application), when the table gives it. */
  applicationId?: string;
}

type Row = Record<string, unknown>;

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  const text = String(v ?? '').trim().replace(',', '.');
  return text === '' ? NaN : Number(text);
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim();
}

/** Editor/message target rows ({devEui, model, latitude, longitude, powerW, name}) → targets; throws naming the row. */
export function targetsFromList(list: readonly Row[]): ScheduleTarget[] {
  return list.map((row, i) => {
    const devEui = str(row.devEui).toLowerCase();
    const model = str(row.model) || guessLightingModel(devEui) || '';
    const target: ScheduleTarget = { devEui, model, latitude: num(row.latitude), longitude: num(row.longitude) };
    const power = num(row.powerW ?? row.installedPowerW);
    if (Number.isFinite(power)) target.powerW = power;
    if (str(row.name)) target.name = str(row.name);
    if (str(row.cabinetId)) target.cabinetId = str(row.cabinetId);
    if (str(row.commune)) target.commune = str(row.commune);
    checkTarget(target, `target ${i + 1}`);
    return target;
  });
}

export function checkTarget(t: ScheduleTarget, label: string): void {
  if (!/^[0-9a-f]{16}$/.test(t.devEui)) throw new RangeError(`${label}: devEui "${t.devEui}" is not 16 hexadecimal characters`);
  if (t.model === '') throw new RangeError(`${label} (${t.devEui}): no model`);
  if (!(Math.abs(t.latitude) <= 90) || !(Math.abs(t.longitude) <= 180)) throw new RangeError(`${label} (${t.devEui}): latitude/longitude missing or out of range`);
}

/** Reference rows of cabinets → controller targets (cabinet relay + luminaire controllers). */
export function targetsFromCabinetRows(rows: readonly Row[]): ScheduleTarget[] {
  const out: ScheduleTarget[] = [];
  for (const row of rows) {
    const cabinetId = str(row.cabinetId) || str(row.id);
    const base = {
      latitude: num(row.latitude), longitude: num(row.longitude), cabinetId, commune: str(row.commune) || undefined, name: str(row.name) || undefined,
      applicationId: str(row.applicationId) || undefined,
    };
    const relay = str(row.controllerDevEui).toLowerCase();
    if (relay !== '') {
      const t: ScheduleTarget = { devEui: relay, model: str(row.controllerModel) || str(row.model) || guessLightingModel(relay) || '', ...base };
      const power = num(row.installedPowerW);
      if (Number.isFinite(power)) t.powerW = power;
      checkTarget(t, `cabinet ${cabinetId}`);
      out.push(t);
    }
    for (const eui of str(row.luminaireControllers).toLowerCase().split(/[\s,;]+/).filter(Boolean)) {
      const t: ScheduleTarget = { devEui: eui, model: str(row.luminaireModel) || guessLightingModel(eui) || '', ...base };
      checkTarget(t, `cabinet ${cabinetId}`);
      out.push(t);
    }
  }
  return out;
}

/** Reference rows or editor rows of cabinets → cabinets for the energy figures (installed power required). */
export function cabinetsFromRows(rows: readonly Row[]): Cabinet[] {
  return rows.map((row, i) => {
    const id = str(row.cabinetId) || str(row.id) || str(row.devEui) || `#${i + 1}`;
    const cabinet: Cabinet = {
      id, powerW: num(row.installedPowerW ?? row.powerW), latitude: num(row.latitude), longitude: num(row.longitude),
      commune: str(row.commune), ...(str(row.name) ? { name: str(row.name) } : {}),
    };
    if (!(cabinet.powerW >= 0)) throw new RangeError(`cabinet ${id}: installed power (installedPowerW) missing or not a number`);
    if (!(Math.abs(cabinet.latitude) <= 90) || !(Math.abs(cabinet.longitude) <= 180)) throw new RangeError(`cabinet ${id}: latitude/longitude missing or out of range`);
    return cabinet;
  });
}
