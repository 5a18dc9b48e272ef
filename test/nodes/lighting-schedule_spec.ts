/**
 * lighting-schedule in a Node-RED runtime with a fake clock (sinon fake timers): central relays get
 * their commands at the step times (across the fall-back night), a NAS controller gets its upload once
 * and again when the program changes and at the DST switch (UTC device clock); status output.
 * And lighting-whatif: French table rows for a commune.
 */
import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper, received } from '../support/nodered';

const programNode = builtNode('lighting-program') as NodeInitializer;
const scheduleNode = builtNode('lighting-schedule') as NodeInitializer;
const whatifNode = builtNode('lighting-whatif') as NodeInitializer;
type Msg = Record<string, any>;
type FlowItem = TestFlowsItem & Record<string, unknown>;

const WINTER_STEPS = [
  { at: 'sunset', time: '', offset: 0, level: 100 }, { at: 'clock', time: '00:00', offset: 0, level: 0 },
  { at: 'clock', time: '05:00', offset: 0, level: 100 }, { at: 'sunrise', time: '', offset: 0, level: 0 },
];
const RELAY = { devEui: '00137a1000014f02', model: 'netvox-r831c', latitude: 46.5802, longitude: 0.3404, powerW: 3600, name: 'Saint-Éloi' };
const NAS = { devEui: '4c1cb60000f60301', model: 'nas-ul20xx', latitude: 46.5812, longitude: 0.3448, powerW: 60 };

function flow(targets: unknown[]): FlowItem[] {
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'prog', type: 'lighting-program', name: 'hiver', steps: WINTER_STEPS, rules: [], priority: 1 },
    { id: 'sch', type: 'lighting-schedule', program: 'prog', targets, sendOnStart: true, ...at, wires: [['cmd'], ['st']] },
    { id: 'cmd', type: 'helper', ...at },
    { id: 'st', type: 'helper', ...at },
  ];
}

describe('lighting-schedule node', function () {
  let clock: sinon.SinonFakeTimers | undefined;
  before(async function () {
    await helper.startServer();
  });
  after(async function () {
    await helper.stopServer();
  });
  afterEach(async function () {
    clock?.restore();
    clock = undefined;
    await helper.unload();
  });

  it('sends each relay command at its step time across the fall-back night', async function () {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-10-24T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    await helper.load([programNode, scheduleNode], flow([RELAY]));
    const cmd = received('cmd');
    await clock.tickAsync(2500);
    // The level in force at deploy (noon: off) goes out once the flows have started, so nodes wired
    // after the schedule receive it too.
    assert.equal(cmd.length, 1, 'noon: the level in force is sent once the flows have started');
    assert.equal(cmd[0].payload.command.level, 0);
    cmd.length = 0;
    const times: Array<[string, number]> = [];
    for (let h = 0; h < 24; h++) {
      await clock.tickAsync(3600000);
      while (cmd.length > 0) {
        const m = cmd.shift()!;
        assert.equal(m.payload.source, 'program');
        assert.equal(m.payload.requestedBy, 'schedule');
        assert.equal(m.topic, RELAY.devEui);
        times.push([m.payload.requestedAt, m.payload.command.level]);
      }
    }
    assert.deepEqual(times.map((x) => x[1]), [100, 0, 100, 0]);
    assert.ok(Math.abs(Date.parse(times[0][0]) - Date.parse('2026-10-24T16:56:15Z')) <= 60000, `sunset at ${times[0][0]}`);
    assert.equal(times[1][0].slice(0, 16), '2026-10-24T22:00'); // 00:00 CEST
    assert.equal(times[2][0].slice(0, 16), '2026-10-25T04:00'); // 05:00 CET, after the switch
    assert.ok(Math.abs(Date.parse(times[3][0]) - Date.parse('2026-10-25T06:30:05Z')) <= 60000, `sunrise at ${times[3][0]}`);
  });

  it('uploads into a NAS controller once, again at the DST switch and when the program changes', async function () {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-03-27T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const cmdList: Msg[] = [];
    const items = flow([NAS]);
    await helper.load([programNode, scheduleNode], items);
    helper.getNode('cmd').on('input', (m: Msg) => cmdList.push(m));
    // The deploy-time upload is held until the flows have started, then reaches the wired nodes.
    await clock.tickAsync(2500);
    const uploaded = (helper.getNode('sch') as any).context().get('uploaded');
    assert.ok(uploaded && uploaded[NAS.devEui]?.program, 'uploaded at deploy');
    assert.deepEqual(cmdList.map((m) => m.payload.command.type), ['uploadProgram', 'syncTime', 'uploadCalendar']);
    const upload = cmdList[0].payload.command;
    assert.deepEqual(upload.program.steps.filter((s: any) => s.at.kind === 'clock').map((s: any) => s.at.time), ['04:00', '23:00']);
    assert.equal(cmdList[2].payload.command.holidays.length, 9);
    cmdList.length = 0;
    await clock.tickAsync(24 * 3600000); // 28 March: nothing changes
    assert.equal(cmdList.length, 0);
    await clock.tickAsync(24 * 3600000); // past 29 March 01:00 UTC: summer time, UTC clock → re-upload
    const again = cmdList.filter((m) => m.payload.command.type === 'uploadProgram');
    assert.equal(again.length, 1);
    assert.deepEqual(again[0].payload.command.program.steps.filter((s: any) => s.at.kind === 'clock').map((s: any) => s.at.time), ['03:00', '22:00']);
    assert.equal(Date.parse(again[0].payload.requestedAt) - Date.parse('2026-03-29T01:00:00Z') <= 1000, true);
    cmdList.length = 0;
    helper.getNode('sch').receive({ topic: 'programs', payload: { id: 'p2', name: 'été', steps: [
      { at: { kind: 'sunset', offsetMin: 0 }, level: 100 }, { at: { kind: 'clock', time: '02:00' }, level: 0 }, { at: { kind: 'sunrise', offsetMin: 0 }, level: 0 }] } } as any);
    await clock.tickAsync(10);
    assert.deepEqual(cmdList.map((m) => m.payload.command.type), ['uploadProgram', 'syncTime']);
    cmdList.length = 0;
    await clock.tickAsync(3 * 24 * 3600000); // unchanged program: no new program upload on the following days
    assert.equal(cmdList.filter((m) => m.payload.command.type === 'uploadProgram').length, 0);
  });

  it('answers a status request with levels and the next change', async function () {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-01-15T20:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    await helper.load([programNode, scheduleNode], flow([RELAY, NAS]));
    const st = received('st');
    helper.getNode('sch').receive({ topic: 'status' } as any);
    await clock.tickAsync(10);
    assert.equal(st.length, 1);
    const relay = st[0].payload.targets.find((x: Msg) => x.devEui === RELAY.devEui);
    assert.equal(relay.level, 100);
    assert.equal(relay.scheduling, 'central');
    assert.deepEqual(relay.next, { time: '2026-01-15T23:00:00.000Z', local: '00:00', level: 0 });
  });
});

describe('lighting-whatif node', function () {
  before(async function () {
    await helper.startServer();
  });
  after(async function () {
    await helper.stopServer();
  });
  afterEach(async function () {
    await helper.unload();
  });

  it('gives French rows per cabinet, per commune and a total', async function () {
    const at = { z: 'f1', x: 100, y: 100 };
    await helper.load([programNode, whatifNode], [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'all', type: 'lighting-program', name: 'toute la nuit', steps: [WINTER_STEPS[0], WINTER_STEPS[3]], rules: [], priority: 1 },
      { id: 'cut', type: 'lighting-program', name: 'extinction', steps: WINTER_STEPS, rules: [], priority: 1 },
      { id: 'w', type: 'lighting-whatif', programA: 'all', programB: 'cut', year: '2026', tariff: '0.2', emission: '0.052', ...at, wires: [['out']] },
      { id: 'out', type: 'helper', ...at },
    ] as FlowItem[]);
    const out = received('out');
    helper.getNode('w').receive({ payload: [{ cabinetId: 'ARM-POI-0231', commune: 'Poitiers', installedPowerW: '4800', latitude: '46.5802', longitude: '0.3404' }] } as any);
    const deadline = Date.now() + 5000;
    while (out.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(out.length, 1);
    const rows = out[0].payload as Msg[];
    assert.equal(rows.length, 3);
    assert.equal(rows[0].armoire, 'ARM-POI-0231');
    assert.equal(rows[0]['économies kWh/an'], 8760);
    assert.equal(rows[0]['économies €/an'], 1752);
    assert.equal(rows[0]['économies kg CO2/an'], 456);
    assert.equal(rows[1].armoire, 'Total Poitiers');
    assert.equal(rows[2].armoire, 'Total');
    assert.ok(rows[2]['heures allumées A'] > 4280);
  });

  it('reports a missing cabinet list through done(err)', async function () {
    const at = { z: 'f1', x: 100, y: 100 };
    await helper.load([programNode, whatifNode], [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'all', type: 'lighting-program', name: 'a', steps: WINTER_STEPS, rules: [], priority: 1 },
      { id: 'w', type: 'lighting-whatif', programA: 'all', programB: 'all', ...at, wires: [[]] },
      { id: 'c', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
      { id: 'caught', type: 'helper', ...at },
    ] as FlowItem[]);
    const caught = received('caught');
    helper.getNode('w').receive({ payload: 'go' } as any);
    const deadline = Date.now() + 5000;
    while (caught.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.match(String(caught[0]?.error?.message), /cabinets|armoire/);
  });
});
