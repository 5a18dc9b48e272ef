/**
 * Watteco decoders: what the golden vendor frames do not cover — TIC historic/standard frames with
 * several fields, each alarm path, batch-report errors and every DecodeError path with its offset.
 */
import assert from 'node:assert/strict';
import { catalog, DecodeError, DecodedFrame } from '../../nodes/lib/codecs';
import { hexToBytes } from '../../nodes/lib/codecs/reader';

const RECV = new Date('2026-01-15T10:00:00.000Z');

function decode(model: string, hex: string, fPort = 125): DecodedFrame {
  const codec = catalog.get(model);
  assert.ok(codec, model);
  return codec.decode({ bytes: hexToBytes(hex), fPort, recvTime: RECV });
}

function fails(model: string, hex: string, code: string, offset: number, fPort = 125, message?: RegExp): void {
  assert.throws(() => decode(model, hex, fPort), (err: unknown) => {
    assert.ok(err instanceof DecodeError, String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(err.offset, offset, err.message);
    assert.equal(err.model, model);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');
const u32 = (n: number) => n.toString(16).padStart(8, '0');
const u16 = (n: number) => n.toString(16).padStart(4, '0');

describe('Watteco codecs', function () {
  describe('TIC (TIC\'SO)', function () {
    it('decodes a historic (CBE) frame: ADCO, HCHC, HCHP, IINST, PAPP', function () {
      // bitfield descriptor: field 3 (ADCO) and 7 (HCHC) in the last byte, 8 (HCHP), 22 (IINST), 32 (PAPP)
      const value = '0000000100400188' + ascii('021861348497') + '00' + u32(12_345_678) + u32(23_456_789) + u16(7) + u32(1620);
      const hex = `110a00540000 41${(value.length / 2).toString(16).padStart(2, '0')}${value}`.replace(/ /g, '');
      const frame = decode('watteco-ticso', hex);
      assert.deepEqual(frame.measurements, [
        { quantity: 'active_energy', value: 12_345_678, unit: 'Wh', kind: 'index', channel: 'hchc' },
        { quantity: 'active_energy', value: 23_456_789, unit: 'Wh', kind: 'index', channel: 'hchp' },
        { quantity: 'current', value: 7, unit: 'A', kind: 'instant' },
        { quantity: 'apparent_power', value: 1620, unit: 'VA', kind: 'instant' },
      ]);
      const tic = (frame.info as { tic: { frameType: string; fields: Record<string, unknown> } }).tic;
      assert.equal(tic.frameType, 'historic');
      assert.equal(tic.fields.ADCO, '021861348497');
    });

    it('decodes a standard frame with a field-index descriptor: EASF01, IRMS1, URMS1, SINSTS, PRM', function () {
      const value = '26' + '0619' + '1c21' + '40' + u32(5_000_123) + u16(12) + u16(231) + '000abc' + ascii('09876543210987') + '00';
      const hex = `110a00560100 41${(value.length / 2).toString(16).padStart(2, '0')}${value}`.replace(/ /g, '');
      const frame = decode('watteco-ticso', hex);
      assert.deepEqual(frame.measurements, [
        { quantity: 'active_energy', value: 5_000_123, unit: 'Wh', kind: 'index', channel: 'easf01' },
        { quantity: 'current', value: 12, unit: 'A', kind: 'instant', channel: 'phase_a' },
        { quantity: 'voltage', value: 231, unit: 'V', kind: 'instant', channel: 'phase_a' },
        { quantity: 'apparent_power', value: 0xabc, unit: 'VA', kind: 'instant' },
      ]);
      assert.equal((frame.info as { tic: { fields: Record<string, unknown> } }).tic.fields.PRM, '09876543210987');
    });

    it('rejects a TIC field index the documentation does not have, and a string without its terminator', function () {
      fails('watteco-ticso', '110a0056010041032250' + '00', 'invalid-value', 10, 125, /field index 80/);
      // ADCO announced, the value ends before its zero
      fails('watteco-ticso', '110a005400004109' + '0000000000000008' + '41', 'too-short', 16, 125, /terminating zero/);
    });
  });

  describe('alarms', function () {
    it('a temperature alarm report with a long threshold cause in alarm gives temperature_high', function () {
      // 0x8A, temperature 30.00 °C, long cause: criterion 0 threshold exceeded in alarm, value 28.00, gap 1.00, 1 occurrence
      const frame = decode('watteco-vaqao-lite', '118a04020000290bb8' + 'a0' + 'd0' + '0af0' + '0064' + '01');
      assert.deepEqual(frame.status, { alarms: ['temperature_high'] });
      assert.deepEqual(frame.measurements, [{ quantity: 'temperature', value: 30, unit: 'Cel', kind: 'instant' }]);
    });

    it('a short cause that is not in alarm gives no alarm, one that has fallen gives <field>_low', function () {
      assert.equal(decode('watteco-vaqao-lite', '110a04050000211388' + '10' + '50').status, undefined);
      assert.deepEqual(decode('watteco-vaqao-lite', '110a04050000211388' + '10' + 'b0').status, { alarms: ['humidity_low'] });
    });

    it('an alarm report without causes still raises <attribute>_alarm', function () {
      assert.deepEqual(decode('watteco-pulse-senso', '118a000f04022300000010').status, { alarms: ['pulse_count_alarm'] });
    });

    it('a disposable battery threshold fallen in alarm gives low_battery with the voltage', function () {
      const frame = decode('watteco-pulse-senso', '118a00500006410503040a2804' + 'a0' + 'b0' + '04' + '0bb8' + '0000' + '01');
      assert.deepEqual(frame.status, { batteryVoltage: 2.6, alarms: ['low_battery'] });
    });

    it('the Vaqa\'O case detector is the tamper alarm; a closed case raises nothing', function () {
      assert.deepEqual(decode('watteco-vaqao-lite', '110a000f00551001').status, { alarms: ['tamper'] });
      assert.equal(decode('watteco-vaqao-lite', '110a000f00551000').status, undefined);
    });

    it('rejects an unknown cause type and an undocumented cause field index', function () {
      fails('watteco-vaqao-lite', '110a04020000290bb8' + '30' + 'd0', 'invalid-value', 9, 125, /cause type/);
      fails('watteco-triphaso', '110a800b00004106094c030e0163' + 'a0' + 'd0' + '07', 'invalid-value', 16, 125, /field index 7/);
    });
  });

  describe('frames', function () {
    it('Vaqa\'O Lite: concentration is IAQ (info) on endpoint 0 and CO2 (ppm) on endpoint 1', function () {
      assert.deepEqual(decode('watteco-vaqao-lite', '110a800c0000210019').measurements, []);
      assert.deepEqual(decode('watteco-vaqao-lite', '310a800c00002101f4').measurements, [{ quantity: 'co2', value: 500, unit: '[ppm]', kind: 'instant' }]);
    });

    it('Pulse Sens\'O: the endpoint is the input channel', function () {
      assert.deepEqual(decode('watteco-pulse-senso', '510a000f04022300000400').measurements, [{ quantity: 'pulse_count', value: 1024, unit: '1', kind: 'index', channel: '3' }]);
    });

    it('a read-attribute response with a failed status carries no value', function () {
      const frame = decode('watteco-ticso', '11010000000286');
      assert.deepEqual(frame.measurements, []);
      assert.equal((frame.info as { status: number }).status, 0x86);
    });

    it('a configure-reporting response is info only', function () {
      assert.deepEqual(decode('watteco-triphaso', '1107800b00000000').measurements, []);
    });
  });

  describe('errors', function () {
    it('names the port, the frame type and the offset', function () {
      fails('watteco-ticso', '110a00540000', 'unknown-port', 0, 2);
      fails('watteco-ticso', '', 'too-short', 0);
      fails('watteco-vaqao-lite', '110a04020000290b', 'too-short', 7, 125, /temperature/);
      fails('watteco-vaqao-lite', '110a0402', 'too-short', 4, 125, /attribute id/);
      fails('watteco-triphaso', '1155800b0000', 'unknown-frame', 1, 125, /command 0x55/);
      fails('watteco-triphaso', '110a12340000210001', 'unknown-frame', 2, 125, /cluster 0x1234/);
      fails('watteco-triphaso', '110a800b00004106094c030e01', 'too-short', 8, 125);
      fails('watteco-triphaso', '110a800b0000ff06', 'invalid-value', 6, 125, /type 0xff/);
    });

    it('batch reports: supported for Pulse Sens\'O and Vaqa\'O Lite, not yet for TIC\'SO and Triphas\'O', function () {
      const batch = '3203032cd2dc00000000117b02000080903d005000401040801d11604704d8119024912492247b';
      fails('watteco-ticso', batch, 'unknown-frame', 0, 125, /batch report not supported yet/);
      fails('watteco-triphaso', batch, 'unknown-frame', 0, 125, /batch report not supported yet/);
      assert.equal(decode('watteco-pulse-senso', batch).measurements.length, 12);
      fails('watteco-pulse-senso', batch.slice(0, 20), 'too-short', 10);
      // one series whose 3-bit tag is 7: not a Vaqa'O Lite tag (0..6)
      fails('watteco-vaqao-lite', '1070', 'invalid-value', 1, 125, /unknown tag 7/);
    });
  });
});
