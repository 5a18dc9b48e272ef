/**
 * lorawan-mqtt-in on a real Mosquitto (MQTT 5) and on the embedded aedes broker (MQTT 3.1.1): raw
 * messages out, acknowledgement deferred until the message is settled (a message left unsettled comes
 * back after a restart with the same client id, a settled one does not), the settle timeout, Node-RED's
 * message copies sharing the settlement, lorawan-event settling what it drops, shared subscriptions.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { connectAsync, MqttClient } from 'mqtt';
import { MqttService, startMosquitto } from '../support/services';
import { builtNode, helper, Msg, received, until } from '../support/nodered';
import { SETTLE_PROPERTY } from '../../nodes/lib/mqtt/settle';

const lorawanMqttIn = builtNode('lorawan-mqtt-in') as NodeInitializer;
const lorawanEvent = builtNode('lorawan-event') as NodeInitializer;

type FlowItem = TestFlowsItem & Record<string, unknown>;
const at = { z: 'f1', x: 100, y: 100 };

function flow(config: Record<string, unknown>, extra: FlowItem[] = [], wires: string[][] = [['out'], ['metrics']]): FlowItem[] {
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'src', type: 'lorawan-mqtt-in', name: 'source', topic: 'test/#', metricsInterval: 0.2, ...at, ...config, wires },
    { id: 'out', type: 'helper', ...at },
    { id: 'metrics', type: 'helper', ...at },
    ...extra,
  ];
}

const UP_TOPIC = 'application/app-1/device/70b3d5e75e00a103/event/up';
const STATUS_TOPIC = 'application/app-1/device/70b3d5e75e00a103/event/status';

describe('lorawan-mqtt-in', function () {
  this.timeout(60000);
  let mosquitto: MqttService;
  let publisher: MqttClient;
  let run = 0;
  /** A client id of its own for each test: sessions of earlier tests do not interfere. */
  let clientId: string;

  before(async () => {
    mosquitto = await startMosquitto();
    publisher = await connectAsync(mosquitto.url, { protocolVersion: 5, clientId: 'spec-publisher' });
  });
  after(async () => {
    await publisher?.endAsync();
    await mosquitto?.stop();
  });
  beforeEach(async () => {
    clientId = `spec-worker-${process.pid}-${++run}`;
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  /** The metrics output says when the client is connected (and it subscribes right after). */
  async function connected(metricsHelper = 'metrics'): Promise<void> {
    const metrics = received(metricsHelper);
    await until('the connection', () => metrics.some((m) => m.payload.connected === true), 10000);
    await new Promise((r) => setTimeout(r, 200)); // the SUBACK
  }

  /** Runs `body` with an embedded aedes broker (MQTT 3.1.1, no in-flight limit) and a publisher on it; cleans up after. */
  async function withAedes(publisherId: string, body: (url: string, pub: MqttClient) => Promise<void>): Promise<void> {
    const { Aedes } = await import('aedes');
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const pub = await connectAsync(url, { clientId: publisherId });
    try {
      await body(url, pub);
    } finally {
      await helper.unload();
      await pub.endAsync();
      await new Promise<void>((resolve) => broker.close(() => server.close(() => resolve())));
    }
  }

  it('refuses a broker URL that is not one, naming it, and the runtime goes on', async () => {
    await helper.load([lorawanMqttIn], flow({ broker: 'http://example.org' }));
    const src = helper.getNode('src');
    await until('the error', () => helper.log().args.some((a: unknown[]) => JSON.stringify(a).includes('http://example.org')));
    assert.ok(src, 'the node exists');
  });

  it('emits raw messages and acknowledges one only once settled: an unsettled message comes back after a restart', async () => {
    const config = { broker: mosquitto.url, clientId };
    await helper.load([lorawanMqttIn], flow(config));
    await connected();
    const out = received('out');
    await publisher.publishAsync('test/a', 'first', { qos: 1 });
    await publisher.publishAsync('test/b', 'second', { qos: 1 });
    await until('two messages', () => out.length === 2);
    assert.equal(out[0].topic, 'test/a');
    assert.ok(Buffer.isBuffer(out[0].payload));
    assert.equal(out[0].payload.toString(), 'first');
    assert.equal(out[0].qos, 1);
    assert.equal(typeof out[0][SETTLE_PROPERTY], 'function');
    out.find((m) => m.topic === 'test/b')![SETTLE_PROPERTY]();
    await new Promise((r) => setTimeout(r, 200)); // the PUBACK reaches the broker
    await helper.unload(); // "first" is still unsettled: the node waits up to 5 s, then leaves it to the session

    await helper.load([lorawanMqttIn], flow(config));
    const again = received('out');
    await until('the redelivery', () => again.length >= 1, 10000);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(again.map((m) => m.payload.toString()), ['first'], 'only the unsettled message is delivered again');
    again[0][SETTLE_PROPERTY]();
    await new Promise((r) => setTimeout(r, 200));
    await helper.unload();

    await helper.load([lorawanMqttIn], flow(config));
    await connected();
    const third = received('out');
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(third, [], 'nothing comes back once settled');
  });

  it('acknowledges a message nobody settles after the settle timeout, and counts it', async () => {
    const config = { broker: mosquitto.url, clientId, settleTimeout: 1 };
    await helper.load([lorawanMqttIn], flow(config));
    await connected();
    const out = received('out');
    const metrics = received('metrics');
    await publisher.publishAsync('test/late', 'x', { qos: 1 });
    await until('the message', () => out.length === 1);
    await until('the timeout', () => metrics.some((m) => m.payload.timedOut === 1), 5000);
    const last = metrics[metrics.length - 1].payload;
    assert.equal(last.unsettled, 0);
    assert.equal(last.received, 1);
    await helper.unload();
    await helper.load([lorawanMqttIn], flow(config));
    await connected();
    const again = received('out');
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(again, [], 'acknowledged by the timeout: not delivered again');
  });

  it("Node-RED's copies of a message (fan-out) share one settlement", async () => {
    const config = { broker: mosquitto.url, clientId };
    await helper.load([lorawanMqttIn], flow(config, [{ id: 'out2', type: 'helper', ...at }], [['out', 'out2'], ['metrics']]));
    await connected();
    const out = received('out');
    const out2 = received('out2');
    const metrics = received('metrics');
    await publisher.publishAsync('test/fan', 'x', { qos: 1 });
    await until('both copies', () => out.length === 1 && out2.length === 1);
    assert.notEqual(out[0], out2[0], 'two message objects (one is a clone)');
    assert.equal(out[0][SETTLE_PROPERTY], out2[0][SETTLE_PROPERTY], 'the settle function is kept by reference');
    // RED.util.cloneMessage (lodash cloneDeep) is what the runtime uses: check it directly too.
    const RED = (helper as unknown as { _RED: { util: { cloneMessage(m: Msg): Msg } } })._RED;
    assert.equal(RED.util.cloneMessage(out[0])[SETTLE_PROPERTY], out[0][SETTLE_PROPERTY]);
    out2[0][SETTLE_PROPERTY]();
    out[0][SETTLE_PROPERTY](); // a second call does nothing
    await until('the settlement', () => metrics.some((m) => m.payload.settled === 1 && m.payload.unsettled === 0));
    assert.equal(metrics[metrics.length - 1].payload.settled, 1);
  });

  it('is settled by lorawan-event when it drops a message (kind not selected, unreadable), not for a duplicate', async () => {
    const config = { broker: mosquitto.url, clientId, topic: 'application/+/device/+/event/+' };
    const extra: FlowItem[] = [{ id: 'ev', type: 'lorawan-event', name: 'events', ...at, wires: [['up']] }, { id: 'up', type: 'helper', ...at }];
    await helper.load([lorawanMqttIn, lorawanEvent], flow(config, extra, [['ev'], ['metrics']]));
    await connected();
    const up = received('up');
    const metrics = received('metrics');
    const body = JSON.stringify({
      deduplicationId: '3c1c7b0e-8c39-4b8f-9a53-1c1f0a5b9e01', time: '2026-11-29T08:00:00Z',
      deviceInfo: { tenantName: 't', applicationId: 'app-1', deviceName: 'd', devEui: '70b3d5e75e00a103', tags: {} },
      fPort: 125, data: 'EQqAAAAAKQ==', rxInfo: [], txInfo: { frequency: 868100000 },
    });
    await publisher.publishAsync(UP_TOPIC, body, { qos: 1 });
    await publisher.publishAsync(UP_TOPIC, body, { qos: 1 }); // duplicate
    await publisher.publishAsync(STATUS_TOPIC, '{}', { qos: 1 }); // not selected
    await publisher.publishAsync(UP_TOPIC, 'not json', { qos: 1 }); // unreadable
    await until('the uplink', () => up.length === 1);
    await until('two settled', () => metrics.some((m) => m.payload.received === 4 && m.payload.settled === 2));
    await new Promise((r) => setTimeout(r, 300));
    const last = metrics[metrics.length - 1].payload;
    assert.equal(last.settled, 2, 'the status event and the unreadable message');
    // The uplink waits for a writer; its duplicate (a redelivery, maybe of a message not yet stored) for the timeout.
    assert.equal(last.unsettled, 2);
    up[0][SETTLE_PROPERTY]();
  });

  it('splits the messages of a shared subscription between the members of the group', async () => {
    const group = `g${run}`;
    const flowItems: FlowItem[] = [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'a', type: 'lorawan-mqtt-in', name: 'a', broker: mosquitto.url, topic: 'share/#', shareGroup: group, clientId: `${clientId}-a`, metricsInterval: 0.2, ...at, wires: [['outA'], ['metrics']] },
      { id: 'b', type: 'lorawan-mqtt-in', name: 'b', broker: mosquitto.url, topic: 'share/#', shareGroup: group, clientId: `${clientId}-b`, metricsInterval: 0, ...at, wires: [['outB'], []] },
      { id: 'outA', type: 'helper', ...at },
      { id: 'outB', type: 'helper', ...at },
      { id: 'metrics', type: 'helper', ...at },
    ];
    await helper.load([lorawanMqttIn], flowItems);
    const outA = received('outA');
    const outB = received('outB');
    await connected();
    await new Promise((r) => setTimeout(r, 500)); // b subscribed too
    for (let i = 0; i < 20; i++) await publisher.publishAsync(`share/${i}`, String(i), { qos: 1 });
    await until('20 messages', () => outA.length + outB.length === 20);
    assert.ok(outA.length > 0 && outB.length > 0, `both members got some (${outA.length} and ${outB.length})`);
    for (const m of [...outA, ...outB]) m[SETTLE_PROPERTY]();
    await new Promise((r) => setTimeout(r, 200));
  });

  it('keeps at most receiveMaximum messages unsettled itself, on a broker that sends without limit (aedes), and loses none', async () => {
    await withAedes('aedes-window-publisher', async (url, pub) => {
      await helper.load([lorawanMqttIn], flow({ broker: url, clientId, receiveMaximum: 10 }));
      await connected();
      const out = received('out');
      const metrics = received('metrics');
      for (let i = 0; i < 40; i++) await pub.publishAsync('test/window', String(i), { qos: 1 });
      await until('the first window', () => out.length === 10);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(out.length, 10, 'nothing more is read while 10 messages wait for their settlement');
      for (const m of out.slice(0, 4)) m[SETTLE_PROPERTY]();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(out.length, 10, 'still 6 unsettled, more than half the window: still held');
      out[4][SETTLE_PROPERTY]();
      await until('the next messages', () => out.length === 15);
      // Settle everything as it comes: all 40 arrive, in order, none twice.
      await until('every message', () => {
        for (const m of out) m[SETTLE_PROPERTY]();
        return out.length >= 40;
      }, 10000);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(out.map((m) => m.payload.toString()), Array.from({ length: 40 }, (_, i) => String(i)));
      await until('the metrics', () => metrics.some((m) => m.payload.received === 40 && m.payload.unsettled === 0), 5000);
      assert.ok(metrics[metrics.length - 1].payload.pauses >= 4, `the node paused its reading (pauses: ${metrics[metrics.length - 1].payload.pauses})`);
    });
  });

  it('falls back to MQTT 3.1.1 on a broker without MQTT 5 (the embedded aedes), acknowledgements still deferred', async () => {
    await withAedes('aedes-publisher', async (url, pub) => {
      await helper.load([lorawanMqttIn], flow({ broker: url, clientId }));
      await connected();
      const out = received('out');
      await pub.publishAsync('test/aedes', 'hello', { qos: 1 });
      await until('the message', () => out.length === 1);
      assert.equal(out[0].payload.toString(), 'hello');
      assert.ok(helper.log().args.some((a: unknown[]) => JSON.stringify(a).includes('3.1.1')), 'the fallback is logged');
      await helper.unload(); // unsettled: aedes keeps it in the persistent session
      await helper.load([lorawanMqttIn], flow({ broker: url, clientId }));
      const again = received('out');
      await until('the redelivery', () => again.length === 1, 10000);
      assert.equal(again[0].payload.toString(), 'hello');
      again[0][SETTLE_PROPERTY]();
      await new Promise((r) => setTimeout(r, 200));
    });
  });
});
