/**
 * Dashboard 2.0 plugin `supervisor-dashboard-auth`: puts the dashboard user (identified by the
 * middlewares of settings.ts, nodes/lib/security/dashboard-auth.ts) into every message a dashboard
 * widget sends, as `msg._client.user = {username, role}`, so that flows can tell who acted and with
 * which rights (lighting-control lets only operators send overrides).
 *
 * - A browser could send its own `_client.user` with a widget message: it is always removed first; only
 *   the identity the server checked is added, by the hooks that see every message from a browser, so it
 *   is there even if `includeClientData` is turned off on the ui-base.
 * - A message for the dashboard that names a user (`msg._client.user.username`, without a socket id) goes
 *   only to that user's connections, and is not kept in the shared widget store.
 *
 * A plugin, not a node: it has no editor part. Without dashboard users (development default) it only
 * removes the user a browser may have put in a message.
 */
import type { NodeAPI } from 'node-red';
import { socketIdentity } from '../lib/security/dashboard-auth';

type Message = Record<string, unknown> & { _client?: Record<string, unknown> & { user?: unknown } };
type Connection = { data?: Record<string, unknown> };

interface DashboardPluginDefinition {
  type: 'node-red-dashboard-2';
  hooks: Record<string, (...args: never[]) => unknown>;
}

function withoutClaimedUser(msg: unknown): unknown {
  if (msg !== null && typeof msg === 'object' && !Array.isArray(msg)) {
    const m = msg as Message;
    if (m._client !== null && typeof m._client === 'object' && 'user' in m._client) {
      const { user: _claimed, ...rest } = m._client;
      return { ...m, _client: rest };
    }
  }
  return msg;
}

/** The message with the connection's checked user, and no other. */
function withIdentity(conn: Connection, msg: unknown): unknown {
  const clean = withoutClaimedUser(msg);
  const identity = socketIdentity(conn);
  if (identity === undefined || clean === null || typeof clean !== 'object' || Array.isArray(clean)) return clean;
  const m = clean as Message;
  return { ...m, _client: { ...(m._client ?? {}), user: { username: identity.username, role: identity.role } } };
}

function targetUser(msg: Message): string | undefined {
  const user = msg._client?.user as { username?: unknown } | undefined;
  return user !== null && typeof user === 'object' && typeof user.username === 'string' && !msg._client?.socketId ? user.username : undefined;
}

export = function (RED: NodeAPI): void {
  const definition: DashboardPluginDefinition = {
    type: 'node-red-dashboard-2',
    hooks: {
      // Messages from the browser: never trust a user they claim; add the one the server checked.
      onAction: (conn: Connection, _id: string, msg: unknown) => withIdentity(conn, msg),
      onSend: (conn: Connection, _id: string, msg: unknown) => withIdentity(conn, msg),
      onChange: (conn: Connection, _id: string, msg: unknown) => withIdentity(conn, msg),
      onAddConnectionCredentials: (conn: Connection, msg: unknown) => withIdentity(conn, msg),
      onIsValidConnection: (conn: Connection, msg: Message) => {
        const username = targetUser(msg);
        return username === undefined || socketIdentity(conn)?.username === username;
      },
      onCanSaveInStore: (msg: Message) => targetUser(msg) === undefined,
    },
  };
  (RED.plugins as unknown as { registerPlugin(id: string, def: DashboardPluginDefinition): void }).registerPlugin('supervisor-dashboard-auth', definition);
};
