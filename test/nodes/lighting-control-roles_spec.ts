/**
 * lighting-control with dashboard logins on (settings.supervisorDashboardAuth, set by settings.ts when
 * SUPERVISOR_DASHBOARD_USERS_FILE is given): a dashboard command (msg._client) passes only from an
 * operator; a viewer's, or one without a known user, is refused with done(err), sends nothing and is
 * audited as refused naming the user and the role. Commands without msg._client (schedule, editor) pass.
 * Without dashboard logins nothing changes.
 */
import assert from 'node:assert/strict';
import type { NodeInitializer } from 'node-red';
import { lightingControlFlow, readAudit, useLightingRuntime } from '../support/lighting-control';
import { builtNode, helper, Msg, received, until } from '../support/nodered';

const lightingControl = builtNode('lighting-control') as NodeInitializer;
const NAS = '70b3d5e75e000001';

/** The node's errors go to a catch node, as a flow's refusals would. */
const flow = () => lightingControlFlow({}, [
  { id: 'catch', type: 'catch', scope: ['lc'], uncaught: false, wires: [['errors']] },
  { id: 'errors', type: 'helper', wires: [] },
]);

const override = (client?: unknown): Msg => ({
  payload: { target: { kind: 'device', devEui: NAS, model: 'nas-ul20xx' }, command: { type: 'setLevel', level: 80 }, reason: 'marché de Noël', durationMin: 60 },
  ...(client !== undefined ? { _client: client } : {}),
});

describe('lighting-control node: dashboard roles', function () {
  // Each test gives the runtime its own settings (dashboard logins on or off).
  const runtime = useLightingRuntime({ prefix: 'lighting-roles-', settings: false });

  it('with dashboard logins: a viewer is refused (nothing sent, audited), an operator is obeyed', async function () {
    helper.settings({ userDir: runtime.userDir, supervisorDashboardAuth: true } as Parameters<typeof helper.settings>[0]);
    await helper.load(lightingControl, flow());
    const down = received('down');
    const ev = received('ev');
    const errors = received('errors');
    const lc = helper.getNode('lc');

    lc.receive(override({ user: { username: 'agnes', role: 'viewer' }, socketId: 's1' }) as never);
    await until('the refusal reaches the Catch node', () => errors.length === 1);
    assert.match(errors[0].error.message, /dashboard user "agnes" has the role "viewer"; only operators may command the lighting/);
    await until('the refusal is audited', () => readAudit(runtime.userDir).length === 1, 2000);
    const refused = readAudit(runtime.userDir)[0];
    assert.deepEqual([refused.result, refused.requestedBy, refused.target, refused.command, refused.reason], ['refused', 'agnes', NAS, 'setLevel', 'marché de Noël']);
    assert.match(refused.detail, /"agnes".*"viewer"/);
    assert.ok(ev.some((m) => m.topic === 'audit' && m.payload.result === 'refused'), 'the refusal is an audit event too');

    // A dashboard message without a checked user (no login data) is refused as well.
    lc.receive(override({ socketId: 's2' }) as never);
    await until('the second refusal', () => errors.length === 2);
    assert.match(errors[1].error.message, /"unidentified user" has the role "none"/);

    // Not even a command: refused for the role all the same, and audited.
    lc.receive({ payload: 'allumer tout', _client: { user: { username: 'agnes', role: 'viewer' } } } as never);
    await until('the third refusal', () => errors.length === 3);
    await until('the third refusal audited', () => readAudit(runtime.userDir).length === 3, 2000);
    const third = readAudit(runtime.userDir)[2];
    assert.deepEqual([third.result, third.requestedBy, third.command, third.target], ['refused', 'agnes', '?', '?']);

    await new Promise((r) => setTimeout(r, 300));
    assert.equal(down.length, 0, 'no downlink for a refused command');

    lc.receive(override({ user: { username: 'olivier', role: 'operator' }, socketId: 's3' }) as never);
    await until('the operator\'s downlink', () => down.length === 1);
    assert.equal(down[0].payload.devEui, NAS);
    await until('the operator\'s command audited', () => readAudit(runtime.userDir).some((e) => e.requestedBy === 'olivier' && e.result === 'queued'), 2000);

    // The schedule and the editor do not go through the dashboard: no role needed.
    lc.receive({ payload: { target: { kind: 'device', devEui: NAS, model: 'nas-ul20xx' }, command: { type: 'resume' }, requestedBy: 'schedule' } } as never);
    await until('the schedule\'s command audited', () => readAudit(runtime.userDir).some((e) => e.requestedBy === 'schedule' && e.result !== 'refused'), 2000);
    assert.equal(errors.length, 3);
  });

  it('without dashboard logins (development default), a dashboard command needs no role', async function () {
    helper.settings({ userDir: runtime.userDir });
    await helper.load(lightingControl, flow());
    const down = received('down');
    const errors = received('errors');
    helper.getNode('lc').receive(override({ socketId: 's1' }) as never);
    await until('the downlink', () => down.length === 1);
    assert.equal(errors.length, 0);
  });
});
