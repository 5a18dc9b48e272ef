/**
 * `lorawan-mqtt-in`: the ingest source for ChirpStack / The Things Stack events over MQTT, losing nothing
 * when the process dies. Unlike the core `mqtt in` node, which acknowledges a QoS 1 message as soon as it
 * arrives, it acknowledges it only once the message is settled (nodes/lib/mqtt/settle.ts): its points are
 * durable in `timeseries-write`, or a node dropped it on purpose, or the settle timeout expired. MQTT 5,
 * QoS 1, optional shared subscription (`$share/<group>/…`) and persistent session (fixed client id), so
 * several instances split the load and a restarted one gets what it had not acknowledged.
 * Output: the raw message, as `mqtt in` gives it (`topic`, `payload` Buffer), for `lorawan-event`.
 */
import { connect } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { compactCount, Translate, translator } from '../lib/i18n';
import { SourceConfig, SourceConfigError, SourceSettings, sourceSettings } from '../lib/mqtt/options';
import { SETTLE_PROPERTY, SettleTracker } from '../lib/mqtt/settle';
import enUS = require('./locales/en-US/lorawan-mqtt-in.json');

interface LorawanMqttInDef extends NodeDef, Omit<SourceConfig, 'password'> {
  metricsInterval?: number | string;
}

interface Credentials {
  password?: string;
}

const STATUS_INTERVAL_MS = 1000;
const SWEEP_INTERVAL_MS = 1000;
const WARN_INTERVAL_MS = 60000;
/** On close, how long unsettled messages may still settle before the client ends (Node-RED allows 15 s). */
const CLOSE_SETTLE_WAIT_MS = 5000;
const END_TIMEOUT_MS = 3000;
const RECONNECT_MS = 5000;

/**
 * Given to mqtt.js's customHandleAcks callback to send no PUBACK now: mqtt.js then goes on with the next
 * packet and emits this error, which the node ignores. The PUBACK is sent later, on settlement.
 */
const DEFER_ACK = new Error('lorawan-mqtt-in: acknowledgement deferred until settlement');

type PacketSender = { _sendPacket(packet: { cmd: 'puback'; messageId: number; reasonCode: number }): void };

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function LorawanMqttInNode(this: Node<Credentials>, config: LorawanMqttInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;

    let settings: SourceSettings;
    try {
      settings = sourceSettings({ ...config, password: node.credentials?.password });
    } catch (err) {
      const detail = err instanceof SourceConfigError
        ? t(`lorawan-mqtt-in.errors.${err.code}`, { setting: err.setting, value: err.value })
        : (err as Error).message;
      node.status({ fill: 'red', shape: 'ring', text: t('lorawan-mqtt-in.status.config') });
      node.error(t('lorawan-mqtt-in.errors.config', { detail }));
      return;
    }
    const metricsMs = config.metricsInterval === undefined || config.metricsInterval === '' ? 60000 : Number(config.metricsInterval) * 1000;

    const tracker = new SettleTracker(settings.settleTimeoutMs);
    let client: MqttClient | undefined;
    /** Changes at every (re)connection: an acknowledgement meant for an older connection is not sent. */
    let generation = 0;
    let connected = false;
    let closing = false;
    let lastConnectionError: string | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let lastStatusAt = Date.now();
    let lastStatusReceived = 0;
    let lastMetricsAt = Date.now();
    let lastMetricsReceived = 0;
    let firstMessageAt = 0;
    let lastMessageAt = 0;
    let timedOutSinceWarn = 0;
    let lastWarnAt = 0;

    function showStatus(): void {
      statusTimer = undefined;
      if (closing) return;
      const now = Date.now();
      const c = tracker.counters;
      const rate = ((c.received - lastStatusReceived) * 1000) / Math.max(1, now - lastStatusAt);
      lastStatusReceived = c.received;
      lastStatusAt = now;
      if (!connected) {
        node.status({ fill: 'red', shape: 'ring', text: t(client ? 'lorawan-mqtt-in.status.disconnected' : 'lorawan-mqtt-in.status.connecting') });
        return;
      }
      let text = t('lorawan-mqtt-in.status.connected', { rate: compactCount(Math.round(rate)), unsettled: compactCount(tracker.unsettled) });
      if (c.timedOut > 0) text += ` · ${t('lorawan-mqtt-in.status.timedOut', { n: compactCount(c.timedOut) })}`;
      node.status({ fill: c.timedOut > 0 ? 'yellow' : 'green', shape: 'dot', text });
      // Keep the rate fresh while messages come or wait.
      if (rate > 0 || tracker.unsettled > 0) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    /** Status updates are throttled: at most one per second whatever the traffic. */
    function statusChanged(): void {
      if (!closing && statusTimer === undefined) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    function counters(): Record<string, unknown> {
      const c = tracker.counters;
      const now = Date.now();
      const rate = ((c.received - lastMetricsReceived) * 1000) / Math.max(1, now - lastMetricsAt);
      lastMetricsReceived = c.received;
      lastMetricsAt = now;
      const busyMs = lastMessageAt - firstMessageAt;
      return {
        connected,
        received: c.received,
        settled: c.settled,
        timedOut: c.timedOut,
        forgotten: c.forgotten,
        unsettled: tracker.unsettled,
        // Times the node stopped reading because `receiveMaximum` messages in the flow waited for their settlement.
        pauses,
        rate: Math.round(rate),
        // Messages per second between the first and the last message received: the throughput under load.
        busyRate: busyMs > 0 ? Math.round(((c.received - 1) * 1000) / busyMs) : 0,
        subscription: settings.subscription,
        clientId: settings.clientId,
      };
    }

    function summary(payload: Record<string, unknown>): string {
      return t('lorawan-mqtt-in.log.summary', {
        received: payload.received as number,
        settled: payload.settled as number,
        timedOut: payload.timedOut as number,
        unsettled: payload.unsettled as number,
        rate: payload.busyRate as number,
        clientId: settings.clientId,
      });
    }

    let lastLoggedReceived = 0;
    const metricsTimer = metricsMs > 0
      ? setInterval(() => {
        const payload = counters();
        node.send([null, { topic: 'metrics', payload } as NodeMessage]);
        // The log stays quiet while nothing comes.
        if (tracker.counters.received !== lastLoggedReceived) node.log(summary(payload));
        lastLoggedReceived = tracker.counters.received;
      }, metricsMs)
      : undefined;

    const sweepTimer = setInterval(() => {
      const expired = tracker.sweep();
      if (expired === 0) return;
      timedOutSinceWarn += expired;
      statusChanged();
      const now = Date.now();
      if (now - lastWarnAt >= WARN_INTERVAL_MS) {
        node.warn(t('lorawan-mqtt-in.errors.timedOut', { n: timedOutSinceWarn, s: settings.settleTimeoutMs / 1000 }));
        timedOutSinceWarn = 0;
        lastWarnAt = now;
      }
    }, SWEEP_INTERVAL_MS);

    /**
     * Flow control on our side: past `receiveMaximum` messages inside the flow (tracker.inFlow: unsettled
     * messages not yet left behind by a settled later one) the node holds back mqtt.js's packet callback, so
     * mqtt.js reads no further packet and TCP backpressure keeps the rest at the broker; it lets go once half
     * of them are settled. The broker is asked for the same limit (MQTT 5 receive maximum), but Mosquitto
     * 2.0.11 was measured letting its window grow tenfold after each round of acknowledgements; without
     * this, a burst piles up in memory ahead of the flow. A hold never outlasts the settle timeout (the
     * sweep settles what is left behind), which is shorter than the keepalive.
     */
    let heldPacket: (() => void) | undefined;
    let pauses = 0;
    const resumeBelow = Math.max(1, Math.floor(settings.receiveMaximum / 2));

    function readAgainIfRoom(): void {
      if (heldPacket === undefined || tracker.inFlow > resumeBelow) return;
      const release = heldPacket;
      heldPacket = undefined;
      release();
    }

    /** The PUBACK of one message, sent on the connection that received it only. */
    function acknowledgement(messageId: number): () => void {
      const receivedOn = generation;
      return () => {
        readAgainIfRoom();
        if (receivedOn !== generation || !connected || client === undefined) return;
        try {
          (client as unknown as PacketSender)._sendPacket({ cmd: 'puback', messageId, reasonCode: 0 });
        } catch (err) {
          node.error(t('lorawan-mqtt-in.errors.ack', { reason: (err as Error).message }));
        }
      };
    }

    function deliver(topic: string, payload: Buffer, qos: number, retain: boolean, messageId: number | undefined): void {
      const now = Date.now();
      if (firstMessageAt === 0) firstMessageAt = now;
      lastMessageAt = now;
      const msg: Record<string, unknown> = { topic, payload, qos, retain };
      if (qos > 0 && messageId !== undefined) {
        msg[SETTLE_PROPERTY] = tracker.track(acknowledgement(messageId));
      } else {
        tracker.counters.received++;
      }
      statusChanged();
      node.send([msg as NodeMessage, null]);
    }

    /** Called by mqtt.js for each QoS 1 (or 2) message before it would acknowledge it. */
    function handleAck(topic: string, payload: Buffer, packet: { qos: number; retain: boolean; messageId?: number }, callback: (error: Error | number) => void): void {
      // While closing, a message is neither processed nor acknowledged: the broker sends it again.
      if (!closing) deliver(topic, payload, packet.qos, packet.retain, packet.messageId);
      if (!closing && tracker.inFlow >= settings.receiveMaximum) {
        pauses++;
        heldPacket = () => callback(DEFER_ACK);
        return;
      }
      callback(DEFER_ACK);
    }

    function open(protocolVersion: 5 | 4): MqttClient {
      const options: IClientOptions = {
        protocolVersion,
        clientId: settings.clientId,
        clean: settings.clean,
        keepalive: 60,
        reconnectPeriod: RECONNECT_MS,
        connectTimeout: 30000,
        resubscribe: false,
        username: settings.username,
        password: settings.password,
        properties: protocolVersion === 5
          ? {
            sessionExpiryInterval: settings.sessionExpiry,
            // The broker may send this many messages before waiting for our acknowledgements.
            receiveMaximum: settings.receiveMaximum,
          }
          : undefined,
      };
      const c = connect(settings.url, options);
      // mqtt.js reads this hook at each message whatever the protocol version (it only takes it from the
      // options for MQTT 5): set it here so that a 3.1.1 broker gets deferred acknowledgements too.
      (c.options as { customHandleAcks?: unknown }).customHandleAcks = handleAck;
      c.on('connect', (connack) => {
        generation++;
        // Messages of an older connection are sent again by the broker (persistent session) or gone (clean).
        tracker.forget();
        // The packet held by a full window belongs to the old connection's reader, which mqtt.js abandoned.
        heldPacket = undefined;
        connected = true;
        lastConnectionError = undefined;
        node.log(t('lorawan-mqtt-in.log.connected', {
          url: settings.url,
          subscription: settings.subscription,
          clientId: settings.clientId,
          version: protocolVersion === 5 ? '5' : '3.1.1',
          session: t(settings.clean ? 'lorawan-mqtt-in.log.clean' : (connack.sessionPresent ? 'lorawan-mqtt-in.log.resumed' : 'lorawan-mqtt-in.log.new')),
        }));
        c.subscribe(settings.subscription, { qos: 1 }, (err, granted) => {
          const refused = granted?.find((g) => g.qos !== 0 && g.qos !== 1 && g.qos !== 2);
          if (err || refused) {
            node.error(t('lorawan-mqtt-in.errors.subscribe', { subscription: settings.subscription, reason: err ? err.message : `reason code ${refused!.qos}` }));
          }
        });
        statusChanged();
      });
      c.on('message', (topic, payload, packet) => {
        // QoS 0 messages only: QoS 1 ones come through handleAck.
        if (!closing && packet.qos === 0) deliver(topic, payload, 0, packet.retain, undefined);
      });
      c.on('close', () => {
        if (c !== client) return;
        if (connected) {
          connected = false;
          generation++;
          tracker.forget();
          heldPacket = undefined;
          if (!closing) node.warn(t('lorawan-mqtt-in.errors.disconnected', { url: settings.url }));
        }
        statusChanged();
      });
      c.on('error', (err: Error & { code?: number }) => {
        if (err === DEFER_ACK || c !== client) return;
        if (protocolVersion === 5 && !connected && (err.code === 132 || err.code === 1 || /protocol version/i.test(err.message))) {
          // A broker without MQTT 5 (e.g. the embedded aedes): the same over 3.1.1, where only the node's own
          // flow control bounds what is in flight and the session has no expiry of its own.
          node.log(t('lorawan-mqtt-in.log.fallback', { url: settings.url }));
          c.end(true);
          client = open(4);
          return;
        }
        // Logged once per distinct reason: the client retries every few seconds.
        if (err.message !== lastConnectionError) {
          lastConnectionError = err.message;
          node.error(t('lorawan-mqtt-in.errors.connection', { url: settings.url, reason: err.message }));
        }
        statusChanged();
      });
      return c;
    }

    node.status({ fill: 'yellow', shape: 'ring', text: t('lorawan-mqtt-in.status.connecting') });
    client = open(5);

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(sweepTimer);
      if (metricsTimer !== undefined) clearInterval(metricsTimer);
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      statusTimer = undefined;
      closing = true;
      const started = Date.now();
      // What is on its way to the database may still settle (timeseries-write flushes on close);
      // what does not is sent again by the broker to the persistent session. No unsubscribe: the
      // session keeps its subscription and collects messages while this instance is away.
      const finish = () => {
        if (tracker.unsettled > 0 && connected && Date.now() - started < CLOSE_SETTLE_WAIT_MS) {
          setTimeout(finish, 50);
          return;
        }
        node.log(summary(counters()));
        const c = client!;
        let ended = false;
        const closed = () => {
          if (ended) return;
          ended = true;
          clearTimeout(timer);
          node.status({});
          done();
        };
        const timer = setTimeout(() => {
          c.end(true);
          closed();
        }, END_TIMEOUT_MS);
        c.end(false, {}, closed);
      };
      finish();
    });
  }

  RED.nodes.registerType('lorawan-mqtt-in', LorawanMqttInNode as unknown as (this: Node, config: NodeDef) => void, {
    credentials: {
      password: { type: 'password' },
    },
  });
};
