/**
 * reference-enrich in a Node-RED runtime: join by devEui with tags, chains (meter → building),
 * unknown keys to output 2 counted in the status, waiting for the table, pulse conversion.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import type { Node, NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper, received, until } from '../support/nodered';

const referenceSource = builtNode('reference-source') as NodeInitializer;
const referenceEnrich = builtNode('reference-enrich') as NodeInitializer;
type Msg = Record<string, any>;
type FlowItem = TestFlowsItem & Record<string, unknown>;

function lastStatus(node: Node): Record<string, unknown> | undefined {
  const spy = node.status as unknown as sinon.SinonSpy;
  const calls = spy.getCalls().filter((call) => call.thisValue === node);
  return calls.length ? calls[calls.length - 1].args[0] : undefined;
}

describe('reference-enrich node', function () {
  let dir: string;
  let meters: string;
  let buildings: string;
  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-ref-enrich-'));
    meters = path.join(dir, 'meters.csv');
    buildings = path.join(dir, 'buildings.csv');
    fs.writeFileSync(meters, 'devEui;siteId;building;fluid;usage;pulseWeight;pulseWeightUnit;initialIndex;unit\n' +
      '70B3D5E75E00A102;cobalt-eau;B1;water;sanitaire;10;L;1234,56;m3\n' +
      '70b3d5e75e00a103;cobalt-elec;B1;electricity;;1;Wh;100;kWh\n');
    fs.writeFileSync(buildings, 'buildingId;name;commune\nB1;COBALT;Poitiers\n');
    await helper.startServer();
  });
  after(async function () {
    await helper.stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async function () {
    await helper.unload();
  });

  function flow(extra: Record<string, unknown> = {}, location = meters): FlowItem[] {
    const at = { z: 'f1', x: 100, y: 100 };
    return [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'src', type: 'reference-source', name: 'compteurs', kind: 'csv', location, keyColumn: 'devEui' },
      { id: 'bld', type: 'reference-source', name: 'bâtiments', kind: 'csv', location: buildings, keyColumn: 'buildingId' },
      { id: 'enr', type: 'reference-enrich', source: 'src', keyProperty: 'payload.devEui', target: 'site', tags: 'site=siteId, building, fluid, usage', ...at, ...extra, wires: [['chain'], ['miss']] },
      { id: 'chain', type: 'reference-enrich', source: 'bld', keyProperty: 'site.building', target: 'building', tags: 'commune', ...at, wires: [['ok'], ['miss']] },
      { id: 'ok', type: 'helper', ...at },
      { id: 'miss', type: 'helper', ...at },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
      { id: 'caught', type: 'helper', ...at },
    ];
  }

  it('adds msg.site and msg.tags by devEui, then the building through a chain', async function () {
    await helper.load([referenceSource, referenceEnrich], flow());
    const ok = received('ok');
    helper.getNode('enr').receive({ payload: { devEui: '70b3d5e75e00a102', measurements: [] }, tags: { tenant: 'grand-poitiers' } } as any);
    await until('an enriched message', () => ok.length === 1);
    const msg = ok[0];
    assert.equal(msg.site.siteId, 'cobalt-eau');
    assert.equal(msg.building.name, 'COBALT');
    assert.deepEqual(msg.tags, { tenant: 'grand-poitiers', site: 'cobalt-eau', building: 'B1', fluid: 'water', usage: 'sanitaire', commune: 'Poitiers' });
  });

  it('sends unknown keys to output 2 with a reason and counts them in the status', async function () {
    await helper.load([referenceSource, referenceEnrich], flow());
    const miss = received('miss');
    const enr = helper.getNode('enr');
    for (let i = 0; i < 3; i++) enr.receive({ payload: { devEui: 'FFFFFFFFFFFFFFF0' } } as any);
    enr.receive({ payload: {} } as any);
    await until('four unmatched messages', () => miss.length === 4);
    assert.deepEqual({ ...miss[0].reason, text: undefined }, { code: 'unknown-key', key: 'fffffffffffffff0', table: 'compteurs', text: undefined });
    assert.equal(miss[3].reason.code, 'no-key');
    await until('the status', () => /4 unknown/.test(String(lastStatus(enr)?.text ?? '')));
    assert.match(String(lastStatus(enr)?.text), /^2 rows @\d\d:\d\d · 4 unknown$/);
  });

  it('messages that arrive before a failed first load go to output 2 as table-unavailable', async function () {
    await helper.load([referenceSource, referenceEnrich], flow({}, path.join(dir, 'absent.csv')));
    const miss = received('miss');
    helper.getNode('enr').receive({ payload: { devEui: '70b3d5e75e00a102' } } as any);
    await until('an unavailable message', () => miss.length === 1);
    assert.equal(miss[0].reason.code, 'table-unavailable');
    assert.match(miss[0].reason.text, /absent\.csv: the file does not exist/);
  });

  it('converts pulse counts with the meter registry', async function () {
    await helper.load([referenceSource, referenceEnrich], flow({ convertPulses: true }));
    const ok = received('ok');
    const enr = helper.getNode('enr');
    enr.receive({ payload: { devEui: '70b3d5e75e00a102', measurements: [{ quantity: 'pulse_count', value: 4321, unit: '1', kind: 'index' }] } } as any);
    enr.receive({ payload: { devEui: '70b3d5e75e00a103', measurements: [{ quantity: 'pulse_count', value: 20, unit: '1', kind: 'index' }] } } as any);
    await until('two converted messages', () => ok.length === 2);
    assert.deepEqual(ok[0].payload.measurements, [{ quantity: 'water_volume', value: 1277.77, unit: 'm3', kind: 'index' }]);
    assert.deepEqual(ok[1].payload.measurements, [{ quantity: 'active_energy', value: 100020, unit: 'Wh', kind: 'index' }]);
  });
});
