/**
 * The downlink planner — the issue's spec: 500 controllers asked to switch within one minute. The plan
 * never exceeds the 10 % duty cycle of RX2's sub-band per gateway in any sliding hour, coalesces repeated
 * commands and uses multicast first for groups that have one.
 *
 * Numbers: a NAS "off" is 3 bytes (01 FE 00) → 1155.072 ms at SF12 (DR0, see lighting-airtime_spec);
 * 10 % of 3600 s = 360 s per hour → floor(360000 / 1155.072) = 311 frames per gateway and hour.
 */
import assert from 'node:assert/strict';
import { adapt } from '../../nodes/lib/lighting/adapters';
import { coalescingKey, DownlinkPlanner, PlannedSend, PlanItem } from '../../nodes/lib/lighting/budget';
import type { CommandSource, LightingCommand } from '../../nodes/lib/lighting/model';

const T0 = Date.parse('2025-11-20T23:00:00Z');
const FRAME_MS = 1155.072;
const HOUR = 3600000;

function devEui(i: number): string {
  return `70b3d5e75e${i.toString(16).padStart(6, '0')}`;
}

function item(i: number, gateway: string, command: LightingCommand, at: number, source: CommandSource = 'program', id = `r${i}-${at}`): PlanItem {
  const target = { kind: 'device' as const, devEui: devEui(i), model: 'nas-ul20xx' };
  const frames = adapt({ id, target, command, source, requestedAt: new Date(at).toISOString() }).downlinks;
  return { key: coalescingKey({ devEui: devEui(i) }, command.type), requestId: id, source, requestedAt: at, model: 'nas-ul20xx', devEuis: [devEui(i)], gateways: [gateway], frames };
}

/** For every gateway and every send, the airtime started in the hour ending at that send. */
function assertBounded(sends: PlannedSend[], budgetMs = 360000): void {
  const byGateway = new Map<string, PlannedSend[]>();
  for (const s of sends) for (const g of s.gateways) byGateway.set(g, [...(byGateway.get(g) ?? []), s]);
  for (const [g, list] of byGateway) {
    list.sort((a, b) => a.at - b.at);
    for (let i = 0; i < list.length; i++) {
      if (i > 0) assert.ok(list[i].at >= list[i - 1].at + list[i - 1].airtimeMs - 1e-6, `${g}: two frames overlap (half duplex)`);
      const used = list.filter((s) => s.at > list[i].at - HOUR && s.at <= list[i].at).reduce((sum, s) => sum + s.airtimeMs, 0);
      assert.ok(used <= budgetMs + 1e-6, `${g}: ${used} ms of airtime in the hour ending at send ${i}`);
    }
  }
}

describe('lighting budget: 500 controllers switched within one minute', function () {
  // 100 controllers in two multicast groups of 50 (one per gateway), 400 unicast: 350 behind gw-a, 50 behind gw-b.
  const groupA = Array.from({ length: 50 }, (_v, i) => devEui(i));
  const groupB = Array.from({ length: 50 }, (_v, i) => devEui(50 + i));
  const gatewayOf = (i: number): string => (i < 50 ? 'gw-a' : i < 100 ? 'gw-b' : i < 450 ? 'gw-a' : 'gw-b');

  function flood(planner: DownlinkPlanner): void {
    // Within one minute (T0 … T0 + 59.88 s): first "on" for the first 100 unicast ones, then "off" for all 500.
    for (let i = 100; i < 200; i++) planner.enqueue(item(i, gatewayOf(i), { type: 'setLevel', level: 100 }, T0 + (i - 100) * 100));
    for (let i = 0; i < 500; i++) planner.enqueue(item(i, gatewayOf(i), { type: 'setLevel', level: 0 }, T0 + 10000 + i * 99));
  }

  function planner(horizonMs = 2 * HOUR): DownlinkPlanner {
    return new DownlinkPlanner({
      horizonMs,
      multicastGroups: [
        { multicastGroupId: 'mc-cabinet-a', model: 'nas-ul20xx', members: groupA },
        { multicastGroupId: 'mc-cabinet-b', model: 'nas-ul20xx', members: groupB },
      ],
    });
  }

  it('coalesces the repeated commands: 600 requests, 500 queued, 100 replaced', function () {
    const p = planner();
    flood(p);
    assert.equal(p.size, 500);
    assert.equal(p.coalesced, 100);
    const plan = p.plan(T0 + 60000);
    assert.ok(plan.sends.every((s) => s.downlink.dataHex === '01fe00'), 'only the newest command (off) is sent');
  });

  it('sends one multicast frame per group, first, instead of 100 unicast frames', function () {
    const now = T0 + 60000;
    const plan = (() => { const p = planner(); flood(p); return p.plan(now); })();
    const multicast = plan.sends.filter((s) => s.multicast);
    assert.deepEqual(multicast.map((s) => [s.downlink.multicastGroupId, s.gateways, s.at, s.items.length]), [
      ['mc-cabinet-a', ['gw-a'], now, 50],
      ['mc-cabinet-b', ['gw-b'], now, 50],
    ]);
    assert.equal(plan.viaMulticast, 100);
    assert.equal(plan.sends.length, 2 + 400);
    assert.ok(plan.sends.filter((s) => !s.multicast).every((s) => s.downlink.devEui !== undefined && !groupA.includes(s.downlink.devEui) && !groupB.includes(s.downlink.devEui)));
  });

  it('never exceeds 10 % duty cycle per gateway: 311 frames in the first hour behind gw-a, the rest one hour later', function () {
    const now = T0 + 60000;
    const p = planner();
    flood(p);
    const plan = p.plan(now);
    assertBounded(plan.sends);
    const gwA = plan.sends.filter((s) => s.gateways.includes('gw-a'));
    assert.equal(gwA.length, 351); // 1 multicast + 350 unicast
    const firstHour = gwA.filter((s) => s.at < now + HOUR);
    assert.equal(firstHour.length, 311); // floor(360000 / 1155.072)
    assert.ok(Math.abs(firstHour.reduce((sum, s) => sum + s.airtimeMs, 0) - 311 * FRAME_MS) < 1e-6);
    // The 312th waits until the first frame leaves the window: exactly one hour after it.
    assert.equal(gwA[311].at, now + HOUR);
    // gw-b (1 multicast + 50 unicast = 58.9 s of airtime) goes without waiting, back to back.
    const gwB = plan.sends.filter((s) => s.gateways.includes('gw-b'));
    assert.equal(gwB.length, 51);
    assert.ok(gwB[50].at < now + 60000);
    assert.equal(plan.deferred, plan.sends.filter((s) => s.at > now).length);
  });

  it('with a 1-hour horizon what does not fit waits in the queue (bounded plan)', function () {
    const now = T0 + 60000;
    const p = planner(HOUR - 1);
    flood(p);
    const plan = p.plan(now);
    assertBounded(plan.sends);
    assert.equal(plan.waiting.length, 40); // 351 − 311 behind gw-a
    assert.equal(plan.sends.length, 402 - 40);
    assert.equal(plan.deferred, plan.sends.filter((s) => s.at > now).length + 40);
  });

  it('committed sends keep counting in the next plans (sliding hour)', function () {
    const p = new DownlinkPlanner();
    for (let i = 0; i < 320; i++) p.enqueue(item(i, 'gw-a', { type: 'setLevel', level: 0 }, T0));
    const first = p.plan(T0);
    const due = first.sends.filter((s) => s.at < T0 + 600000);
    for (const s of due) p.commit(s, s.at);
    assert.equal(p.size, 320 - due.length);
    assert.ok(Math.abs(p.usedMs('gw-a', T0 + 600000) - due.length * FRAME_MS) < 1e-6);
    const later = p.plan(T0 + 600000);
    assertBounded([...due, ...later.sends]);
    const inFirstHour = due.length + later.sends.filter((s) => s.at < T0 + HOUR).length;
    assert.equal(inFirstHour, 311);
  });
});

describe('lighting budget: priorities, multicast conditions, expiry', function () {
  it('safety before manual before program, whatever the arrival order', function () {
    const p = new DownlinkPlanner();
    p.enqueue(item(1, 'gw', { type: 'setLevel', level: 0 }, T0, 'program'));
    p.enqueue(item(2, 'gw', { type: 'setLevel', level: 50 }, T0 + 1, 'manual'));
    p.enqueue(item(3, 'gw', { type: 'setLevel', level: 100 }, T0 + 2, 'safety'));
    const plan = p.plan(T0 + 10);
    assert.deepEqual(plan.sends.map((s) => s.items[0].devEuis[0]), [devEui(3), devEui(2), devEui(1)]);
    assert.deepEqual(plan.sends.map((s) => s.at), [T0 + 10, T0 + 10 + FRAME_MS, T0 + 10 + 2 * FRAME_MS]);
  });

  it('no multicast when a member is missing or has another frame; level and status commands coalesce apart', function () {
    const members = [devEui(1), devEui(2), devEui(3)];
    const p = new DownlinkPlanner({ multicastGroups: [{ multicastGroupId: 'mc', model: 'nas-ul20xx', members }] });
    p.enqueue(item(1, 'gw', { type: 'setLevel', level: 0 }, T0));
    p.enqueue(item(2, 'gw', { type: 'setLevel', level: 0 }, T0));
    assert.equal(p.plan(T0).sends.filter((s) => s.multicast).length, 0, 'member 3 has nothing queued');
    p.enqueue(item(3, 'gw', { type: 'setLevel', level: 50 }, T0));
    assert.equal(p.plan(T0).sends.filter((s) => s.multicast).length, 0, 'member 3 has another level');
    p.enqueue(item(3, 'gw', { type: 'requestStatus' }, T0));
    assert.equal(p.size, 4);
    p.enqueue(item(3, 'gw', { type: 'setLevel', level: 0 }, T0));
    const plan = p.plan(T0);
    assert.equal(plan.sends.filter((s) => s.multicast).length, 1);
    assert.equal(plan.sends.length, 2); // the multicast and the status request
    for (const s of plan.sends) p.commit(s, T0);
    assert.equal(p.size, 0);
  });

  it('a command that cannot go before its notAfter time expires instead of running late', function () {
    const p = new DownlinkPlanner({ dutyCycle: 0.1, windowMs: 10000 }); // 1 s of airtime per 10 s
    const a = item(1, 'gw', { type: 'setLevel', level: 0 }, T0);
    const b = { ...item(2, 'gw', { type: 'setLevel', level: 0 }, T0), notAfter: T0 + 5000 };
    p.enqueue(a);
    // 1155 ms > 1000 ms budget: a single frame exceeds the whole budget.
    assert.throws(() => p.plan(T0), /exceeds the whole budget/);
    const q = new DownlinkPlanner({ dutyCycle: 0.2, windowMs: 10000 }); // 2 s per 10 s: one frame per window
    q.enqueue(a);
    q.enqueue(b);
    const plan = q.plan(T0);
    assert.equal(plan.sends.length, 1);
    assert.deepEqual(plan.expired.map((i) => i.requestId), [b.requestId]);
  });
});
