/**
 * Netvox LoRaWAN application protocol, shared by every Netvox model of this package.
 *
 * Documentation: Netvox user manuals, section "Data Report" (e.g. R718H
 * https://www.manualslib.com/manual/2961235/Netvox-R718nl3.html?page=8 for the common layout,
 * R718N3 https://www.manualslib.com/manual/3238367/Netvox-R718n3-E-Series.html?page=7 ,
 * R831D https://manualshive.com/en/manual/netvox/r831d/1675291?page=9 ).
 *
 * Format (facts from the manuals and devices.md §2):
 * - every frame is 11 bytes, integers big-endian, unused bytes are "reserved, fixed 0x00";
 * - reports on fPort 6: `[version 0x01, device type, report type, payload (8 bytes)]`; report type
 *   0x00 is the version report `[sw version (x10), hw version, date code (4 bytes BCD)]`; the battery
 *   byte, where there is one, is in 0.1 V in bits 0–6, bit 7 set = low battery;
 * - configuration on fPort 7: commands `[cmd id, device type, args…, zero padding]`, responses with
 *   cmd id | 0x80; 0x01/0x81 ConfigReportReq/Rsp (MinTime, MaxTime u16 s, model-specific change
 *   thresholds), 0x02/0x82 ReadConfigReportReq/Rsp; status byte 0x00 = success.
 *
 * This file holds the parts common to all models; each model file gives its device type, its report
 * types, its extra configuration responses and its commands. Decoding never allocates more than the
 * result objects.
 */
import type { Measurement, ReadingStatus } from '../../contracts';
import { FrameReader } from '../reader';
import { DecodedFrame, DecodeError, DecodeInput, DeviceCodec, EncodedDownlink, QuantityInfo } from '../types';

export const NETVOX_REPORT_PORT = 6;
export const NETVOX_CONFIG_PORT = 7;
export const NETVOX_FRAME_LENGTH = 11;

/** What a model's report handler fills in. */
export interface NetvoxReportResult {
  measurements: Measurement[];
  status?: ReadingStatus;
  info: Record<string, unknown>;
}

export interface NetvoxModel {
  model: string;
  name: string;
  aliases?: string[];
  documentation: string;
  /** Device-type byte(s) the model sends (second byte of every frame). */
  deviceTypes: readonly number[];
  quantities: QuantityInfo[];
  /**
   * Decodes a report of type `reportType` (not 0x00, the version report, handled here); the reader
   * stands at byte 3 (first payload byte). Throws DecodeError('unknown-frame') for a type it does not know.
   */
  report(reportType: number, r: FrameReader, out: NetvoxReportResult): void;
  /**
   * Decodes a model-specific fPort 7 response (cmd id ≥ 0x83; 0x81 and 0x82 are common, with
   * `readConfigTail` for the bytes after MinTime/MaxTime). The reader stands at byte 2. Returns false
   * for an unknown command id.
   */
  response?(cmdId: number, r: FrameReader, info: Record<string, unknown>): boolean;
  /** Model-specific fields of ReadConfigReportRsp after MinTime and MaxTime. */
  readConfigTail?(r: FrameReader, info: Record<string, unknown>): void;
  /** Model-specific ConfigReportReq fields after MinTime and MaxTime (at most 5 bytes). */
  configTail?(command: Record<string, unknown>, bytes: Uint8Array, fail: (detail: string) => never): void;
  /** Model-specific commands (other than configReport and readConfigReport); undefined = unknown type. */
  command?(type: string, command: Record<string, unknown>, bytes: Uint8Array, fail: (detail: string) => never): boolean;
}

/** Battery byte: 0.1 V in bits 0–6, bit 7 = low battery. */
export function readBattery(r: FrameReader, out: NetvoxReportResult): void {
  const b = r.u8('battery');
  const status: ReadingStatus = { batteryVoltage: (b & 0x7f) / 10 };
  if (b & 0x80) status.alarms = ['low_battery'];
  out.status = status;
}

/** Adds an alarm code to the result's status. */
export function addAlarm(out: NetvoxReportResult, code: string): void {
  if (!out.status) out.status = {};
  if (!out.status.alarms) out.status.alarms = [];
  out.status.alarms.push(code);
}

const HEX = '0123456789abcdef';

function twoHex(b: number): string {
  return HEX[b >> 4] + HEX[b & 15];
}

function versionReport(r: FrameReader, info: Record<string, unknown>): void {
  info.frame = 'version';
  info.softwareVersion = r.u8('software version') / 10;
  info.hardwareVersion = r.u8('hardware version');
  const d = r.bytesOf(4, 'date code');
  info.dateCode = twoHex(d[0]) + twoHex(d[1]) + twoHex(d[2]) + twoHex(d[3]);
}

function decodeReport(spec: NetvoxModel, r: FrameReader): DecodedFrame {
  const version = r.u8('protocol version');
  const typeOffset = r.offset;
  const deviceType = r.u8('device type');
  if (!spec.deviceTypes.includes(deviceType)) {
    throw r.error('unknown-frame', `device type 0x${twoHex(deviceType)} is not a ${spec.name}`, typeOffset);
  }
  const reportOffset = r.offset;
  const reportType = r.u8('report type');
  const out: NetvoxReportResult = { measurements: [], info: { protocolVersion: version, deviceType, reportType } };
  if (reportType === 0x00) {
    versionReport(r, out.info);
  } else {
    r.offset = reportOffset + 1;
    spec.report(reportType, r, out);
  }
  const frame: DecodedFrame = { measurements: out.measurements, info: out.info };
  if (out.status) frame.status = out.status;
  return frame;
}

function decodeResponse(spec: NetvoxModel, r: FrameReader): DecodedFrame {
  const cmdId = r.u8('command id');
  const typeOffset = r.offset;
  const deviceType = r.u8('device type');
  if (!spec.deviceTypes.includes(deviceType)) {
    throw r.error('unknown-frame', `device type 0x${twoHex(deviceType)} is not a ${spec.name}`, typeOffset);
  }
  const info: Record<string, unknown> = { cmdId, deviceType };
  if (cmdId === 0x81) {
    info.frame = 'config-report-response';
    info.success = r.u8('status') === 0;
  } else if (cmdId === 0x82) {
    info.frame = 'read-config-report-response';
    info.minTime = r.u16be('MinTime');
    info.maxTime = r.u16be('MaxTime');
    spec.readConfigTail?.(r, info);
  } else if (!spec.response || !spec.response(cmdId, r, info)) {
    throw r.error('unknown-frame', `unknown response command 0x${twoHex(cmdId)}`, 0);
  }
  return { measurements: [], info };
}

/** Decodes a Netvox uplink for a model. */
export function decodeNetvox(spec: NetvoxModel, input: DecodeInput): DecodedFrame {
  const r = new FrameReader(input.bytes, spec.model, input.fPort);
  if (input.fPort === NETVOX_REPORT_PORT) return decodeReport(spec, r);
  if (input.fPort === NETVOX_CONFIG_PORT) return decodeResponse(spec, r);
  throw r.error('unknown-port', `Netvox devices report on fPort ${NETVOX_REPORT_PORT} and answer on fPort ${NETVOX_CONFIG_PORT}`, 0);
}

/** An integer field of a command, checked against its range. */
export function intField(command: Record<string, unknown>, name: string, min: number, max: number, fail: (detail: string) => never): number {
  const v = command[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer from ${min} to ${max}`);
  return v as number;
}

/** A decimal field scaled to an integer (e.g. 0.1 V → 1), checked against the raw range. */
export function scaledField(command: Record<string, unknown>, name: string, scale: number, maxRaw: number, fail: (detail: string) => never): number {
  const v = command[name];
  const raw = typeof v === 'number' ? Math.round(v * scale) : NaN;
  if (!Number.isFinite(raw) || raw < 0 || raw > maxRaw || Math.abs(raw - (v as number) * scale) > 1e-6) {
    fail(`${name} must be a multiple of ${1 / scale} from 0 to ${maxRaw / scale}`);
  }
  return raw;
}

/** Encodes a command into an 11-byte fPort 7 frame. */
export function encodeNetvox(spec: NetvoxModel, command: Record<string, unknown>): EncodedDownlink {
  const fail = (detail: string): never => {
    throw new DecodeError('bad-command', spec.model, NETVOX_CONFIG_PORT, 0, detail);
  };
  if (command === null || typeof command !== 'object') fail('a command is an object with a "type"');
  const type = command.type;
  if (typeof type !== 'string') fail('a command needs a string "type"');
  const bytes = new Uint8Array(NETVOX_FRAME_LENGTH);
  bytes[1] = spec.deviceTypes[0];
  if (type === 'configReport') {
    bytes[0] = 0x01;
    const min = intField(command, 'minTime', 1, 65535, fail);
    const max = intField(command, 'maxTime', 1, 65535, fail);
    if (max < min) fail('maxTime must not be below minTime');
    bytes[2] = min >> 8; bytes[3] = min & 0xff;
    bytes[4] = max >> 8; bytes[5] = max & 0xff;
    spec.configTail?.(command, bytes, fail);
  } else if (type === 'readConfigReport') {
    bytes[0] = 0x02;
  } else if (!spec.command || !spec.command(type as string, command, bytes, fail)) {
    fail(`unknown command type "${String(type)}"`);
  }
  return { fPort: NETVOX_CONFIG_PORT, bytes };
}

/** Builds the DeviceCodec of a Netvox model. */
export function netvoxCodec(spec: NetvoxModel): DeviceCodec {
  return {
    model: spec.model,
    vendor: 'netvox',
    name: spec.name,
    aliases: spec.aliases,
    documentation: spec.documentation,
    quantities: spec.quantities,
    decode: (input) => decodeNetvox(spec, input),
    encode: (command) => encodeNetvox(spec, command),
  };
}

/** The error for a report type a model does not send. */
export function unknownReport(r: FrameReader, reportType: number): DecodeError {
  return r.error('unknown-frame', `unknown report type 0x${twoHex(reportType)}`, 2);
}
