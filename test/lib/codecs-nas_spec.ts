/**
 * NAS UL20xx codec: encode byte for byte against the downlink vectors of lighting.md §3 (bytes of the
 * MIT nas-codecs encoder), each alarm bit, and the DecodeError paths.
 */
import assert from 'node:assert/strict';
import { DecodeError } from '../../nodes/lib/codecs/types';
import { hexToBytes } from '../../nodes/lib/codecs/reader';
import { ul20xx } from '../../nodes/lib/codecs/nas/ul20xx';

const encode = ul20xx.encode!;
function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
function decode(fPort: number, h: string) {
  return ul20xx.decode({ bytes: hexToBytes(h), fPort, recvTime: new Date('2026-01-15T10:00:00Z') });
}
function throwsCode(fn: () => unknown, code: string, offset?: number): void {
  assert.throws(fn, (err: unknown) => err instanceof DecodeError && err.code === code && (offset === undefined || err.offset === offset));
}

describe('nas-ul20xx encode: lighting.md §3 vectors', function () {
  const vectors: Array<[string, Record<string, unknown>, number, string]> = [
    ['on 100 % (broadcast)', { type: 'setLevel', level: 100 }, 60, '01FE64'],
    ['off', { type: 'setLevel', address: 'dali_broadcast', level: 0 }, 60, '01FE00'],
    ['dim 50 %', { type: 'setLevel', address: 'broadcast', level: 50 }, 60, '01FE32'],
    ['resume schedule', { type: 'resume' }, 60, '01FEFF'],
    ['100 % for 30 min', { type: 'setLevel', level: 100, durationMin: 30 }, 60, '09FE641E'],
    ['short 2 → 50 %, short 4 → 100 %', { type: 'setLevel', targets: [{ address: 'dali_single_2', level: 50 }, { address: { short: 4 }, level: 100 }] }, 60, '0104320864'],
    ['request status + usage', { type: 'requestStatus' }, 60, '0503'],
    ['profile 22:00 50 %, 23:00 0 %, 05:00 100 %, every day + holidays, broadcast',
      { type: 'uploadProfile', id: 1, steps: [{ time: '22:00', level: 50 }, { time: '23:00', level: 0 }, { time: '05:00', level: 100 }] }, 50, '210103FEFF0084328A001E64'],
    ['astro clock for Poitiers: 100 % at sunset, off at sunrise',
      { type: 'astroClock', latitude: 46.58, longitude: 0.34, sunrise: [{ zenith: 90.83, level: 0 }], sunset: [{ zenith: 90.83, level: 100 }] }, 50, '2011023212220005000564'],
    ['time sync via DeviceTimeReq', { type: 'syncTime' }, 50, '0900000000'],
    ['time sync with an explicit time', { type: 'syncTime', time: '2020-01-16T15:23:31Z' }, 50, '09F37F205E'],
    ['holidays 01/01, 05/01, 12/23', { type: 'holidays', dates: ['01-01', '05-01', '12-23'] }, 50, '2303010105010C17'],
    ['status interval 600 s', { type: 'statusInterval', seconds: 600 }, 50, '0758020000'],
    ['multicast session slot 0', { type: 'multicast', slot: 0, devAddr: '11223344', nwkSKey: '82840C7056429B143D21974557F93A53', appSKey: '82840C70C08494B931FE2FA6F8835C6A' },
      50, '520044332211' + '82840C7056429B143D21974557F93A53' + '82840C70C08494B931FE2FA6F8835C6A'],
    ['metering alert thresholds (nas-codecs vector 16 01 0500 FFFF BE00 FFFF FF)', { type: 'meteringAlerts', minPowerW: 5, minVoltageV: 190 }, 50, '16010500FFFFBE00FFFFFF'],
    ['profile of the nas-codecs encoder test (Mon–Fri, 01:00 20 %, 05:30 inactive)',
      { type: 'uploadProfile', id: 0, days: ['mon', 'tue', 'wed', 'thu', 'fri'], steps: [{ time: '01:00', level: 20 }, { time: '05:30', level: null }] }, 50, '210002FE3E00061421FF'],
    ['fade 2.83 s (nas-codecs "220A" is 16 s… index 5)', { type: 'fade', seconds: 2.83 }, 50, '2205'],
    ['fade 16 s = nas-codecs vector 220A', { type: 'fade', seconds: 16 }, 50, '220A'],
    ['restart', { type: 'restart' }, 51, 'FE'],
    ['clear holidays', { type: 'clearHolidays' }, 50, 'FF23'],
  ];
  for (const [name, command, fPort, bytes] of vectors) {
    it(name, function () {
      const out = encode(command);
      assert.equal(out.fPort, fPort);
      assert.equal(hex(out.bytes), bytes);
    });
  }

  it('encoded commands decode back (fPort 50/60 echoes) to the same content', function () {
    const profile = decode(50, '210103FEFF0084328A001E64').info as Record<string, unknown>;
    assert.deepEqual(profile.steps, [{ time: '22:00', level: 50 }, { time: '23:00', level: 0 }, { time: '05:00', level: 100 }]);
    const holidays = decode(50, hex(encode({ type: 'holidays', dates: ['07-14'] }).bytes)).info as Record<string, unknown>;
    assert.deepEqual(holidays.dates, ['07-14']);
    const timed = decode(60, '09FE641E').info as Record<string, unknown>;
    assert.deepEqual(timed.targets, [{ address: 'dali_broadcast', level: 100, durationMin: 30 }]);
  });

  it('refuses bad commands with DecodeError bad-command', function () {
    for (const bad of [
      { type: 'setLevel', level: 101 }, { type: 'setLevel', level: 50, address: 'dali_single_64' }, { type: 'setLevel', level: 50, durationMin: 0 },
      { type: 'setLevel', targets: [{ level: 1, durationMin: 5 }, { level: 2 }] }, { type: 'uploadProfile', id: 8, steps: [{ time: '22:00', level: 1 }] },
      { type: 'uploadProfile', id: 1, steps: [{ time: '22:05', level: 1 }] }, { type: 'holidays', dates: ['1-1'] }, { type: 'astroClock', latitude: 91, longitude: 0 },
      { type: 'fade', seconds: 3 }, { type: 'syncTime', time: 'yesterday' }, { type: 'nope' }, { type: 'multicast', slot: 4, devAddr: '11223344', nwkSKey: '', appSKey: '' },
    ]) throwsCode(() => encode(bad), 'bad-command');
  });
});

describe('nas-ul20xx decode: alarms and errors', function () {
  it('maps every DALI status bit that is a fault to its alarm, and 0xFF (unknown) to none', function () {
    const bits: Array<[number, string[]]> = [[0x01, ['driver_error']], [0x02, ['lamp_failure']], [0x04, []], [0x08, ['limit_error']],
      [0x10, []], [0x20, ['reset_state']], [0x40, []], [0x80, ['power_failure']], [0xff, []]];
    for (const [b, alarms] of bits) {
      const st = b.toString(16).padStart(2, '0');
      assert.deepEqual(decode(61, `8320FE${st}`).status?.alarms, alarms, `bit ${st}`);
      assert.deepEqual(decode(23, `01000000000000320916 00 00 FE5019${st}`.replace(/ /g, '')).status?.alarms, ['invalid_timestamp', ...alarms], `status bit ${st}`);
    }
  });

  it('maps status bits, 24-h alerts and metering alerts', function () {
    const s = decode(23, '01F37F205EE2003209 16 F0 00'.replace(/ /g, ''));
    assert.deepEqual(s.status?.alarms, ['dali_connection_error', 'metering_com_error', 'ext_rtc_warning',
      'voltage_alert_in_24h', 'lamp_error_alert_in_24h', 'power_alert_in_24h', 'power_factor_alert_in_24h']);
    assert.deepEqual(decode(61, '841F0000E500FF').status?.alarms, ['metering_lamp_error', 'metering_over_current', 'metering_under_voltage', 'metering_over_voltage', 'metering_low_power_factor']);
    assert.deepEqual(decode(99, '000D008350010101F37F205E000C7F8102').status?.alarms, ['dali_bus_error', 'unaddressed_dali_driver', 'watchdog_reset']);
  });

  it('reads the light level per address as a channel', function () {
    const d = decode(23, '01F37F205E80003209160000 FE5032 04 80FD6400 01FD0A00'.replace(/ /g, ''));
    const levels = d.measurements.filter((m) => m.quantity === 'light_level').map((m) => [m.channel, m.value]);
    assert.deepEqual(levels, [['dali_broadcast', 50], ['dali_group_0', 100], ['analog_0_10v', 10]]);
  });

  it('throws DecodeError naming the offset of a truncated or wrong frame', function () {
    throwsCode(() => decode(23, '01F37F'), 'too-short', 1);
    throwsCode(() => decode(23, '01F37F205E8244320916200701D2'), 'too-short', 12);
    throwsCode(() => decode(23, '02F37F205E'), 'unknown-frame', 0);
    throwsCode(() => decode(23, '01F37F205E82443209162000FE506500'), 'invalid-value', 14);
    throwsCode(() => decode(26, '01'), 'unknown-frame', 0);
    throwsCode(() => decode(26, '00FF01D0EF'), 'too-short', 3);
    throwsCode(() => decode(26, '00FF1065'), 'invalid-value', 3);
    throwsCode(() => decode(61, '99'), 'too-short', 1);
    throwsCode(() => decode(61, '8270'), 'unknown-frame', 0);
    throwsCode(() => decode(61, '80300000'), 'invalid-value', 1);
    throwsCode(() => decode(99, '0D'), 'unknown-frame', 0);
    throwsCode(() => decode(60, 'EE'), 'unknown-frame', 0);
    throwsCode(() => decode(50, '0758020000FF'), 'invalid-value', 5);
    throwsCode(() => decode(25, '00'), 'unknown-port', 0);
    throwsCode(() => decode(23, ''), 'too-short', 0);
  });
});
