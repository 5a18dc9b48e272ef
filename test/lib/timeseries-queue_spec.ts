import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeadLetterFile, DiskQueue } from '../../nodes/lib/timeseries/queue';
import type { Point } from '../../nodes/lib/timeseries/types';

function batch(first: number, n: number): Point[] {
  return Array.from({ length: n }, (_, i) => ({ measurement: 'm', tags: { d: String(first + i) }, fields: { value: first + i }, time: first + i }));
}

function drain(queue: DiskQueue): number[] {
  const values: number[] = [];
  for (let b = queue.peek(); b !== undefined; b = queue.peek()) {
    values.push(...b.map((p) => p.fields.value));
    queue.shift();
  }
  return values;
}

describe('time series: disk queue', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-queue-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replays batches in order across segments, and removes consumed segments', () => {
    const queue = new DiskQueue({ dir, segmentBytes: 2000 });
    for (let i = 0; i < 20; i++) queue.append(batch(i * 10, 10));
    assert.equal(queue.points, 200);
    assert.ok(fs.readdirSync(dir).filter((f) => f.endsWith('.q')).length > 3);
    assert.deepEqual(drain(queue), Array.from({ length: 200 }, (_, i) => i));
    assert.equal(queue.points, 0);
    assert.ok(fs.readdirSync(dir).filter((f) => f.endsWith('.q')).length <= 1);
    queue.close();
  });

  it('survives a restart: acknowledged batches are not replayed, the others are', () => {
    let queue = new DiskQueue({ dir, segmentBytes: 1500 });
    for (let i = 0; i < 10; i++) queue.append(batch(i * 10, 10));
    for (let i = 0; i < 4; i++) queue.shift();
    queue.close();
    queue = new DiskQueue({ dir, segmentBytes: 1500 });
    assert.equal(queue.points, 60);
    queue.append(batch(100, 5));
    assert.deepEqual(drain(queue), Array.from({ length: 65 }, (_, i) => i + 40));
    queue.close();
    queue = new DiskQueue({ dir });
    assert.equal(queue.length, 0);
    queue.close();
  });

  it('stays within its bound by dropping the oldest batches, and counts them', () => {
    const queue = new DiskQueue({ dir, maxPoints: 100 });
    let dropped = 0;
    for (let i = 0; i < 15; i++) dropped += queue.append(batch(i * 10, 10));
    assert.equal(dropped, 50);
    assert.equal(queue.droppedPoints, 50);
    assert.equal(queue.points, 100);
    assert.deepEqual(drain(queue), Array.from({ length: 100 }, (_, i) => i + 50));
    queue.close();
    const bytes = new DiskQueue({ dir: path.join(dir, 'b'), maxBytes: 3000 });
    for (let i = 0; i < 30; i++) bytes.append(batch(i * 10, 10));
    assert.ok(bytes.bytes <= 3000 && bytes.droppedPoints > 0 && bytes.droppedPoints + bytes.points === 300);
    bytes.close();
  });

  it('skips and counts a corrupt tail (crash mid-write), then appends cleanly', () => {
    let queue = new DiskQueue({ dir });
    for (let i = 0; i < 3; i++) queue.append(batch(i * 10, 10));
    queue.close();
    const file = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.q'))!);
    const size = fs.statSync(file).size;
    // A crash in the middle of the 4th append: a header and half a payload.
    const partial = Buffer.alloc(40);
    partial.writeUInt32LE(500, 0);
    partial.writeUInt32LE(10, 8);
    fs.appendFileSync(file, partial);
    queue = new DiskQueue({ dir });
    assert.equal(queue.corruptRecords, 1);
    assert.equal(queue.corruptBytes, 40);
    assert.equal(fs.statSync(file).size, size);
    queue.append(batch(30, 10));
    assert.deepEqual(drain(queue), Array.from({ length: 40 }, (_, i) => i));
    queue.close();
    // A flipped byte inside a record: caught by the CRC.
    queue = new DiskQueue({ dir });
    queue.append(batch(0, 10));
    queue.append(batch(10, 10));
    queue.close();
    const seg = path.join(dir, fs.readdirSync(dir).filter((f) => f.endsWith('.q')).sort().pop()!);
    const data = fs.readFileSync(seg);
    data[data.length - 5] ^= 0xff;
    fs.writeFileSync(seg, data);
    queue = new DiskQueue({ dir });
    assert.equal(queue.corruptRecords, 1);
    assert.deepEqual(drain(queue), Array.from({ length: 10 }, (_, i) => i));
    queue.close();
  });

  it('keeps dead letters as JSON lines with the point and the reason', () => {
    const letters = new DeadLetterFile(path.join(dir, 'dead-letters.jsonl'));
    letters.append([{ point: batch(1, 1)[0], reason: 'field type conflict' }]);
    letters.append([{ point: batch(2, 1)[0], reason: 'beyond retention' }]);
    assert.equal(letters.count, 2);
    assert.deepEqual(letters.read().map((l) => [l.point.fields.value, l.reason]), [[1, 'field type conflict'], [2, 'beyond retention']]);
  });
});
