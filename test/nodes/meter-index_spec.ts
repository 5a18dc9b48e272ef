import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import type { Node, NodeInitializer, NodeMessage } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper, received, until } from '../support/nodered';

const meterIndex = builtNode('meter-index') as NodeInitializer;

type FlowItem = TestFlowsItem & Record<string, unknown>;
type Msg = Record<string, any>;

const DEV = '70b3d5e75e000001';
const T0 = Date.parse('2025-01-15T10:00:00.000Z');
const HOUR = 3600000;

function flow(config: Record<string, unknown> = {}): FlowItem[] {
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'mi', type: 'meter-index', name: 'meters', ...at, ...config, wires: [['readings'], ['events']] },
    { id: 'readings', type: 'helper', ...at },
    { id: 'events', type: 'helper', ...at },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];
}

function lastStatus(node: Node): Record<string, unknown> | undefined {
  const spy = node.status as unknown as sinon.SinonSpy;
  const calls = spy.getCalls().filter((call) => call.thisValue === node);
  return calls[calls.length - 1]?.args[0];
}

function index(value: number, at: number, quantity = 'water_volume'): NodeMessage {
  return {
    payload: {
      devEui: DEV, tenant: 'grand-poitiers', time: new Date(at).toISOString(), model: 'test-meter',
      measurements: [{ quantity, value, unit: 'm3', kind: 'index' }],
    },
  } as NodeMessage;
}

function deltaValues(msg: Msg): number[] {
  return (msg.payload.measurements as Array<{ kind: string; value: number }>).filter((m) => m.kind === 'delta').map((m) => m.value);
}

describe('meter-index node', function () {
  this.timeout(10000);
  let userDir: string;

  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meter-index-node-'));
    helper.settings({ userDir });
  });

  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('adds deltas on output 1 and anomalies on output 2', async () => {
    await helper.load(meterIndex, flow({ rolloverMode: 'digits', rolloverDigits: 5 }));
    const readings = received('readings');
    const events = received('events');
    const node = helper.getNode('mi');
    node.receive(index(99990, T0));
    node.receive(index(99995.5, T0 + HOUR));
    node.receive(index(15, T0 + 2 * HOUR));
    node.receive(index(15, T0 + 2 * HOUR));
    await until('4 readings', () => readings.length === 4);
    assert.deepEqual(readings.map(deltaValues), [[], [5.5], [19.5], []]);
    assert.equal(readings[1].topic, DEV);
    await until('2 events', () => events.length === 2);
    assert.deepEqual(events.map((e) => e.payload.type), ['rollover', 'duplicate']);
    assert.equal(events[0].topic, DEV);
    assert.equal(events[0].payload.previous, 99995.5);
    assert.equal(events[0].payload.current, 15);
    assert.equal(events[0].payload.delta, 19.5);
  });

  it('reports a reset with delta 0 and shows the counts in a throttled status', async () => {
    await helper.load(meterIndex, flow());
    const readings = received('readings');
    const events = received('events');
    const node = helper.getNode('mi');
    node.receive(index(100, T0));
    node.receive(index(130, T0 + HOUR));
    node.receive(index(2, T0 + 2 * HOUR));
    await until('3 readings', () => readings.length === 3);
    assert.deepEqual(readings.map(deltaValues), [[], [30], [0]]);
    await until('the reset event', () => events.length === 1);
    assert.equal(events[0].payload.type, 'reset');
    await until('the status', () => /2 deltas · 1 resets/.test(String(lastStatus(node)?.text)));
    assert.equal(lastStatus(node)?.fill, 'green');
    const spy = node.status as unknown as sinon.SinonSpy;
    assert.ok(spy.getCalls().filter((c) => c.thisValue === node).length <= 3, 'status is throttled');
  });

  it('spreads a gap when configured', async () => {
    await helper.load(meterIndex, flow({ expectedInterval: 60, gapFactor: 3, gapPolicy: 'spread' }));
    const readings = received('readings');
    const events = received('events');
    const node = helper.getNode('mi');
    node.receive(index(10, T0));
    node.receive(index(14, T0 + 4 * HOUR));
    await until('2 readings', () => readings.length === 2);
    assert.deepEqual(deltaValues(readings[1]), [1, 1, 1, 1]);
    await until('the gap event', () => events.length === 1);
    assert.equal(events[0].payload.type, 'gap');
  });

  it('survives a restart: same id, state from the file, no spike, no lost step', async () => {
    await helper.load(meterIndex, flow({ saveInterval: 3600 }));
    let readings = received('readings');
    let node = helper.getNode('mi');
    node.receive(index(100, T0));
    node.receive(index(150.25, T0 + HOUR));
    await until('2 readings', () => readings.length === 2);
    assert.deepEqual(readings.map(deltaValues), [[], [50.25]]);
    await helper.unload(); // close saves, even with a long save interval

    const file = path.join(userDir, 'meter-index', 'mi.json');
    assert.ok(fs.existsSync(file), 'the state file is written on close');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['mi.json'], 'no temporary file left');

    await helper.load(meterIndex, flow({ saveInterval: 3600 }));
    readings = received('readings');
    node = helper.getNode('mi');
    node.receive(index(175.5, T0 + 2 * HOUR));
    await until('the reading after restart', () => readings.length === 1);
    assert.deepEqual(deltaValues(readings[0]), [25.25]);
  });

  it('saves the state while running, within the save interval', async () => {
    await helper.load(meterIndex, flow({ saveInterval: 0.1 }));
    const node = helper.getNode('mi');
    node.receive(index(100, T0));
    const file = path.join(userDir, 'meter-index', 'mi.json');
    await until('the state file', () => fs.existsSync(file), 2000);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(Object.values(saved.series), [[100, T0]]);
  });

  it('passes bad input to Catch nodes with the field, and keeps going', async () => {
    await helper.load(meterIndex, flow());
    const readings = received('readings');
    const caught = received('caught');
    const node = helper.getNode('mi');
    node.receive({ payload: { devEui: DEV, time: 'not a date', measurements: [] } } as NodeMessage);
    await until('the error', () => caught.length === 1);
    assert.match(caught[0].error.message, /time is not a date/);
    assert.match(caught[0].error.message, new RegExp(DEV));
    const bad = index(1, T0) as Msg;
    bad.payload.measurements.push({ quantity: 'gas_volume', value: 'x', unit: 'm3', kind: 'index' });
    node.receive(bad as NodeMessage);
    await until('the reading and the second error', () => readings.length === 1 && caught.length === 2);
    assert.match(caught[1].error.message, /measurements\[1\]\.value/);
    await until('the error status', () => lastStatus(node)?.fill === 'red');
  });

  it('refuses an invalid configuration at every message, naming the field', async () => {
    await helper.load(meterIndex, flow({ rolloverMode: 'custom', rolloverValue: 'lots' }));
    const caught = received('caught');
    helper.getNode('mi').receive(index(1, T0));
    await until('the error', () => caught.length === 1);
    assert.match(caught[0].error.message, /rollover width "lots"/);
  });
});
