/**
 * Timelines of a winter program (sunset → 100 %, 00:00 → 0 %, 05:00 → 100 %, sunrise → 0 %) at
 * Poitiers across both DST nights of 2026, the DST rule of local times, calendar rules and a
 * summer/winter pair; the NAS device program and capabilities.
 */
import assert from 'node:assert/strict';
import { capabilitiesOf, deviceProgram, nasFrames } from '../../nodes/lib/lighting/capabilities';
import { localToUtc, matchesRule, programFor } from '../../nodes/lib/lighting/calendar';
import type { LightingProgram } from '../../nodes/lib/lighting/model';
import { compileTimeline, levelAt, nextChange } from '../../nodes/lib/lighting/schedule';

const POITIERS = { latitude: 46.5802, longitude: 0.3404 };
const winter: LightingProgram = { id: 'winter', name: 'hiver', steps: [
  { at: { kind: 'sunset', offsetMin: 0 }, level: 100 }, { at: { kind: 'clock', time: '00:00' }, level: 0 },
  { at: { kind: 'clock', time: '05:00' }, level: 100 }, { at: { kind: 'sunrise', offsetMin: 0 }, level: 0 }],
  calendar: [{ dates: [{ from: '10-01', to: '03-31' }] }] };
const summer: LightingProgram = { id: 'summer', name: 'été', steps: [
  { at: { kind: 'sunset', offsetMin: 0 }, level: 100 }, { at: { kind: 'clock', time: '02:00' }, level: 0 },
  { at: { kind: 'clock', time: '05:00' }, level: 100 }, { at: { kind: 'sunrise', offsetMin: 0 }, level: 0 }],
  calendar: [{ dates: [{ from: '04-01', to: '09-30' }] }] };

function near(iso: string, expected: string): void {
  assert.ok(Math.abs(Date.parse(iso) - Date.parse(expected)) <= 60000, `${iso} vs ${expected}`);
}

describe('lighting schedule', function () {
  it('local time → UTC on the DST nights (documented rule)', function () {
    assert.equal(new Date(localToUtc('2026-03-29', 150)).toISOString(), '2026-03-29T01:30:00.000Z'); // 02:30 does not exist → 03:30 CEST
    assert.equal(new Date(localToUtc('2026-10-25', 150)).toISOString(), '2026-10-25T00:30:00.000Z'); // 02:30 twice → first (CEST)
    assert.equal(new Date(localToUtc('2026-10-25', 210)).toISOString(), '2026-10-25T02:30:00.000Z'); // 03:30 CET
    assert.equal(new Date(localToUtc('2026-01-15', 0)).toISOString(), '2026-01-14T23:00:00.000Z');
    assert.equal(new Date(localToUtc('2026-07-01', 0)).toISOString(), '2026-06-30T22:00:00.000Z');
  });

  it('spring-forward night 2026-03-28/29: the right UTC instants (cut lasts 4 h)', function () {
    const t = compileTimeline([winter], POITIERS, '2026-03-28', '2026-03-28');
    assert.deepEqual(t.map((e) => [e.level, e.stepIndex]), [[100, 0], [0, 1], [100, 2], [0, 3]]);
    near(t[0].time, '2026-03-28T18:22:02Z'); // sunset 19:22 CET
    assert.equal(t[1].time, '2026-03-28T23:00:00.000Z'); // 00:00 CET
    assert.equal(t[2].time, '2026-03-29T03:00:00.000Z'); // 05:00 CEST
    near(t[3].time, '2026-03-29T05:44:13Z'); // sunrise 07:44 CEST
  });

  it('fall-back night 2026-10-24/25: the right UTC instants (cut lasts 6 h)', function () {
    const t = compileTimeline([winter], POITIERS, '2026-10-24', '2026-10-24');
    near(t[0].time, '2026-10-24T16:56:15Z');
    assert.equal(t[1].time, '2026-10-24T22:00:00.000Z'); // 00:00 CEST
    assert.equal(t[2].time, '2026-10-25T04:00:00.000Z'); // 05:00 CET
    near(t[3].time, '2026-10-25T06:30:05Z');
  });

  it('level in force and next change', function () {
    const t = compileTimeline([winter], POITIERS, '2026-01-14', '2026-01-15');
    assert.equal(levelAt(t, Date.parse('2026-01-15T12:00:00Z')), 0);
    assert.equal(levelAt(t, Date.parse('2026-01-15T20:00:00Z')), 100);
    assert.equal(levelAt(t, Date.parse('2026-01-15T23:30:00Z')), 0);
    assert.equal(nextChange(t, Date.parse('2026-01-15T20:00:00Z'))?.time, '2026-01-15T23:00:00.000Z');
  });

  it('summer/winter programs by date range and priority', function () {
    assert.equal(programFor([winter, summer], '2026-03-31')?.id, 'winter');
    assert.equal(programFor([winter, summer], '2026-04-01')?.id, 'summer');
    assert.equal(programFor([winter, summer], '2026-12-31')?.id, 'winter');
    const t = compileTimeline([winter, summer], POITIERS, '2026-03-31', '2026-04-01');
    assert.deepEqual(t.filter((e) => e.level === 0 && e.stepIndex === 1).map((e) => e.time), ['2026-03-31T22:00:00.000Z', '2026-04-02T00:00:00.000Z']);
  });

  it('calendar rules: weekdays and public holidays', function () {
    assert.equal(matchesRule({ weekdays: [5, 6] }, '2026-01-16'), true); // a Friday
    assert.equal(matchesRule({ weekdays: [5, 6] }, '2026-01-15'), false);
    assert.equal(matchesRule({ publicHolidays: true }, '2026-07-14'), true);
    assert.equal(matchesRule({ publicHolidays: false }, '2026-07-14'), false);
    assert.equal(matchesRule({ publicHolidays: true }, '2026-07-15'), false);
    const holiday: LightingProgram = { id: 'h', name: 'fêtes', steps: [{ at: { kind: 'sunset', offsetMin: 0 }, level: 100 }, { at: { kind: 'sunrise', offsetMin: 0 }, level: 0 }], calendar: [{ publicHolidays: true }] };
    assert.equal(programFor([holiday, winter], '2026-11-11')?.id, 'h');
    assert.equal(programFor([holiday, winter], '2026-11-12')?.id, 'winter');
  });

  it('clock steps in daylight are clamped out by the sun steps', function () {
    const p: LightingProgram = { id: 'x', name: 'x', steps: [...winter.steps.slice(0, 3), { at: { kind: 'clock', time: '07:00' }, level: 50 }, winter.steps[3]] };
    const t = compileTimeline([p], POITIERS, '2026-06-20', '2026-06-20'); // sunrise 06:05 CEST
    assert.equal(t.some((e) => e.stepIndex === 3), false);
  });

  it('capabilities: NAS runs in the device (UTC clock), relays centrally; NAS frames from the encoders', function () {
    assert.equal(capabilitiesOf('nas-ul20xx').scheduling, 'device');
    assert.equal(capabilitiesOf('UL2030').model, 'nas-ul20xx');
    assert.equal(capabilitiesOf('netvox-r831c').scheduling, 'central');
    assert.equal(capabilitiesOf('milesight-ws558').scheduling, 'central');
    assert.equal(capabilitiesOf('unknown-thing').known, false);
    const caps = capabilitiesOf('nas-ul20xx');
    const winterTime = deviceProgram(winter, caps, Date.parse('2026-01-15T12:00:00Z'));
    assert.deepEqual(winterTime.steps.filter((s) => s.at.kind === 'clock').map((s) => (s.at as { time: string }).time), ['04:00', '23:00']);
    const summerTime = deviceProgram(winter, caps, Date.parse('2026-07-15T12:00:00Z'));
    assert.deepEqual(summerTime.steps.filter((s) => s.at.kind === 'clock').map((s) => (s.at as { time: string }).time), ['03:00', '22:00']);
    // lighting.md §3 astro vector: 100 % at sunset, off at sunrise for 46.58 N 0.34 E.
    const frames = nasFrames({ id: 'a', name: 'a', steps: [winter.steps[0], winter.steps[3]] }, 46.58, 0.34);
    assert.equal(Buffer.from(frames[0].bytes).toString('hex'), '2011023212220005000564');
    assert.equal(frames[0].fPort, 50);
  });
});

describe('lighting cabinets table → targets', function () {
  it('keeps the ChirpStack application of each cabinet, so commands go to the commune\'s own application', function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { targetsFromCabinetRows } = require('../../nodes/lib/lighting/cabinets') as typeof import('../../nodes/lib/lighting/cabinets');
    const [relay, luminaire] = targetsFromCabinetRows([{
      cabinetId: 'ARM-MIG-0003', commune: 'Migné-Auxances', latitude: '46.63', longitude: '0.31',
      controllerDevEui: '24E124445D01F801', luminaireControllers: '4c1cb60000f70101', applicationId: 'c4e8a1b7-2d3f-4a96-8e5b-7f1c0d2e3b33',
    }]);
    assert.equal(relay.devEui, '24e124445d01f801');
    assert.equal(relay.model, 'milesight-ws558');
    assert.equal(relay.applicationId, 'c4e8a1b7-2d3f-4a96-8e5b-7f1c0d2e3b33');
    assert.equal(luminaire.applicationId, 'c4e8a1b7-2d3f-4a96-8e5b-7f1c0d2e3b33');
    assert.equal(targetsFromCabinetRows([{ cabinetId: 'A', latitude: 46, longitude: 0, controllerDevEui: '00137a1000014f02' }])[0].applicationId, undefined);
  });
});
