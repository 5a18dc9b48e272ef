/**
 * The mapping from a vendor codec's `data` to canonical measurements (DESIGN §4): a list of rules a
 * staff member writes in the lorawan-decode editor, one per value to keep.
 *
 * A rule `{field, quantity, unit?, kind?, channel?, scale?}` reads `field` (a dotted path into the
 * vendor's data: `temperature`, `data.index`, `channels.0.value`), multiplies it by `scale` (1 when
 * empty) and emits a measurement of `quantity`. `unit` and `kind` default to the canonical ones of the
 * quantity; a unit that is not the canonical one is refused with the scale to use (kWh → Wh: 1000).
 * `kind` may be changed (e.g. `delta` for a consumption since the last frame).
 *
 * Besides the quantities, `quantity` may be:
 *   - `status.batteryVoltage` (V) or `status.batteryPercent` (%): fills the Reading's status;
 *   - `alarm:<code>`: adds the stable alarm code to status.alarms when the field is true / non-zero.
 *
 * A field missing from a frame is skipped (a vendor codec answers differently per frame type); a
 * field present but not a number (or boolean) is reported in `warnings`. No Node-RED import.
 */
import type { Measurement, MeasurementKind, ReadingStatus } from '../../contracts';
import type { DecodedFrame } from '../types';

/** The canonical quantities of DESIGN §4: unit and kind. */
export const QUANTITIES: Readonly<Record<string, { unit: string; kind: MeasurementKind }>> = {
  water_volume: { unit: 'm3', kind: 'index' },
  gas_volume: { unit: 'm3', kind: 'index' },
  active_energy: { unit: 'Wh', kind: 'index' },
  reactive_energy: { unit: 'varh', kind: 'index' },
  pulse_count: { unit: '1', kind: 'index' },
  active_power: { unit: 'W', kind: 'instant' },
  apparent_power: { unit: 'VA', kind: 'instant' },
  voltage: { unit: 'V', kind: 'instant' },
  current: { unit: 'A', kind: 'instant' },
  power_factor: { unit: '1', kind: 'instant' },
  frequency: { unit: 'Hz', kind: 'instant' },
  temperature: { unit: 'Cel', kind: 'instant' },
  humidity: { unit: '%', kind: 'instant' },
  co2: { unit: '[ppm]', kind: 'instant' },
  illuminance: { unit: 'lx', kind: 'instant' },
  light_level: { unit: '%', kind: 'instant' },
  relay_state: { unit: '1', kind: 'instant' },
  lamp_on_time: { unit: 'h', kind: 'index' },
};

const KINDS: ReadonlySet<string> = new Set(['index', 'instant', 'delta']);
const STATUS_TARGETS = { 'status.batteryVoltage': 'V', 'status.batteryPercent': '%' } as const;

/** One row of the mapping table, as the editor stores it (strings allowed: table cells). */
export interface MappingRule {
  field: string;
  quantity: string;
  unit?: string;
  kind?: MeasurementKind | '';
  channel?: string;
  scale?: number | string;
}

type Target =
  | { type: 'measurement'; quantity: string; unit: string; kind: MeasurementKind; channel?: string }
  | { type: 'batteryVoltage' | 'batteryPercent' }
  | { type: 'alarm'; code: string };

interface CompiledRule {
  field: string;
  path: string[];
  scale: number;
  target: Target;
}

export interface CompiledMapping {
  readonly rules: readonly CompiledRule[];
}

/** A rule that cannot work, named by its row (1-based) and field. */
export class MappingError extends Error {
  constructor(readonly row: number, readonly field: string, detail: string) {
    super(`mapping row ${row}${field ? ` (${field})` : ''}: ${detail}`);
    this.name = 'MappingError';
  }
}

/** Checks the rules once (at start), so that applying them per frame does no parsing. */
export function compileMapping(rules: readonly MappingRule[]): CompiledMapping {
  const compiled: CompiledRule[] = rules.map((rule, index) => {
    const row = index + 1;
    const field = String(rule.field ?? '').trim();
    const quantity = String(rule.quantity ?? '').trim();
    if (field === '' || field.split('.').some((part) => part === '')) throw new MappingError(row, field, 'the field must be a dotted path such as "temperature" or "data.index"');
    const scaleText = String(rule.scale ?? '').trim();
    const scale = scaleText === '' ? 1 : Number(scaleText.replace(',', '.'));
    if (!Number.isFinite(scale)) throw new MappingError(row, field, `the scale "${scaleText}" is not a number`);
    const unit = String(rule.unit ?? '').trim();
    const kind = String(rule.kind ?? '').trim();
    const channel = String(rule.channel ?? '').trim();
    let target: Target;
    if (quantity.startsWith('alarm:')) {
      const code = quantity.slice('alarm:'.length).trim();
      if (!/^[a-z0-9_]+$/.test(code)) throw new MappingError(row, field, `the alarm code "${code}" must be lowercase letters, digits and _ (e.g. alarm:leak)`);
      target = { type: 'alarm', code };
    } else if (quantity in STATUS_TARGETS) {
      const canonical = STATUS_TARGETS[quantity as keyof typeof STATUS_TARGETS];
      if (unit !== '' && unit !== canonical) throw new MappingError(row, field, `${quantity} is in ${canonical}, not ${unit}: use the scale to convert`);
      target = { type: quantity === 'status.batteryVoltage' ? 'batteryVoltage' : 'batteryPercent' };
    } else {
      const known = QUANTITIES[quantity];
      if (!known) {
        throw new MappingError(row, field, `"${quantity}" is not a canonical quantity (${Object.keys(QUANTITIES).join(', ')}, ` +
          'status.batteryVoltage, status.batteryPercent, alarm:<code>)');
      }
      if (unit !== '' && unit !== known.unit) {
        throw new MappingError(row, field, `${quantity} is stored in ${known.unit}, not ${unit}: convert with the scale (e.g. kWh → Wh: 1000)`);
      }
      if (kind !== '' && !KINDS.has(kind)) throw new MappingError(row, field, `the kind "${kind}" is not index, instant or delta`);
      target = { type: 'measurement', quantity, unit: known.unit, kind: (kind || known.kind) as MeasurementKind };
      if (channel !== '') target.channel = channel;
    }
    return { field, path: field.split('.'), scale, target };
  });
  return { rules: compiled };
}

function lookup(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (let i = 0; i < path.length; i++) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[path[i]];
  }
  return value;
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * Applies the rules to a vendor's data: measurements and status, plus `info` holding the vendor's
 * data and its warnings (and the fields that could not be read), for technicians and the CLI.
 */
export function applyMapping(mapping: CompiledMapping, data: Record<string, unknown>, vendorWarnings: readonly string[] = []): DecodedFrame {
  const measurements: Measurement[] = [];
  let status: ReadingStatus | undefined;
  let problems: string[] | undefined;
  for (const rule of mapping.rules) {
    const raw = lookup(data, rule.path);
    if (raw === undefined || raw === null) continue;
    const n = numeric(raw);
    if (n === undefined) {
      (problems ??= []).push(`field "${rule.field}" is not a number: ${JSON.stringify(raw)}`);
      continue;
    }
    const target = rule.target;
    switch (target.type) {
      case 'measurement': {
        const m: Measurement = { quantity: target.quantity, value: n * rule.scale, unit: target.unit, kind: target.kind };
        if (target.channel !== undefined) m.channel = target.channel;
        measurements.push(m);
        break;
      }
      case 'batteryVoltage':
        (status ??= {}).batteryVoltage = n * rule.scale;
        break;
      case 'batteryPercent':
        (status ??= {}).batteryPercent = n * rule.scale;
        break;
      case 'alarm':
        if (n !== 0) ((status ??= {}).alarms ??= []).push(target.code);
        break;
    }
  }
  const frame: DecodedFrame = { measurements, info: { vendor: data } };
  if (status !== undefined) frame.status = status;
  const info = frame.info as Record<string, unknown>;
  if (vendorWarnings.length > 0) info.warnings = [...vendorWarnings];
  if (problems !== undefined) info.mappingProblems = problems;
  return frame;
}
