/**
 * sensor-registry (with data-charter) in a running Node-RED: the register page and JSON fetched
 * over real HTTP, the whole fleet of data/devices.csv listed, personal sensors' coordinates rounded,
 * caching headers, routes removed on close, an invalid charter reported.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { parseCsv } from '../../nodes/lib/csv';
import { serveHttpNode } from '../support/http-node';
import { builtNode, helper } from '../support/nodered';

const dataCharter = builtNode('data-charter') as NodeInitializer;
const sensorRegistry = builtNode('sensor-registry') as NodeInitializer;
type FlowItem = TestFlowsItem & Record<string, unknown>;

const devices = parseCsv(fs.readFileSync(path.resolve(__dirname, '../../data/devices.csv'), 'utf8')).rows;

function flow(extra: Record<string, unknown> = {}, charter: Record<string, unknown> = {}): FlowItem[] {
  return [
    { id: 'tab', type: 'tab', label: 'registre' },
    { id: 'charte-cfg', type: 'data-charter', name: 'charte de test', file: '', ...charter },
    { id: 'reg', type: 'sensor-registry', z: 'tab', name: 'registre', charter: 'charte-cfg', path: '/opendata', wires: [['out']], ...extra },
    { id: 'out', type: 'helper', z: 'tab' },
  ] as FlowItem[];
}

describe('sensor-registry node', function () {
  before(async function () {
    await helper.startServer();
    serveHttpNode();
  });
  after(async function () {
    await helper.stopServer();
  });
  afterEach(async function () {
    await helper.unload();
  });

  it('serves the register as JSON over HTTP, with every sensor of devices.csv and caching headers', async function () {
    await helper.load([dataCharter, sensorRegistry], flow());
    const res = await fetch(`${helper.url()}/opendata/registre.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(res.headers.get('cache-control') ?? '', /max-age=300/);
    const etag = res.headers.get('etag');
    assert.ok(etag);
    const body = await res.json() as { nombreDeCapteurs: number; capteurs: Array<Record<string, any>> };
    assert.equal(devices.length, 32);
    assert.equal(body.nombreDeCapteurs, devices.length);
    assert.deepEqual(body.capteurs.map((c) => c.devEui).sort(), devices.map((d) => d.devEui).sort());

    const byEui = new Map(body.capteurs.map((c) => [c.devEui, c]));
    const linky = byEui.get('70b3d5e75e00a101');
    assert.equal(linky?.donneesPersonnelles, false);
    assert.equal(linky?.lieu.latitude, 46.5841, 'a non-personal sensor keeps its exact position');
    assert.equal(linky?.lieu.longitude, 0.3386);
    assert.equal(linky?.flux.id, 'energie-batiments-publics');
    assert.deepEqual(linky?.mesure.map((m: { libelle: string }) => m.libelle).slice(0, 1), ['énergie électrique active']);
    assert.equal(linky?.destination, 'Consommations quotidiennes d\'énergie et d\'eau des bâtiments publics');
    assert.equal(linky?.equipement, 'CPT-ELEC-POI-0412-01');

    const co2 = byEui.get('00137a1000013c03');
    assert.equal(co2?.donneesPersonnelles, true);
    assert.equal(co2?.lieu.latitude, 46.57, 'a personal sensor is placed at about 1 km');
    assert.equal(co2?.lieu.longitude, 0.33);
    assert.match(co2?.lieu.precision, /arrondie/);
    assert.equal(co2?.destination, 'usage interne');
    assert.ok(co2?.mesure.some((m: { grandeur: string }) => m.grandeur === 'co2'));

    assert.equal(byEui.get('70b3d5e75e00a108')?.proprietaire.nom, 'AéroLab (start-up hébergée au tiers-lieu COBALT)');
    assert.equal(byEui.get('24e124445d01f801')?.proprietaire.nom, 'Commune de Migné-Auxances');
    for (const c of body.capteurs) {
      assert.ok(c.mesure.length > 0, `${c.devEui} measures something`);
      assert.ok(c.finalite && c.depuis && c.conservation, `${c.devEui} has a purpose, a start and a retention`);
    }

    const reg = helper.getNode('reg');
    const statuses = (reg.status as unknown as { getCalls(): Array<{ thisValue: unknown; args: any[] }> }).getCalls()
      .filter((call) => call.thisValue === reg).map((call) => call.args[0]);
    assert.deepEqual(statuses.at(-1), { fill: 'green', shape: 'dot', text: '32 sensors' });

    const again = await fetch(`${helper.url()}/opendata/registre.json`, { headers: { 'If-None-Match': etag as string } });
    assert.equal(again.status, 304);
  });

  it('serves an accessible French HTML page listing every sensor', async function () {
    await helper.load([dataCharter, sensorRegistry], flow());
    const res = await fetch(`${helper.url()}/opendata/registre`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.ok(res.headers.get('etag'));
    assert.match(res.headers.get('cache-control') ?? '', /public/);
    const html = await res.text();
    assert.match(html, /<html lang="fr">/);
    assert.match(html, /<caption>Registre des capteurs \(32\)<\/caption>/);
    assert.match(html, /<th scope="col">Données personnelles<\/th>/);
    assert.doesNotMatch(html, /<(script|link)\b|src="http/i, 'no script and no external asset');
    for (const device of devices) assert.ok(html.includes(`id="capteur-${device.devEui}"`), `${device.devEui} is on the page`);
    assert.ok(html.includes('Hôtel de Ville de Poitiers'));
    assert.ok(html.includes('href="registre.json"'));
  });

  it('rebuilds on a message, adding the published datasets, and removes its routes on close', async function () {
    await helper.load([dataCharter, sensorRegistry], flow({ path: 'donnees/' }));
    const out = helper.getNode('out');
    const received = new Promise<any>((resolve) => out.on('input', resolve));
    helper.getNode('reg').receive({ payload: 'rebuild', datasets: [{ id: 'qualite-air-ecoles', titre: 'Qualité de l\'air des écoles', flux: 'eclairage-public', url: '/donnees/qualite-air-ecoles.csv' }] } as never);
    const msg = await received;
    const cabinet = msg.payload.capteurs.find((c: { devEui: string }) => c.devEui === '24e124445d01f601');
    assert.deepEqual(cabinet.destinations.map((d: { id: string }) => d.id), ['eclairage-public-consommation', 'qualite-air-ecoles']);
    const res = await fetch(`${helper.url()}/donnees/registre.json`);
    assert.equal(res.status, 200);
    assert.equal((await fetch(`${helper.url()}/opendata/registre.json`)).status, 404);
    await helper.unload();
    assert.equal((await fetch(`${helper.url()}/donnees/registre.json`)).status, 404, 'the route is gone after close');
  });

  it('reports an invalid charter in its status and answers 503', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-registre-'));
    try {
      const file = path.join(dir, 'charte.json');
      const json = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../data/charte-donnees.json'), 'utf8'));
      json.flux[0].granularite.granulariteMinimale = 'souvent';
      fs.writeFileSync(file, JSON.stringify(json));
      await helper.load([dataCharter, sensorRegistry], flow({}, { file }));
      const reg = helper.getNode('reg');
      const res = await fetch(`${helper.url()}/opendata/registre.json`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /energie-batiments-publics.*granularite\.granulariteMinimale/);
      const charter = helper.getNode('charte-cfg') as unknown as { charter(): unknown };
      assert.throws(() => charter.charter(), /charte de la donnée est inutilisable|data charter cannot be used/);
      const statuses = (reg.status as unknown as { getCalls(): Array<{ thisValue: unknown; args: any[] }> }).getCalls()
        .filter((call) => call.thisValue === reg).map((call) => call.args[0]);
      assert.ok(statuses.some((s) => s.fill === 'red' && s.text === 'invalid charter'), 'the charter state is shown on its user');
      assert.deepEqual(statuses.at(-1), { fill: 'red', shape: 'ring', text: 'register unavailable' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
