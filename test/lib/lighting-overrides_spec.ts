/**
 * Overrides: priorities safety > manual > program, expiry back to the program (resume for a device with
 * its own schedule, the last program level for a central relay), resume ends an override.
 */
import assert from 'node:assert/strict';
import { OverrideManager } from '../../nodes/lib/lighting/overrides';
import type { CommandRequest, CommandSource, LightingCommand } from '../../nodes/lib/lighting/model';

const T0 = Date.parse('2025-11-20T22:00:00Z');
const NAS = { deviceSchedule: true, timedOverride: true };
const RELAY = { deviceSchedule: false, timedOverride: false };
let n = 0;
function req(source: CommandSource, command: LightingCommand, extra: Partial<CommandRequest> = {}): CommandRequest {
  return { id: `q${n++}`, target: { kind: 'device', devEui: 'a', model: 'x' }, command, source, requestedAt: new Date(T0).toISOString(), ...extra };
}

describe('lighting overrides', function () {
  it('a relay override expires back to the last program level', function () {
    const o = new OverrideManager();
    assert.deepEqual(o.apply('k', req('program', { type: 'setLevel', level: 0 }), RELAY, T0), { action: 'send', command: { type: 'setLevel', level: 0 } });
    const d = o.apply('k', req('manual', { type: 'setLevel', level: 100 }, { reason: 'travaux', requestedBy: 'alice', expiresAt: new Date(T0 + 3600000).toISOString() }), RELAY, T0);
    assert.equal(d.action, 'send');
    assert.deepEqual(o.active('k', T0)?.reason, 'travaux');
    // The program's 23:00 step arrives during the override: held, remembered.
    const held = o.apply('k', req('program', { type: 'setLevel', level: 30 }), RELAY, T0 + 1000);
    assert.equal(held.action, 'hold');
    assert.equal(o.programLevel('k'), 30);
    assert.equal(o.nextExpiry(), T0 + 3600000);
    assert.deepEqual(o.expire(T0 + 3599999, () => RELAY), []);
    const [e] = o.expire(T0 + 3600000, () => RELAY);
    assert.deepEqual(e.decision, { action: 'send', command: { type: 'setLevel', level: 30 }, endsOverride: true });
    assert.equal(o.active('k', T0 + 3600000), undefined);
  });

  it('a NAS override ends with "resume", or by itself when sent with a duration', function () {
    const o = new OverrideManager();
    const d = o.apply('k', req('manual', { type: 'setLevel', level: 100 }, { expiresAt: new Date(T0 + 30 * 60000).toISOString() }), NAS, T0);
    assert.deepEqual(d.action === 'send' && d.command, { type: 'setLevel', level: 100, durationMin: 30 }); // the device ends it too
    assert.deepEqual(o.expire(T0 + 30 * 60000, () => NAS)[0].decision.action, 'hold'); // device-resumes
    o.apply('k', req('manual', { type: 'setLevel', level: 20 }, { expiresAt: new Date(T0 + 600 * 60000).toISOString() }), NAS, T0); // > 255 min: central
    assert.deepEqual(o.expire(T0 + 600 * 60000, () => NAS)[0].decision, { action: 'send', command: { type: 'resume' }, endsOverride: true });
  });

  it('safety beats manual, manual cannot resume a safety override, resume ends a manual one', function () {
    const o = new OverrideManager();
    o.apply('k', req('safety', { type: 'setLevel', level: 100 }, { reason: 'accident' }), RELAY, T0);
    const refused = o.apply('k', req('manual', { type: 'setLevel', level: 0 }), RELAY, T0);
    assert.equal(refused.action, 'refuse');
    assert.equal(o.apply('k', req('manual', { type: 'resume' }), RELAY, T0).action, 'refuse');
    assert.equal(o.apply('k', req('program', { type: 'setLevel', level: 0 }), RELAY, T0).action, 'hold');
    // safety resume: back to the program level (0)
    assert.deepEqual(o.apply('k', req('safety', { type: 'resume' }), RELAY, T0), { action: 'send', command: { type: 'setLevel', level: 0 }, endsOverride: true });
    o.apply('k', req('manual', { type: 'setLevel', level: 60 }), RELAY, T0);
    assert.equal(o.active('k', T0 + 86400000)?.level, 60, 'no expiry: until resume');
    assert.deepEqual(o.apply('k', req('manual', { type: 'resume' }), NAS, T0), { action: 'send', command: { type: 'resume' }, endsOverride: true });
    assert.equal(o.active('k', T0), undefined);
  });

  it('non-level commands pass; unknown program level holds; an already expired override is refused', function () {
    const o = new OverrideManager();
    o.apply('k', req('manual', { type: 'setLevel', level: 60 }), RELAY, T0);
    assert.equal(o.apply('k', req('program', { type: 'requestStatus' }), RELAY, T0).action, 'send');
    const d = o.apply('k', req('manual', { type: 'resume' }), RELAY, T0);
    assert.deepEqual(d.action === 'hold' && d.code, 'program-unknown');
    const late = o.apply('k', req('manual', { type: 'setLevel', level: 10 }, { expiresAt: new Date(T0 - 1).toISOString() }), RELAY, T0);
    assert.deepEqual(late.action === 'refuse' && late.code, 'expired');
  });
});
