/**
 * The write pipeline of `timeseries-write`, without Node-RED: batches by size and time, at most
 * `maxInFlight` writes at once, a store-and-forward disk queue when the database cannot take a
 * batch, replay in order with a probe and exponential backoff, dead letters for refused points.
 *
 * Guarantee: every point given to add() is, in the end, either written (at least once: writes are
 * idempotent, so a repeat overwrites itself), dead-lettered with a reason, or counted as dropped by
 * the queue's bound. close() puts whatever is not confirmed into the queue before returning.
 *
 * Path of a batch:
 *   add() → buffer → batch (size reached, or `flushIntervalMs` after the first point)
 *     → queue empty and database up: written directly (up to maxInFlight at once; more batches
 *       wait in memory, and past `maxWaitingBatches` they spill to the disk queue);
 *     → otherwise: appended to the disk queue (fsync'd); the replay loop writes the queue's oldest
 *       batch, removes it once written, and probes the database with backoff while it is down.
 *   A batch that fails with TransientWriteError (or any unexpected error) goes to the queue.
 */
import { DeadLetterFile, DiskQueue } from './queue';
import type { Point, RejectedPoint, TimeseriesBackend } from './types';
import { TransientWriteError } from './types';

export interface WriterOptions {
  backend: TimeseriesBackend;
  queue: DiskQueue;
  deadLetters: DeadLetterFile;
  /** Points per write; default 5,000. */
  batchSize?: number;
  /** Longest wait before a partial batch is written; default 1,000 ms. */
  flushIntervalMs?: number;
  /** Concurrent writes; default 2. */
  maxInFlight?: number;
  /** Batches waiting in memory for a write slot before they spill to disk; default 20. */
  maxWaitingBatches?: number;
  /** First and longest delay between two probes of a database that is down; default 500 ms and 30 s. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Refused points (already in the dead-letter file). */
  onRejected?: (rejected: RejectedPoint[]) => void;
  /** The state changed (written, queued, database up/down, error). */
  onChange?: () => void;
  /** Points dropped by the queue's bound (oldest first). */
  onDropped?: (points: number) => void;
}

export interface WriterStats {
  /** Points the database confirmed. */
  written: number;
  /** Points in the disk queue. */
  queued: number;
  /** Points in memory (buffer, waiting and in-flight batches). */
  pending: number;
  /** Points dropped by the queue's bound. */
  dropped: number;
  /** Points refused by the database (dead letters). */
  deadLetters: number;
  /** Damaged queue records skipped. */
  corruptRecords: number;
  /** False while the database is unreachable. */
  databaseUp: boolean;
  /** Last write error, cleared by the next successful write. */
  lastError?: string;
}

export class TimeseriesWriter {
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxInFlight: number;
  private readonly maxWaitingBatches: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private buffer: Point[] = [];
  private waiting: Point[][] = [];
  private readonly inFlight = new Set<Point[]>();
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryWake: (() => void) | undefined;
  private draining = false;
  private closing = false;
  private closed = false;
  private written = 0;
  private databaseUp = true;
  private lastError: string | undefined;

  constructor(private readonly options: WriterOptions) {
    this.batchSize = options.batchSize ?? 5000;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxWaitingBatches = options.maxWaitingBatches ?? 20;
    this.retryMinMs = options.retryMinMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30000;
  }

  /** Replays what a previous run left in the queue. */
  start(): void {
    if (this.options.queue.length > 0) this.drain();
  }

  get stats(): WriterStats {
    let pending = this.buffer.length;
    for (const batch of this.waiting) pending += batch.length;
    for (const batch of this.inFlight) pending += batch.length;
    return {
      written: this.written,
      queued: this.options.queue.points,
      pending,
      dropped: this.options.queue.droppedPoints,
      deadLetters: this.options.deadLetters.count,
      corruptRecords: this.options.queue.corruptRecords,
      databaseUp: this.databaseUp,
      lastError: this.lastError,
    };
  }

  add(points: Point[]): void {
    if (this.closing) throw new Error('the writer is closed');
    for (const point of points) this.buffer.push(point);
    if (this.buffer.length >= this.batchSize) {
      this.cut();
    } else if (this.flushTimer === undefined && this.buffer.length > 0) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.cut();
      }, this.flushIntervalMs);
    }
  }

  /** Turns the buffer into batches and dispatches them. */
  private cut(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    while (this.buffer.length > 0) {
      let batch: Point[];
      if (this.buffer.length <= this.batchSize) {
        batch = this.buffer;
        this.buffer = [];
      } else {
        batch = this.buffer.slice(0, this.batchSize);
        this.buffer = this.buffer.slice(this.batchSize);
      }
      this.dispatch(batch);
    }
  }

  private dispatch(batch: Point[]): void {
    if (this.closed) return;
    if (this.draining || this.options.queue.length > 0 || !this.databaseUp) {
      this.enqueue(batch);
      this.drain();
      return;
    }
    if (this.inFlight.size < this.maxInFlight) {
      this.send(batch);
      return;
    }
    this.waiting.push(batch);
    if (this.waiting.length > this.maxWaitingBatches) {
      // The database is slower than the input: spill to disk rather than grow memory without bound.
      for (const b of this.waiting) this.enqueue(b);
      this.waiting = [];
      this.drain();
    }
  }

  private enqueue(batch: Point[]): void {
    const dropped = this.options.queue.append(batch);
    if (dropped > 0) this.options.onDropped?.(dropped);
    this.options.onChange?.();
  }

  private rejected(rejected: RejectedPoint[]): void {
    if (rejected.length === 0) return;
    this.options.deadLetters.append(rejected);
    this.options.onRejected?.(rejected);
  }

  private send(batch: Point[]): void {
    this.inFlight.add(batch);
    this.options.backend.write(batch).then(
      (result) => {
        if (!this.inFlight.delete(batch)) return; // given to the queue by close()
        this.written += result.written;
        this.databaseUp = true;
        this.lastError = undefined;
        this.rejected(result.rejected);
        this.options.onChange?.();
        this.next();
      },
      (err: unknown) => {
        if (!this.inFlight.delete(batch)) return;
        this.failed(err);
        if (this.closed) return;
        this.enqueue(batch);
        // Batches waiting for a slot follow it into the queue, in order.
        for (const b of this.waiting) this.enqueue(b);
        this.waiting = [];
        this.drain();
      },
    );
  }

  private failed(err: unknown): void {
    this.databaseUp = false;
    this.lastError = err instanceof Error ? err.message : String(err);
    if (!(err instanceof TransientWriteError)) this.lastError = `unexpected: ${this.lastError}`;
    this.options.onChange?.();
  }

  /** A write slot is free: the next waiting batch. */
  private next(): void {
    if (this.closed) return;
    while (this.waiting.length > 0 && this.inFlight.size < this.maxInFlight && this.databaseUp && this.options.queue.length === 0) {
      this.send(this.waiting.shift()!);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.retryWake = resolve;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.retryWake = undefined;
        resolve();
      }, ms);
    });
  }

  /** The replay loop: one at a time, oldest first, until the queue is empty. */
  private drain(): void {
    if (this.draining || this.closing) return;
    this.draining = true;
    void (async () => {
      let delay = this.retryMinMs;
      const queue = this.options.queue;
      while (!this.closing) {
        // In-flight direct writes finish first, so a failure among them queues before what follows.
        if (this.inFlight.size > 0) {
          await this.sleep(5);
          continue;
        }
        const batch = queue.peek();
        if (batch === undefined) break;
        if (!this.databaseUp) {
          const up = await this.options.backend.ping().catch(() => false);
          if (this.closing) break;
          if (!up) {
            await this.sleep(delay);
            delay = Math.min(delay * 2, this.retryMaxMs);
            continue;
          }
        }
        try {
          const result = await this.options.backend.write(batch);
          if (this.closing) break; // still in the queue: replayed next time (idempotent)
          queue.shift();
          this.written += result.written;
          this.databaseUp = true;
          this.lastError = undefined;
          delay = this.retryMinMs;
          this.rejected(result.rejected);
          this.options.onChange?.();
        } catch (err) {
          this.failed(err);
          if (this.closing) break;
          await this.sleep(delay);
          delay = Math.min(delay * 2, this.retryMaxMs);
        }
      }
      this.draining = false;
      if (!this.closing) this.next();
      this.options.onChange?.();
    })();
  }

  /**
   * Flushes: writes what is in memory when the database takes it within `timeoutMs`, and queues the
   * rest on disk. Nothing accepted by add() is left only in memory when this resolves.
   */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.closing) return;
    // The last partial batch still goes straight to the database when it is up and nothing is queued.
    this.cut();
    this.closing = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryWake?.();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.closed = true;
    // Unconfirmed in-flight writes are queued too: if they did land, the replay overwrites them.
    const leftovers = [...this.inFlight, ...this.waiting];
    this.inFlight.clear();
    this.waiting = [];
    for (const batch of leftovers) {
      const dropped = this.options.queue.append(batch);
      if (dropped > 0) this.options.onDropped?.(dropped);
    }
    this.options.queue.close();
  }
}
