/**
 * The Watteco (nke Watteco) ZCL engine shared by every Watteco model: "standard reports" on fPort 125.
 * Documentation: http://support.nke-watteco.com/ (ZCL frame format, clusters and "report parameters"
 * / alarm causes); cluster ids and scales checked against the vendor examples of
 * TheThingsNetwork/lorawan-devices vendor/watteco/*.yaml. Written from the documented facts, in our own code.
 *
 * Frame: `frame control, command, cluster id (u16 BE), attribute id (u16 BE), [status,] ZCL type, value
 * [, report causes]`.
 * - frame control: bit 0 set = standard report (clear = batch report, see batch.ts); the endpoint is
 *   `(fc >> 5) | ((fc & 0x06) << 2)` (0x11: endpoint 0, 0x31: 1, 0x51: 2, 0x71: 3);
 * - command: 0x0A report attribute, 0x8A alarm report (a threshold/delta criterion triggered),
 *   0x01 read attribute response (a status byte precedes the type; non-zero = no value),
 *   0x07 configure reporting response, 0x09 read reporting configuration response, 0x04 write attribute
 *   response (these three return info only);
 * - report causes after the value (threshold/delta criteria of the report configuration): a byte whose bits
 *   5..4 say short (1) or long (2) causes, then per criterion a byte (bits 2..0 index, bits 4..3 mode 1 delta
 *   2 threshold, bit 5 fallen below, bit 6 exceeded, bit 7 in alarm), and for long causes the field index
 *   (multi-field attributes), the threshold value, the gap and the occurrence count.
 * Criteria in alarm become `status.alarms` codes `<field>_high` (exceeded), `<field>_low` (fallen),
 * `<field>_delta` (delta mode), e.g. `irms_a_high`; an alarm report with no such criterion gives
 * `<attribute>_alarm`.
 */
import type { Measurement } from '../../contracts';
import { FrameReader } from '../reader';
import type { DecodedFrame } from '../types';
import { decodeTic, isTicCluster } from './tic';

export const WATTECO_PORT = 125;

/** What differs between models for the same clusters. */
export interface ZclProfile {
  model: string;
  /** Channel of multi-endpoint values: the phase (Triphas'O) or the input number (Pulse Sens'O). */
  channel(endpoint: number): string | undefined;
  /** Concentration cluster 0x800C: what each endpoint measures. */
  concentration?(endpoint: number): 'co2' | 'iaq';
  /** Binary input present value (0x000F/0x0055) is the case-opening detector (Vaqa'O). */
  binaryInputIsTamper?: boolean;
  /** Number of inputs reported by the multi binary input cluster 0x8005. */
  inputs?: number;
}

/** Sizes of the ZCL data types the devices use (0 = length-prefixed). */
const TYPE_SIZE: Record<number, number> = {
  0x08: 1, 0x09: 2, 0x0a: 3, 0x0b: 4, 0x10: 1, 0x18: 1, 0x19: 2, 0x20: 1, 0x21: 2, 0x22: 3, 0x23: 4,
  0x28: 1, 0x29: 2, 0x2b: 4, 0x30: 1, 0x39: 4, 0x41: 0, 0x42: 0, 0x43: 0,
};
const SIGNED_TYPES = new Set([0x28, 0x29, 0x2b]);

/** One field of a multi-field attribute: name (for alarm codes), size in bytes, signed, divider. */
type FieldDef = readonly [name: string, size: number, signed: boolean, divider: number];

function fields(names: string[], size: number, signed: boolean, dividers: number[]): FieldDef[] {
  return names.map((n, i) => [n, size, signed, dividers[i % dividers.length]] as const);
}

const ENERGY_POWER = fields(['positive_active_energy', 'negative_active_energy', 'positive_reactive_energy', 'negative_reactive_energy',
  'positive_active_power', 'negative_active_power', 'positive_reactive_power', 'negative_reactive_power'], 4, true, [1]);
const ENERGY_3PH = fields(['active_energy_a', 'reactive_energy_a', 'active_energy_b', 'reactive_energy_b', 'active_energy_c',
  'reactive_energy_c', 'active_energy_abc', 'reactive_energy_abc'], 4, true, [1]);
const POWER_3PH = fields(['active_power_a', 'reactive_power_a', 'active_power_b', 'reactive_power_b', 'active_power_c',
  'reactive_power_c', 'active_power_abc', 'reactive_power_abc'], 4, true, [1]);
const VIA = fields(['vrms', 'irms', 'angle'], 2, true, [10, 10, 1]);
const VIA_3PH = fields(['vrms_a', 'irms_a', 'angle_a', 'vrms_b', 'irms_b', 'angle_b', 'vrms_c', 'irms_c', 'angle_c'], 2, true, [10, 10, 1]);
const POWER_SOURCE = fields(['power_mode', 'current_power_source', 'constant_power', 'rechargeable_battery', 'disposable_battery',
  'solar_harvesting', 'tic_harvesting'], 2, false, [1000]);

/** What the causes of an attribute are measured in. */
interface CauseSpec {
  /** Base of the alarm codes when the cause names no field. */
  base: string;
  /** Multi-field attribute: each long cause names its field by index. */
  fields?: FieldDef[];
  /** Phase / input suffix of field names (`irms` → `irms_a`). */
  suffix?: string;
  size: number;
  signed: boolean;
  divider: number;
}

interface Cause {
  criterion: number;
  mode: 'delta' | 'threshold' | 'unused';
  alarm: boolean;
  exceeded: boolean;
  fallen: boolean;
  field?: string;
  value?: number;
  gap?: number;
  occurrences?: number;
  occurrencesUp?: number;
  occurrencesDown?: number;
}

function readNumber(r: FrameReader, size: number, signed: boolean, what: string): number {
  return signed ? r.int(size, 'be', what) : r.uint(size, 'be', what);
}

/** Report causes after the value (to the end of the frame). */
function decodeCauses(r: FrameReader, spec: CauseSpec, alarmReport: boolean, alarms: string[]): Cause[] | undefined {
  if (r.remaining === 0) {
    if (alarmReport) alarms.push(`${spec.base}_alarm`);
    return undefined;
  }
  const params = r.u8('report parameters');
  const causeType = (params >> 4) & 0x03;
  if (causeType !== 1 && causeType !== 2) throw r.error('invalid-value', `report parameters 0x${params.toString(16)}: unknown cause type`, r.offset - 1);
  const long = causeType === 2;
  const causes: Cause[] = [];
  const before = alarms.length;
  while (r.remaining > 0) {
    const csd = r.u8('cause criterion');
    const modeBits = (csd >> 3) & 0x03;
    const cause: Cause = {
      criterion: csd & 0x07,
      mode: modeBits === 1 ? 'delta' : modeBits === 2 ? 'threshold' : 'unused',
      alarm: (csd & 0x80) !== 0,
      exceeded: (csd & 0x40) !== 0,
      fallen: (csd & 0x20) !== 0,
    };
    let name = spec.base;
    if (long) {
      let size = spec.size, signed = spec.signed, divider = spec.divider;
      if (spec.fields) {
        const fi = r.u8('cause field index');
        const def = spec.fields[fi];
        if (!def) throw r.error('invalid-value', `cause field index ${fi} not documented`, r.offset - 1);
        [name, size, signed, divider] = def;
        if (spec.suffix) name = `${name}_${spec.suffix}`;
        cause.field = name;
      }
      cause.value = readNumber(r, size, signed, 'cause threshold value') / divider;
      if (cause.mode === 'threshold') {
        cause.gap = readNumber(r, size, signed, 'cause gap') / divider;
        const occ = r.u8('cause occurrences');
        cause.occurrences = occ;
        if (occ & 0x80) {
          cause.occurrencesUp = r.u16be('cause occurrences up');
          cause.occurrencesDown = r.u16be('cause occurrences down');
        }
      }
    }
    if (cause.alarm) {
      let code = cause.mode === 'delta' ? `${name}_delta` : cause.exceeded ? `${name}_high` : cause.fallen ? `${name}_low` : `${name}_alarm`;
      if (code === 'disposable_battery_low' || code === 'rechargeable_battery_low') code = 'low_battery';
      if (!alarms.includes(code)) alarms.push(code);
    }
    causes.push(cause);
  }
  if (alarmReport && alarms.length === before) alarms.push(`${spec.base}_alarm`);
  return causes;
}

function measurement(quantity: string, value: number, unit: string, kind: 'index' | 'instant', channel?: string): Measurement {
  const m: Measurement = { quantity, value, unit, kind };
  if (channel !== undefined) m.channel = channel;
  return m;
}

/** Channel with a suffix, or the suffix alone when there is no channel. */
function withSuffix(channel: string | undefined, suffix: string): string {
  return channel === undefined ? suffix : `${channel}_${suffix}`;
}

const PHASE_OF_3PH = ['phase_a', 'phase_a', 'phase_b', 'phase_b', 'phase_c', 'phase_c', 'total', 'total'];
const PHASE_LETTER = ['a', 'b', 'c', 'abc'];

/** Reads a length-prefixed value (octet / char string) and returns the offset of its end. */
function stringEnd(r: FrameReader, type: number, what: string): number {
  const length = type === 0x43 ? r.u16be(`${what} length`) : r.u8(`${what} length`);
  r.need(length, what);
  return r.offset + length;
}

function expectType(r: FrameReader, type: number, allowed: number[], what: string): void {
  if (!allowed.includes(type)) throw r.error('invalid-value', `${what}: ZCL type 0x${type.toString(16)} not expected`, r.offset - 1);
}

/** Decodes a standard report frame (bit 0 of the first byte set). */
export function decodeStandard(bytes: Uint8Array, fPort: number, profile: ZclProfile): DecodedFrame {
  const r = new FrameReader(bytes, profile.model, fPort);
  const fc = r.u8('frame control');
  const endpoint = (fc >> 5) | ((fc & 0x06) << 2);
  const command = r.u8('command');
  const cluster = r.u16be('cluster id');
  const info: Record<string, unknown> = { endpoint, cluster };

  if (command === 0x07 || command === 0x09 || command === 0x04) {
    info.frame = command === 0x07 ? 'configure-reporting-response' : command === 0x09 ? 'read-reporting-configuration-response' : 'write-attribute-response';
    info.status = r.u8('status');
    if (command !== 0x04 && r.remaining >= 3) {
      info.reportParameters = r.u8('report parameters');
      info.attribute = r.u16be('attribute id');
    }
    return { measurements: [], info };
  }
  if (command !== 0x0a && command !== 0x8a && command !== 0x01) {
    throw r.error('unknown-frame', `command 0x${command.toString(16)} not understood`, 1);
  }
  const attribute = r.u16be('attribute id');
  info.attribute = attribute;
  info.frame = command === 0x0a ? 'report' : command === 0x8a ? 'alarm-report' : 'read-attribute-response';
  if (command === 0x01) {
    const status = r.u8('status');
    if (status !== 0) {
      info.status = status;
      return { measurements: [], info };
    }
  }
  const type = r.u8('attribute type');
  if (TYPE_SIZE[type] === undefined && !(cluster === 0x0000 && attribute === 0x0002)) {
    throw r.error('invalid-value', `unknown ZCL type 0x${type.toString(16)}`, r.offset - 1);
  }

  const measurements: Measurement[] = [];
  const alarms: string[] = [];
  let battery: number | undefined;
  const alarmReport = command === 0x8a;
  const channel = profile.channel(endpoint);
  const letter = PHASE_LETTER[endpoint] ?? String(endpoint);
  let spec: CauseSpec | undefined;
  const key = cluster * 0x10000 + attribute;

  switch (key) {
    case 0x04020000: { // temperature, int16 hundredths of °C
      measurements.push(measurement('temperature', r.i16be('temperature') / 100, 'Cel', 'instant', channel));
      spec = { base: 'temperature', size: 2, signed: true, divider: 100 };
      break;
    }
    case 0x04050000: { // relative humidity, uint16 hundredths of %
      measurements.push(measurement('humidity', r.u16be('humidity') / 100, '%', 'instant', channel));
      spec = { base: 'humidity', size: 2, signed: false, divider: 100 };
      break;
    }
    case 0x04000000: { // illuminance, lx
      measurements.push(measurement('illuminance', r.u16be('illuminance'), 'lx', 'instant', channel));
      spec = { base: 'illuminance', size: 2, signed: false, divider: 1 };
      break;
    }
    case 0x04030000: { // pressure, hPa (no canonical quantity)
      info.pressure = r.i16be('pressure');
      spec = { base: 'pressure', size: 2, signed: true, divider: 1 };
      break;
    }
    case 0x04060000: { // occupancy
      info.occupancy = r.u8('occupancy') !== 0;
      spec = { base: 'occupancy', size: 1, signed: false, divider: 1 };
      break;
    }
    case 0x800c0000: { // concentration: ppm (CO2) or index (IAQ / TVOC) depending on the endpoint
      const value = r.u16be('concentration');
      const what = profile.concentration ? profile.concentration(endpoint) : 'co2';
      if (what === 'co2') measurements.push(measurement('co2', value, '[ppm]', 'instant'));
      else info.iaq = value;
      spec = { base: what, size: 2, signed: false, divider: 1 };
      break;
    }
    case 0x000f0055: { // binary input present value
      const state = r.u8('binary input') !== 0;
      if (profile.binaryInputIsTamper) {
        info.caseOpen = state;
        if (state) alarms.push('tamper');
      } else {
        info.pinState = state;
        info.input = endpoint + 1;
      }
      spec = { base: profile.binaryInputIsTamper ? 'tamper' : 'pin_state', size: 1, signed: false, divider: 1 };
      break;
    }
    case 0x000f0402: { // binary input pulse counter, uint32
      measurements.push(measurement('pulse_count', r.u32be('pulse count'), '1', 'index', String(endpoint + 1)));
      spec = { base: 'pulse_count', size: 4, signed: false, divider: 1 };
      break;
    }
    case 0x000f0054: info.polarity = r.u8('polarity') === 1 ? 'reverse' : 'normal'; break;
    case 0x000f0400: info.edgeSelection = r.u8('edge selection'); break;
    case 0x000f0401: info.debouncePeriod = r.u8('debounce period'); break;
    case 0x000f0403: info.pollPeriod = r.u8('poll period'); break;
    case 0x000f0404: info.forceNotify = r.u8('force notify'); break;
    case 0x00060000: { // on/off output (relay)
      measurements.push(measurement('relay_state', r.u8('on/off') === 1 ? 1 : 0, '1', 'instant', String(endpoint + 1)));
      break;
    }
    case 0x00130055: { // multistate output
      info.outputValue = r.u8('output value');
      spec = { base: 'output', size: 1, signed: false, divider: 1 };
      break;
    }
    case 0x80050000: { // multi binary input: bitmap16, bit n = input n + 1
      const bits = r.u16be('input states');
      const states: boolean[] = [];
      const n = profile.inputs ?? 10;
      for (let i = 0; i < n; i++) states.push((bits & (1 << i)) !== 0);
      info.pinStates = states;
      spec = { base: 'pin_state', size: 2, signed: false, divider: 100 };
      break;
    }
    case 0x00000002: { // firmware version: major, minor, revision, build (u24)
      const a = r.u8('firmware'), b = r.u8('firmware'), c = r.u8('firmware');
      info.firmware = `${a}.${b}.${c}.${r.uint(3, 'be', 'firmware build')}`;
      break;
    }
    case 0x00000003: case 0x00000004: case 0x00000005: case 0x00000006: case 0x00000010: case 0x00008001: {
      const names: Record<number, string> = { 3: 'kernel', 4: 'manufacturer', 5: 'modelName', 6: 'date', 0x10: 'position', 0x8001: 'applicationName' };
      const length = r.u8('string length');
      info[names[attribute]] = r.ascii(length, 'string');
      break;
    }
    case 0x80040000: info.messageType = r.u8('message type') === 1 ? 'confirmed' : 'unconfirmed'; break;
    case 0x80040001: info.retries = r.u8('retries'); break;
    case 0x80040002: case 0x80040003: case 0x80040004: case 0x80040005: {
      r.offset = r.bytes.length; // LoRaWAN configuration echo (association, data rate, addresses)
      info.configuration = true;
      break;
    }
    case 0x00500004: { // node configuration (endpoints and clusters): kept as "configuration"
      expectType(r, type, [0x41, 0x43], 'configuration');
      r.offset = stringEnd(r, type, 'configuration');
      info.configuration = true;
      break;
    }
    case 0x00500006: { // power sources: mode, available sources bitfield, one voltage (mV) per source, current source
      expectType(r, type, [0x41], 'power source');
      const end = stringEnd(r, type, 'power source');
      const mode = r.u8('power mode');
      const sources = r.u8('power sources');
      const names = ['mainOrExternalVoltage', 'rechargeableBatteryVoltage', 'disposableBatteryVoltage', 'solarHarvestingVoltage', 'ticHarvestingVoltage'];
      const power: Record<string, number> = { mode, sources };
      for (let i = 0; i < names.length; i++) {
        if (!(sources & (1 << i))) continue;
        const v = r.u16be('power source voltage') / 1000;
        power[names[i]] = v;
        if (i === 1 || i === 2) battery = v;
      }
      if (r.offset > end) throw r.error('too-short', 'power source voltages run past the attribute value');
      r.offset = end;
      info.power = power;
      spec = { base: 'power_source', fields: POWER_SOURCE, size: 2, signed: false, divider: 1000 };
      break;
    }
    case 0x00520000: { // simple metering: energies (i24), number of samples, powers (i16)
      expectType(r, type, [0x41], 'simple metering');
      const end = stringEnd(r, type, 'simple metering');
      const activeEnergy = r.int(3, 'be', 'active energy');
      const reactiveEnergy = r.int(3, 'be', 'reactive energy');
      info.samples = r.u16be('number of samples');
      const activePower = r.i16be('active power');
      info.reactivePower = r.i16be('reactive power');
      if (r.offset > end) throw r.error('too-short', 'simple metering runs past the attribute value');
      r.offset = end;
      measurements.push(measurement('active_energy', activeEnergy, 'Wh', 'index', channel));
      measurements.push(measurement('reactive_energy', reactiveEnergy, 'varh', 'index', channel));
      measurements.push(measurement('active_power', activePower, 'W', 'instant', channel));
      break;
    }
    case 0x800a0000: { // energy and power of one phase (endpoint 0..2) or of the three together (endpoint 3)
      expectType(r, type, [0x41], 'energy/power');
      const end = stringEnd(r, type, 'energy/power');
      const v: number[] = [];
      for (let i = 0; i < 8; i++) v.push(r.i32be(ENERGY_POWER[i][0]));
      if (r.offset > end) throw r.error('too-short', 'energy/power runs past the attribute value');
      r.offset = end;
      measurements.push(
        measurement('active_energy', v[0], 'Wh', 'index', channel),
        measurement('active_energy', v[1], 'Wh', 'index', withSuffix(channel, 'negative')),
        measurement('reactive_energy', v[2], 'varh', 'index', channel),
        measurement('reactive_energy', v[3], 'varh', 'index', withSuffix(channel, 'negative')),
        measurement('active_power', v[4], 'W', 'instant', channel),
        measurement('active_power', v[5], 'W', 'instant', withSuffix(channel, 'negative')),
      );
      info.positiveReactivePower = v[6];
      info.negativeReactivePower = v[7];
      spec = { base: 'energy_power', fields: ENERGY_POWER, suffix: letter, size: 4, signed: true, divider: 1 };
      break;
    }
    case 0x80100000: case 0x80100001: { // energies (attr 0) or powers (attr 1) of phases a, b, c and total
      expectType(r, type, [0x41], 'three-phase energy/power');
      const end = stringEnd(r, type, 'three-phase energy/power');
      const defs = attribute === 0 ? ENERGY_3PH : POWER_3PH;
      const reactive: Record<string, number> = {};
      for (let i = 0; i < 8; i++) {
        const value = r.i32be(defs[i][0]);
        if (attribute === 0) measurements.push(measurement(i % 2 ? 'reactive_energy' : 'active_energy', value, i % 2 ? 'varh' : 'Wh', 'index', PHASE_OF_3PH[i]));
        else if (i % 2 === 0) measurements.push(measurement('active_power', value, 'W', 'instant', PHASE_OF_3PH[i]));
        else reactive[PHASE_OF_3PH[i]] = value;
      }
      if (attribute === 1) info.reactivePower = reactive;
      if (r.offset > end) throw r.error('too-short', 'three-phase energy/power runs past the attribute value');
      r.offset = end;
      spec = { base: 'energy_power', fields: defs, size: 4, signed: true, divider: 1 };
      break;
    }
    case 0x800b0000: { // Vrms, Irms (tenths), phase angle (°) of one phase
      expectType(r, type, [0x41], 'voltage/current');
      const end = stringEnd(r, type, 'voltage/current');
      const vrms = r.i16be('Vrms') / 10, irms = r.i16be('Irms') / 10;
      info.angle = r.i16be('angle');
      if (r.offset > end) throw r.error('too-short', 'voltage/current runs past the attribute value');
      r.offset = end;
      measurements.push(measurement('voltage', vrms, 'V', 'instant', channel), measurement('current', irms, 'A', 'instant', channel));
      spec = { base: 'voltage_current', fields: VIA, suffix: letter, size: 2, signed: true, divider: 1 };
      break;
    }
    case 0x800d0000: { // Vrms, Irms, angle of the three phases
      expectType(r, type, [0x41], 'three-phase voltage/current');
      const end = stringEnd(r, type, 'three-phase voltage/current');
      const angles: Record<string, number> = {};
      for (let p = 0; p < 3; p++) {
        const phase = PHASE_OF_3PH[p * 2];
        measurements.push(measurement('voltage', r.i16be('Vrms') / 10, 'V', 'instant', phase));
        measurements.push(measurement('current', r.i16be('Irms') / 10, 'A', 'instant', phase));
        angles[phase] = r.i16be('angle');
      }
      info.angle = angles;
      if (r.offset > end) throw r.error('too-short', 'three-phase voltage/current runs past the attribute value');
      r.offset = end;
      spec = { base: 'voltage_current', fields: VIA_3PH, size: 2, signed: true, divider: 1 };
      break;
    }
    default: {
      if (isTicCluster(cluster)) {
        expectType(r, type, [0x41, 0x43], 'TIC');
        const end = stringEnd(r, type, 'TIC');
        const tic = decodeTic(r, cluster, attribute, end);
        measurements.push(...tic.measurements);
        info.tic = tic.info;
        spec = { base: 'tic', size: 4, signed: false, divider: 1 };
        break;
      }
      throw r.error('unknown-frame', `cluster 0x${cluster.toString(16)} attribute 0x${attribute.toString(16)} not understood`, 2);
    }
  }

  if (spec && (command === 0x0a || command === 0x8a)) {
    const causes = decodeCauses(r, spec, alarmReport, alarms);
    if (causes) info.causes = causes;
  } else if (r.remaining > 0 && command === 0x01) {
    // A read-attribute response carries the value only; extra bytes are not part of the format.
    throw r.error('invalid-value', `${r.remaining} unexpected byte(s) after the value`);
  }

  const frame: DecodedFrame = { measurements, info };
  if (battery !== undefined || alarms.length) {
    frame.status = {};
    if (battery !== undefined) frame.status.batteryVoltage = battery;
    if (alarms.length) frame.status.alarms = alarms;
  }
  return frame;
}
