/**
 * Store-and-forward disk queue of the writer, and its dead-letter file.
 *
 * Layout of the queue folder:
 *   seg-<12 digits>.q   append-only segment files, replayed in ascending number order (numeric,
 *                       zero-padded: never a lexical surprise), rotated at `segmentBytes`;
 *   cursor.json         where replay stands: { segment, offset } of the first unacknowledged record
 *                       (written by temp file + rename; when lost, replay starts earlier and the
 *                       idempotent writes absorb the repeats);
 * One record per batch: [u32 length of payload][u32 CRC-32 of count+payload][u32 point count][payload],
 * the payload being the JSON array of the points. Each append is followed by fsync (fdatasync), so
 * a batch the writer was told is queued survives a crash or a power cut.
 *
 * Opening scans every segment: a record that is cut short or whose CRC does not match (a crash in
 * the middle of an append) ends that segment; the bytes from there are skipped and counted
 * (`corruptRecords`, `corruptBytes`), and the last segment is truncated to its last good record so
 * appends go on cleanly. Nothing throws for a damaged file.
 *
 * Bounded: `maxPoints` and `maxBytes`. When an append goes over a bound, the oldest records are
 * dropped (Telegraf's policy) and their points counted in `droppedPoints`; the newest data is kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Point, RejectedPoint } from './types';

export interface DiskQueueOptions {
  /** Folder of the segment files (created when missing). */
  dir: string;
  /** Upper bound of queued points; default 1,000,000. */
  maxPoints?: number;
  /** Upper bound of queued bytes on disk; default 256 MiB. */
  maxBytes?: number;
  /** Size at which a new segment file is started; default 16 MiB. */
  segmentBytes?: number;
  /** fsync each append (default true; off only for benchmarks of the queue itself). */
  sync?: boolean;
}

interface RecordRef {
  segment: number;
  offset: number;
  /** Bytes on disk, header included. */
  size: number;
  points: number;
}

const HEADER = 12;
const SEGMENT_NAME = /^seg-(\d{12})\.q$/;

function segmentFile(dir: string, segment: number): string {
  return path.join(dir, `seg-${String(segment).padStart(12, '0')}.q`);
}

function crcOf(buffer: Buffer, start: number, end: number): number {
  return zlib.crc32(buffer.subarray(start, end)) >>> 0;
}

export class DiskQueue {
  readonly dir: string;
  private readonly maxPoints: number;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly sync: boolean;
  private readonly records: RecordRef[] = [];
  /** Index in `records` of the oldest record still queued. */
  private head = 0;
  private writeSegment = 1;
  private writeFd: number | undefined;
  private writeOffset = 0;
  private pointCount = 0;
  private byteCount = 0;
  /** Points dropped by the bound since the queue was opened. */
  droppedPoints = 0;
  /** Damaged records found when opening (cut short or bad CRC), and the bytes skipped. */
  corruptRecords = 0;
  corruptBytes = 0;

  constructor(options: DiskQueueOptions) {
    this.dir = options.dir;
    this.maxPoints = options.maxPoints ?? 1000000;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.segmentBytes = options.segmentBytes ?? 16 * 1024 * 1024;
    this.sync = options.sync !== false;
    fs.mkdirSync(this.dir, { recursive: true });
    this.load();
  }

  /** Points waiting in the queue. */
  get points(): number {
    return this.pointCount;
  }

  /** Records (batches) waiting in the queue. */
  get length(): number {
    return this.records.length - this.head;
  }

  /** Bytes of the waiting records on disk. */
  get bytes(): number {
    return this.byteCount;
  }

  private readCursor(): { segment: number; offset: number } {
    try {
      const cursor = JSON.parse(fs.readFileSync(path.join(this.dir, 'cursor.json'), 'utf8')) as { segment: number; offset: number };
      if (Number.isInteger(cursor.segment) && Number.isInteger(cursor.offset)) return cursor;
    } catch { /* no cursor or a damaged one: replay from the first record */ }
    return { segment: 0, offset: 0 };
  }

  private load(): void {
    const segments = fs.readdirSync(this.dir)
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const cursor = this.readCursor();
    segments.forEach((segment, index) => {
      const file = segmentFile(this.dir, segment);
      let data: Buffer;
      try {
        data = fs.readFileSync(file);
      } catch {
        return;
      }
      let offset = 0;
      while (offset < data.length) {
        const ok = offset + HEADER <= data.length && (() => {
          const length = data.readUInt32LE(offset);
          const end = offset + HEADER + length;
          return end <= data.length && crcOf(data, offset + 8, end) === data.readUInt32LE(offset + 4);
        })();
        if (!ok) {
          this.corruptRecords++;
          this.corruptBytes += data.length - offset;
          // The last segment gets appended to: cut the damaged tail off so new records follow good ones.
          if (index === segments.length - 1) fs.truncateSync(file, offset);
          break;
        }
        const length = data.readUInt32LE(offset);
        const size = HEADER + length;
        const acknowledged = segment < cursor.segment || (segment === cursor.segment && offset < cursor.offset);
        if (!acknowledged) {
          const points = data.readUInt32LE(offset + 8);
          this.records.push({ segment, offset, size, points });
          this.pointCount += points;
          this.byteCount += size;
        }
        offset += size;
      }
      if (index === segments.length - 1) {
        this.writeSegment = segment;
        this.writeOffset = offset;
      }
    });
    // Segments wholly acknowledged are removed now.
    for (const segment of segments) {
      if (segment < this.writeSegment && !this.records.some((r) => r.segment === segment)) {
        fs.rmSync(segmentFile(this.dir, segment), { force: true });
      }
    }
  }

  private openWriter(): number {
    if (this.writeFd === undefined) {
      if (this.writeOffset >= this.segmentBytes) {
        this.writeSegment++;
        this.writeOffset = 0;
      }
      this.writeFd = fs.openSync(segmentFile(this.dir, this.writeSegment), 'a');
    }
    return this.writeFd;
  }

  /**
   * Appends one batch, durably (fsync) before returning. May drop the oldest records to stay within
   * the bounds: returns the number of points dropped by this append.
   */
  append(points: readonly Point[]): number {
    if (points.length === 0) return 0;
    const payload = Buffer.from(JSON.stringify(points), 'utf8');
    const record = Buffer.allocUnsafe(HEADER + payload.length);
    record.writeUInt32LE(payload.length, 0);
    record.writeUInt32LE(points.length, 8);
    payload.copy(record, HEADER);
    record.writeUInt32LE(crcOf(record, 8, record.length), 4);
    if (this.writeFd !== undefined && this.writeOffset >= this.segmentBytes) this.closeWriter();
    const fd = this.openWriter();
    let written = 0;
    while (written < record.length) written += fs.writeSync(fd, record, written, record.length - written);
    if (this.sync) fs.fdatasyncSync(fd);
    this.records.push({ segment: this.writeSegment, offset: this.writeOffset, size: record.length, points: points.length });
    this.writeOffset += record.length;
    this.pointCount += points.length;
    this.byteCount += record.length;
    return this.enforceBounds();
  }

  private enforceBounds(): number {
    let dropped = 0;
    // Always keep the newest record, even when it alone is over a bound.
    while (this.length > 1 && (this.pointCount > this.maxPoints || this.byteCount > this.maxBytes)) {
      dropped += this.records[this.head].points;
      this.advance();
    }
    this.droppedPoints += dropped;
    if (dropped > 0) this.saveCursor();
    return dropped;
  }

  /** The oldest queued batch, or undefined when the queue is empty. A damaged record is skipped and counted. */
  peek(): Point[] | undefined {
    while (this.length > 0) {
      const ref = this.records[this.head];
      try {
        const fd = fs.openSync(segmentFile(this.dir, ref.segment), 'r');
        try {
          const buffer = Buffer.allocUnsafe(ref.size);
          fs.readSync(fd, buffer, 0, ref.size, ref.offset);
          if (crcOf(buffer, 8, ref.size) !== buffer.readUInt32LE(4)) throw new Error('bad CRC');
          return JSON.parse(buffer.toString('utf8', HEADER, ref.size)) as Point[];
        } finally {
          fs.closeSync(fd);
        }
      } catch {
        // Changed under our feet (disk error, removed file): count and go on with the next record.
        this.corruptRecords++;
        this.corruptBytes += ref.size;
        this.advance();
        this.saveCursor();
      }
    }
    return undefined;
  }

  /** Removes the oldest batch (after the database took it). */
  shift(): void {
    if (this.length === 0) return;
    this.advance();
    this.saveCursor();
  }

  private advance(): void {
    const ref = this.records[this.head];
    this.head++;
    this.pointCount -= ref.points;
    this.byteCount -= ref.size;
    const next = this.records[this.head];
    // A segment left behind is removed (but never the one being appended to).
    if ((next === undefined || next.segment !== ref.segment) && ref.segment !== this.writeSegment) {
      fs.rmSync(segmentFile(this.dir, ref.segment), { force: true });
    }
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records.splice(0, this.head);
      this.head = 0;
    }
    if (this.length === 0) {
      this.records.length = 0;
      this.head = 0;
    }
  }

  private saveCursor(): void {
    const next = this.records[this.head];
    const cursor = next ? { segment: next.segment, offset: next.offset } : { segment: this.writeSegment, offset: this.writeOffset };
    const file = path.join(this.dir, 'cursor.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(cursor));
    fs.renameSync(`${file}.tmp`, file);
  }

  private closeWriter(): void {
    if (this.writeFd !== undefined) {
      fs.closeSync(this.writeFd);
      this.writeFd = undefined;
    }
  }

  close(): void {
    this.closeWriter();
  }
}

/** Dead letters: one JSON line per refused point, `{ time, reason, point }`, appended and fsync'd. */
export class DeadLetterFile {
  count = 0;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  append(rejected: readonly RejectedPoint[]): void {
    if (rejected.length === 0) return;
    const at = new Date().toISOString();
    let text = '';
    for (const r of rejected) text += JSON.stringify({ time: at, reason: r.reason, point: r.point }) + '\n';
    const fd = fs.openSync(this.file, 'a');
    try {
      fs.writeSync(fd, text);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.count += rejected.length;
  }

  /** Every dead letter in the file (for tools and specs). */
  read(): Array<{ time: string; reason: string; point: Point }> {
    if (!fs.existsSync(this.file)) return [];
    return fs.readFileSync(this.file, 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
  }
}
