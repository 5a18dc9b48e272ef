/**
 * Adeunis fixed frames, shared by the Adeunis models of this package.
 *
 * Documentation: Adeunis technical reference manuals, e.g. PULSE V4
 * https://www.manualslib.com/manual/2194945/Adeunis-Rf-Pulse-V4.html (section 2 "Radio protocol",
 * 2.1 "Status byte"); devices.md §2.
 *
 * Format: LoRaWAN frames on fPort 1, `[frame code, status byte, fields…]`, integers big-endian
 * ("MSB first"). Status byte: bits 5–7 frame counter (0–7), bits 3–4 application flags (per product),
 * bit 2 hardware error (or, on the PULSE V4 data frames, "timestamp present"), bit 1 low battery,
 * bit 0 configuration done. Time stamps count seconds from 2013-01-01T00:00:00Z.
 * Common frames: 0x20 network configuration (LoRaWAN: ADR bit 0, provisioning mode byte 3),
 * 0x33 set-register status → info.
 */
import type { Measurement, ReadingStatus } from '../../contracts';
import { FrameReader } from '../reader';
import { DecodedFrame, DecodeInput } from '../types';

export const ADEUNIS_PORT = 1;
/** 2013-01-01T00:00:00Z in unix seconds. */
export const ADEUNIS_EPOCH = 1356998400;

export interface AdeunisResult {
  measurements: Measurement[];
  status?: ReadingStatus;
  info: Record<string, unknown>;
}

/** A model's frame handler: reader after the status byte; false for a frame code it does not know. */
export type FrameHandler = (code: number, status: number, r: FrameReader, out: AdeunisResult) => boolean;

export function addAlarm(out: AdeunisResult, code: string): void {
  if (!out.status) out.status = {};
  if (!out.status.alarms) out.status.alarms = [];
  if (!out.status.alarms.includes(code)) out.status.alarms.push(code);
}

/** An Adeunis time stamp (u32 BE) as an ISO string. */
export function adeunisTime(r: FrameReader, what: string): string {
  return new Date((r.u32be(what) + ADEUNIS_EPOCH) * 1000).toISOString();
}

const REGISTER_STATUS = ['', 'success', 'success_no_update', 'error_coherency', 'error_invalid_register', 'error_invalid_value', 'error_truncated_value', 'error_access_not_allowed'] as const;

function common(code: number, r: FrameReader, out: AdeunisResult): boolean {
  if (code === 0x20) {
    out.info.frame = 'network-configuration';
    out.info.adr = (r.u8('network options') & 0x01) === 1;
    out.info.provisioning = r.u8('provisioning mode') === 0 ? 'ABP' : 'OTAA';
    return true;
  }
  if (code === 0x33) {
    out.info.frame = 'set-register-status';
    const s = r.u8('request status');
    out.info.requestStatus = s > 0 && s < REGISTER_STATUS.length ? REGISTER_STATUS[s] : 'error_other_reason';
    out.info.register = r.u16be('register id');
    return true;
  }
  return false;
}

/** Decodes an Adeunis uplink with a model's frame handler. */
export function decodeAdeunis(model: string, input: DecodeInput, handler: FrameHandler): DecodedFrame {
  const r = new FrameReader(input.bytes, model, input.fPort);
  if (input.fPort !== ADEUNIS_PORT) throw r.error('unknown-port', `Adeunis devices send on fPort ${ADEUNIS_PORT}`, 0);
  const code = r.u8('frame code');
  const status = r.u8('status byte');
  const out: AdeunisResult = { measurements: [], info: { frameCode: code, frameCounter: status >> 5, configurationDone: (status & 1) === 1 } };
  if (status & 0x02) addAlarm(out, 'low_battery');
  if (!handler(code, status, r, out) && !common(code, r, out)) {
    throw r.error('unknown-frame', `unknown frame code 0x${code.toString(16).padStart(2, '0')}`, 0);
  }
  const frame: DecodedFrame = { measurements: out.measurements, info: out.info };
  if (out.status) frame.status = out.status;
  return frame;
}
