/**
 * `timeseries-write`: stores Readings (DESIGN §4) or explicit points in the time-series database of a
 * `timeseries-db` config node, losing nothing. A thin adapter over nodes/lib/timeseries/writer.ts
 * (batches, disk queue, replay, dead letters): it turns messages into points, shows the state in the
 * status, sends metrics on output 1 and dead letters on output 2.
 */
import os from 'node:os';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { TimeseriesDbNode } from '../lib/timeseries/db-node';
import { PointInputError, explicitPoint, isReading, readingToPoints } from '../lib/timeseries/points';
import { DeadLetterFile, DiskQueue } from '../lib/timeseries/queue';
import type { Point, QueryResult, RejectedPoint, TimeseriesBackend, WriteResult } from '../lib/timeseries/types';
import { TransientWriteError } from '../lib/timeseries/types';
import { TimeseriesWriter } from '../lib/timeseries/writer';
import { settleMessage, settleOf } from '../lib/mqtt/settle';
import enUS = require('./locales/en-US/timeseries-write.json');
import { compactCount, Translate, translator } from '../lib/i18n';

interface TimeseriesWriteDef extends NodeDef {
  db?: string;
  batchSize?: number | string;
  flushInterval?: number | string;
  /** Write as soon as a write slot is free (writer.ts); absent in flows saved before it existed. */
  writeWhenIdle?: boolean | string;
  maxQueuePoints?: number | string;
  maxQueueMB?: number | string;
  metricsInterval?: number | string;
  /** Concurrent writes to the database (1–8, default 2; runtime setting timeseriesWriteMaxInFlight). */
  maxInFlight?: number | string;
}


const STATUS_INTERVAL_MS = 1000;
const WARN_INTERVAL_MS = 10000;
const CLOSE_TIMEOUT_MS = 3000;




function positive(value: unknown, fallback: number): number {
  const n = Number(value);
  return value === undefined || value === '' || !Number.isFinite(n) || n <= 0 ? fallback : n;
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function TimeseriesWriteNode(this: Node, config: TimeseriesWriteDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const dbNode = config.db ? (RED.nodes.getNode(config.db) as unknown as TimeseriesDbNode | null) : null;
    if (!dbNode || typeof dbNode.acquire !== 'function') {
      node.status({ fill: 'red', shape: 'ring', text: t('timeseries-write.status.no-db') });
      node.error(t('timeseries-write.errors.no-db'));
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => done(new Error(t('timeseries-write.errors.no-db'))));
      return;
    }
    const db: TimeseriesDbNode = dbNode;

    const settings = RED.settings as unknown as { userDir?: string; timeseriesWriteQueueDir?: string; timeseriesWriteRetryMaxMs?: number; timeseriesWriteMaxInFlight?: number };
    const queueRoot = settings.timeseriesWriteQueueDir || path.join(settings.userDir || path.join(os.homedir(), '.node-red'), 'timeseries-queue');
    const queueDir = path.join(queueRoot, node.id.replace(/[^\w.-]/g, '_'));
    const metricsMs = config.metricsInterval === undefined || config.metricsInterval === '' ? 10000 : Number(config.metricsInterval) * 1000;

    const user = {
      id: node.id,
      onDatabaseStatus: (state: 'open' | 'error', detail?: string) => {
        if (state === 'error') {
          lastOpenError = detail;
          statusChanged();
        }
      },
    };
    let lastOpenError: string | undefined;
    const acquired: Promise<TimeseriesBackend> = db.acquire(user);
    acquired.catch((err: Error) => {
      lastOpenError = err.message;
      node.error(t('timeseries-write.errors.open', { db: db.description, reason: err.message }));
      statusChanged();
    });
    // The writer sees the database through this proxy: while it cannot be opened, writes are transient failures.
    const backend: TimeseriesBackend = {
      kind: db.backendKind,
      async write(points: Point[]): Promise<WriteResult> {
        let b: TimeseriesBackend;
        try {
          b = await acquired;
        } catch (err) {
          throw new TransientWriteError(`${db.description}: ${(err as Error).message}`);
        }
        return b.write(points);
      },
      async query(): Promise<QueryResult> {
        throw new Error('not used by the writer');
      },
      async raw(): Promise<unknown> {
        throw new Error('not used by the writer');
      },
      async ping(): Promise<boolean> {
        try {
          return await (await acquired).ping();
        } catch {
          return false;
        }
      },
      async close(): Promise<void> { /* the config node closes the backend */ },
    };

    let queue: DiskQueue;
    let deadLetters: DeadLetterFile;
    try {
      queue = new DiskQueue({
        dir: queueDir,
        maxPoints: positive(config.maxQueuePoints, 1000000),
        maxBytes: positive(config.maxQueueMB, 256) * 1024 * 1024,
      });
      deadLetters = new DeadLetterFile(path.join(queueDir, 'dead-letters.jsonl'));
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: t('timeseries-write.status.no-queue') });
      node.error(t('timeseries-write.errors.queue', { dir: queueDir, reason: (err as Error).message }));
      void db.release(user);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => done(new Error(t('timeseries-write.status.no-queue'))));
      return;
    }
    if (queue.corruptRecords > 0) {
      node.warn(t('timeseries-write.errors.corrupt', { n: queue.corruptRecords, bytes: queue.corruptBytes, dir: queueDir }));
    }

    let inputErrors = 0;
    let freshError: string | undefined;
    let droppedSinceWarn = 0;
    let warnTimer: NodeJS.Timeout | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let lastStatusWritten = 0;
    let lastStatusAt = Date.now();
    let lastMetricsWritten = 0;
    let lastMetricsAt = Date.now();

    function onRejected(rejected: RejectedPoint[]): void {
      const reason = rejected[0].reason;
      freshError = reason;
      statusChanged();
      const msg = {
        topic: 'dead-letter',
        payload: rejected.map((r) => r.point),
        reasons: rejected.map((r) => r.reason),
        deadLetterFile: deadLetters.file,
      };
      node.send([null, msg]);
      // Catch nodes see it too, with the same message.
      node.error(t('timeseries-write.errors.rejected', { n: rejected.length, reason }), msg);
    }

    function onDropped(points: number): void {
      droppedSinceWarn += points;
      statusChanged();
      if (warnTimer === undefined) {
        const warn = () => {
          warnTimer = undefined;
          if (droppedSinceWarn === 0 || closed) return;
          node.warn(t('timeseries-write.errors.dropped', { n: droppedSinceWarn, total: queue.droppedPoints }));
          droppedSinceWarn = 0;
          warnTimer = setTimeout(warn, WARN_INTERVAL_MS);
        };
        warn();
      }
    }

    const writer = new TimeseriesWriter({
      backend,
      queue,
      deadLetters,
      batchSize: Math.floor(positive(config.batchSize, 5000)),
      flushIntervalMs: positive(config.flushInterval, 1000),
      // Flows saved before this option existed keep batching by size and time only.
      writeWhenIdle: config.writeWhenIdle === true || config.writeWhenIdle === 'true',
      // Several writes in flight keep InfluxDB busy while the next body is sent; order and replays stay
      // safe (see writer.ts: a failed batch and all that waits behind it go to the disk queue in order).
      maxInFlight: Math.min(8, Math.max(1, Math.floor(positive(config.maxInFlight, positive(settings.timeseriesWriteMaxInFlight, 2))))),
      // Longest delay between two probes of a database that is down (runtime setting, default 30 s).
      retryMaxMs: positive(settings.timeseriesWriteRetryMaxMs, 30000),
      onRejected,
      onDropped,
      onChange: () => statusChanged(),
    });

    function showStatus(): void {
      statusTimer = undefined;
      if (closed) return;
      const stats = writer.stats;
      const now = Date.now();
      const rate = ((stats.written - lastStatusWritten) * 1000) / Math.max(1, now - lastStatusAt);
      lastStatusWritten = stats.written;
      lastStatusAt = now;
      if (freshError !== undefined) {
        const reason = freshError.length > 40 ? `${freshError.slice(0, 39)}…` : freshError;
        freshError = undefined;
        node.status({ fill: 'red', shape: 'ring', text: t('timeseries-write.status.error', { reason }) });
        statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
        return;
      }
      if (!stats.databaseUp || lastOpenError !== undefined && stats.written === 0 && stats.queued > 0) {
        node.status({ fill: 'red', shape: 'ring', text: t('timeseries-write.status.down', { queued: compactCount(stats.queued) }) });
      } else if (stats.queued > 0) {
        node.status({ fill: 'yellow', shape: 'dot', text: t('timeseries-write.status.replaying', { queued: compactCount(stats.queued) }) });
      } else {
        let text = t('timeseries-write.status.ok', { rate: compactCount(rate), queued: compactCount(stats.queued) });
        if (stats.dropped > 0) text += ` · ${t('timeseries-write.status.dropped', { n: compactCount(stats.dropped) })}`;
        if (stats.deadLetters > 0) text += ` · ${t('timeseries-write.status.dead', { n: compactCount(stats.deadLetters) })}`;
        node.status({ fill: 'green', shape: 'dot', text });
      }
      // Keep the rate fresh while something moves.
      if (rate > 0 || stats.pending > 0 || stats.queued > 0) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    let closed = false;
    function statusChanged(): void {
      if (!closed && statusTimer === undefined) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    function metrics(): NodeMessage {
      const stats = writer.stats;
      const now = Date.now();
      const rate = ((stats.written - lastMetricsWritten) * 1000) / Math.max(1, now - lastMetricsAt);
      lastMetricsWritten = stats.written;
      lastMetricsAt = now;
      return {
        topic: 'metrics',
        payload: {
          written: stats.written,
          queued: stats.queued,
          pending: stats.pending,
          dropped: stats.dropped,
          deadLetters: stats.deadLetters,
          corruptRecords: stats.corruptRecords,
          inputErrors,
          rate: Math.round(rate),
          databaseUp: stats.databaseUp,
          lastError: stats.lastError ?? null,
          database: db.description,
        },
      } as NodeMessage;
    }

    const metricsTimer = metricsMs > 0 ? setInterval(() => node.send([metrics(), null]), metricsMs) : undefined;

    node.status({ fill: 'grey', shape: 'ring', text: t('timeseries-write.status.starting', { db: db.description.slice(0, 30) }) });
    statusChanged();
    writer.start();

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage | Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      const payload = msg.payload as unknown;
      // A message asking for the metrics now.
      if ((msg as { topic?: unknown }).topic === 'metrics' && (payload === undefined || payload === '' || payload === null)) {
        send([metrics(), null]);
        done();
        return;
      }
      let points: Point[];
      try {
        if (isReading(payload)) {
          points = readingToPoints(payload, (msg as { tags?: Record<string, unknown> }).tags);
        } else if (Array.isArray(payload)) {
          points = payload.map((p, i) => explicitPoint(p, `payload[${i}]`));
        } else {
          points = [explicitPoint(payload)];
        }
      } catch (err) {
        inputErrors++;
        freshError = err instanceof PointInputError ? err.field : 'input';
        statusChanged();
        const error = new Error(err instanceof PointInputError && err.device
          ? t('timeseries-write.errors.input-device', { reason: err.message, device: err.device })
          : t('timeseries-write.errors.input', { reason: (err as Error).message }));
        error.name = 'timeseries-write';
        // Reported to Catch nodes: its MQTT source may acknowledge it (a new delivery would fail the same way).
        settleMessage(msg);
        done(error);
        return;
      }
      try {
        // The MQTT source (lorawan-mqtt-in) acknowledges the message once its points are durable.
        writer.add(points, settleOf(msg));
      } catch (err) {
        done(err as Error);
        return;
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (metricsTimer !== undefined) clearInterval(metricsTimer);
      closed = true;
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      if (warnTimer !== undefined) clearTimeout(warnTimer);
      statusTimer = undefined;
      writer.close(CLOSE_TIMEOUT_MS)
        .catch((err: Error) => node.error(t('timeseries-write.errors.close', { reason: err.message })))
        .then(() => db.release(user))
        .catch(() => undefined)
        .finally(() => {
          node.status({});
          done();
        });
    });
  }

  RED.nodes.registerType('timeseries-write', TimeseriesWriteNode);
};
