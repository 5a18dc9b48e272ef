/**
 * The chart flows of the energy pages (dashboards/vue-ensemble.json, batiments.json, eau.json,
 * consommations.json) stay responsive on a full database: 30 days of 15-minute consumption of 40 meters
 * (115,200 points) in a SQLite file. The shipped flows are loaded as they are (their function, change,
 * timeseries-query and energy-kpi nodes, with the reference tables of data/), the dashboard widgets
 * replaced by helper nodes: every message a chart or table receives is bounded (≤ 1,500 points, the
 * aggregation is done by the database) and computed in under 5 seconds, and the values are right.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeInitializer } from 'node-red';
import { SqliteBackend } from '../nodes/lib/timeseries/sqlite';
import type { Point } from '../nodes/lib/timeseries/types';
import { builtNode, helper, Msg, received, until } from './support/nodered';

/* eslint-disable @typescript-eslint/no-require-imports */
const coreNodes = ['function/10-function.js', 'function/15-change.js', 'common/20-inject.js', 'common/60-link.js', 'common/90-comment.js']
  .map((file) => require(`@node-red/nodes/core/${file}`) as NodeInitializer);
/* eslint-enable @typescript-eslint/no-require-imports */
const ourNodes = ['timeseries-db', 'timeseries-query', 'energy-kpi', 'reference-source'].map((type) => builtNode(type) as NodeInitializer);

const root = path.resolve(__dirname, '..');
const MAX_POINTS = 1500;
const MAX_MS = 5000;
const QUARTER = 15 * 60_000;
const DAYS = 30;
const SITES = ['cobalt', 'hdv-poitiers', 'ecole-jules-ferry', 'gymnase-couronneries', 'mediatheque-mitterrand', 'salle-polyvalente-migne'];
/** The meter with a constant leak: 0.12 m³/h on top of its use, night included. */
const LEAKING = 'water-00';

type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string; wires?: string[][] };
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as FlowNode[];

/** Hour of the day in Paris. */
const parisHour = (t: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' }).format(new Date(t)));

/** 40 meters × 30 days × 96 quarter hours of consumption deltas (and the gas energy beside the gas volume). */
function fleetPoints(now: number): Point[] {
  const points: Point[] = [];
  const last = Math.floor(now / QUARTER) * QUARTER;
  const meters = [
    ...Array.from({ length: 14 }, (_, i) => ({ id: `water-${String(i).padStart(2, '0')}`, fluid: 'water' })),
    ...Array.from({ length: 13 }, (_, i) => ({ id: `gas-${String(i).padStart(2, '0')}`, fluid: 'gas' })),
    ...Array.from({ length: 13 }, (_, i) => ({ id: `elec-${String(i).padStart(2, '0')}`, fluid: 'electricity' })),
  ];
  meters.forEach((meter, m) => {
    const tags = { devEui: meter.id, site: SITES[m % SITES.length], fluid: meter.fluid, tenant: 'grand-poitiers' };
    for (let k = 0; k < DAYS * 96; k++) {
      const time = last - k * QUARTER;
      const hour = parisHour(time);
      const day = hour >= 7 && hour < 19;
      if (meter.fluid === 'water') {
        const value = (day ? 0.02 : 0.001) + (meter.id === LEAKING ? 0.03 : 0);
        points.push({ measurement: 'water_volume', tags, fields: { delta: value }, time });
      } else if (meter.fluid === 'gas') {
        const m3 = day ? 0.5 : 0.2;
        points.push({ measurement: 'gas_volume', tags, fields: { delta: m3 }, time });
        points.push({ measurement: 'gas_energy', tags, fields: { delta: m3 * 11.2 * 1000 }, time });
      } else {
        points.push({ measurement: 'active_energy', tags: { ...tags, channel: 'base' }, fields: { delta: day ? 2500 : 800 }, time });
      }
    }
  });
  return points;
}

/** The page's nodes as shipped, the widgets turned into helper nodes and the timers switched off. */
function pageFlow(file: string): FlowNode[] {
  const nodes = read(file).filter((n) => n.z !== undefined);
  return nodes.map((n) => {
    if (n.type.startsWith('ui-')) return { id: n.id, type: 'helper', z: n.z, name: n.name };
    if (n.type === 'inject') return { ...n, once: false, repeat: '', crontab: '' };
    return n;
  });
}

function configNode(file: string, id: string): FlowNode {
  const node = read(file).find((n) => n.id === id);
  assert.ok(node, `${id} in ${file}`);
  return node;
}

/** Messages a widget receives, with the time they arrived. */
function timed(id: string): Array<{ msg: Msg; at: number }> {
  const list: Array<{ msg: Msg; at: number }> = [];
  helper.getNode(id).on('input', (msg: Msg) => list.push({ msg, at: Date.now() }));
  return list;
}

function assertBounded(label: string, msg: Msg, started: number, at: number): void {
  const size = Array.isArray(msg.payload) ? msg.payload.length : 1;
  assert.ok(size <= MAX_POINTS, `${label}: ${size} points (at most ${MAX_POINTS})`);
  assert.ok(at - started < MAX_MS, `${label}: ${at - started} ms (under ${MAX_MS} ms)`);
}

describe('energy dashboards: bounded chart messages on 30 days × 96 × 40 meters', function () {
  this.timeout(120000);
  let folder: string;
  let dbFile: string;
  const now = Date.now();
  const figures: string[] = [];

  before(async function () {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboards-energy-'));
    dbFile = path.join(folder, 'timeseries.sqlite');
    const backend = new SqliteBackend({ file: dbFile });
    const points = fleetPoints(now);
    const started = Date.now();
    await backend.write(points);
    await backend.close();
    figures.push(`wrote ${points.length} points in ${Date.now() - started} ms`);
  });

  after(() => {
    fs.rmSync(folder, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`      ${figures.join('\n      ')}`);
  });

  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });

  async function load(files: string[]): Promise<void> {
    const flow: FlowNode[] = [
      ...files.flatMap((f) => read(f).filter((n) => n.type === 'tab')),
      ...files.flatMap(pageFlow),
      { ...configNode('flows/10-ingest.json', 'timeseries-supervisor'), url: `sqlite:${dbFile}` },
      configNode('flows/10-ingest.json', 'reference-meters'),
      configNode('flows/20-energy.json', 'reference-buildings'),
      configNode('flows/20-energy.json', 'reference-dju'),
    ];
    helper.settings({ supervisorDataDir: path.join(root, 'data') } as Record<string, unknown>);
    await helper.load([...coreNodes, ...ourNodes], flow as never);
  }

  it("Vue d'ensemble: today against the median of the 4 same weekdays, from hourly sums", async () => {
    await load(['dashboards/vue-ensemble.json']);
    const table = timed('ui-table-ve-jour');
    const periode = received('ui-text-ve-periode');
    const started = Date.now();
    helper.getNode('ve-requetes-jour').receive({});
    await until('the table of today', () => table.length === 1, MAX_MS * 2);
    assertBounded('today against the reference', table[0].msg, started, table[0].at);
    figures.push(`Vue d'ensemble, today against the reference: ${table[0].at - started} ms`);
    const rows = table[0].msg.payload as Array<Record<string, string>>;
    assert.deepEqual(Array.from(rows, (r) => r.fluide), ['Électricité', 'Gaz', 'Eau']); // Array.from: the function sandbox has its own Array
    const hour = parisHour(Date.now());
    if (hour > 0) {
      // every day has the same profile: today equals its reference, from 4 reference days
      for (const r of rows) {
        assert.equal(r.jours, '4 sur 4');
        assert.equal(r.aujourdhui, r.reference, `${r.fluide}: ${r.aujourdhui} against ${r.reference}`);
        assert.equal(r.ecart, '0 %');
      }
      assert.match(String(periode[0].payload), new RegExp(`^Aujourd'hui de 0 h à ${hour} h, contre la médiane des mêmes heures des 4 \\p{L}+s précédents`, 'u'));
    }
  });

  it('Eau: the minimum night flow of each meter and night (14 nights), the leaking meter above the threshold', async () => {
    await load(['dashboards/eau.json']);
    const chart = timed('ui-chart-eau-nuits');
    const table = received('ui-table-eau-nuits');
    const started = Date.now();
    helper.getNode('eau-query-nuits').receive({});
    await until('the night-flow chart', () => chart.length === 1, MAX_MS * 2);
    assertBounded('night flows', chart[0].msg, started, chart[0].at);
    figures.push(`Eau, night flows of 14 meters: ${chart[0].at - started} ms, ${chart[0].msg.payload.length} points`);
    const points = chart[0].msg.payload as Array<{ x: string; y: number; series: string }>;
    const series = new Set(points.map((p) => p.series));
    assert.equal(series.size, 14, 'one series per water meter');
    assert.ok(points.length >= 14 * 13 && points.length <= 14 * 14, `${points.length} points: 13 or 14 nights per meter`);
    for (const p of points) {
      assert.match(p.x, /^\d{2}\/\d{2}$/, 'nights as jj/mm');
      if (p.series.includes(LEAKING)) assert.ok(Math.abs(p.y - 0.124) < 1e-6, `leaking meter: ${p.y} m³/h`);
      else assert.ok(Math.abs(p.y - 0.004) < 1e-6, `${p.series}: ${p.y} m³/h`);
    }
    const rows = table[0].payload as Array<Record<string, string>>;
    assert.equal(rows.filter((r) => r.etat === 'au-dessus du seuil').length, 1);
  });

  it('Eau: leak alerts with their estimated loss and yearly cost at the stated price', async () => {
    await load(['dashboards/eau.json']);
    const chart = received('ui-chart-eau-nuits');
    helper.getNode('eau-query-nuits').receive({});
    await until('the night flows', () => chart.length === 1, MAX_MS * 2);
    const table = received('ui-table-eau-fuites');
    const price = received('ui-text-eau-prix');
    helper.getNode('link-in-eau-alerts').receive({
      payload: [
        { id: 'leak:ecole-jules-ferry:water', gravite: 'attention', site: 'Groupe scolaire Jules-Ferry', siteId: 'ecole-jules-ferry', fluid: 'water', fluide: 'eau',
          message: 'Fuite probable…', depuis: '29/11/2026 06:00', details: { estimatedLossM3PerDay: 2.4 } },
        { id: 'device-alarm:2c5e1a0000b20301:leak', gravite: 'critique', site: 'cobalt', siteId: 'cobalt', fluid: 'water', fluide: 'eau',
          message: 'Alarme de fuite du compteur', depuis: '29/11/2026 07:00', details: {} },
        { id: 'invoice:cobalt:water:2025-01', gravite: 'attention', site: 'cobalt', siteId: 'cobalt', fluid: 'water', fluide: 'eau',
          message: 'Écart de facturation', depuis: '29/11/2026 07:00', details: {} },
        { id: 'leak:x:gas', gravite: 'attention', site: 'x', siteId: 'x', fluid: 'gas', fluide: 'gaz', message: 'fuite de gaz ?', depuis: '', details: {} },
      ],
    });
    await until('the leak table', () => table.length === 1);
    assert.equal(price[0].payload, '4,30 €/m³ TTC (eau et assainissement)');
    const rows = table[0].payload as Array<Record<string, string>>;
    assert.equal(rows.length, 2, 'the two water leaks, not the invoice gap nor the gas');
    assert.equal(rows[0].perte, '2,40 m³/jour');
    assert.equal(rows[0].cout.replace(/\s/g, ' '), '3 767 €/an'); // 2.4 × 365 × 4.30
    assert.equal(rows[0].origine, 'analyse des nuits');
    // the meter alarm has no estimate: the last night of its site (cobalt: water-00, leaking, 0.124 m³/h) × 24 h
    assert.equal(rows[1].origine, 'alarme du compteur');
    assert.equal(rows[1].perte, '2,98 m³/jour');
    assert.match(rows[1].base, /^débit de la nuit du \d{2}\/\d{2} × 24 h$/);
  });

  it('Bâtiments: 30 days against 52 weeks earlier, months, kWh/m² and kWh/DJU of one building, from energy-kpi', async () => {
    await load(['dashboards/batiments.json']);
    const widgets = ['ui-chart-bat-jour-elec', 'ui-chart-bat-jour-gaz', 'ui-chart-bat-jour-eau', 'ui-chart-bat-mois-elec', 'ui-chart-bat-mois-gaz',
      'ui-chart-bat-mois-eau', 'ui-chart-bat-m2', 'ui-chart-bat-dju'];
    const charts = new Map(widgets.map((id) => [id, timed(id)]));
    const dropdown = received('ui-dropdown-batiment');
    const started = Date.now();
    helper.getNode('bat-periodes').receive({});
    helper.getNode('kpi-bat-mois').receive({});
    await until('the charts of the three indicator runs', () => charts.get('ui-chart-bat-jour-elec')!.length >= 3, MAX_MS * 3);
    for (const [id, list] of charts) for (const { msg, at } of list) assertBounded(id, msg, started, at);
    figures.push(`Bâtiments, three energy-kpi runs and 8 charts: ${charts.get('ui-chart-bat-jour-elec')!.at(-1)!.at - started} ms`);
    const options = dropdown.at(-1)!.options as Array<{ value: string; label: string }>;
    assert.deepEqual(Array.from(options, (o) => o.value).sort(), [...SITES].sort());
    assert.ok(options.some((o) => o.label === 'Hôtel de Ville de Poitiers'), 'names from data/buildings.csv');

    // choose the town hall: 7 meters of the fleet are there (2 water, 3 gas, 2 electricity)
    const before = charts.get('ui-chart-bat-jour-elec')!.length;
    helper.getNode('bat-graphiques').receive({ topic: 'choix', payload: 'hdv-poitiers' });
    await until('the charts of the town hall', () => charts.get('ui-chart-bat-jour-elec')!.length > before);
    const days = charts.get('ui-chart-bat-jour-elec')!.at(-1)!.msg.payload as Array<{ x: string; y: number | null; series: string }>;
    const recent = days.filter((p) => p.series === '30 derniers jours');
    assert.ok(recent.length >= 29 && recent.length <= 30, `${recent.length} days`);
    assert.ok(recent.every((p) => /^\d{2}\/\d{2}$/.test(p.x)));
    // a whole day: 2 meters × (12 h × 4 × 2,500 Wh + 12 h × 4 × 800 Wh) = 316.8 kWh
    assert.ok(recent.slice(1).every((p) => p.y === 317), JSON.stringify(recent.slice(0, 3)));
    assert.ok(days.filter((p) => p.series === '52 semaines plus tôt').every((p) => p.y === null), 'no data a year back');
    const m2 = charts.get('ui-chart-bat-m2')!.at(-1)!.msg.payload as Array<{ y: number | null; series: string }>;
    assert.ok(m2.length <= 26 && m2.length > 0);
  });

  it('Consommations: electricity and water per day and site', async () => {
    await load(['dashboards/consommations.json']);
    const elec = timed('ui-chart-electricite');
    const water = timed('ui-chart-eau');
    const started = Date.now();
    helper.getNode('query-electricite').receive({});
    helper.getNode('query-eau').receive({});
    await until('both charts', () => elec.length === 1 && water.length === 1, MAX_MS * 2);
    assertBounded('electricity per day', elec[0].msg, started, elec[0].at);
    assertBounded('water per day', water[0].msg, started, water[0].at);
    figures.push(`Consommations, 2 charts: ${Math.max(elec[0].at, water[0].at) - started} ms, ${elec[0].msg.payload.length} and ${water[0].msg.payload.length} points`);
    assert.ok(elec[0].msg.payload.length <= 14 * SITES.length);
    // the days come in calendar order (the category axis takes them in the order it first meets them)
    const days = [...new Set(Array.from(elec[0].msg.payload as Array<{ x: string }>, (p) => p.x))];
    const label = (t: number) => new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit' }).format(new Date(t));
    const calendar = [...new Set(Array.from({ length: 16 }, (_, k) => label(Date.now() - (15 - k) * 86_400_000)))];
    assert.deepEqual(days, calendar.filter((d) => days.includes(d)));
    assert.ok(days.length >= 13);
  });

  it('Alertes actives (Énergie tab): one list for every tab, sorted, cleared alerts removed, bad messages refused by name', async () => {
    const alerts = read('flows/20-energy.json').find((n) => n.id === 'active-alerts') as FlowNode;
    await helper.load(coreNodes, [
      { id: 'tab-energy', type: 'tab', label: 'énergie' },
      { ...alerts, wires: [['table']] },
      { id: 'table', type: 'helper', z: 'tab-energy' },
      { id: 'catch', type: 'catch', z: 'tab-energy', x: 100, y: 100, scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab-energy' },
    ] as never);
    const table = received('table');
    const caught = received('caught');
    const node = helper.getNode('active-alerts');
    const alert = (id: string, event: string, severity: string, fluid: string, raisedAt: string) => ({
      topic: id, event, payload: `texte de ${id}`, alert: { id, severity, site: 'cobalt', fluid, text: `texte de ${id}`, raisedAt, details: {} },
    });
    node.receive(alert('leak:cobalt:water', 'raised', 'warning', 'water', '2026-11-29T05:00:00Z'));
    node.receive(alert('lighting:lamp:4c1cb60000f60301', 'raised', 'critical', 'lighting', '2026-11-29T04:00:00Z'));
    node.receive(alert('device:2c5e1a0000b20301:leak', 'raised', 'warning', 'water', '2026-11-29T06:00:00Z'));
    node.receive(alert('device:2c5e1a0000b20301:leak', 'reminder', 'warning', 'water', '2026-11-29T06:00:00Z'));
    node.receive(alert('leak:cobalt:water', 'cleared', 'warning', 'water', '2026-11-29T05:00:00Z'));
    node.receive({ payload: 'sans identifiant', event: 'raised' });
    node.receive({ topic: 'x', payload: 'événement inconnu', event: 'opened' });
    await until('five tables and two errors', () => table.length === 5 && caught.length === 2);
    const last = Array.from(table[4].payload as Array<Record<string, string>>, (r) => [r.id, r.gravite, r.fluide, r.depuis]);
    assert.deepEqual(last, [
      ['lighting:lamp:4c1cb60000f60301', 'critique', 'éclairage', '29/11/2026 05:00'],
      ['device:2c5e1a0000b20301:leak', 'attention', 'eau', '29/11/2026 07:00'],
    ]);
    assert.match(caught[0].error.message, /msg.topic \(l'identifiant stable de l'alerte\) manque/);
    assert.match(caught[1].error.message, /msg.event vaut "opened" au lieu de raised, reminder ou cleared/);
  });
});
