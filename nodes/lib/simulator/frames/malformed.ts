/**
 * The `malformed` training scenario: the device sends frames its decoder rejects (a DecodeError), so
 * that trainers can show the error path (lorawan-decode → Catch node, msg.error naming the device and
 * the byte). The ChirpStack event around the frame stays valid JSON; only the FRMPayload is wrong.
 *
 * While the scenario is on, the device's frames alternate (on its uplink count):
 * - even uplinks, TRUNCATED: its regular frame cut to half its length (rounded up) — Netvox frames,
 *   zero-padded to 11 bytes, to their first 4 bytes — so the decoder runs out of bytes inside a field
 *   it announced (DecodeError `too-short`);
 * - odd uplinks, UNKNOWN FRAME TYPE: its regular frame with the frame-type byte replaced by a value no
 *   model of the vendor sends (DecodeError `unknown-frame`):
 *   - Netvox: report type (byte 2) 0x7E;
 *   - NAS UL20xx: packet header (byte 0) 0x7F;
 *   - Watteco: ZCL command id (byte 1) 0x7F (0x0A is a standard report);
 *   - Milesight: channel id and type (bytes 0–1) 0x7F 0x7F;
 *   - Adeunis: frame code (byte 0) 0x7F;
 *   - Kamstrup: OMS CI field (byte 0) 0x7F (0x78 expected).
 * test/lib/simulator-scenarios_spec.ts checks that every simulated model's decoder rejects both.
 */
import type { Frame } from './types';

export type MalformedKind = 'truncated' | 'unknown-frame';

/** Which malformed frame a device sends at its n-th uplink. */
export function malformedKind(uplinks: number): MalformedKind {
  return uplinks % 2 === 0 ? 'truncated' : 'unknown-frame';
}

/** Byte offsets and values that make a frame of a vendor's an unknown frame type. */
function unknownTypeBytes(model: string): Array<[offset: number, value: number]> {
  const vendor = model.split('-')[0];
  switch (vendor) {
    case 'netvox': return [[2, 0x7e]];
    case 'watteco': return [[1, 0x7f]];
    case 'milesight': return [[0, 0x7f], [1, 0x7f]];
    default: return [[0, 0x7f]]; // nas, adeunis, kamstrup
  }
}

/** The malformed version of a device's regular frame. */
export function malformedFrame(model: string, regular: Frame, kind: MalformedKind): Frame {
  if (kind === 'truncated') {
    const length = model.startsWith('netvox-') ? 4 : Math.ceil(regular.bytes.length / 2);
    return { fPort: regular.fPort, bytes: Buffer.from(regular.bytes.subarray(0, length)) };
  }
  const bytes = Buffer.from(regular.bytes);
  for (const [offset, value] of unknownTypeBytes(model)) if (offset < bytes.length) bytes[offset] = value;
  return { fPort: regular.fPort, bytes };
}
