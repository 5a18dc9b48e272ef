/**
 * Lighting adapters: CommandRequest → DownlinkRequest through the package's codecs, byte for byte against
 * lighting.md §3 (NAS) and the relay codecs' documented frames (R831C, WS558).
 */
import assert from 'node:assert/strict';
import { adapt, AdapterError } from '../../nodes/lib/lighting/adapters';
import type { CommandRequest, LightingCommand, LightingTarget } from '../../nodes/lib/lighting/model';

const NAS: LightingTarget = { kind: 'device', devEui: '70b3d5e75e000001', model: 'nas-ul20xx' };
const R831C: LightingTarget = { kind: 'device', devEui: '00137a1000000001', model: 'netvox-r831c' };
const WS558: LightingTarget = { kind: 'device', devEui: '24e124000000001a', model: 'milesight-ws558' };

function req(target: LightingTarget, command: LightingCommand): CommandRequest {
  return { id: 'c1', target, command, source: 'manual', requestedAt: '2025-04-10T12:00:00Z' };
}

function frames(target: LightingTarget, command: LightingCommand, options = {}): Array<[number, string]> {
  return adapt(req(target, command), options).downlinks.map((d) => [d.fPort, d.dataHex.toUpperCase()]);
}

describe('lighting adapters: NAS UL20xx (lighting.md §3)', function () {
  it('setLevel with and without duration, resume, status request', function () {
    assert.deepEqual(frames(NAS, { type: 'setLevel', level: 100 }), [[60, '01FE64']]);
    assert.deepEqual(frames(NAS, { type: 'setLevel', level: 0 }), [[60, '01FE00']]);
    assert.deepEqual(frames(NAS, { type: 'setLevel', level: 50 }), [[60, '01FE32']]);
    assert.deepEqual(frames(NAS, { type: 'resume' }), [[60, '01FEFF']]);
    assert.deepEqual(frames(NAS, { type: 'setLevel', level: 100, durationMin: 30 }), [[60, '09FE641E']]);
    assert.deepEqual(frames(NAS, { type: 'requestStatus' }), [[60, '0503']]);
    assert.deepEqual(frames({ ...NAS, channel: 'dali_single_2' } as LightingTarget, { type: 'setLevel', level: 50 }), [[60, '010432']]);
  });

  it('syncTime by DeviceTimeReq, or an explicit time', function () {
    assert.deepEqual(frames(NAS, { type: 'syncTime', time: '' }), [[50, '0900000000']]);
    // 2025-01-01T00:00:00Z = 1735689600 = 0x67748580 → LE 80 85 74 67
    assert.deepEqual(frames(NAS, { type: 'syncTime', time: '2025-01-01T00:00:00Z' }), [[50, '0980857467']]);
  });

  it('uploadProgram → profile, astro clock and holidays frames (Poitiers vectors)', function () {
    const program = {
      id: '1', name: 'night dim',
      steps: [
        { at: { kind: 'sunset' as const, offsetMin: 0 }, level: 100 },
        { at: { kind: 'clock' as const, time: '22:00' }, level: 50 },
        { at: { kind: 'clock' as const, time: '23:00' }, level: 0 },
        { at: { kind: 'clock' as const, time: '05:00' }, level: 100 },
        { at: { kind: 'sunrise' as const, offsetMin: 0 }, level: 0 },
      ],
    };
    const out = adapt(req(NAS, { type: 'uploadProgram', program, latitude: 46.58, longitude: 0.34 }), { holidays: ['01-01', '05-01', '12-23'] });
    assert.deepEqual(out.downlinks.map((d) => [d.id, d.fPort, d.dataHex.toUpperCase()]), [
      ['c1#1', 50, '210103FEFF0084328A001E64'],
      ['c1#2', 50, '2011023212220005000564'],
      ['c1#3', 50, '230301010501' + '0C17'],
    ]);
    assert.equal(out.downlinks[0].devEui, NAS.kind === 'device' ? NAS.devEui : '');
  });

  it('weekday calendars set the profile day mask; sunset offsets are refused clearly', function () {
    const weekdays = { id: '2', name: 'weekdays', steps: [{ at: { kind: 'clock' as const, time: '23:00' }, level: 0 }], calendar: [{ weekdays: [1, 2, 3, 4, 5], publicHolidays: false }] };
    // days mon..fri = bits 1..5 = 0x3E
    assert.deepEqual(frames(NAS, { type: 'uploadProgram', program: weekdays, latitude: 46.58, longitude: 0.34 }), [[50, '210201FE3E008A00']]);
    const offset = { id: '3', name: 'late', steps: [{ at: { kind: 'sunset' as const, offsetMin: 15 }, level: 100 }] };
    assert.throws(() => adapt(req(NAS, { type: 'uploadProgram', program: offset, latitude: 46.58, longitude: 0.34 })),
      (err: unknown) => err instanceof AdapterError && err.code === 'unsupported-command' && /zenith/.test(err.message));
  });

  it('uploadCalendar keeps the 9 next holidays (device limit) and says so', function () {
    const holidays = ['2025-01-01', '2025-04-21', '2025-05-01', '2025-05-08', '2025-05-29', '2025-06-09', '2025-07-14', '2025-08-15', '2025-11-01', '2025-11-11', '2025-12-25'];
    const out = adapt(req(NAS, { type: 'uploadCalendar', holidays }));
    // from 2025-04-10: 04-21 … 12-25 (9), then 01-01 left out… and 11-11? count: 04-21,05-01,05-08,05-29,06-09,07-14,08-15,11-01,11-11 = 9
    assert.equal(out.downlinks[0].dataHex.toUpperCase(), '2309' + '0415' + '0501' + '0508' + '051D' + '0609' + '070E' + '080F' + '0B01' + '0B0B');
    assert.equal(out.warnings.length, 1);
    assert.match(out.warnings[0], /12-25, 01-01 left out/);
  });
});

describe('lighting adapters: cabinet relays (central scheduling)', function () {
  it('R831C: level > 0 → on, 0 → off, per relay or all', function () {
    assert.deepEqual(frames(R831C, { type: 'setLevel', level: 100 }), [[7, '91AD0700000000000000' + '00']]);
    assert.deepEqual(frames({ ...R831C, channel: 'relay2' } as LightingTarget, { type: 'setLevel', level: 0 }), [[7, '90AD0200000000000000' + '00']]);
    const dim = adapt(req(R831C, { type: 'setLevel', level: 40 }));
    assert.equal(dim.downlinks[0].dataHex.slice(0, 6), '91ad07');
    assert.match(dim.warnings[0], /cannot dim/);
    assert.deepEqual(frames(R831C, { type: 'requestStatus' }), [[7, '94AD000000000000000000']]);
  });

  it('WS558: setSwitches on/off per output or all', function () {
    assert.deepEqual(frames({ ...WS558, channel: 'switch1' } as LightingTarget, { type: 'setLevel', level: 100 }), [[85, '080101']]);
    assert.deepEqual(frames(WS558, { type: 'setLevel', level: 0 }), [[85, '08FF00']]);
    assert.deepEqual(frames(WS558, { type: 'requestStatus' }), [[85, 'FF28FF']]);
  });

  it('refuses what a relay cannot do, unknown outputs and unknown models', function () {
    for (const command of [{ type: 'resume' }, { type: 'syncTime', time: '' }, { type: 'uploadCalendar', holidays: [] }] as LightingCommand[]) {
      assert.throws(() => adapt(req(WS558, command)), (err: unknown) => err instanceof AdapterError && err.code === 'unsupported-command');
    }
    assert.throws(() => adapt(req({ ...R831C, channel: 'relay4' } as LightingTarget, { type: 'setLevel', level: 0 })), /no output "relay4"/);
    assert.throws(() => adapt(req({ ...NAS, model: 'acme-x' } as LightingTarget, { type: 'setLevel', level: 0 })), (err: unknown) => err instanceof AdapterError && err.code === 'unknown-model');
    assert.throws(() => adapt(req({ kind: 'group', group: 'g' }, { type: 'setLevel', level: 0 })), /expanded/);
  });

  it('a multicast target gets one frame addressed to the group', function () {
    const out = adapt(req({ kind: 'multicast', multicastGroupId: 'mc-1', members: ['a', 'b'], model: 'nas-ul20xx' }, { type: 'setLevel', level: 0 }));
    assert.deepEqual(out.downlinks, [{ id: 'c1', multicastGroupId: 'mc-1', fPort: 60, dataHex: '01fe00' }]);
  });
});
