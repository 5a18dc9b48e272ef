/**
 * Milesight codecs: WS558 encode vectors of devices.md §6, EM300-DI water/alarm records, common
 * attribute records and every DecodeError path.
 */
import assert from 'node:assert/strict';
import { catalog, DecodeError, DeviceCodec } from '../../nodes/lib/codecs';
import { hexToBytes } from '../../nodes/lib/codecs/reader';

const RECV = new Date('2026-01-15T10:00:00.000Z');
const codec = (model: string): DeviceCodec => catalog.get(model) as DeviceCodec;
const decode = (model: string, hex: string, fPort = 85) => codec(model).decode({ bytes: hexToBytes(hex), fPort, recvTime: RECV });
const enc = (command: Record<string, unknown>) => {
  const out = codec('milesight-ws558').encode!(command);
  assert.equal(out.fPort, 85);
  return Buffer.from(out.bytes).toString('hex');
};

function decodeError(fn: () => unknown, code: string, offset: number): void {
  assert.throws(fn, (err: unknown) => err instanceof DecodeError && err.code === code && err.offset === offset
    ? true : assert.fail(`expected ${code} at ${offset}, got ${String(err)}`));
}

describe('Milesight codecs', function () {
  describe('WS558 encode (devices.md §6)', function () {
    it('set switches: L1 on = 08 01 01; L1…L8 off = 08 FF 00; mixed', function () {
      assert.equal(enc({ type: 'setSwitches', on: [1] }), '080101');
      assert.equal(enc({ type: 'setSwitches', off: [1, 2, 3, 4, 5, 6, 7, 8] }), '08ff00');
      assert.equal(enc({ type: 'setSwitches', on: [2, 8], off: [3] }), '088682');
    });
    it('delayed task, cancel, report interval, reboot, status request, metering, clear energy', function () {
      assert.equal(enc({ type: 'delayedTask', taskId: 1, delaySeconds: 600, on: [1] }), 'ff3201580201' + '01');
      assert.equal(enc({ type: 'cancelDelayedTask', taskId: 1 }), 'ff2301ff');
      assert.equal(enc({ type: 'setReportInterval', seconds: 1200 }), 'ff03b004');
      assert.equal(enc({ type: 'reboot' }), 'ff10ff');
      assert.equal(enc({ type: 'readStatus' }), 'ff28ff');
      assert.equal(enc({ type: 'setMetering', enabled: true }), 'ff2601');
      assert.equal(enc({ type: 'clearEnergy' }), 'ff27ff');
    });
    for (const bad of [{ type: 'setSwitches' }, { type: 'setSwitches', on: [9] }, { type: 'setSwitches', on: [1], off: [1] },
      { type: 'delayedTask', taskId: 256, delaySeconds: 1, on: [1] }, { type: 'setReportInterval', seconds: 0 }, { type: 'setMetering' }, { type: 'dim' }]) {
      it(`refuses ${JSON.stringify(bad)}`, function () {
        assert.throws(() => enc(bad), (err: unknown) => err instanceof DecodeError && err.code === 'bad-command');
      });
    }
  });

  describe('decode details', function () {
    it('WS558 switch record: all eight states, the changed ones in info', function () {
      const d = decode('milesight-ws558', '0831050a');
      assert.deepEqual(d.measurements.map((m) => [m.channel, m.value]),
        [['switch1', 0], ['switch2', 1], ['switch3', 0], ['switch4', 1], ['switch5', 0], ['switch6', 0], ['switch7', 0], ['switch8', 0]]);
      assert.deepEqual(d.info?.switchesChanged, ['switch1', 'switch3']);
    });
    it('attribute records go to info', function () {
      const d = decode('milesight-ws558', 'ff0101ff090140ff0a0114ff0f02ff166136b1354452000fff0b01');
      assert.deepEqual(d.measurements, []);
      assert.deepEqual([d.info?.ipsoVersion, d.info?.hardwareVersion, d.info?.firmwareVersion, d.info?.lorawanClass, d.info?.serialNumber],
        ['v0.1', 'v1.4', 'v1.20', 'C', '6136b1354452000f']);
    });
    it('EM300-DI water record: pulses from water × pulse_conv / water_conv; water alarm codes', function () {
      // water_conv 1.0, pulse_conv 10.0 (10 pulses per unit), water 12.5 (float32 LE 0x41480000)
      const d = decode('milesight-em300-di', '05e10a00640000004841');
      assert.deepEqual(d.measurements, [{ quantity: 'pulse_count', value: 125, unit: '1', kind: 'index' }]);
      assert.equal(d.info?.water, 12.5);
      const a = decode('milesight-em300-di', '85e10a0064000000484103');
      assert.deepEqual(a.status?.alarms, ['water_flow_timeout']);
      assert.deepEqual(decode('milesight-em300-di', '85e10a0064000000484101').status?.alarms, ['water_outage_timeout']);
      assert.equal(decode('milesight-em300-di', '85e10a0064000000484104').status, undefined);
      assert.deepEqual(decode('milesight-em300-di', '85000101').status?.alarms, ['gpio_alarm']);
    });
  });

  describe('every DecodeError path names its offset', function () {
    it('unknown port', () => decodeError(() => decode('milesight-ws558', '0374b208', 1), 'unknown-port', 0));
    it('empty frame', () => decodeError(() => decode('milesight-ws558', ''), 'too-short', 0));
    it('record without its type', () => decodeError(() => decode('milesight-ws558', '0374b20806'), 'too-short', 5));
    it('truncated value', () => decodeError(() => decode('milesight-ws558', '0374b208068356'), 'too-short', 6));
    it('unknown record', () => decodeError(() => decode('milesight-ws558', '0374b2080575'), 'unknown-frame', 4));
    it('EM300 record of the WS558 is unknown', () => decodeError(() => decode('milesight-ws558', '01755c'), 'unknown-frame', 0));
    it('power factor over 100 %', () => decodeError(() => decode('milesight-ws558', '058165'), 'invalid-value', 2));
    it('battery over 100 %', () => decodeError(() => decode('milesight-em300-di', '017565'), 'invalid-value', 2));
    it('water float NaN', () => decodeError(() => decode('milesight-em300-di', '05e10a0064000000c07f'), 'invalid-value', 6));
    it('history gpio type 3', () => decodeError(() => decode('milesight-em300-di', '20ce9e74466310015d030000010000'), 'invalid-value', 9));
  });
});
