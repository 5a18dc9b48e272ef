import assert from 'node:assert/strict';
import net from 'node:net';
import type sinon from 'sinon';
import type { Node, NodeInitializer, NodeMessage } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { findCodec } from '../../nodes/lib/codecs';
import { builtNode, helper, received, until } from '../support/nodered';
import { FakeChirpstack, startFakeChirpstack } from '../support/chirpstack-grpc';

const serverNode = builtNode('chirpstack-server') as NodeInitializer;
const downlinkNode = builtNode('lorawan-downlink') as NodeInitializer;
const simulatorNode = builtNode('lorawan-simulator') as NodeInitializer;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mqttNodes = require('@node-red/nodes/core/network/10-mqtt.js') as NodeInitializer;

type FlowItem = TestFlowsItem & Record<string, unknown>;
type Msg = Record<string, any>;

const NAS = '4c1cb60000f60301';
const LIGHTING_APP = 'a7d3e9f2-4b5c-4e81-b0a6-3c2f9d8e7a22';
const GROUP = '0f4e3c2a-9b1d-4c5e-8f70-112233445566';
const UUID = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';
const at = { z: 'f1', x: 100, y: 100 };

function grpcFlow(fake: FakeChirpstack, server: Record<string, unknown> = {}): FlowItem[] {
  return [
    { id: 'f1', type: 'tab', label: 'downlink' },
    { id: 'cs', type: 'chirpstack-server', name: 'test ChirpStack', mode: 'grpc', server: fake.address, deadline: '2', attempts: '3', retryDelay: '20', ...server },
    { id: 'dl', type: 'lorawan-downlink', server: 'cs', ...at, wires: [['out'], ['cmd']] },
    { id: 'out', type: 'helper', ...at },
    { id: 'cmd', type: 'helper', ...at },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];
}

function lastStatus(node: Node): Record<string, unknown> | undefined {
  const spy = node.status as unknown as sinon.SinonSpy;
  const calls = spy.getCalls().filter((call) => call.thisValue === node);
  return calls[calls.length - 1]?.args[0] as Record<string, unknown> | undefined;
}

describe('lorawan-downlink node', function () {
  this.timeout(20000);
  let fake: FakeChirpstack | undefined;

  afterEach(async () => {
    await helper.unload();
    if (fake) await fake.stop();
    fake = undefined;
  });

  describe('through ChirpStack\'s gRPC API (an in-process server of its own service definitions)', () => {
    it('enqueues with the token, the exact bytes, fPort, confirmed and expires_at, and returns the queue-item id', async () => {
      fake = await startFakeChirpstack('secret-token');
      await helper.load([serverNode, downlinkNode], grpcFlow(fake), { cs: { token: 'secret-token' } });
      const out = received('out');
      const expiresAt = new Date(Date.now() + 10 * 60_000);
      expiresAt.setMilliseconds(250);
      helper.getNode('dl').receive({ payload: { id: UUID, devEui: NAS.toUpperCase(), fPort: 60, dataHex: '01fe32', confirmed: true, expiresAt: expiresAt.toISOString() } } as NodeMessage);
      helper.getNode('dl').receive({ payload: { id: 'cmd-2', devEui: NAS, fPort: 60, dataHex: '09fe641e' } } as NodeMessage);
      await until('two results', () => out.length === 2);

      assert.deepEqual(fake.calls.map((c) => c.authorization), ['Bearer secret-token', 'Bearer secret-token']);
      const [first, second] = fake.deviceItems;
      assert.deepEqual(first, { id: UUID, devEui: NAS, fPort: 60, confirmed: true, data: Buffer.from('01fe32', 'hex'), object: undefined, expiresAtMs: expiresAt.getTime() });
      assert.equal(second.data.toString('hex'), '09fe641e');
      assert.equal(second.confirmed, false);
      assert.equal(second.expiresAtMs, undefined);
      assert.match(second.id, /^[0-9a-f-]{36}$/, 'ChirpStack chose the id of a request without UUID');

      const byRequest = new Map(out.map((m) => [m.payload.requestId, m]));
      const r1 = byRequest.get(UUID) as Msg;
      assert.equal(r1.payload.id, UUID);
      assert.equal(r1.payload.devEui, NAS);
      assert.equal(r1.payload.fPort, 60);
      assert.equal(r1.payload.mode, 'grpc');
      assert.equal(r1.payload.retries, 0);
      assert.equal(r1.payload.expiresAt, expiresAt.toISOString());
      assert.ok(Math.abs(Date.parse(r1.payload.enqueuedAt) - Date.now()) < 5000);
      assert.equal(r1.topic, NAS);
      assert.equal((byRequest.get('cmd-2') as Msg).payload.id, second.id);

      const dl = helper.getNode('dl');
      await until('the counters', () => lastStatus(dl)?.text === '2 sent · 0 retries · 0 err');
      assert.equal(lastStatus(dl)?.fill, 'green');
    });

    it('accepts the older msg.devEui form of ChirpStack\'s node (text payload in the configured encoding)', async () => {
      fake = await startFakeChirpstack();
      const flow = grpcFlow(fake);
      (flow[2] as Record<string, unknown>).encoding = 'base64';
      await helper.load([serverNode, downlinkNode], flow, { cs: { token: 'test-token' } });
      const out = received('out');
      helper.getNode('dl').receive({ devEui: NAS, fPort: 60, confirmed: false, payload: 'Af4A' } as NodeMessage);
      await until('the result', () => out.length === 1);
      assert.equal(fake.deviceItems[0].data.toString('hex'), '01fe00');
    });

    it('reports a wrong token clearly, naming the device, without retrying', async () => {
      fake = await startFakeChirpstack('right-token');
      await helper.load([serverNode, downlinkNode], grpcFlow(fake), { cs: { token: 'wrong-token' } });
      const caught = received('caught');
      const out = received('out');
      helper.getNode('dl').receive({ payload: { devEui: NAS, fPort: 60, dataHex: '01fe00' } } as NodeMessage);
      await until('the error', () => caught.length === 1);
      const message = caught[0].error.message as string;
      assert.match(message, /^lorawan-downlink: device 4c1cb60000f60301: ChirpStack refused the downlink: UNAUTHENTICATED \(authorization token is missing or invalid\)\. Check/);
      assert.match(message, /API token of the ChirpStack server node/);
      assert.deepEqual(caught[0].downlinkError, { target: `device ${NAS}`, code: 16, status: 'UNAUTHENTICATED', details: 'authorization token is missing or invalid', retries: 0 });
      assert.equal(fake.calls.length, 1, 'an authentication error is not retried');
      assert.equal(fake.deviceItems.length, 0);
      assert.equal(out.length, 0);
      const dl = helper.getNode('dl');
      await until('the error status', () => lastStatus(dl)?.text === '0 sent · 0 retries · 1 err');
      assert.equal(lastStatus(dl)?.fill, 'red');
    });

    it('retries UNAVAILABLE twice, then enqueues once and counts 2 retries', async () => {
      fake = await startFakeChirpstack();
      fake.failNext(2);
      await helper.load([serverNode, downlinkNode], grpcFlow(fake), { cs: { token: 'test-token' } });
      const out = received('out');
      const caught = received('caught');
      helper.getNode('dl').receive({ payload: { devEui: NAS, fPort: 60, dataHex: '01fe64' } } as NodeMessage);
      await until('the result', () => out.length === 1);
      assert.equal(fake.calls.length, 3);
      assert.equal(fake.deviceItems.length, 1);
      assert.equal(out[0].payload.retries, 2);
      assert.equal(caught.length, 0);
      const dl = helper.getNode('dl');
      await until('the counters', () => lastStatus(dl)?.text === '1 sent · 2 retries · 0 err');

      // Unavailable for good: 3 attempts, then a clear error.
      fake.failNext(3);
      helper.getNode('dl').receive({ payload: { devEui: NAS, fPort: 60, dataHex: '01fe00' } } as NodeMessage);
      await until('the error', () => caught.length === 1);
      assert.match(caught[0].error.message, /device 4c1cb60000f60301: ChirpStack refused the downlink: UNAVAILABLE \(ChirpStack is restarting\), after 2 retries\. ChirpStack cannot be reached at gRPC 127\.0\.0\.1:\d+/);
      assert.equal(fake.calls.length, 6);
      await until('the counters', () => lastStatus(dl)?.text === '1 sent · 4 retries · 1 err');
    });

    it('retries a call past its deadline, then reports DEADLINE_EXCEEDED', async () => {
      fake = await startFakeChirpstack();
      fake.delayMs = 400;
      await helper.load([serverNode, downlinkNode], grpcFlow(fake, { deadline: '0.1', attempts: '2' }), { cs: { token: 'test-token' } });
      const caught = received('caught');
      helper.getNode('dl').receive({ payload: { devEui: NAS, fPort: 60, dataHex: '01fe00' } } as NodeMessage);
      await until('the error', () => caught.length === 1);
      assert.match(caught[0].error.message, /device 4c1cb60000f60301: ChirpStack refused the downlink: DEADLINE_EXCEEDED \(.*\), after 1 retry\. ChirpStack did not answer in time/);
      assert.equal(fake.calls.length, 2);
    });

    it('reports NOT_FOUND and bad requests to Catch, naming the device and the field', async () => {
      fake = await startFakeChirpstack();
      fake.unknownDevices.add('ffffffffffffffff');
      await helper.load([serverNode, downlinkNode], grpcFlow(fake), { cs: { token: 'test-token' } });
      const caught = received('caught');
      const dl = helper.getNode('dl');
      dl.receive({ payload: { devEui: 'ffffffffffffffff', fPort: 60, dataHex: '01fe00' } } as NodeMessage);
      dl.receive({ payload: { devEui: NAS, fPort: 0, dataHex: '01fe00' } } as NodeMessage);
      dl.receive({ payload: { devEui: NAS, fPort: 60, dataHex: 'xyz' } } as NodeMessage);
      dl.receive({ payload: { devEui: 'lamp 12', fPort: 60, dataHex: '01' } } as NodeMessage);
      await until('four errors', () => caught.length === 4);
      const messages = caught.map((m) => m.error.message as string).sort();
      assert.match(messages[0], /^lorawan-downlink: device "lamp 12": devEui is not a DevEUI/);
      assert.match(messages.find((m) => m.includes('fPort')) as string, /^lorawan-downlink: device 4c1cb60000f60301: fPort must be an integer from 1 to 223/);
      assert.match(messages.find((m) => m.includes('xyz')) as string, /^lorawan-downlink: device 4c1cb60000f60301: dataHex "xyz" is not hexadecimal/);
      assert.match(messages.find((m) => m.includes('NOT_FOUND')) as string, /^lorawan-downlink: device ffffffffffffffff: .*NOT_FOUND.*does not exist in ChirpStack/);
      assert.equal(fake.calls.length, 1, 'bad requests never reach ChirpStack');
    });

    it('enqueues for a multicast group and returns its frame counter', async () => {
      fake = await startFakeChirpstack();
      await helper.load([serverNode, downlinkNode], grpcFlow(fake), { cs: { token: 'test-token' } });
      const out = received('out');
      const expiresAt = new Date(Date.now() + 60_000);
      helper.getNode('dl').receive({ payload: { id: 'night-cut-1', multicastGroupId: GROUP, fPort: 60, dataHex: '01fe00', expiresAt: expiresAt.toISOString() } } as NodeMessage);
      await until('the result', () => out.length === 1);
      assert.deepEqual(fake.multicastItems, [{ multicastGroupId: GROUP, fPort: 60, data: Buffer.from('01fe00', 'hex'), expiresAtMs: expiresAt.getTime() }]);
      assert.equal(fake.calls[0].method, 'multicast');
      assert.equal(fake.calls[0].authorization, 'Bearer test-token');
      assert.equal(out[0].payload.id, 42);
      assert.equal(out[0].payload.fCnt, 42);
      assert.equal(out[0].payload.multicastGroupId, GROUP);
      assert.equal(out[0].payload.requestId, 'night-cut-1');
    });

    it('says so when the server has no token', async () => {
      fake = await startFakeChirpstack();
      await helper.load([serverNode, downlinkNode], grpcFlow(fake), {});
      const caught = received('caught');
      const dl = helper.getNode('dl');
      assert.deepEqual(lastStatus(dl), { fill: 'red', shape: 'ring', text: 'server settings' });
      dl.receive({ payload: { devEui: NAS, fPort: 60, dataHex: '01' } } as NodeMessage);
      await until('the error', () => caught.length === 1);
      assert.match(caught[0].error.message, /ChirpStack server "test ChirpStack": the API token is missing/);
      assert.equal(fake.calls.length, 0);
    });
  });

  describe('in MQTT mode, through an embedded broker to the simulated network', () => {
    let closeBroker: (() => Promise<void>) | undefined;

    afterEach(async () => {
      await helper.unload();
      if (closeBroker) await closeBroker();
      closeBroker = undefined;
    });

    async function embeddedBroker(): Promise<number> {
      const { Aedes } = await import('aedes');
      const broker = await Aedes.createBroker();
      const server = net.createServer(broker.handle);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      closeBroker = () => new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
        setTimeout(resolve, 2000).unref();
      });
      return (server.address() as net.AddressInfo).port;
    }

    it('publishes ChirpStack\'s command; the simulated NAS answers with the commanded light level', async () => {
      const port = await embeddedBroker();
      const flow: FlowItem[] = [
        { id: 'f1', type: 'tab', label: 'downlink over MQTT' },
        {
          id: 'broker', type: 'mqtt-broker', name: 'embedded broker', broker: '127.0.0.1', port: String(port),
          clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true,
        },
        { id: 'cs', type: 'chirpstack-server', name: 'embedded', mode: 'mqtt', applicationId: LIGHTING_APP },
        { id: 'dl', type: 'lorawan-downlink', server: 'cs', ...at, wires: [['out'], ['pub']] },
        { id: 'out', type: 'helper', ...at },
        { id: 'pub', type: 'mqtt out', name: 'to ChirpStack', topic: '', qos: '', retain: '', broker: 'broker', ...at, wires: [] },
        {
          id: 'down', type: 'mqtt in', name: 'commands', topic: 'application/+/device/+/command/down', qos: '1',
          datatype: 'utf8', broker: 'broker', nl: false, rap: true, rh: 0, inputs: 0, ...at, wires: [['sim', 'seen']],
        },
        { id: 'seen', type: 'helper', ...at },
        { id: 'sim', type: 'lorawan-simulator', speed: '1', filter: 'nas-ul20xx', ...at, wires: [['up']] },
        { id: 'up', type: 'helper', ...at },
        { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
        { id: 'caught', type: 'helper', ...at },
      ];
      await helper.load([mqttNodes, serverNode, downlinkNode, simulatorNode], flow);
      const out = received('out');
      const seen = received('seen');
      const up = received('up');
      const caught = received('caught');
      const codec = findCodec('nas-ul20xx');
      assert.ok(codec, 'the NAS codec is in the catalog');

      /** The level of the status uplinks (fPort 23) of the NAS, decoded with the catalog. */
      const levels = () => up.map((m) => JSON.parse(m.payload as string))
        .filter((event) => event.deviceInfo.devEui === NAS && event.fPort === 23)
        .flatMap((event) => codec.decode({ bytes: Buffer.from(event.data, 'base64'), fPort: 23, recvTime: new Date(event.time) }).measurements)
        .filter((m) => m.quantity === 'light_level')
        .map((m) => m.value);

      // 37 % on every DALI output: send until the mqtt in subscription is up (the first publish may precede it).
      const deadline = Date.now() + 15000;
      while (!levels().includes(37)) {
        assert.ok(Date.now() < deadline, `no status with the commanded level within 15 s (levels seen: ${levels().join(', ')})`);
        helper.getNode('dl').receive({ payload: { id: UUID, devEui: NAS, fPort: 60, dataHex: '01fe25', confirmed: false } } as NodeMessage);
        await until('a possible answer', () => levels().includes(37), 500).catch(() => undefined);
      }
      assert.equal(caught.length, 0, caught.map((m) => m.error?.message).join('; '));

      // What went over MQTT is ChirpStack's DownlinkCommand on the device's command topic.
      const command = seen[0];
      assert.equal(command.topic, `application/${LIGHTING_APP}/device/${NAS}/command/down`);
      assert.deepEqual(JSON.parse(command.payload), { id: UUID, devEui: NAS, confirmed: false, fPort: 60, data: Buffer.from('01fe25', 'hex').toString('base64') });
      assert.equal(out[0].payload.mode, 'mqtt');
      assert.equal(out[0].payload.id, UUID);
      assert.equal(out[0].payload.devEui, NAS);
    });

    it('refuses multicast in MQTT mode with a clear error', async () => {
      const flow: FlowItem[] = [
        { id: 'f1', type: 'tab', label: 'mqtt' },
        { id: 'cs', type: 'chirpstack-server', mode: 'mqtt', applicationId: LIGHTING_APP },
        { id: 'dl', type: 'lorawan-downlink', server: 'cs', ...at, wires: [['out'], ['cmd']] },
        { id: 'out', type: 'helper', ...at },
        { id: 'cmd', type: 'helper', ...at },
        { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
        { id: 'caught', type: 'helper', ...at },
      ];
      await helper.load([serverNode, downlinkNode], flow);
      const caught = received('caught');
      const cmd = received('cmd');
      helper.getNode('dl').receive({ payload: { multicastGroupId: GROUP, fPort: 60, dataHex: '01fe00' } } as NodeMessage);
      await until('the error', () => caught.length === 1);
      assert.match(caught[0].error.message, new RegExp(`^lorawan-downlink: multicast group ${GROUP}: multicast downlinks need the gRPC API`));
      assert.equal(cmd.length, 0);
    });
  });
});
