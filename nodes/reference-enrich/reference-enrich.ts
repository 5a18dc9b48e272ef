/**
 * `reference-enrich`: joins each message with a reference table (a `reference-source` config node)
 * by key — msg.payload.devEui by default, or any msg property — and adds the matched row
 * (msg.site by default, or any msg property: chains such as meter → building → commune put the
 * second row in msg.building, keyed on msg.site.building) and msg.tags, the configured columns as
 * strings (`tag=column` pairs), merged with existing tags (timeseries-write stores them as tags).
 * Optionally converts pulse_count measurements with the meter registry (nodes/lib/reference/pulses.ts).
 *
 * Output 1: enriched messages. Output 2: messages without a row, with msg.reason:
 * `unknown-key`, `no-key`, `table-unavailable` (the table could not be loaded, or not within the
 * waiting time) or `queue-full`. Before the first load, messages wait in order in a bounded queue
 * (10,000). Per message: one Map lookup, no reload.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Measurement } from '../lib/contracts';
import { convertPulses, DEFAULT_PULSE_COLUMNS, PulseColumns } from '../lib/reference/pulses';
import type { SourceState } from '../lib/reference/source';
import { normaliseKey } from '../lib/reference/table';
import type { ReferenceSourceApi, ReferenceTable } from '../lib/reference/types';
import enUS = require('./locales/en-US/reference-enrich.json');
import { compactCount, Translate, translator } from '../lib/i18n';

interface ReferenceEnrichDef extends NodeDef {
  source?: string;
  keyProperty?: string;
  target?: string;
  tags?: string;
  waitSeconds?: number | string;
  convertPulses?: boolean;
  weightColumn?: string;
  weightUnitColumn?: string;
  startIndexColumn?: string;
  indexUnitColumn?: string;
  fluidColumn?: string;
  gasCoefficientColumn?: string;
}

type SourceNode = ReferenceSourceApi & { description?: string; onState?: (listener: (state: SourceState) => void) => () => void; state?: () => SourceState };
type Send = (msg: NodeMessage | Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;
type Msg = NodeMessageInFlow & Record<string, unknown>;

interface Waiting {
  msg: Msg;
  send: Send;
  done: Done;
  deadline: number;
}

const QUEUE_LIMIT = 10000;
const STATUS_INTERVAL_MS = 500;
const DEFAULT_WAIT_S = 30;




/** "site=siteId, building=buildingId, commune" → [[site, siteId], [building, buildingId], [commune, commune]]. */
function parseTagMap(text: string | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of String(text ?? '').split(/[,;\n]/)) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const tag = (eq < 0 ? item : item.slice(0, eq)).trim();
    const column = (eq < 0 ? item : item.slice(eq + 1)).trim();
    if (tag !== '' && column !== '') pairs.push([tag, column]);
  }
  return pairs;
}

function hhmm(epoch: number): string {
  const d = new Date(epoch);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function ReferenceEnrichNode(this: Node, config: ReferenceEnrichDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const source = config.source ? (RED.nodes.getNode(config.source) as unknown as SourceNode | null) : null;
    if (!source || typeof source.table !== 'function') {
      node.status({ fill: 'red', shape: 'ring', text: t('reference-enrich.status.no-source') });
      node.error(t('reference-enrich.errors.no-source'));
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(new Error(t('reference-enrich.errors.no-source'))));
      return;
    }
    const keyProperty = String(config.keyProperty ?? '').trim() || 'payload.devEui';
    const target = String(config.target ?? '').trim() || 'site';
    const tagMap = parseTagMap(config.tags);
    const waitText = String(config.waitSeconds ?? '').trim();
    const waitMs = (waitText === '' || !Number.isFinite(Number(waitText)) || Number(waitText) < 0 ? DEFAULT_WAIT_S : Number(waitText)) * 1000;
    const pulses = config.convertPulses === true;
    const columns: PulseColumns = {
      weight: config.weightColumn?.trim() || DEFAULT_PULSE_COLUMNS.weight,
      weightUnit: config.weightUnitColumn?.trim() || DEFAULT_PULSE_COLUMNS.weightUnit,
      startIndex: config.startIndexColumn?.trim() || DEFAULT_PULSE_COLUMNS.startIndex,
      indexUnit: config.indexUnitColumn?.trim() || DEFAULT_PULSE_COLUMNS.indexUnit,
      fluid: config.fluidColumn?.trim() || DEFAULT_PULSE_COLUMNS.fluid,
      gasCoefficient: config.gasCoefficientColumn?.trim() || DEFAULT_PULSE_COLUMNS.gasCoefficient,
    };

    let closed = false;
    let enriched = 0;
    let unknown = 0;
    let unavailable = 0;
    let overflow = 0;
    let errors = 0;
    let loadError: string | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let sweepTimer: NodeJS.Timeout | undefined;
    const queue: Waiting[] = [];
    const unsubscribe: Array<() => void> = [];

    function showStatus(): void {
      statusTimer = undefined;
      if (closed) return;
      const table = source!.table();
      if (!table) {
        if (loadError !== undefined) node.status({ fill: 'red', shape: 'ring', text: t('reference-enrich.status.unavailable', { reason: loadError.slice(0, 60) }) });
        else node.status({ fill: 'yellow', shape: 'ring', text: t('reference-enrich.status.loading', { n: compactCount(queue.length) }) });
        return;
      }
      let text = t('reference-enrich.status.rows', { n: compactCount(table.list.length), time: hhmm(table.loadedAt) });
      if (unknown > 0) text += ` · ${t('reference-enrich.status.unknown', { n: compactCount(unknown) })}`;
      if (unavailable + overflow > 0) text += ` · ${t('reference-enrich.status.unavailableCount', { n: compactCount(unavailable + overflow) })}`;
      if (errors > 0) text += ` · ${t('reference-enrich.status.errors', { n: compactCount(errors) })}`;
      if (loadError !== undefined) {
        node.status({ fill: 'yellow', shape: 'ring', text: `${t('reference-enrich.status.stale')} · ${text}` });
      } else {
        node.status({ fill: 'green', shape: 'dot', text });
      }
    }

    function statusChanged(): void {
      if (statusTimer === undefined && !closed) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    function secondOutput(msg: Msg, reason: Record<string, unknown>, send: Send, done: Done): void {
      msg.reason = reason;
      send([null, msg]);
      done();
    }

    function handle(table: ReferenceTable, msg: Msg, send: Send, done: Done): void {
      let raw: unknown;
      try {
        raw = RED.util.getMessageProperty(msg, keyProperty);
      } catch {
        raw = undefined;
      }
      const key = normaliseKey(table.keyColumn, raw);
      if (key === '') {
        unknown++;
        statusChanged();
        secondOutput(msg, { code: 'no-key', property: `msg.${keyProperty}`, table: table.name, text: t('reference-enrich.reason.no-key', { property: `msg.${keyProperty}` }) }, send, done);
        return;
      }
      const row = table.rows.get(key);
      if (row === undefined) {
        unknown++;
        statusChanged();
        secondOutput(msg, { code: 'unknown-key', key, table: table.name, text: t('reference-enrich.reason.unknown-key', { key, table: table.name }) }, send, done);
        return;
      }
      if (pulses) {
        const payload = msg.payload as { measurements?: unknown } | null;
        if (payload !== null && typeof payload === 'object' && Array.isArray(payload.measurements)) {
          try {
            const result = convertPulses(payload.measurements as Measurement[], row, key, columns);
            if (result.converted > 0) msg.payload = { ...payload, measurements: result.measurements };
          } catch (err) {
            errors++;
            statusChanged();
            const error = new Error(t('reference-enrich.errors.pulses', { key, table: table.name, detail: (err as Error).message }));
            error.name = 'reference-enrich';
            done(error);
            return;
          }
        }
      }
      RED.util.setMessageProperty(msg, target, { ...row }, true);
      if (tagMap.length > 0) {
        const tags: Record<string, string> = msg.tags !== null && typeof msg.tags === 'object' ? { ...(msg.tags as Record<string, string>) } : {};
        for (const [tag, column] of tagMap) {
          const value = row[column];
          if (value === undefined || value === null || value === '') continue;
          tags[tag] = typeof value === 'object' ? JSON.stringify(value) : String(value);
        }
        msg.tags = tags;
      }
      enriched++;
      statusChanged();
      send([msg, null]);
      done();
    }

    function flush(table: ReferenceTable): void {
      const waiting = queue.splice(0, queue.length);
      for (const item of waiting) handle(table, item.msg, item.send, item.done);
      stopSweep();
    }

    function expire(all: boolean, reason: string): void {
      const now = Date.now();
      while (queue.length > 0 && (all || queue[0].deadline <= now)) {
        const item = queue.shift() as Waiting;
        unavailable++;
        secondOutput(item.msg, { code: 'table-unavailable', table: source!.description ?? '', text: reason }, item.send, item.done);
      }
      statusChanged();
      if (queue.length === 0) stopSweep();
    }

    function stopSweep(): void {
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      sweepTimer = undefined;
    }

    function startSweep(): void {
      if (sweepTimer !== undefined || closed) return;
      sweepTimer = setInterval(() => expire(false, t('reference-enrich.reason.timeout', { s: waitMs / 1000 })), Math.min(1000, Math.max(50, waitMs / 4)));
    }

    if (typeof source.onState === 'function') {
      unsubscribe.push(source.onState((state) => {
        loadError = state.state === 'error' ? state.error.message : state.state === 'ready' ? undefined : loadError;
        statusChanged();
      }));
    }
    unsubscribe.push(source.onUpdate((table) => {
      loadError = undefined;
      if (queue.length > 0) flush(table);
      statusChanged();
    }));
    statusChanged();

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const table = source.table();
      if (table !== undefined) {
        handle(table, msg as Msg, send, done);
        return;
      }
      const state = source.state?.();
      if (state !== undefined && state.state === 'error') {
        unavailable++;
        statusChanged();
        secondOutput(msg as Msg, { code: 'table-unavailable', table: source.description ?? '', text: t('reference-enrich.reason.failed', { detail: state.error.message }) }, send, done);
        return;
      }
      if (queue.length >= QUEUE_LIMIT) {
        overflow++;
        statusChanged();
        secondOutput(msg as Msg, { code: 'queue-full', limit: QUEUE_LIMIT, text: t('reference-enrich.reason.queue-full', { n: QUEUE_LIMIT }) }, send, done);
        return;
      }
      queue.push({ msg: msg as Msg, send, done, deadline: Date.now() + waitMs });
      statusChanged();
      startSweep();
      source.ready().then((loaded) => { if (!closed && queue.length > 0) flush(loaded); },
        (err: Error) => { if (!closed) expire(true, t('reference-enrich.reason.failed', { detail: err.message })); });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      for (const off of unsubscribe) off();
      stopSweep();
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      statusTimer = undefined;
      // Waiting messages are finished (not sent) so the runtime does not wait for them.
      for (const item of queue.splice(0, queue.length)) item.done();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('reference-enrich', ReferenceEnrichNode);
};
