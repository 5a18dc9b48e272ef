/**
 * Kamstrup flowIQ2200 water meter with its LoRaWAN radio: the payload is the wireless M-Bus / OMS
 * application layer (CI field and data records, EN 13757-3), read with the generic engine of ./oms.ts.
 * Documentation: https://www.kamstrup.com/en-en/water-solutions/meters-devices/meters/flowiq2200 (data
 * sheet and LoRaWAN integration guide), OMS vol. 2 https://oms-group.org/en/download4all/oms-specification ;
 * info-code bit positions: Kamstrup flowIQ technical description ("Info codes": bit 0 DRY, 1 REVERSE,
 * 2 LEAK, 3 BURST); bits 4–7 (tamper, low battery, low / high ambient temperature) follow the order of
 * the vendor's decoder output in the TTN device repository (vendor/kamstrup/mbusparser.yaml), checked
 * on its "midnight log" example (0x0010 → tamper).
 *
 * Covered:
 * - CI 0x78 / 0x7A / 0x72 headers; the header status byte: bit 2 power low → `low_battery`, bit 3
 *   `permanent_error`, bit 4 `temporary_error`, application error bits 0–1 = 2/3 → `application_error`.
 * - Volume records (VIF 0x10–0x17, 10^(n−6) m3) → `water_volume` m3 index. Storage 0 is the current
 *   index (no time). A logged value (storage ≥ 1) is dated by the date record of the same storage
 *   number; when the frame has no current (storage 0) volume, the logged value IS the meter's latest
 *   reading (Kamstrup's hourly and midnight frames) and stays on the main series with its own `time`;
 *   next to a current volume it is a target/billing value: channel `target`. Volumes flagged backward
 *   flow (VIFE 0x3C) get channel `reverse`.
 * - Compact profiles (VIFE 0x13 inverse / 0x1F) of a volume, expanded from their base record into
 *   dated `water_volume` samples of the same channel. A profile with no base record is refused
 *   (DecodeError 'invalid-value'), as the vendor decoder does ("Missing Base value").
 * - Temperatures: flow (water) VIF 0x58–0x5B → channel `water`, external VIF 0x64–0x67 → `ambient`,
 *   with `_min` / `_max` for the function field; dated when logged. Invalid values (0x80…) are skipped
 *   and listed in info.invalidRecords.
 * - Volume flow (m3/h; no canonical quantity in DESIGN §4) → info (`flow_m3h`, `flow_min_m3h`…).
 * - Kamstrup manufacturer VIFEs (VIF 0xFF): 0x25 info codes → status.alarms (`dry`, `reverse_flow`,
 *   `leak`, `burst`, `tamper`, `low_battery`, `low_ambient_temperature`, `high_ambient_temperature`),
 *   0x1C acoustic-leak-detection level of the last day → info.aldLastDay, 0x16 module type / config
 *   number → info.configNumber. Other records are listed in info.otherRecords.
 *
 * Time: the meter's clock is taken as UTC (Kamstrup's LoRaWAN examples never set the summer-time flag,
 * even in July); the type F/G fields are read as UTC wall-clock times.
 */
import type { Measurement } from '../../contracts';
import { FrameReader } from '../reader';
import { DecodeError, DecodedFrame, DecodeInput, DeviceCodec } from '../types';
import {
  expandCompactProfile, omsDate, OmsRecord, readOmsHeader, readOmsRecords, scaled, vifMeaning,
  VIFE_COMPACT_PROFILE, VIFE_INVERSE_COMPACT_PROFILE,
} from './oms';

const MODEL = 'kamstrup-flowiq2200';

const INFO_CODES = ['dry', 'reverse_flow', 'leak', 'burst', 'tamper', 'low_battery', 'low_ambient_temperature', 'high_ambient_temperature'];
const FUNCTION_SUFFIX = ['', '_max', '_min', '_error'];
/** Kamstrup manufacturer-specific VIFEs. */
const KAM_INFO_CODES = 0x25;
const KAM_ALD_LAST_DAY = 0x1c;
const KAM_CONFIG_NUMBER = 0x16;
/** Combinable VIFE: accumulation of negative contributions (backward flow). */
const VIFE_BACKWARD = 0x3c;

function isProfile(rec: OmsRecord): boolean {
  return rec.vife.includes(VIFE_INVERSE_COMPACT_PROFILE) || rec.vife.includes(VIFE_COMPACT_PROFILE);
}

function isVolume(rec: OmsRecord): boolean {
  return rec.table === 'primary' && rec.code >= 0x10 && rec.code <= 0x17;
}

function pushAlarm(alarms: string[], code: string): void {
  if (!alarms.includes(code)) alarms.push(code);
}

export function decodeFlowIq2200(input: DecodeInput): DecodedFrame {
  const { bytes, fPort } = input;
  const r = new FrameReader(bytes, MODEL, fPort);
  if (fPort < 1 || fPort > 223) throw r.error('unknown-port', `fPort ${fPort} carries no application data`);
  const header = readOmsHeader(r);
  const records = readOmsRecords(r);

  const info: Record<string, unknown> = { frameType: `oms_ci_${header.ci.toString(16)}` };
  if (header.id !== undefined) {
    info.meterId = header.id;
    info.manufacturer = header.manufacturer;
    info.version = header.version;
    info.deviceType = header.deviceType;
  }
  if (header.accessNumber !== undefined) info.accessNumber = header.accessNumber;

  let alarms: string[] | undefined;
  if (header.status !== undefined) {
    alarms = [];
    const s = header.status;
    if ((s & 0x03) >= 2) alarms.push('application_error');
    if (s & 0x04) alarms.push('low_battery');
    if (s & 0x08) alarms.push('permanent_error');
    if (s & 0x10) alarms.push('temporary_error');
  }

  // Dates by storage number, and whether the frame carries a current (storage 0) volume.
  const dates = new Map<number, number>();
  let hasCurrentVolume = false;
  for (const rec of records) {
    const meaning = rec.table === 'primary' && (rec.code === 0x6c || rec.code === 0x6d) ? omsDate(rec) : undefined;
    if (meaning !== undefined && rec.subunit === 0 && rec.tariff === 0 && !dates.has(rec.storage)) dates.set(rec.storage, meaning);
    if (isVolume(rec) && rec.storage === 0 && rec.func === 0 && !isProfile(rec)) hasCurrentVolume = true;
  }

  const measurements: Measurement[] = [];
  const invalidRecords: number[] = [];
  const otherRecords: string[] = [];
  let base: { raw: number; exponent: number; ms: number | undefined; channel: string | undefined; storage: number } | undefined;

  for (const rec of records) {
    if (rec.table === 'manufacturer') {
      if (rec.invalid || rec.value === undefined) { invalidRecords.push(rec.offset); continue; }
      if (rec.code === KAM_INFO_CODES) {
        alarms ??= [];
        for (let bit = 0; bit < 8; bit++) if (rec.value & (1 << bit)) pushAlarm(alarms, INFO_CODES[bit]);
        info.infoCodes = rec.value;
      } else if (rec.code === KAM_ALD_LAST_DAY) {
        info.aldLastDay = rec.value;
      } else if (rec.code === KAM_CONFIG_NUMBER) {
        info.configNumber = rec.value;
      } else {
        otherRecords.push(`manufacturer 0x${rec.code.toString(16)} = ${rec.value}`);
      }
      continue;
    }
    const meaning = vifMeaning(rec);
    if (!meaning) {
      otherRecords.push(`${rec.table} VIF 0x${rec.code.toString(16)} at byte ${rec.offset}`);
      continue;
    }
    if (meaning.kind === 'date' || meaning.kind === 'date_time') {
      const ms = omsDate(rec);
      if (ms === undefined) invalidRecords.push(rec.offset);
      else if (rec.storage === 0) info.meterTime = new Date(ms).toISOString();
      continue;
    }
    const ms = rec.storage === 0 ? undefined : dates.get(rec.storage);
    if (meaning.kind === 'volume') {
      if (isProfile(rec)) {
        if (!base || base.storage !== rec.storage || base.exponent !== meaning.exponent || base.ms === undefined) {
          throw new DecodeError('invalid-value', MODEL, fPort, rec.offset, 'compact profile without its base value (a dated volume record of the same storage number before it)');
        }
        const points = expandCompactProfile(r, rec, base.raw, base.ms);
        if (!points) { otherRecords.push(`compact profile of an unsupported layout at byte ${rec.offset}`); continue; }
        for (const p of points) {
          const m: Measurement = { quantity: 'water_volume', value: scaled(p.raw, meaning.exponent), unit: 'm3', kind: 'index', time: new Date(p.ms).toISOString() };
          if (base.channel) m.channel = base.channel;
          measurements.push(m);
        }
        continue;
      }
      if (rec.func !== 0 || rec.tariff !== 0 || rec.subunit !== 0 || rec.vife.some((e) => e !== VIFE_BACKWARD)) {
        otherRecords.push(`volume record (function ${rec.func}, tariff ${rec.tariff}, subunit ${rec.subunit}) at byte ${rec.offset}`);
        continue;
      }
      if (rec.invalid || rec.value === undefined) { invalidRecords.push(rec.offset); continue; }
      let channel: string | undefined;
      if (rec.vife.includes(VIFE_BACKWARD)) channel = 'reverse';
      else if (rec.storage !== 0 && (hasCurrentVolume || ms === undefined)) channel = 'target';
      const m: Measurement = { quantity: 'water_volume', value: scaled(rec.value, meaning.exponent), unit: 'm3', kind: 'index' };
      if (channel) m.channel = channel;
      if (ms !== undefined) m.time = new Date(ms).toISOString();
      measurements.push(m);
      base = { raw: rec.value, exponent: meaning.exponent, ms, channel, storage: rec.storage };
      continue;
    }
    if (rec.invalid || rec.value === undefined) { invalidRecords.push(rec.offset); continue; }
    const suffix = FUNCTION_SUFFIX[rec.func];
    if (meaning.kind === 'flow_temperature' || meaning.kind === 'external_temperature') {
      const m: Measurement = {
        quantity: 'temperature',
        value: scaled(rec.value, meaning.exponent),
        unit: 'Cel',
        kind: 'instant',
        channel: (meaning.kind === 'flow_temperature' ? 'water' : 'ambient') + suffix,
      };
      if (ms !== undefined) m.time = new Date(ms).toISOString();
      measurements.push(m);
    } else if (meaning.kind === 'volume_flow' && meaning.unit === 'm3/h') {
      info[`flow${suffix}_m3h`] = scaled(rec.value, meaning.exponent);
    } else {
      otherRecords.push(`${meaning.kind} = ${scaled(rec.value, meaning.exponent)} ${meaning.unit}`);
    }
  }
  if (invalidRecords.length) info.invalidRecords = invalidRecords;
  if (otherRecords.length) info.otherRecords = otherRecords;
  const out: DecodedFrame = { measurements, info };
  if (alarms) out.status = { alarms };
  return out;
}

export const flowIq2200: DeviceCodec = {
  model: MODEL,
  vendor: 'kamstrup',
  name: 'Kamstrup flowIQ2200',
  aliases: ['flowIQ2200', 'flowiq-2200', 'flowIQ 2200'],
  documentation: 'https://www.kamstrup.com/en-en/water-solutions/meters-devices/meters/flowiq2200',
  quantities: [
    { quantity: 'water_volume', unit: 'm3', kind: 'index', channels: ['target', 'reverse'] },
    { quantity: 'temperature', unit: 'Cel', kind: 'instant', channels: ['water', 'water_min', 'water_max', 'ambient', 'ambient_min', 'ambient_max'] },
  ],
  decode: decodeFlowIq2200,
};
