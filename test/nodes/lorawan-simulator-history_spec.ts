/**
 * lorawan-simulator's history option: on a fresh user directory the meters' past goes out first (past
 * times, in time order, paced), the other devices go live meanwhile, the meters at the end; a marker
 * in the user directory stops a second replay on a restart.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type sinon from 'sinon';
import type { Node, NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper, received, until } from '../support/nodered';

const simulatorNode = builtNode('lorawan-simulator') as NodeInitializer;

type FlowItem = TestFlowsItem & Record<string, unknown>;
type Msg = Record<string, any>;

const root = path.resolve(__dirname, '../..');
const FLEET = fs.readFileSync(path.join(root, 'data/devices.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
const METERS = new Set(FLEET.filter((cells) => ['water', 'gas', 'electricity'].includes(cells[6])).map((cells) => cells[0]));
const at = { z: 'f1', x: 100, y: 100 };

function flow(config: Record<string, unknown>): FlowItem[] {
  return [
    { id: 'f1', type: 'tab', label: 'simulator' },
    { id: 'sim', type: 'lorawan-simulator', name: 'réseau simulé', ...at, speed: '60', seed: '3', autoStart: true, ...config, wires: [['out']] },
    { id: 'out', type: 'helper', ...at },
  ];
}

const eventOf = (msg: Msg) => JSON.parse(msg.payload as string);

function calls(node: Node, method: 'status' | 'error' | 'log'): unknown[][] {
  const spy = node[method] as unknown as sinon.SinonSpy;
  return spy.getCalls().filter((call) => call.thisValue === node).map((call) => call.args);
}

describe('lorawan-simulator node: history', function () {
  this.timeout(30000);
  let userDir: string;

  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'simulator-history-'));
    helper.settings({ userDir });
  });

  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('replays the meters\' past once, paced, before their live frames; the other devices are live at once', async () => {
    const loadedAt = Date.now();
    await helper.load(simulatorNode, flow({ historyDays: '3' }));
    const sim = helper.getNode('sim');
    const out = received('out');
    const marker = path.join(userDir, 'lorawan-simulator', 'sim.json');
    assert.equal(calls(sim, 'status').at(-1)?.[0] && (calls(sim, 'status').at(-1)?.[0] as Record<string, string>).text, 'lorawan-simulator.status.history');

    // During the 3-second wait, only live frames of devices that are not meters.
    await until('live frames of the other devices', () => out.length >= 5, 3000);
    assert.ok(out.every((m) => !METERS.has(eventOf(m).deviceInfo.devEui)));

    await until('the marker of a replayed history', () => fs.existsSync(marker), 20000);
    const history = out.filter((m) => METERS.has(eventOf(m).deviceInfo.devEui) && Date.parse(eventOf(m).time) < loadedAt);
    const record = JSON.parse(fs.readFileSync(marker, 'utf8'));
    assert.equal(history.length, record.history.uplinks);
    assert.equal(record.history.devices, METERS.size);
    assert.deepEqual(Object.keys(record.indexes).sort(), [...METERS].sort(), 'the meters\' indexes at the end of the history');
    // 3 days of hourly readings (and a baseline) for every meter, in time order, stamped in the past
    assert.ok(history.length >= METERS.size * 3 * 24, `${history.length} history uplinks`);
    const times = history.map((m) => Date.parse(eventOf(m).time));
    for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1], 'in time order');
    assert.ok(loadedAt - times[0] > 3 * 86_400_000 && loadedAt - times[0] < 5 * 86_400_000, 'three days back (and the baseline the evening before)');
    assert.equal(history[0].qos, 1);
    // paced: at most HISTORY_SLICE (100) uplinks a slice, one slice every 100 ms
    const replayMs = Date.parse(record.history.replayedAt) - loadedAt - 3000;
    assert.ok(replayMs >= ((history.length / 100) - 2) * 100, `replayed in ${replayMs} ms`);

    // then the meters go live
    await until('live frames of every meter', () => {
      const live = new Set(out.filter((m) => Date.parse(eventOf(m).time) >= loadedAt).map((m) => eventOf(m).deviceInfo.devEui));
      return [...METERS].every((d) => live.has(d));
    }, 10000);
    assert.match(String(calls(sim, 'log').map((c) => c[0]).join('\n')), /lorawan-simulator.log.historyDone/);

    // A restart with the same user directory does not replay it, and goes on from the indexes saved on close.
    await helper.unload();
    const closed = JSON.parse(fs.readFileSync(marker, 'utf8'));
    assert.ok(Date.parse(closed.savedAt) >= Date.parse(record.savedAt));
    for (const devEui of METERS) assert.ok(closed.indexes[devEui] >= record.indexes[devEui], `${devEui}: the live index goes on`);
    const restartedAt = Date.now();
    await helper.load(simulatorNode, flow({ historyDays: '3' }));
    const again = received('out');
    await new Promise((r) => setTimeout(r, 4500));
    assert.ok(again.length > 0);
    assert.ok(again.every((m) => Date.parse(eventOf(m).time) >= restartedAt), 'only live frames after a restart');
    assert.ok(again.some((m) => METERS.has(eventOf(m).deviceInfo.devEui)), 'the meters are live at once');
    const restarted = helper.getNode('sim');
    assert.match(String(calls(restarted, 'log').map((c) => c[0]).join('\n')), /lorawan-simulator.log.indexesRestored/);
  });

  it('names a bad history setting and still starts the network', async () => {
    await helper.load(simulatorNode, flow({ historyDays: 'deux ans' }));
    const sim = helper.getNode('sim');
    const out = received('out');
    assert.match(String(calls(sim, 'error')[0]?.[0]), /historyDays "deux ans" is not valid \(0 to 1830 days\)/);
    await until('live frames', () => out.length > 5, 5000);
    assert.ok(!fs.existsSync(path.join(userDir, 'lorawan-simulator')));
  });

  it('without the option, no history', async () => {
    const loadedAt = Date.now();
    await helper.load(simulatorNode, flow({}));
    const out = received('out');
    await until('live frames', () => out.length > 20, 5000);
    assert.ok(out.every((m) => Date.parse(eventOf(m).time) >= loadedAt));
  });
});
