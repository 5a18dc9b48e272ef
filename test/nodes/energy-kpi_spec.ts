/**
 * energy-kpi against the REAL SQLite backend through the real timeseries-db config node (a temporary
 * user directory), with the reference tables of data/ read by the colleague's `reference-source`
 * config node when it is built (dist/nodes/reference-source), else given in msg.
 *
 * The leak: the simulator's `leak` scenario (fake clock, several simulated nights in milliseconds) goes
 * through the real codec catalog and the meter logic (index → delta) into SQLite; the detector must
 * raise after the configured number of nights, not before, say it once, and clear it.
 * The invoices: data/invoices.csv against points built to match the fleet's annual consumption: the one
 * deliberate discrepancy (Hôtel de Ville, electricity, March 2025, +30 %) is the only alert.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeInitializer, NodeMessage } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { catalog } from '../../nodes/lib/codecs';
import { parseCsv } from '../../nodes/lib/csv';
import { MeterTracker } from '../../nodes/lib/meter';
import { loadFleet, SIMULATED_MODELS, SimulatorEngine } from '../../nodes/lib/simulator';
import type { TimeseriesDbNode } from '../../nodes/lib/timeseries/db-node';
import { readingToPoints } from '../../nodes/lib/timeseries/points';
import type { Point, TimeseriesBackend } from '../../nodes/lib/timeseries/types';
import { builtNode, helper, received, until } from '../support/nodered';

const energyKpi = builtNode('energy-kpi') as NodeInitializer;
const timeseriesDb = builtNode('timeseries-db') as NodeInitializer;
const root = path.resolve(__dirname, '../..');
const DATA = path.join(root, 'data');
const HAS_REFERENCE_SOURCE = fs.existsSync(path.join(root, 'dist/nodes/reference-source/reference-source.js'));
const referenceSource = HAS_REFERENCE_SOURCE ? (builtNode('reference-source') as NodeInitializer) : undefined;

type FlowItem = TestFlowsItem & Record<string, unknown>;
type Msg = Record<string, any>;

const csvRows = (file: string) => parseCsv(fs.readFileSync(path.join(DATA, file), 'utf8'), { file }).rows;
const FLEET = loadFleet(fs.readFileSync(path.join(DATA, 'devices.csv'), 'utf8'), { file: 'devices.csv', models: SIMULATED_MODELS });

/** The flow: timeseries-db, energy-kpi → rows / alerts helpers, a Catch node; reference-source nodes for the tables when built. */
function flow(kpi: Record<string, unknown>, tables: Record<string, { file: string; key: string }> = {}): FlowItem[] {
  const at = { z: 'f1', x: 100, y: 100 };
  const refs: FlowItem[] = [];
  const refProps: Record<string, string> = {};
  if (HAS_REFERENCE_SOURCE) {
    for (const [name, table] of Object.entries(tables)) {
      refs.push({ id: `ref-${name}`, type: 'reference-source', name, kind: 'csv', location: path.join(DATA, table.file), keyColumn: table.key, refreshMinutes: 0 });
      refProps[name] = `ref-${name}`;
    }
  }
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'db', type: 'timeseries-db', url: 'sqlite:ts.sqlite' },
    ...refs,
    { id: 'kpi', type: 'energy-kpi', db: 'db', ...refProps, ...at, ...kpi, wires: [['rows'], ['alerts']] },
    { id: 'rows', type: 'helper', ...at },
    { id: 'alerts', type: 'helper', ...at },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];
}

describe('energy-kpi node (real SQLite backend)', function () {
  this.timeout(20000);
  let userDir: string;

  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'energy-kpi-'));
    helper.settings({ userDir });
  });

  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  async function load(kpi: Record<string, unknown>, tables: Record<string, { file: string; key: string }> = {}) {
    const nodes = [timeseriesDb, energyKpi, ...(referenceSource ? [referenceSource] : [])];
    await helper.load(nodes, flow(kpi, tables));
    const backend = await (helper.getNode('db') as unknown as TimeseriesDbNode).acquire({ id: 'spec' });
    return { backend, node: helper.getNode('kpi'), rows: received('rows'), alerts: received('alerts'), caught: received('caught') };
  }

  /** Sends a message and waits for the KPI rows (or an error). */
  async function run(ctx: { node: { receive(msg: NodeMessage): void }; rows: Msg[]; caught: Msg[] }, msg: Record<string, unknown>): Promise<Msg> {
    const before = ctx.rows.length + ctx.caught.length;
    ctx.node.receive(msg as NodeMessage);
    await until('the KPI rows', () => ctx.rows.length + ctx.caught.length > before);
    if (ctx.caught.length > 0) throw new Error(`caught: ${ctx.caught[ctx.caught.length - 1].error?.message}`);
    return ctx.rows[ctx.rows.length - 1];
  }

  describe('leak detection from the simulator\'s leak scenario', function () {
    const KAMSTRUP = '2c5e1a0000b20301'; // Hôtel de Ville, water, Kamstrup flowIQ 2200: reports m³, hourly
    const device = FLEET.find((d) => d.devEui === KAMSTRUP)!;
    const paris = (iso: string) => Date.parse(`${iso}+01:00`); // January: Paris = UTC+1

    it('raises after the configured number of nights, not before, once, and clears it', async function () {
      const ctx = await load({ mode: 'leak', leakThreshold: '0.2', leakNights: '3' });
      const clock = { t: paris('2025-01-13T12:00:00') }; // Monday noon
      // speed 1 on a fake clock: event times follow the simulated world, and the test runs in milliseconds
      const engine = new SimulatorEngine(FLEET, { seed: 7, speed: 1, now: () => clock.t, filter: KAMSTRUP, firstFrameWindowMs: 60000 });
      engine.start();
      const meter = new MeterTracker();
      const codec = catalog.get(device.model)!;

      /** Plays the network until `iso` (Paris time) and stores the points; the real codec and meter logic. */
      async function playUntil(iso: string, backend: TimeseriesBackend): Promise<void> {
        const end = paris(iso);
        const points: Point[] = [];
        for (let next = engine.nextDueTime(); next !== undefined && next <= end; next = engine.nextDueTime()) {
          clock.t = next;
          for (const up of engine.tick(next)) {
            const event = JSON.parse(JSON.stringify(up.event)) as { data: string; fPort: number; time: string };
            const frame = codec.decode({ bytes: Buffer.from(event.data, 'base64'), fPort: event.fPort, recvTime: new Date(event.time) });
            const result = meter.process({ devEui: device.devEui, tenant: device.tenant, model: device.model, time: event.time, measurements: frame.measurements });
            points.push(...readingToPoints(result.reading, { site: device.site, fluid: device.fluid }));
          }
        }
        clock.t = end;
        const written = await backend.write(points);
        assert.equal(written.rejected.length, 0);
      }

      await playUntil('2025-01-14T12:00:00', ctx.backend); // night of Tuesday 14: no leak
      let out = await run(ctx, { now: paris('2025-01-14T06:00:00') });
      assert.equal(out.payload[0]['fuite'], 'non');
      assert.ok(out.payload[0]['débit nocturne min (m³/h)'] < 0.1, `normal night flow ${out.payload[0]['débit nocturne min (m³/h)']}`);
      assert.equal(engine.setScenario(KAMSTRUP, 'leak', true).length, 1);

      for (const [day, nights] of [['15', 1], ['16', 2]] as const) {
        await playUntil(`2025-01-${day}T06:00:00`, ctx.backend);
        out = await run(ctx, { now: paris(`2025-01-${day}T06:00:00`) });
        assert.equal(out.payload[0]['nuits consécutives'], nights, `night of the ${day}`);
        assert.equal(out.payload[0]['fuite'], 'non');
      }
      assert.equal(ctx.alerts.length, 0, 'no alert before the third night');

      await playUntil('2025-01-17T06:00:00', ctx.backend);
      out = await run(ctx, { now: paris('2025-01-17T06:00:00') });
      const row = out.payload[0];
      assert.equal(row.site, 'hdv-poitiers');
      assert.equal(row['fuite'], 'oui');
      assert.equal(row['nuits consécutives'], 3);
      // leak rate of the simulator: 2 × 2600 m³ / 8760 h = 0.594 m³/h, plus the night use (~0.03): loss ≥ 0.594 × 24 = 14.2 m³/day
      assert.ok(row['perte estimée (m³/jour)'] >= 14.2 && row['perte estimée (m³/jour)'] < 18, `loss ${row['perte estimée (m³/jour)']}`);
      await until('the alert', () => ctx.alerts.length === 1);
      const alert = ctx.alerts[0];
      assert.equal(alert.topic, 'leak:hdv-poitiers:water');
      assert.equal(alert.event, 'raised');
      assert.equal(alert.alert.severity, 'critical'); // ≥ 10 m³/day
      assert.match(alert.payload, /^Fuite probable au compteur d’eau de hdv-poitiers : débit nocturne minimal de 0,6\d* m³\/h pendant 3 nuits consécutives/);

      await playUntil('2025-01-17T07:00:00', ctx.backend);
      await run(ctx, { now: paris('2025-01-17T07:00:00') });
      assert.equal(ctx.alerts.length, 1, 'the active alert is not repeated');

      await playUntil('2025-01-17T12:00:00', ctx.backend);
      engine.setScenario(KAMSTRUP, 'leak', false);
      await playUntil('2025-01-18T06:00:00', ctx.backend);
      out = await run(ctx, { now: paris('2025-01-18T06:00:00') });
      assert.equal(out.payload[0]['fuite'], 'non');
      await until('the end of the alert', () => ctx.alerts.length === 2);
      assert.equal(ctx.alerts[1].event, 'cleared');
      assert.match(ctx.alerts[1].payload, /^Résolu : Fuite probable/);
    });
  });

  describe('invoice reconciliation against data/invoices.csv', function () {
    const GAS_MONTH = [1.9, 1.7, 1.4, 0.9, 0.4, 0.15, 0.1, 0.1, 0.25, 0.8, 1.4, 1.8]; // the simulator's gas profile
    const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const gasShare = GAS_MONTH.reduce((s, g, i) => s + g * DAYS[i], 0);

    /** Daily delta points of every meter of the fleet from January to April 2025, matching its annual consumption (m³, Wh). */
    function fleetPoints(): Point[] {
      const quantity: Record<string, string> = { water: 'water_volume', gas: 'gas_volume', electricity: 'active_energy' };
      const points: Point[] = [];
      for (const d of FLEET) {
        if (!(d.fluid in quantity) || !d.annualConsumption) continue;
        for (let m = 0; m < 4; m++) {
          for (let day = 1; day <= DAYS[m]; day++) {
            const perDay = d.fluid === 'gas' ? (d.annualConsumption * GAS_MONTH[m]) / gasShare : d.annualConsumption / 365;
            points.push({
              measurement: quantity[d.fluid],
              tags: { tenant: d.tenant, devEui: d.devEui, site: d.site, fluid: d.fluid },
              fields: { delta: perDay }, // loadFleet gives electricity in Wh, as active_energy is stored
              time: Date.UTC(2025, m, day, 10), // local noon-ish of that day
            });
          }
        }
      }
      return points;
    }

    it('finds the one deliberate discrepancy and no other, sub-meter left out', async function () {
      const tables = { invoices: { file: 'invoices.csv', key: 'invoiceNumber' }, meters: { file: 'meters.csv', key: 'devEui' }, buildings: { file: 'buildings.csv', key: 'site' } };
      const ctx = await load({ mode: 'invoice', invoiceThreshold: '10' }, tables);
      assert.equal((await ctx.backend.write(fleetPoints())).rejected.length, 0);
      const msg: Record<string, unknown> = { now: Date.parse('2025-05-01T08:00:00+02:00') };
      if (!HAS_REFERENCE_SOURCE) {
        msg.invoices = csvRows('invoices.csv');
        msg.meters = csvRows('meters.csv');
        msg.buildings = csvRows('buildings.csv');
      }
      const out = await run(ctx, msg);
      const rows = out.payload as Msg[];
      assert.equal(rows.length, 15 * 4); // January to April invoices of the 15 site/fluid pairs
      const flagged = rows.filter((r) => r.alerte === 'oui');
      assert.deepEqual(flagged.map((r) => [r.site, r.fluide, r.période]), [['hdv-poitiers', 'électricité', '2025-03']]);
      // measured 310,000 × 31 / 365 = 26,329 kWh; invoiced 26,329 × 1.3 = 34,227 kWh → +30 %
      assert.equal(Math.round(flagged[0].mesuré), 26329);
      assert.equal(flagged[0].facturé, 34227);
      assert.ok(Math.abs(flagged[0]['écart (%)'] - 30) < 0.1, String(flagged[0]['écart (%)']));
      // every other invoice matches within rounding (COBALT electricity too: the fablab sub-meter is not added)
      for (const r of rows.filter((x) => x.alerte === 'non')) assert.ok(Math.abs(r['écart (%)']) < 1, `${r.facture}: ${r['écart (%)']} %`);
      await until('the alert', () => ctx.alerts.length === 1);
      assert.equal(ctx.alerts[0].topic, 'invoice:hdv-poitiers:electricity:2025-03');
      assert.equal(ctx.alerts[0].alert.severity, 'critical');
      assert.match(ctx.alerts[0].payload, HAS_REFERENCE_SOURCE ? /pour Hôtel de Ville de Poitiers \(facture F2025-HDV-EDF-03, 2025-03\)/ : /hdv-poitiers/);
      // evaluated again: no new alert
      await run(ctx, msg);
      assert.equal(ctx.alerts.length, 1);
    });
  });

  describe('consumption and intensity', function () {
    it('gives daily totals per site and fluid with French columns, per m² and per DJU from msg tables', async function () {
      const ctx = await load({ mode: 'intensity', period: 'day', periods: '2', fluids: 'gas,electricity' });
      // 14 and 15 January 2025 (Paris): gas 10 m³ and 20 m³ at COBALT, electricity 5000 Wh + 3000 Wh on the 15th
      await ctx.backend.write([
        { measurement: 'gas_volume', tags: { devEui: 'g', site: 'cobalt', fluid: 'gas' }, fields: { delta: 10 }, time: Date.parse('2025-01-14T09:00:00Z') },
        { measurement: 'gas_volume', tags: { devEui: 'g', site: 'cobalt', fluid: 'gas' }, fields: { delta: 20 }, time: Date.parse('2025-01-15T09:00:00Z') },
        { measurement: 'active_energy', tags: { devEui: 'e', site: 'cobalt', fluid: 'electricity' }, fields: { delta: 5000 }, time: Date.parse('2025-01-15T09:00:00Z') },
        { measurement: 'active_energy', tags: { devEui: 'e', site: 'cobalt', fluid: 'electricity' }, fields: { delta: 3000 }, time: Date.parse('2025-01-15T20:00:00Z') },
        { measurement: 'active_energy', tags: { devEui: 'e', site: 'cobalt', fluid: 'electricity' }, fields: { delta: 9999 }, time: Date.parse('2025-01-16T09:00:00Z') }, // today: incomplete
      ]);
      const out = await run(ctx, {
        now: Date.parse('2025-01-16T12:00:00+01:00'),
        buildings: [{ site: 'cobalt', name: 'COBALT – tiers-lieu', heatedAreaM2: '1850', heatingFluid: 'gas' }],
        dju: [{ date: '2025-01-14', dju: '12' }, { date: '2025-01-15', dju: '14' }],
      });
      // gas: 10 m³ × 11.2 = 112 kWh (14th), 224 kWh (15th); per DJU 112 / 12 = 9.33, 224 / 14 = 16; per m² 112 / 1850 = 0.061, 224 / 1850 = 0.121
      // electricity (15th): 5 + 3 = 8 kWh; 8 / 1850 = 0.004 kWh/m²; no DJU ratio (COBALT heats with gas)
      assert.deepEqual(out.payload.map((r: Msg) => [r.bâtiment, r.fluide, r.période, r.consommation, r.unité, r['kWh/m²'], r.DJU, r['kWh/DJU']]), [
        ['COBALT – tiers-lieu', 'électricité', '2025-01-15', 8, 'kWh', 0.004, null, null],
        ['COBALT – tiers-lieu', 'gaz', '2025-01-14', 112, 'kWh', 0.061, 12, 9.33],
        ['COBALT – tiers-lieu', 'gaz', '2025-01-15', 224, 'kWh', 0.121, 14, 16],
      ]);
      assert.equal(out.payload[0].début, '2025-01-15T00:00:00.000+01:00');
    });

    it('reports a bad setting through done(err) and its status', async function () {
      const ctx = await load({ mode: 'leak', leakNights: 'many' });
      ctx.node.receive({} as NodeMessage);
      await until('the error', () => ctx.caught.length === 1);
      assert.match(ctx.caught[0].error.message, /leakNights must be a number/);
    });
  });
});
