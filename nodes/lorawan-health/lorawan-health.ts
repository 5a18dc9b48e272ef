/**
 * `lorawan-health`: the health of the network's devices, from what the ingest sees (Uplinks, Readings,
 * decode errors caught by a Catch node, meter-index anomalies). A thin adapter over nodes/lib/health:
 * each message only updates the device's record; a timer checks silences (every few seconds) and
 * publishes the device table and the summary at most every publishInterval seconds (and on demand,
 * msg.topic "publier"). Alerts leave on the third output as soon as they are raised or cleared.
 * The state is kept in the node's context, so a redeploy keeps the counters and the active alerts.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import {
  alertMessage, DEFAULT_ALERT_ALARMS, dispatch, HealthInputError, HealthOptions, HealthSnapshot, HealthTracker,
} from '../lib/health';
import enUS = require('./locales/en-US/lorawan-health.json');
import { compactCount, Translate, translator } from '../lib/i18n';

interface LorawanHealthDef extends NodeDef {
  silentFactor?: number | string;
  minInterval?: number | string;
  checkInterval?: number | string;
  publishInterval?: number | string;
  errorBurst?: number | string;
  errorWindow?: number | string;
  lowBattery?: number | string;
  alarms?: string;
  eventHold?: number | string;
  keepState?: boolean;
}

/** Context key of the state kept across redeploys. */
const STATE_KEY = 'etat';
/** Even with nothing new, the table is sent again after this long (its « depuis » column moves on). */
const REFRESH_MS = 15000;

function numberOr(value: number | string | undefined, fallback: number): number {
  const text = String(value ?? '').trim();
  return text === '' ? fallback : Number(text);
}

function checked(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name}: ${value} must be a number from ${min} to ${max}`);
  return value;
}

/** The tracker options and timer periods of a node's configuration. Throws an Error naming the field when one is invalid. */
function settingsOf(config: LorawanHealthDef): { options: HealthOptions; checkMs: number; publishMs: number } {
  const alarmsText = String(config.alarms ?? '').trim();
  const alarms = alarmsText === '' ? DEFAULT_ALERT_ALARMS : alarmsText === '*' ? '*' as const : alarmsText.split(/[\s,;]+/).filter((a) => a !== '');
  return {
    options: {
      silentFactor: checked('silentFactor', numberOr(config.silentFactor, 3), 1, 1000),
      minIntervalMs: checked('minInterval', numberOr(config.minInterval, 0), 0, 525600) * 60000,
      errorBurstCount: Math.round(checked('errorBurst', numberOr(config.errorBurst, 3), 1, 1000)),
      errorBurstWindowMs: checked('errorWindow', numberOr(config.errorWindow, 15), 0.1, 10080) * 60000,
      lowBatteryPercent: checked('lowBattery', numberOr(config.lowBattery, 10), 0, 100),
      alertAlarms: alarms,
      eventHoldMs: checked('eventHold', numberOr(config.eventHold, 24), 0.01, 8760) * 3600000,
      maxDevices: 10000,
    },
    checkMs: checked('checkInterval', numberOr(config.checkInterval, 5), 0.1, 5) * 1000,
    publishMs: checked('publishInterval', numberOr(config.publishInterval, 2), 0.1, 3600) * 1000,
  };
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function LorawanHealthNode(this: Node, config: LorawanHealthDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const keepState = config.keepState !== false;

    let tracker: HealthTracker | undefined;
    let configError = '';
    let checkMs = 5000;
    let publishMs = 2000;
    try {
      const s = settingsOf(config);
      checkMs = s.checkMs;
      publishMs = s.publishMs;
      let snapshot: HealthSnapshot | undefined;
      if (keepState) snapshot = node.context().get(STATE_KEY) as HealthSnapshot | undefined;
      try {
        tracker = new HealthTracker(s.options, snapshot ?? undefined);
      } catch (err) {
        if (snapshot === undefined) throw err;
        node.warn(t('lorawan-health.errors.state', { detail: (err as Error).message }));
        tracker = new HealthTracker(s.options);
      }
    } catch (err) {
      configError = (err as Error).message;
      node.error(t('lorawan-health.errors.config', { detail: configError }));
      node.status({ fill: 'red', shape: 'ring', text: t('lorawan-health.status.config') });
    }

    let invalid = 0;
    let freshError: string | undefined;
    let lastPublish = 0;
    let lastStatus = '';

    function sendAlerts(): void {
      if (tracker === undefined || tracker.pendingEvents === 0) return;
      node.send([null, null, tracker.takeEvents().map((e) => alertMessage(e) as NodeMessage)]);
    }

    function publish(now: number): void {
      if (tracker === undefined) return;
      lastPublish = now;
      const rows = tracker.rows(now);
      node.send([{ topic: 'capteurs', payload: rows }, { topic: 'resume', payload: tracker.summary(now) }, null]);
      if (keepState) node.context().set(STATE_KEY, tracker.snapshot());
    }

    function showStatus(): void {
      if (tracker === undefined) return;
      const summary = tracker.summary(Date.now());
      const parts = [t('lorawan-health.status.devices', { n: compactCount(summary.capteurs) })];
      if (summary.silencieux > 0) parts.push(t('lorawan-health.status.silent', { n: compactCount(summary.silencieux) }));
      if (summary.alertes > 0) parts.push(t('lorawan-health.status.alerts', { n: compactCount(summary.alertes) }));
      if (invalid > 0) parts.push(t('lorawan-health.status.invalid', { n: compactCount(invalid) }));
      if (tracker.counters.ignored > 0) parts.push(t('lorawan-health.status.ignored', { n: compactCount(tracker.counters.ignored) }));
      let text = parts.join(' · ');
      let fill: 'green' | 'yellow' | 'red' = summary.silencieux > 0 || summary.alertes > 0 ? 'yellow' : 'green';
      if (freshError !== undefined) {
        text = t('lorawan-health.status.error', { n: compactCount(invalid), reason: freshError });
        fill = 'red';
        freshError = undefined;
      }
      if (text + fill === lastStatus) return;
      lastStatus = text + fill;
      node.status({ fill, shape: 'dot', text });
    }

    // One timer for the silences, the tables and the status: nothing of this runs per message.
    const timer = tracker === undefined ? undefined : setInterval(() => {
      try {
        const now = Date.now();
        tracker!.check(now);
        sendAlerts();
        if (now - lastPublish >= publishMs && (tracker!.dirty || now - lastPublish >= REFRESH_MS)) publish(now);
        showStatus();
      } catch (err) {
        node.error(t('lorawan-health.errors.internal', { detail: (err as Error).message }));
      }
    }, Math.min(checkMs, publishMs));

    node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
      if (tracker === undefined) {
        const error = new Error(t('lorawan-health.errors.config', { detail: configError }));
        error.name = 'lorawan-health';
        done(error);
        return;
      }
      let kind;
      try {
        kind = dispatch(tracker, msg as unknown as Record<string, unknown>, Date.now());
      } catch (err) {
        invalid++;
        if (err instanceof HealthInputError) {
          freshError = t(`lorawan-health.status.reason.${err.code}`);
          const error = new Error(t(`lorawan-health.errors.${err.code}`, { detail: err.message }));
          error.name = 'lorawan-health';
          (error as Error & { code: string }).code = err.code;
          done(error);
        } else {
          freshError = t('lorawan-health.status.reason.internal');
          done(err instanceof Error ? err : new Error(String(err)));
        }
        return;
      }
      if (kind === 'publish') publish(Date.now());
      else if (kind === 'alerts') node.send([null, null, tracker.activeAlerts().map((alert) => alertMessage({ event: 'raised', alert }) as NodeMessage)]);
      // Alarms and decode-error bursts are rare: they leave at once, the tables wait for the timer.
      if (tracker.pendingEvents > 0) sendAlerts();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer !== undefined) clearInterval(timer);
      if (tracker !== undefined && keepState) node.context().set(STATE_KEY, tracker.snapshot());
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('lorawan-health', LorawanHealthNode);
};
