/**
 * Dataset rows from a query result (one series per site) and the buildings table: building,
 * commune and territory levels, with each row's per-site contributions for the charter's
 * secrecy rules, the columns chosen, and the date labels.
 */
import assert from 'node:assert/strict';
import { availableFields, buildDatasetRows, isDaily, periodLabel, selectFields } from '../../nodes/lib/opendata/dataset';
import type { QueryResult } from '../../nodes/lib/timeseries/types';

const DAY1 = Date.parse('2025-01-14T23:00:00.000Z'); // 15 January, Paris midnight
const DAY2 = Date.parse('2025-01-15T23:00:00.000Z');

const buildings = [
  { site: 'mairie', name: 'Mairie', commune: 'Poitiers', usage: 'bureau', latitude: '46.58', longitude: '0.34' },
  { site: 'ecole', name: 'École Jules Ferry', commune: 'Poitiers', usage: 'enseignement', latitude: '46.60', longitude: '0.36' },
  { site: 'gymnase', name: 'Gymnase', commune: 'Migné-Auxances', usage: 'sport', latitude: '46.63', longitude: '0.31' },
];

const result: QueryResult = {
  series: [
    { tags: { site: 'mairie' }, points: [{ time: DAY1, value: 10 }, { time: DAY2, value: 12 }] },
    { tags: { site: 'ecole' }, points: [{ time: DAY1, value: 30 }, { time: DAY2, value: Number.NaN }] },
    { tags: { site: 'gymnase' }, points: [{ time: DAY1, value: 5 }] },
    { tags: { site: 'inconnu', commune: 'Chasseneuil-du-Poitou' }, points: [{ time: DAY1, value: 1 }] },
    { tags: {}, points: [{ time: DAY1, value: 999 }] },
  ],
};

describe('opendata dataset rows', () => {
  it('building level: one row per site and day, with the building reference and its own contribution', () => {
    const built = buildDatasetRows(result, buildings, { spatialLevel: 'building', combine: 'sum', granularity: '1d' });
    assert.equal(built.rows.length, 5, 'NaN and the series without a site are left out');
    assert.deepEqual(built.rows.map((r) => `${r.date} ${r.site}`), ['2025-01-15 ecole', '2025-01-15 gymnase', '2025-01-15 inconnu', '2025-01-15 mairie', '2025-01-16 mairie'], 'sorted by day then site');
    assert.deepEqual(built.rows[2], { date: '2025-01-15', valeur: 1, site: 'inconnu', nom: 'inconnu', usage: '', commune: 'Chasseneuil-du-Poitou', latitude: null, longitude: null });
    const ecole = built.rows.find((r) => r.site === 'ecole');
    assert.deepEqual(ecole, { date: '2025-01-15', valeur: 30, site: 'ecole', nom: 'École Jules Ferry', usage: 'enseignement', commune: 'Poitiers', latitude: 46.6, longitude: 0.36 });
    assert.deepEqual(built.contributions[built.rows.indexOf(ecole!)], { ecole: 30 });
    assert.deepEqual(built.usages, ['bureau', 'enseignement', 'sport']);
    assert.deepEqual(built.temporal, { start: '2025-01-14T23:00:00Z', end: '2025-01-15T23:00:00Z' });
  });

  it('commune level: sites added up per commune and day, with every site\'s contribution', () => {
    const built = buildDatasetRows(result, buildings, { spatialLevel: 'commune', combine: 'sum', granularity: '1d' });
    const poitiers1 = built.rows.findIndex((r) => r.commune === 'Poitiers' && r.date === '2025-01-15');
    assert.deepEqual(built.rows[poitiers1], { date: '2025-01-15', valeur: 40, commune: 'Poitiers', latitude: 46.59, longitude: 0.35, nombre_sites: 2 });
    assert.deepEqual(built.contributions[poitiers1], { mairie: 10, ecole: 30 });
    const poitiers2 = built.rows.findIndex((r) => r.commune === 'Poitiers' && r.date === '2025-01-16');
    assert.deepEqual(built.contributions[poitiers2], { mairie: 12 }, 'the NaN of école is not a contribution');
    assert.equal(built.rows[poitiers2].nombre_sites, 1);
    const migne = built.rows.find((r) => r.commune === 'Migné-Auxances');
    assert.equal(migne?.valeur, 5);
    assert.equal(built.rows.length, 4);
  });

  it('territory level: every site in one row per day; mean when the quantity averages', () => {
    const summed = buildDatasetRows(result, buildings, { spatialLevel: 'territory', combine: 'sum', granularity: '1d' });
    assert.deepEqual(summed.rows, [
      { date: '2025-01-15', valeur: 46, territoire: 'Grand Poitiers', nombre_sites: 4 },
      { date: '2025-01-16', valeur: 12, territoire: 'Grand Poitiers', nombre_sites: 1 },
    ]);
    assert.deepEqual(summed.contributions[0], { mairie: 10, ecole: 30, gymnase: 5, inconnu: 1 });
    const averaged = buildDatasetRows(result, buildings, { spatialLevel: 'territory', combine: 'mean', granularity: '1d', territory: 'Territoire test' });
    assert.equal(averaged.rows[0].valeur, 11.5);
    assert.equal(averaged.rows[0].territoire, 'Territoire test');
  });

  it('several series of one site add up within the site; contributions are absolute values', () => {
    const built = buildDatasetRows({ series: [
      { tags: { site: 'mairie', devEui: 'a' }, points: [{ time: DAY1, value: 4 }] },
      { tags: { site: 'mairie', devEui: 'b' }, points: [{ time: DAY1, value: 6 }] },
      { tags: { site: 'ecole' }, points: [{ time: DAY1, value: -3 }] },
    ] }, buildings, { spatialLevel: 'commune', combine: 'sum', granularity: '1d' });
    assert.deepEqual(built.contributions[0], { mairie: 10, ecole: 3 });
    assert.equal(built.rows[0].valeur, 7);
  });

  it('labels periods: Paris days for daily granularities, UTC datetimes below a day', () => {
    assert.equal(isDaily('1d'), true);
    assert.equal(isDaily('1w'), true);
    assert.equal(isDaily('1h'), false);
    assert.equal(isDaily('15m'), false);
    assert.equal(periodLabel(DAY1, '1d'), '2025-01-15');
    assert.equal(periodLabel(Date.parse('2025-07-14T22:00:00Z'), '1d'), '2025-07-15');
    assert.equal(periodLabel(Date.parse('2025-07-14T22:00:00.500Z'), '1h'), '2025-07-14T22:00:00Z');
    const hourly = buildDatasetRows(result, buildings, { spatialLevel: 'building', combine: 'sum', granularity: '1h' });
    assert.equal(hourly.rows[0].date, '2025-01-14T23:00:00Z');
  });

  it('offers the columns of each level and selects them by name', () => {
    assert.deepEqual(availableFields('commune', '1d', 'water_volume').map((f) => f.name), ['date', 'commune', 'latitude', 'longitude', 'nombre_sites', 'valeur']);
    assert.equal(availableFields('building', '1d', 'water_volume').find((f) => f.name === 'valeur')?.unit, 'm3');
    assert.equal(availableFields('building', '1h', 'active_energy').find((f) => f.name === 'date')?.type, 'datetime');
    assert.deepEqual(selectFields(availableFields('territory', '1d', 'co2'), 'valeur, date').map((f) => f.name), ['valeur', 'date']);
    assert.deepEqual(selectFields(availableFields('territory', '1d', 'co2'), '').length, 4);
    assert.throws(() => selectFields(availableFields('territory', '1d', 'co2'), 'date,site'), /column "site"/);
  });
});
