/**
 * lighting-control's drift check in a Node-RED runtime with fake timers: a relay cabinet commanded off,
 * confirmed, then reporting its relays on with no command pending → one `drift` alert (French text),
 * audited, the point's state carries the `drift` fault; cleared (and audited) by the next matching
 * status. Not raised while a command awaits confirmation, nor for a NAS controller (own program).
 */
import assert from 'node:assert/strict';
import type { NodeInitializer } from 'node-red';
import { lightingControlFlow, readAudit, useLightingRuntime } from '../support/lighting-control';
import { builtNode, helper, received } from '../support/nodered';

const lightingControl = builtNode('lighting-control') as NodeInitializer;

const T0 = Date.parse('2025-11-29T10:00:00Z');
const R831C = '00137a1000014f02';
const NAS = '4c1cb60000f60301';

const flow = () => lightingControlFlow({ timeoutMin: 20, retries: 2 });

function relayStatus(states: number[]): Record<string, unknown> {
  return {
    devEui: R831C, tenant: 't', model: 'netvox-r831c', time: new Date(Date.now()).toISOString(),
    measurements: states.map((value, i) => ({ quantity: 'relay_state', value, unit: '1', kind: 'instant', channel: `relay${i + 1}` })),
  };
}

describe('lighting-control node: drift from the level in force', function () {
  const runtime = useLightingRuntime({ prefix: 'lighting-drift-', fakeTimeFrom: T0 });

  it('a cabinet lit while commanded off → one drift alert, audited, cleared when it is off again', async function () {
    await helper.load(lightingControl, flow());
    const down = received('down');
    const ev = received('ev');
    const lc = helper.getNode('lc');
    lc.receive({ payload: { target: { kind: 'device', devEui: R831C, model: 'netvox-r831c' }, command: { type: 'setLevel', level: 0 }, requestedBy: 'schedule', reason: 'jour' } } as any);
    await runtime.clock.tickAsync(5000);
    assert.equal(down.length, 1);
    // While the command awaits its confirmation, a lit status is the confirmation's business, not a drift.
    lc.receive({ payload: relayStatus([1, 1, 1]) } as any);
    await runtime.clock.tickAsync(1000);
    lc.receive({ payload: relayStatus([0, 0, 0]) } as any); // confirms
    await runtime.clock.tickAsync(1000);
    assert.equal(ev.filter((m) => m.topic === 'alert').length, 0);

    await runtime.clock.tickAsync(60000);
    lc.receive({ payload: relayStatus([1, 1, 1]) } as any);
    await runtime.clock.tickAsync(1000);
    lc.receive({ payload: relayStatus([1, 1, 1]) } as any); // same episode
    await runtime.clock.tickAsync(1000);
    const alerts = ev.filter((m) => m.topic === 'alert');
    assert.equal(alerts.length, 1);
    const { event, alert } = alerts[0].payload;
    assert.equal(event, 'raised');
    assert.equal(alert.kind, 'drift');
    assert.equal(alert.id, `lighting-drift:${R831C}`);
    assert.equal(alert.severity, 'critical');
    assert.deepEqual([alert.commanded, alert.actual], [0, 100]);
    assert.match(alert.text, /^Point lumineux allumé alors que la commande est l'extinction : 00137a1000014f02 est à 100 % au lieu de 0 %/);
    const state = ev.filter((m) => m.topic === 'state').pop();
    assert.ok(state?.payload.faults.includes('drift'));
    assert.equal(state?.payload.actualLevel, 100);
    assert.equal(state?.payload.commandedLevel, 0);

    lc.receive({ payload: relayStatus([0, 0, 0]) } as any);
    await runtime.clock.tickAsync(1000);
    const after = ev.filter((m) => m.topic === 'alert');
    assert.equal(after.length, 2);
    assert.equal(after[1].payload.event, 'cleared');
    assert.equal(after[1].payload.alert.id, `lighting-drift:${R831C}`);
    assert.ok(!ev.filter((m) => m.topic === 'state').pop()?.payload.faults.includes('drift'));

    const results = readAudit<{ result: string; detail?: string; target: string; requestId: string }>(runtime.userDir);
    const drift = results.find((e) => e.result === 'drift');
    assert.equal(drift?.target, `${R831C}:`);
    assert.match(drift?.detail ?? '', /allumé alors que la commande est l'extinction/);
    assert.equal(drift?.requestId, results.find((e) => e.result === 'confirmed')?.requestId);
    assert.match(results.find((e) => e.result === 'drift-cleared')?.detail ?? '', /(de nouveau conforme à la commande|matches the command again) \(0 %\)/);
    assert.equal(results.filter((e) => e.result === 'drift').length, 1);
  });

  it('a NAS controller (own program) is not watched for drift', async function () {
    await helper.load(lightingControl, flow());
    const ev = received('ev');
    const lc = helper.getNode('lc');
    lc.receive({ payload: { target: { kind: 'device', devEui: NAS, model: 'nas-ul20xx' }, command: { type: 'setLevel', level: 30 }, source: 'manual', requestedBy: 'ana' } } as any);
    await runtime.clock.tickAsync(5000);
    const status = (value: number) => ({ devEui: NAS, tenant: 't', model: 'nas-ul20xx', time: new Date(Date.now()).toISOString(), measurements: [{ quantity: 'light_level', value, unit: '%', kind: 'instant', channel: 'dali_broadcast' }] });
    lc.receive({ payload: status(30) } as any);
    await runtime.clock.tickAsync(1000);
    lc.receive({ payload: status(100) } as any);
    await runtime.clock.tickAsync(1000);
    assert.equal(ev.filter((m) => m.topic === 'alert').length, 0);
  });
});
