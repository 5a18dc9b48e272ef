import assert from 'node:assert/strict';
import type { NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { builtNode, helper, Msg, received, until } from '../support/nodered';

const lorawanHealth = builtNode('lorawan-health') as NodeInitializer;

type FlowItem = TestFlowsItem & Record<string, unknown>;

const WATER = '2c5e1a0000b20301';
const COMFORT = '70b3d5e75e00a103';

function flow(config: Record<string, unknown> = {}): FlowItem[] {
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    {
      id: 'health', type: 'lorawan-health', name: 'Santé du réseau', checkInterval: 0.1, publishInterval: 0.1, ...at, ...config,
      wires: [['table'], ['summary'], ['alerts']],
    },
    { id: 'table', type: 'helper', ...at },
    { id: 'summary', type: 'helper', ...at },
    { id: 'alerts', type: 'helper', ...at },
    { id: 'catch', type: 'catch', name: 'erreurs', scope: ['health'], uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];
}

let fCnt = 0;
function uplink(devEui: string, name: string, site: string, fluid: string): Msg {
  fCnt++;
  return {
    topic: devEui,
    payload: {
      network: 'chirpstack', devEui, deviceName: name, applicationId: 'app', deviceProfile: 'p', tenant: 'grand-poitiers',
      tags: { site, fluid }, time: new Date().toISOString(), fCnt, fPort: 1, confirmed: false, bytes: Buffer.from('00', 'hex'),
      radio: { rssi: -87, snr: 7.5, gateways: 2, dr: 5, frequency: 868100000 }, dedupId: `dedup-${fCnt}`,
    },
  };
}

describe('lorawan-health node', function () {
  this.timeout(10000);

  afterEach(async () => {
    await helper.unload();
  });

  it('publishes the device table (French keys, units) and the summary on its timer, and on demand', async function () {
    await helper.load(lorawanHealth, flow({ publishInterval: 0.3 }));
    const tables = received('table');
    const summaries = received('summary');
    const health = helper.getNode('health');
    health.receive(uplink(WATER, 'Hôtel de Ville – compteur d\u2019eau général', 'hdv-poitiers', 'water'));
    health.receive(uplink(COMFORT, 'COBALT – confort open space', 'cobalt', 'comfort'));
    health.receive({ payload: { devEui: COMFORT, tenant: 'grand-poitiers', time: new Date().toISOString(), model: 'watteco-vaqao-lite', measurements: [], status: { batteryPercent: 82 } } });
    await until('a table with both devices', () => tables.some((m) => m.payload.length === 2), 3000);
    const table = tables[tables.length - 1];
    assert.equal(table.topic, 'capteurs');
    const cobalt = table.payload.find((r: Msg) => r.devEui === COMFORT);
    assert.equal(cobalt.capteur, 'COBALT – confort open space');
    assert.equal(cobalt.batterie, '82\u00a0%');
    assert.equal(cobalt.rssi, '-87\u00a0dBm');
    assert.equal(cobalt.snr, '7,5\u00a0dB');
    assert.equal(cobalt.etat, 'en ligne');
    assert.match(cobalt.derniereTrame, /^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/);
    const summary = summaries[summaries.length - 1];
    assert.equal(summary.topic, 'resume');
    assert.deepEqual({ ...summary.payload, derniereTrame: undefined }, {
      capteurs: 2, enLigne: 2, silencieux: 0, erreursDecodage24h: 0, derniereTrame: undefined, trames: 2, tramesPerdues: 0, alertes: 0,
    });
    // Nothing new: the timer waits (15 s before a refresh); « publier » sends the table at once.
    await new Promise((r) => setTimeout(r, 400));
    const count = tables.length;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(tables.length, count, 'no table without a change');
    health.receive({ topic: 'publier' });
    await until('the table on demand', () => tables.length === count + 1, 1000);
    // The state is kept in the node context for a redeploy.
    const kept = health.context().get('etat') as { version: number; devices: unknown[] };
    assert.equal(kept.version, 1);
    assert.equal(kept.devices.length, 2);
  });

  it('raises a silent-device alert after 3 × the expected interval and clears it on the next uplink', async function () {
    // Learning needs intervals of 5 s or more (nodes/lib/health): a configured minimum of 0.3 s keeps the spec short.
    await helper.load(lorawanHealth, flow({ minInterval: 0.005 }));
    const alerts = received('alerts');
    const tables = received('table');
    const health = helper.getNode('health');
    for (let i = 0; i < 4; i++) {
      health.receive(uplink(COMFORT, 'COBALT – confort open space', 'cobalt', 'comfort'));
      await new Promise((r) => setTimeout(r, 100));
    }
    await until('the silent alert', () => alerts.length === 1, 3000);
    const raised = alerts[0];
    assert.equal(raised.topic, `health:silent:${COMFORT}`);
    assert.equal(raised.event, 'raised');
    assert.match(raised.payload, /^Capteur muet : le capteur « COBALT – confort open space » \(site cobalt\)/);
    assert.equal(raised.alert.severity, 'warning');
    assert.equal(raised.alert.site, 'cobalt');
    assert.equal(raised.alert.fluid, 'comfort');
    await until('the table shows it silent', () => tables.length > 0 && tables[tables.length - 1].payload[0].etat === 'silencieux', 2000);
    health.receive(uplink(COMFORT, 'COBALT – confort open space', 'cobalt', 'comfort'));
    await until('the alert cleared', () => alerts.length === 2, 2000);
    assert.equal(alerts[1].event, 'cleared');
    assert.match(alerts[1].payload, /^Résolu : Capteur muet/);
  });

  it('a device alarm of a Reading leaves at once as an alert, with the leak\u2019s estimated loss', async function () {
    await helper.load(lorawanHealth, flow({ publishInterval: 60 }));
    const alerts = received('alerts');
    const health = helper.getNode('health');
    const up = uplink(WATER, 'Hôtel de Ville – compteur d\u2019eau général', 'hdv-poitiers', 'water');
    health.receive({
      topic: WATER, uplink: up.payload, frameInfo: { flow_min_m3h: 0.25 },
      payload: { devEui: WATER, tenant: 'grand-poitiers', time: up.payload.time, model: 'kamstrup-flowiq2200', measurements: [], status: { alarms: ['leak'] } },
    });
    await until('the leak alert', () => alerts.length === 1, 1000);
    assert.equal(alerts[0].topic, `health:alarm:leak:${WATER}`);
    assert.match(alerts[0].payload, /perte estimée 6 m³\/jour/);
    assert.equal(alerts[0].alert.details.estimatedLossM3PerDay, 6);
    // « alertes » sends the active ones again (e.g. for a dashboard that just started).
    health.receive({ topic: 'alertes' });
    await until('the active alerts again', () => alerts.length === 2, 1000);
    assert.equal(alerts[1].topic, `health:alarm:leak:${WATER}`);
    assert.equal(alerts[1].event, 'raised');
  });

  it('counts decode errors from a Catch node and raises a burst alert', async function () {
    await helper.load(lorawanHealth, flow({ errorBurst: 2 }));
    const alerts = received('alerts');
    const summaries = received('summary');
    const health = helper.getNode('health');
    const up = uplink(WATER, 'Hôtel de Ville – compteur d\u2019eau général', 'hdv-poitiers', 'water');
    health.receive(up);
    const caught = { payload: up.payload, topic: WATER, error: { message: 'lorawan-decode: device 2c5e…: truncated frame', source: { id: 'd', type: 'lorawan-decode', name: 'Décoder' } } };
    health.receive(caught);
    health.receive(caught);
    await until('the decode-error alert', () => alerts.length === 1, 1000);
    assert.equal(alerts[0].topic, `health:decode-errors:${WATER}`);
    await until('the summary counts them', () => summaries.some((m) => m.payload.erreursDecodage24h === 2), 2000);
  });

  it('a message of no known shape goes to the Catch node with a clear error; the node goes on', async function () {
    await helper.load(lorawanHealth, flow());
    const caught = received('caught');
    const tables = received('table');
    const health = helper.getNode('health');
    health.receive({ payload: { temperature: 21 } });
    await until('the error caught', () => caught.length === 1, 1000);
    assert.match(caught[0].error.message, /\{temperature\} is not an Uplink/);
    assert.equal(caught[0].error.source.type, 'lorawan-health');
    health.receive(uplink(COMFORT, 'COBALT – confort open space', 'cobalt', 'comfort'));
    await until('the table after the bad message', () => tables.some((m) => m.payload.length === 1), 2000);
  });

  it('refuses an invalid configuration with the field name and reports it to Catch nodes', async function () {
    await helper.load(lorawanHealth, flow({ silentFactor: 0 }));
    const caught = received('caught');
    helper.getNode('health').receive(uplink(COMFORT, 'x', 'cobalt', 'comfort'));
    await until('the configuration error', () => caught.length === 1, 1000);
    assert.match(caught[0].error.message, /silentFactor/);
  });
});
