/**
 * End to end, the way a new user runs it: `npm start`'s script on free ports, in a temporary user
 * directory. Simulated ChirpStack uplinks must travel through a real broker (the embedded aedes one,
 * then a real Mosquitto) and come out of lorawan-event, as counted by the Ingest tab.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { freePort } from '../support/ports';
import { globalContext, RunningPlatform, startPlatform, waitFor } from '../support/platform';
import { InfluxService, MqttService, startInfluxDb, startMosquitto } from '../support/services';

interface CounterRow { devEui: string; uplinks: number }

/** Devices of the sample fleet (data/devices.csv, one per line after the header). */
function fleetSize(): number {
  return fs.readFileSync(path.resolve(__dirname, '../../data/devices.csv'), 'utf8').trim().split('\n').length - 1;
}

async function countedDevices(platform: RunningPlatform, minimum: number): Promise<CounterRow[]> {
  return waitFor(`uplinks of ${minimum} devices counted by « Santé du réseau »`, async () => {
    const res = await fetch(`${platform.httpUrl}/context/node/lorawan-health-ingest/etat`);
    if (res.status !== 200) return undefined;
    const body = await res.json() as { msg?: string };
    const devices = body.msg ? (JSON.parse(body.msg) as { devices: CounterRow[] }).devices : [];
    return devices.length >= minimum ? devices : undefined;
  }, 45000);
}

/** Quantities stored in the embedded SQLite time series, with the fields each has. */
async function storedQuantities(userDir: string, wanted: string[]): Promise<Map<string, Set<string>>> {
  const file = path.join(userDir, 'timeseries.sqlite');
  return waitFor(`decoded readings of ${wanted.join(', ')} in ${file}`, async () => {
    if (!fs.existsSync(file)) return undefined;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT DISTINCT measurement, field FROM points').all() as { measurement: string; field: string }[];
      const found = new Map<string, Set<string>>();
      for (const row of rows) found.set(row.measurement, (found.get(row.measurement) ?? new Set()).add(row.field));
      return wanted.every((q) => found.has(q)) ? found : undefined;
    } catch {
      return undefined; // the table is not created yet
    } finally {
      db.close();
    }
  }, 45000);
}

describe('platform end to end (npm start)', function () {
  this.timeout(120000);
  let platform: RunningPlatform | undefined;
  let mosquitto: MqttService | undefined;
  let influx: InfluxService | undefined;

  afterEach(async function () {
    if (platform) {
      const code = await platform.stop();
      platform = undefined;
      assert.equal(code, 0, 'Ctrl-C stops the platform cleanly');
    }
    if (mosquitto) { await mosquitto.stop(); mosquitto = undefined; }
    if (influx) { await influx.stop(); influx = undefined; }
  });

  it('runs on embedded defaults: editor, dashboard, embedded broker and simulated uplinks through lorawan-event', async function () {
    // The wanted broker port is taken, as on a machine that already runs Mosquitto: start must move on.
    const busy = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    const busyPort = (busy.address() as net.AddressInfo).port;
    try {
      platform = await startPlatform({ SUPERVISOR_MQTT_PORT: String(busyPort), SUPERVISOR_SIMULATOR_SPEED: '600' });
      const output = platform.output();
      assert.match(output, new RegExp(`port ${busyPort} \\(embedded MQTT broker\\) is taken: using \\d+ instead`));
      assert.match(output, /\[supervisor\] dashboard\s+http:\/\/127\.0\.0\.1:\d+\/dashboard/);
      assert.match(output, /first start: \d+ nodes from flows\/ and dashboards\/ written/);

      const editor = await fetch(`${platform.httpUrl}/`);
      assert.equal(editor.status, 200);
      const dashboard = await fetch(`${platform.httpUrl}/dashboard/capteurs`);
      assert.equal(dashboard.status, 200);
      assert.match(await dashboard.text(), /<div id="app"|<html/i);

      const flows = await (await fetch(`${platform.httpUrl}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })).json() as { flows: { type: string }[] };
      const types = new Set(flows.flows.map((n) => n.type));
      assert.ok(types.has('lorawan-event') && types.has('lorawan-simulator') && types.has('ui-table'));

      const counts = await countedDevices(platform, Math.min(10, fleetSize()));
      for (const row of Object.values(counts)) {
        assert.match(row.devEui, /^[0-9a-f]{16}$/);
        assert.ok(row.uplinks >= 1);
      }
      // The broker itself answers on the printed URL: an outside client sees the simulated events.
      const brokerUrl = /\[supervisor\] MQTT broker (mqtt:\S+)/.exec(platform.output())![1];
      const client = await mqtt.connectAsync(brokerUrl);
      try {
        await client.subscribeAsync('application/+/device/+/event/up');
        const event = await new Promise<{ deviceInfo: { devEui: string } }>((resolve) => client.once('message', (_t, p) => resolve(JSON.parse(p.toString()))));
        assert.match(event.deviceInfo.devEui, /^[0-9a-f]{16}$/);
      } finally {
        await client.endAsync();
      }
      // Decoded and stored: water m3, electricity Wh (index and consumption), lamp level, CO2.
      const stored = await storedQuantities(platform.userDir, ['water_volume', 'active_energy', 'light_level', 'co2', 'temperature']);
      assert.ok(stored.get('active_energy')!.has('index') && stored.get('active_energy')!.has('delta'));
      assert.ok(stored.get('co2')!.has('value'));
      // Crossed with the meter registry: every stored series carries its site, commune, fluid (and building).
      const db = new Database(path.join(platform.userDir, 'timeseries.sqlite'), { readonly: true });
      try {
        const series = db.prepare('SELECT DISTINCT series FROM points').all() as { series: string }[];
        assert.ok(series.length > 10);
        for (const { series: tags } of series) {
          const parsed = JSON.parse(tags) as Record<string, string>;
          assert.ok(parsed.site && parsed.commune && parsed.fluid, `series without site/commune/fluid tags: ${tags}`);
          // Lighting cabinets stand in the street: only metered buildings have a building id.
          if (parsed.fluid !== 'lighting') assert.ok(parsed.building, `series without a building tag: ${tags}`);
        }
      } finally {
        db.close();
      }
      assert.doesNotMatch(platform.output(), /Waiting for missing types|types manquants|Cannot find module|\[error\]/);
    } finally {
      busy.close();
    }
  });

  it('never overwrites an existing user flow file', async function () {
    platform = await startPlatform({ SUPERVISOR_MQTT_PORT: String(await freePort()), SUPERVISOR_SIMULATOR: 'off' });
    const flowFile = path.join(platform.userDir, 'flows.json');
    assert.equal(await platform.stop(), 0);
    const userDir = platform.userDir;
    platform = undefined;

    const edited = JSON.parse(fs.readFileSync(flowFile, 'utf8'));
    edited.push({ id: 'user-note', type: 'comment', z: 'tab-ingest', name: 'Note d\u2019un agent', info: '', x: 600, y: 300, wires: [] });
    fs.writeFileSync(flowFile, JSON.stringify(edited, null, 4));
    platform = await startPlatform({ SUPERVISOR_MQTT_PORT: String(await freePort()), SUPERVISOR_SIMULATOR: 'off' }, userDir);
    assert.match(platform.output(), /using the existing flow file/);
    const kept = JSON.parse(fs.readFileSync(flowFile, 'utf8'));
    assert.ok(kept.some((n: { id: string }) => n.id === 'user-note'));
  });

  it('uses an external broker when SUPERVISOR_MQTT_URL is set (a real Mosquitto)', async function () {
    mosquitto = await startMosquitto();
    platform = await startPlatform({ SUPERVISOR_MQTT_URL: mosquitto.url, SUPERVISOR_SIMULATOR: 'on', SUPERVISOR_SIMULATOR_SPEED: '600' });
    assert.match(platform.output(), new RegExp(`MQTT broker ${mosquitto.url.replace(/[.]/g, '\\.')}\\s`));
    assert.doesNotMatch(platform.output(), /\(embedded\)/);
    await countedDevices(platform, Math.min(10, fleetSize()));
  });

  it('stores the decoded readings in InfluxDB when SUPERVISOR_TIMESERIES_URL is set (a real influxd)', async function () {
    influx = await startInfluxDb();
    platform = await startPlatform({
      SUPERVISOR_MQTT_PORT: String(await freePort()), SUPERVISOR_SIMULATOR_SPEED: '600', SUPERVISOR_TIMESERIES_URL: `${influx.url}/territoire`,
    });
    const count = await waitFor('active_energy points in InfluxDB database "territoire"', async () => {
      const res = await fetch(`${influx!.url}/query?db=territoire&q=${encodeURIComponent('SELECT count("index") FROM active_energy')}`);
      const body = await res.json() as { results: { series?: { values: [string, number][] }[] }[] };
      const n = body.results[0]?.series?.[0]?.values[0]?.[1];
      return n && n > 0 ? n : undefined;
    }, 45000);
    assert.ok(count > 0);
    assert.ok(!fs.existsSync(path.join(platform.userDir, 'timeseries.sqlite')), 'nothing goes to the embedded SQLite');
  });
});
