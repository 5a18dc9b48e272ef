/**
 * The contract every native decoder follows (pure code, no Node-RED import). A codec turns the bytes
 * of one uplink into canonical measurements (DESIGN §4 quantities and units) and device status, and,
 * where the device takes commands, encodes downlinks.
 */
import type { Measurement, MeasurementKind, ReadingStatus } from '../contracts';

export interface DecodeInput {
  bytes: Uint8Array;
  fPort: number;
  /** Network-server time of the uplink: batch/history frames date their samples from it. */
  recvTime: Date;
}

export interface DecodedFrame {
  measurements: Measurement[];
  status?: ReadingStatus;
  /**
   * What the frame says that is not a measurement (configuration echo, firmware version, frame type…),
   * kept for technicians and the CLI; never stored as time series.
   */
  info?: Record<string, unknown>;
}

/** One quantity a model can report (for `lorawan-decode --list` and the editor). */
export interface QuantityInfo {
  quantity: string;
  unit: string;
  kind: MeasurementKind;
  /** Channels it may carry (TIC index names, phases, inputs, DALI addresses…), when known. */
  channels?: string[];
}

/** A downlink ready for the network server. */
export interface EncodedDownlink {
  fPort: number;
  bytes: Uint8Array;
}

export interface DeviceCodec {
  /** Stable model id, the one in data/devices.csv (`watteco-ticso`, `nas-ul20xx`…). */
  model: string;
  vendor: string;
  /** Commercial name (`Watteco TIC'SO`). */
  name: string;
  /** Other names a ChirpStack device-profile name or `model` tag may use (`TICSO`, `UL2030`…), matched case-insensitively. */
  aliases?: string[];
  /** URL of the public documentation of the frame format. */
  documentation: string;
  quantities: QuantityInfo[];
  /** Throws DecodeError (never anything else) when the frame cannot be decoded. */
  decode(input: DecodeInput): DecodedFrame;
  /**
   * Encodes a command for devices that take downlinks; `command` is the codec's own documented
   * shape (e.g. `{ type: 'setLevel', address: 'broadcast', level: 50 }`). Throws DecodeError on a bad command.
   */
  encode?(command: Record<string, unknown>): EncodedDownlink;
}

export type DecodeErrorCode =
  | 'too-short'        // the frame ends before a field it announces
  | 'unknown-port'     // the model sends nothing on this fPort
  | 'unknown-frame'    // frame type / command / cluster not understood
  | 'invalid-value'    // a field holds a value outside its documented range
  | 'bad-command';     // encode: the command is not understood

/** Every decoding failure: names the model, the port and the byte offset where it went wrong. */
export class DecodeError extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    readonly model: string,
    readonly fPort: number,
    readonly offset: number,
    detail: string,
  ) {
    super(`${model}: ${detail} (fPort ${fPort}, byte ${offset})`);
    this.name = 'DecodeError';
  }
}
