/**
 * Watteco (nke Watteco) "batch reports": Huffman-coded, delta-compressed series of samples, sent on
 * fPort 125 with bit 0 of the first byte cleared.
 *
 * Documentation: http://support.nke-watteco.com/ (batch reports, "br_uncompress"), and the facts of the
 * published uncompressor (https://github.com/Watteco/Codec-Report-Batch-Javascript, read as reference only;
 * this is an independent implementation).
 *
 * Format (bits are read least-significant bit of each byte first):
 * - header byte: bits 7..4 = number of series, bit 1 = samples share one timestamp table, bit 2 = no sample
 *   after the first one of each series; then a 3-bit batch counter and 1 reserved bit;
 * - per series: tag (tag size of the model, in bits), its first timestamp (u32 seconds, or a Huffman-coded
 *   delta from the previous series' timestamp), its first value (sample type of the tag), then (when samples
 *   follow) a 2-bit coding type (0 ADLC, 1 positive, 2 negative delta) and a 2-bit Huffman table number;
 * - then the samples (common or separate timestamps), and last the batch's own relative timestamp.
 * Sample times are `recvTime - (batchTimestamp - sampleTimestamp)` seconds.
 */
import { DecodeError } from '../types';

/** Sample types of the batch format (bit widths below). */
export const ST_BL = 1;
export const ST_U4 = 2;
export const ST_I4 = 3;
export const ST_U8 = 4;
export const ST_I8 = 5;
export const ST_U16 = 6;
export const ST_I16 = 7;
export const ST_U24 = 8;
export const ST_I24 = 9;
export const ST_U32 = 10;
export const ST_I32 = 11;
export const ST_FL = 12;

const SAMPLE_BITS = [0, 1, 4, 4, 8, 8, 16, 16, 24, 24, 32, 32, 32];

/** One tag a model's batch may carry. */
export interface BatchTag {
  label: number;
  /** Step of the delta coding, in raw units. */
  resolution: number;
  sampleType: number;
  /** The raw value is divided by this. */
  divide: number;
  /** Vendor name of the series (kept in info). */
  name: string;
}

export interface BatchConfig {
  /** Tag size in bits. */
  tagSize: number;
  tags: BatchTag[];
}

export interface BatchSample {
  tag: BatchTag;
  value: number;
  /** Absolute time, ms since the epoch. */
  time: number;
}

export interface BatchResult {
  counter: number;
  samples: BatchSample[];
}

/** Huffman tables: code lengths and codes of the 16 symbols (bi = 0..15) of tables 0, 1 and 2. */
const HUFF_SIZE = [
  [2, 2, 2, 3, 4, 5, 6, 7, 8, 10, 11, 11, 11, 11, 11, 11],
  [7, 5, 4, 3, 3, 2, 2, 3, 6, 9, 9, 10, 10, 10, 11, 11],
  [4, 3, 2, 2, 2, 5, 6, 7, 8, 10, 11, 11, 11, 11, 11, 11],
];
const HUFF_CODE = [
  [0x000, 0x001, 0x003, 0x005, 0x009, 0x011, 0x021, 0x041, 0x081, 0x200, 0x402, 0x403, 0x404, 0x405, 0x406, 0x407],
  [0x06f, 0x01a, 0x00c, 0x003, 0x007, 0x002, 0x000, 0x002, 0x036, 0x1bb, 0x1b9, 0x375, 0x374, 0x370, 0x6e3, 0x6e2],
  [0x009, 0x005, 0x000, 0x001, 0x003, 0x011, 0x021, 0x041, 0x081, 0x200, 0x402, 0x403, 0x404, 0x405, 0x406, 0x407],
];
/** A symbol above this index announces a raw value instead of a delta. */
const MAX_DELTA_INDEX = 14;

interface Series {
  tag: BatchTag;
  times: number[];
  values: number[];
  codingType: number;
  codingTable: number;
}

class BitReader {
  bit = 0;
  constructor(readonly bytes: Uint8Array, readonly model: string, readonly fPort: number) {}

  error(code: 'too-short' | 'invalid-value', detail: string): DecodeError {
    return new DecodeError(code, this.model, this.fPort, Math.min(this.bit >> 3, this.bytes.length), `batch report: ${detail}`);
  }

  private need(bits: number, what: string): void {
    if (this.bit + bits > this.bytes.length * 8) throw this.error('too-short', `frame ends before ${what}`);
  }

  /** `bits` bits as an unsigned number: the first bits read are the high byte, each byte LSB first. */
  uint(bits: number, what: string): number {
    if (bits === 0) return 0;
    this.need(bits, what);
    let value = 0;
    let nbytes = Math.floor((bits - 1) / 8) + 1;
    let chunk = bits % 8 || 8;
    while (nbytes > 0) {
      let part = 0;
      for (let b = 0; b < chunk; b++) {
        const pos = this.bit++;
        if (this.bytes[pos >> 3] & (1 << (pos & 7))) part += 1 << b;
      }
      value += part * 2 ** ((nbytes - 1) * 8);
      nbytes--;
      chunk = 8;
    }
    return value;
  }

  sample(type: number, what: string): number {
    const bits = SAMPLE_BITS[type];
    if (bits === undefined || type === 0) throw this.error('invalid-value', `unknown sample type ${type} for ${what}`);
    const raw = this.uint(bits, what);
    switch (type) {
      case ST_I4: case ST_I8: case ST_I16: case ST_I24: case ST_I32:
        return raw >= 2 ** (bits - 1) ? raw - 2 ** bits : raw;
      case ST_FL: {
        const view = new DataView(new ArrayBuffer(4));
        view.setUint32(0, raw);
        const f = view.getFloat32(0);
        if (!Number.isFinite(f)) throw this.error('invalid-value', `${what} is not a finite number`);
        return f;
      }
      default:
        return raw;
    }
  }

  /** Index (0..15) of the next Huffman symbol of table `table`. */
  huffman(table: number, what: string): number {
    const sizes = HUFF_SIZE[table];
    const codes = HUFF_CODE[table];
    if (!sizes) throw this.error('invalid-value', `unknown Huffman table ${table} for ${what}`);
    for (let size = 2; size < 12; size++) {
      this.need(size, what);
      let pattern = 0;
      for (let k = 0; k < size; k++) {
        const pos = this.bit + k;
        if (this.bytes[pos >> 3] & (1 << (pos & 7))) pattern |= 1 << (size - 1 - k);
      }
      for (let j = 0; j < 16; j++) {
        if (sizes[j] === size && codes[j] === pattern) {
          this.bit += size;
          return j;
        }
      }
    }
    throw this.error('invalid-value', `no Huffman code of table ${table} matches ${what}`);
  }
}

function findSeries(config: BatchConfig, label: number, reader: BitReader): number {
  for (let i = 0; i < config.tags.length; i++) if (config.tags[i].label === label) return i;
  throw reader.error('invalid-value', `unknown tag ${label}`);
}

function timestampFromSymbol(reader: BitReader, base: number, bi: number): number {
  if (bi > MAX_DELTA_INDEX) return reader.uint(32, 'timestamp');
  if (bi > 0) return reader.uint(bi, 'timestamp delta') + base + 2 ** bi - 1;
  return base;
}

function nextTimestamp(reader: BitReader, base: number): number {
  // A zero base (first series, or a first timestamp of 0) is followed by a full u32, as the device codes it.
  if (base) return timestampFromSymbol(reader, base, reader.huffman(1, 'timestamp'));
  return reader.uint(32, 'timestamp');
}

function nextValue(reader: BitReader, s: Series, bi: number): number {
  const preceding = s.values[s.values.length - 1];
  if (bi > MAX_DELTA_INDEX) return reader.sample(s.tag.sampleType, s.tag.name);
  if (bi === 0) return preceding;
  const raw = reader.uint(bi, `${s.tag.name} delta`);
  const resolution = s.tag.resolution;
  if (s.codingType === 0) {
    return raw >= 2 ** (bi - 1) ? raw * resolution + preceding : (raw + 1 - 2 ** bi) * resolution + preceding;
  }
  if (s.codingType === 1) return (raw + 2 ** bi - 1) * resolution + preceding;
  return preceding - (raw + 2 ** bi - 1) * resolution;
}

/** Decodes a batch frame; `recvTime` (ms) dates the samples. Throws DecodeError only. */
export function decodeBatch(bytes: Uint8Array, config: BatchConfig, recvTime: number, model: string, fPort: number): BatchResult {
  const reader = new BitReader(bytes, model, fPort);
  const flag = reader.uint(8, 'batch header');
  const counter = reader.uint(3, 'batch counter');
  reader.uint(1, 'reserved bit');
  const seriesCount = flag >> 4;
  const commonTimestamp = (flag & 0x02) !== 0;
  const hasSamples = (flag & 0x04) === 0;

  const series: Array<Series | undefined> = new Array(config.tags.length);
  let current = 0;
  let first = -1;
  for (let i = 0; i < seriesCount; i++) {
    const index = findSeries(config, reader.uint(config.tagSize, 'tag'), reader);
    if (i === 0) first = index;
    current = nextTimestamp(reader, current);
    const tag = config.tags[index];
    const s: Series = { tag, times: [current], values: [reader.sample(tag.sampleType, tag.name)], codingType: 0, codingTable: 0 };
    if (hasSamples) {
      s.codingType = reader.uint(2, 'coding type');
      s.codingTable = reader.uint(2, 'coding table');
    }
    series[index] = s;
  }

  let last = current;
  if (hasSamples && seriesCount > 0) {
    if (commonTimestamp) {
      const count = reader.uint(8, 'sample count');
      const timestampCoding = reader.uint(2, 'timestamp coding');
      const times: number[] = new Array(count);
      const firstSeries = series[first] as Series;
      for (let i = 0; i < count; i++) {
        const bi = reader.huffman(timestampCoding, 'timestamp');
        if (bi > MAX_DELTA_INDEX) times[i] = reader.uint(32, 'timestamp');
        else if (i === 0) times[i] = firstSeries.times[0];
        else if (bi > 0) times[i] = reader.uint(bi, 'timestamp delta') + times[i - 1] + 2 ** bi - 1;
        else times[i] = times[i - 1];
        last = times[i];
      }
      if (count === 0) last = 0;
      for (let j = 0; j < seriesCount; j++) {
        const s = series[findSeries(config, reader.uint(config.tagSize, 'tag'), reader)];
        if (!s) throw reader.error('invalid-value', 'samples of a series the header does not announce');
        let firstNull = true;
        for (let i = 0; i < count; i++) {
          if (!reader.uint(1, 'sample presence bit')) continue;
          const bi = reader.huffman(s.codingTable, `${s.tag.name} delta`);
          if (bi === 0 && firstNull) {
            // The first unchanged value is the series' first sample, already read from the header.
            firstNull = false;
            continue;
          }
          s.values.push(nextValue(reader, s, bi));
          s.times.push(times[i]);
        }
      }
    } else {
      for (let i = 0; i < seriesCount; i++) {
        const s = series[findSeries(config, reader.uint(config.tagSize, 'tag'), reader)];
        if (!s) throw reader.error('invalid-value', 'samples of a series the header does not announce');
        const count = reader.uint(8, 'sample count');
        if (!count) continue;
        const timestampCoding = reader.uint(2, 'timestamp coding');
        for (let j = 0; j < count; j++) {
          const t = timestampFromSymbol(reader, s.times[s.times.length - 1], reader.huffman(timestampCoding, 'timestamp'));
          if (t > last) last = t;
          s.values.push(nextValue(reader, s, reader.huffman(s.codingTable, `${s.tag.name} delta`)));
          s.times.push(t);
        }
      }
    }
  }

  const batchTimestamp = nextTimestamp(reader, last);
  const samples: BatchSample[] = [];
  for (const s of series) {
    if (!s) continue;
    for (let i = 0; i < s.values.length; i++) {
      samples.push({ tag: s.tag, value: s.values[i] / s.tag.divide, time: recvTime - (batchTimestamp - s.times[i]) * 1000 });
    }
  }
  return { counter, samples };
}
