/**
 * Kamstrup flowIQ2200 and the OMS record engine: what the golden frames cannot show (DIFE/VIFE
 * chains, BCD, type G dates, headers, each info-code bit, every DecodeError path with its offset).
 */
import assert from 'node:assert/strict';
import { hexToBytes, FrameReader } from '../../nodes/lib/codecs/reader';
import { DecodeError } from '../../nodes/lib/codecs/types';
import { flowIq2200 } from '../../nodes/lib/codecs/kamstrup/flowiq2200';
import { omsDate, readOmsHeader, readOmsRecords } from '../../nodes/lib/codecs/kamstrup/oms';

function decode(h: string, fPort = 1) {
  return flowIq2200.decode({ bytes: hexToBytes(h), fPort, recvTime: new Date('2026-01-15T10:00:00Z') });
}
function throwsCode(fn: () => unknown, code: string, offset: number): void {
  assert.throws(fn, (err: unknown) => err instanceof DecodeError && err.code === code && err.offset === offset && err.model === 'kamstrup-flowiq2200');
}
function records(h: string) {
  return readOmsRecords(new FrameReader(hexToBytes(h), 'test', 1));
}

describe('OMS record engine', function () {
  it('reads DIFE chains (storage, tariff, subunit) and VIFE chains', function () {
    // DIF 0x84 (ext, 32-bit) DIFE 0x51 (storage +2, tariff 1, subunit 1), DIFE 0x01 (storage + 1*32); VIF 0x93 VIFE 0x3C
    const [r] = records('84D101933C10000000');
    assert.equal(r.storage, 2 + 32); // DIFE 0xD1: storage bit 1, tariff 1, subunit 1; DIFE 0x01: storage × 2^5
    assert.equal(r.tariff, 1);
    assert.equal(r.subunit, 1);
    assert.deepEqual(r.vife, [0x3c]);
    assert.equal(r.value, 16);
  });

  it('reads BCD (with sign), 24/48-bit integers, reals and the invalid markers', function () {
    const rs = records('0C1378563412 0B133412F9 0313FFFFFF 0613010000000000 05133F800000 0113 80'.replace(/ /g, ''));
    assert.equal(rs[0].value, 12345678);
    assert.equal(rs[1].value, -91234);
    assert.equal(rs[2].value, -1);
    assert.equal(rs[3].value, 1);
    assert.equal(rs[4].value, 4.600602988224807e-41);
    assert.equal(rs[5].invalid, true);
    assert.equal(rs[5].value, undefined);
  });

  it('reads BCD digits least significant byte first and flags bad digits', function () {
    assert.equal(records('0A133412')[0].value, 1234);
    assert.equal(records('0A1334F2')[0].value, -234);
    assert.equal(records('0A133A12')[0].invalid, true);
  });

  it('decodes dates type G and F (invalid bit honoured), skips fillers, stops at 0x0F', function () {
    const rs = records('2F 426C 1F3C 046D 00 33 18 37 04 6D 80 33 18 37 0F 0102'.replace(/ /g, ''));
    assert.equal(rs.length, 3);
    assert.equal(new Date(omsDate(rs[0])!).toISOString(), '2024-12-31T00:00:00.000Z');
    assert.equal(new Date(omsDate(rs[1])!).toISOString(), '2024-07-24T19:00:00.000Z');
    assert.equal(omsDate(rs[2]), undefined);
  });

  it('reads the long header of CI 0x72', function () {
    const h = readOmsHeader(new FrameReader(hexToBytes('7258578853372c3c16d6100800'), 'test', 1));
    assert.deepEqual(h, { ci: 0x72, id: '53885758', manufacturer: 'KAW', version: 0x3c, deviceType: 0x16, accessNumber: 0xd6, status: 0x10, configuration: 0x0008 });
  });
});

describe('kamstrup-flowiq2200 decode', function () {
  it('maps each info-code bit to its alarm', function () {
    const codes = ['dry', 'reverse_flow', 'leak', 'burst', 'tamper', 'low_battery', 'low_ambient_temperature', 'high_ambient_temperature'];
    codes.forEach((code, bit) => {
      const v = (1 << bit).toString(16).padStart(2, '0');
      assert.deepEqual(decode(`7802FF25${v}00`).status, { alarms: [code] });
    });
    assert.deepEqual(decode('7802FF250000').status, { alarms: [] });
  });

  it('maps the header status byte', function () {
    assert.deepEqual(decode('7A0100000004130A000000'.replace(/ /g, '')).status, { alarms: [] });
    assert.deepEqual(decode('7A011E000004130A000000').status, { alarms: ['application_error', 'low_battery', 'permanent_error', 'temporary_error'] });
  });

  it('a current volume keeps no channel; a dated logged one next to it is the target; backward flow is reverse', function () {
    const d = decode('78 0413 10270000 426C 1F3C 4413 E8030000 04 93 3C 05000000 0259 D204 0265 2C01'.replace(/ /g, ''));
    assert.deepEqual(d.measurements, [
      { quantity: 'water_volume', value: 10, unit: 'm3', kind: 'index' },
      { quantity: 'water_volume', value: 1, unit: 'm3', kind: 'index', channel: 'target', time: '2024-12-31T00:00:00.000Z' },
      { quantity: 'water_volume', value: 0.005, unit: 'm3', kind: 'index', channel: 'reverse' },
      { quantity: 'temperature', value: 12.34, unit: 'Cel', kind: 'instant', channel: 'water' },
      { quantity: 'temperature', value: 3, unit: 'Cel', kind: 'instant', channel: 'ambient' },
    ]);
  });

  it('throws DecodeError with the offset on bad frames', function () {
    throwsCode(() => decode(''), 'too-short', 0);
    throwsCode(() => decode('51'), 'unknown-frame', 0);
    throwsCode(() => decode('7A010000'), 'too-short', 3);
    throwsCode(() => decode('7A01000510'), 'unknown-frame', 3);
    throwsCode(() => decode('780413E803'), 'too-short', 3);
    throwsCode(() => decode('7884'), 'too-short', 2);
    throwsCode(() => decode('78'.concat('84'.repeat(12), '13')), 'invalid-value', 12);
    throwsCode(() => decode('780DFB00FB'), 'invalid-value', 4);
    throwsCode(() => decode('784D93130461010000'), 'invalid-value', 1);
    throwsCode(() => decode('01', 0), 'unknown-port', 0);
  });
});
