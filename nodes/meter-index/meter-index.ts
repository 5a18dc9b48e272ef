/**
 * `meter-index`: adds consumption deltas to the index measurements of Readings (DESIGN §4, §5). A thin
 * adapter over nodes/lib/meter: the rules (first reading, rollover, reset, gap, duplicate, out of order,
 * rounding) are documented there. The state (last index of every series) is kept in a file of its own,
 * <userDir>/meter-index/<node id>.json, written atomically at most every few seconds and on close, and
 * loaded at start, so a restart never loses a step nor makes a spike.
 */
import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import {
  GapPolicy, MeterEvent, MeterInputError, MeterOptions, MeterResult, MeterTracker, ThrottledSaver, loadStateSync, stateFilePath,
} from '../lib/meter';
import enUS = require('./locales/en-US/meter-index.json');
import { compactCount, Translate, translator } from '../lib/i18n';

interface MeterIndexDef extends NodeDef {
  rolloverMode?: string;
  rolloverDigits?: number | string;
  rolloverValue?: string;
  rolloverScale?: number | string;
  rolloverMargin?: number | string;
  rolloverByModel?: string;
  expectedInterval?: number | string;
  gapFactor?: number | string;
  gapPolicy?: string;
  saveInterval?: number | string;
}

const STATUS_INTERVAL_MS = 500;
const DEFAULT_SAVE_INTERVAL_S = 5;
/** Folder of the state files, in the user directory. */
const STATE_FOLDER = 'meter-index';





function numberOr(value: number | string | undefined, fallback: number): number {
  const text = String(value ?? '').trim();
  return text === '' ? fallback : Number(text);
}

/** The tracker options of a node's configuration. Throws an Error naming the field when one is invalid. */
function trackerOptions(config: MeterIndexDef): MeterOptions {
  const mode = (config.rolloverMode ?? 'none').trim() || 'none';
  const scaleText = String(config.rolloverScale ?? '').trim();
  const scale = scaleText === '' || scaleText === '1' ? '' : `*${scaleText}`;
  let rollover: string;
  if (mode === 'none') rollover = 'none';
  else if (mode === '16bit' || mode === '24bit' || mode === '32bit') rollover = `${mode}${scale}`;
  else if (mode === 'digits') rollover = `${String(config.rolloverDigits ?? '').trim()}digits`;
  else if (mode === 'custom') rollover = String(config.rolloverValue ?? '').trim();
  else throw new Error(`rolloverMode: unknown mode "${mode}"`);

  let rolloverByModel: Record<string, string | number> = {};
  const overrides = String(config.rolloverByModel ?? '').trim();
  if (overrides !== '') {
    try {
      rolloverByModel = JSON.parse(overrides) as Record<string, string | number>;
    } catch (err) {
      throw new Error(`rolloverByModel: not JSON (${(err as Error).message})`);
    }
    if (rolloverByModel === null || typeof rolloverByModel !== 'object' || Array.isArray(rolloverByModel)) {
      throw new Error('rolloverByModel: must be a JSON object {"model": "32bit", "model/quantity": "5digits"}');
    }
  }
  const margin = numberOr(config.rolloverMargin, 10);
  const minutes = numberOr(config.expectedInterval, 0);
  const policy = (config.gapPolicy ?? 'flag') || 'flag';
  return {
    rollover,
    rolloverByModel,
    rolloverMargin: margin / 100,
    expectedIntervalMs: minutes * 60000,
    gapFactor: numberOr(config.gapFactor, 3),
    gapPolicy: policy as GapPolicy,
  };
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function setting(name: string): unknown {
    try {
      return (RED.settings as unknown as Record<string, unknown>)[name];
    } catch {
      return undefined;
    }
  }

  function MeterIndexNode(this: Node, config: MeterIndexDef): void {
    RED.nodes.createNode(this, config);
    const node = this;

    let tracker: MeterTracker | undefined;
    let configError: string | undefined;
    try {
      tracker = new MeterTracker(trackerOptions(config));
    } catch (err) {
      configError = (err as Error).message;
    }

    // The state file, loaded now and saved at most every saveInterval seconds and on close.
    let saver: ThrottledSaver | undefined;
    const userDir = setting('userDir');
    if (tracker !== undefined) {
      if (typeof userDir === 'string' && userDir !== '') {
        const file = stateFilePath(path.join(userDir, STATE_FOLDER), node.id);
        const loaded = loadStateSync(file);
        if (loaded.corruptMovedTo !== undefined) node.warn(t('meter-index.errors.corrupt-state', { file, aside: loaded.corruptMovedTo, detail: loaded.error ?? '' }));
        else if (loaded.error !== undefined) node.warn(t('meter-index.errors.read-state', { file, detail: loaded.error }));
        if (loaded.snapshot !== undefined) {
          try {
            tracker = new MeterTracker(trackerOptions(config), loaded.snapshot);
          } catch (err) {
            node.warn(t('meter-index.errors.read-state', { file, detail: (err as Error).message }));
          }
        }
        const t0 = tracker;
        let seconds = numberOr(config.saveInterval, DEFAULT_SAVE_INTERVAL_S);
        if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) seconds = DEFAULT_SAVE_INTERVAL_S;
        let lastWriteError = '';
        saver = new ThrottledSaver(file, () => (t0.dirty ? t0.snapshot() : undefined), seconds * 1000, (err) => {
          // One warning per distinct failure, not one per retry.
          if (err.message !== lastWriteError) node.warn(t('meter-index.errors.write-state', { file, detail: err.message }));
          lastWriteError = err.message;
        });
      } else {
        node.warn(t('meter-index.errors.no-user-dir'));
      }
    }

    let errors = 0;
    let freshError: string | undefined;
    let statusTimer: NodeJS.Timeout | undefined;

    function showStatus(): void {
      statusTimer = undefined;
      if (configError !== undefined) {
        node.status({ fill: 'red', shape: 'ring', text: t('meter-index.status.config') });
        return;
      }
      if (freshError !== undefined) {
        const reason = t(`meter-index.status.reason.${freshError}`);
        freshError = undefined;
        node.status({ fill: 'red', shape: 'ring', text: t('meter-index.status.error', { n: compactCount(errors), reason }) });
        statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
        return;
      }
      const c = tracker!.counters;
      const parts = [t('meter-index.status.deltas', { n: compactCount(c.deltas) }), t('meter-index.status.resets', { n: compactCount(c.resets) })];
      if (c.rollovers > 0) parts.push(t('meter-index.status.rollovers', { n: compactCount(c.rollovers) }));
      if (c.gaps > 0) parts.push(t('meter-index.status.gaps', { n: compactCount(c.gaps) }));
      if (c.duplicates + c.outOfOrder > 0) parts.push(t('meter-index.status.ignored', { n: compactCount(c.duplicates + c.outOfOrder) }));
      if (errors > 0) parts.push(t('meter-index.status.errors', { n: compactCount(errors) }));
      node.status({ fill: saver === undefined ? 'yellow' : 'green', shape: 'dot', text: parts.join(' · ') });
    }

    function statusChanged(): void {
      if (statusTimer === undefined) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    if (configError !== undefined) {
      node.error(t('meter-index.errors.config', { detail: configError }));
      showStatus();
    } else {
      statusChanged();
    }

    function failed(code: string, error: Error, done: (err?: Error) => void): void {
      errors++;
      freshError = code;
      statusChanged();
      error.name = 'meter-index';
      (error as Error & { code: string }).code = code;
      done(error);
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: Array<NodeMessage | NodeMessage[] | null>) => void, done: (err?: Error) => void) => {
      if (tracker === undefined) {
        failed('config', new Error(t('meter-index.errors.config', { detail: configError ?? '' })), done);
        return;
      }
      let result: MeterResult;
      try {
        result = tracker.process(msg.payload);
      } catch (err) {
        if (err instanceof MeterInputError) {
          const device = (msg.payload as { devEui?: unknown } | null)?.devEui;
          failed('input', new Error(t('meter-index.errors.input', { detail: err.message, device: typeof device === 'string' ? device : '?' })), done);
        } else {
          failed('internal', err instanceof Error ? err : new Error(String(err)), done);
        }
        return;
      }
      if (tracker.dirty) saver?.changed();
      statusChanged();
      const out = msg as NodeMessageInFlow & { payload: unknown };
      out.payload = result.reading;
      if (out.topic === undefined) out.topic = result.reading.devEui;
      const alerts = result.events.map((event: MeterEvent) => ({ topic: event.devEui, payload: event }) as NodeMessage);
      send([out, alerts.length > 0 ? alerts : null]);
      if (result.problems.length > 0) {
        failed('measurement', new Error(t('meter-index.errors.measurement', { device: result.reading.devEui, detail: result.problems.join('; ') })), done);
      } else {
        done();
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      statusTimer = undefined;
      saver?.close();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('meter-index', MeterIndexNode);
};
