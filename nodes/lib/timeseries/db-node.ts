/**
 * What the `timeseries-db` config node offers to the nodes that use it (`timeseries-write`,
 * `timeseries-query`), typed without Node-RED: `RED.nodes.getNode(config.db) as TimeseriesDbNode`.
 *
 * The MQTT-broker pattern: the backend is opened on the first acquire(), shared by all users, and
 * closed after the last release(). Users register a status callback to hear about the connection.
 */
import type { TimeseriesBackend } from './types';

export interface TimeseriesDbUser {
  id: string;
  /** Called by the config node when the database can or cannot be opened (optional). */
  onDatabaseStatus?: (state: 'open' | 'error', detail?: string) => void;
}

export interface TimeseriesDbNode {
  id: string;
  /** `influxdb` or `sqlite`, known from the URL before anything is opened. */
  readonly backendKind: 'influxdb' | 'sqlite';
  /** Short human description: `InfluxDB 127.0.0.1:8086/supervisor`, `SQLite timeseries.sqlite`. */
  readonly description: string;
  /** The shared backend, opened on first use. Rejects when it cannot be opened (bad URL, unwritable file). */
  acquire(user: TimeseriesDbUser): Promise<TimeseriesBackend>;
  /** The user no longer needs the backend; closed after the last one. */
  release(user: TimeseriesDbUser): Promise<void>;
}
