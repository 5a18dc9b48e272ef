/**
 * Confirmation by the next status: a confirmed command, tolerance, stale readings, retries, then the
 * mismatch alert (or "unconfirmed" when no status came), cleared by a later confirmation.
 */
import assert from 'node:assert/strict';
import { ConfirmationTracker } from '../../nodes/lib/lighting/confirmation';
import type { Measurement, Reading } from '../../nodes/lib/contracts';

const T0 = Date.parse('2025-11-20T22:00:00Z');
const MIN = 60000;
const DEV = '70b3d5e75e000001';

function reading(at: number, measurements: Measurement[], devEui = DEV): Reading {
  return { devEui, tenant: 't', time: new Date(at).toISOString(), model: 'nas-ul20xx', measurements };
}
function level(value: number, channel = 'dali_broadcast'): Measurement {
  return { quantity: 'light_level', value, unit: '%', kind: 'instant', channel };
}

describe('lighting confirmation', function () {
  it('confirms within tolerance, ignores stale readings and other devices', function () {
    const c = new ConfirmationTracker({ timeoutMs: 20 * MIN, retries: 2, tolerancePct: 2 });
    c.expect({ key: 'k', devEui: DEV, channel: 'dali_broadcast', requestId: 'r1', commanded: 50, quantity: 'light_level' }, T0);
    assert.deepEqual(c.onReading(reading(T0 - 5000, [level(50)]), T0 + 1), []); // before the send
    assert.deepEqual(c.onReading(reading(T0 + 1000, [level(50)], 'ffffffffffffffff'), T0 + 1000), []);
    assert.deepEqual(c.onReading(reading(T0 + 1000, [level(45)]), T0 + 1000), []); // not yet applied
    const [ok] = c.onReading(reading(T0 + 60000, [level(52)]), T0 + 60000);
    assert.equal(ok.actual, 52);
    assert.equal(c.size, 0);
  });

  it('a relay is confirmed by relay_state, all relays when no channel', function () {
    const c = new ConfirmationTracker();
    c.expect({ key: 'k', devEui: DEV, requestId: 'r', commanded: 40, quantity: 'relay_state' }, T0);
    const relays = (a: number, b: number): Measurement[] => [
      { quantity: 'relay_state', value: a, unit: '1', kind: 'instant', channel: 'relay1' },
      { quantity: 'relay_state', value: b, unit: '1', kind: 'instant', channel: 'relay2' },
    ];
    assert.equal(c.onReading(reading(T0 + 1, relays(1, 0)), T0 + 1).length, 0);
    assert.equal(c.onReading(reading(T0 + 2, relays(1, 1)), T0 + 2)[0].actual, 100);
  });

  it('timeout → retries → mismatch alert (stable id, French text), cleared by a later confirmation', function () {
    const c = new ConfirmationTracker({ timeoutMs: 20 * MIN, retries: 2 });
    c.expect({ key: 'k', devEui: DEV, channel: 'dali_broadcast', requestId: 'r1', commanded: 0, quantity: 'light_level' }, T0);
    c.onReading(reading(T0 + MIN, [level(100)]), T0 + MIN);
    assert.deepEqual(c.tick(T0 + 20 * MIN - 1), []);
    assert.deepEqual(c.tick(T0 + 20 * MIN).map((a) => a.kind), ['retry']);
    assert.equal(c.nextDeadline(), T0 + 40 * MIN);
    assert.deepEqual(c.tick(T0 + 40 * MIN).map((a) => a.kind), ['retry']);
    const [a] = c.tick(T0 + 60 * MIN);
    assert.equal(a.kind, 'alert');
    const alert = a.kind === 'alert' ? a.event.alert : undefined;
    assert.equal(alert?.id, `lighting-mismatch:${DEV}:dali_broadcast`);
    assert.equal(alert?.kind, 'mismatch');
    assert.equal(alert?.severity, 'critical'); // commanded off, lit
    assert.deepEqual([alert?.commanded, alert?.actual, alert?.attempts], [0, 100, 2]);
    assert.match(alert?.text ?? '', /est à 100 % au lieu de 0 % demandés, après 3 envoi\(s\)/);
    assert.equal(c.alerts, 1);
    c.expect({ key: 'k', devEui: DEV, channel: 'dali_broadcast', requestId: 'r2', commanded: 0, quantity: 'light_level' }, T0 + 61 * MIN);
    const [ok] = c.onReading(reading(T0 + 62 * MIN, [level(0)]), T0 + 62 * MIN);
    assert.equal(ok.cleared?.event, 'cleared');
    assert.equal(ok.cleared?.alert.id, alert?.id);
    assert.equal(c.alerts, 0);
  });

  it('no status at all → "unconfirmed", never assumed', function () {
    const c = new ConfirmationTracker({ timeoutMs: MIN, retries: 0 });
    c.expect({ key: 'k', devEui: DEV, requestId: 'r1', commanded: 100, quantity: 'light_level' }, T0);
    const [a] = c.tick(T0 + MIN);
    assert.ok(a.kind === 'alert' && a.event.alert.kind === 'unconfirmed' && a.event.alert.actual === undefined);
    assert.match(a.kind === 'alert' ? a.event.alert.text : '', /non confirmée.*état réel inconnu/);
  });
});
