import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type sinon from 'sinon';
import type { Node, NodeInitializer, NodeMessage } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper, received, until } from '../support/nodered';
import { MqttService, startMosquitto } from '../support/services';

const simulatorNode = builtNode('lorawan-simulator') as NodeInitializer;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mqttNodes = require('@node-red/nodes/core/network/10-mqtt.js') as NodeInitializer;

type FlowItem = TestFlowsItem & Record<string, unknown>;
type Msg = Record<string, any>;

const root = path.resolve(__dirname, '../..');
const FLEET_LINES = fs.readFileSync(path.join(root, 'data/devices.csv'), 'utf8').trim().split('\n');
const FLEET_SIZE = FLEET_LINES.length - 1;
/** DevEUI → applicationId of the sample fleet. */
const APPLICATION = new Map(FLEET_LINES.slice(1).map((line) => {
  const cells = line.split(',');
  return [cells[0], cells[8]];
}));
const NAS = '4c1cb60000f60301';
const WS558 = '24e124445d01f601';
const at = { z: 'f1', x: 100, y: 100 };

function flow(config: Record<string, unknown> = {}): FlowItem[] {
  return [
    { id: 'f1', type: 'tab', label: 'simulator' },
    { id: 'sim', type: 'lorawan-simulator', name: 'réseau simulé', ...at, ...config, wires: [['out']] },
    { id: 'out', type: 'helper', ...at },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function calls(node: Node, method: 'status' | 'error' | 'warn'): unknown[][] {
  const spy = node[method] as unknown as sinon.SinonSpy;
  return spy.getCalls().filter((call) => call.thisValue === node).map((call) => call.args);
}

function lastStatus(node: Node): Record<string, unknown> | undefined {
  const all = calls(node, 'status');
  return all[all.length - 1]?.[0] as Record<string, unknown> | undefined;
}

function downlink(devEui: string, fPort: number, hex: string): Msg {
  return {
    topic: `application/${APPLICATION.get(devEui)}/device/${devEui}/command/down`,
    payload: JSON.stringify({ devEui, confirmed: false, fPort, data: Buffer.from(hex, 'hex').toString('base64') }),
  };
}

const eventOf = (msg: Msg) => JSON.parse(msg.payload as string);
const bytesOf = (msg: Msg) => Buffer.from(eventOf(msg).data, 'base64');

describe('lorawan-simulator node', function () {
  this.timeout(20000);

  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });

  it('auto-starts and publishes the whole fleet within seconds, as messages for mqtt out', async () => {
    await helper.load(simulatorNode, flow({ speed: '3600', seed: '5', autoStart: true }));
    const out = received('out');
    const devices = () => new Set(out.map((m) => eventOf(m).deviceInfo.devEui));
    await until(`events of the ${FLEET_SIZE} devices`, () => devices().size === FLEET_SIZE, 8000);
    for (const msg of out.slice(0, 50)) {
      assert.match(msg.topic, /^application\/[0-9a-f-]{36}\/device\/[0-9a-f]{16}\/event\/up$/);
      assert.equal(typeof msg.payload, 'string');
      const event = eventOf(msg);
      assert.equal(msg.topic, `application/${event.deviceInfo.applicationId}/device/${event.deviceInfo.devEui}/event/up`);
      assert.ok(event.deduplicationId && event.time && event.rxInfo.length > 0 && event.txInfo.frequency);
      assert.equal(msg.qos, 1);
      assert.equal(msg.retain, false);
    }
    const sim = helper.getNode('sim');
    await until('the running status', () => lastStatus(sim)?.fill === 'green');
    assert.deepEqual(lastStatus(sim), { fill: 'green', shape: 'dot', text: 'lorawan-simulator.status.running' });
  });

  it('starts and stops on control messages', async () => {
    await helper.load(simulatorNode, flow({ speed: '3600', autoStart: false }));
    const out = received('out');
    const sim = helper.getNode('sim');
    assert.deepEqual(lastStatus(sim), { fill: 'grey', shape: 'ring', text: 'lorawan-simulator.status.stopped' });
    await sleep(600);
    assert.equal(out.length, 0, 'nothing before start');

    sim.receive({ topic: 'start' } as NodeMessage);
    await until('events after start', () => out.length > FLEET_SIZE);

    sim.receive({ payload: { command: 'stop' } } as NodeMessage);
    await sleep(100);
    const count = out.length;
    await sleep(800);
    assert.equal(out.length, count, 'nothing after stop');
    assert.equal(lastStatus(sim)?.text, 'lorawan-simulator.status.stopped');

    sim.receive({ payload: { command: 'start' } } as NodeMessage);
    await until('events after a restart', () => out.length > count);
  });

  it('answers a lighting downlink with the status uplink, and reports bad commands to Catch', async () => {
    await helper.load(simulatorNode, flow({ speed: '1', filter: 'nas-ul20xx, milesight-ws558' }));
    const out = received('out');
    const caught = received('caught');
    const sim = helper.getNode('sim');

    sim.receive(downlink(NAS, 60, '01fe25') as NodeMessage); // 37 %
    // The answer: a status (fPort 23) ending with broadcast, manual_active, 37 %, lamp on.
    const isAnswer = (m: Msg) => eventOf(m).deviceInfo.devEui === NAS && eventOf(m).fPort === 23 &&
      bytesOf(m).subarray(-4).toString('hex') === 'fefd2504';
    await until('the NAS answer', () => out.some(isAnswer));
    const answer = out.find(isAnswer) as Msg;
    assert.equal(answer.topic, `application/${APPLICATION.get(NAS)}/device/${NAS}/event/up`);
    assert.equal(answer.qos, 1);

    // A command object without topic (e.g. from another node) works too.
    sim.receive({ payload: { devEui: WS558, fPort: 85, data: Buffer.from('088080', 'hex').toString('base64') } } as NodeMessage);
    await until('the WS558 answer', () => out.some((m) => eventOf(m).deviceInfo.devEui === WS558 && (bytesOf(m)[3] & 0x80) !== 0));

    sim.receive({ ...downlink(NAS, 60, '01fe25'), payload: JSON.stringify({ devEui: NAS, fPort: 60, data: '***' }) } as NodeMessage);
    sim.receive(downlink('ffffffffffffffff', 60, '01fe25') as NodeMessage);
    sim.receive({ ...downlink(NAS, 60, '01fe25'), payload: 'not json' } as NodeMessage);
    sim.receive({ ...downlink(NAS, 60, '01fe25'), payload: JSON.stringify({ devEui: NAS, fPort: 0, data: 'AQ==' }) } as NodeMessage);
    await until('four errors', () => caught.length === 4);
    const messages = caught.map((m) => m.error.message as string);
    assert.match(messages[0], /data "\*\*\*" is not valid base64/);
    assert.match(messages[1], /unknown device ffffffffffffffff/);
    assert.match(messages[2], /not JSON/);
    assert.match(messages[3], /fPort must be an integer/);
    for (const m of caught) assert.equal(m.error.source.id, 'sim');

    // Stopped: a downlink is ignored with a warning.
    sim.receive({ topic: 'stop' } as NodeMessage);
    await sleep(50);
    const before = out.length;
    sim.receive(downlink(NAS, 60, '01fe64') as NodeMessage);
    await sleep(200);
    assert.equal(out.length, before);
    assert.ok(calls(sim, 'warn').some((args) => String(args[0]).includes('lorawan-simulator.warnings.stopped')));
  });

  it('runs training scenarios and refuses unknown commands', async () => {
    await helper.load(simulatorNode, flow({ speed: '1', filter: 'netvox-r718h' }));
    const out = received('out');
    const caught = received('caught');
    const sim = helper.getNode('sim');
    await until('the first frames', () => out.length === 2, 8000);
    out.length = 0;
    sim.receive({ payload: { command: 'scenario', target: 'netvox-r718h', scenario: 'counter-reset' } } as NodeMessage);
    await until('the frames after the reset', () => out.length === 2);
    for (const msg of out) assert.ok(bytesOf(msg).readUInt16BE(4) < 5, 'pulse count back near 0');

    sim.receive({ payload: { command: 'scenario', target: 'netvox-r718h', scenario: 'day-burner' } } as NodeMessage);
    sim.receive({ topic: 'explode' } as NodeMessage);
    await until('two errors', () => caught.length === 2);
    assert.match(caught[0].error.message, /does not apply/);
    assert.match(caught[1].error.message, /unknown command "explode"/);
  });

  it('switches scenarios by devEui, model or site, lists the active ones, and shows a lamp failure at once', async () => {
    await helper.load(simulatorNode, flow({ speed: '1', filter: 'lighting' }));
    const out = received('out');
    const caught = received('caught');
    const sim = helper.getNode('sim');
    await until('the first frames', () => out.length >= 6, 8000);
    out.length = 0;
    sim.receive({ payload: { command: 'scenario', scenario: 'lamp-failure', target: NAS, active: true } } as NodeMessage);
    await until('the alert and a frame', () => out.some((m) => eventOf(m).fPort === 61));
    const alert = out.find((m) => eventOf(m).fPort === 61) as Msg;
    assert.equal(bytesOf(alert).toString('hex'), '8320fe02');
    assert.equal(eventOf(alert).deviceInfo.devEui, NAS);

    sim.receive({ payload: { command: 'scenario', scenario: 'malformed', target: 'milesight-ws558', active: true } } as NodeMessage);
    sim.receive({ payload: { command: 'scenario', scenario: 'offline', target: 'armoire-saint-eloi', active: true } } as NodeMessage);
    sim.receive({ payload: { command: 'scenarios' } } as NodeMessage);
    await until('the list', () => out.some((m) => m.topic === 'scenarios'));
    const list = out.find((m) => m.topic === 'scenarios')?.payload as Array<{ devEui: string; scenarios: string[] }>;
    const active = Object.fromEntries(list.map((e) => [e.devEui, e.scenarios]));
    assert.deepEqual(active[NAS], ['lamp-failure']);
    assert.deepEqual(active[WS558], ['malformed']);
    assert.deepEqual(active['00137a1000014f02'], ['offline']);

    out.length = 0;
    sim.receive({ payload: { command: 'scenario', scenario: 'lamp-failure', target: NAS, active: false } } as NodeMessage);
    sim.receive({ payload: { command: 'scenario', scenario: 'malformed', target: 'milesight-ws558', active: false } } as NodeMessage);
    sim.receive({ payload: { command: 'scenario', scenario: 'offline', target: 'armoire-saint-eloi', active: false } } as NodeMessage);
    sim.receive({ payload: { command: 'scenarios' } } as NodeMessage);
    await until('the empty list', () => out.some((m) => m.topic === 'scenarios'));
    assert.deepEqual(out.find((m) => m.topic === 'scenarios')?.payload, []);
    assert.equal(caught.length, 0);
  });

  it('reports a bad fleet file with its line and column, and the runtime goes on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-fleet-'));
    const file = path.join(dir, 'flotte.csv');
    fs.writeFileSync(file, `${FLEET_LINES[0]}\n${FLEET_LINES[1]}\n${FLEET_LINES[2].replace(/^[0-9a-f]{16}/, 'nothex')}\n`);
    try {
      await helper.load(simulatorNode, [...flow({ fleetFile: file, speed: '3600' }), { id: 'sim2', type: 'lorawan-simulator', ...at, filter: 'nas-ul20xx', speed: '3600', wires: [['out2']] }, { id: 'out2', type: 'helper', ...at }]);
      const sim = helper.getNode('sim');
      const errors = calls(sim, 'error').map((args) => String(args[0]));
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0], /flotte\.csv line 3, column devEui: "nothex" is not a DevEUI/);
      assert.deepEqual(lastStatus(sim), { fill: 'red', shape: 'ring', text: 'lorawan-simulator.status.fleetError' });

      // The other simulator runs; the broken one refuses to start until fixed, then reset loads the file.
      const out2 = received('out2');
      await until('the other simulator', () => out2.length > 0);
      const caught = received('caught');
      sim.receive({ topic: 'start' } as NodeMessage);
      await until('the start error', () => caught.length === 1);
      assert.match(caught[0].error.message, /lorawan-simulator.errors.noFleet/);

      fs.writeFileSync(file, `${FLEET_LINES[0]}\n${FLEET_LINES[1]}\n`);
      const out = received('out');
      sim.receive({ topic: 'reset' } as NodeMessage);
      sim.receive({ topic: 'start' } as NodeMessage);
      await until('the fixed fleet', () => out.length > 0);
      assert.equal(eventOf(out[0]).deviceInfo.devEui, FLEET_LINES[1].slice(0, 16));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not start on deploy when the runtime settings disable it', async () => {
    helper.settings({ lorawanSimulatorEnabled: false } as Record<string, unknown>);
    await helper.load(simulatorNode, flow({ speed: '3600', autoStart: true }));
    const out = received('out');
    const sim = helper.getNode('sim');
    assert.deepEqual(lastStatus(sim), { fill: 'grey', shape: 'ring', text: 'lorawan-simulator.status.disabled' });
    await sleep(800);
    assert.equal(out.length, 0);
    sim.receive({ topic: 'start' } as NodeMessage);
    await until('events after an explicit start', () => out.length > 0);
  });

  it('stops its timers on close', async () => {
    await helper.load(simulatorNode, flow({ speed: '3600' }));
    const out = received('out');
    await until('events', () => out.length > 0);
    const sim = helper.getNode('sim');
    const started = Date.now();
    await helper.unload();
    assert.ok(Date.now() - started < 3000, 'closed within seconds');
    // Own properties shadow the (spied) prototype methods: any late timer would call them.
    const late = { send: 0, status: 0 };
    Object.assign(sim, { send: () => { late.send++; }, status: () => { late.status++; } });
    await sleep(700); // devices of this speed send every 0.17 to 1 s
    assert.deepEqual(late, { send: 0, status: 0 }, 'no uplink and no status after close');
  });

  describe('through a real broker (Mosquitto, core mqtt in / mqtt out)', function () {
    let broker: MqttService | undefined;
    let client: mqtt.MqttClient | undefined;

    afterEach(async () => {
      await helper.unload();
      if (client) await client.endAsync(true);
      client = undefined;
      if (broker) await broker.stop();
      broker = undefined;
    });

    it('publishes genuine-shaped events and answers a downlink published on the command topic', async () => {
      broker = await startMosquitto();
      const brokerFlow: FlowItem[] = [
        { id: 'f1', type: 'tab', label: 'simulator' },
        {
          id: 'broker', type: 'mqtt-broker', name: 'test broker', broker: '127.0.0.1', port: String(broker.port),
          clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true,
        },
        {
          id: 'down', type: 'mqtt in', name: 'commands', topic: 'application/+/device/+/command/down', qos: '1',
          datatype: 'utf8', broker: 'broker', nl: false, rap: true, rh: 0, inputs: 0, ...at, wires: [['sim']],
        },
        { id: 'sim', type: 'lorawan-simulator', speed: '3600', filter: 'lighting', ...at, wires: [['pub']] },
        { id: 'pub', type: 'mqtt out', name: 'as ChirpStack', topic: '', qos: '', retain: '', broker: 'broker', ...at, wires: [] },
      ];
      await helper.load([mqttNodes, simulatorNode], brokerFlow);

      client = await mqtt.connectAsync(broker.url, { clientId: 'simulator-spec', clean: true });
      const events: Array<{ topic: string; event: any }> = [];
      client.on('message', (topic, payload) => events.push({ topic, event: JSON.parse(payload.toString()) }));
      await client.subscribeAsync('application/+/device/+/event/up', { qos: 1 });

      await until('events from several lighting devices', () => new Set(events.map((e) => e.topic)).size >= 5, 15000);
      for (const { topic, event } of events.slice(0, 20)) {
        const [, applicationId, , devEui] = topic.split('/');
        assert.equal(event.deviceInfo.devEui, devEui);
        assert.equal(event.deviceInfo.applicationId, applicationId);
        assert.equal(event.deviceInfo.tags.fluid, 'lighting');
        assert.match(event.devAddr, /^[0-9a-f]{8}$/);
        assert.ok(event.fPort > 0 && typeof event.data === 'string' && Buffer.from(event.data, 'base64').length > 0);
        assert.equal(event.rxInfo[0].metadata.region_common_name, 'EU868');
        assert.equal(event.txInfo.modulation.lora.bandwidth, 125000);
        assert.equal('confirmed' in event, false);
      }

      // Switch L8 of the Blossac cabinet on (a circuit its schedule never drives): the answer says so.
      const command = downlink(WS558, 85, '088080');
      const answered = () => events.some(({ event }) => event.deviceInfo.devEui === WS558 && (Buffer.from(event.data, 'base64')[3] & 0x80) !== 0);
      // Publish until the mqtt in subscription is up (the first publish may precede it).
      const deadline = Date.now() + 15000;
      while (!answered()) {
        assert.ok(Date.now() < deadline, 'no answer to the downlink within 15 s');
        await client.publishAsync(command.topic, command.payload, { qos: 1 });
        await until('a possible answer', answered, 500).catch(() => undefined);
      }
    });
  });
});
