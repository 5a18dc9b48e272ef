/**
 * The writer without Node-RED and without a database: batching, several writes in flight, and what
 * happens to the batches when one of them fails (nothing lost, the queue replays it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeadLetterFile, DiskQueue } from '../../nodes/lib/timeseries/queue';
import type { Point, QueryResult, TimeseriesBackend, WriteResult } from '../../nodes/lib/timeseries/types';
import { TransientWriteError } from '../../nodes/lib/timeseries/types';
import { TimeseriesWriter } from '../../nodes/lib/timeseries/writer';

function points(first: number, n: number): Point[] {
  return Array.from({ length: n }, (_, i) => ({ measurement: 'm', tags: { d: 'x' }, fields: { value: first + i }, time: first + i }));
}

/** A backend whose writes resolve when the test says so; it records every write and what is stored. */
class FakeBackend implements TimeseriesBackend {
  readonly kind = 'influxdb' as const;
  readonly calls: Array<{ batch: Point[]; resolve: () => void; reject: (err: Error) => void }> = [];
  readonly stored = new Set<number>();
  maxConcurrent = 0;
  private open = 0;
  autoResolve = false;

  write(batch: Point[]): Promise<WriteResult> {
    this.open++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.open);
    return new Promise<WriteResult>((resolve, reject) => {
      const call = {
        batch,
        resolve: () => {
          this.open--;
          for (const p of batch) this.stored.add(p.time);
          resolve({ written: batch.length, rejected: [] });
        },
        reject: (err: Error) => {
          this.open--;
          reject(err);
        },
      };
      this.calls.push(call);
      if (this.autoResolve) setImmediate(call.resolve);
    });
  }

  async query(): Promise<QueryResult> { return { series: [] }; }
  async raw(): Promise<unknown> { return null; }
  async ping(): Promise<boolean> { return true; }
  async close(): Promise<void> { /* nothing */ }
}

const tick = () => new Promise((r) => setImmediate(r));
async function until(what: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('time series: writer', () => {
  let dir: string;
  let queue: DiskQueue;
  let deadLetters: DeadLetterFile;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-writer-'));
    queue = new DiskQueue({ dir });
    deadLetters = new DeadLetterFile(path.join(dir, 'dead-letters.jsonl'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sends full batches at once and keeps the remainder for the next batch (no tiny batches)', async () => {
    const backend = new FakeBackend();
    backend.autoResolve = true;
    const writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 10, flushIntervalMs: 50 });
    for (let i = 0; i < 34; i += 2) writer.add(points(i, 2)); // 34 points, 2 at a time
    await tick();
    assert.deepEqual(backend.calls.map((c) => c.batch.length), [10, 10, 10]);
    await until(() => backend.stored.size === 34);
    assert.equal(backend.calls.length, 4);
    assert.equal(backend.calls[3].batch.length, 4);
    assert.deepEqual([...backend.stored].sort((a, b) => a - b), Array.from({ length: 34 }, (_, i) => i));
    await writer.close();
  });

  it('writeWhenIdle: writes at once while a slot is free, gathers while the slots are busy, and sends that when one frees', async () => {
    const backend = new FakeBackend();
    // A flush interval far longer than the test: only the eager path can write anything.
    const writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 100, flushIntervalMs: 60000, maxInFlight: 1, writeWhenIdle: true, idleGatherMs: 40 });
    const durable: number[] = [];
    writer.add(points(0, 1), () => durable.push(0));
    await new Promise((r) => setTimeout(r, 10));
    writer.add(points(1, 2), () => durable.push(1));
    assert.equal(backend.calls.length, 0, 'the first point waits idleGatherMs for others');
    await until(() => backend.calls.length === 1);
    assert.deepEqual(backend.calls.map((c) => c.batch.length), [3], 'the points gathered meanwhile leave together, long before the flush interval');
    for (let i = 3; i < 10; i++) writer.add(points(i, 1), () => durable.push(i));
    await tick();
    assert.equal(backend.calls.length, 1, 'no second write while the only slot is busy');
    backend.calls[0].resolve();
    await until(() => backend.calls.length === 2);
    assert.deepEqual(backend.calls[1].batch.map((p) => p.time), [3, 4, 5, 6, 7, 8, 9], 'what gathered meanwhile leaves as one batch');
    backend.calls[1].resolve();
    await until(() => durable.length === 9);
    assert.deepEqual([...backend.stored].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await writer.close();
  });

  it('without writeWhenIdle, a partial batch waits for the flush interval', async () => {
    const backend = new FakeBackend();
    const writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 100, flushIntervalMs: 150 });
    writer.add(points(0, 3));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(backend.calls.length, 0, 'nothing written before the flush interval');
    await until(() => backend.calls.length === 1);
    backend.calls[0].resolve();
    await writer.close();
  });

  it('keeps up to maxInFlight writes open, and no more', async () => {
    const backend = new FakeBackend();
    const writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 10, flushIntervalMs: 1000, maxInFlight: 3 });
    writer.add(points(0, 60));
    await tick();
    assert.equal(backend.calls.length, 3);
    assert.equal(writer.stats.pending, 60);
    backend.calls[1].resolve();
    await tick();
    assert.equal(backend.calls.length, 4);
    backend.autoResolve = true;
    for (const call of backend.calls.slice()) if (call !== backend.calls[1]) call.resolve();
    await until(() => backend.stored.size === 60);
    assert.equal(backend.maxConcurrent, 3);
    assert.equal(writer.stats.written, 60);
    await writer.close();
  });

  it('queues a batch that fails while a later one succeeds, with what waits behind it, and replays it: nothing lost', async () => {
    const backend = new FakeBackend();
    const writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 10, flushIntervalMs: 1000, maxInFlight: 2, retryMinMs: 10 });
    writer.add(points(0, 50)); // batches 0..4: two in flight, three waiting
    await tick();
    assert.equal(backend.calls.length, 2);
    backend.calls[0].reject(new TransientWriteError('InfluxDB answered 500: timeout'));
    await tick();
    assert.equal(queue.length, 4); // the failed batch, then the three that were waiting, in order
    assert.deepEqual(queue.peek()!.map((p) => p.time), Array.from({ length: 10 }, (_, i) => i));
    backend.calls[1].resolve(); // the later batch lands first
    backend.autoResolve = true;
    await until(() => queue.length === 0 && backend.stored.size === 50);
    // The replay went oldest first, one at a time, after the in-flight write had finished.
    const replayed = backend.calls.slice(2).map((c) => c.batch[0].time);
    assert.deepEqual(replayed, [0, 20, 30, 40]);
    assert.equal(writer.stats.written, 50);
    await writer.close();
  });

  it('holds new batches in memory behind a queue being replayed, and writes them after it, in order', async () => {
    for (let b = 0; b < 3; b++) queue.append(points(b * 10, 10)); // left by a previous run
    const backend = new FakeBackend();
    const writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 10, flushIntervalMs: 1000, maxInFlight: 2, retryMinMs: 10 });
    writer.start();
    writer.add(points(30, 20));
    await tick();
    assert.equal(queue.length, 3); // not appended to disk
    assert.equal(writer.stats.pending, 20);
    backend.autoResolve = true;
    backend.calls[0].resolve();
    await until(() => backend.stored.size === 50);
    assert.deepEqual(backend.calls.map((c) => c.batch[0].time), [0, 10, 20, 30, 40]);
    assert.equal(queue.length, 0);
    await writer.close();
  });

  it('appends a partial batch to disk behind the queue being replayed, after what it held', async () => {
    queue.append(points(0, 10));
    const backend = new FakeBackend();
    const writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 10, flushIntervalMs: 20, retryMinMs: 10 });
    writer.start();
    writer.add(points(10, 13)); // one full batch held, 3 points cut by the timer
    await tick();
    assert.equal(queue.length, 1);
    await until(() => queue.length === 3);
    assert.equal(writer.stats.pending, 0);
    backend.autoResolve = true;
    backend.calls[0].resolve();
    await until(() => backend.stored.size === 23);
    assert.deepEqual(backend.calls.map((c) => c.batch[0].time), [0, 10, 20]);
    await writer.close();
  });

  it('spills what it holds behind the queue to disk, in order, when the database fails during the replay', async () => {
    for (let b = 0; b < 2; b++) queue.append(points(b * 10, 10));
    const backend = new FakeBackend();
    const writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 10, flushIntervalMs: 1000, retryMinMs: 10 });
    writer.start();
    writer.add(points(20, 20));
    await tick();
    backend.calls[0].reject(new TransientWriteError('connection refused'));
    await tick();
    assert.equal(queue.length, 4);
    assert.equal(writer.stats.pending, 0);
    backend.autoResolve = true;
    await until(() => backend.stored.size === 40);
    assert.deepEqual(backend.calls.slice(1).map((c) => c.batch[0].time), [0, 10, 20, 30]);
    await writer.close();
  });

  it('close() queues what is still in flight or waiting, so the next run replays it', async () => {
    const backend = new FakeBackend();
    const writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 10, flushIntervalMs: 1000, maxInFlight: 2 });
    writer.add(points(0, 45));
    await tick();
    await writer.close(30);
    const reopened = new DiskQueue({ dir });
    assert.equal(reopened.points, 45);
    const times: number[] = [];
    for (let b = reopened.peek(); b !== undefined; b = reopened.peek()) {
      times.push(...b.map((p) => p.time));
      reopened.shift();
    }
    assert.deepEqual(times.sort((a, b) => a - b), Array.from({ length: 45 }, (_, i) => i));
    reopened.close();
  });
});
