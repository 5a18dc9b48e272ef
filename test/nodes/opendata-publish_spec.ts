/**
 * opendata-publish in a running runtime (node-red-node-test-helper with its HTTP server): a REAL
 * SQLite time-series store filled with points, the real buildings reference-source (CSV), the real
 * data-charter (data/charte-donnees.json), opendata-dataset config nodes; publication, then the
 * endpoints fetched over real HTTP (catalog, CSV/JSON/GeoJSON, datapackage.json validated with
 * tableschema, DCAT-AP, caching headers, 304), the folder destination, charter refusals naming the
 * rule and the dataset, and the routes removed on close.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import type { TimeseriesDbNode } from '../../nodes/lib/timeseries/db-node';
import type { Point } from '../../nodes/lib/timeseries/types';
import { serveHttpNode } from '../support/http-node';
import { startOpendatasoftServer } from '../support/opendata-servers';
import { builtNode, helper, received, until } from '../support/nodered';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Table } = require('tableschema');

const timeseriesDb = builtNode('timeseries-db') as NodeInitializer;
const referenceSource = builtNode('reference-source') as NodeInitializer;
const dataCharter = builtNode('data-charter') as NodeInitializer;
const opendataDataset = builtNode('opendata-dataset') as NodeInitializer;
const opendataPublish = builtNode('opendata-publish') as NodeInitializer;
const opendataDestination = builtNode('opendata-destination') as NodeInitializer;
const NODES = [timeseriesDb, referenceSource, dataCharter, opendataDataset, opendataPublish, opendataDestination];

type FlowItem = TestFlowsItem & Record<string, unknown>;
type Msg = Record<string, any>;

const HOUR = 3600000;
const BUILDINGS = [
  'site,buildingId,name,usage,heatedAreaM2,address,postcode,commune,latitude,longitude,heatingFluid,tenant',
  'mairie,BAT-1,"Mairie, annexe",bureau,900,1 rue A,86000,Poitiers,46.5804,0.3402,gas,grand-poitiers',
  'ecole,BAT-2,École Jules Ferry,enseignement,1200,2 rue B,86000,Poitiers,46.5900,0.3500,gas,grand-poitiers',
  'gymnase,BAT-3,Gymnase,sport,2000,3 rue C,86440,Migné-Auxances,46.6300,0.3100,gas,grand-poitiers',
].join('\n');

function flow(publish: Record<string, unknown> = {}): FlowItem[] {
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'db', type: 'timeseries-db', url: 'sqlite:ts.sqlite' },
    { id: 'bat', type: 'reference-source', name: 'bâtiments', kind: 'csv', location: 'BUILDINGS', keyColumn: 'site' },
    { id: 'charte', type: 'data-charter' },
    {
      id: 'ds1', type: 'opendata-dataset', slug: 'eau-batiments', title: 'Eau des bâtiments publics', description: 'Consommation d\'eau quotidienne par bâtiment.',
      stream: 'energie-batiments-publics', db: 'db', buildings: 'bat', quantity: 'water_volume', field: 'delta', interval: '1d', start: '-3d', level: 'building', licence: 'etalab-2.0',
    },
    {
      id: 'ds2', type: 'opendata-dataset', slug: 'eau-communes', title: 'Eau par commune', description: 'Consommation d\'eau quotidienne par commune.',
      stream: 'energie-batiments-publics', db: 'db', buildings: 'bat', quantity: 'water_volume', field: 'delta', interval: '1d', start: '-3d', level: 'commune',
    },
    { id: 'pub', type: 'opendata-publish', dataset1: 'ds1', dataset2: 'ds2', charter: 'charte', http: true, basePath: '/opendata', folder: 'export', cacheSeconds: 600, ...at, ...publish, wires: [['out']] },
    { id: 'out', type: 'helper', ...at },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];
}

/** Hourly water deltas over the last 2 days: mairie 1 m³/h, école 2 m³/h, gymnase 4 m³/h. */
function points(now: number): Point[] {
  const out: Point[] = [];
  const hour = Math.floor(now / HOUR) * HOUR;
  for (let i = 1; i <= 48; i++) {
    const t = hour - i * HOUR;
    out.push({ measurement: 'water_volume', tags: { tenant: 'gp', devEui: 'a1', site: 'mairie' }, fields: { delta: 1 }, time: t });
    out.push({ measurement: 'water_volume', tags: { tenant: 'gp', devEui: 'b2', site: 'ecole' }, fields: { delta: 2 }, time: t });
    out.push({ measurement: 'water_volume', tags: { tenant: 'gp', devEui: 'c3', site: 'gymnase' }, fields: { delta: 4 }, time: t });
  }
  return out;
}

describe('opendata-publish node (real SQLite store, real HTTP)', function () {
  this.timeout(20000);
  let userDir: string;
  let buildingsFile: string;

  before(async () => {
    await helper.startServer();
    serveHttpNode();
  });
  after(async () => {
    await helper.stopServer();
  });

  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opendata-publish-'));
    buildingsFile = path.join(userDir, 'buildings.csv');
    fs.writeFileSync(buildingsFile, BUILDINGS, 'utf8');
    helper.settings({ userDir });
  });

  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  async function start(publish: Record<string, unknown> = {}, extra: FlowItem[] = [], credentials: Record<string, unknown> = {}): Promise<{ out: Msg[]; caught: Msg[] }> {
    const items = [...flow(publish).map((item) => (item.id === 'bat' ? { ...item, location: buildingsFile } : item)), ...extra];
    await helper.load(NODES, items, credentials);
    const db = helper.getNode('db') as unknown as TimeseriesDbNode;
    const backend = await db.acquire({ id: 'spec' });
    const written = await backend.write(points(Date.now()));
    assert.equal(written.rejected.length, 0);
    await db.release({ id: 'spec' });
    return { out: received('out'), caught: received('caught') };
  }

  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${helper.url()}${p}`, { headers });

  it('publishes, serves the catalog and the files over HTTP, and refuses what the charter forbids', async () => {
    const { out, caught } = await start();
    helper.getNode('pub').receive({ payload: 'now' });
    await until('the publication log', () => out.length === 1);
    await until('the charter refusal', () => caught.length === 1);

    // The log: building level published to both destinations; commune level refused (2 sites in Poitiers).
    const entries = out[0].payload as Array<Record<string, string>>;
    const ok = entries.filter((e) => e.dataset === 'eau-batiments');
    assert.deepEqual(ok.map((e) => [e.destination, e.result]), [['http:/opendata', 'ok'], [`folder:${path.join(userDir, 'export')}`, 'ok']]);
    assert.ok(!Number.isNaN(Date.parse(ok[0].at)));
    const refused = entries.filter((e) => e.dataset === 'eau-communes');
    assert.deepEqual(refused.map((e) => [e.destination, e.result]), [['charter', 'refused']]);
    assert.match(refused[0].detail, /secret-statistique-3/);
    const error = caught[0].error as { message: string };
    assert.match(error.message, /eau-communes/);
    assert.match(error.message, /secret-statistique-3/);

    // Catalog page in French, linking the files and the sensor register.
    const catalog = await get('/opendata/');
    assert.equal(catalog.status, 200);
    assert.match(catalog.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    const html = await catalog.text();
    assert.match(html, /<html lang="fr">/);
    assert.match(html, /Eau des bâtiments publics/);
    assert.match(html, /href="\/opendata\/eau-batiments\.csv"/);
    assert.match(html, /href="\/opendata\/eau-batiments\/datapackage\.json"/);
    assert.match(html, /href="\/opendata\/registre"/);
    assert.match(html, /Licence Ouverte/);
    assert.match(html, /pas encore publié/, 'the refused dataset is listed as not published');

    // CSV with caching headers, validated against the published Table Schema.
    const csvResponse = await get('/opendata/eau-batiments.csv');
    assert.equal(csvResponse.status, 200);
    assert.equal(csvResponse.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(csvResponse.headers.get('cache-control'), 'public, max-age=600');
    const etag = csvResponse.headers.get('etag') ?? '';
    const lastModified = csvResponse.headers.get('last-modified') ?? '';
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    assert.ok(Number.isFinite(Date.parse(lastModified)));
    const csv = await csvResponse.text();
    assert.equal(csv.split('\r\n')[0], 'date,site,nom,usage,commune,latitude,longitude,valeur');

    const pkgResponse = await get('/opendata/eau-batiments/datapackage.json');
    assert.equal(pkgResponse.status, 200);
    assert.match(pkgResponse.headers.get('content-type') ?? '', /^application\/json/);
    const pkg = await pkgResponse.json() as Record<string, any>;
    assert.equal(pkg.name, 'eau-batiments');
    assert.equal(pkg.resources[0].path, '/opendata/eau-batiments.csv');
    const csvFile = path.join(userDir, 'served.csv');
    fs.writeFileSync(csvFile, csv);
    const table = await Table.load(csvFile, { schema: pkg.resources[0].schema });
    const rows = await table.read({ keyed: true }) as Array<Record<string, any>>;
    assert.ok(rows.length >= 6 && rows.length <= 9, `3 sites × 2–3 days, got ${rows.length}`);
    assert.deepEqual([...new Set(rows.map((r) => r.site))].sort(), ['ecole', 'gymnase', 'mairie']);
    const mairie = rows.filter((r) => r.site === 'mairie');
    assert.equal(mairie[0].nom, 'Mairie, annexe');
    assert.equal(mairie.reduce((a, r) => a + Number(r.valeur), 0), 48, 'every hourly delta of the mairie, summed per day');
    assert.equal(rows.filter((r) => r.site === 'gymnase').reduce((a, r) => a + Number(r.valeur), 0), 192);

    // Conditional requests.
    assert.equal((await get('/opendata/eau-batiments.csv', { 'If-None-Match': etag })).status, 304);
    assert.equal((await get('/opendata/eau-batiments.csv', { 'If-Modified-Since': lastModified })).status, 304);
    assert.equal((await get('/opendata/eau-batiments.csv', { 'If-None-Match': '"other"' })).status, 200);

    // JSON, GeoJSON, DCAT-AP.
    const json = await (await get('/opendata/eau-batiments.json')).json() as Array<Record<string, unknown>>;
    assert.equal(json.length, rows.length);
    const geoResponse = await get('/opendata/eau-batiments.geojson');
    assert.equal(geoResponse.headers.get('content-type'), 'application/geo+json; charset=utf-8');
    const geo = await geoResponse.json() as Record<string, any>;
    assert.equal(geo.type, 'FeatureCollection');
    assert.equal(geo.features.length, rows.length);
    assert.deepEqual(geo.features.find((f: any) => f.properties.site === 'gymnase').geometry, { type: 'Point', coordinates: [0.31, 46.63] });
    const dcatResponse = await get('/opendata/eau-batiments/dcat.jsonld');
    assert.equal(dcatResponse.headers.get('content-type'), 'application/ld+json; charset=utf-8');
    const dcat = await dcatResponse.json() as Record<string, any>;
    assert.equal(dcat['@type'], 'dcat:Dataset');
    assert.equal(dcat['dct:title']['@value'], 'Eau des bâtiments publics');
    assert.ok(dcat['dcat:distribution'].some((d: any) => d['dcat:downloadURL']['@id'] === '/opendata/eau-batiments.geojson'));

    // The refused dataset is not served; unknown paths fall through.
    assert.equal((await get('/opendata/eau-communes.csv')).status, 404);
    assert.equal((await get('/opendata/eau-communes/dcat.jsonld')).status, 404);
    assert.equal((await get('/opendata/autre-chose.csv')).status, 404);

    // The folder destination.
    const exported = path.join(userDir, 'export');
    assert.equal(fs.readFileSync(path.join(exported, 'eau-batiments.csv'), 'utf8'), csv);
    assert.ok(fs.existsSync(path.join(exported, 'eau-batiments.geojson')));
    assert.equal(JSON.parse(fs.readFileSync(path.join(exported, 'eau-batiments', 'datapackage.json'), 'utf8')).name, 'eau-batiments');
    assert.ok(fs.existsSync(path.join(exported, 'eau-batiments', 'dcat.jsonld')));
    assert.ok(!fs.existsSync(path.join(exported, 'eau-communes.csv')), 'nothing written for a refused dataset');
  });

  it('publishes one dataset on msg.dataset, and rejects an unknown one', async () => {
    const { out, caught } = await start({ folder: '' });
    helper.getNode('pub').receive({ dataset: 'eau-batiments' });
    await until('the publication log', () => out.length === 1);
    assert.deepEqual(out[0].payload.map((e: Msg) => [e.dataset, e.destination, e.result]), [['eau-batiments', 'http:/opendata', 'ok']]);
    assert.equal(caught.length, 0);
    helper.getNode('pub').receive({ dataset: 'inconnu' });
    await until('the error', () => caught.length === 1);
    assert.match(caught[0].error.message, /"inconnu"/);
    assert.match(caught[0].error.message, /eau-batiments, eau-communes/);
    assert.equal(out.length, 1);
  });

  it('refuses every publication without a charter', async () => {
    const { out, caught } = await start({ charter: '', folder: '' });
    helper.getNode('pub').receive({ dataset: 'eau-batiments' });
    await until('the refusal', () => caught.length === 1);
    assert.match(caught[0].error.message, /eau-batiments/);
    assert.match(caught[0].error.message, /charter/);
    assert.equal(out[0].payload[0].result, 'refused');
    assert.equal((await get('/opendata/eau-batiments.csv')).status, 404);
  });

  it('removes its routes when the flow stops', async () => {
    const { out } = await start({ folder: '' });
    helper.getNode('pub').receive({});
    await until('the publication log', () => out.length === 1);
    assert.equal((await get('/opendata/eau-batiments.csv')).status, 200);
    await helper.unload();
    assert.equal((await get('/opendata/eau-batiments.csv')).status, 404);
    assert.equal((await get('/opendata/')).status, 404);
  });

  it('pushes the accepted datasets to an Opendatasoft destination, with the push key from the credentials', async () => {
    const server = await startOpendatasoftServer({ dataset: 'eau-batiments', resource: 'temps-reel', pushKey: 'push-secret' });
    try {
      const { out } = await start({ dataset2: '', destination1: 'ods' }, [
        { id: 'ods', type: 'opendata-destination', name: 'Opendatasoft', kind: 'opendatasoft', baseUrl: server.url, dataset: 'eau-batiments', resource: 'temps-reel', keyField: 'cle', keyColumns: '', maxRecords: '1000', timeout: '5', attempts: '2' } as FlowItem,
      ], { ods: { pushKey: 'push-secret' } });
      helper.getNode('pub').receive({ payload: 'go' } as never);
      await until('the publication log', () => out.length > 0, 15000);
      const log = out[0].payload as Array<{ dataset: string; destination: string; result: string; detail: string }>;
      const pushed = log.find((e) => e.destination.startsWith('opendatasoft'));
      assert.ok(pushed, JSON.stringify(log));
      assert.equal(pushed.result, 'ok', pushed.detail);
      // 3 buildings × the complete days of the window, each record once, keyed by site and date.
      assert.ok(server.records.size >= 3);
      for (const key of server.records.keys()) assert.match(key, /\|/);
      assert.equal(JSON.stringify(log).includes('push-secret'), false, 'the push key never appears in the log');
    } finally {
      await server.close();
    }
  });

  it('shows which dataset it is publishing while a slow destination answers, then the outcome', async () => {
    const server = await startOpendatasoftServer({ dataset: 'eau-batiments', resource: 'temps-reel', pushKey: 'push-secret' });
    server.failures.push({ hang: true }); // the first push is never answered: the 2-s timeout, then a retry
    try {
      const { out } = await start({ dataset2: '', destination1: 'ods' }, [
        { id: 'ods', type: 'opendata-destination', name: 'Opendatasoft', kind: 'opendatasoft', baseUrl: server.url, dataset: 'eau-batiments', resource: 'temps-reel', keyField: 'cle', keyColumns: '', maxRecords: '1000', timeout: '2', attempts: '2' } as FlowItem,
      ], { ods: { pushKey: 'push-secret' } });
      const pub = helper.getNode('pub');
      pub.receive({ payload: 'go' } as never);
      await until('the publication log', () => out.length > 0, 15000);
      const shown = () => (pub.status as unknown as { getCalls(): Array<{ args: Array<{ fill?: string; text?: string }> }> }).getCalls().map((c) => c.args[0]);
      assert.ok(shown().some((s) => s.fill === 'yellow' && s.text === 'publishing 1/1: eau-batiments'), JSON.stringify(shown()));
      await until('the final status', () => shown().at(-1)?.fill === 'green', 5000);
      assert.equal(shown().at(-1)?.text, '1 published');
      assert.equal(server.requestCount, 2, 'the hung push was retried once');
    } finally {
      await server.close();
    }
  });
});
