/**
 * The time-series contract shared by the InfluxDB and SQLite backends, the writer and the query node
 * (schema of DESIGN §4: measurement = quantity; tags; float fields `value` or `index`/`delta`;
 * the network server's timestamp, so a replayed point overwrites itself).
 */

export interface Point {
  measurement: string;
  tags: Record<string, string>;
  /** Always floats: no integer/float type conflicts. */
  fields: Record<string, number>;
  /** Milliseconds since the epoch (UTC). */
  time: number;
}

export type Aggregate = 'sum' | 'mean' | 'min' | 'max' | 'last' | 'count' | 'spread';

export interface TypedQuery {
  /** The measurement (a DESIGN §4 quantity). */
  quantity: string;
  /** Field to read; default `value` for instant quantities, `delta` for consumptions. */
  field?: string;
  /** ISO time, epoch ms, or relative to now: `-7d`, `-24h`, `-30m`, `now`. */
  start: string | number;
  end?: string | number;
  /** Group-by interval (`15m`, `1h`, `1d`, `1w`); none = raw points. */
  interval?: string;
  aggregate?: Aggregate;
  /** Tag filters: one value or any of several. */
  where?: Record<string, string | string[]>;
  /** Tags whose values split the result into series. */
  groupBy?: string[];
  /** IANA zone for day/week buckets (default Europe/Paris). */
  timezone?: string;
  /** Upper bound of returned points (default 10,000). */
  limit?: number;
}

export interface QuerySeries {
  /** Values of the groupBy tags for this series. */
  tags: Record<string, string>;
  points: Array<{ time: number; value: number }>;
}

export interface QueryResult {
  series: QuerySeries[];
}

/** Points the database refused as malformed (4xx): they go to the dead-letter file, never retried. */
export interface RejectedPoint {
  point: Point;
  reason: string;
}

export interface WriteResult {
  written: number;
  rejected: RejectedPoint[];
}

/**
 * Thrown by a backend when a write could not be done now but may succeed later (unreachable, 5xx,
 * timeout): the writer queues the batch on disk and replays it.
 */
export class TransientWriteError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'TransientWriteError';
  }
}

export interface TimeseriesBackend {
  readonly kind: 'influxdb' | 'sqlite';
  /** Writes a batch; idempotent (same measurement, tags and time overwrite). Throws TransientWriteError when it may succeed later. */
  write(points: Point[]): Promise<WriteResult>;
  query(query: TypedQuery): Promise<QueryResult>;
  /** Expert pass-through: InfluxQL for InfluxDB, SQL (read-only) for SQLite. */
  raw(text: string): Promise<unknown>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
