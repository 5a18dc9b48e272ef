/** Adeunis codecs: status flags, frame types other than the vendor examples, every DecodeError path. */
import assert from 'node:assert/strict';
import { catalog, DecodeError, DeviceCodec } from '../../nodes/lib/codecs';
import { hexToBytes } from '../../nodes/lib/codecs/reader';

const RECV = new Date('2026-01-15T10:00:00.000Z');
const codec = (model: string): DeviceCodec => catalog.get(model) as DeviceCodec;
const decode = (model: string, hex: string, fPort = 1) => codec(model).decode({ bytes: hexToBytes(hex), fPort, recvTime: RECV });
const MONO = '494030323137323830333138313948432e2e800000000000002d000000000000000000000000000000000000000048502e2e';

function decodeError(fn: () => unknown, code: string, offset: number): void {
  assert.throws(fn, (err: unknown) => err instanceof DecodeError && err.code === code && err.offset === offset
    ? true : assert.fail(`expected ${code} at ${offset}, got ${String(err)}`));
}

describe('Adeunis codecs', function () {
  it('Pulse 0x5A: history of counters and time stamp in info', function () {
    const d = decode('adeunis-pulse', '5a6700000127000100020003000414aba3e9');
    assert.deepEqual(d.info?.counterValues, [295, 294, 292, 289, 285]);
    assert.equal(d.info?.timestamp, '2023-12-28T19:22:17.000Z');
    assert.equal(d.info?.frameCounter, 3);
  });
  it('Pulse 0x5B (channel B) without time stamp; 0x46 both channels', function () {
    const b = decode('adeunis-pulse', '5b2100000010');
    assert.deepEqual(b.measurements, [{ quantity: 'pulse_count', value: 16, unit: '1', kind: 'index', channel: 'B' }]);
    assert.equal(b.status, undefined);
    const both = decode('adeunis-pulse', '46010000000a00000014');
    assert.deepEqual(both.measurements.map((m) => [m.channel, m.value]), [['A', 10], ['B', 20]]);
  });
  it('Pulse keep-alive alarm bits: flow, tamper, leak', function () {
    assert.deepEqual(decode('adeunis-pulse', '3001010000000000000000').status?.alarms, ['high_flow']);
    assert.deepEqual(decode('adeunis-pulse', '3001080000000000000000').status?.alarms, ['tamper']);
    assert.deepEqual(decode('adeunis-pulse', '3001200000000000000000').status?.alarms, ['leak']);
    assert.deepEqual(decode('adeunis-pulse', '3003150000000000000000').status?.alarms, ['low_battery', 'high_flow', 'tamper', 'leak']);
  });
  it('configuration frames give info and no measurement', function () {
    const c = decode('adeunis-pulse', '1001010002110708');
    assert.deepEqual(c.measurements, []);
    assert.equal(c.info?.productMode, 'PRODUCTION');
    assert.equal(c.info?.samplingPeriodS, 3600);
    const n = decode('adeunis-tic-cbe-linky-mono', '20010101');
    assert.deepEqual([n.info?.adr, n.info?.provisioning], [true, 'OTAA']);
  });
  it('TIC status flags: hardware error, read error, configuration inconsistency', function () {
    const flagged = (status: number) => decode('adeunis-tic-cbe-linky-mono', MONO.slice(0, 2) + status.toString(16).padStart(2, '0') + MONO.slice(4));
    assert.deepEqual(flagged(0x04).status?.alarms, ['hardware_error']);
    assert.deepEqual(flagged(0x10).status?.alarms, ['tic_read_error']);
    assert.equal(flagged(0x08).info?.configurationInconsistency, true);
    assert.deepEqual(flagged(0x02).status?.alarms, ['low_battery']);
  });
  it('TIC mono: labels in info, absent labels give no measurement', function () {
    const d = decode('adeunis-tic-cbe-linky-mono', MONO);
    assert.deepEqual([d.info?.ADCO, d.info?.OPTARIF, d.info?.PTEC, d.info?.ISOUSC], ['021728031819', 'HC..', 'HP..', 45]);
    assert.ok(!d.measurements.some((m) => m.channel === 'base'));
  });
  describe('every DecodeError path names its offset', function () {
    it('unknown port', () => decodeError(() => decode('adeunis-pulse', '5a21', 2), 'unknown-port', 0));
    it('empty frame', () => decodeError(() => decode('adeunis-pulse', ''), 'too-short', 0));
    it('no status byte', () => decodeError(() => decode('adeunis-pulse', '5a'), 'too-short', 1));
    it('unknown frame code', () => decodeError(() => decode('adeunis-pulse', '4921'), 'unknown-frame', 0));
    it('pulse frame on the TIC', () => decodeError(() => decode('adeunis-tic-cbe-linky-tri', '5a2100000010'), 'unknown-frame', 0));
    it('odd difference bytes', () => decodeError(() => decode('adeunis-pulse', '5a210000001000'), 'too-short', 6));
    it('TIC cut in the values', () => decodeError(() => decode('adeunis-tic-cbe-linky-tri', MONO.slice(0, 40)), 'too-short', 18));
  });
});
