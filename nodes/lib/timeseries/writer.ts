/**
 * The write pipeline of `timeseries-write`, without Node-RED: batches by size and time, at most
 * `maxInFlight` writes at once, a store-and-forward disk queue when the database cannot take a
 * batch, replay in order with a probe and exponential backoff, dead letters for refused points.
 *
 * Guarantee: every point given to add() is, in the end, either written (at least once: writes are
 * idempotent, so a repeat overwrites itself), dead-lettered with a reason, or counted as dropped by
 * the queue's bound. close() puts whatever is not confirmed into the queue before returning.
 *
 * Durability callbacks: add(points, onDurable) calls `onDurable` once every batch holding some of those
 * points is durable — the database confirmed the write (refused points are in the dead-letter file by
 * then), or the batch was appended (fsync'd) to the disk queue. The MQTT source acknowledges a message
 * to the broker only then (nodes/lib/mqtt/settle.ts), so a process killed before that loses nothing:
 * the broker sends the message again.
 *
 * Path of a batch:
 *   add() → buffer → batch (size reached, or `flushIntervalMs` after the first point)
 *     → queue empty and database up: written directly (up to maxInFlight at once; more batches
 *       wait in memory, and past `maxWaitingBatches` they spill to the disk queue);
 *     → database down: appended to the disk queue (fsync'd); the replay loop writes the queue's
 *       oldest batch, removes it once written, and probes the database with backoff while it is down;
 *     → database up but the queue not yet empty (replay in progress): a full batch (a burst) is held
 *       in memory behind the queue (the same `maxWaitingBatches` bound, spilling to disk past it,
 *       when a partial batch comes, or when the database fails again) and written directly once the
 *       replay has emptied the queue; a partial batch (a trickle) is appended to the disk queue.
 *   A batch that fails with TransientWriteError (or any unexpected error) goes to the queue.
 *
 * Several writes in flight (`maxInFlight`, 2 by default, up to 8 from the node) and order. Batches
 * are *sent* in the order their points were added; with more than one in flight they may *land* in
 * another order, and when one fails transiently while a later one succeeds, the failed one (and every
 * batch waiting behind it, in order) goes to the disk queue and is replayed after the later one was
 * stored. This is safe, and the end state of the database is the same as a strictly serial writer's,
 * because (reliability.md §1.2):
 *   - a point is identified by measurement + tags + timestamp, and the timestamp is the network
 *     server's (Reading.time), never the time of the write: writing a batch late, or twice, stores
 *     the same points at the same times, and InfluxDB overwrites a point with itself;
 *   - batches hold disjoint uplinks (each point is added once), and for the same uplink the same
 *     fields carry the same values (deterministic decoding), so no later batch holds a *different*
 *     value for a field that an earlier, replayed batch would put back. (A flow that re-sends the
 *     same series and time with a corrected value is the one case where arrival order matters; it
 *     should use maxInFlight = 1.)
 *   - an unconfirmed write (timeout, reset) may have been stored: replaying it overwrites itself.
 * While the queue holds anything, new batches go behind it and the queue is replayed one batch at a
 * time, oldest first, and only once no direct write is in flight: what the disk queue holds keeps its
 * order. The only reordering is among batches that were in flight together: if a second one of them
 * fails after the first failure, it is queued behind the batches that were waiting for a slot. The
 * reasoning above is what makes that harmless.
 */
import { DeadLetterFile, DiskQueue } from './queue';
import type { Point, RejectedPoint, TimeseriesBackend } from './types';
import { TransientWriteError } from './types';

/** One add() call waiting for its batches: `batches` of them are not durable yet. */
interface Durability {
  batches: number;
  onDurable: () => void;
}

export interface WriterOptions {
  backend: TimeseriesBackend;
  queue: DiskQueue;
  deadLetters: DeadLetterFile;
  /** Points per write; default 5,000. */
  batchSize?: number;
  /** Longest wait before a partial batch is written; default 1,000 ms. */
  flushIntervalMs?: number;
  /** Concurrent direct writes (the replay of the disk queue is always one at a time); default 2. */
  maxInFlight?: number;
  /**
   * Write as soon as a write slot is free instead of waiting for a full batch or the flush interval: under
   * load, points gather while the slots are busy and leave together when one frees (batches size
   * themselves to the load); a lone point leaves after `idleGatherMs`. Default false (batch by size and time only).
   */
  writeWhenIdle?: boolean;
  /**
   * writeWhenIdle: how long the first point waits for others before a write to an idle database; default
   * 10 ms. Without it, a moderate steady rate (2,000 uplinks/s) made one request per handful of points and
   * cost several times the CPU per uplink of a burst (measured in the soak).
   */
  idleGatherMs?: number;
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
  /** Callers waiting for the points now in `buffer`, and for each batch cut from it. */
  private bufferWaiters: Durability[] = [];
  private readonly waitersOf = new Map<Point[], Durability[]>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly writeWhenIdle: boolean;
  private readonly idleGatherMs: number;
  /** An eager cut is scheduled (writeWhenIdle): one at a time, not one per point. */
  private eagerCut: NodeJS.Timeout | undefined;
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
    this.writeWhenIdle = options.writeWhenIdle ?? false;
    this.idleGatherMs = Math.max(0, options.idleGatherMs ?? 10);
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

  /**
   * Takes points to write. `onDurable`, when given, is called once all of them are durable (see the
   * header); at once when there are none. It is never called for points accepted before a failure of
   * the disk queue itself (the caller's timeout covers that).
   */
  add(points: Point[], onDurable?: () => void): void {
    if (this.closing) throw new Error('the writer is closed');
    let waiter: Durability | undefined;
    if (onDurable !== undefined) {
      if (points.length === 0) {
        onDurable();
        return;
      }
      waiter = { batches: 1, onDurable };
      this.bufferWaiters.push(waiter);
    }
    let cut = false;
    const last = points.length - 1;
    for (let i = 0; i <= last; i++) {
      this.buffer.push(points[i]);
      if (this.buffer.length >= this.batchSize) {
        // A full batch leaves at once; what follows starts the next batch (never a batch of the
        // remainder alone: that would cost a request and a write slot for a handful of points).
        const batch = this.buffer;
        this.buffer = [];
        cut = true;
        this.attachWaiters(batch);
        if (waiter !== undefined && i < last) {
          // The rest of these points goes into the next batch: wait for that one too.
          waiter.batches++;
          this.bufferWaiters.push(waiter);
        }
        this.dispatch(batch);
      }
    }
    if (cut && this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.buffer.length > 0) this.cutWhenIdle(this.idleGatherMs);
    if (this.flushTimer === undefined && this.buffer.length > 0) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.cut();
      }, this.flushIntervalMs);
    }
  }

  /** True when a batch cut now would be written directly (a free slot, nothing queued or replaying). */
  private canWriteNow(): boolean {
    return this.inFlight.size < this.maxInFlight && this.waiting.length === 0 && this.databaseUp
      && !this.draining && this.options.queue.length === 0 && !this.closing;
  }

  /**
   * writeWhenIdle: cuts the buffer `delayMs` from now (the points that come meanwhile leave together; 0:
   * once the current turn of the event loop is over), if a slot is still free then.
   */
  private cutWhenIdle(delayMs: number): void {
    if (!this.writeWhenIdle || this.eagerCut !== undefined || !this.canWriteNow()) return;
    this.eagerCut = setTimeout(() => {
      this.eagerCut = undefined;
      if (this.buffer.length > 0 && this.canWriteNow()) this.cut();
    }, delayMs);
  }

  /** Turns the whole buffer into batches (the last one partial) and dispatches them. */
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
        this.attachWaiters(batch);
      } else {
        batch = this.buffer.slice(0, this.batchSize);
        this.buffer = this.buffer.slice(this.batchSize);
        // Not knowing which caller's points fall in which slice, every caller waits for every slice.
        if (this.bufferWaiters.length > 0) {
          for (const waiter of this.bufferWaiters) waiter.batches++;
          this.waitersOf.set(batch, [...this.bufferWaiters]);
        }
      }
      this.dispatch(batch);
    }
  }

  /** The callers waiting for the buffer now wait for this batch cut from it. */
  private attachWaiters(batch: Point[]): void {
    if (this.bufferWaiters.length === 0) return;
    this.waitersOf.set(batch, this.bufferWaiters);
    this.bufferWaiters = [];
  }

  /** A batch is durable (written, or on disk): the callers waiting only for it are told. */
  private durable(batch: Point[]): void {
    const waiters = this.waitersOf.get(batch);
    if (waiters === undefined) return;
    this.waitersOf.delete(batch);
    for (const waiter of waiters) {
      if (--waiter.batches === 0) {
        try {
          waiter.onDurable();
        } catch {
          // A caller's callback must not break the write pipeline.
        }
      }
    }
  }

  private dispatch(batch: Point[]): void {
    if (this.closed) return;
    if (!this.databaseUp) {
      // The database is down: on disk at once, whatever its outage lasts.
      this.enqueue(batch);
      this.drain();
      return;
    }
    if (this.draining || this.options.queue.length > 0) {
      if (batch.length >= this.batchSize) {
        // A burst behind the queue being replayed: full batches are held in memory like batches
        // waiting for a write slot (same bound), and sent once the replay has emptied the queue.
        // Writing each to disk only to read it back a moment later costs a JSON round trip and an
        // fsync per batch, serially, and slows the replay down when it matters most.
        this.hold(batch);
      } else {
        // A trickle (a partial batch, cut by the timer) goes to disk at once as before, so a long
        // replay never keeps minutes of data in memory only; what is held goes first, in order.
        this.spillWaiting();
        this.enqueue(batch);
      }
      this.drain();
      return;
    }
    if (this.inFlight.size < this.maxInFlight) {
      this.send(batch);
      return;
    }
    this.hold(batch);
  }

  /** A batch waits in memory, after every other waiting batch; past `maxWaitingBatches` they all spill to disk. */
  private hold(batch: Point[]): void {
    this.waiting.push(batch);
    if (this.waiting.length > this.maxWaitingBatches) {
      // The database is slower than the input: spill to disk rather than grow memory without bound.
      this.spillWaiting();
      this.drain();
    }
  }

  /** The waiting batches go to the disk queue, in order (behind what it holds: they are newer). */
  private spillWaiting(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const b of waiting) this.enqueue(b);
  }

  private enqueue(batch: Point[]): void {
    const dropped = this.options.queue.append(batch);
    this.durable(batch);
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
        this.durable(batch);
        this.options.onChange?.();
        this.next();
        // A slot is free: what gathered while the slots were busy leaves now (writeWhenIdle).
        if (this.buffer.length > 0) this.cutWhenIdle(0);
      },
      (err: unknown) => {
        if (!this.inFlight.delete(batch)) return;
        this.failed(err);
        if (this.closed) return;
        this.enqueue(batch);
        // Batches waiting for a slot follow it into the queue, in order.
        this.spillWaiting();
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
          // The database is down: what waits in memory behind the queue goes to disk too, in order.
          this.spillWaiting();
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
    if (this.eagerCut !== undefined) clearTimeout(this.eagerCut);
    this.eagerCut = undefined;
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
      this.durable(batch);
      if (dropped > 0) this.options.onDropped?.(dropped);
    }
    this.options.queue.close();
  }
}
