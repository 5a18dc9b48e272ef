/**
 * lighting-control with dashboard logins on (settings.supervisorDashboardAuth, set by settings.ts when
 * SUPERVISOR_DASHBOARD_USERS_FILE is given): a dashboard command (msg._client) passes only from an
 * operator; a viewer's, or one without a known user, is refused with done(err), sends nothing and is
 * audited as refused naming the user and the role. Commands without msg._client (schedule, editor) pass.
 * Without dashboard logins nothing changes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper, Msg, received, until } from '../support/nodered';

const lightingControl = builtNode('lighting-control') as NodeInitializer;
const NAS = '70b3d5e75e000001';

function flow(): Array<TestFlowsItem & Record<string, unknown>> {
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'lc', type: 'lighting-control', name: '', ...at, wires: [['down'], ['ev']] },
    { id: 'catch', type: 'catch', scope: ['lc'], uncaught: false, ...at, wires: [['errors']] },
    { id: 'down', type: 'helper', ...at },
    { id: 'ev', type: 'helper', ...at },
    { id: 'errors', type: 'helper', ...at },
  ];
}

const override = (client?: unknown): Msg => ({
  payload: { target: { kind: 'device', devEui: NAS, model: 'nas-ul20xx' }, command: { type: 'setLevel', level: 80 }, reason: 'marché de Noël', durationMin: 60 },
  ...(client !== undefined ? { _client: client } : {}),
});

function audit(userDir: string): Msg[] {
  const file = path.join(userDir, 'lighting-audit.jsonl');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) : [];
}

describe('lighting-control node: dashboard roles', function () {
  let userDir: string;

  beforeEach(function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lighting-roles-'));
  });

  afterEach(async function () {
    await helper.unload();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('with dashboard logins: a viewer is refused (nothing sent, audited), an operator is obeyed', async function () {
    helper.settings({ userDir, supervisorDashboardAuth: true } as Parameters<typeof helper.settings>[0]);
    await helper.load(lightingControl, flow());
    const down = received('down');
    const ev = received('ev');
    const errors = received('errors');
    const lc = helper.getNode('lc');

    lc.receive(override({ user: { username: 'agnes', role: 'viewer' }, socketId: 's1' }) as never);
    await until('the refusal reaches the Catch node', () => errors.length === 1);
    assert.match(errors[0].error.message, /dashboard user "agnes" has the role "viewer"; only operators may command the lighting/);
    await until('the refusal is audited', () => audit(userDir).length === 1, 2000);
    const refused = audit(userDir)[0];
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
    await until('the third refusal audited', () => audit(userDir).length === 3, 2000);
    assert.deepEqual([audit(userDir)[2].result, audit(userDir)[2].requestedBy, audit(userDir)[2].command, audit(userDir)[2].target], ['refused', 'agnes', '?', '?']);

    await new Promise((r) => setTimeout(r, 300));
    assert.equal(down.length, 0, 'no downlink for a refused command');

    lc.receive(override({ user: { username: 'olivier', role: 'operator' }, socketId: 's3' }) as never);
    await until('the operator\'s downlink', () => down.length === 1);
    assert.equal(down[0].payload.devEui, NAS);
    await until('the operator\'s command audited', () => audit(userDir).some((e) => e.requestedBy === 'olivier' && e.result === 'queued'), 2000);

    // The schedule and the editor do not go through the dashboard: no role needed.
    lc.receive({ payload: { target: { kind: 'device', devEui: NAS, model: 'nas-ul20xx' }, command: { type: 'resume' }, requestedBy: 'schedule' } } as never);
    await until('the schedule\'s command audited', () => audit(userDir).some((e) => e.requestedBy === 'schedule' && e.result !== 'refused'), 2000);
    assert.equal(errors.length, 3);
  });

  it('without dashboard logins (development default), a dashboard command needs no role', async function () {
    helper.settings({ userDir });
    await helper.load(lightingControl, flow());
    const down = received('down');
    const errors = received('errors');
    helper.getNode('lc').receive(override({ socketId: 's1' }) as never);
    await until('the downlink', () => down.length === 1);
    assert.equal(errors.length, 0);
  });
});
