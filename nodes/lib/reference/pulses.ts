/**
 * Pulse counts → physical quantities with the meter registry (DESIGN §4: `pulse_count` is what a
 * pulse reader sends when the meter weight is unknown to the decoder; enrichment converts it).
 *
 * For a meter row of the registry:
 * - fluid (`water`/`eau`, `gas`/`gaz`, `electricity`/`électricité`/`elec`) chooses the quantity:
 *   water_volume (m3), gas_volume (m3), active_energy (Wh);
 * - weight = quantity per pulse, in the weight-unit column, else in the registry's index unit
 *   column, else the canonical unit (m3 for volumes, Wh for energy). Units: L, m3, Wh, kWh, MWh,
 *   optionally written per pulse (`L/pulse`, `Wh/imp`);
 * - starting index = the meter's display when the pulse counter was at 0, in the index unit
 *   column (else canonical): index = start + pulses × weight. A `delta` pulse count gives a delta
 *   (no start index);
 * - gas: when the gas coefficient column (kWh per m3, the supplier's conversion coefficient) has a
 *   value, a `gas_energy` measurement (Wh, same kind) = volume × coefficient × 1000 is added.
 *   `gas_energy` is a NEW quantity (proposed for DESIGN §4's table: Wh, index).
 *
 * A meter without weight keeps its `pulse_count` (nothing to convert). A weight, unit, fluid or
 * coefficient that cannot be read is a {@link PulseConversionError} naming the meter and column.
 * Pure: no Node-RED import.
 */
import type { Measurement } from '../contracts';
import { parseDecimal } from './csv';
import type { ReferenceRow } from './types';

export interface PulseColumns {
  /** Quantity per pulse. */
  weight: string;
  /** Unit of the weight (optional column). */
  weightUnit: string;
  /** Starting index (optional column). */
  startIndex: string;
  /** Unit of the registry's indexes (used for the start index, and the weight when weightUnit is empty). */
  indexUnit: string;
  fluid: string;
  /** Gas conversion coefficient, kWh/m3 (optional column). */
  gasCoefficient: string;
}

/** Column names of data/meters.csv (data/devices.csv has pulseWeight, initialIndex, unit and fluid too). */
export const DEFAULT_PULSE_COLUMNS: PulseColumns = {
  weight: 'pulseWeight',
  weightUnit: 'pulseWeightUnit',
  startIndex: 'initialIndex',
  indexUnit: 'unit',
  fluid: 'fluid',
  gasCoefficient: 'gasCoefficientKwhPerM3',
};

export class PulseConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PulseConversionError';
  }
}

type Fluid = 'water' | 'gas' | 'electricity';

const FLUIDS: Record<string, Fluid> = {
  water: 'water', eau: 'water', 'eau froide': 'water', 'cold water': 'water',
  gas: 'gas', gaz: 'gas', 'gaz naturel': 'gas', 'natural gas': 'gas',
  electricity: 'electricity', 'électricité': 'electricity', electricite: 'electricity', elec: 'electricity', 'électrique': 'electricity',
};

/** Unit → [dimension, factor to the canonical unit (m3 or Wh)]. */
const UNITS: Record<string, ['volume' | 'energy', number]> = {
  l: ['volume', 0.001], litre: ['volume', 0.001], litres: ['volume', 0.001], liter: ['volume', 0.001], liters: ['volume', 0.001],
  dm3: ['volume', 0.001], m3: ['volume', 1], 'm³': ['volume', 1],
  wh: ['energy', 1], kwh: ['energy', 1000], mwh: ['energy', 1000000],
};

const QUANTITY: Record<Fluid, { quantity: string; unit: string; dimension: 'volume' | 'energy' }> = {
  water: { quantity: 'water_volume', unit: 'm3', dimension: 'volume' },
  gas: { quantity: 'gas_volume', unit: 'm3', dimension: 'volume' },
  electricity: { quantity: 'active_energy', unit: 'Wh', dimension: 'energy' },
};

function text(row: ReferenceRow, column: string): string {
  const value = column ? row[column] : undefined;
  return value === undefined || value === null ? '' : String(value).trim();
}

function number(row: ReferenceRow, column: string, meter: string): number | undefined {
  const value = column ? row[column] : undefined;
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : parseDecimal(String(value));
  if (n === undefined || !Number.isFinite(n)) throw new PulseConversionError(`meter ${meter}: column "${column}" is not a number (${JSON.stringify(value)})`);
  return n;
}

function unitFactor(unitText: string, dimension: 'volume' | 'energy', column: string, meter: string): number {
  // Registries often write the weight unit per pulse: "L/pulse", "Wh/imp", "m3/impulsion".
  const unit = UNITS[unitText.toLowerCase().replace(/\s*\/\s*(pulse|imp|impulsion)s?$/, '')];
  if (!unit) throw new PulseConversionError(`meter ${meter}: unit "${unitText}" of column "${column}" is unknown (L, m3, Wh, kWh, MWh)`);
  if (unit[0] !== dimension) throw new PulseConversionError(`meter ${meter}: unit "${unitText}" of column "${column}" is not a ${dimension} unit`);
  return unit[1];
}

/** Rounds away binary noise (0.1 + 0.2): 12 significant digits are far below any meter's resolution. */
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

/** The conversion of one meter, read once from its registry row. */
export interface MeterWeight {
  fluid: Fluid;
  quantity: string;
  unit: string;
  /** Canonical unit per pulse. */
  perPulse: number;
  /** Canonical start index. */
  start: number;
  /** kWh per m3 (gas only), when given. */
  gasCoefficient?: number;
}

/** Reads a meter's weight from its registry row; undefined when the row has no weight. */
export function meterWeight(row: ReferenceRow, meter: string, columns: PulseColumns = DEFAULT_PULSE_COLUMNS): MeterWeight | undefined {
  const weight = number(row, columns.weight, meter);
  if (weight === undefined) return undefined;
  if (weight <= 0) throw new PulseConversionError(`meter ${meter}: the weight in column "${columns.weight}" must be positive (${weight})`);
  const fluidText = text(row, columns.fluid);
  const fluid = FLUIDS[fluidText.toLowerCase()];
  if (!fluid) throw new PulseConversionError(`meter ${meter}: fluid "${fluidText}" of column "${columns.fluid}" is not water, gas or electricity`);
  const target = QUANTITY[fluid];
  const canonical = target.unit;
  const indexUnit = text(row, columns.indexUnit);
  const weightUnit = text(row, columns.weightUnit);
  const weightFactor = weightUnit ? unitFactor(weightUnit, target.dimension, columns.weightUnit, meter)
    : indexUnit ? unitFactor(indexUnit, target.dimension, columns.indexUnit, meter) : unitFactor(canonical, target.dimension, '', meter);
  const startFactor = indexUnit ? unitFactor(indexUnit, target.dimension, columns.indexUnit, meter) : 1;
  const start = (number(row, columns.startIndex, meter) ?? 0) * startFactor;
  const result: MeterWeight = { fluid, quantity: target.quantity, unit: canonical, perPulse: weight * weightFactor, start };
  if (fluid === 'gas') {
    const coefficient = number(row, columns.gasCoefficient, meter);
    if (coefficient !== undefined) {
      if (coefficient <= 0) throw new PulseConversionError(`meter ${meter}: the gas coefficient in column "${columns.gasCoefficient}" must be positive (${coefficient})`);
      result.gasCoefficient = coefficient;
    }
  }
  return result;
}

/**
 * Converts the `pulse_count` measurements of a Reading with a meter's registry row; other
 * measurements are kept as they are. Returns the measurements unchanged when the row has no weight.
 */
export function convertPulses(measurements: readonly Measurement[], row: ReferenceRow, meter: string, columns: PulseColumns = DEFAULT_PULSE_COLUMNS): { measurements: Measurement[]; converted: number } {
  if (!measurements.some((m) => m.quantity === 'pulse_count')) return { measurements: [...measurements], converted: 0 };
  const weight = meterWeight(row, meter, columns);
  if (!weight) return { measurements: [...measurements], converted: 0 };
  const out: Measurement[] = [];
  let converted = 0;
  for (const m of measurements) {
    if (m.quantity !== 'pulse_count') {
      out.push(m);
      continue;
    }
    converted++;
    const amount = m.value * weight.perPulse;
    const value = clean(m.kind === 'index' ? weight.start + amount : amount);
    const base: Omit<Measurement, 'quantity' | 'value' | 'unit'> = { kind: m.kind };
    if (m.channel !== undefined) base.channel = m.channel;
    if (m.time !== undefined) base.time = m.time;
    out.push({ quantity: weight.quantity, value, unit: weight.unit, ...base });
    if (weight.gasCoefficient !== undefined) {
      out.push({ quantity: 'gas_energy', value: clean(value * weight.gasCoefficient * 1000), unit: 'Wh', ...base });
    }
  }
  return { measurements: out, converted };
}
