/**
 * lighting-control in a Node-RED runtime with fake timers: a dashboard override → DownlinkRequest with the
 * NAS bytes → a status Reading confirms → state event; a relay override expiring back to the program level;
 * an audit entry per command in the user directory (append-only: lines only grow); an unconfirmed command
 * → retries → alert.
 */
import assert from 'node:assert/strict';
import type { NodeInitializer } from 'node-red';
import { auditLines, lightingControlFlow, useLightingRuntime } from '../support/lighting-control';
import { builtNode, helper, received } from '../support/nodered';

const lightingControl = builtNode('lighting-control') as NodeInitializer;

type Msg = Record<string, any>;

const T0 = Date.parse('2025-11-20T21:00:00Z');
const NAS = '70b3d5e75e000001';
const WS = '24e124000000001a';

const flow = (config: Record<string, unknown> = {}) => lightingControlFlow({ timeoutMin: 20, retries: 2, ...config });

describe('lighting-control node', function () {
  const runtime = useLightingRuntime({ prefix: 'lighting-control-', fakeTimeFrom: T0 });

  it('dashboard override → NAS frame → confirmed by the status → audited (append-only)', async function () {
    await helper.load(lightingControl, flow());
    const down = received('down');
    const ev = received('ev');
    const lc = helper.getNode('lc');

    lc.receive({
      payload: { target: { kind: 'device', devEui: NAS, model: 'nas-ul20xx' }, command: { type: 'setLevel', level: 100 }, reason: 'travaux rue Carnot', expiresAt: new Date(T0 + 30 * 60000).toISOString() },
      _client: { user: { name: 'Alice Martin' } },
    } as any);
    await runtime.clock.tickAsync(10);
    assert.equal(down.length, 1);
    assert.deepEqual({ ...down[0].payload, id: undefined }, { id: undefined, devEui: NAS, fPort: 60, dataHex: '09fe641e', expiresAt: new Date(T0 + 10 * 60000).toISOString() });
    await runtime.clock.tickAsync(200);
    const first = auditLines(runtime.userDir);
    const entries = first.map((l) => JSON.parse(l));
    assert.deepEqual(entries.map((e) => e.result), ['queued', 'sent']);
    assert.equal(entries[0].requestedBy, 'Alice Martin');
    assert.equal(entries[0].reason, 'travaux rue Carnot');
    assert.equal(entries[1].frames[0].dataHex, '09fe641e');

    // The status uplink confirms.
    lc.receive({ payload: { devEui: NAS, tenant: 't', time: new Date(T0 + 60000).toISOString(), model: 'nas-ul20xx', measurements: [{ quantity: 'light_level', value: 100, unit: '%', kind: 'instant', channel: 'dali_broadcast' }] } } as any);
    await runtime.clock.tickAsync(200);
    const state = ev.filter((m) => m.topic === 'state').pop();
    assert.deepEqual([state?.payload.devEui, state?.payload.commandedLevel, state?.payload.actualLevel, state?.payload.confirmed, state?.payload.source, state?.payload.override?.reason],
      [NAS, 100, 100, true, 'manual', 'travaux rue Carnot']);
    const after = auditLines(runtime.userDir);
    assert.deepEqual(after.slice(0, first.length), first, 'earlier lines unchanged');
    assert.equal(JSON.parse(after[after.length - 1]).result, 'confirmed');

    // Expiry: the NAS ends the timed override itself: no downlink, state back to the program.
    await runtime.clock.tickAsync(30 * 60000);
    assert.equal(down.length, 1);
    const back = ev.filter((m) => m.topic === 'state').pop();
    assert.equal(back?.payload.source, 'program');
    assert.equal(back?.payload.override, undefined);
    await runtime.clock.tickAsync(200);
    assert.ok(auditLines(runtime.userDir).length > after.length);
    assert.deepEqual(auditLines(runtime.userDir).slice(0, after.length), after);
    assert.equal(JSON.parse(auditLines(runtime.userDir).pop() as string).result, 'resumed');
  });

  it('a relay override expires back to the program level in force', async function () {
    await helper.load(lightingControl, flow());
    const down = received('down');
    const lc = helper.getNode('lc');
    const target = { kind: 'device', devEui: WS, model: 'milesight-ws558', channel: 'switch1' };
    lc.receive({ payload: { target, command: { type: 'setLevel', level: 0 }, requestedBy: 'schedule' } } as any);
    await runtime.clock.tickAsync(5000);
    lc.receive({ payload: { target, command: { type: 'setLevel', level: 100 }, durationMin: 15, reason: 'manifestation', requestedBy: 'bob' } } as any);
    await runtime.clock.tickAsync(5000);
    // The program's next step during the override is held.
    lc.receive({ payload: { target, command: { type: 'setLevel', level: 0 }, requestedBy: 'schedule' } } as any);
    await runtime.clock.tickAsync(5000);
    assert.deepEqual(down.map((m) => m.payload.dataHex), ['080100', '080101']);
    await runtime.clock.tickAsync(15 * 60000);
    assert.deepEqual(down.map((m) => m.payload.dataHex), ['080100', '080101', '080100']);
    assert.equal(down[2].payload.devEui, WS);
  });

  it('an unconfirmed command → status requests → alert "unconfirmed" after the retries', async function () {
    await helper.load(lightingControl, flow({ timeoutMin: 1, retries: 2 }));
    const down = received('down');
    const ev = received('ev');
    const lc = helper.getNode('lc');
    lc.receive({ payload: { target: { kind: 'device', devEui: NAS, model: 'nas-ul20xx' }, command: { type: 'setLevel', level: 0 }, source: 'manual', requestedBy: 'carla' } } as any);
    await runtime.clock.tickAsync(10);
    assert.deepEqual(down.map((m) => m.payload.dataHex), ['01fe00']);
    await runtime.clock.tickAsync(60000);
    assert.deepEqual(down.map((m) => m.payload.dataHex), ['01fe00', '0503']);
    await runtime.clock.tickAsync(60000);
    assert.deepEqual(down.map((m) => m.payload.dataHex), ['01fe00', '0503', '0503']);
    assert.equal(ev.filter((m) => m.topic === 'alert').length, 0);
    await runtime.clock.tickAsync(60000);
    const alerts = ev.filter((m) => m.topic === 'alert');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].payload.event, 'raised');
    assert.equal(alerts[0].payload.alert.kind, 'unconfirmed');
    assert.equal(alerts[0].payload.alert.id, `lighting-mismatch:${NAS}:dali_broadcast`);
    await runtime.clock.tickAsync(1000);
    const audit = auditLines(runtime.userDir).map((l) => JSON.parse(l).result);
    assert.deepEqual(audit.filter((r) => r === 'retried').length, 2);
    assert.equal(audit[audit.length - 1], 'unconfirmed');
    // The reader for dashboards.
    lc.receive({ topic: 'audit', payload: 3 } as any);
    await runtime.clock.tickAsync(10);
    const last = ev.pop();
    assert.equal(last?.payload.length, 3);
    assert.equal(last?.payload[2].result, 'unconfirmed');
  });
});
