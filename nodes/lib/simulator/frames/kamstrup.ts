/**
 * Kamstrup flowIQ2200 water meter: wireless M-Bus / OMS application layer over LoRaWAN (devices.md §2),
 * CI field 0x78 (no header) then data records `DIF VIF value` (EN 13757-3), values little-endian.
 *
 * GENUINE: the uplink is the vendor's "midnight log" frame layout (TTN lorawan-devices
 * vendor/kamstrup/mbusparser.yaml @af4ebcae), record for record: date and time (44 6D, type F),
 * volume in litres (44 13), info codes (52 FF 25; bit 2 LEAK set by the `leak` scenario), acoustic
 * leak level of the last day (42 FF 1C), minimum and maximum flow in L/h (62 3B, 52 3B), minimum and
 * maximum water temperature in °C (61 5B, 51 5B); it decodes with nodes/lib/codecs/kamstrup. The meter
 * clock is UTC there (the decoder's reading of the type F fields), so the genuine encoder writes UTC;
 * `mbusTypeF` / `encodeOmsVolume` (Europe/Paris wall clock) are kept for the older simulator spec.
 * Hourly compact profiles are not simulated.
 */
import { DeviceState } from '../state';
import { localTime } from '../time';
import { FrameEncoder, u32 } from './types';

export const KAMSTRUP_PORT = 1;

/** M-Bus date and time "type F" (4 bytes) of a local time, without the summer-time flag. */
export function mbusTypeF(ms: number): Buffer {
  const t = localTime(ms);
  const year = t.year % 100;
  const centuryBits = Math.floor((t.year - 1900) / 100) & 0x03;
  return Buffer.from([
    t.minuteOfDay % 60,
    Math.floor(t.minuteOfDay / 60) | (centuryBits << 5),
    t.day | ((year & 0x07) << 5),
    t.month | ((year >> 3) << 4),
  ]);
}

/** CI 0x78 frame with the date/time and volume records; `storage` 1 marks a logged (midnight) value. */
export function encodeOmsVolume(volumeLitres: number, time: number, storage: 0 | 1 = 0): Buffer {
  const dif = 0x04 | (storage << 6);
  const volume = Buffer.alloc(4);
  volume.writeUInt32LE(u32(volumeLitres));
  return Buffer.concat([Buffer.from([0x78, dif, 0x6d]), mbusTypeF(time), Buffer.from([dif, 0x13]), volume]);
}

/** M-Bus date and time "type F" of a UTC time (minute resolution, hundred-year field, no summer-time flag). */
export function mbusTypeFUtc(ms: number): Buffer {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const yy = year % 100;
  const century = Math.floor((year - 1900) / 100) & 0x03;
  return Buffer.from([
    d.getUTCMinutes(),
    d.getUTCHours() | (century << 5),
    d.getUTCDate() | ((yy & 0x07) << 5),
    (d.getUTCMonth() + 1) | ((yy >> 3) << 4),
  ]);
}

export interface FlowIqLog {
  /** Volume in litres. */
  volumeLitres: number;
  time: number;
  /** Info codes: bit 0 dry, 1 reverse, 2 leak, 3 burst, 4 tamper, 5 low battery, 6/7 low/high ambient temperature. */
  infoCodes: number;
  aldLastDay: number;
  minFlowLh: number;
  maxFlowLh: number;
  /** °C; null is sent as the invalid marker 0x80. */
  minWaterTemperature: number | null;
  maxWaterTemperature: number | null;
}

const u16 = (v: number): number[] => { const x = Math.max(0, Math.min(0x7fff, Math.round(v))); return [x & 0xff, x >> 8]; };
const i8 = (v: number | null): number => (v === null ? 0x80 : Math.max(-127, Math.min(127, Math.round(v))) & 0xff);

/** The "midnight log" frame of the flowIQ2200 (storage number 1 records). */
export function encodeFlowIqLog(l: FlowIqLog): Buffer {
  const volume = Buffer.alloc(4);
  volume.writeUInt32LE(u32(l.volumeLitres));
  return Buffer.concat([
    Buffer.from([0x78, 0x44, 0x6d]), mbusTypeFUtc(l.time),
    Buffer.from([0x44, 0x13]), volume,
    Buffer.from([0x52, 0xff, 0x25, ...u16(l.infoCodes)]),
    Buffer.from([0x42, 0xff, 0x1c, ...u16(l.aldLastDay)]),
    Buffer.from([0x62, 0x3b, ...u16(l.minFlowLh)]),
    Buffer.from([0x52, 0x3b, ...u16(l.maxFlowLh)]),
    Buffer.from([0x61, 0x5b, i8(l.minWaterTemperature), 0x51, 0x5b, i8(l.maxWaterTemperature)]),
  ]);
}

export function flowIqFrame(s: DeviceState): { fPort: number; bytes: Buffer } {
  const leak = s.scenarios.has('leak');
  return {
    fPort: KAMSTRUP_PORT,
    bytes: encodeFlowIqLog({
      volumeLitres: Math.floor(s.index * 1000),
      time: Math.floor(s.time / 60_000) * 60_000,
      infoCodes: leak ? 0x04 : 0x00,
      aldLastDay: leak ? 40 : 5,
      minFlowLh: leak ? s.rate * 1000 : 0,
      maxFlowLh: s.rate * 1000,
      minWaterTemperature: 11,
      maxWaterTemperature: 14,
    }),
  };
}

export const kamstrupEncoders: FrameEncoder[] = [
  {
    model: 'kamstrup-flowiq2200',
    fidelity: 'genuine',
    encodeUplink: flowIqFrame,
  },
];
