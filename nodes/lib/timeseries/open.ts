/**
 * Which backend a URL names, and opening it.
 *
 *   ''                            → SQLite file `timeseries.sqlite` in the default folder (the user directory)
 *   sqlite: | sqlite:<path>       → SQLite file (relative paths are taken from the default folder)
 *   file:<path>                   → SQLite file
 *   http://host:8086[/db], https://…  → InfluxDB (v1 HTTP API). A path names the database when the
 *                                   config gives none (`http://influxdb:8086/supervisor`, as in the
 *                                   README). user:password in the URL are accepted, but credentials
 *                                   belong in the config node's credentials.
 */
import path from 'node:path';
import { InfluxBackend } from './influxdb';
import { SqliteBackend } from './sqlite';
import type { TimeseriesBackend } from './types';

export const DEFAULT_SQLITE_FILE = 'timeseries.sqlite';

export interface BackendConfig {
  url: string;
  /** Folder of relative SQLite paths (the Node-RED user directory). */
  baseDir: string;
  database?: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  token?: string;
  createDatabase?: boolean;
  timeoutMs?: number;
}

export type BackendTarget = { kind: 'sqlite'; file: string } | { kind: 'influxdb'; url: string; database?: string };

/** What a URL names (throws on an unsupported scheme). */
export function backendTarget(url: string, baseDir: string): BackendTarget {
  const text = (url ?? '').trim();
  if (text === '') return { kind: 'sqlite', file: path.join(baseDir, DEFAULT_SQLITE_FILE) };
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text);
    const database = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, '')) || undefined;
    url.pathname = '/';
    return { kind: 'influxdb', url: url.toString().replace(/\/+$/, ''), database };
  }
  const sqlite = /^(?:sqlite|file):(?:\/\/)?(.*)$/i.exec(text);
  if (sqlite) {
    const file = sqlite[1] === '' ? DEFAULT_SQLITE_FILE : decodeURIComponent(sqlite[1]);
    return { kind: 'sqlite', file: path.resolve(baseDir, file) };
  }
  throw new Error(`unsupported time-series URL "${text}": use http(s)://host:port for InfluxDB, sqlite:<file>, or leave empty`);
}

export function openBackend(config: BackendConfig): TimeseriesBackend {
  const target = backendTarget(config.url, config.baseDir);
  if (target.kind === 'sqlite') return new SqliteBackend({ file: target.file });
  return new InfluxBackend({
    url: target.url,
    // A database named in the URL (env-driven topology) wins over the node's field.
    database: target.database || config.database || 'supervisor',
    retentionPolicy: config.retentionPolicy || undefined,
    username: config.username || undefined,
    password: config.password || undefined,
    token: config.token || undefined,
    createDatabase: config.createDatabase,
    timeoutMs: config.timeoutMs,
  });
}
