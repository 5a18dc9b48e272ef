/**
 * Frame encoders: what a simulated device puts in its LoRaWAN FRMPayload.
 *
 * Each model has one encoder. `fidelity` says how far its bytes can be trusted:
 * - `genuine`: the vendor's documented format, checked byte for byte against vendor example frames
 *   (test/lib/simulator_spec.ts); a real decoder reads them;
 * - `abridged`: genuine records of the vendor format, but fewer of them than the real device sends;
 * - `placeholder`: not the vendor format. Deterministic, on fPort > 0, carrying the index as
 *   `0xFF` + uint32 big-endian, so that dashboards show something until the decoding issue writes the
 *   genuine encoding.
 */
import type { DeviceState, Scenario } from '../state';

export type Fidelity = 'genuine' | 'abridged' | 'placeholder';

export interface Frame {
  fPort: number;
  bytes: Buffer;
}

export interface FrameEncoder {
  /** Model id, as in the fleet file's `model` column. */
  readonly model: string;
  readonly fidelity: Fidelity;
  /** LoRaWAN class the device runs in (lighting controllers: C). */
  readonly deviceClass?: 'A' | 'C';
  encodeUplink(state: DeviceState): Frame;
  /**
   * Frames the device sends at once when a training scenario starts (e.g. the NAS DALI driver alert
   * of a lamp failure); called after the scenario is set on the state.
   */
  scenarioFrames?(state: DeviceState, scenario: Scenario): Frame[];
}

/** What a controller did with a downlink, and the frames it answers with (built after the state changed). */
export interface DownlinkOutcome {
  applied: boolean;
  /** What the command meant, or why it was not applied (English, for logs and the debug sidebar). */
  description: string;
  answers: Array<(state: DeviceState) => Frame>;
}

/** A device that takes commands: the simulated lighting controllers. */
export interface CommandableEncoder extends FrameEncoder {
  applyDownlink(state: DeviceState, fPort: number, bytes: Buffer): DownlinkOutcome;
}

export function isCommandable(encoder: FrameEncoder): encoder is CommandableEncoder {
  return typeof (encoder as CommandableEncoder).applyDownlink === 'function';
}

export function notApplied(description: string): DownlinkOutcome {
  return { applied: false, description, answers: [] };
}

/** The placeholder frame: version byte 0xFF, then the value as uint32 big-endian. */
export function placeholderFrame(fPort: number, value: number): Frame {
  const bytes = Buffer.alloc(5);
  bytes[0] = 0xff;
  bytes.writeUInt32BE(Math.max(0, Math.round(value)) >>> 0, 1);
  return { fPort, bytes };
}

/** Unsigned 32-bit wrap, as a meter register does. */
export function u32(value: number): number {
  return Math.floor(value) >>> 0;
}
