/**
 * Robustness of every native decoder: 100,000 random and mutated frames each (truncation, extension,
 * bit flips of the golden frames, random bytes and ports). No exception other than DecodeError may
 * escape, every DecodeError names model, port and byte offset, no value is NaN or infinite, and no
 * call takes over 5 ms.
 */
import assert from 'node:assert/strict';
import { catalog, DecodeError, DeviceCodec } from '../../nodes/lib/codecs';
import { hexToBytes } from '../../nodes/lib/codecs/reader';
import { DEFAULT_RECV_TIME, goldenFiles } from '../support/golden';

const FRAMES_PER_CODEC = 100_000;
const MAX_CALL_MS = 5;

/** mulberry32: small, seeded, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seed { fPort: number; bytes: Uint8Array }

function mutate(seed: Seed, random: () => number): Seed {
  const int = (n: number) => Math.floor(random() * n);
  const choice = int(6);
  const bytes = seed.bytes;
  switch (choice) {
    case 0: // truncated
      return { fPort: seed.fPort, bytes: bytes.slice(0, int(bytes.length + 1)) };
    case 1: { // extended with random bytes
      const extra = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
      return { fPort: seed.fPort, bytes: Uint8Array.from([...bytes, ...extra]) };
    }
    case 2:
    case 3: { // a few bit flips
      const copy = bytes.slice();
      if (copy.length > 0) for (let i = 0, n = 1 + int(4); i < n; i++) copy[int(copy.length)] ^= 1 << int(8);
      return { fPort: seed.fPort, bytes: copy };
    }
    case 4: // random bytes on a known port
      return { fPort: seed.fPort, bytes: Uint8Array.from({ length: int(64) }, () => int(256)) };
    default: // random port, mutated bytes
      return { fPort: 1 + int(255), bytes: bytes.slice(0, int(bytes.length + 1)) };
  }
}

function check(codec: DeviceCodec, frame: Seed, recvTime: Date): void {
  try {
    const decoded = codec.decode({ bytes: frame.bytes, fPort: frame.fPort, recvTime });
    for (const m of decoded.measurements) {
      if (!Number.isFinite(m.value)) throw new Error(`${codec.model}: ${m.quantity} = ${m.value} for fPort ${frame.fPort} ${Buffer.from(frame.bytes).toString('hex')}`);
    }
    const battery = decoded.status?.batteryPercent ?? decoded.status?.batteryVoltage;
    if (battery !== undefined && !Number.isFinite(battery)) throw new Error(`${codec.model}: battery ${battery}`);
  } catch (err) {
    const hex = Buffer.from(frame.bytes).toString('hex');
    if (!(err instanceof DecodeError)) {
      throw new Error(`${codec.model} threw ${(err as Error)?.name}: ${(err as Error)?.message} for fPort ${frame.fPort} ${hex}`);
    }
    assert.equal(err.model, codec.model, `DecodeError names model ${err.model} for ${hex}`);
    assert.equal(err.fPort, frame.fPort);
    assert.ok(Number.isInteger(err.offset) && err.offset >= 0 && err.offset <= frame.bytes.length, `offset ${err.offset} out of the frame (${hex})`);
    assert.ok(err.message.includes(codec.model) && err.message.includes(`fPort ${frame.fPort}`), err.message);
  }
}

/** Time of one call; a slow call is re-timed so a garbage-collection pause is not blamed on the decoder. */
function timeCall(codec: DeviceCodec, frame: Seed, recvTime: Date): number {
  let best = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = process.hrtime.bigint();
    check(codec, frame, recvTime);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
    if (best <= MAX_CALL_MS) break;
  }
  return best;
}

describe('codec catalog: fuzzing every native decoder', function () {
  this.timeout(300000);
  const seedsByModel = new Map(goldenFiles().map((f) => [f.model, f.frames.map((g) => ({ fPort: g.fPort, bytes: hexToBytes(g.bytesHex) }))]));
  const recvTime = new Date(DEFAULT_RECV_TIME);

  it('has at least one codec to fuzz', function () {
    assert.ok(catalog.size > 0);
  });

  for (const codec of catalog.values()) {
    it(`${codec.model}: ${FRAMES_PER_CODEC.toLocaleString('en')} mutated frames, only DecodeErrors, each under ${MAX_CALL_MS} ms`, function () {
      const seeds = seedsByModel.get(codec.model) ?? [];
      assert.ok(seeds.length > 0, `no golden frames to mutate for ${codec.model}`);
      const random = prng([...codec.model].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261));
      let slowest = 0;
      for (let i = 0; i < FRAMES_PER_CODEC; i++) {
        const frame = mutate(seeds[i % seeds.length], random);
        const started = process.hrtime.bigint();
        check(codec, frame, recvTime);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        slowest = Math.max(slowest, ms > MAX_CALL_MS ? timeCall(codec, frame, recvTime) : ms);
      }
      assert.ok(slowest <= MAX_CALL_MS, `${codec.model}: slowest call ${slowest.toFixed(2)} ms`);
    });
  }
});
