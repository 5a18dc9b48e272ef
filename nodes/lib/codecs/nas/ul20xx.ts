/**
 * NAS UL20xx luminaire controller (UL2002/2003/2014/2020/2021/2023/2024/2030/2033/2034/2053), firmware
 * 1.1.x. Documentation: https://docs.nasys.no/en/lcu/payloads and
 * https://docs.nasys.no/en/lcu/payloads-configs ; byte layouts checked against the test vectors of the
 * MIT-licensed https://github.com/nasys/nas-codecs (devices.md §6, lighting.md §3). Integers are
 * little-endian, bit fields are read from the least significant bit.
 *
 * Address byte (uplink channel names): 0xFE `dali_broadcast`, 2n `dali_single_n`, 0x80 + 2n
 * `dali_group_n`, 0x01 `analog_0_10v`, 0xFF `all` (usage: the controller's internal meter).
 *
 * DECODE (uplinks)
 * - fPort 23 status (header 0x01, or 0x00 before FW 1.1.4): device time, status bits, downlink
 *   RSSI/SNR, MCU temperature → `temperature` channel `mcu`, internal relay → `relay_state` channel
 *   `internal_relay`, 24-h alerts, sensor sources (LDR raw value → info, light sensor → `illuminance`
 *   lx channel `light_sensor` (D4i sensor: `d4i_light_sensor`), digital input → info), then per address
 *   the reason, `light_level` % (channel = address name; 0xFF "n/a" gives none) and DALI status bits.
 * - fPort 26 usage (header 0x00): per address a field mask, then `active_energy` Wh index,
 *   `active_power` W, load-side energy/power (channel `load` for the internal meter, `<address>_load`
 *   for a DALI driver), `power_factor` (0xFF unknown: none), `voltage` V (mains), driver operating time
 *   (info.usage[].driverOperatingTimeH: no canonical quantity), `lamp_on_time` h index. Channels: none
 *   for the internal meter (0xFF), the address name for a DALI driver.
 * - fPort 61 alerts: 0x80 digital input, 0x81 LDR, 0x85 light-sensor step, 0x86 location → info;
 *   0x83 DALI driver alert → alarms; 0x84 metering alert → alarms and the measured `active_power`,
 *   `voltage`, `power_factor`.
 * - fPort 99: 0x00 boot (serial, firmware, device time, config, optional features, DALI bus, reset
 *   reason) → info; 0x13 downlink rejected → info + alarm `downlink_error`.
 * - fPort 50 configuration echo and fPort 60 command echo → info (same layouts as the commands below).
 * Alarms (status.alarms, the vendor's warning names without the address): `dali_connection_error`,
 * `metering_com_error`, `ext_rtc_warning`, `voltage_alert_in_24h`, `lamp_error_alert_in_24h`,
 * `power_alert_in_24h`, `power_factor_alert_in_24h`, `driver_error`, `lamp_failure`, `limit_error`,
 * `reset_state`, `power_failure`, `metering_lamp_error`, `metering_over_current`,
 * `metering_under_voltage`, `metering_over_voltage`, `metering_low_power_factor`, `invalid_timestamp`
 * (device clock before 2015), `watchdog_reset`, `dali_bus_error`, `unaddressed_dali_driver`,
 * `downlink_error`.
 *
 * ENCODE (commands; `address` is an address name above, `broadcast`, `analog`, `{ short: n }` (0–63),
 * `{ group: n }` (0–15) or a raw byte; default `dali_broadcast`)
 * - `{ type: 'setLevel', address?, level: 0–100, durationMin?: 1–255 }` → fPort 60 `01 addr level`, or
 *   with a duration (manual override that ends by itself) `09 addr level minutes`.
 *   Several outputs in one frame: `{ type: 'setLevel', targets: [{ address, level, durationMin? }] }`
 *   (all with or all without a duration).
 * - `{ type: 'resume', address? }` → `01 addr FF` (release the override, back to the schedule).
 * - `{ type: 'requestStatus', status?: true, usage?: true, dimMap?: false }` → fPort 60 `05 bits`.
 * - `{ type: 'uploadProfile', id: 0–7, address?, days?: ('holiday'|'mon'|…|'sun')[] (default all and
 *   holidays), steps: [{ time: 'HH:MM' (multiple of 10 min), level: 0–100 | null (inactive) }] (≤ 9) }`
 *   → fPort 50 `21 id n addr days 00 (time/10 level)…`.
 * - `{ type: 'astroClock', latitude, longitude, sunrise: [{ zenith?: 90.83, level }], sunset: [...],
 *   clampsProfiles?: true, prefersMetaPos?: false, clampsDig?: false, ignoreGnss?: false }` → fPort 50
 *   `20 (sunset count << 4 | sunrise count) flags lat×100 lon×100 (zenith (deg−90)×6, level)…`
 *   (sunrise steps first; level null = step disabled).
 * - `{ type: 'holidays', dates: ['MM-DD', …] }` (≤ 9) → fPort 50 `23 n (month day)…`.
 * - `{ type: 'syncTime', time?: Date | ISO string | unix seconds }` → fPort 50 `09 u32`; without time
 *   `09 00000000` makes the device use LoRaWAN DeviceTimeReq.
 * - `{ type: 'statusInterval', seconds }` → fPort 50 `07 u32`.
 * - `{ type: 'usageInterval', seconds, mainsVoltage?: V }` → fPort 50 `0B u32 u8` (0xFF: not set).
 * - `{ type: 'meteringAlerts', minPowerW?, maxPowerW?, minVoltageV?, maxVoltageV?, minPowerFactor? }`
 *   → fPort 50 `16 01 u16 u16 u16 u16 u8` (omitted = alert off, FFFF / FF).
 * - `{ type: 'multicast', slot: 0–3, devAddr: 8 hex, nwkSKey: 32 hex, appSKey: 32 hex }` → fPort 50
 *   `52 slot devAddr(LE) nwkSKey appSKey`.
 * - `{ type: 'fade', seconds }` (one of 0.5, 0.71, 1, 1.41, 2, …, 90.51) → fPort 50 `22 index`.
 * - `{ type: 'fallbackLevel', level }` → fPort 50 `25 level`.
 * - `{ type: 'clearProfiles', address? ('all' by default) }` → `FF 21 addr`; `{ type: 'clearHolidays' }`
 *   → `FF 23`.
 * - `{ type: 'restart' }` → fPort 51 `FE`.
 */
import type { Measurement } from '../../contracts';
import { FrameReader } from '../reader';
import { DecodeError, DecodedFrame, DecodeInput, DeviceCodec, EncodedDownlink } from '../types';

const MODEL = 'nas-ul20xx';

export const NAS_PORTS = { status: 23, usage: 26, configRequest: 49, config: 50, dfu: 51, command: 60, alert: 61, boot: 99 } as const;

/** Address byte → name, computed once (no string building while decoding). */
const ADDRESS_NAMES: string[] = [];
for (let a = 0; a < 256; a++) {
  if (a === 0x01) ADDRESS_NAMES.push('analog_0_10v');
  else if (a === 0xfe) ADDRESS_NAMES.push('dali_broadcast');
  else if (a === 0xff) ADDRESS_NAMES.push('all');
  else if (a & 0x01) ADDRESS_NAMES.push('invalid');
  else if (a & 0x80) ADDRESS_NAMES.push(`dali_group_${(a >> 1) & 0x0f}`);
  else ADDRESS_NAMES.push(`dali_single_${(a >> 1) & 0x3f}`);
}
const LOAD_NAMES = ADDRESS_NAMES.map((n) => `${n}_load`);

/** Reason byte of a dimming source → name. */
const REASONS: string[] = [];
for (let r = 0; r < 256; r++) {
  let name = 'invalid_reason';
  if (r <= 7) name = `profile_${r}`;
  else if (r === 0x21) name = 'calendar_day';
  else if (r === 0x22) name = 'calendar_night';
  else if (r >= 0x30 && r <= 0x3f) name = `calendar_dawn_step_${r - 0x30}`;
  else if (r >= 0x50 && r <= 0x5f) name = `calendar_dusk_step_${r - 0x50}`;
  else if (r === 0x70) name = 'dig_inactive';
  else if (r === 0x71) name = 'dig_active';
  else if (r >= 0x80 && r <= 0x87) name = `light_monitor_step_${r - 0x80}`;
  else if (r === 245) name = 'relay_off';
  else if (r === 246) name = 'driver_not_found';
  else if (r === 248) name = 'fallback_active';
  else if (r === 250) name = 'ldr_input_active';
  else if (r === 252) name = 'dig_input_active';
  else if (r === 253) name = 'manual_active';
  else if (r === 255) name = 'unknown';
  REASONS.push(name);
}

/** DALI status bits (bit 0 first); `null` = not an alarm. */
const DALI_BITS: Array<string | null> = ['driver_error', 'lamp_failure', null, 'limit_error', null, 'reset_state', null, 'power_failure'];
const DALI_FLAGS = ['driver_error', 'lamp_failure', 'lamp_on', 'limit_error', 'fade_running', 'reset_state', 'missing_short_address', 'power_failure'];
const ALERT_24H = ['voltage_alert_in_24h', 'lamp_error_alert_in_24h', 'power_alert_in_24h', 'power_factor_alert_in_24h'];
const METERING_ALERTS = ['metering_lamp_error', 'metering_over_current', 'metering_under_voltage', 'metering_over_voltage', 'metering_low_power_factor'];
const DEVICE_CONFIGS = ['dali', 'dali_nc', 'dali_no', 'analog_nc', 'analog_no', 'dali_analog_nc', 'dali_analog_no', 'dali_analog_nc_no'];
const DAYS = ['holiday', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const FADE_S = [0.5, 0.71, 1.0, 1.41, 2.0, 2.83, 4.0, 5.66, 8.0, 11.31, 16.0, 22.63, 32.0, 45.25, 64.0, 90.51];
const DOWNLINK_ERRORS: Record<number, string> = {
  0x02: 'unknown_fport', 0x03: 'packet_size_short', 0x04: 'packet_size_long', 0x05: 'value_error', 0x06: 'protocol_parse_error',
  0x07: 'reserved_flag_set', 0x08: 'invalid_flag_combination', 0x09: 'unavailable_feature_request', 0x0a: 'unsupported_header',
  0x0b: 'unreachable_hw_request', 0x0c: 'address_not_available', 0x0d: 'internal_error', 0x0e: 'packet_size_error',
  0x81: 'profile_id_seq_error', 0x82: 'profile_destination_error', 0x83: 'profile_days_error', 0x84: 'profile_step_count_error',
  0x85: 'profile_step_value_error', 0x86: 'profile_step_unsorted_error',
};
const EPOCH_2015 = 1420070400;

function addAlarm(alarms: string[], code: string): void {
  if (!alarms.includes(code)) alarms.push(code);
}

function deviceTime(epoch: number, alarms: string[]): string | null {
  if (epoch < EPOCH_2015) {
    addAlarm(alarms, 'invalid_timestamp');
    return null;
  }
  return new Date(epoch * 1000).toISOString();
}

/** The vendor's light-sensor scale: lx = 10^(raw/4000) / 1000, to 3 − ⌊log10 lx⌋ decimals (0–3). */
function lightLux(raw: number): number | undefined {
  if (raw === 0xffff) return undefined;
  const lx = 10 ** ((raw & 0x7fff) / 4000) / 1000;
  const log = Math.log10(lx);
  const decimals = 3 - Math.trunc(Math.min(3, Math.max(0, log)));
  const f = 10 ** decimals;
  return Math.round(lx * f) / f;
}

function daliAlarms(bits: number, alarms: string[]): void {
  if (bits === 0xff) return; // status unknown
  for (let b = 0; b < 8; b++) {
    const code = DALI_BITS[b];
    if (code && bits & (1 << b)) addAlarm(alarms, code);
  }
}

function daliFlags(bits: number): string[] {
  const out: string[] = [];
  if (bits === 0xff) return out;
  for (let b = 0; b < 8; b++) if (bits & (1 << b)) out.push(DALI_FLAGS[b]);
  return out;
}

function decodeStatus(r: FrameReader): DecodedFrame {
  const header = r.u8('packet header');
  if (header !== 0x00 && header !== 0x01) throw r.error('unknown-frame', `status header 0x${header.toString(16)} (0x00 or 0x01 expected)`, 0);
  const legacy = header === 0x00;
  const alarms: string[] = [];
  const measurements: Measurement[] = [];
  const info: Record<string, unknown> = { packetType: 'status' };
  info.deviceTime = deviceTime(r.u32le('device time'), alarms);
  const s1 = r.u8('status bits');
  if (s1 & 0x02) alarms.push('dali_connection_error');
  if (s1 & 0x20) alarms.push('metering_com_error');
  if (s1 & 0x40) alarms.push('ext_rtc_warning');
  measurements.push({ quantity: 'relay_state', value: s1 & 0x80 ? 1 : 0, unit: '1', kind: 'instant', channel: 'internal_relay' });
  if (legacy) {
    info.ldrInputOn = (s1 & 0x04) !== 0;
    info.digInputOn = (s1 & 0x10) !== 0;
  } else {
    const s2 = r.u8('status bits 2');
    info.openDrainOutputOn = (s2 & 0x04) !== 0;
    info.lumalinkConnected = (s2 & 0x40) !== 0;
    info.lumalinkConnectedAfterBoot = (s2 & 0x80) !== 0;
  }
  info.downlinkRssiDbm = -r.u8('downlink RSSI');
  info.downlinkSnrDb = r.i8('downlink SNR');
  measurements.push({ quantity: 'temperature', value: r.i8('MCU temperature'), unit: 'Cel', kind: 'instant', channel: 'mcu' });
  let alertsSent = true;
  if (legacy) {
    const b = r.u8('reported fields');
    info.openDrainOutputOn = (b & 0x04) !== 0;
    alertsSent = (b & 0x10) !== 0;
    if (b & 0x02) info.ldrInput = r.u8('LDR value');
  }
  if (alertsSent) {
    const a = r.u8('24-h alerts');
    for (let b = 0; b < 4; b++) if (a & (1 << (b + 4))) alarms.push(ALERT_24H[b]);
  }
  if (!legacy) {
    const length = r.u8('sensor sources length');
    r.need(length, 'sensor sources');
    const end = r.offset + length;
    while (r.offset < end) {
      const type = r.u8('sensor source type');
      if (type === 0x01) info.ldrInput = r.u8('LDR value');
      else if (type === 0x02 || type === 0x03) {
        const lx = lightLux(r.u16le('light sensor'));
        if (lx !== undefined) measurements.push({ quantity: 'illuminance', value: lx, unit: 'lx', kind: 'instant', channel: type === 0x02 ? 'light_sensor' : 'd4i_light_sensor' });
      } else if (type === 0x04) info.digInput1On = (r.u8('digital input') & 0x01) !== 0;
      else if (type === 0x08) {
        const deg = r.u8('tilt sensor');
        info.tiltDeg = deg === 0xff ? null : deg;
      } else {
        // unknown source: its length is unknown, skip the rest of the sensor-source block
        info.unsupportedSensorSource = type;
        r.offset = end;
      }
    }
    if (r.offset > end) throw r.error('invalid-value', 'sensor sources overrun their announced length');
  }
  const sources: Array<Record<string, unknown>> = [];
  while (r.remaining > 0) {
    const address = r.u8('dimming source address');
    const reason = r.u8('dimming source reason');
    const level = r.u8('dimming level');
    const dali = r.u8('DALI status');
    const name = ADDRESS_NAMES[address];
    if (level !== 0xff) {
      if (level > 100) throw r.error('invalid-value', `dimming level ${level} % of ${name}`, r.offset - 2);
      measurements.push({ quantity: 'light_level', value: level, unit: '%', kind: 'instant', channel: name });
    }
    daliAlarms(dali, alarms);
    sources.push({ address: name, reason: REASONS[reason], level: level === 0xff ? null : level, daliStatus: daliFlags(dali) });
  }
  info.dimmingSources = sources;
  return { measurements, status: { alarms }, info };
}

function decodeUsage(r: FrameReader): DecodedFrame {
  const header = r.u8('packet header');
  if (header !== 0x00) throw r.error('unknown-frame', `usage header 0x${header.toString(16)} (0x00 expected)`, 0);
  const measurements: Measurement[] = [];
  const entries: Array<Record<string, unknown>> = [];
  while (r.remaining > 0) {
    const address = r.u8('usage address');
    const mask = r.u8('usage field mask');
    const internal = address === 0xff;
    const channel = internal ? undefined : ADDRESS_NAMES[address];
    const loadChannel = internal ? 'load' : LOAD_NAMES[address];
    const entry: Record<string, unknown> = { address: internal ? 'internal_measurement' : channel };
    const push = (quantity: string, value: number, unit: string, kind: 'index' | 'instant', ch: string | undefined): void => {
      const m: Measurement = { quantity, value, unit, kind };
      if (ch !== undefined) m.channel = ch;
      measurements.push(m);
    };
    if (mask & 0x01) push('active_energy', r.u32le('active energy'), 'Wh', 'index', channel);
    if (mask & 0x02) push('active_power', r.u16le('active power'), 'W', 'instant', channel);
    if (mask & 0x04) push('active_energy', r.u32le('load-side energy'), 'Wh', 'index', loadChannel);
    if (mask & 0x08) push('active_power', r.u16le('load-side power'), 'W', 'instant', loadChannel);
    if (mask & 0x10) {
      const pf = r.u8('power factor');
      if (pf !== 0xff) {
        if (pf > 100) throw r.error('invalid-value', `power factor ${pf} / 100`, r.offset - 1);
        push('power_factor', pf / 100, '1', 'instant', channel);
      }
    }
    if (mask & 0x20) push('voltage', r.u8('mains voltage'), 'V', 'instant', channel);
    if (mask & 0x40) entry.driverOperatingTimeH = r.u32le('driver operating time') / 3600;
    if (mask & 0x80) push('lamp_on_time', r.u32le('lamp on time') / 3600, 'h', 'index', channel);
    entries.push(entry);
  }
  return { measurements, info: { packetType: 'usage', usage: entries } };
}

function decodeAlert(r: FrameReader): DecodedFrame {
  const header = r.u8('alert header');
  const second = r.u8('alert byte 2');
  const len = second >> 4;
  const alarms: string[] = [];
  const measurements: Measurement[] = [];
  switch (header) {
    case 0x80: {
      const info: Record<string, unknown> = { packetType: 'dig_input_notification' };
      if (len === 2) info.digInputEventCounter = r.u16le('event counter');
      else if (len === 4) {
        info.digInputOn = (second & 0x01) !== 0;
        info.digInputEventCounter = r.u32le('event counter');
      } else throw r.error('invalid-value', `digital input notification length ${len}`, 1);
      return { measurements, info };
    }
    case 0x81: {
      if (len !== 2) throw r.error('invalid-value', `LDR notification length ${len}`, 1);
      const state = r.u8('LDR state');
      return { measurements, info: { packetType: 'ldr_input_notification', ldrInputOn: (state & 0x01) !== 0, ldrInput: r.u8('LDR value') } };
    }
    case 0x83: {
      // byte 2 holds the length nibble; then (address, DALI status) pairs
      const drivers: Array<Record<string, unknown>> = [];
      while (r.remaining > 0) {
        const address = ADDRESS_NAMES[r.u8('driver address')];
        const bits = r.u8('DALI status');
        daliAlarms(bits, alarms);
        drivers.push({ address, status: daliFlags(bits) });
      }
      return { measurements, status: { alarms }, info: { packetType: 'dali_driver_alert', drivers } };
    }
    case 0x84: {
      for (let b = 0; b < 5; b++) if (second & (1 << b)) alarms.push(METERING_ALERTS[b]);
      measurements.push({ quantity: 'active_power', value: r.u16le('power'), unit: 'W', kind: 'instant' });
      measurements.push({ quantity: 'voltage', value: r.u16le('voltage'), unit: 'V', kind: 'instant' });
      const pf = r.u8('power factor');
      if (pf !== 0xff) measurements.push({ quantity: 'power_factor', value: pf / 100, unit: '1', kind: 'instant' });
      return { measurements, status: { alarms }, info: { packetType: 'metering_alert' } };
    }
    case 0x85:
      return { measurements, info: { packetType: 'light_sensor_notification', activeDimStep: second } };
    case 0x86: {
      const info: Record<string, unknown> = { packetType: 'location_notification' };
      if (second === 0x00) {
        const b = r.bytesOf(8, 'position');
        const view = new DataView(b.buffer, b.byteOffset, 8);
        const lat = view.getFloat32(0, true);
        const lon = view.getFloat32(4, true);
        info.latitude = Number.isFinite(lat) ? lat : null;
        info.longitude = Number.isFinite(lon) ? lon : null;
        info.lastFix = deviceTime(r.u32le('fix time'), alarms);
        info.locationStatus = 'good_fix';
      } else info.locationStatus = second === 0x01 ? 'no_fix' : 'internal_error';
      return { measurements, info };
    }
    default:
      throw r.error('unknown-frame', `alert header 0x${header.toString(16)}`, 0);
  }
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
  return s;
}

function decodeBoot(r: FrameReader): DecodedFrame {
  const header = r.u8('boot header');
  const alarms: string[] = [];
  if (header === 0x13) {
    const fromPort = r.u8('downlink fPort');
    const code = r.u8('error code');
    alarms.push('downlink_error');
    return { measurements: [], status: { alarms }, info: { packetType: 'invalid_downlink', downlinkFPort: fromPort, errorReason: DOWNLINK_ERRORS[code] ?? `error_0x${code.toString(16)}` } };
  }
  if (header !== 0x00) throw r.error('unknown-frame', `fPort 99 header 0x${header.toString(16)}`, 0);
  const serial = r.u32le('serial').toString(16).toUpperCase().padStart(8, '0');
  const firmware = `${r.u8('firmware major')}.${r.u8('firmware minor')}.${r.u8('firmware patch')}`;
  const time = deviceTime(r.u32le('device time'), alarms);
  const config = r.u8('device config');
  const features = r.u8('optional features');
  const dali = r.u8('DALI supply');
  const supply = dali & 0x7f;
  if (supply === 0x7f) alarms.push('dali_bus_error');
  const drivers = r.u8('DALI drivers');
  if (drivers & 0x80) alarms.push('unaddressed_dali_driver');
  const info: Record<string, unknown> = {
    packetType: 'boot',
    serial,
    firmware,
    deviceTime: time,
    deviceConfig: DEVICE_CONFIGS[config] ?? `invalid_${config}`,
    optionalFeatures: { digInput: (features & 0x04) !== 0, ldrInput: (features & 0x08) !== 0, openDrainOutput: (features & 0x10) !== 0, metering: (features & 0x20) !== 0 },
    daliSupply: supply < 0x70 ? supply : supply === 0x7e ? 'bus_high' : supply === 0x7f ? 'bus_error' : 'invalid',
    daliPowerSource: dali & 0x80 ? 'external' : 'internal',
    daliAddressedDrivers: drivers & 0x7f,
  };
  if (r.remaining > 0) {
    const reset = r.u8('reset reason');
    const reasons: string[] = [];
    const names = ['reset_0', 'watchdog_reset', 'soft_reset', 'reset_3', 'reset_4', 'reset_5', 'reset_6', 'reset_7'];
    for (let b = 0; b < 8; b++) if (reset & (1 << b)) reasons.push(names[b]);
    if (reset & 0x02) alarms.push('watchdog_reset');
    info.resetReason = reasons;
  }
  return { measurements: [], status: { alarms }, info };
}

function stepTime(byte: number): string {
  const minutes = byte * 10;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
}

/** fPort 50 configuration (downlink layout, echoed by the device) → info. */
function decodeConfig(r: FrameReader, depth = 0): Record<string, unknown> {
  const at = r.offset;
  const header = r.u8('config header');
  switch (header) {
    case 0x07: return { packetType: 'status_config', statusIntervalS: r.u32le('status interval') };
    case 0x09: {
      const epoch = r.u32le('time');
      return { packetType: 'time_config', deviceTime: epoch === 0 ? 'force_lorawan_devicetimereq' : new Date(epoch * 1000).toISOString() };
    }
    case 0x0b: {
      const interval = r.u32le('usage interval');
      const volt = r.u8('mains voltage');
      return { packetType: 'usage_config', usageIntervalS: interval, mainsVoltageV: volt === 0xff ? null : volt };
    }
    case 0x16: {
      if (r.u8('metering alert sub-header') !== 0x01) throw r.error('unknown-frame', 'metering alert config sub-header', at + 1);
      const off16 = (v: number): number | null => (v === 0xffff ? null : v);
      const minP = off16(r.u16le('min power'));
      const maxP = off16(r.u16le('max power'));
      const minV = off16(r.u16le('min voltage'));
      const maxV = off16(r.u16le('max voltage'));
      const pf = r.u8('min power factor');
      return { packetType: 'metering_alert_config', minPowerW: minP, maxPowerW: maxP, minVoltageV: minV, maxVoltageV: maxV, minPowerFactor: pf === 0xff ? null : pf / 100 };
    }
    case 0x20: {
      const counts = r.u8('step counts');
      const flags = r.u8('calendar flags');
      const latitude = r.i16le('latitude') / 100;
      const longitude = r.i16le('longitude') / 100;
      const step = (): Record<string, unknown> => {
        const z = r.i8('zenith');
        const level = r.u8('level');
        return { zenith: Math.round((z / 6 + 90) * 100) / 100, level: level === 0xff ? null : level };
      };
      const sunrise = [];
      const sunset = [];
      for (let i = 0; i < (counts & 0x0f); i++) sunrise.push(step());
      for (let i = 0; i < counts >> 4; i++) sunset.push(step());
      return { packetType: 'calendar_config', prefersMetaPos: (flags & 1) !== 0, clampsProfiles: (flags & 2) !== 0, clampsDig: (flags & 4) !== 0, ignoreGnss: (flags & 8) !== 0, latitude, longitude, sunrise, sunset };
    }
    case 0x21: {
      const id = r.u8('profile id');
      const count = r.u8('step count');
      const address = ADDRESS_NAMES[r.u8('profile address')];
      const dayBits = r.u8('profile days');
      r.skip(1, 'profile reserved byte');
      const days = DAYS.filter((_, i) => dayBits & (1 << i));
      const steps = [];
      for (let i = 0; i < count; i++) {
        const t = r.u8('step time');
        const level = r.u8('step level');
        steps.push({ time: stepTime(t), level: level === 0xff ? null : level });
      }
      return { packetType: 'profile_config', id: id === 0xff ? 'no_profile' : id, address, days, steps };
    }
    case 0x22: {
      const f = r.u8('fade');
      return { packetType: 'fade_config', fadeS: f === 0xff ? null : (FADE_S[f] ?? null) };
    }
    case 0x23: {
      const n = r.u8('holiday count');
      const dates: string[] = [];
      for (let i = 0; i < n; i++) {
        const month = r.u8('holiday month');
        const day = r.u8('holiday day');
        dates.push(`${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`);
      }
      return { packetType: 'holiday_config', dates };
    }
    case 0x25: return { packetType: 'fallback_dim_config', level: r.u8('fallback level') };
    case 0x52: {
      const slot = r.u8('multicast slot');
      const addr = r.u32le('multicast DevAddr');
      r.skip(32, 'multicast session keys'); // keys are secrets: never copied into info
      return { packetType: 'multicast_config', slot, devAddr: addr.toString(16).padStart(8, '0') };
    }
    case 0xfe: {
      if (depth > 0) throw r.error('invalid-value', 'nested chained config', at);
      const payloads: Array<Record<string, unknown>> = [];
      while (r.remaining > 0) payloads.push(decodeConfig(r, 1));
      return { packetType: 'chained_config', payloads };
    }
    case 0xff: {
      const target = r.u8('clear target');
      if (target === 0x21) return { packetType: 'clear_config', target: 'profile_config', address: ADDRESS_NAMES[r.u8('address')] };
      if (target === 0x23) return { packetType: 'clear_config', target: 'holiday_config' };
      if (target === 0x52) return { packetType: 'clear_config', target: 'multicast_config', slot: r.u8('multicast slot') };
      if (target === 0xff) return { packetType: 'clear_config', target: 'factory_reset', serial: r.u32le('serial').toString(16).toUpperCase().padStart(8, '0') };
      return { packetType: 'clear_config', target: `0x${target.toString(16)}` };
    }
    default: {
      // other configuration packets (LDR, digital input, DALI monitor, location, Lumalink…): kept raw
      const rest = r.bytesOf(r.remaining, 'config body');
      return { packetType: 'config', header, raw: hex(rest) };
    }
  }
}

/** fPort 60 command (downlink layout, echoed by the device) → info. */
function decodeCommand(r: FrameReader): Record<string, unknown> {
  const header = r.u8('command header');
  if (header === 0x01 || header === 0x09) {
    const timed = header === 0x09;
    const targets = [];
    while (r.remaining > 0) {
      const address = ADDRESS_NAMES[r.u8('address')];
      const level = r.u8('level');
      const t: Record<string, unknown> = { address, level: level === 0xff ? 'resume' : level };
      if (timed) t.durationMin = r.u8('duration');
      targets.push(t);
    }
    return { packetType: timed ? 'manual_timed_dimming' : 'manual_dimming', targets };
  }
  if (header === 0x05) {
    const bits = r.u8('request bits');
    const out: Record<string, unknown> = { packetType: 'status_usage_request', usage: (bits & 1) !== 0, status: (bits & 2) !== 0, dimMap: (bits & 4) !== 0 };
    if (bits & 4 && r.remaining > 0) {
      const drivers = [];
      while (r.remaining > 0) {
        const address = ADDRESS_NAMES[r.u8('driver address')];
        const min = r.u8('DALI min level');
        const max = r.u8('DALI max level');
        drivers.push({ address, daliMinLevel: min, daliMaxLevel: max, dimmingCurve: r.u8('dimming curve') === 0 ? 'logarithmic' : 'linear' });
      }
      out.drivers = drivers;
    }
    return out;
  }
  const names: Record<number, string> = { 0x03: 'custom_dali_request', 0x04: 'custom_dali_command', 0x07: 'driver_memory_read', 0x08: 'driver_memory_write', 0x0a: 'address_dali_driver', 0x0b: 'dali_identify', 0x0c: 'open_drain_output_control' };
  const name = names[header];
  if (!name) throw r.error('unknown-frame', `command header 0x${header.toString(16)}`, 0);
  return { packetType: name, raw: hex(r.bytesOf(r.remaining, 'command body')) };
}

export function decodeUl20xx(input: DecodeInput): DecodedFrame {
  const r = new FrameReader(input.bytes, MODEL, input.fPort);
  let out: DecodedFrame;
  switch (input.fPort) {
    case NAS_PORTS.status: out = decodeStatus(r); break;
    case NAS_PORTS.usage: out = decodeUsage(r); break;
    case NAS_PORTS.alert: out = decodeAlert(r); break;
    case NAS_PORTS.boot: out = decodeBoot(r); break;
    case NAS_PORTS.config: {
      const info = decodeConfig(r);
      out = { measurements: [], info: { ...info, echo: true } };
      break;
    }
    case NAS_PORTS.command: out = { measurements: [], info: { ...decodeCommand(r), echo: true } }; break;
    default:
      throw r.error('unknown-port', `fPort ${input.fPort} is not an uplink port of the UL20xx (23, 26, 50, 60, 61, 99)`, 0);
  }
  if (r.remaining > 0) throw r.error('invalid-value', `${r.remaining} unexpected byte(s) after the frame`);
  return out;
}

// ----------------------------------------------------------------------------------------------
// Encoder

function bad(detail: string): DecodeError {
  return new DecodeError('bad-command', MODEL, 0, 0, detail);
}

function intIn(v: unknown, min: number, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(`${what} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
  return v;
}

/** Address name / object / raw byte → address byte. */
export function nasAddress(a: unknown, fallback = 0xfe): number {
  if (a === undefined) return fallback;
  if (typeof a === 'number') return intIn(a, 0, 255, 'address');
  if (typeof a === 'string') {
    if (a === 'broadcast' || a === 'dali_broadcast') return 0xfe;
    if (a === 'analog' || a === 'analog_0_10v') return 0x01;
    if (a === 'all') return 0xff;
    const single = /^dali_single_(\d{1,2})$/.exec(a);
    if (single) return intIn(Number(single[1]), 0, 63, 'DALI short address') * 2;
    const group = /^dali_group_(\d{1,2})$/.exec(a);
    if (group) return 0x80 + intIn(Number(group[1]), 0, 15, 'DALI group') * 2;
  }
  if (a !== null && typeof a === 'object') {
    const o = a as Record<string, unknown>;
    if (o.short !== undefined) return intIn(o.short, 0, 63, 'DALI short address') * 2;
    if (o.group !== undefined) return 0x80 + intIn(o.group, 0, 15, 'DALI group') * 2;
  }
  throw bad(`address ${JSON.stringify(a)} is not dali_broadcast, dali_single_<0-63>, dali_group_<0-15>, analog_0_10v, all, {short}, {group} or a byte`);
}

function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function u16le(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff];
}

function hexBytes(v: unknown, length: number, what: string): number[] {
  if (typeof v !== 'string' || v.length !== 2 * length || !/^[0-9a-fA-F]+$/.test(v)) throw bad(`${what} must be ${2 * length} hexadecimal characters`);
  const out: number[] = [];
  for (let i = 0; i < length; i++) out.push(parseInt(v.substr(2 * i, 2), 16));
  return out;
}

function down(fPort: number, bytes: number[]): EncodedDownlink {
  return { fPort, bytes: Uint8Array.from(bytes) };
}

function levelOf(v: unknown, what = 'level'): number {
  return intIn(v, 0, 100, what);
}

function encodeSetLevel(c: Record<string, unknown>): EncodedDownlink {
  const targets = c.targets === undefined ? [c] : c.targets;
  if (!Array.isArray(targets) || targets.length === 0) throw bad('targets must be a non-empty array of {address, level, durationMin?}');
  const timed = (targets[0] as Record<string, unknown>).durationMin !== undefined;
  const bytes = [timed ? 0x09 : 0x01];
  for (const t of targets as Array<Record<string, unknown>>) {
    if ((t.durationMin !== undefined) !== timed) throw bad('all targets of one setLevel command have a durationMin, or none has');
    bytes.push(nasAddress(t.address), levelOf(t.level));
    if (timed) bytes.push(intIn(t.durationMin, 1, 255, 'durationMin'));
  }
  if (bytes.length > 51) throw bad('too many targets for one downlink (51 bytes at most)');
  return down(NAS_PORTS.command, bytes);
}

function parseTime(v: unknown): number {
  if (typeof v !== 'string') throw bad(`step time must be "HH:MM" (got ${JSON.stringify(v)})`);
  const m = /^(\d{1,2}):(\d{2})$/.exec(v);
  if (!m) throw bad(`step time "${v}" is not HH:MM`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[1]) > 23 || Number(m[2]) > 59 || minutes % 10 !== 0) throw bad(`step time "${v}" must be a time of day on a 10-minute boundary`);
  return minutes / 10;
}

function encodeProfile(c: Record<string, unknown>): EncodedDownlink {
  const id = intIn(c.id, 0, 7, 'profile id');
  let dayBits = 0xff;
  if (c.days !== undefined) {
    if (!Array.isArray(c.days) || c.days.length === 0) throw bad(`days must be a non-empty list of ${DAYS.join(', ')}`);
    dayBits = 0;
    for (const d of c.days) {
      const i = DAYS.indexOf(d as string);
      if (i < 0) throw bad(`day ${JSON.stringify(d)} is not one of ${DAYS.join(', ')}`);
      dayBits |= 1 << i;
    }
  }
  if (!Array.isArray(c.steps) || c.steps.length === 0 || c.steps.length > 9) throw bad('steps must hold 1 to 9 {time, level} steps');
  const bytes = [0x21, id, c.steps.length, nasAddress(c.address), dayBits, 0x00];
  for (const s of c.steps as Array<Record<string, unknown>>) {
    if (s === null || typeof s !== 'object') throw bad('a step is {time: "HH:MM", level}');
    bytes.push(parseTime(s.time), s.level === null ? 0xff : levelOf(s.level, 'step level'));
  }
  return down(NAS_PORTS.config, bytes);
}

function encodeAstro(c: Record<string, unknown>): EncodedDownlink {
  const coord = (v: unknown, limit: number, what: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > limit) throw bad(`${what} must be a number within ±${limit}`);
    return Math.round(v * 100) & 0xffff;
  };
  const steps = (v: unknown, what: string): number[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.length > 15) throw bad(`${what} must be a list of at most 15 {zenith?, level} steps`);
    const out: number[] = [];
    for (const s of v as Array<Record<string, unknown>>) {
      if (s === null || typeof s !== 'object') throw bad(`a ${what} step is {zenith?, level}`);
      const zenith = s.zenith === undefined ? 90.83 : s.zenith;
      if (typeof zenith !== 'number' || !Number.isFinite(zenith)) throw bad('zenith must be a number of degrees');
      const z = Math.round((zenith - 90) * 6);
      if (z < -128 || z > 127) throw bad(`zenith ${zenith}° is out of range (68.7° to 111.2°)`);
      out.push(z & 0xff, s.level === null ? 0xff : levelOf(s.level, 'step level'));
    }
    return out;
  };
  const sunrise = steps(c.sunrise, 'sunrise');
  const sunset = steps(c.sunset, 'sunset');
  const flag = (v: unknown, dflt: boolean, bit: number): number => {
    if (v !== undefined && typeof v !== 'boolean') throw bad('calendar flags are booleans');
    return (v ?? dflt) ? 1 << bit : 0;
  };
  const flags = flag(c.prefersMetaPos, false, 0) | flag(c.clampsProfiles, true, 1) | flag(c.clampsDig, false, 2) | flag(c.ignoreGnss, false, 3);
  return down(NAS_PORTS.config, [
    0x20, ((sunset.length / 2) << 4) | (sunrise.length / 2), flags,
    ...u16le(coord(c.latitude, 90, 'latitude')), ...u16le(coord(c.longitude, 180, 'longitude')),
    ...sunrise, ...sunset,
  ]);
}

function encodeHolidays(c: Record<string, unknown>): EncodedDownlink {
  if (!Array.isArray(c.dates) || c.dates.length > 9) throw bad('dates must be a list of at most 9 "MM-DD" dates');
  const bytes = [0x23, c.dates.length];
  for (const d of c.dates) {
    const m = typeof d === 'string' ? /^(\d{2})-(\d{2})$/.exec(d) : null;
    if (!m) throw bad(`holiday ${JSON.stringify(d)} is not "MM-DD"`);
    bytes.push(intIn(Number(m[1]), 1, 12, 'holiday month'), intIn(Number(m[2]), 1, 31, 'holiday day'));
  }
  return down(NAS_PORTS.config, bytes);
}

function encodeSyncTime(c: Record<string, unknown>): EncodedDownlink {
  let seconds = 0;
  const t = c.time;
  if (t !== undefined) {
    if (typeof t === 'number') seconds = t;
    else if (t instanceof Date) seconds = Math.floor(t.getTime() / 1000);
    else if (typeof t === 'string') seconds = Math.floor(Date.parse(t) / 1000);
    if (!Number.isInteger(seconds) || seconds < EPOCH_2015 || seconds > 0xffffffff) throw bad(`time ${JSON.stringify(t)} is not a date after 2015 (Date, ISO string or unix seconds)`);
  }
  return down(NAS_PORTS.config, [0x09, ...u32le(seconds)]);
}

function encodeMeteringAlerts(c: Record<string, unknown>): EncodedDownlink {
  const opt16 = (v: unknown, what: string): number[] => (v === undefined || v === null ? [0xff, 0xff] : u16le(intIn(v, 0, 0xfffe, what)));
  let pf = 0xff;
  if (c.minPowerFactor !== undefined && c.minPowerFactor !== null) {
    if (typeof c.minPowerFactor !== 'number' || !(c.minPowerFactor >= 0 && c.minPowerFactor <= 1)) throw bad('minPowerFactor must be a ratio from 0 to 1');
    pf = Math.round(c.minPowerFactor * 100);
  }
  return down(NAS_PORTS.config, [0x16, 0x01, ...opt16(c.minPowerW, 'minPowerW'), ...opt16(c.maxPowerW, 'maxPowerW'),
    ...opt16(c.minVoltageV, 'minVoltageV'), ...opt16(c.maxVoltageV, 'maxVoltageV'), pf]);
}

export function encodeUl20xx(command: Record<string, unknown>): EncodedDownlink {
  if (command === null || typeof command !== 'object') throw bad('a command is an object with a type');
  const c = command;
  switch (c.type) {
    case 'setLevel': return encodeSetLevel(c);
    case 'resume': return down(NAS_PORTS.command, [0x01, nasAddress(c.address), 0xff]);
    case 'requestStatus': {
      const bit = (v: unknown, dflt: boolean, b: number): number => ((v ?? dflt) ? 1 << b : 0);
      const bits = bit(c.usage, true, 0) | bit(c.status, true, 1) | bit(c.dimMap, false, 2);
      if (bits === 0) throw bad('requestStatus asks for nothing');
      return down(NAS_PORTS.command, [0x05, bits]);
    }
    case 'uploadProfile': return encodeProfile(c);
    case 'astroClock': return encodeAstro(c);
    case 'holidays': return encodeHolidays(c);
    case 'syncTime': return encodeSyncTime(c);
    case 'statusInterval': return down(NAS_PORTS.config, [0x07, ...u32le(intIn(c.seconds, 60, 0xffffffff, 'seconds'))]);
    case 'usageInterval': {
      const volt = c.mainsVoltage === undefined ? 0xff : intIn(c.mainsVoltage, 0, 254, 'mainsVoltage');
      return down(NAS_PORTS.config, [0x0b, ...u32le(intIn(c.seconds, 60, 0xffffffff, 'seconds')), volt]);
    }
    case 'meteringAlerts': return encodeMeteringAlerts(c);
    case 'multicast':
      return down(NAS_PORTS.config, [0x52, intIn(c.slot, 0, 3, 'slot'), ...hexBytes(c.devAddr, 4, 'devAddr').reverse(),
        ...hexBytes(c.nwkSKey, 16, 'nwkSKey'), ...hexBytes(c.appSKey, 16, 'appSKey')]);
    case 'fade': {
      const i = FADE_S.indexOf(c.seconds as number);
      if (i < 0) throw bad(`fade seconds must be one of ${FADE_S.join(', ')}`);
      return down(NAS_PORTS.config, [0x22, i]);
    }
    case 'fallbackLevel': return down(NAS_PORTS.config, [0x25, levelOf(c.level)]);
    case 'clearProfiles': return down(NAS_PORTS.config, [0xff, 0x21, nasAddress(c.address, 0xff)]);
    case 'clearHolidays': return down(NAS_PORTS.config, [0xff, 0x23]);
    case 'restart': return down(NAS_PORTS.dfu, [0xfe]);
    default:
      throw bad(`unknown command type ${JSON.stringify(c.type)}`);
  }
}

export const ul20xx: DeviceCodec = {
  model: MODEL,
  vendor: 'nas',
  name: 'NAS UL20xx',
  aliases: ['UL20xx', 'UL2002', 'UL2003', 'UL2014', 'UL2020', 'UL2021', 'UL2023', 'UL2024', 'UL2030', 'UL2033', 'UL2034', 'UL2053'],
  documentation: 'https://docs.nasys.no/en/lcu/payloads',
  quantities: [
    { quantity: 'light_level', unit: '%', kind: 'instant', channels: ['dali_broadcast', 'dali_single_<n>', 'dali_group_<n>', 'analog_0_10v'] },
    { quantity: 'illuminance', unit: 'lx', kind: 'instant', channels: ['light_sensor', 'd4i_light_sensor'] },
    { quantity: 'temperature', unit: 'Cel', kind: 'instant', channels: ['mcu'] },
    { quantity: 'relay_state', unit: '1', kind: 'instant', channels: ['internal_relay'] },
    { quantity: 'active_energy', unit: 'Wh', kind: 'index', channels: ['load', 'dali_single_<n>', 'dali_single_<n>_load'] },
    { quantity: 'active_power', unit: 'W', kind: 'instant', channels: ['load', 'dali_single_<n>', 'dali_single_<n>_load'] },
    { quantity: 'power_factor', unit: '1', kind: 'instant' },
    { quantity: 'voltage', unit: 'V', kind: 'instant' },
    { quantity: 'lamp_on_time', unit: 'h', kind: 'index' },
  ],
  decode: decodeUl20xx,
  encode: encodeUl20xx,
};
