/**
 * `lorawan-event`: turns what an `mqtt in` node receives from ChirpStack v4 or The Things Stack v3
 * into normalised events (DESIGN §4). A thin adapter over nodes/lib/lorawan/events.ts: it picks the
 * wanted event kinds, drops duplicates, counts everything and reports bad input through done(err).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { EVENT_TYPES, EventType, NetworkEvent } from '../lib/contracts';
import { EventParseError, EventTopic, ParseOptions, RecentKeys, parseEventBody, parseEventTopic } from '../lib/lorawan/events';
import enUS = require('./locales/en-US/lorawan-event.json');
import { compactCount, TextParams, Translate, translator } from '../lib/i18n';
import { settleMessage } from '../lib/mqtt/settle';

interface LorawanEventDef extends NodeDef {
  eventUp?: boolean;
  eventStatus?: boolean;
  eventJoin?: boolean;
  eventAck?: boolean;
  eventTxack?: boolean;
  eventLog?: boolean;
  eventLocation?: boolean;
  eventIntegration?: boolean;
  splitOutputs?: boolean;
  dedup?: boolean;
  dedupSize?: number | string;
  defaultTenant?: string;
}

/** The editor property that selects each event kind. */
const SELECT_PROPERTY: Record<EventType, keyof LorawanEventDef> = {
  up: 'eventUp',
  status: 'eventStatus',
  join: 'eventJoin',
  ack: 'eventAck',
  txack: 'eventTxack',
  log: 'eventLog',
  location: 'eventLocation',
  integration: 'eventIntegration',
};

/** Kinds that carry a deduplicationId (ChirpStack gives none to txack and log). */
const DEDUP_TYPES: ReadonlySet<EventType> = new Set<EventType>(['up', 'status', 'join', 'ack', 'location', 'integration']);

const DEFAULT_DEDUP_SIZE = 10000;
const MAX_DEDUP_SIZE = 1000000;
const STATUS_INTERVAL_MS = 500;

type Params = TextParams;




export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  /** The error given to done(): translated when the catalog is loaded, else the parser's English text. */
  function nodeError(err: EventParseError): Error {
    const params: Params = {
      field: err.field ?? '',
      value: err.value ?? '',
      expected: err.expected ? RED._(`lorawan-event.expected.${err.expected}`) : '',
      topicValue: err.topicValue ?? '',
      detail: err.detail ?? '',
      device: err.device ?? '',
      topic: err.topic,
    };
    const key = `lorawan-event.errors.${err.code}`;
    const contextKey = err.device ? 'lorawan-event.errors.context' : 'lorawan-event.errors.contextTopic';
    const text = RED._(key, params);
    const context = RED._(contextKey, params);
    const error = new Error(text !== key && context !== contextKey ? `${text} (${context})` : err.message);
    // Catch nodes show `${name}: ${message}` and copy `code` to msg.error.code.
    error.name = 'lorawan-event';
    (error as Error & { code: string }).code = err.code;
    return error;
  }

  function LorawanEventNode(this: Node, config: LorawanEventDef): void {
    RED.nodes.createNode(this, config);
    const node = this;

    // Selected kinds in the fixed EVENT_TYPES order; the position is the output port when split.
    const selected = EVENT_TYPES.filter((type) => {
      const value = config[SELECT_PROPERTY[type]];
      return value === undefined ? type === 'up' : value === true;
    });
    const split = config.splitOutputs === true && selected.length > 1;
    const outputCount = split ? selected.length : 1;
    const outputOf: Record<string, number> = {};
    for (const type of EVENT_TYPES) {
      const index = selected.indexOf(type);
      outputOf[type] = index < 0 ? -1 : split ? index : 0;
    }

    let dedupSize = config.dedupSize === undefined || config.dedupSize === '' ? DEFAULT_DEDUP_SIZE : Number(config.dedupSize);
    if (!Number.isInteger(dedupSize) || dedupSize < 1 || dedupSize > MAX_DEDUP_SIZE) {
      node.warn(t('lorawan-event.errors.dedup-size', { size: DEFAULT_DEDUP_SIZE }));
      dedupSize = DEFAULT_DEDUP_SIZE;
    }
    const recent: Partial<Record<EventType, RecentKeys>> = {};
    if (config.dedup !== false) {
      for (const type of selected) if (DEDUP_TYPES.has(type)) recent[type] = new RecentKeys(dedupSize);
    }
    const options: ParseOptions = { defaultTenant: config.defaultTenant?.trim() || undefined };
    const onlyUp = selected.length === 1 && selected[0] === 'up';

    let emitted = 0;
    let ignored = 0;
    let duplicates = 0;
    let errors = 0;
    /** Reason of the last error when one happened since the last status update, else undefined. */
    let freshError: string | undefined;
    let statusTimer: NodeJS.Timeout | undefined;

    function showStatus(): void {
      statusTimer = undefined;
      if (freshError !== undefined) {
        const reason = t(`lorawan-event.status.reason.${freshError}`);
        freshError = undefined;
        node.status({ fill: 'red', shape: 'ring', text: t('lorawan-event.status.error', { n: compactCount(errors), reason }) });
        // Come back to the summary once the errors stop.
        statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
        return;
      }
      let text = t(onlyUp ? 'lorawan-event.status.up' : 'lorawan-event.status.events', { n: compactCount(emitted) });
      if (ignored > 0) text += ` · ${t('lorawan-event.status.ignored', { n: compactCount(ignored) })}`;
      if (duplicates > 0) text += ` · ${t('lorawan-event.status.duplicates', { n: compactCount(duplicates) })}`;
      if (errors > 0) text += ` · ${t('lorawan-event.status.errors', { n: compactCount(errors) })}`;
      node.status({ fill: selected.length > 0 ? 'green' : 'yellow', shape: 'dot', text });
    }

    /** Status updates are throttled: at most one every STATUS_INTERVAL_MS whatever the traffic. */
    function statusChanged(): void {
      if (statusTimer === undefined) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    if (selected.length === 0) {
      node.warn(t('lorawan-event.errors.no-events'));
      node.status({ fill: 'yellow', shape: 'ring', text: t('lorawan-event.status.none') });
    }

    /** Bad input: counted, shown, and handed to Catch nodes through done(err). */
    function failed(msg: NodeMessageInFlow, err: unknown, done: (err?: Error) => void): void {
      errors++;
      // Not forwarded: its MQTT source (lorawan-mqtt-in) may acknowledge it now.
      settleMessage(msg);
      statusChanged();
      if (err instanceof EventParseError) {
        freshError = err.code;
        done(nodeError(err));
      } else {
        freshError = 'internal';
        done(err instanceof Error ? err : new Error(String(err)));
      }
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage | Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      const mqttTopic = msg.topic;
      let route: EventTopic;
      try {
        route = parseEventTopic(mqttTopic);
      } catch (err) {
        failed(msg, err, done);
        return;
      }
      const port = route.eventType === null ? -1 : outputOf[route.eventType];
      if (port < 0) {
        // Not selected (or a TTS message other than an uplink): skipped without reading the body.
        ignored++;
        statusChanged();
        settleMessage(msg);
        done();
        return;
      }
      let event: NetworkEvent;
      try {
        event = parseEventBody(route, msg.payload, options);
      } catch (err) {
        failed(msg, err, done);
        return;
      }
      const keys = recent[event.eventType];
      const dedupId = (event as { dedupId?: string }).dedupId;
      if (keys !== undefined && dedupId !== undefined && keys.isDuplicate(dedupId)) {
        duplicates++;
        statusChanged();
        // Not settled here: a duplicate is often the broker's redelivery of a message whose first copy is
        // still on its way to the database; acknowledging it now could lose both. The settle timeout of its
        // source acknowledges it.
        done();
        return;
      }
      emitted++;
      statusChanged();
      const out = msg as NodeMessageInFlow & { mqttTopic: unknown; eventType: EventType };
      out.mqttTopic = mqttTopic;
      out.topic = event.devEui;
      out.eventType = event.eventType;
      out.payload = event;
      if (outputCount === 1) {
        send(out);
      } else {
        const ports: Array<NodeMessage | null> = new Array<NodeMessage | null>(outputCount).fill(null);
        ports[port] = out;
        send(ports);
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      statusTimer = undefined;
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('lorawan-event', LorawanEventNode);
};
