/**
 * Netvox codecs: what the golden files cannot say. Every vendor downlink example (TTN
 * lorawan-devices vendor/netvox/*-codec.yaml @96abc53, in /work/shared/fixtures/vendor-examples) is an
 * encode vector, byte for byte; alarm bits, multipliers, info content and every DecodeError path.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { catalog, DecodeError, DeviceCodec } from '../../nodes/lib/codecs';
import { hexToBytes } from '../../nodes/lib/codecs/reader';

const FIXTURES = '/work/shared/fixtures/vendor-examples';
const RECV = new Date('2026-01-15T10:00:00.000Z');

function codec(model: string): DeviceCodec {
  const c = catalog.get(model);
  assert.ok(c, `no codec ${model}`);
  return c;
}

const decode = (model: string, fPort: number, hex: string) => codec(model).decode({ bytes: hexToBytes(hex), fPort, recvTime: RECV });
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function decodeError(fn: () => unknown, code: string, offset: number): void {
  assert.throws(fn, (err: unknown) => err instanceof DecodeError && err.code === code && err.offset === offset
    ? true : assert.fail(`expected DecodeError ${code} at ${offset}, got ${String(err)} ${(err as DecodeError).code} @${(err as DecodeError).offset}`));
}

/** The project's command for a vendor (TTN) encoder input. */
function commandOf(data: Record<string, unknown>): Record<string, unknown> {
  switch (data.Cmd) {
    case 'ConfigReportReq': {
      const c: Record<string, unknown> = { type: 'configReport', minTime: data.MinTime, maxTime: data.MaxTime };
      if (data.BatteryChange !== undefined) c.batteryChange = data.BatteryChange;
      if (data.CurrentChange !== undefined) c.currentChange = data.CurrentChange;
      return c;
    }
    case 'ReadConfigReportReq': return { type: 'readConfigReport' };
    case 'SetFiltertimeReq': return { type: 'setFilterTime', milliseconds: data.FilterTime };
    case 'GetFiltertimeReq': return { type: 'getFilterTime' };
    case 'SetPulseCounterClearModeReq': return { type: 'setPulseCounterClearMode', mode: data.PulseCounterClearMode };
    case 'GetPulseCounterClearModeReq': return { type: 'getPulseCounterClearMode' };
    case 'SetSwitchTypeReq': return { type: 'setSwitchType', switchType: String(data.SwitchType).toLowerCase() };
    case 'GetSwitchTypeReq': return { type: 'getSwitchType' };
    case 'Off': return { type: 'off', mask: data.Channel };
    case 'On': return { type: 'on', mask: data.Channel };
    case 'Toggle': return { type: 'toggle', mask: data.Channel };
    case 'ReadCurrentStatus': return { type: 'readStatus' };
    default: throw new Error(`no mapping for ${String(data.Cmd)}`);
  }
}

describe('Netvox codecs', function () {
  describe('encode: every vendor downlink example, byte for byte', function () {
    const files: Record<string, string> = {
      'netvox-r718h': 'netvox-r718h.json', 'netvox-r718n3': 'netvox-r718n3.json',
      'netvox-r831c': 'netvox-r831c.json', 'netvox-ra0715': 'netvox-ra0715.json',
    };
    let total = 0;
    for (const [model, file] of Object.entries(files)) {
      const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as {
        downlinks: Array<{ description: string; input: { data: Record<string, unknown> }; fPort: number; bytesHex: string }>;
      };
      total += fixture.downlinks.length;
      for (const d of fixture.downlinks) {
        it(`${model}: ${d.description} → ${d.bytesHex}`, function () {
          const out = codec(model).encode?.(commandOf(d.input.data));
          assert.ok(out);
          assert.equal(out.fPort, d.fPort);
          assert.equal(hex(out.bytes), d.bytesHex);
        });
      }
    }
    it('covers the 18 vendor downlink examples', function () {
      assert.equal(total, 18);
    });
  });

  describe('encode: relay commands and bad commands', function () {
    it('R831C relays as numbers make the channel mask (bit 0 = relay 1)', function () {
      assert.equal(hex(codec('netvox-r831c').encode!({ type: 'on', relays: [1, 3] }).bytes), '91ad050000000000000000');
      assert.equal(hex(codec('netvox-r831c').encode!({ type: 'off', relays: [1, 2, 3] }).bytes), '90ad070000000000000000');
      assert.equal(hex(codec('netvox-r831c').encode!({ type: 'toggle', relays: [2] }).bytes), '92ad020000000000000000');
      assert.equal(hex(codec('netvox-r831c').encode!({ type: 'setSwitchType', switchType: 'momentary' }).bytes), '03ad010000000000000000');
    });
    const bad: Array<[string, Record<string, unknown>]> = [
      ['netvox-r831c', { type: 'on' }],
      ['netvox-r831c', { type: 'on', relays: [4] }],
      ['netvox-r831c', { type: 'on', mask: 8 }],
      ['netvox-r831c', { type: 'dim', level: 50 }],
      ['netvox-r831c', { type: 'setSwitchType', switchType: 'push' }],
      ['netvox-r718h', { type: 'configReport', minTime: 900, maxTime: 1800, batteryChange: 0.15 }],
      ['netvox-r718h', { type: 'configReport', minTime: 1800, maxTime: 900, batteryChange: 0.1 }],
      ['netvox-r718h', { type: 'setFilterTime', milliseconds: 7 }],
      ['netvox-r718h', { type: 'on', mask: 1 }],
      ['netvox-r718n3', { type: 'configReport', minTime: 900, maxTime: 1800, currentChange: 0 }],
      ['netvox-ra0715', { type: 'configReport', minTime: 0, maxTime: 1800 }],
      ['netvox-ra0715', {}],
    ];
    for (const [model, command] of bad) {
      it(`${model} refuses ${JSON.stringify(command)}`, function () {
        assert.throws(() => codec(model).encode!(command), (err: unknown) => err instanceof DecodeError && err.code === 'bad-command' && err.model === model);
      });
    }
  });

  describe('decode: details', function () {
    it('battery byte bit 7 is the low-battery flag', function () {
      const d = decode('netvox-r718h', 6, '011f01a400640000000000');
      assert.deepEqual(d.status, { batteryVoltage: 3.6, alarms: ['low_battery'] });
    });
    it('version report and configuration responses go to info with no measurement', function () {
      const v = decode('netvox-r718h', 6, '011f006402202010090000');
      assert.deepEqual(v.measurements, []);
      assert.equal(v.info?.softwareVersion, 10);
      assert.equal(v.info?.dateCode, '20201009');
      const c = decode('netvox-r718h', 7, '821f038407080100000000');
      assert.deepEqual([c.info?.minTime, c.info?.maxTime, c.info?.batteryChange], [900, 1800, 0.1]);
      assert.equal(decode('netvox-r718h', 7, '841f010000000000000000').info?.filterTimeMs, 5);
      assert.equal(decode('netvox-r718h', 7, '811f010000000000000000').info?.success, false);
      assert.equal(decode('netvox-r831c', 7, '84ad010000000000000000').info?.switchType, 'momentary');
      assert.equal(decode('netvox-r718n3', 7, '824a038407080064000000').info?.currentChangeMa, 100);
    });
    it('R718N3 report 1 flags the multipliers it assumes; report 3 unpacks all three', function () {
      assert.deepEqual(decode('netvox-r718n3', 6, '014a012403e800c81b5801').info?.multipliersAssumed, ['phase_b', 'phase_c']);
      assert.deepEqual(decode('netvox-r718n3', 6, '014a032403e800c81b5836').info?.multipliers, [10, 5, 100]);
    });
    it('R718N3 threshold alarms: each bit its own code', function () {
      const codes = ['low_current_phase_a', 'high_current_phase_a', 'low_current_phase_b', 'high_current_phase_b', 'low_current_phase_c', 'high_current_phase_c'];
      codes.forEach((code, bit) => {
        const d = decode('netvox-r718n3', 6, `014a0424${(1 << bit).toString(16).padStart(2, '0')}000000000000`);
        assert.deepEqual(d.status?.alarms, [code]);
      });
    });
    it('RA07: "no sensor" values are null in info and give no measurement', function () {
      const d = decode('netvox-ra0715', 6, '01050778ffffffffffff00');
      assert.deepEqual(d.measurements, []);
      assert.equal(d.info?.nh3Raw, null);
      assert.equal(d.info?.supplyVoltage, 12);
      assert.equal(d.status, undefined);
      const pm = decode('netvox-ra0715', 6, '01050178006400c802bc00');
      assert.deepEqual([pm.info?.pm1_0, pm.info?.pm2_5, pm.info?.pm10], [100, 200, 700]);
    });
  });

  describe('decode: every DecodeError path names its offset', function () {
    it('unknown port', () => decodeError(() => decode('netvox-r718h', 5, '011f012400640000000000'), 'unknown-port', 0));
    it('empty frame', () => decodeError(() => decode('netvox-r718h', 6, ''), 'too-short', 0));
    it('wrong device type', () => decodeError(() => decode('netvox-r831c', 6, '011f012400640000000000'), 'unknown-frame', 1));
    it('wrong device type of a response', () => decodeError(() => decode('netvox-r831c', 7, '811f000000000000000000'), 'unknown-frame', 1));
    it('unknown report type', () => decodeError(() => decode('netvox-r718h', 6, '011f092400640000000000'), 'unknown-frame', 2));
    it('unknown RA07 report type', () => decodeError(() => decode('netvox-ra0715', 6, '01050f7803840000000000'), 'unknown-frame', 2));
    it('unknown response', () => decodeError(() => decode('netvox-r831c', 7, '85ad000000000000000000'), 'unknown-frame', 0));
    it('truncated pulse count', () => decodeError(() => decode('netvox-r718h', 6, '011f012400'), 'too-short', 4));
    it('truncated version report', () => decodeError(() => decode('netvox-r718n3', 6, '014a0064022020'), 'too-short', 5));
    it('truncated RA07 pressure', () => decodeError(() => decode('netvox-ra0715', 6, '01050d78000a000000'), 'too-short', 6));
    it('truncated read-config response', () => decodeError(() => decode('netvox-r718n3', 7, '824a03840708'), 'too-short', 6));
    it('multiplier 0', () => decodeError(() => decode('netvox-r718n3', 6, '014a012403e800c81b5800'), 'invalid-value', 10));
    it('relay state 2', () => decodeError(() => decode('netvox-r831c', 6, '01ad010100020000000000'), 'invalid-value', 5));
  });
});
