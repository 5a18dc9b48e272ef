/**
 * A small, generic reader of the wireless M-Bus / OMS application layer (EN 13757-3, OMS vol. 2), for
 * any M-Bus reader of the catalog (Kamstrup flowIQ2200 today; NAS/Elvaco/M-Bus gateways can reuse it).
 * Public documentation of the format: https://oms-group.org/en/download4all/oms-specification
 * (OMS Specification vol. 2, which restates EN 13757-3 data records) and, for the layout as sent over
 * LoRaWAN by Kamstrup, https://www.kamstrup.com/en-en/water-solutions/meters-devices/meters/flowiq2200 .
 *
 * What it covers:
 * - CI fields 0x78 (no header), 0x7A (short header: access number, status, configuration word) and
 *   0x72 (long header: identification number BCD, manufacturer, version, device type, then the short
 *   header). Encrypted payloads (security mode ≠ 0 in the configuration word) are refused.
 * - Data records: DIF (data field, function field, storage LSB, extension bit), DIFE chains (storage
 *   number, tariff, subunit), VIF (primary table, 0xFD and 0xFB extension tables, 0x7C/0xFC plain-text
 *   VIF, 0xFF/0x7F manufacturer-specific VIF), VIFE chains; idle fillers 0x2F, and 0x0F/0x1F
 *   (manufacturer-specific data to the end of the frame) which stop the record list.
 * - Data fields: integers type B of 8, 16, 24, 32, 48, 64 bits (two's complement, little-endian; the
 *   most negative value marks "invalid", as meters such as Kamstrup's use it), 32-bit real, BCD
 *   type A of 2, 4, 6, 8, 12 digits (sign 0xF in the top nibble), variable length (LVAR) data.
 * - Date type G (VIF 0x6C, 16 bits) and date-time type F (VIF 0x6D, 32 bits), invalid bit honoured.
 * - Compact profiles (EN 13757-3:2018 Annex F): VIFE 0x13 inverse compact profile, 0x1F compact
 *   profile, with the spacing control byte (data field, spacing unit s/min/h/days, increment mode
 *   absolute / positive increment / negative increment / signed difference) and spacing value.
 *
 * Everything is read through FrameReader, so a truncated record throws DecodeError 'too-short' naming
 * the byte offset. No allocation beyond one small object per record.
 */
import { FrameReader } from '../reader';

/** Primary VIF table, 0xFD extension table, 0xFB extension table, or manufacturer-specific VIF. */
export type VifTable = 'primary' | 'fd' | 'fb' | 'manufacturer' | 'text';

export interface OmsHeader {
  ci: number;
  /** 0x72 only: identification number (8 BCD digits, most significant first). */
  id?: string;
  /** 0x72 only: three-letter manufacturer code (FLAG association). */
  manufacturer?: string;
  version?: number;
  deviceType?: number;
  /** 0x72 / 0x7A: access number, status byte, configuration word. */
  accessNumber?: number;
  status?: number;
  configuration?: number;
}

export interface OmsRecord {
  /** Byte offset of the DIF in the frame. */
  offset: number;
  /** DIF data field code (0x0–0xF). */
  dataField: number;
  /** 0 instantaneous, 1 maximum, 2 minimum, 3 value during error state. */
  func: number;
  storage: number;
  tariff: number;
  subunit: number;
  table: VifTable;
  /** The value-information code inside its table, extension bit cleared (0x00–0x7F). */
  code: number;
  /** Combinable VIFEs after the VIF (extension bits cleared); empty array shared when none. */
  vife: readonly number[];
  /** Numeric value (integer, real or BCD), undefined when there is none or it is invalid. */
  value?: number;
  /** True when the value is marked invalid (most negative integer, bad BCD digit, NaN real, IV bit). */
  invalid: boolean;
  /** Variable-length data (LVAR < 0xC0) and plain-text VIF strings: the raw bytes. */
  raw?: Uint8Array;
}

const NO_VIFE: readonly number[] = [];

/** Data length in bytes of the DIF data-field codes (variable length 0xD: -1). */
const DATA_LENGTH = [0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, 0];

/** Reads the header selected by the CI field. Throws 'unknown-frame' on other CI fields and encrypted payloads. */
export function readOmsHeader(r: FrameReader): OmsHeader {
  const ciOffset = r.offset;
  const ci = r.u8('CI field');
  const header: OmsHeader = { ci };
  if (ci === 0x78) return header;
  if (ci === 0x72) {
    const idBytes = r.bytesOf(4, 'identification number');
    header.id = bcdString(idBytes);
    header.manufacturer = manufacturerCode(r.u16le('manufacturer'));
    header.version = r.u8('version');
    header.deviceType = r.u8('device type');
  } else if (ci !== 0x7a) {
    throw r.error('unknown-frame', `CI field 0x${hex2(ci)} is not an OMS data frame (0x72, 0x7A, 0x78)`, ciOffset);
  }
  header.accessNumber = r.u8('access number');
  header.status = r.u8('status byte');
  const configOffset = r.offset;
  header.configuration = r.u16le('configuration word');
  const mode = (header.configuration >> 8) & 0x1f;
  if (mode !== 0) throw r.error('unknown-frame', `payload encrypted with security mode ${mode} (needs the meter's AES key)`, configOffset);
  return header;
}

/** Reads every data record up to the end of the frame (or a 0x0F/0x1F manufacturer-data DIF). */
export function readOmsRecords(r: FrameReader): OmsRecord[] {
  const records: OmsRecord[] = [];
  while (r.remaining > 0) {
    const offset = r.offset;
    const dif = r.u8('DIF');
    if (dif === 0x2f) continue; // idle filler
    if ((dif & 0x0f) === 0x0f) break; // 0x0F / 0x1F: manufacturer-specific data until the end; other 0x?F are reserved
    let storage = (dif >> 6) & 0x01;
    let tariff = 0;
    let subunit = 0;
    let ext = dif & 0x80;
    for (let i = 0; ext !== 0; i++) {
      if (i >= 10) throw r.error('invalid-value', 'more than 10 DIFEs in a data record');
      const dife = r.u8('DIFE');
      storage += (dife & 0x0f) * 2 ** (1 + 4 * i);
      tariff += ((dife >> 4) & 0x03) * 2 ** (2 * i);
      subunit += ((dife >> 6) & 0x01) * 2 ** i;
      ext = dife & 0x80;
    }
    const vifOffset = r.offset;
    const vif = r.u8('VIF');
    let table: VifTable = 'primary';
    let code = vif & 0x7f;
    let more = vif & 0x80;
    let raw: Uint8Array | undefined;
    if (vif === 0xfd || vif === 0xfb) {
      table = vif === 0xfd ? 'fd' : 'fb';
      const first = r.u8('VIFE of the extension table');
      code = first & 0x7f;
      more = first & 0x80;
    } else if (vif === 0xff || vif === 0x7f) {
      table = 'manufacturer';
      if (vif === 0xff) {
        const first = r.u8('manufacturer-specific VIFE');
        code = first & 0x7f;
        more = first & 0x80;
      }
    } else if (code === 0x7c) {
      table = 'text';
      raw = r.bytesOf(r.u8('plain-text VIF length'), 'plain-text VIF');
    } else if (code === 0x7e || code === 0x7b) {
      // 0x7E "any VIF" (readout selection), 0x7B: reserved in primary table → second extension table
      if (code === 0x7b) throw r.error('unknown-frame', 'VIF 0x7B/0xFB reserved', vifOffset);
    }
    let vife: number[] | undefined;
    for (let i = 0; more !== 0; i++) {
      if (i >= 10) throw r.error('invalid-value', 'more than 10 VIFEs in a data record');
      const e = r.u8('VIFE');
      (vife ??= []).push(e & 0x7f);
      more = e & 0x80;
    }
    const record: OmsRecord = {
      offset,
      dataField: dif & 0x0f,
      func: (dif >> 4) & 0x03,
      storage,
      tariff,
      subunit,
      table,
      code,
      vife: vife ?? NO_VIFE,
      invalid: false,
    };
    if (raw) record.raw = raw;
    readValue(r, record);
    records.push(record);
  }
  return records;
}

function readValue(r: FrameReader, rec: OmsRecord): void {
  const df = rec.dataField;
  if (df === 0x0d) {
    const lvarOffset = r.offset;
    const lvar = r.u8('LVAR');
    if (lvar < 0xc0) {
      rec.raw = r.bytesOf(lvar, 'variable-length data');
    } else if (lvar < 0xe0) {
      const n = lvar & 0x0f;
      setBcd(rec, r.bytesOf(n, 'variable-length BCD'), lvar >= 0xd0);
    } else if (lvar < 0xf0) {
      setInteger(rec, r.bytesOf(lvar - 0xe0, 'variable-length binary number'));
    } else if (lvar <= 0xf4) {
      setInteger(rec, r.bytesOf(4 * (lvar - 0xec), 'variable-length binary number'));
    } else {
      throw r.error('invalid-value', `LVAR 0x${hex2(lvar)} is reserved`, lvarOffset);
    }
    return;
  }
  const length = DATA_LENGTH[df];
  if (length === 0) return;
  const bytes = r.bytesOf(length, 'data field');
  if (df === 0x05) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
    if (Number.isFinite(v)) rec.value = v;
    else rec.invalid = true;
  } else if (df >= 0x09) {
    setBcd(rec, bytes, false);
  } else {
    setInteger(rec, bytes);
  }
  if (rec.table === 'primary' && (rec.code === 0x6c || rec.code === 0x6d)) {
    // dates are decoded by omsDate(); keep the raw integer value of the bytes
    rec.raw = bytes;
  }
}

/** Two's-complement little-endian integer; the most negative value is the "invalid" marker. */
function setInteger(rec: OmsRecord, bytes: Uint8Array): void {
  const n = bytes.length;
  if (n === 0) return;
  let value = 0;
  for (let i = n - 1; i >= 0; i--) value = value * 256 + bytes[i];
  const half = 2 ** (8 * n - 1);
  if (value === half && n <= 6) {
    rec.invalid = true;
    return;
  }
  if (value >= half) value -= 2 * half;
  rec.value = value;
}

/** BCD type A, least significant byte first; a top nibble 0xF in the last byte means negative. */
function setBcd(rec: OmsRecord, bytes: Uint8Array, negative: boolean): void {
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i];
    let hi = b >> 4;
    const lo = b & 0x0f;
    if (i === bytes.length - 1 && hi === 0x0f) {
      negative = !negative;
      hi = 0;
    }
    if (hi > 9 || lo > 9) {
      rec.invalid = true;
      return;
    }
    value = value * 100 + hi * 10 + lo;
  }
  rec.value = negative ? -value : value;
}

/**
 * Date of a type G (VIF 0x6C, 2 bytes) or type F (VIF 0x6D, 4 bytes) record as UTC milliseconds of
 * the meter's wall-clock fields, or undefined when invalid or not a date record.
 */
export function omsDate(rec: OmsRecord): number | undefined {
  const b = rec.raw;
  if (rec.table !== 'primary' || !b) return undefined;
  let minute = 0;
  let hour = 0;
  let dateByte = 0;
  let century = 0;
  if (rec.code === 0x6d && b.length === 4) {
    if (b[0] & 0x80) return undefined; // IV: time invalid
    minute = b[0] & 0x3f;
    hour = b[1] & 0x1f;
    century = (b[1] >> 5) & 0x03;
    dateByte = 2;
  } else if (rec.code === 0x6c && b.length === 2) {
    dateByte = 0;
  } else {
    return undefined;
  }
  const day = b[dateByte] & 0x1f;
  const month = b[dateByte + 1] & 0x0f;
  const yy = ((b[dateByte] >> 5) & 0x07) | ((b[dateByte + 1] >> 1) & 0x78);
  if (day < 1 || day > 31 || month < 1 || month > 12 || yy > 99 || minute > 59 || hour > 23) return undefined;
  // hundred-year field 0: years below 81 are 20yy (EN 13757-3 compatibility rule)
  const year = century === 0 ? (yy < 81 ? 2000 + yy : 1900 + yy) : 1900 + 100 * century + yy;
  return Date.UTC(year, month - 1, day, hour, minute);
}

/** A value's meaning in the primary VIF table: its physical kind, unit and decimal exponent. */
export interface VifMeaning {
  kind: 'energy' | 'volume' | 'mass' | 'power' | 'volume_flow' | 'mass_flow' | 'flow_temperature' | 'return_temperature'
    | 'temperature_difference' | 'external_temperature' | 'pressure' | 'on_time' | 'operating_time' | 'date' | 'date_time'
    | 'voltage' | 'current' | 'error_flags' | 'other';
  unit: string;
  /** value × 10^exponent is in `unit`. */
  exponent: number;
}

const TIME_UNITS = ['s', 'min', 'h', 'd'];

/** Meaning of a record's VIF (primary and 0xFD tables); undefined for manufacturer-specific and unknown codes. */
export function vifMeaning(rec: OmsRecord): VifMeaning | undefined {
  const c = rec.code;
  if (rec.table === 'primary') {
    if (c <= 0x07) return { kind: 'energy', unit: 'Wh', exponent: c - 3 };
    if (c >= 0x10 && c <= 0x17) return { kind: 'volume', unit: 'm3', exponent: c - 0x10 - 6 };
    if (c >= 0x18 && c <= 0x1f) return { kind: 'mass', unit: 'kg', exponent: c - 0x18 - 3 };
    if (c >= 0x20 && c <= 0x23) return { kind: 'on_time', unit: TIME_UNITS[c - 0x20], exponent: 0 };
    if (c >= 0x24 && c <= 0x27) return { kind: 'operating_time', unit: TIME_UNITS[c - 0x24], exponent: 0 };
    if (c >= 0x28 && c <= 0x2f) return { kind: 'power', unit: 'W', exponent: c - 0x28 - 3 };
    if (c >= 0x38 && c <= 0x3f) return { kind: 'volume_flow', unit: 'm3/h', exponent: c - 0x38 - 6 };
    if (c >= 0x40 && c <= 0x47) return { kind: 'volume_flow', unit: 'm3/min', exponent: c - 0x40 - 7 };
    if (c >= 0x48 && c <= 0x4f) return { kind: 'volume_flow', unit: 'm3/s', exponent: c - 0x48 - 9 };
    if (c >= 0x50 && c <= 0x57) return { kind: 'mass_flow', unit: 'kg/h', exponent: c - 0x50 - 3 };
    if (c >= 0x58 && c <= 0x5b) return { kind: 'flow_temperature', unit: 'Cel', exponent: c - 0x58 - 3 };
    if (c >= 0x5c && c <= 0x5f) return { kind: 'return_temperature', unit: 'Cel', exponent: c - 0x5c - 3 };
    if (c >= 0x60 && c <= 0x63) return { kind: 'temperature_difference', unit: 'K', exponent: c - 0x60 - 3 };
    if (c >= 0x64 && c <= 0x67) return { kind: 'external_temperature', unit: 'Cel', exponent: c - 0x64 - 3 };
    if (c >= 0x68 && c <= 0x6b) return { kind: 'pressure', unit: 'bar', exponent: c - 0x68 - 3 };
    if (c === 0x6c) return { kind: 'date', unit: '', exponent: 0 };
    if (c === 0x6d) return { kind: 'date_time', unit: '', exponent: 0 };
    return undefined;
  }
  if (rec.table === 'fd') {
    if (c >= 0x40 && c <= 0x4f) return { kind: 'voltage', unit: 'V', exponent: c - 0x40 - 9 };
    if (c >= 0x50 && c <= 0x5f) return { kind: 'current', unit: 'A', exponent: c - 0x50 - 12 };
    if (c === 0x17) return { kind: 'error_flags', unit: '', exponent: 0 };
  }
  return undefined;
}

/** value × 10^exponent, exact for the usual negative exponents (division instead of a 0.001 factor). */
export function scaled(value: number, exponent: number): number {
  return exponent < 0 ? value / 10 ** -exponent : value * 10 ** exponent;
}

/** Combinable VIFEs that announce a compact profile (EN 13757-3:2018 Annex F). */
export const VIFE_INVERSE_COMPACT_PROFILE = 0x13;
export const VIFE_COMPACT_PROFILE_WITH_REGISTERS = 0x1e;
export const VIFE_COMPACT_PROFILE = 0x1f;

/** One value of a compact profile: raw (same unit as the base record) at `ms`. */
export interface ProfilePoint {
  ms: number;
  raw: number;
}

const SPACING_MS = [1000, 60_000, 3_600_000, 86_400_000];

/**
 * Expands a compact profile record against its base value (the same quantity at `baseMs`, usually the
 * preceding record of the same storage number). Inverse profiles go back in time from the base, plain
 * ones forward. Returns undefined when the profile's layout is not one this reader knows (month
 * spacing, registers), so the caller can report it instead of guessing. Invalid entries (all bits set
 * of an increment) end the expansion.
 */
export function expandCompactProfile(r: FrameReader, rec: OmsRecord, baseRaw: number, baseMs: number): ProfilePoint[] | undefined {
  const data = rec.raw;
  if (!data || data.length < 2) throw r.error('too-short', 'compact profile without spacing control and spacing value', rec.offset);
  const inverse = rec.vife.includes(VIFE_INVERSE_COMPACT_PROFILE);
  if (!inverse && !rec.vife.includes(VIFE_COMPACT_PROFILE)) return undefined;
  const control = data[0];
  const spacingValue = data[1];
  const dataField = control & 0x0f;
  const unit = (control >> 4) & 0x03;
  const mode = control >> 6;
  const size = DATA_LENGTH[dataField];
  if (size <= 0 || dataField === 5 || dataField >= 9 || spacingValue === 0 || spacingValue >= 0xfd) return undefined;
  const step = SPACING_MS[unit] * spacingValue * (inverse ? -1 : 1);
  const count = Math.floor((data.length - 2) / size);
  const points: ProfilePoint[] = [];
  let current = baseRaw;
  let ms = baseMs;
  const full = 2 ** (8 * size);
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = v * 256 + data[2 + i * size + k];
    if (mode !== 0b01 && mode !== 0b10 && v >= full / 2) v -= full; // absolute and signed difference are signed
    if (mode === 0b01 && v === full - 1) break; // increment "not available"
    ms += step;
    if (mode === 0b00) current = v;
    else if (mode === 0b01) current = inverse ? current - v : current + v;
    else if (mode === 0b10) current = inverse ? current + v : current - v;
    else current = inverse ? current - v : current + v;
    points.push({ ms, raw: current });
  }
  return points;
}

export function manufacturerCode(m: number): string {
  return String.fromCharCode(((m >> 10) & 0x1f) + 64, ((m >> 5) & 0x1f) + 64, (m & 0x1f) + 64);
}

function bcdString(bytes: Uint8Array): string {
  let s = '';
  for (let i = bytes.length - 1; i >= 0; i--) s += hex2(bytes[i]);
  return s;
}

function hex2(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
}
