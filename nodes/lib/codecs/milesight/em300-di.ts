/**
 * Milesight EM300-DI (pulse counter / digital input, with temperature and humidity).
 *
 * Documentation: https://github.com/Milesight-IoT/SensorDecoders/blob/main/em-series/em300-di/README.md
 * (channel table); TLV engine in ./engine.ts.
 *
 * Covers: `01 75` battery (%) → status.batteryPercent; `03 67` temperature (i16 LE, 0.1 °C) →
 * temperature; `04 68` humidity (u8, 0.5 %) → humidity; `05 C8` pulse counter (u32 LE) →
 * pulse_count (index, raw pulses); `05 E1` water (v1.3+: water_conv, pulse_conv u16 LE in tenths,
 * water float32 LE in the configured unit) → info, and pulse_count = water × pulse_conv / water_conv
 * rounded; `05 00` GPIO level → info; `85 00` GPIO alarm → alarm `gpio_alarm`; `85 E1` water alarm →
 * alarms `water_outage_timeout` / `water_flow_timeout` (releases clear nothing, they are in info);
 * history records `20 CE` (13 bytes: u32 LE unix time, temperature, humidity, gpio type, gpio, pulse)
 * and `21 CE` (18 bytes, with alarm and water) → measurements with `time` = the record's own timestamp;
 * plus the common attribute records of ./engine.ts.
 * Not decoded: the other downlink-command echoes of channel 0xFF (alarm settings, D2D…): unknown-frame.
 */
import type { FrameReader } from '../reader';
import type { DeviceCodec } from '../types';
import { addAlarm, decodeMilesight, f32le, MilesightResult } from './engine';

const MODEL = 'milesight-em300-di';

const WATER_ALARMS = ['', 'water_outage_timeout', 'water_outage_timeout_release', 'water_flow_timeout', 'water_flow_timeout_release'] as const;

function pulses(value: number, time?: string) {
  return time === undefined
    ? { quantity: 'pulse_count', value, unit: '1', kind: 'index' as const }
    : { quantity: 'pulse_count', value, unit: '1', kind: 'index' as const, time };
}

/** Reads water_conv, pulse_conv, water; returns the pulse count (undefined when water_conv is 0). */
function water(r: FrameReader, info: Record<string, unknown>): number | undefined {
  const waterConv = r.u16le('water_conv') / 10;
  const pulseConv = r.u16le('pulse_conv') / 10;
  const water = f32le(r, 'water');
  info.waterConv = waterConv;
  info.pulseConv = pulseConv;
  info.water = water;
  if (waterConv === 0) return undefined;
  return Math.round((water * pulseConv) / waterConv);
}

function waterAlarm(code: number, out: MilesightResult): void {
  const name = code < WATER_ALARMS.length ? WATER_ALARMS[code] : '';
  out.info.waterAlarm = name || code;
  if (name === 'water_outage_timeout' || name === 'water_flow_timeout') addAlarm(out, name);
}

function history(r: FrameReader, out: MilesightResult, v2: boolean): void {
  const at = r.offset;
  const ts = r.u32le('history timestamp');
  const time = new Date(ts * 1000).toISOString();
  const temperature = r.i16le('history temperature') / 10;
  const humidity = r.u8('history humidity') / 2;
  out.measurements.push({ quantity: 'temperature', value: temperature, unit: 'Cel', kind: 'instant', time });
  out.measurements.push({ quantity: 'humidity', value: humidity, unit: '%', kind: 'instant', time });
  if (v2) r.u8('history alarm');
  const gpioType = r.u8('history gpio type');
  if (v2) {
    r.u8('history gpio');
    const info: Record<string, unknown> = {};
    const count = water(r, info);
    if (gpioType === 2 && count !== undefined) out.measurements.push(pulses(count, time));
  } else {
    r.u8('history gpio');
    const count = r.u32le('history pulse');
    if (gpioType === 2) out.measurements.push(pulses(count, time));
  }
  if (gpioType !== 1 && gpioType !== 2) throw r.error('invalid-value', `history gpio type ${gpioType} is neither 1 (gpio) nor 2 (counter)`, at + (v2 ? 8 : 7));
}

export const em300Di: DeviceCodec = {
  model: MODEL,
  vendor: 'milesight',
  name: 'Milesight EM300-DI',
  aliases: ['EM300-DI', 'EM300-DI-HALL'],
  documentation: 'https://github.com/Milesight-IoT/SensorDecoders/blob/main/em-series/em300-di/README.md',
  quantities: [
    { quantity: 'pulse_count', unit: '1', kind: 'index' },
    { quantity: 'temperature', unit: 'Cel', kind: 'instant' },
    { quantity: 'humidity', unit: '%', kind: 'instant' },
  ],
  decode: (input) => decodeMilesight(MODEL, input, (id, type, r, out) => {
    switch ((id << 8) | type) {
      case 0x0175: {
        const b = r.u8('battery');
        if (b > 100) throw r.error('invalid-value', `battery ${b} % is over 100`, r.offset - 1);
        if (!out.status) out.status = {};
        out.status.batteryPercent = b;
        return true;
      }
      case 0x0367: out.measurements.push({ quantity: 'temperature', value: r.i16le('temperature') / 10, unit: 'Cel', kind: 'instant' }); return true;
      case 0x0468: out.measurements.push({ quantity: 'humidity', value: r.u8('humidity') / 2, unit: '%', kind: 'instant' }); return true;
      case 0x0500: out.info.gpio = r.u8('gpio'); return true;
      case 0x05c8: out.measurements.push(pulses(r.u32le('pulse counter'))); return true;
      case 0x05e1: {
        const count = water(r, out.info);
        if (count !== undefined) out.measurements.push(pulses(count));
        return true;
      }
      case 0x8500: {
        out.info.gpio = r.u8('gpio');
        const alarm = r.u8('gpio alarm');
        out.info.gpioAlarm = alarm;
        if (alarm === 1) addAlarm(out, 'gpio_alarm');
        return true;
      }
      case 0x85e1: {
        const count = water(r, out.info);
        if (count !== undefined) out.measurements.push(pulses(count));
        waterAlarm(r.u8('water alarm'), out);
        return true;
      }
      case 0x20ce: history(r, out, false); return true;
      case 0x21ce: history(r, out, true); return true;
      default: return false;
    }
  }),
};
