/**
 * The writer's durability callbacks (add(points, onDurable)), without Node-RED: a caller hears that its
 * points are durable only once every batch holding them was confirmed by the database or fsync'd in the
 * disk queue — the signal lorawan-mqtt-in waits for before acknowledging a message to the broker.
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

/** A backend whose writes resolve or fail when the test says so. */
class ControlledBackend implements TimeseriesBackend {
  readonly kind = 'influxdb' as const;
  readonly calls: Array<{ batch: Point[]; resolve: () => void; reject: (err: Error) => void }> = [];
  up = true;

  write(batch: Point[]): Promise<WriteResult> {
    return new Promise<WriteResult>((resolve, reject) => {
      this.calls.push({ batch, resolve: () => resolve({ written: batch.length, rejected: [] }), reject });
    });
  }

  async query(): Promise<QueryResult> { return { series: [] }; }
  async raw(): Promise<unknown> { return null; }
  async ping(): Promise<boolean> { return this.up; }
  async close(): Promise<void> { /* nothing */ }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('time series: writer durability callbacks', () => {
  let dir: string;
  let queue: DiskQueue;
  let deadLetters: DeadLetterFile;
  let writer: TimeseriesWriter | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-writer-durable-'));
    queue = new DiskQueue({ dir });
    deadLetters = new DeadLetterFile(path.join(dir, 'dead-letters.jsonl'));
  });
  afterEach(async () => {
    await writer?.close(100);
    writer = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('calls back once the database confirmed the batch, not before', async () => {
    const backend = new ControlledBackend();
    writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 4, flushIntervalMs: 20 });
    const durable: string[] = [];
    writer.add(points(0, 2), () => durable.push('a'));
    writer.add(points(2, 2), () => durable.push('b'));
    await tick();
    assert.equal(backend.calls.length, 1, 'a full batch of 4 points left at once');
    assert.deepEqual(durable, [], 'nothing is durable while the write is in flight');
    backend.calls[0].resolve();
    await tick();
    assert.deepEqual(durable, ['a', 'b']);
  });

  it('a message whose points span two batches waits for both', async () => {
    const backend = new ControlledBackend();
    writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 4, flushIntervalMs: 20, maxInFlight: 2 });
    const durable: string[] = [];
    writer.add(points(0, 3), () => durable.push('first'));
    writer.add(points(3, 3), () => durable.push('spanning')); // 1 point in batch 1, 2 in batch 2
    await new Promise((r) => setTimeout(r, 60)); // the flush timer cuts batch 2
    assert.equal(backend.calls.length, 2);
    backend.calls[1].resolve(); // the later batch lands first
    await tick();
    assert.deepEqual(durable, [], 'batch 1 is still in flight: neither message is durable');
    backend.calls[0].resolve();
    await tick();
    assert.deepEqual(durable.sort(), ['first', 'spanning']);
  });

  it('a batch the database cannot take is durable once it is in the disk queue', async () => {
    const backend = new ControlledBackend();
    writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 2, flushIntervalMs: 20, retryMinMs: 10_000 });
    let durable = 0;
    writer.add(points(0, 2), () => durable++);
    await tick();
    backend.up = false;
    backend.calls[0].reject(new TransientWriteError('connection refused'));
    await tick();
    assert.equal(durable, 1);
    assert.equal(queue.points, 2, 'the batch waits on disk');
    // While the database is down, new points go to disk at once, and are durable at once.
    writer.add(points(2, 2), () => durable++);
    await tick();
    assert.equal(durable, 2);
    assert.equal(queue.points, 4);
  });

  it('no points: durable at once; close queues what is in memory and calls back', async () => {
    const backend = new ControlledBackend();
    writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 100, flushIntervalMs: 10_000 });
    let empty = 0;
    writer.add([], () => empty++);
    assert.equal(empty, 1);
    let durable = 0;
    writer.add(points(0, 3), () => durable++);
    await tick();
    assert.equal(durable, 0);
    await writer.close(50); // the write never answers: the batch goes to the queue
    assert.equal(durable, 1);
    writer = undefined;
    const reopened = new DiskQueue({ dir });
    assert.equal(reopened.points, 3, 'the unconfirmed batch is on disk for the next start');
    reopened.close();
  });

  it('keeps working when a callback throws', async () => {
    const backend = new ControlledBackend();
    writer = new TimeseriesWriter({ backend, queue, deadLetters, batchSize: 2, flushIntervalMs: 20 });
    let after = 0;
    writer.add(points(0, 2), () => { throw new Error('boom'); });
    writer.add(points(2, 2), () => after++);
    await tick();
    backend.calls[0].resolve();
    await tick();
    backend.calls[1]?.resolve();
    await tick();
    assert.equal(after, 1);
    assert.equal(writer.stats.written, 4);
  });
});
