import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import sinon from 'sinon';
import type { Node, NodeInitializer, NodeMessage } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper, received, until } from '../support/nodered';
import {
  APP_ID, DEV_EUI, csTopic, officialJoin, officialLog, officialStatus, officialUp, ttsTopic, ttsUplink,
} from '../fixtures/lorawan-events';

const lorawanEvent = builtNode('lorawan-event') as NodeInitializer;

/** A flow node with the properties of its type. */
type FlowItem = TestFlowsItem & Record<string, unknown>;
/** A message as the specs read it. */
type Msg = Record<string, any>;

/**
 * lorawan-event wired to one helper per output (out0, out1...), a Catch node (all scope) wired to
 * `caught` and a Complete node wired to `completed`. Nodes of a tab need x and y, or the runtime
 * takes them for config nodes.
 */
function flow(config: Record<string, unknown> = {}, outputs = 1): FlowItem[] {
  const wires = Array.from({ length: outputs }, (_, i) => [`out${i}`]);
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'ev', type: 'lorawan-event', name: 'events', ...at, ...config, wires },
    ...wires.map((_, i) => ({ id: `out${i}`, type: 'helper', ...at })),
    { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
    { id: 'complete', type: 'complete', scope: ['ev'], uncaught: false, ...at, wires: [['completed']] },
    { id: 'completed', type: 'helper', ...at },
  ];
}

/** Messages received by a helper node from now on. */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The status objects a node has shown (the helper spies on Node.prototype.status). */
function statuses(node: Node): Array<Record<string, unknown>> {
  const spy = node.status as unknown as sinon.SinonSpy;
  return spy.getCalls().filter((call) => call.thisValue === node).map((call) => call.args[0]);
}

function lastStatus(node: Node): Record<string, unknown> | undefined {
  const all = statuses(node);
  return all[all.length - 1];
}

function send(node: Node, topic: string, body: unknown): void {
  node.receive({ topic, payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) } as NodeMessage);
}

describe('lorawan-event node', function () {
  this.timeout(10000);

  afterEach(async () => {
    await helper.unload();
  });

  it('loads with its name', async () => {
    await helper.load(lorawanEvent, flow());
    const node = helper.getNode('ev') as Node & { name: string };
    assert.equal(node.type, 'lorawan-event');
    assert.equal(node.name, 'events');
  });

  it('turns a ChirpStack v4 up event into the Uplink contract, topic = DevEUI', async () => {
    await helper.load(lorawanEvent, flow());
    const out = received('out0');
    const caught = received('caught');
    const node = helper.getNode('ev');
    const body = officialUp();
    body.fCnt = 12;
    body.object = { temperature: 19.5 };
    send(node, csTopic('up'), body);
    await until('the uplink', () => out.length === 1);
    const msg = out[0];
    assert.equal(msg.topic, DEV_EUI);
    assert.equal(msg.eventType, 'up');
    assert.equal(msg.mqttTopic, csTopic('up'));
    assert.deepEqual(msg.payload, {
      network: 'chirpstack',
      eventType: 'up',
      devEui: DEV_EUI,
      deviceName: 'Test device',
      applicationId: APP_ID,
      deviceProfile: 'Test device-profile',
      tenant: 'ChirpStack',
      tags: { key: 'value' },
      time: '2022-07-18T09:34:15.775Z',
      fCnt: 12,
      fPort: 1,
      confirmed: false,
      bytes: Buffer.from([0xaa]),
      object: { temperature: 19.5 },
      radio: { rssi: -36, snr: 10.5, gateways: 1, dr: 1, frequency: 867100000 },
      dedupId: '3ac7e3c4-4401-4b8d-9386-a5c902f9202d',
    });
    assert.ok(Buffer.isBuffer(msg.payload.bytes));
    assert.equal(caught.length, 0);
  });

  it('accepts a string (mqtt in utf8) and a parsed object (auto-detect) as well as a Buffer', async () => {
    await helper.load(lorawanEvent, flow({ dedup: false }));
    const out = received('out0');
    const node = helper.getNode('ev');
    node.receive({ topic: csTopic('up'), payload: JSON.stringify(officialUp()) } as NodeMessage);
    node.receive({ topic: csTopic('up'), payload: officialUp() } as NodeMessage);
    await until('two uplinks', () => out.length === 2);
    assert.deepEqual(out[0].payload, out[1].payload);
    assert.equal(out[1].payload.devEui, DEV_EUI);
  });

  it('normalises The Things Stack v3 uplinks, with the tenant of the topic or the configured default', async () => {
    await helper.load(lorawanEvent, flow({ defaultTenant: 'chasseneuil' }));
    const out = received('out0');
    const node = helper.getNode('ev');
    send(node, ttsTopic('ttn'), ttsUplink());
    const other = ttsUplink();
    other.correlation_ids = ['as:up:another'];
    send(node, ttsTopic(), other);
    await until('two TTS uplinks', () => out.length === 2);
    assert.equal(out[0].payload.network, 'tts');
    assert.equal(out[0].payload.tenant, 'ttn');
    assert.equal(out[0].topic, '0004a30b001c0530');
    assert.equal(out[0].payload.radio.frequency, 868300000);
    assert.equal(out[1].payload.tenant, 'chasseneuil');
  });

  it('sends every selected event type on its single output by default', async () => {
    await helper.load(lorawanEvent, flow({ eventUp: true, eventStatus: true, eventLog: true }));
    const out = received('out0');
    const node = helper.getNode('ev');
    send(node, csTopic('status'), officialStatus());
    send(node, csTopic('log'), officialLog());
    send(node, csTopic('up'), officialUp());
    await until('three events', () => out.length === 3);
    assert.deepEqual(out.map((m) => m.eventType), ['status', 'log', 'up']);
    assert.equal(out[0].payload.batteryLevel, 75.5);
    assert.equal(out[1].payload.code, 'UPLINK_CODEC');
  });

  it('with one output per type, uses the fixed order up, status, join, ack, txack, log, location, integration', async () => {
    await helper.load(lorawanEvent, flow({ eventUp: true, eventStatus: false, eventJoin: true, eventLog: true, splitOutputs: true, outputs: 3 }, 3));
    const outs = [received('out0'), received('out1'), received('out2')];
    const node = helper.getNode('ev');
    send(node, csTopic('log'), officialLog());
    send(node, csTopic('join'), officialJoin());
    send(node, csTopic('up'), officialUp());
    send(node, csTopic('status'), officialStatus()); // not selected
    await until('three events', () => outs.flat().length === 3);
    await sleep(50);
    assert.deepEqual(outs.map((list) => list.map((m) => m.eventType)), [['up'], ['join'], ['log']]);
    assert.equal(outs[1][0].payload.devAddr, '00189440');
  });

  it('ignores unselected types without error, counts them, and completes them', async () => {
    await helper.load(lorawanEvent, flow());
    const out = received('out0');
    const caught = received('caught');
    const completed = received('completed');
    const node = helper.getNode('ev');
    send(node, csTopic('status'), officialStatus());
    send(node, csTopic('join'), 'not even JSON: the body of an ignored type is not read');
    send(node, csTopic('up'), officialUp());
    await until('three completions', () => completed.length === 3);
    await until('the summary status', () => lastStatus(node)?.text === '1 up · 2 ign', 2000);
    assert.equal(out.length, 1);
    assert.equal(caught.length, 0);
    assert.deepEqual(lastStatus(node), { fill: 'green', shape: 'dot', text: '1 up · 2 ign' });
  });

  it('drops repeated deduplication ids and counts them', async () => {
    await helper.load(lorawanEvent, flow());
    const out = received('out0');
    const completed = received('completed');
    const node = helper.getNode('ev');
    const other = officialUp();
    other.deduplicationId = 'a-second-uplink';
    send(node, csTopic('up'), officialUp());
    send(node, csTopic('up'), officialUp()); // QoS 1 redelivery
    send(node, csTopic('up'), other);
    send(node, csTopic('up'), officialUp());
    await until('four completions', () => completed.length === 4);
    await until('the summary status', () => lastStatus(node)?.text === '2 up · 2 dup', 2000);
    assert.deepEqual(out.map((m) => m.payload.dedupId), ['3ac7e3c4-4401-4b8d-9386-a5c902f9202d', 'a-second-uplink']);
  });

  it('keeps duplicates when de-duplication is off', async () => {
    await helper.load(lorawanEvent, flow({ dedup: false }));
    const out = received('out0');
    const node = helper.getNode('ev');
    for (let i = 0; i < 3; i++) send(node, csTopic('up'), officialUp());
    await until('three uplinks', () => out.length === 3);
  });

  it('reports bad input to Catch nodes, naming the field, the device and the topic, and goes on', async () => {
    await helper.load(lorawanEvent, flow());
    const out = received('out0');
    const caught = received('caught');
    const node = helper.getNode('ev');
    const body = officialUp();
    delete body.deviceInfo.devEui;
    send(node, csTopic('up'), body);
    await until('the caught error', () => caught.length === 1);
    const error = caught[0].error;
    assert.equal(error.message, `lorawan-event: field "deviceInfo.devEui" is missing (device ${DEV_EUI}, topic ${csTopic('up')})`);
    assert.equal(error.code, 'missing-field');
    assert.equal(error.source.type, 'lorawan-event');
    assert.equal(error.source.id, 'ev');
    assert.equal(caught[0].topic, csTopic('up'), 'the failed message is left as it came');
    await until('the red status', () => lastStatus(node)?.fill === 'red', 2000);
    assert.deepEqual(lastStatus(node), { fill: 'red', shape: 'ring', text: '1 err: missing field' });

    send(node, csTopic('up'), officialUp());
    await until('the next uplink', () => out.length === 1);
    await until('the summary status', () => lastStatus(node)?.text === '1 up · 1 err', 2000);
    assert.equal(lastStatus(node)?.fill, 'green');
  });

  it('reports every kind of bad input with its code', async () => {
    await helper.load(lorawanEvent, flow());
    const out = received('out0');
    const caught = received('caught');
    const node = helper.getNode('ev');
    const cases: Array<[string, unknown, string, RegExp]> = [
      [csTopic('up'), '{"deviceInfo":', 'not-json', /payload is not valid JSON/],
      [csTopic('up'), '[1,2,3]', 'not-object', /payload is not a JSON object: \[1,2,3\]/],
      [csTopic('up'), { ...officialUp(), time: undefined }, 'missing-field', /field "time" is missing/],
      [csTopic('up'), { ...officialUp(), fPort: 'abc' }, 'invalid-field', /field "fPort" is invalid: "abc" is not an unsigned integer/],
      [csTopic('up'), { ...officialUp(), data: 'not base64!' }, 'invalid-base64', /field "data" is not valid base64/],
      [csTopic('sideways'), officialUp(), 'unknown-event', /unknown event type "sideways"/],
      ['sensors/garden/temperature', officialUp(), 'unknown-topic', /not a ChirpStack v4 or The Things Stack v3 event topic \(topic sensors\/garden\/temperature\)/],
      [csTopic('up', 'ffffffffffffffff'), officialUp(), 'topic-mismatch', /field "deviceInfo.devEui" is "0101010101010101" but the topic says "ffffffffffffffff"/],
    ];
    for (const [topic, body] of cases) send(node, topic, body);
    await until('all errors', () => caught.length === cases.length);
    assert.deepEqual(caught.map((m) => m.error.code), cases.map((c) => c[2]));
    caught.forEach((msg, i) => assert.match(msg.error.message, cases[i][3]));
    assert.equal(out.length, 0);
    await until('the status', () => /^8 err/.test(String(lastStatus(node)?.text)), 2000);
  });

  it('throttles its status: a burst of 2,000 events gives a handful of updates', async () => {
    await helper.load(lorawanEvent, flow({ dedup: false }));
    const out = received('out0');
    const node = helper.getNode('ev');
    const payload = Buffer.from(JSON.stringify(officialUp()));
    for (let i = 0; i < 2000; i++) node.receive({ topic: csTopic('up'), payload } as NodeMessage);
    await until('2,000 uplinks', () => out.length === 2000, 5000);
    await sleep(1200);
    const shown = statuses(node);
    assert.ok(shown.length >= 1 && shown.length <= 4, `${shown.length} status updates`);
    assert.deepEqual(shown[shown.length - 1], { fill: 'green', shape: 'dot', text: '2.0k up' });
  });

  it('clears its status and releases its timer on close', async () => {
    await helper.load(lorawanEvent, flow());
    const node = helper.getNode('ev');
    // Record the calls on the instance: the helper's prototype spy is restored by unload.
    const calls: unknown[] = [];
    const status = node.status;
    node.status = function (this: Node, ...args: Parameters<Node['status']>) {
      calls.push(args[0]);
      return status.apply(this, args);
    };
    send(node, csTopic('up'), officialUp()); // arms the status timer
    await helper.unload();
    await sleep(800);
    assert.deepEqual(calls, [{}], 'only the clearing call, none from a left-over timer');
  });

  describe('editor definition (the built lorawan-event.html, run against a stand-in RED and jQuery)', () => {
    interface Definition {
      category: string; color: string; icon: string; inputs: number; outputs: number;
      defaults: Record<string, { value: unknown; validate?: (this: unknown, value: unknown) => boolean }>;
      label: (this: unknown) => string;
      outputLabels: (this: unknown, index: number) => string | undefined;
      oneditsave: (this: unknown) => void;
    }
    const RESERVED = ['changed', 'dirty', 'id', 'inputLabels', 'moved', 'outputLabels', 'selected', 'type', 'users', 'valid',
      'validationErrors', 'wires', '_', '_config', '_def', '_orig', 'info', 'icon', 'ports', 'status'];
    const KINDS = ['Up', 'Status', 'Join', 'Ack', 'Txack', 'Log', 'Location', 'Integration'];

    /** Runs the editor script; `dialog` holds the checkbox states and input values of the edit dialog. */
    function loadEditor(dialog: Record<string, unknown>): { type: string; def: Definition } {
      const html = fs.readFileSync(path.resolve(__dirname, '../../dist/nodes/lorawan-event/lorawan-event.html'), 'utf8');
      const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
      let registered: { type: string; def: Definition } | undefined;
      const $ = (selector: string) => ({
        prop: (name: string) => (name === 'checked' ? dialog[selector] === true : undefined),
        val: (value?: unknown) => (value === undefined ? dialog[selector] : (dialog[selector] = value)),
        on: () => undefined,
        toggle: () => undefined,
      });
      const RED = { nodes: { registerType: (type: string, def: Definition) => { registered = { type, def }; } } };
      vm.runInNewContext(script, { RED, $ });
      assert.ok(registered, 'registerType was called');
      return registered;
    }

    function nodeWith(selected: string[], splitOutputs: boolean): Record<string, unknown> {
      const node: Record<string, unknown> = { splitOutputs, name: '', _: (key: string) => key };
      for (const kind of KINDS) node[`event${kind}`] = selected.includes(kind);
      return node;
    }

    function dialogWith(selected: string[], splitOutputs: boolean): Record<string, unknown> {
      const dialog: Record<string, unknown> = { '#node-input-splitOutputs': splitOutputs };
      for (const kind of KINDS) dialog[`#node-input-event${kind}`] = selected.includes(kind);
      return dialog;
    }

    /** The outputs value oneditsave leaves for the editor: an old port → new port map, as the switch node does. */
    function outputMap(before: [string[], boolean], after: [string[], boolean]): Record<string, string> {
      const dialog = dialogWith(...after);
      loadEditor(dialog).def.oneditsave.call(nodeWith(...before));
      return JSON.parse(String(dialog['#node-input-outputs']));
    }

    it('registers literal properties and no reserved default name', () => {
      const { type, def } = loadEditor({});
      assert.equal(type, 'lorawan-event');
      assert.deepEqual([def.category, def.color, def.icon, def.inputs, def.outputs], ['smart territory', '#3FADB5', 'lorawan-event.svg', 1, 1]);
      for (const name of Object.keys(def.defaults)) {
        assert.ok(name.length > 1 && !RESERVED.includes(name), `reserved default name ${name}`);
      }
      assert.deepEqual(KINDS.map((k) => def.defaults[`event${k}`].value), [true, false, false, false, false, false, false, false]);
      assert.equal(def.defaults.dedup.value, true);
      assert.equal(def.defaults.dedupSize.value, 10000);
      assert.equal(def.defaults.outputs.value, 1);
    });

    it('refuses a node with no event type, and a duplicate memory out of range', () => {
      const { def } = loadEditor({});
      assert.equal(def.defaults.eventUp.validate!.call(nodeWith([], false), false), false);
      assert.equal(def.defaults.eventUp.validate!.call(nodeWith(['Log'], false), false), true);
      assert.equal(def.defaults.dedupSize.validate!.call({}, '0'), false);
      assert.equal(def.defaults.dedupSize.validate!.call({}, '2.5'), false);
      assert.equal(def.defaults.dedupSize.validate!.call({}, '50000'), true);
    });

    it('labels each output with its event type, in the fixed order', () => {
      const { def } = loadEditor({});
      const split = nodeWith(['Log', 'Up', 'Join'], true);
      assert.deepEqual([0, 1, 2, 3].map((i) => def.outputLabels.call(split, i)),
        ['lorawan-event.outputs.up', 'lorawan-event.outputs.join', 'lorawan-event.outputs.log', undefined]);
      assert.equal(def.outputLabels.call(nodeWith(['Log', 'Up'], false), 0), 'lorawan-event.outputs.all');
      assert.equal(def.label.call(nodeWith(['Up'], false)), 'lorawan-event.label.node');
    });

    it('keeps the wires of each event type when outputs are split, merged, added or removed', () => {
      // One output → one per type: the old wires stay on the uplinks, two ports are new.
      assert.deepEqual(outputMap([['Up'], false], [['Up', 'Status', 'Log'], true]), { 0: '0', 'new-status': '1', 'new-log': '2' });
      // Status unchecked: its port goes, log moves up.
      assert.deepEqual(outputMap([['Up', 'Status', 'Log'], true], [['Up', 'Log'], true]), { 0: '0', 1: '-1', 2: '1' });
      // A type added before another one shifts it.
      assert.deepEqual(outputMap([['Up', 'Log'], true], [['Up', 'Join', 'Log'], true]), { 0: '0', 1: '2', 'new-join': '1' });
      // Back to one output: the uplinks' wires stay (up always comes first), the others go.
      assert.deepEqual(outputMap([['Status', 'Up'], true], [['Status', 'Up'], false]), { 0: '0', 1: '-1' });
      // No uplinks: the first port's wires stay.
      assert.deepEqual(outputMap([['Status', 'Log'], true], [['Status', 'Log'], false]), { 0: '0', 1: '-1' });
      // Several types on one output, then split without uplinks: the first type keeps the wires.
      assert.deepEqual(outputMap([['Status', 'Log'], false], [['Status', 'Log'], true]), { 0: '0', 'new-log': '1' });
      // Nothing changes.
      assert.deepEqual(outputMap([['Up', 'Log'], false], [['Up', 'Log'], false]), { 0: '0' });
    });
  });

  it('warns when no event type is selected, and ignores everything', async () => {
    await helper.load(lorawanEvent, flow({ eventUp: false }));
    const node = helper.getNode('ev');
    const out = received('out0');
    const warn = node.warn as unknown as sinon.SinonSpy;
    assert.ok(warn.getCalls().some((c) => c.thisValue === node && /no event type is selected/.test(String(c.args[0]))));
    assert.deepEqual(lastStatus(node), { fill: 'yellow', shape: 'ring', text: 'no event type' });
    send(node, csTopic('up'), officialUp());
    await until('the summary status', () => lastStatus(node)?.text === '0 ev · 1 ign', 2000);
    assert.equal(out.length, 0);
  });
});
