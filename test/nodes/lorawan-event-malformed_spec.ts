/**
 * Done-when check of the lorawan-event issue: 10,000 malformed messages published to a real Mosquitto,
 * received by a core `mqtt in` node, must each reach the Catch node with a clear message, none may
 * come out as an event, and the runtime must still pass a valid uplink afterwards.
 * The messages come from a seeded PRNG: every run publishes the same 10,000.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import type { Node, NodeInitializer, NodeMessage } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper } from '../support/nodered';
import { MqttService, startMosquitto } from '../support/services';
import { APP_ID, csTopic, officialUp, ttsTopic, ttsUplink, TTS_DEVICE } from '../fixtures/lorawan-events';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mqttNodes = require('@node-red/nodes/core/network/10-mqtt.js') as NodeInitializer;
const lorawanEvent = builtNode('lorawan-event') as NodeInitializer;

const TOTAL = 10000;

interface Malformed {
  topic: string;
  payload: Buffer;
  /** The error code the node must report, and the field it must name (when the error is about a field). */
  code: string;
  field?: string;
}

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
  const word = (min = 3, max = 10) => Array.from({ length: min + int(max - min + 1) }, () => 'abcdefghijklmnopqrstuvwxyz'[int(26)]).join('');
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  /** A valid ChirpStack up event of a random device, with its topic. */
  function validUp(): { topic: string; body: Record<string, any> } {
    const devEui = hex(16);
    const body = officialUp(devEui);
    body.deduplicationId = `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
    body.fCnt = int(100000);
    return { topic: csTopic('up', devEui), body };
  }

  const set = (body: Record<string, any>, path: string, value: unknown) => {
    const parts = path.split('.');
    let target = body;
    for (const part of parts.slice(0, -1)) target = target[part];
    if (value === undefined) delete target[parts[parts.length - 1]];
    else target[parts[parts.length - 1]] = value;
  };

  // One wrong-typed value per entry: [path in the body, candidate values, field named by the error].
  const wrongTypes: Array<[string, unknown[], string]> = [
    ['fPort', ['abc', -1, 256, 1.5, true, {}], 'fPort'],
    ['fCnt', ['x', -5, 2.5, [], '12a'], 'fCnt'],
    ['time', ['yesterday', 12345, '2022-13-01T00:00:00Z', '', true, '18/07/2022 09:34'], 'time'],
    ['confirmed', ['yes', 1, 'false'], 'confirmed'],
    ['deviceInfo', ['device', 42, [1, 2]], 'deviceInfo'],
    ['deviceInfo.devEui', ['xyz', 123, '0101', 'gggggggggggggggg', '01010101010101010'], 'deviceInfo.devEui'],
    ['deviceInfo.tags', ['tags', 5, true], 'deviceInfo.tags'],
    ['deviceInfo.deviceName', [42, { a: 1 }], 'deviceInfo.deviceName'],
    ['rxInfo', [{}, 'gateways', 3], 'rxInfo'],
    ['txInfo', ['tx', 7], 'txInfo'],
    ['txInfo.frequency', ['abc', -1, 8.5e8 + 0.5], 'txInfo.frequency'],
    ['dr', [true, 'fast', -2], 'dr'],
    ['object', ['decoded', [1], 3], 'object'],
    ['data', [42, {}, true], 'data'],
    ['deduplicationId', [42, { id: 1 }], 'deduplicationId'],
  ];
  const missing: Array<[string, string]> = [
    ['deviceInfo', 'deviceInfo'],
    ['deviceInfo.devEui', 'deviceInfo.devEui'],
    ['time', 'time'],
  ];
  const badBase64 = () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const text = Array.from({ length: 4 + int(20) }, () => alphabet[int(64)]);
    // A length of 4k + 1 cannot be base64.
    if (random() < 0.3) return `${text.slice(0, 4 * Math.floor(text.length / 4)).join('')}A`;
    text[int(text.length)] = pick(['!', '@', '#', '$', '%', '*', ' ', '.', ':', '\u00e9']);
    return text.join('');
  };
  const knownEvents = new Set(['up', 'status', 'join', 'ack', 'txack', 'log', 'location', 'integration']);
  const ttsKnown = new Set(['up', 'join']);

  const families: Array<() => Malformed> = [
    // Random bytes: not JSON (retried in the rare case the bytes happen to be JSON).
    () => {
      for (;;) {
        const payload = Buffer.from(Array.from({ length: 1 + int(300) }, () => int(256)));
        try {
          JSON.parse(payload.toString('utf8'));
        } catch {
          return { topic: validUp().topic, payload, code: 'not-json' };
        }
      }
    },
    // Valid JSON cut short: always invalid, as the closing brace is gone.
    () => {
      const { topic, body } = validUp();
      const text = JSON.stringify(body);
      return { topic, payload: Buffer.from(text.slice(0, 1 + int(text.length - 1))), code: 'not-json' };
    },
    // Valid JSON that is not an object.
    () => ({
      topic: validUp().topic,
      payload: json(pick([[1, 2, 3], [], 42, -1.5, 'up', null, true, false, [officialUp()]])),
      code: 'not-object',
    }),
    // Wrong types in valid JSON.
    () => {
      const { topic, body } = validUp();
      const [path, values, field] = pick(wrongTypes);
      set(body, path, pick(values));
      return { topic, payload: json(body), code: 'invalid-field', field };
    },
    // A gateway entry with a wrong type: the field path names the gateway.
    () => {
      const { topic, body } = validUp();
      const gateways = 1 + int(4);
      body.rxInfo = Array.from({ length: gateways }, () => ({ gatewayId: hex(16), rssi: -60 - int(60), snr: int(20) - 10 }));
      const bad = int(gateways);
      const key = pick(['rssi', 'snr']);
      body.rxInfo[bad][key] = pick(['loud', true, [], {}]);
      return { topic, payload: json(body), code: 'invalid-field', field: `rxInfo[${bad}].${key}` };
    },
    // Missing DevEUI, device info or time.
    () => {
      const { topic, body } = validUp();
      const [path, field] = pick(missing);
      set(body, path, pick([undefined, null]));
      return { topic, payload: json(body), code: 'missing-field', field };
    },
    // Bad base64 in data (ChirpStack) or frm_payload (TTS).
    () => {
      if (random() < 0.8) {
        const { topic, body } = validUp();
        body.data = badBase64();
        return { topic, payload: json(body), code: 'invalid-base64', field: 'data' };
      }
      const body = ttsUplink();
      body.uplink_message.frm_payload = badBase64();
      return { topic: ttsTopic(pick([undefined, 'ttn'])), payload: json(body), code: 'invalid-base64', field: 'uplink_message.frm_payload' };
    },
    // Topics that are not event topics of either network server.
    () => {
      const eui = hex(16);
      const topic = pick([
        () => `${word()}/${word()}`,
        () => `${word()}`,
        () => `application/${APP_ID}/device/${eui}/command/down`,
        () => `application/${APP_ID}/device/${eui}`,
        () => `application/${APP_ID}/devices/${eui}/event/up`,
        () => `application/${APP_ID}/device/${eui}/event/up/${word()}`,
        () => `/application/${APP_ID}/device/${eui}/event/up`,
        () => `application//device/${eui}/event/up`,
        () => `v3/${word()}/device/${word()}/up`,
        () => `v2/${word()}/devices/${word()}/up`,
        () => `gateway/${eui}/event/up`,
      ])();
      return { topic, payload: json(validUp().body), code: 'unknown-topic' };
    },
    // The DevEUI (or TTS device id) of the topic is not the body's.
    () => {
      if (random() < 0.8) {
        const { body } = validUp();
        let other = hex(16);
        while (other === body.deviceInfo.devEui) other = hex(16);
        return { topic: csTopic('up', other), payload: json(body), code: 'topic-mismatch', field: 'deviceInfo.devEui' };
      }
      return { topic: ttsTopic(undefined, `${TTS_DEVICE}-${word()}`), payload: json(ttsUplink()), code: 'topic-mismatch', field: 'end_device_ids.device_id' };
    },
    // Unknown event types.
    () => {
      let name = pick(['uplink', 'down', 'error', 'state', 'UP', 'Status', word()]);
      while (knownEvents.has(name)) name = word();
      if (random() < 0.8) return { topic: csTopic(name, hex(16)), payload: json(validUp().body), code: 'unknown-event' };
      while (ttsKnown.has(name)) name = word();
      return { topic: ttsTopic(undefined, TTS_DEVICE, name), payload: json(ttsUplink()), code: 'unknown-event' };
    },
    // Wrong types in TTS uplinks.
    () => {
      const body = ttsUplink();
      const [path, value] = pick<[string, unknown]>([
        ['uplink_message.settings.frequency', 'abc'],
        ['uplink_message.f_port', 'two'],
        ['uplink_message.f_cnt', -3],
        ['uplink_message.decoded_payload', 'decoded'],
        ['uplink_message.rx_metadata', { gateway: 1 }],
        ['end_device_ids.dev_eui', 'not-an-eui'],
      ]);
      set(body, path, value);
      return { topic: ttsTopic(pick([undefined, 'ttn'])), payload: json(body), code: 'invalid-field', field: path };
    },
  ];

  return { next: () => families[int(families.length)](), validUp };
}

/** The message a caught error must carry for its code, when no field is named. */
const PROBLEM: Record<string, RegExp> = {
  'not-json': /payload is not valid JSON/,
  'not-object': /payload is not a JSON object/,
  'unknown-topic': /not a ChirpStack v4 or The Things Stack v3 event topic/,
  'unknown-event': /unknown event type "[^"]+"/,
};

function histogram(entries: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of entries) counts[entry] = (counts[entry] ?? 0) + 1;
  return counts;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('lorawan-event under 10,000 malformed MQTT messages (real Mosquitto, core mqtt in)', function () {
  this.timeout(120000);
  let broker: MqttService | undefined;
  let client: mqtt.MqttClient | undefined;

  afterEach(async () => {
    await helper.unload();
    if (client) await client.endAsync();
    client = undefined;
    if (broker) await broker.stop();
    broker = undefined;
  });

  it('reports every one to the Catch node, emits none, and still passes a valid uplink', async () => {
    broker = await startMosquitto();
    const at = { z: 'f1', x: 100, y: 100 };
    const flow: Array<TestFlowsItem & Record<string, unknown>> = [
      { id: 'f1', type: 'tab', label: 'malformed' },
      {
        id: 'broker', type: 'mqtt-broker', name: 'test broker', broker: '127.0.0.1', port: String(broker.port),
        clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true,
      },
      {
        id: 'in', type: 'mqtt in', name: 'everything', topic: '#', qos: '1', datatype: 'buffer', broker: 'broker',
        nl: false, rap: true, rh: 0, inputs: 0, ...at, wires: [['ev']],
      },
      { id: 'ev', type: 'lorawan-event', name: 'events', ...at, wires: [['out']] },
      { id: 'out', type: 'helper', ...at },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
      { id: 'caught', type: 'helper', ...at },
    ];
    await helper.load([mqttNodes, lorawanEvent], flow);
    const out: NodeMessage[] = [];
    let caught: Array<NodeMessage & { error: { message: string; code?: string; source: { id: string } } }> = [];
    helper.getNode('out').on('input', (msg: NodeMessage) => out.push(msg));
    helper.getNode('caught').on('input', (msg: any) => caught.push(msg));

    client = await mqtt.connectAsync(broker.url, { clientId: 'malformed-publisher', clean: true });

    // Wait until the mqtt in node has subscribed: probes are reported as unknown topics once it has.
    await until('the mqtt in subscription', () => {
      if (caught.length === 0) client!.publish('probe/ready', 'probe', { qos: 0 });
      return caught.length > 0;
    }, 20000);
    await new Promise((r) => setTimeout(r, 300));
    caught = [];

    const gen = generator(20240611);
    const messages = Array.from({ length: TOTAL }, () => gen.next());
    const started = Date.now();
    const WINDOW = 500;
    for (let i = 0; i < TOTAL; i += WINDOW) {
      await Promise.all(messages.slice(i, i + WINDOW).map((m) => client!.publishAsync(m.topic, m.payload, { qos: 1 })));
    }
    await until(`${TOTAL} caught errors (have ${caught.length})`, () => caught.length >= TOTAL, 60000);
    await new Promise((r) => setTimeout(r, 500)); // anything extra would arrive now
    const seconds = (Date.now() - started) / 1000;

    assert.equal(caught.length, TOTAL, 'exactly one Catch message per malformed message');
    assert.equal(out.length, 0, 'no malformed message became an event');

    // The same errors, code by code and field by field, as the generator produced.
    const fieldOf = (message: string) => /field "([^"]+)"/.exec(message)?.[1];
    assert.deepEqual(
      histogram(caught.map((m) => `${m.error.code} ${fieldOf(m.error.message) ?? '-'}`)),
      histogram(messages.map((m) => `${m.code} ${m.field ?? '-'}`)),
    );
    for (const msg of caught) {
      const { message, code, source } = msg.error;
      assert.equal(source.id, 'ev');
      assert.ok(message.startsWith('lorawan-event: '), message);
      assert.match(message, / \((device [^,]+, )?topic [^)]+\)$/, message);
      if (!fieldOf(message)) assert.match(message, PROBLEM[code!], message);
    }
    // All families are there.
    assert.deepEqual(Object.keys(histogram(messages.map((m) => m.code))).sort(), [
      'invalid-base64', 'invalid-field', 'missing-field', 'not-json', 'not-object', 'topic-mismatch', 'unknown-event', 'unknown-topic',
    ]);

    // The runtime is alive: a valid uplink still goes through, and the status counts the errors.
    const valid = gen.validUp();
    await client.publishAsync(valid.topic, JSON.stringify(valid.body), { qos: 1 });
    await until('the valid uplink', () => out.length === 1, 10000);
    assert.equal((out[0].payload as { devEui: string }).devEui, valid.body.deviceInfo.devEui);
    assert.equal(caught.length, TOTAL);
    const node = helper.getNode('ev') as Node;
    await until('the status', () => {
      const calls = (node.status as any).getCalls().filter((c: any) => c.thisValue === node);
      return calls.length > 0 && calls[calls.length - 1].args[0].text === '1 up · 10k err';
    }, 3000);
    process.stdout.write(`      (${TOTAL} malformed messages published and caught in ${seconds.toFixed(1)} s)\n`);
  });
});
