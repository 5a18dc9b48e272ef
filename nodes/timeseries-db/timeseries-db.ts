/**
 * `timeseries-db`: configuration node of the time-series database (InfluxDB over the v1 HTTP API,
 * or the embedded SQLite file). Credentials (user, password, token) are Node-RED credentials, never
 * in the flow file. The backend is opened on the first user and closed after the last one (the MQTT
 * broker pattern); see nodes/lib/timeseries/db-node.ts for what users get.
 */
import path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { TimeseriesDbNode, TimeseriesDbUser } from '../lib/timeseries/db-node';
import { backendTarget, openBackend } from '../lib/timeseries/open';
import type { TimeseriesBackend } from '../lib/timeseries/types';

interface TimeseriesDbDef extends NodeDef {
  url?: string;
  database?: string;
  retentionPolicy?: string;
  createDatabase?: boolean;
  timeout?: number | string;
}

interface Credentials {
  username?: string;
  password?: string;
  token?: string;
}

export = function (RED: NodeAPI): void {
  function TimeseriesDbConfigNode(this: Node<Credentials> & TimeseriesDbNode, config: TimeseriesDbDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const settings = RED.settings as unknown as { userDir?: string; supervisorTimeseriesUrl?: string };
    const baseDir = settings.userDir || process.cwd();
    // `${SUPERVISOR_TIMESERIES_URL}` is replaced by Node-RED; empty means the runtime settings, then SQLite.
    let url = (config.url ?? '').trim();
    if (url === '' || /^\$\{[^}]*\}$/.test(url)) url = (settings.supervisorTimeseriesUrl ?? '').trim();
    const credentials = node.credentials ?? {};
    const timeoutMs = Number(config.timeout) > 0 ? Number(config.timeout) * 1000 : 10000;

    let targetError: string | undefined;
    let kind: 'influxdb' | 'sqlite' = 'sqlite';
    let description = '';
    try {
      const target = backendTarget(url, baseDir);
      kind = target.kind;
      if (target.kind === 'sqlite') {
        description = `SQLite ${path.relative(baseDir, target.file) || target.file}`;
      } else {
        const host = new URL(target.url).host;
        description = `InfluxDB ${host}/${config.database || target.database || 'supervisor'}`;
      }
    } catch (err) {
      targetError = (err as Error).message;
      description = targetError;
    }
    Object.defineProperty(node, 'backendKind', { value: kind, enumerable: true });
    Object.defineProperty(node, 'description', { value: description, enumerable: true });

    const users = new Map<string, TimeseriesDbUser>();
    let backend: TimeseriesBackend | undefined;
    let closing: Promise<void> | undefined;

    function broadcast(state: 'open' | 'error', detail?: string): void {
      for (const user of users.values()) {
        try {
          user.onDatabaseStatus?.(state, detail);
        } catch { /* a user's callback must not break the others */ }
      }
    }

    node.acquire = async (user: TimeseriesDbUser): Promise<TimeseriesBackend> => {
      users.set(user.id, user);
      if (closing) await closing;
      if (backend) return backend;
      if (targetError) {
        broadcast('error', targetError);
        throw new Error(targetError);
      }
      try {
        backend = openBackend({
          url,
          baseDir,
          database: config.database?.trim(),
          retentionPolicy: config.retentionPolicy?.trim(),
          username: credentials.username,
          password: credentials.password,
          token: credentials.token,
          createDatabase: config.createDatabase === true,
          timeoutMs,
        });
      } catch (err) {
        broadcast('error', (err as Error).message);
        throw err;
      }
      broadcast('open');
      return backend;
    };

    node.release = async (user: TimeseriesDbUser): Promise<void> => {
      users.delete(user.id);
      if (users.size > 0 || !backend) return;
      const closingBackend = backend;
      backend = undefined;
      closing = closingBackend.close().catch(() => undefined).finally(() => { closing = undefined; });
      await closing;
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      const closingBackend = backend;
      backend = undefined;
      if (!closingBackend) {
        done();
        return;
      }
      closingBackend.close().catch(() => undefined).finally(() => done());
    });
  }

  RED.nodes.registerType('timeseries-db', TimeseriesDbConfigNode as unknown as (this: Node, config: NodeDef) => void, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      token: { type: 'password' },
    },
  });
};
