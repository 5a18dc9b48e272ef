/**
 * Milesight channel TLV, shared by the Milesight models of this package.
 *
 * Documentation: https://github.com/Milesight-IoT/SensorDecoders (per-model README tables, e.g.
 * em-series/em300-di/README.md, ws-series/ws558/README.md); devices.md §2 and §6.
 *
 * Format: on fPort 85, repeated records `[channel id, channel type, value]`, values little-endian,
 * value length fixed by (id, type). Channel id 0xFF (and 0xFE) carries device attributes and
 * downlink-command echoes; this engine decodes the common ones (IPSO/hardware/firmware/TSL version,
 * serial number, LoRaWAN class, reset event, device status, report interval, reboot and status-request
 * echoes) into `info`; each model adds its own records. An unknown (id, type) ends decoding with
 * DecodeError 'unknown-frame' at the record's offset: its length cannot be known, so the rest of the
 * frame cannot be read safely.
 */
import { FrameReader } from '../reader';
import type { Measurement, ReadingStatus } from '../../contracts';
import { DecodedFrame, DecodeInput } from '../types';

export const MILESIGHT_PORT = 85;

export interface MilesightResult {
  measurements: Measurement[];
  status?: ReadingStatus;
  info: Record<string, unknown>;
}

/**
 * A model's record handler: reads the value of record (id, type) and returns true, or returns false
 * for a record it does not know. The reader stands on the first value byte.
 */
export type RecordHandler = (id: number, type: number, r: FrameReader, out: MilesightResult, recvTime: Date) => boolean;

function version(major: number, minor: number): string {
  return `v${major}.${minor}`;
}

const HEX = '0123456789abcdef';

/** The common attribute records of channel 0xFF / 0xFE. */
function attribute(type: number, r: FrameReader, info: Record<string, unknown>): boolean {
  switch (type) {
    case 0x01: { const v = r.u8('IPSO version'); info.ipsoVersion = version(v >> 4, v & 15); return true; }
    case 0x09: { const a = r.u8('hardware version'); const b = r.u8('hardware version'); info.hardwareVersion = version(a, b >> 4); return true; }
    case 0x0a: { const a = r.u8('firmware version'); const b = r.u8('firmware version'); info.firmwareVersion = version(a, b); return true; }
    case 0xff: { const a = r.u8('TSL version'); const b = r.u8('TSL version'); info.tslVersion = version(a, b); return true; }
    case 0x16: {
      const sn = r.bytesOf(8, 'serial number');
      let s = '';
      for (let i = 0; i < 8; i++) s += HEX[sn[i] >> 4] + HEX[sn[i] & 15];
      info.serialNumber = s;
      return true;
    }
    case 0x0f: { const c = r.u8('LoRaWAN class'); info.lorawanClass = c < 4 ? ['A', 'B', 'C', 'CtoB'][c] : c; return true; }
    case 0xfe: r.u8('reset event'); info.resetEvent = true; return true;
    case 0x0b: r.u8('device status'); info.deviceStatus = 'on'; return true;
    case 0x03: info.reportIntervalS = r.u16le('report interval'); return true;
    case 0x02: info.collectionIntervalS = r.u16le('collection interval'); return true;
    case 0x10: r.u8('reboot'); info.reboot = true; return true;
    case 0x28: r.u8('status request'); info.statusRequest = true; return true;
    default: return false;
  }
}

/** Adds an alarm code (once) to the result's status. */
export function addAlarm(out: MilesightResult, code: string): void {
  if (!out.status) out.status = {};
  if (!out.status.alarms) out.status.alarms = [];
  if (!out.status.alarms.includes(code)) out.status.alarms.push(code);
}

/** Decodes a Milesight TLV uplink with a model's record handler. */
export function decodeMilesight(model: string, input: DecodeInput, handler: RecordHandler): DecodedFrame {
  const r = new FrameReader(input.bytes, model, input.fPort);
  if (input.fPort !== MILESIGHT_PORT) throw r.error('unknown-port', `Milesight devices report on fPort ${MILESIGHT_PORT}`, 0);
  if (input.bytes.length === 0) throw r.error('too-short', 'empty frame', 0);
  const out: MilesightResult = { measurements: [], info: {} };
  while (r.remaining > 0) {
    const at = r.offset;
    const id = r.u8('channel id');
    const type = r.u8('channel type');
    const known = (id === 0xff || id === 0xfe) ? attribute(type, r, out.info) || handler(id, type, r, out, input.recvTime) : handler(id, type, r, out, input.recvTime);
    if (!known) throw r.error('unknown-frame', `unknown channel 0x${HEX[id >> 4]}${HEX[id & 15]} type 0x${HEX[type >> 4]}${HEX[type & 15]}`, at);
  }
  const frame: DecodedFrame = { measurements: out.measurements, info: out.info };
  if (out.status) frame.status = out.status;
  return frame;
}

/** IEEE 754 single precision, little-endian; throws 'invalid-value' for NaN or infinity. */
export function f32le(r: FrameReader, what: string): number {
  const at = r.offset;
  const b = r.bytesOf(4, what);
  const bits = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  const sign = bits >>> 31 ? -1 : 1;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) throw r.error('invalid-value', `${what} is not a finite number`, at);
  if (exponent === 0) return sign * mantissa * 2 ** -149;
  return sign * (1 + mantissa / 0x800000) * 2 ** (exponent - 127);
}
