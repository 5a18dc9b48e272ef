/**
 * Drift: a status that differs from the level in force with no pending command raises one `drift` alert
 * per episode (French text), cleared by the first matching status; stale readings, other devices,
 * busy targets and statuses within the tolerance do not raise it.
 */
import assert from 'node:assert/strict';
import { DriftWatch } from '../../nodes/lib/lighting/confirmation';
import type { Measurement, Reading } from '../../nodes/lib/contracts';

const T0 = Date.parse('2025-11-29T10:00:00Z');
const DEV = '00137a1000014f02';

function reading(at: number, measurements: Measurement[], devEui = DEV): Reading {
  return { devEui, tenant: 't', time: new Date(at).toISOString(), model: 'netvox-r831c', measurements };
}
function relays(...states: number[]): Measurement[] {
  return states.map((value, i) => ({ quantity: 'relay_state', value, unit: '1', kind: 'instant', channel: `relay${i + 1}` }));
}
function level(value: number): Measurement {
  return { quantity: 'light_level', value, unit: '%', kind: 'instant', channel: 'dali_broadcast' };
}

describe('lighting drift', function () {
  it('a relay on while commanded off: one alert per episode, cleared when the status matches again', function () {
    const d = new DriftWatch();
    d.set({ key: `${DEV}:`, devEui: DEV, quantity: 'relay_state', level: 0, requestId: 'r1', since: T0 });
    assert.deepEqual(d.onReading(reading(T0 + 1000, relays(0, 0, 0)), T0 + 1000), []);
    const [raised] = d.onReading(reading(T0 + 60000, relays(0, 1, 0)), T0 + 60000);
    assert.equal(raised.event, 'raised');
    assert.equal(raised.alert.kind, 'drift');
    assert.equal(raised.alert.id, `lighting-drift:${DEV}`);
    assert.equal(raised.alert.severity, 'critical');
    assert.deepEqual([raised.alert.commanded, raised.alert.actual, raised.alert.requestId], [0, 100, 'r1']);
    assert.match(raised.alert.text, /^Point lumineux allumé alors que la commande est l'extinction : 00137a1000014f02 est à 100 % au lieu de 0 % \(écart constaté sur l'état remonté/);
    // The same episode: no second alert.
    assert.deepEqual(d.onReading(reading(T0 + 120000, relays(1, 1, 1)), T0 + 120000), []);
    assert.equal(d.alerts, 1);
    assert.ok(d.isRaised(`${DEV}:`));
    const [cleared] = d.onReading(reading(T0 + 180000, relays(0, 0, 0)), T0 + 180000);
    assert.equal(cleared.event, 'cleared');
    assert.equal(cleared.alert.id, raised.alert.id);
    assert.equal(cleared.clearedAt, new Date(T0 + 180000).toISOString());
    assert.equal(d.alerts, 0);
    // A new episode raises again.
    assert.equal(d.onReading(reading(T0 + 240000, relays(1, 0, 0)), T0 + 240000)[0].event, 'raised');
  });

  it('off while commanded on is critical too; a dimming difference beyond the tolerance is a warning', function () {
    const d = new DriftWatch(2);
    d.set({ key: `${DEV}:relay2`, devEui: DEV, channel: 'relay2', quantity: 'relay_state', level: 100, requestId: 'r', since: T0 });
    d.set({ key: 'nas:', devEui: 'AABBCCDDEEFF0011', quantity: 'light_level', channel: 'dali_broadcast', level: 50, requestId: 'n', since: T0 });
    // relay1 is not the watched output.
    assert.deepEqual(d.onReading(reading(T0 + 1, relays(0, 1, 0)), T0 + 1), []);
    const [off] = d.onReading(reading(T0 + 2, relays(1, 0, 1)), T0 + 2);
    assert.equal(off.alert.severity, 'critical');
    assert.equal(off.alert.channel, 'relay2');
    assert.match(off.alert.text, /^Point lumineux éteint alors que la commande est l'allumage : 00137a1000014f02 \(sortie relay2\) est à 0 % au lieu de 100 %/);
    assert.deepEqual(d.onReading(reading(T0 + 3, [level(52)], 'aabbccddeeff0011'), T0 + 3), []); // within ± 2
    const [dim] = d.onReading(reading(T0 + 4, [level(30)], 'aabbccddeeff0011'), T0 + 4);
    assert.equal(dim.alert.severity, 'warning');
    assert.match(dim.alert.text, /^Niveau d'éclairage différent de la commande : le point lumineux aabbccddeeff0011 \(sortie dali_broadcast\) est à 30 % au lieu de 50 % commandés/);
  });

  it('ignores readings before the command, other devices, statuses without the quantity and busy targets', function () {
    const d = new DriftWatch();
    d.set({ key: 'k', devEui: DEV, quantity: 'relay_state', level: 0, requestId: 'r', since: T0 });
    assert.deepEqual(d.onReading(reading(T0 - 5000, relays(1, 1, 1)), T0), []); // the state before the command
    assert.deepEqual(d.onReading(reading(T0 + 1, relays(1, 1, 1), 'ffffffffffffffff'), T0 + 1), []);
    assert.deepEqual(d.onReading(reading(T0 + 2, [{ quantity: 'voltage', value: 230, unit: 'V', kind: 'instant' }]), T0 + 2), []);
    assert.deepEqual(d.onReading(reading(T0 + 3, relays(1, 1, 1)), T0 + 3, () => true), []);
    assert.equal(d.onReading(reading(T0 + 4, relays(1, 1, 1)), T0 + 4, () => false).length, 1);
  });

  it('a new level keeps the episode open until a status matches it; remove() clears it', function () {
    const d = new DriftWatch();
    d.set({ key: 'k', devEui: DEV, quantity: 'relay_state', level: 0, requestId: 'r1', since: T0 });
    d.onReading(reading(T0 + 1, relays(1, 1, 1)), T0 + 1);
    d.set({ key: 'k', devEui: DEV, quantity: 'relay_state', level: 100, requestId: 'r2', since: T0 + 10 });
    assert.equal(d.baseline('k')?.requestId, 'r2');
    const [cleared] = d.onReading(reading(T0 + 20, relays(1, 1, 1)), T0 + 20);
    assert.equal(cleared.event, 'cleared');
    d.onReading(reading(T0 + 30, relays(0, 0, 0)), T0 + 30);
    assert.equal(d.remove('k', T0 + 40)?.event, 'cleared');
    assert.equal(d.baseline('k'), undefined);
    assert.equal(d.remove('k', T0 + 50), undefined);
  });
});
