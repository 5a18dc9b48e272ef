/**
 * SQLite backend (better-sqlite3): the embedded default, a file in the Node-RED user directory.
 *
 * One table, one row per field of a point:
 *   points(measurement, series, time, field, value, PRIMARY KEY (measurement, series, time, field))
 * where `series` is the canonical JSON of the stored tags (non-empty values, keys sorted). A point is
 * identified like in InfluxDB (measurement + tag set + time) and its fields merge: INSERT OR REPLACE
 * makes a replay overwrite instead of doubling. Each batch is one transaction; WAL journal, so the
 * query node can read while the writer writes.
 *
 * Queries: the TypedQuery is translated to SQL with the semantics of nodes/lib/timeseries/query.ts
 * (the same as the InfluxQL the InfluxDB backend sends). Tags and time buckets are computed by two
 * SQL functions registered on the connection: st_tag(series, key) and st_bucket(time, ms, zone)
 * (local-midnight day buckets in the zone, see bucketStart()).
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { pointProblem } from './lineprotocol';
import { canonicalSeries } from './points';
import { QueryError, bucketStart, isSelector, normaliseResult, resolveQuery } from './query';
import type { Point, QueryResult, QuerySeries, RejectedPoint, TimeseriesBackend, TypedQuery, WriteResult } from './types';

export interface SqliteOptions {
  /** Path of the database file (created with its folder when missing). */
  file: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS points (
  measurement TEXT NOT NULL,
  series TEXT NOT NULL,
  time INTEGER NOT NULL,
  field TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (measurement, series, time, field)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS points_by_time ON points (measurement, field, time);
`;

const AGGREGATE_SQL: Record<string, string> = {
  sum: 'SUM(value)',
  mean: 'AVG(value)',
  min: 'MIN(value)',
  max: 'MAX(value)',
  count: 'COUNT(value)',
  spread: 'MAX(value) - MIN(value)',
};

export class SqliteBackend implements TimeseriesBackend {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertBatch: (points: Point[]) => void;
  private readonly seriesCache = new Map<string, Record<string, string>>();

  constructor(readonly options: SqliteOptions) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed transaction survives a process crash; only an OS crash or power
    // loss may lose the last transactions (the writer's disk queue is fsync'd for that case).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.db.function('st_tag', { deterministic: true }, (series: unknown, key: unknown) => this.tagOf(String(series), String(key)));
    this.db.function('st_bucket', { deterministic: true }, (time: unknown, interval: unknown, zone: unknown) =>
      bucketStart(Number(time), Number(interval), String(zone)));
    this.insert = this.db.prepare('INSERT OR REPLACE INTO points (measurement, series, time, field, value) VALUES (?, ?, ?, ?, ?)');
    this.insertBatch = this.db.transaction((points: Point[]) => {
      for (const point of points) {
        const series = canonicalSeries(point.tags);
        const time = Math.round(point.time);
        for (const field in point.fields) this.insert.run(point.measurement, series, time, field, point.fields[field]);
      }
    });
  }

  private tagOf(series: string, key: string): string {
    let tags = this.seriesCache.get(series);
    if (tags === undefined) {
      try {
        tags = JSON.parse(series) as Record<string, string>;
      } catch {
        tags = {};
      }
      if (this.seriesCache.size > 10000) this.seriesCache.clear();
      this.seriesCache.set(series, tags);
    }
    return tags[key] ?? '';
  }

  async write(points: Point[]): Promise<WriteResult> {
    const rejected: RejectedPoint[] = [];
    const valid: Point[] = [];
    for (const point of points) {
      const problem = pointProblem(point);
      if (problem) rejected.push({ point, reason: problem });
      else valid.push(point);
    }
    if (valid.length > 0) this.insertBatch(valid);
    return { written: valid.length, rejected };
  }

  async query(query: TypedQuery): Promise<QueryResult> {
    const q = resolveQuery(query);
    const params: unknown[] = [];
    const groupCols = q.groupBy.map((tag, i) => {
      params.push(tag);
      return `st_tag(series, ?) AS g${i}`;
    });
    const whereParams: unknown[] = [q.quantity, q.field, q.start, q.end];
    let where = 'measurement = ? AND field = ? AND time >= ? AND time < ?';
    for (const [key, values] of q.where) {
      where += ` AND st_tag(series, ?) IN (${values.map(() => '?').join(', ')})`;
      whereParams.push(key, ...values);
    }
    let sql: string;
    const bucketed = q.interval !== undefined && q.aggregate !== undefined;
    const groupNames = q.groupBy.map((_, i) => `g${i}`);
    if (q.aggregate === undefined) {
      sql = `SELECT ${[...groupCols, 'time AS t', 'value AS v'].join(', ')} FROM points WHERE ${where} ORDER BY time`;
    } else {
      const cols = [...groupCols];
      const groups = [...groupNames];
      if (bucketed) {
        cols.push('st_bucket(time, ?, ?) AS b');
        params.push(q.intervalMs, q.timezone);
        groups.push('b');
      }
      if (q.aggregate === 'last') {
        // SQLite takes the bare column `value` from the row of MAX(time).
        cols.push('MAX(time) AS t', 'value AS v');
      } else if (isSelector(q.aggregate)) {
        // MIN()/MAX() alone: the bare column `time` comes from the selected row.
        cols.push(`${AGGREGATE_SQL[q.aggregate]} AS v`, 'time AS t');
      } else {
        cols.push(`${AGGREGATE_SQL[q.aggregate]} AS v`, 'MIN(time) AS t');
      }
      sql = `SELECT ${cols.join(', ')} FROM points WHERE ${where}`;
      if (groups.length > 0) sql += ` GROUP BY ${groups.join(', ')}`;
    }
    let rows: Array<Record<string, unknown>>;
    try {
      rows = this.db.prepare(sql).all(...params, ...whereParams) as Array<Record<string, unknown>>;
    } catch (err) {
      throw new QueryError(`SQLite: ${(err as Error).message}`, 'query');
    }
    const bySeries = new Map<string, QuerySeries>();
    for (const row of rows) {
      const values = groupNames.map((g) => String(row[g] ?? ''));
      const key = values.join('\u0000');
      let series = bySeries.get(key);
      if (series === undefined) {
        const tags: Record<string, string> = {};
        q.groupBy.forEach((tag, i) => { tags[tag] = values[i]; });
        series = { tags, points: [] };
        bySeries.set(key, series);
      }
      if (row.v === null || row.v === undefined) continue;
      let time: number;
      if (bucketed) time = Number(row.b);
      else if (q.aggregate !== undefined && !isSelector(q.aggregate)) time = q.start;
      else time = Number(row.t);
      series.points.push({ time, value: Number(row.v) });
    }
    const result = normaliseResult([...bySeries.values()].filter((s) => s.points.length > 0), q.groupBy);
    for (const s of result.series) if (s.points.length > q.limit) s.points.length = q.limit;
    return result;
  }

  /** Read-only SQL (one statement): the rows. Statements that would change the database are refused. */
  async raw(text: string): Promise<unknown> {
    let statement: Database.Statement;
    try {
      statement = this.db.prepare(text);
    } catch (err) {
      throw new QueryError(`SQLite: ${(err as Error).message}`, 'query');
    }
    if (!statement.readonly) throw new QueryError('SQLite: only read-only statements are allowed (SELECT, read-only PRAGMA)', 'query');
    if (!statement.reader) return [];
    return statement.all();
  }

  async ping(): Promise<boolean> {
    return this.db.open;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
