/**
 * The Dashboard 2.0 plugin `supervisor-dashboard-auth` (dist/nodes/dashboard-auth/plugin.js), through
 * the hooks Dashboard 2.0 calls: the checked user of the connection goes into msg._client.user, a user
 * claimed by the browser never does, and messages addressed to one user reach only that user.
 * (Its work on a running dashboard is proven in test/security_spec.ts.)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { SOCKET_IDENTITY_KEY } from '../../nodes/lib/security/dashboard-auth';
import type { Msg } from '../support/nodered';

type Hook = (...args: unknown[]) => unknown;

function loadPlugin(): { id: string; type: string; hooks: Record<string, Hook> } {
  const registered: Array<{ id: string; def: { type: string; hooks: Record<string, Hook> } }> = [];
  const RED = { plugins: { registerPlugin: (id: string, def: { type: string; hooks: Record<string, Hook> }) => registered.push({ id, def }) } };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(path.join(__dirname, '..', '..', 'dist', 'nodes', 'dashboard-auth', 'plugin.js')) as (red: unknown) => void)(RED);
  assert.equal(registered.length, 1);
  return { id: registered[0].id, ...registered[0].def };
}

describe('dashboard-auth plugin (Dashboard 2.0 hooks)', function () {
  const plugin = loadPlugin();
  // Sessions valid for a day: mocha builds these when it loads the file, maybe long before the tests run.
  const DAY = 86400000;
  const viewer = { id: 's-viewer', data: { [SOCKET_IDENTITY_KEY]: { username: 'agnes', role: 'viewer', expiresAt: Date.now() + DAY } } };
  const operator = { id: 's-op', data: { [SOCKET_IDENTITY_KEY]: { username: 'olivier', role: 'operator', expiresAt: Date.now() + DAY } } };
  const expired = { id: 's-old', data: { [SOCKET_IDENTITY_KEY]: { username: 'olivier', role: 'operator', expiresAt: Date.now() - 1 } } };
  const anonymous = { id: 's-anon', data: {} };

  it('registers as a node-red-dashboard-2 plugin', function () {
    assert.equal(plugin.id, 'supervisor-dashboard-auth');
    assert.equal(plugin.type, 'node-red-dashboard-2');
  });

  it('replaces a user claimed by the browser with the connection\'s checked user', function () {
    const forged = { payload: 1, _client: { user: { username: 'olivier', role: 'operator' }, socketId: 'x' } };
    for (const hook of ['onAction', 'onSend', 'onChange']) {
      const out = plugin.hooks[hook](viewer, 'widget', forged) as Msg;
      assert.deepEqual(out._client.user, { username: 'agnes', role: 'viewer' }, hook);
      assert.equal(out.payload, 1);
    }
    assert.deepEqual((plugin.hooks.onAddConnectionCredentials(operator, { payload: 2 }) as Msg)._client, { user: { username: 'olivier', role: 'operator' } });
    // No checked user (no login, or the session ended): no user at all.
    for (const conn of [anonymous, expired]) {
      const out = plugin.hooks.onAction(conn, 'widget', forged) as Msg;
      assert.deepEqual(out._client, { socketId: 'x' });
    }
    assert.equal(plugin.hooks.onAction(viewer, 'widget', 'text'), 'text');
  });

  it('sends a message addressed to a user only to that user\'s connections, and keeps it out of the shared store', function () {
    const toAgnes = { payload: 'x', _client: { user: { username: 'agnes' } } };
    assert.equal(plugin.hooks.onIsValidConnection(viewer, toAgnes), true);
    assert.equal(plugin.hooks.onIsValidConnection(operator, toAgnes), false);
    assert.equal(plugin.hooks.onIsValidConnection(anonymous, toAgnes), false);
    assert.equal(plugin.hooks.onIsValidConnection(operator, { payload: 'everyone' }), true);
    assert.equal(plugin.hooks.onCanSaveInStore(toAgnes), false);
    assert.equal(plugin.hooks.onCanSaveInStore({ payload: 'everyone' }), true);
  });
});
