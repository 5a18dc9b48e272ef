/**
 * `timeseries-query`: reads the time-series database (a `timeseries-db` config node) with a query
 * built in the editor, overridable by msg.query, and shapes the result for Dashboard 2.0 charts,
 * tables or open data. A thin adapter over nodes/lib/timeseries/query-shape.ts; the query semantics
 * are those of the backends (nodes/lib/timeseries/query.ts).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { TimeseriesDbNode, TimeseriesDbUser } from '../lib/timeseries/db-node';
import { QueryError, resolveQuery } from '../lib/timeseries/query';
import { OUTPUT_SHAPES, resolveQueryTime, rowCount, shapeResult } from '../lib/timeseries/query-shape';
import type { Aggregate, TimeseriesBackend, TypedQuery } from '../lib/timeseries/types';
import enUS = require('./locales/en-US/timeseries-query.json');
import { Translate, translator } from '../lib/i18n';

interface TimeseriesQueryDef extends NodeDef {
  db?: string;
  quantity?: string;
  field?: string;
  start?: string;
  end?: string;
  interval?: string;
  aggregate?: string;
  where?: Array<{ key?: string; value?: string }>;
  groupBy?: string;
  timezone?: string;
  limit?: number | string;
  output?: string;
  raw?: string;
}

/** msg.query: a partial TypedQuery plus the output shape and the expert raw text. */
type MsgQuery = Partial<TypedQuery> & { output?: string; raw?: string };

const STATUS_INTERVAL_MS = 500;
const DEFAULT_ZONE = 'Europe/Paris';




/** The query the editor describes (empty fields left out). */
function configQuery(config: TimeseriesQueryDef): MsgQuery {
  const q: MsgQuery = {};
  const text = (v: unknown) => String(v ?? '').trim();
  if (text(config.quantity)) q.quantity = text(config.quantity);
  if (text(config.field)) q.field = text(config.field);
  q.start = text(config.start) || '-24h';
  if (text(config.end)) q.end = text(config.end);
  if (text(config.interval)) q.interval = text(config.interval);
  if (text(config.aggregate)) q.aggregate = text(config.aggregate) as Aggregate;
  const where: Record<string, string | string[]> = {};
  for (const row of Array.isArray(config.where) ? config.where : []) {
    const key = text(row?.key);
    if (key === '') continue;
    const values = text(row?.value).split(',').map((v) => v.trim()).filter((v) => v !== '');
    where[key] = values.length === 1 ? values[0] : values;
  }
  if (Object.keys(where).length > 0) q.where = where;
  const groupBy = text(config.groupBy).split(',').map((g) => g.trim()).filter((g) => g !== '');
  if (groupBy.length > 0) q.groupBy = groupBy;
  q.timezone = text(config.timezone) || DEFAULT_ZONE;
  if (text(config.limit)) q.limit = Number(text(config.limit));
  q.output = text(config.output) || 'chart';
  if (text(config.raw)) q.raw = text(config.raw);
  return q;
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function TimeseriesQueryNode(this: Node, config: TimeseriesQueryDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const base = configQuery(config);
    const db = RED.nodes.getNode(config.db ?? '') as unknown as TimeseriesDbNode | null;
    if (!db || typeof db.acquire !== 'function') {
      node.status({ fill: 'red', shape: 'ring', text: t('timeseries-query.status.no-database') });
      node.error(t('timeseries-query.errors.no-database'));
    }
    const user: TimeseriesDbUser = {
      id: node.id,
      onDatabaseStatus: (state, detail) => {
        if (state === 'error') node.status({ fill: 'red', shape: 'ring', text: t('timeseries-query.status.db-error', { detail: String(detail ?? '').slice(0, 30) }) });
      },
    };
    let backend: Promise<TimeseriesBackend> | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let pendingStatus: { fill: 'green' | 'red'; text: string } | undefined;
    let closed = false;

    /** Status at most every STATUS_INTERVAL_MS: the last one wins. */
    function showStatus(status: { fill: 'green' | 'red'; text: string }): void {
      pendingStatus = status;
      if (statusTimer !== undefined) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        if (pendingStatus && !closed) node.status({ fill: pendingStatus.fill, shape: pendingStatus.fill === 'green' ? 'dot' : 'ring', text: pendingStatus.text });
      }, STATUS_INTERVAL_MS);
    }

    function getBackend(): Promise<TimeseriesBackend> {
      if (!db || typeof db.acquire !== 'function') return Promise.reject(new Error(t('timeseries-query.errors.no-database')));
      if (backend === undefined) {
        backend = db.acquire(user);
        backend.catch(() => { backend = undefined; }); // retried at the next message
      }
      return backend;
    }

    function fail(err: unknown, field: string | undefined, done: (err?: Error) => void): void {
      const detail = err instanceof Error ? err.message : String(err);
      const error = new Error(field ? t('timeseries-query.errors.query', { field, detail }) : t('timeseries-query.errors.database', { detail }));
      error.name = 'timeseries-query';
      (error as Error & { code: string }).code = field ? `bad-${field}` : 'database';
      showStatus({ fill: 'red', text: field ? t('timeseries-query.status.bad-field', { field }) : t('timeseries-query.status.failed') });
      done(error);
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      const started = Date.now();
      const override = (msg as { query?: unknown }).query;
      if (override !== undefined && (override === null || typeof override !== 'object' || Array.isArray(override))) {
        fail(new QueryError('msg.query must be an object (a partial query)', 'query'), 'query', done);
        return;
      }
      const merged: MsgQuery = { ...base };
      for (const [key, value] of Object.entries((override ?? {}) as Record<string, unknown>)) {
        if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
      }
      const output = String(merged.output ?? 'chart');
      const raw = typeof merged.raw === 'string' ? merged.raw.trim() : '';

      let typed: TypedQuery | undefined;
      if (raw === '') {
        try {
          if (!OUTPUT_SHAPES.includes(output as never)) throw new QueryError(`output "${output}" must be one of ${OUTPUT_SHAPES.join(', ')}`, 'output');
          const timezone = merged.timezone ?? DEFAULT_ZONE;
          const now = Date.now();
          const start = resolveQueryTime(merged.start ?? '-24h', now, timezone, 'start');
          const end = merged.end === undefined || merged.end === '' ? now : resolveQueryTime(merged.end, now, timezone, 'end');
          if (end <= start) throw new QueryError('end must be after start', 'end');
          typed = { ...merged, start, end } as TypedQuery;
          delete (typed as MsgQuery).output;
          delete (typed as MsgQuery).raw;
          // Consumptions add up, instant values average: the aggregate of an interval without one.
          if (typed.interval && !typed.aggregate) typed.aggregate = typed.field === 'delta' ? 'sum' : 'mean';
          resolveQuery(typed, now); // validates every field, naming the faulty one
        } catch (err) {
          fail(err, err instanceof QueryError ? err.field : 'query', done);
          return;
        }
      }

      getBackend()
        .then(async (b) => {
          if (typed === undefined) return { payload: await b.raw(raw), query: { raw } };
          const result = await b.query(typed);
          const payload = shapeResult(result, output, { groupBy: typed.groupBy, fallbackName: typed.quantity, timezone: typed.timezone });
          return { payload, query: { ...typed, output } };
        })
        .then(({ payload, query }) => {
          const out = msg as NodeMessageInFlow & { query: unknown };
          out.payload = payload;
          out.query = query;
          send(out);
          showStatus({ fill: 'green', text: t('timeseries-query.status.done', { rows: rowCount(payload), ms: Date.now() - started }) });
          done();
        })
        .catch((err) => fail(err, err instanceof QueryError ? err.field : undefined, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      statusTimer = undefined;
      node.status({});
      const wasOpen = backend !== undefined;
      backend = undefined;
      if (db && typeof db.release === 'function' && wasOpen) {
        db.release(user).catch(() => undefined).finally(() => done());
      } else {
        done();
      }
    });
  }

  RED.nodes.registerType('timeseries-query', TimeseriesQueryNode);
};
