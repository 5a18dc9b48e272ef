/**
 * Kamstrup flowIQ2200 water meter: wireless M-Bus / OMS application layer over LoRaWAN (devices.md §2),
 * CI field 0x78 (no header) then data records `DIF VIF value` (EN 13757-3), values little-endian.
 *
 * ABRIDGED: the frame holds two genuine OMS records, the date and time (DIF 0x04, VIF 0x6D, type F,
 * local time) and the volume in litres (DIF 0x04, VIF 0x13, uint32), checked against the first two
 * records of the vendor example (TTN lorawan-devices vendor/kamstrup/mbusparser.yaml, "midnight log",
 * which uses storage number 1: DIF 0x44). The real meter also sends info codes, flows, temperatures
 * and hourly profiles, which are not simulated.
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

export const kamstrupEncoders: FrameEncoder[] = [
  {
    model: 'kamstrup-flowiq2200',
    fidelity: 'abridged',
    encodeUplink: (s: DeviceState) => ({ fPort: KAMSTRUP_PORT, bytes: encodeOmsVolume(Math.floor(s.index * 1000), s.time) }),
  },
];
