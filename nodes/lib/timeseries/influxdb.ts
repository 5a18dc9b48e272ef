/**
 * InfluxDB backend over the v1 HTTP API (`/write`, `/query`, `/ping`): InfluxDB 1.x, and the v1
 * compatibility endpoints of 2.x and 3.x (token auth).
 *
 * Write policy (shared/reference/reliability.md §1.2, §1.3):
 * - 204 → all written;
 * - 400 (syntax, field-type conflict, beyond retention: a partial write, the valid points are stored)
 *   → the refused points are found and returned as `rejected`, never retried. When InfluxDB's text
 *   names the measurement and field of a type conflict, only the points carrying that field are
 *   suspects; the suspects are written again by halves (writes are idempotent, so writing a stored
 *   point again changes nothing) until each refused point is isolated with InfluxDB's reason;
 * - 413 → the batch is split in halves, each written;
 * - 404 `database not found` → created when `createDatabase` is set, then written again;
 * - 5xx, 429, 401/403/404 (the server or its configuration is not ready: nothing wrong with the
 *   points), timeouts, refused or reset connections → TransientWriteError: the writer keeps the batch
 *   on disk and replays it, and the node status shows the reason.
 * Points that line protocol cannot carry are refused before sending (LineEncoder, the rules of
 * pointProblem()).
 * Requests go through Node's fetch (undici), which keeps connections alive and pools them per origin.
 */
import { LineEncoder } from './lineprotocol';
import { QueryError, normaliseResult, resolveQuery, toInfluxQL, isSelector } from './query';
import type { Point, QueryResult, QuerySeries, RejectedPoint, TimeseriesBackend, TypedQuery, WriteResult } from './types';
import { TransientWriteError } from './types';

export interface InfluxOptions {
  /** Base URL, e.g. http://127.0.0.1:8086 (a path prefix is kept). */
  url: string;
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  /** InfluxDB 2.x/3.x token, sent as `Authorization: Token …`. */
  token?: string;
  /** CREATE DATABASE on first use (needs admin rights on 1.x). */
  createDatabase?: boolean;
  /** Per-request timeout, default 10 s. */
  timeoutMs?: number;
}

interface HttpAnswer {
  status: number;
  text: string;
}

/** `{"error":"..."}` → the message, else the text. */
function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string };
    if (typeof body.error === 'string') return body.error;
  } catch { /* not JSON */ }
  return text.trim();
}

/** `field type conflict: input field "x" on measurement "m" ...` → [m, x]. */
function conflictOf(reason: string): [string, string] | undefined {
  const match = /input field \\?"((?:[^"\\]|\\.)*)\\?" on measurement \\?"((?:[^"\\]|\\.)*)\\?"/.exec(reason);
  return match ? [match[2], match[1]] : undefined;
}

export class InfluxBackend implements TimeseriesBackend {
  readonly kind = 'influxdb' as const;
  private readonly base: string;
  private readonly headers: Record<string, string> = {};
  private readonly authParams = new URLSearchParams();
  private databaseChecked = false;
  private closed = false;
  private readonly controllers = new Set<AbortController>();
  /** Query string of `/write` (built once). */
  private readonly params: string;
  private readonly encoder = new LineEncoder('ms');

  constructor(private readonly options: InfluxOptions) {
    if (!options.database) throw new Error('InfluxDB: the database name is required');
    const url = new URL(options.url);
    if (url.username && !options.username) options.username = decodeURIComponent(url.username);
    if (url.password && !options.password) options.password = decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
    this.base = url.toString().replace(/\/+$/, '');
    if (options.token) {
      this.headers.Authorization = `Token ${options.token}`;
    } else if (options.username) {
      this.headers.Authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    }
    const params = new URLSearchParams({ db: options.database, precision: 'ms' });
    if (options.retentionPolicy) params.set('rp', options.retentionPolicy);
    this.params = params.toString();
  }

  private async request(method: string, path: string, params: URLSearchParams | string, body?: string): Promise<HttpAnswer> {
    if (this.closed) throw new TransientWriteError('InfluxDB: the connection is closed');
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 10000);
    try {
      const headers: Record<string, string> = { ...this.headers };
      if (body !== undefined) headers['Content-Type'] = 'text/plain; charset=utf-8';
      const res = await fetch(`${this.base}${path}?${typeof params === 'string' ? params : params.toString()}`, { method, headers, body, signal: controller.signal });
      const text = await res.text();
      return { status: res.status, text };
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const what = controller.signal.aborted ? `timeout after ${this.options.timeoutMs ?? 10000} ms` : cause?.code ?? cause?.message ?? (err as Error).message;
      throw new TransientWriteError(`InfluxDB ${this.base} unreachable: ${what}`);
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }


  private async ensureDatabase(): Promise<void> {
    if (this.databaseChecked || !this.options.createDatabase) return;
    const answer = await this.request('POST', '/query', new URLSearchParams({ q: `CREATE DATABASE "${this.options.database.replace(/"/g, '\\"')}"` }));
    if (answer.status >= 500) throw new TransientWriteError(`InfluxDB: CREATE DATABASE answered ${answer.status}: ${errorText(answer.text)}`, answer.status);
    if (answer.status !== 200) throw new TransientWriteError(`InfluxDB: CREATE DATABASE ${this.options.database} refused (${answer.status}): ${errorText(answer.text)}`, answer.status);
    this.databaseChecked = true;
  }

  /** One `/write` request for these lines: the raw answer. */
  private async post(lines: readonly string[]): Promise<HttpAnswer> {
    return this.request('POST', '/write', this.params, lines.join('\n') + '\n');
  }

  /**
   * Each point is encoded once (LineEncoder: validation and line in one pass, series prefixes
   * cached); the lines are kept beside the points, so a 413 split or a 400 bisection re-sends
   * slices of them without encoding anything again.
   */
  async write(points: Point[]): Promise<WriteResult> {
    const rejected: RejectedPoint[] = [];
    const valid: Point[] = [];
    const lines: string[] = [];
    const encoder = this.encoder;
    for (const point of points) {
      const line = encoder.encode(point);
      if (line === undefined) {
        rejected.push({ point, reason: encoder.problem });
      } else {
        valid.push(point);
        lines.push(line);
      }
    }
    if (valid.length === 0) return { written: 0, rejected };
    await this.ensureDatabase();
    await this.writeValid(valid, lines, rejected, true);
    return { written: points.length - rejected.length, rejected };
  }

  private async writeValid(points: Point[], lines: string[], rejected: RejectedPoint[], top: boolean): Promise<void> {
    const answer = await this.post(lines);
    const status = answer.status;
    if (status === 204 || status === 200) return;
    const reason = errorText(answer.text);
    if (status === 404 && /database not found/i.test(reason) && this.options.createDatabase && top) {
      this.databaseChecked = false;
      await this.ensureDatabase();
      await this.writeValid(points, lines, rejected, false);
      return;
    }
    if (status === 413 && points.length > 1) {
      const half = Math.ceil(points.length / 2);
      await this.writeValid(points.slice(0, half), lines.slice(0, half), rejected, false);
      await this.writeValid(points.slice(half), lines.slice(half), rejected, false);
      return;
    }
    if (status === 400) {
      await this.isolate(points, lines, reason, rejected);
      return;
    }
    throw new TransientWriteError(`InfluxDB answered ${status}: ${reason}`, status);
  }

  /**
   * A 400 on `points`: the valid ones are already stored (partial write). Finds the refused ones by
   * writing suspects again by halves; each refused point gets InfluxDB's own reason.
   */
  private async isolate(points: Point[], lines: string[], reason: string, rejected: RejectedPoint[]): Promise<void> {
    if (points.length === 1) {
      rejected.push({ point: points[0], reason: `InfluxDB 400: ${reason}` });
      return;
    }
    let suspects = points;
    let suspectLines = lines;
    const conflict = conflictOf(reason);
    if (conflict) {
      const [measurement, field] = conflict;
      const named: Point[] = [];
      const namedLines: string[] = [];
      points.forEach((p, i) => {
        if (p.measurement === measurement && field in p.fields) {
          named.push(p);
          namedLines.push(lines[i]);
        }
      });
      // Only when the text named points of this batch: otherwise every point is a suspect.
      if (named.length > 0) {
        suspects = named;
        suspectLines = namedLines;
      }
    }
    await this.bisect(suspects, suspectLines, rejected);
  }

  private async bisect(points: Point[], lines: string[], rejected: RejectedPoint[]): Promise<void> {
    const answer = await this.post(lines);
    if (answer.status === 204 || answer.status === 200) return;
    const reason = errorText(answer.text);
    if (answer.status !== 400) {
      if (answer.status === 413 && points.length > 1) {
        // fall through to the split below
      } else {
        throw new TransientWriteError(`InfluxDB answered ${answer.status}: ${reason}`, answer.status);
      }
    }
    if (points.length === 1) {
      rejected.push({ point: points[0], reason: `InfluxDB 400: ${reason}` });
      return;
    }
    const half = Math.ceil(points.length / 2);
    await this.bisect(points.slice(0, half), lines.slice(0, half), rejected);
    await this.bisect(points.slice(half), lines.slice(half), rejected);
  }

  async query(query: TypedQuery): Promise<QueryResult> {
    const q = resolveQuery(query);
    const text = toInfluxQL(q, this.options.retentionPolicy);
    const body = await this.influxQL(text);
    const result = (body.results ?? [])[0] ?? {};
    if (result.error) throw new QueryError(`InfluxDB: ${result.error}`, 'query');
    const series: QuerySeries[] = [];
    for (const s of result.series ?? []) {
      const tags: Record<string, string> = {};
      for (const tag of q.groupBy) tags[tag] = s.tags?.[tag] ?? '';
      const timeCol = s.columns.indexOf('time');
      const valueCol = s.columns.indexOf('value');
      const points: Array<{ time: number; value: number }> = [];
      for (const row of s.values ?? []) {
        const value = row[valueCol];
        if (value === null || value === undefined) continue;
        points.push({ time: Number(row[timeCol]), value: Number(value) });
      }
      // Without GROUP BY time an aggregate is stamped with the lower bound (selectors keep theirs).
      if (q.aggregate !== undefined && q.interval === undefined && !isSelector(q.aggregate)) {
        for (const p of points) p.time = q.start;
      }
      series.push({ tags, points });
    }
    return normaliseResult(series, q.groupBy);
  }

  private async influxQL(text: string, method = 'GET'): Promise<{ results?: Array<{ error?: string; series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values?: unknown[][] }> }>; error?: string }> {
    const params = new URLSearchParams({ db: this.options.database, q: text, epoch: 'ms' });
    if (this.options.retentionPolicy) params.set('rp', this.options.retentionPolicy);
    let answer: HttpAnswer;
    try {
      answer = await this.request(method, '/query', params);
    } catch (err) {
      throw new QueryError((err as Error).message, 'connection');
    }
    let body: ReturnType<InfluxBackend['influxQL']> extends Promise<infer T> ? T : never;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw new QueryError(`InfluxDB answered ${answer.status}: ${answer.text.slice(0, 200)}`, 'query');
    }
    if (answer.status !== 200 || body.error) throw new QueryError(`InfluxDB answered ${answer.status}: ${body.error ?? answer.text.slice(0, 200)}`, 'query');
    return body;
  }

  /**
   * InfluxQL pass-through: the JSON answer of `/query` (epoch ms). Statements that change data or
   * schema are sent with POST, as InfluxDB 1.x requires.
   */
  async raw(text: string): Promise<unknown> {
    const reading = /^\s*(SELECT|SHOW)\b/i.test(text) && !/\bINTO\b/i.test(text);
    return this.influxQL(text, reading ? 'GET' : 'POST');
  }

  async ping(): Promise<boolean> {
    try {
      const answer = await this.request('GET', '/ping', new URLSearchParams());
      return answer.status === 204 || answer.status === 200;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.controllers) controller.abort();
    this.controllers.clear();
  }
}
