/**
 * Adeunis devices: a frame-code byte, a status byte (bits 5–7 frame counter, bit 2 timestamp present,
 * bit 1 low battery, bit 0 configuration done), then fixed big-endian fields (devices.md §2).
 *
 * - Pulse (Pulse 4), GENUINE, checked byte for byte against the vendor example (TTN lorawan-devices,
 *   vendor/adeunis/pulse-codec.yaml): data frame 0x5A of channel A, the counter (uint32) then four
 *   differences with the previous samples (uint16) and the timestamp (seconds since 2013-01-01 UTC).
 *   The previous samples are the counters of the previous uplinks.
 * - TIC CBE Linky mono, GENUINE, checked byte for byte against the vendor example (TTN lorawan-devices,
 *   vendor/adeunis/tic-cbe-linky-mono-codec.yaml): TIC data frame 0x49 of the "CBE Linky mono"
 *   profile, 50 bytes: ADCO (12 ASCII) @2, OPTARIF (4 ASCII) @14, BASE @18, ISOUSC @22, IINST @26,
 *   IMAX @30, PAPP @34, HCHC @38, HCHP @42 (u32 BE, 0x80000000 = label absent), PTEC (4 ASCII) @46.
 *   The simulated meter has the BASE tariff: BASE = the index (Wh), PAPP = the power (VA, power
 *   factor 1), IINST = PAPP / 230 V, HCHC/HCHP absent, PTEC "TH..".
 * - TIC CBE Linky tri: the same frame for the "CBE Linky tri" profile (encodeAdeunisTicCbeTri, checked
 *   against the vendor example); no device of the sample fleet uses it.
 */
import { DeviceState, pulseCount } from '../state';
import { FrameEncoder, u32 } from './types';

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

/** Value of a TIC label absent from the meter's frame. */
export const TIC_NOT_FOUND = 0x80000000;

export interface AdeunisTicStatus {
  frameCounter: number;
  configurationDone?: boolean;
}

function ticStatus(s: AdeunisTicStatus): number {
  return ((s.frameCounter & 0x07) << 5) | (s.configurationDone ? 0x01 : 0);
}

function ticText(bytes: Buffer, offset: number, length: number, text: string | undefined): void {
  if (text !== undefined) bytes.write(text.slice(0, length), offset, 'latin1');
}

function ticValue(bytes: Buffer, offset: number, value: number | undefined): void {
  bytes.writeUInt32BE(value === undefined ? TIC_NOT_FOUND : Math.min(0x7fffffff, u32(value)), offset);
}

export interface AdeunisTicMono extends AdeunisTicStatus {
  adco: string;
  optarif: string;
  base?: number;
  isousc?: number;
  iinst?: number;
  imax?: number;
  papp?: number;
  hchc?: number;
  hchp?: number;
  ptec?: string;
}

/** TIC data frame 0x49 of the "CBE Linky mono" profile (50 bytes). */
export function encodeAdeunisTicCbeMono(t: AdeunisTicMono): Buffer {
  const bytes = Buffer.alloc(50);
  bytes[0] = 0x49;
  bytes[1] = ticStatus(t);
  ticText(bytes, 2, 12, t.adco);
  ticText(bytes, 14, 4, t.optarif);
  ticValue(bytes, 18, t.base);
  ticValue(bytes, 22, t.isousc);
  ticValue(bytes, 26, t.iinst);
  ticValue(bytes, 30, t.imax);
  ticValue(bytes, 34, t.papp);
  ticValue(bytes, 38, t.hchc);
  ticValue(bytes, 42, t.hchp);
  ticText(bytes, 46, 4, t.ptec);
  return bytes;
}

export interface AdeunisTicTri extends AdeunisTicStatus {
  adco: string;
  base?: number;
  iinst: [number?, number?, number?];
  imax: [number?, number?, number?];
  pmax?: number;
  papp?: number;
}

/** TIC data frame 0x49 of the "CBE Linky tri" profile (50 bytes). */
export function encodeAdeunisTicCbeTri(t: AdeunisTicTri): Buffer {
  const bytes = Buffer.alloc(50);
  bytes[0] = 0x49;
  bytes[1] = ticStatus(t);
  ticText(bytes, 2, 12, t.adco);
  ticValue(bytes, 14, t.base);
  for (let i = 0; i < 3; i++) ticValue(bytes, 18 + 4 * i, t.iinst[i]);
  for (let i = 0; i < 3; i++) ticValue(bytes, 30 + 4 * i, t.imax[i]);
  ticValue(bytes, 42, t.pmax);
  ticValue(bytes, 46, t.papp);
  return bytes;
}

/** A 12-digit meter address (ADCO) derived from the device EUI, stable per device. */
export function adcoOf(devEui: string): string {
  return (parseInt(devEui.slice(-10), 16) % 1e12).toString().padStart(12, '0');
}

/** The simulated TIC mono frame of a device state (BASE tariff). */
export function ticMonoState(s: DeviceState): AdeunisTicMono {
  const papp = Math.max(0, Math.round(s.rate));
  return {
    frameCounter: s.uplinks,
    configurationDone: true,
    adco: adcoOf(s.device.devEui),
    optarif: 'BASE',
    base: s.index,
    isousc: 45,
    iinst: Math.round(papp / 230),
    imax: 90,
    papp,
    ptec: 'TH..',
  };
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
    fidelity: 'genuine',
    encodeUplink: (s: DeviceState) => ({ fPort: ADEUNIS_PORT, bytes: encodeAdeunisTicCbeMono(ticMonoState(s)) }),
  },
];
