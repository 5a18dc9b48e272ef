/**
 * The device registry of a fleet (data/devices.csv): one line per LoRaWAN device with its model, site,
 * commune, fluid, ChirpStack application and tenant, reporting interval and position. The simulator
 * plays it; the decoder will use it as its devEui → model registry.
 *
 * Validation collects every problem of the file and names its line and column, so a city agent who
 * edited the file in a spreadsheet can fix them all at once.
 */
import { parseCsv, CsvError, CsvOptions } from '../csv';

export const FLUIDS = ['water', 'gas', 'electricity', 'lighting', 'comfort'] as const;
export type Fluid = (typeof FLUIDS)[number];

/** Columns every fleet file must have. */
export const REQUIRED_COLUMNS = [
  'devEui', 'deviceName', 'model', 'site', 'siteName', 'commune', 'fluid', 'applicationId',
  'applicationName', 'deviceProfile', 'tenant', 'intervalMinutes', 'latitude', 'longitude',
] as const;

/**
 * Optional columns. `unit` is the unit of `initialIndex`, `annualConsumption` and `pulseWeight`
 * (m3 or L for water and gas, kWh, Wh or MWh for electricity and lighting); `ratedPowerW` is the
 * lighting load; `nightCut` the local hours a lighting point is switched off at night (`00:00-05:00`).
 */
export const OPTIONAL_COLUMNS = ['unit', 'initialIndex', 'annualConsumption', 'pulseWeight', 'ratedPowerW', 'nightCut'] as const;

/** A span of local time, in minutes after midnight; `from > to` spans midnight. */
export interface DailySpan { from: number; to: number }

export interface FleetDevice {
  /** Line of the device in its file (1-based). */
  line: number;
  /** 16 lowercase hex characters. */
  devEui: string;
  deviceName: string;
  model: string;
  site: string;
  siteName: string;
  commune: string;
  fluid: Fluid;
  applicationId: string;
  applicationName: string;
  deviceProfile: string;
  tenant: string;
  intervalMinutes: number;
  latitude: number;
  longitude: number;
  /** Unit the file gives indexes in (`m3`, `kWh`…); the values below are converted to the base unit. */
  unit: string;
  /** Index at the start, in the base unit: m3 for water and gas, Wh for electricity and lighting. */
  initialIndex: number;
  /** Yearly consumption in the base unit (0 = the simulator's default for the fluid). */
  annualConsumption: number;
  /** Quantity per pulse in the base unit, for pulse counters (undefined = the model's default). */
  pulseWeight?: number;
  /** Lighting load in W. */
  ratedPowerW?: number;
  nightCut?: DailySpan;
  /** Columns the loader does not know, kept for the tags and for later uses. */
  extra: Record<string, string>;
}

export interface FleetProblem {
  line: number;
  column?: string;
  message: string;
}

/** A fleet file that cannot be used; `problems` lists every mistake found, with its line and column. */
export class FleetError extends Error {
  constructor(readonly problems: FleetProblem[], readonly file?: string) {
    super(FleetError.describe(problems, file));
    this.name = 'FleetError';
  }

  private static describe(problems: FleetProblem[], file?: string): string {
    const where = (p: FleetProblem) => `${file ? `${file} ` : ''}line ${p.line}${p.column ? `, column ${p.column}` : ''}`;
    const shown = problems.slice(0, 10).map((p) => `${where(p)}: ${p.message}`);
    if (problems.length > 10) shown.push(`… and ${problems.length - 10} more problems`);
    return shown.join('; ');
  }
}

export interface FleetOptions extends CsvOptions {
  /** Model ids the caller supports; another model is a problem of its line. */
  models?: readonly string[];
}

const UNIT_FACTORS: Record<string, Record<string, number>> = {
  volume: { m3: 1, 'm³': 1, l: 0.001 },
  energy: { wh: 1, kwh: 1000, mwh: 1_000_000 },
};

function unitKind(fluid: Fluid): 'volume' | 'energy' | undefined {
  if (fluid === 'water' || fluid === 'gas') return 'volume';
  if (fluid === 'electricity' || fluid === 'lighting') return 'energy';
  return undefined;
}

const DEFAULT_UNIT: Partial<Record<Fluid, string>> = { water: 'm3', gas: 'm3', electricity: 'kWh', lighting: 'kWh' };

function parseClock(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours > 24 || minutes > 59 || (hours === 24 && minutes > 0)) return undefined;
  return hours * 60 + minutes;
}

/** Parses `HH:MM-HH:MM` (local time). */
export function parseDailySpan(text: string): DailySpan | undefined {
  const m = /^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$/.exec(text);
  if (!m) return undefined;
  const from = parseClock(m[1]);
  const to = parseClock(m[2]);
  if (from === undefined || to === undefined || from === to) return undefined;
  return { from, to };
}

/** Reads and validates a fleet file's text. Throws a {@link FleetError} (or a CsvError, as a FleetError) listing the problems. */
export function loadFleet(text: string, options: FleetOptions = {}): FleetDevice[] {
  let table;
  try {
    table = parseCsv(text, options);
  } catch (err) {
    if (err instanceof CsvError) throw new FleetError([{ line: err.line, message: err.message.replace(/^.*?line \d+: /, '') }], options.file);
    throw err;
  }
  const problems: FleetProblem[] = [];
  const missing = REQUIRED_COLUMNS.filter((c) => !table.header.includes(c));
  if (missing.length > 0) {
    throw new FleetError(missing.map((column) => ({ line: 1, column, message: `missing column "${column}" in the header` })), options.file);
  }
  const known = new Set<string>([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]);
  const seen = new Map<string, number>();
  const devices: FleetDevice[] = [];

  table.rows.forEach((row, index) => {
    const line = table.lines[index];
    const problem = (column: string, message: string) => problems.push({ line, column, message });
    const text = (column: string): string => (row[column] ?? '').trim();
    const required = (column: string): string => {
      const value = text(column);
      if (value === '') problem(column, 'is empty');
      return value;
    };
    const number = (column: string, check: (v: number) => boolean, rule: string, optional = false): number | undefined => {
      const raw = text(column).replace(',', '.');
      if (raw === '') {
        if (!optional) problem(column, 'is empty');
        return undefined;
      }
      const value = Number(raw);
      if (!Number.isFinite(value) || !check(value)) {
        problem(column, `"${text(column)}" is not ${rule}`);
        return undefined;
      }
      return value;
    };

    const devEui = text('devEui').toLowerCase();
    if (!/^[0-9a-f]{16}$/.test(devEui)) {
      problem('devEui', `"${text('devEui')}" is not a DevEUI (16 hexadecimal characters, e.g. 70b3d5e75e00a101)`);
    } else if (seen.has(devEui)) {
      problem('devEui', `duplicate DevEUI ${devEui} (already on line ${seen.get(devEui)})`);
    } else {
      seen.set(devEui, line);
    }

    const model = required('model');
    if (model !== '' && !/^[a-z0-9][a-z0-9-]*$/.test(model)) {
      problem('model', `"${model}" is not a model id (lowercase letters, digits and dashes, e.g. watteco-ticso)`);
    } else if (model !== '' && options.models && !options.models.includes(model)) {
      problem('model', `unknown model "${model}" (known: ${options.models.join(', ')})`);
    }

    const fluidText = text('fluid').toLowerCase();
    const fluid = (FLUIDS as readonly string[]).includes(fluidText) ? (fluidText as Fluid) : undefined;
    if (!fluid) problem('fluid', `unknown fluid "${text('fluid')}" (one of: ${FLUIDS.join(', ')})`);

    const applicationId = text('applicationId').toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(applicationId)) {
      problem('applicationId', `"${text('applicationId')}" is not a ChirpStack application id (a UUID)`);
    }
    const tenant = required('tenant');
    if (tenant !== '' && !/^[a-z0-9][a-z0-9-]*$/.test(tenant)) {
      problem('tenant', `"${tenant}" is not a tenant id (lowercase letters, digits and dashes, e.g. grand-poitiers)`);
    }
    const intervalMinutes = number('intervalMinutes', (v) => v >= 1 && v <= 1440, 'a number of minutes from 1 to 1440');
    const latitude = number('latitude', (v) => v >= -90 && v <= 90, 'a latitude in degrees (-90 to 90)');
    const longitude = number('longitude', (v) => v >= -180 && v <= 180, 'a longitude in degrees (-180 to 180)');

    // Indexes and their unit.
    const kind = fluid ? unitKind(fluid) : undefined;
    const unitText = text('unit') || (fluid ? DEFAULT_UNIT[fluid] ?? '' : '');
    let factor = 1;
    if (kind && unitText !== '') {
      const f = UNIT_FACTORS[kind][unitText.toLowerCase()];
      if (f === undefined) problem('unit', `unit "${unitText}" does not fit fluid ${fluid} (use ${kind === 'volume' ? 'm3 or L' : 'kWh, Wh or MWh'})`);
      else factor = f;
    }
    const positive = (v: number) => v >= 0;
    const initialIndex = number('initialIndex', positive, 'a positive number', true) ?? 0;
    const annualConsumption = number('annualConsumption', positive, 'a positive number', true) ?? 0;
    const pulseWeight = number('pulseWeight', (v) => v > 0, 'a number greater than 0', true);
    const ratedPowerW = number('ratedPowerW', positive, 'a power in W (a positive number)', true);
    let nightCut: DailySpan | undefined;
    if (text('nightCut') !== '') {
      nightCut = parseDailySpan(text('nightCut'));
      if (!nightCut) problem('nightCut', `"${text('nightCut')}" is not a span of local time like 00:00-05:00`);
    }

    const values = {
      deviceName: required('deviceName'),
      site: required('site'),
      siteName: required('siteName'),
      commune: required('commune'),
      applicationName: required('applicationName'),
      deviceProfile: required('deviceProfile'),
    };
    const extra: Record<string, string> = {};
    for (const column of table.header) if (!known.has(column)) extra[column] = row[column];

    if (fluid && intervalMinutes !== undefined && latitude !== undefined && longitude !== undefined) {
      devices.push({
        line, devEui, model, fluid, applicationId, tenant, intervalMinutes, latitude, longitude, ...values,
        unit: unitText,
        initialIndex: initialIndex * factor,
        annualConsumption: annualConsumption * factor,
        pulseWeight: pulseWeight === undefined ? undefined : pulseWeight * factor,
        ratedPowerW,
        nightCut,
        extra,
      });
    }
  });

  if (table.rows.length === 0) problems.push({ line: 1, message: 'the file has a header but no device' });
  if (problems.length > 0) throw new FleetError(problems, options.file);
  return devices;
}
