/**
 * Golden tests: every vendor example frame, transcribed into test/fixtures/golden/ with the vendor's
 * values converted by hand to canonical units, must decode to exactly those values.
 */
import assert from 'node:assert/strict';
import { catalog, DecodeError } from '../../nodes/lib/codecs';
import { hexToBytes } from '../../nodes/lib/codecs/reader';
import type { Measurement } from '../../nodes/lib/contracts';
import { DEFAULT_RECV_TIME, goldenFiles } from '../support/golden';

/** The models the decoding issue requires. */
const REQUIRED_MODELS = [
  'watteco-ticso', 'watteco-triphaso', 'watteco-pulse-senso', 'watteco-pulse-senso-atex', 'watteco-vaqao-lite',
  'netvox-r718h', 'netvox-r718n3', 'netvox-ra0715', 'netvox-r831c',
  'adeunis-pulse', 'adeunis-tic-cbe-linky-mono', 'adeunis-tic-cbe-linky-tri',
  'milesight-em300-di', 'milesight-ws558', 'kamstrup-flowiq2200', 'nas-ul20xx',
];

function key(m: Measurement): string {
  return `${m.quantity}|${m.channel ?? ''}|${m.time ?? ''}|${m.kind}|${m.unit}`;
}

function close(actual: number, expected: number): boolean {
  return actual === expected || Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(actual), Math.abs(expected));
}

function assertSameMeasurements(actual: Measurement[], expected: Measurement[], where: string): void {
  const sortedActual = [...actual].sort((a, b) => key(a).localeCompare(key(b)));
  const sortedExpected = [...expected].sort((a, b) => key(a).localeCompare(key(b)));
  assert.deepEqual(sortedActual.map(key), sortedExpected.map(key), `${where}: not the same measurements`);
  sortedActual.forEach((m, i) => {
    assert.ok(close(m.value, sortedExpected[i].value), `${where}: ${key(m)} = ${m.value}, expected ${sortedExpected[i].value}`);
  });
}

describe('codec catalog: golden frames of the vendors', function () {
  const files = goldenFiles();

  it('has a native codec and golden frames for every required model', function () {
    for (const model of REQUIRED_MODELS) {
      assert.ok(catalog.has(model), `no codec for ${model}`);
      assert.ok(files.some((f) => f.model === model && f.frames.length > 0), `no golden frames for ${model}`);
    }
  });

  it('every codec names its documentation and its quantities', function () {
    for (const codec of catalog.values()) {
      assert.match(codec.documentation, /^https?:\/\//, `${codec.model}: documentation URL`);
      assert.ok(codec.quantities.length > 0, `${codec.model}: no quantities`);
    }
  });

  for (const file of files) {
    describe(`${file.model} (${file.frames.length} frames)`, function () {
      it('carries its attribution', function () {
        assert.ok(file.attribution.length > 20);
      });
      file.frames.forEach((frame, index) => {
        it(`#${index + 1} ${frame.description}`, function () {
          const codec = catalog.get(file.model);
          assert.ok(codec, `no codec for ${file.model}`);
          const input = { bytes: hexToBytes(frame.bytesHex), fPort: frame.fPort, recvTime: new Date(frame.recvTime ?? DEFAULT_RECV_TIME) };
          if (frame.expectedError) {
            assert.throws(() => codec.decode(input), (err: unknown) => err instanceof DecodeError && err.code === frame.expectedError && err.model === file.model);
            return;
          }
          assert.ok(frame.expected, 'a golden frame has expected values or an expectedError');
          const decoded = codec.decode(input);
          assertSameMeasurements(decoded.measurements, frame.expected.measurements, `${file.model} #${index + 1}`);
          if (frame.expected.status !== undefined) assert.deepEqual(decoded.status, frame.expected.status);
        });
      });
    });
  }
});
