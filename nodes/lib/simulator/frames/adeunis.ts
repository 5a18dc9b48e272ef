/**
 * Adeunis devices: a frame-code byte, a status byte (bits 5–7 frame counter, bit 2 timestamp present,
 * bit 1 low battery, bit 0 configuration done), then fixed big-endian fields (devices.md §2).
 *
 * - Pulse (Pulse 4), GENUINE, checked byte for byte against the vendor example (TTN lorawan-devices,
 *   vendor/adeunis/pulse-codec.yaml): data frame 0x5A of channel A, the counter (uint32) then four
 *   differences with the previous samples (uint16) and the timestamp (seconds since 2013-01-01 UTC).
 *   The previous samples are the counters of the previous uplinks.
 * - TIC CBE Linky mono: PLACEHOLDER (frame 0x49 is a bitmap of TIC labels, left to the decoding
 *   issue): `FF` + index in Wh (uint32 BE), on fPort 1.
 */
import { DeviceState, pulseCount } from '../state';
import { FrameEncoder, placeholderFrame, u32 } from './types';

export const ADEUNIS_PORT = 1;
/** 2013-01-01T00:00:00Z, the Adeunis time origin, in unix seconds. */
export const ADEUNIS_EPOCH = 1356998400;

export interface AdeunisPulseSample {
  frameCounter: number;
  lowBattery: boolean;
  configurationDone: boolean;
  /** Counter of channel A now. */
  counter: number;
  /** Counters at the previous samples, most recent first (up to 4 are sent). */
  previous: number[];
  /** Sample time (ms); omitted from the frame when undefined. */
  time?: number;
}

export function encodeAdeunisPulseA(s: AdeunisPulseSample): Buffer {
  const status = ((s.frameCounter & 0x07) << 5) | (s.time !== undefined ? 0x04 : 0) | (s.lowBattery ? 0x02 : 0) | (s.configurationDone ? 0x01 : 0);
  const bytes = Buffer.alloc(2 + 4 + 8 + (s.time !== undefined ? 4 : 0));
  bytes[0] = 0x5a;
  bytes[1] = status;
  bytes.writeUInt32BE(u32(s.counter), 2);
  let newer = s.counter;
  for (let i = 0; i < 4; i++) {
    const older = s.previous[i] ?? newer;
    bytes.writeUInt16BE(Math.min(65535, Math.max(0, newer - older)), 6 + i * 2);
    newer = older;
  }
  if (s.time !== undefined) bytes.writeUInt32BE(u32(Math.floor(s.time / 1000) - ADEUNIS_EPOCH), 14);
  return bytes;
}

export const adeunisEncoders: FrameEncoder[] = [
  {
    model: 'adeunis-pulse',
    fidelity: 'genuine',
    encodeUplink: (s: DeviceState) => ({
      fPort: ADEUNIS_PORT,
      bytes: encodeAdeunisPulseA({
        frameCounter: s.uplinks,
        lowBattery: false,
        configurationDone: true,
        counter: pulseCount(s),
        previous: s.history.map((index) => pulseCount(s, index)),
        time: s.time,
      }),
    }),
  },
  {
    model: 'adeunis-tic-cbe-linky-mono',
    fidelity: 'placeholder',
    encodeUplink: (s: DeviceState) => placeholderFrame(ADEUNIS_PORT, s.index),
  },
];
