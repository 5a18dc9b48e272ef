/**
 * A bounds-checked cursor over frame bytes, shared by every decoder: reading past the end throws a
 * DecodeError naming the model, port and offset, so a truncated frame can never become a wrong value
 * or a RangeError.
 */
import { DecodeError, DecodeErrorCode } from './types';

export class FrameReader {
  offset = 0;

  constructor(readonly bytes: Uint8Array, readonly model: string, readonly fPort: number) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** A DecodeError at the current offset (or the given one). */
  error(code: DecodeErrorCode, detail: string, offset = this.offset): DecodeError {
    return new DecodeError(code, this.model, this.fPort, offset, detail);
  }

  /** Throws 'too-short' unless `length` more bytes are available; `what` names the field. */
  need(length: number, what: string): void {
    if (this.offset + length > this.bytes.length) {
      throw this.error('too-short', `frame ends before ${what} (${length} byte${length > 1 ? 's' : ''} needed, ${this.remaining} left)`);
    }
  }

  skip(length: number, what: string): void {
    this.need(length, what);
    this.offset += length;
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset++];
  }

  i8(what: string): number {
    const v = this.u8(what);
    return v > 0x7f ? v - 0x100 : v;
  }

  /** Unsigned big-endian (byte order 'be') or little-endian ('le') integer of 1 to 6 bytes. */
  uint(length: number, order: 'be' | 'le', what: string): number {
    this.need(length, what);
    let value = 0;
    for (let i = 0; i < length; i++) {
      const byte = this.bytes[this.offset + (order === 'be' ? i : length - 1 - i)];
      value = value * 256 + byte;
    }
    this.offset += length;
    return value;
  }

  /** Two's-complement signed integer of 1 to 6 bytes. */
  int(length: number, order: 'be' | 'le', what: string): number {
    const value = this.uint(length, order, what);
    const limit = 2 ** (8 * length - 1);
    return value >= limit ? value - 2 * limit : value;
  }

  u16be(what: string): number { return this.uint(2, 'be', what); }
  u16le(what: string): number { return this.uint(2, 'le', what); }
  u32be(what: string): number { return this.uint(4, 'be', what); }
  u32le(what: string): number { return this.uint(4, 'le', what); }
  i16be(what: string): number { return this.int(2, 'be', what); }
  i16le(what: string): number { return this.int(2, 'le', what); }
  i32be(what: string): number { return this.int(4, 'be', what); }
  i32le(what: string): number { return this.int(4, 'le', what); }

  bytesOf(length: number, what: string): Uint8Array {
    this.need(length, what);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** ASCII text of `length` bytes (TIC labels and values). */
  ascii(length: number, what: string): string {
    return String.fromCharCode(...this.bytesOf(length, what));
  }
}

/** Hex string (any case, optional spaces) → bytes; throws a plain Error naming the bad character. */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`"${hex}" is not an even-length hexadecimal string`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(2 * i, 2), 16);
  return out;
}
