import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadArcgis } from '../../nodes/lib/reference/arcgis';
import { loadCsv } from '../../nodes/lib/reference/csv';
import { loadJson } from '../../nodes/lib/reference/json';

const TOKEN = 's3cret-token';
const FEATURES = [
  { attributes: { OBJECTID: 1, lampId: 'L1', power: 70 }, geometry: { x: 0.34, y: 46.58 } },
  { attributes: { OBJECTID: 2, lampId: 'L2', power: 100 }, geometry: { x: 0.35, y: 46.59 } },
  { attributes: { OBJECTID: 3, lampId: 'L3', power: 150 }, geometry: { x: 0.36, y: 46.6 } },
  { attributes: { OBJECTID: 4, lampId: 'L4', power: 35 }, geometry: { paths: [[[0.1, 46.1], [0.2, 46.2]]] } },
  { attributes: { OBJECTID: 5, lampId: 'L5', power: 70 }, geometry: { x: 0.37, y: 46.61 } },
];

describe('reference loaders over HTTP (JSON API, ArcGIS REST)', function () {
  let server: http.Server;
  let base: string;
  const queries: URLSearchParams[] = [];

  before(async function () {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const json = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (url.pathname === '/api/buildings') {
        if (req.headers['x-api-key'] !== 'k-123') return json(401, { message: 'bad key' });
        return json(200, { data: { total: 2, items: [
          { id: 'B1', name: 'Mairie', address: { city: 'Poitiers', zip: '86000' }, surface: 1200 },
          { id: 'B2', name: 'Gymnase', address: { city: 'Buxerolles', zip: '86180' }, surface: 800 },
        ] } });
      }
      if (url.pathname === '/files/sites.csv') {
        if (req.headers.authorization !== 'Bearer abc') return json(403, {});
        res.writeHead(200, { 'content-type': 'text/csv' });
        return res.end('siteId;surface\nS1;12,5\n');
      }
      if (url.pathname === '/arcgis/rest/services/Eclairage/FeatureServer/0' || url.pathname === '/arcgis/rest/services/Eclairage/FeatureServer/0/query') {
        if (url.searchParams.get('token') !== TOKEN) return json(200, { error: { code: 498, message: 'Invalid token.', details: [] } });
        if (!url.pathname.endsWith('/query')) return json(200, { name: 'Lampes', maxRecordCount: 2, fields: [{ name: 'OBJECTID' }, { name: 'lampId' }, { name: 'power' }] });
        queries.push(url.searchParams);
        const where = url.searchParams.get('where');
        if (where === 'bad') return json(200, { error: { code: 400, message: 'Unable to complete operation.', details: ['Invalid where clause'] } });
        const offset = Number(url.searchParams.get('resultOffset') ?? 0);
        const count = Math.min(Number(url.searchParams.get('resultRecordCount') ?? 2), 2);
        const page = FEATURES.slice(offset, offset + count);
        const exceeded = offset + page.length < FEATURES.length;
        if (url.searchParams.get('f') === 'geojson') {
          return json(200, {
            type: 'FeatureCollection',
            features: page.map((f) => ({ type: 'Feature', id: f.attributes.OBJECTID, properties: f.attributes,
              geometry: 'x' in f.geometry ? { type: 'Point', coordinates: [f.geometry.x, f.geometry.y] } : { type: 'LineString', coordinates: f.geometry.paths[0] } })),
            ...(exceeded ? { properties: { exceededTransferLimit: true } } : {}),
          });
        }
        return json(200, { features: page, ...(exceeded ? { exceededTransferLimit: true } : {}) });
      }
      json(404, { message: 'not found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(function () { queries.length = 0; });

  it('loads JSON rows at a JSONPath with an auth header, flattening nested fields', async function () {
    const table = await loadJson({ name: 'bâtiments', url: `${base}/api/buildings`, keyColumn: 'id', rowPath: '$.data.items[*]', headerName: 'X-API-Key', headerValue: 'k-123' });
    assert.deepEqual(table.columns, ['id', 'name', 'address.city', 'address.zip', 'surface']);
    assert.equal(table.rows.get('B2')?.['address.city'], 'Buxerolles');
    assert.equal(table.rows.get('B1')?.surface, 1200);
    const dotted = await loadJson({ name: 'b', url: `${base}/api/buildings`, keyColumn: 'id', rowPath: 'data.items', headerName: 'X-API-Key', headerValue: 'k-123' });
    assert.equal(dotted.list.length, 2);
  });

  it('names the URL on an authentication failure and a bad row path', async function () {
    await assert.rejects(loadJson({ name: 'b', url: `${base}/api/buildings`, keyColumn: 'id', rowPath: '$.data.items[*]', headerName: 'X-API-Key', headerValue: 'wrong' }),
      /JSON source http:\/\/127\.0\.0\.1:\d+\/api\/buildings: HTTP 401 .*check the credentials/);
    await assert.rejects(loadJson({ name: 'b', url: `${base}/api/buildings`, keyColumn: 'id', rowPath: '$.data.total', headerName: 'X-API-Key', headerValue: 'k-123' }),
      /row path "\$\.data\.total" must select an array of objects, not number/);
  });

  it('loads a CSV over HTTP with a header', async function () {
    const table = await loadCsv({ name: 'sites', location: `${base}/files/sites.csv`, keyColumn: 'siteId', headers: { Authorization: 'Bearer abc' } });
    assert.equal(table.rows.get('S1')?.surface, 12.5);
    await assert.rejects(loadCsv({ name: 'sites', location: `${base}/files/sites.csv`, keyColumn: 'siteId' }), /HTTP 403/);
  });

  it('pages an ArcGIS layer (f=json) by maxRecordCount until exceededTransferLimit is false', async function () {
    const table = await loadArcgis({ name: 'lampes', url: `${base}/arcgis/rest/services/Eclairage/FeatureServer/0`, keyColumn: 'lampId', token: TOKEN, pageSize: 1000 });
    assert.equal(table.list.length, 5);
    assert.deepEqual(queries.map((q) => [q.get('resultOffset'), q.get('resultRecordCount')]), [['0', '2'], ['2', '2'], ['4', '2']]);
    assert.equal(queries[0].get('f'), 'json');
    assert.equal(queries[0].get('where'), '1=1');
    assert.equal(queries[0].get('outFields'), '*');
    assert.equal(table.rows.get('L1')?.longitude, 0.34);
    assert.equal(table.rows.get('L1')?.latitude, 46.58);
    assert.deepEqual(table.rows.get('L4')?.geometry, { type: 'LineString', coordinates: [[0.1, 46.1], [0.2, 46.2]] });
    assert.deepEqual(table.columns.slice(0, 3), ['OBJECTID', 'lampId', 'power']);
  });

  it('pages an ArcGIS layer with f=geojson', async function () {
    const table = await loadArcgis({ name: 'lampes', url: `${base}/arcgis/rest/services/Eclairage/FeatureServer/0/`, keyColumn: 'lampId', token: TOKEN, format: 'geojson' });
    assert.equal(table.list.length, 5);
    assert.equal(queries.length, 3);
    assert.equal(queries[0].get('f'), 'geojson');
    assert.equal(table.rows.get('L5')?.latitude, 46.61);
    assert.deepEqual(table.rows.get('L4')?.geometry, { type: 'LineString', coordinates: [[0.1, 46.1], [0.2, 46.2]] });
  });

  it('turns ArcGIS error objects (HTTP 200) into clear errors, without the token', async function () {
    await assert.rejects(loadArcgis({ name: 'lampes', url: `${base}/arcgis/rest/services/Eclairage/FeatureServer/0`, keyColumn: 'lampId', token: 'wrong' }),
      (err: Error) => /error 498 Invalid token\. — check the ArcGIS token/.test(err.message) && !err.message.includes('wrong'));
    await assert.rejects(loadArcgis({ name: 'lampes', url: `${base}/arcgis/rest/services/Eclairage/FeatureServer/0`, keyColumn: 'lampId', token: TOKEN, where: 'bad' }),
      (err: Error) => /error 400 Unable to complete operation\. \(Invalid where clause\)/.test(err.message) && !err.message.includes(TOKEN));
  });
});
