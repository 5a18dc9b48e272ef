/**
 * Open-data formats: CSV (RFC 4180), JSON, GeoJSON, datapackage.json and DCAT-AP JSON-LD. The CSV,
 * the JSON records, the GeoJSON properties and the data package's Table Schema are VALIDATED with
 * the Frictionless `tableschema` library (Table.load + read({keyed: true}) throws on invalid rows).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildFiles, csvCell, granularityDuration, isoDatetime, packageName, toCsv, toDataPackage, toDcat, toGeoJson, toJson } from '../../nodes/lib/opendata/formats';
import type { DatasetDescription, DatasetRows } from '../../nodes/lib/opendata/types';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Table, Schema } = require('tableschema');

const dataset: DatasetDescription = {
  id: 'consommation-eau-quotidienne',
  title: 'Consommation d\'eau quotidienne des bâtiments',
  description: 'Volume d\'eau consommé chaque jour par bâtiment public.',
  stream: 'consommation-batiments-publics',
  granularity: '1d',
  spatialLevel: 'building',
  quantities: ['water_volume'],
  fields: [
    { name: 'date', type: 'date', title: 'Date', description: 'Jour' },
    { name: 'horodatage', type: 'datetime', title: 'Horodatage', description: 'Début de période (UTC)' },
    { name: 'nom', type: 'string', title: 'Nom', description: 'Nom du bâtiment' },
    { name: 'latitude', type: 'number', title: 'Latitude', description: 'WGS 84', unit: 'deg' },
    { name: 'longitude', type: 'number', title: 'Longitude', description: 'WGS 84', unit: 'deg' },
    { name: 'nombre_sites', type: 'integer', title: 'Sites', description: 'Nombre de sites' },
    { name: 'valeur', type: 'number', title: 'Valeur', description: 'Volume', unit: 'm3' },
  ],
};

const rows: DatasetRows = {
  rows: [
    { date: '2025-01-15', horodatage: Date.parse('2025-01-14T23:00:00.000Z'), nom: 'COBALT – tiers-lieu, "Poitiers"', latitude: 46.5841, longitude: 0.3386, nombre_sites: 1, valeur: 1.25 },
    { date: '2025-01-15', horodatage: new Date('2025-01-14T23:00:00.000Z'), nom: 'Gymnase\nnord', latitude: '46.6', longitude: '0.35', nombre_sites: 1, valeur: 0 },
    { date: '2025-01-16', horodatage: '2025-01-15T23:00:00Z', nom: 'Sans position', latitude: null, longitude: undefined, nombre_sites: 1, valeur: null },
  ],
};

const options = { baseUrl: 'https://supervision.example.fr/opendata', licence: 'etalab-2.0', publishedAt: '2025-01-17T05:00:00Z', temporal: { start: '2025-01-14T23:00:00Z', end: '2025-01-15T23:00:00Z' }, frequency: 'daily' };

describe('opendata formats', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opendata-formats-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function readCsv(text: string, schema: unknown): Promise<Array<Record<string, unknown>>> {
    const file = path.join(dir, 'data.csv');
    fs.writeFileSync(file, text, 'utf8');
    const table = await Table.load(file, { schema });
    return table.read({ keyed: true });
  }

  it('quotes CSV cells as RFC 4180 says', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(2.5), '2.5');
    assert.equal(isoDatetime(Date.parse('2025-03-30T01:02:03.456Z')), '2025-03-30T01:02:03Z');
  });

  it('writes a CSV with the field names as header and ISO 8601 dates', () => {
    const csv = toCsv(dataset, rows);
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'date,horodatage,nom,latitude,longitude,nombre_sites,valeur');
    assert.equal(lines[1], '2025-01-15,2025-01-14T23:00:00Z,"COBALT – tiers-lieu, ""Poitiers""",46.5841,0.3386,1,1.25');
    assert.ok(csv.endsWith('\r\n'));
    assert.ok(!csv.startsWith('\uFEFF'), 'no BOM');
  });

  it('produces a CSV that validates against its data package Table Schema', async () => {
    const pkg = toDataPackage(dataset, options) as { resources: Array<{ schema: unknown }> };
    const schema = await Schema.load(pkg.resources[0].schema, { strict: true });
    assert.equal(schema.valid, true);
    const read = await readCsv(toCsv(dataset, rows), pkg.resources[0].schema);
    assert.equal(read.length, 3);
    assert.equal(read[0].nom, 'COBALT – tiers-lieu, "Poitiers"');
    assert.equal(read[1].nom, 'Gymnase\nnord');
    assert.equal(Number(read[0].valeur), 1.25);
    assert.equal((read[0].horodatage as Date).toISOString(), '2025-01-14T23:00:00.000Z');
    assert.equal(read[2].valeur, null);
    assert.equal(read[2].latitude, null);
  });

  it('the Table Schema rejects a CSV that breaks it (the validation can fail)', async () => {
    const pkg = toDataPackage(dataset, options) as { resources: Array<{ schema: unknown }> };
    const broken = toCsv(dataset, rows).replace('2025-01-14T23:00:00Z', '15/01/2025 00:00');
    await assert.rejects(readCsv(broken, pkg.resources[0].schema));
  });

  it('writes JSON records whose values cast against the Table Schema', async () => {
    const records = JSON.parse(toJson(dataset, rows)) as Array<Record<string, unknown>>;
    assert.equal(records.length, 3);
    assert.deepEqual(Object.keys(records[0]), dataset.fields.map((f) => f.name));
    assert.equal(records[1].horodatage, '2025-01-14T23:00:00Z');
    assert.equal(records[1].latitude, 46.6, 'numbers stay numbers');
    assert.equal(records[2].valeur, null);
    const pkg = toDataPackage(dataset, options) as { resources: Array<{ schema: unknown }> };
    const schema = await Schema.load(pkg.resources[0].schema);
    for (const record of records) {
      const cast = schema.castRow(dataset.fields.map((f) => (record[f.name] === null ? '' : record[f.name])));
      assert.equal(cast.length, dataset.fields.length);
    }
    assert.throws(() => schema.castRow(['pas une date', '', '', '', '', '', '']));
  });

  it('writes a GeoJSON FeatureCollection of Points (lon, lat), properties = the other fields', async () => {
    const geo = JSON.parse(toGeoJson(dataset, rows));
    assert.equal(geo.type, 'FeatureCollection');
    assert.equal(geo.features.length, 2, 'the row without coordinates is left out');
    assert.deepEqual(geo.features[0].geometry, { type: 'Point', coordinates: [0.3386, 46.5841] });
    assert.deepEqual(geo.features[1].geometry.coordinates, [0.35, 46.6]);
    assert.deepEqual(Object.keys(geo.features[0].properties), ['date', 'horodatage', 'nom', 'nombre_sites', 'valeur']);
    const propertySchema = { fields: dataset.fields.filter((f) => f.name !== 'latitude' && f.name !== 'longitude').map((f) => ({ name: f.name, type: f.type })) };
    const header = propertySchema.fields.map((f) => f.name);
    const table = await Table.load([header, ...geo.features.map((f: { properties: Record<string, unknown> }) => header.map((h) => f.properties[h] ?? ''))], { schema: propertySchema });
    const read = await table.read({ keyed: true });
    assert.equal(read.length, 2);
  });

  it('describes the dataset as a Frictionless data package', async () => {
    const pkg = toDataPackage(dataset, options) as Record<string, any>;
    assert.equal(pkg.name, 'consommation-eau-quotidienne');
    assert.match(pkg.name, /^[-a-z0-9._/]+$/);
    assert.equal(pkg.title, dataset.title);
    assert.deepEqual(pkg.licenses, [{ name: 'etalab-2.0', path: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/', title: 'Licence Ouverte / Open Licence 2.0' }]);
    const resource = pkg.resources[0];
    assert.equal(resource.path, 'https://supervision.example.fr/opendata/consommation-eau-quotidienne.csv');
    assert.equal(resource.profile, 'tabular-data-resource');
    assert.deepEqual(resource.schema.fields.find((f: { name: string }) => f.name === 'valeur'), { name: 'valeur', type: 'number', title: 'Valeur', description: 'Volume', unit: 'm3' });
    assert.equal(packageName('Énergie Écoles 2025'), 'energie-ecoles-2025');
  });

  it('describes the dataset in DCAT-AP JSON-LD', () => {
    const dcat = toDcat(dataset, options) as Record<string, any>;
    assert.equal(dcat['@type'], 'dcat:Dataset');
    assert.equal(dcat['@context'].dcat, 'http://www.w3.org/ns/dcat#');
    assert.equal(dcat['dct:title']['@value'], dataset.title);
    assert.equal(dcat['dct:description']['@value'], dataset.description);
    assert.equal(dcat['dct:publisher']['foaf:name'], 'Grand Poitiers');
    assert.equal(dcat['dct:license']['@id'], 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/');
    assert.equal(dcat['dct:accrualPeriodicity']['@id'], 'http://publications.europa.eu/resource/authority/frequency/DAILY');
    assert.equal(dcat['dct:temporal']['dcat:startDate']['@value'], '2025-01-14T23:00:00Z');
    const distributions = dcat['dcat:distribution'] as Array<Record<string, any>>;
    const csv = distributions.find((d) => d['dct:format'] === 'CSV');
    assert.equal(csv?.['dcat:downloadURL']['@id'], 'https://supervision.example.fr/opendata/consommation-eau-quotidienne.csv');
    assert.equal(csv?.['dcat:mediaType']['@id'], 'https://www.iana.org/assignments/media-types/text/csv');
    assert.ok(distributions.some((d) => d['dct:format'] === 'GeoJSON'));
    assert.equal(granularityDuration('15m'), 'PT15M');
    assert.equal(granularityDuration('1mo'), 'P1M');
  });

  it('builds every file of a publication; no GeoJSON at territory level', () => {
    const names = buildFiles(dataset, rows, options).map((f) => f.name);
    assert.deepEqual(names, ['consommation-eau-quotidienne.csv', 'consommation-eau-quotidienne.json', 'consommation-eau-quotidienne.geojson', 'datapackage.json', 'dcat.jsonld']);
    const territory = buildFiles({ ...dataset, spatialLevel: 'territory' }, rows, options);
    assert.ok(!territory.some((f) => f.name.endsWith('.geojson')));
    const dcat = JSON.parse(territory.find((f) => f.name === 'dcat.jsonld')!.content.toString('utf8'));
    assert.ok(!dcat['dcat:distribution'].some((d: Record<string, unknown>) => d['dct:format'] === 'GeoJSON'));
  });
});
