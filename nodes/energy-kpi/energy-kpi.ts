/**
 * `energy-kpi`: energy indicators of the city's buildings from the consumption (delta) points of the
 * time-series database, crossed with the business software's reference tables (buildings, meter
 * registry, DJU, invoices). One node, five modes: consumption per period, intensity (per m², per DJU),
 * comparison with a baseline, water night-flow leaks, invoice reconciliation. Runs on every message
 * (an inject on a schedule). Output 1: the KPI rows (a table for Dashboard 2.0); output 2: one message
 * per alert raised, repeated or cleared. A thin adapter over nodes/lib/kpi.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import {
  addPeriods, Alert, AlertEvent, AlertTracker, BaselineMethod, Building, compareWithBaseline, consumptionByPeriod, DeltaPoint,
  detectLeaks, driftAlert, DjuDay, invoiceAlert, leakAlert, invoicePeriodLabel, localDate, localIso, localParts, MeterInfo, nightFlows,
  normalise, parseBuildings, parseDju, parseInvoices, parseMeters, parseLocalDate, Period, PERIODS, periodStart, pointsFromResult,
  QUANTITY_OF_FLUID, reconcile, toKpiUnits, TrackerSnapshot, Invoice,
} from '../lib/kpi';
import type { ReferenceSourceApi } from '../lib/reference/types';
import type { TimeseriesDbNode, TimeseriesDbUser } from '../lib/timeseries/db-node';
import type { TimeseriesBackend } from '../lib/timeseries/types';
import enUS = require('./locales/en-US/energy-kpi.json');
import { Translate, translator } from '../lib/i18n';

type Mode = 'consumption' | 'intensity' | 'baseline' | 'leak' | 'invoice';
const MODES: readonly Mode[] = ['consumption', 'intensity', 'baseline', 'leak', 'invoice'];
const TABLES = ['buildings', 'meters', 'dju', 'invoices'] as const;
type TableName = (typeof TABLES)[number];

interface EnergyKpiDef extends NodeDef {
  mode?: string;
  db?: string;
  buildings?: string;
  meters?: string;
  dju?: string;
  invoices?: string;
  fluids?: string;
  period?: string;
  periods?: number | string;
  baseline?: string;
  baselineCount?: number | string;
  driftThreshold?: number | string;
  leakThreshold?: number | string;
  leakNights?: number | string;
  nightFrom?: number | string;
  nightTo?: number | string;
  invoiceThreshold?: number | string;
  gasCoefficient?: number | string;
  renotifyHours?: number | string;
  timezone?: string;
}

interface Settings {
  mode: Mode;
  fluids: string[];
  period: Period;
  periods: number;
  baseline: BaselineMethod;
  baselineCount: number;
  driftThreshold: number;
  leakThreshold: number;
  leakNights: number;
  nightFrom: number;
  nightTo: number;
  invoiceThreshold: number;
  gasCoefficient: number;
  timezone: string;
  renotifyMs: number;
}

interface Tables {
  buildings: Map<string, Building>;
  meters: Map<string, MeterInfo>;
  dju: DjuDay[];
  invoices: Invoice[];
  problems: string[];
}

const FLUID_FR: Record<string, string> = { water: 'eau', gas: 'gaz', electricity: 'électricité', lighting: 'éclairage' };
const UNIT_FR: Record<string, string> = { m3: 'm³', kWh: 'kWh' };



/** A setting error names the field; it is reported once at start and on every message. */
class SettingError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

function numberSetting(value: unknown, fallback: number, field: string, min: number, max = Infinity): number {
  const text = String(value ?? '').trim().replace(',', '.');
  if (text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new SettingError(field, `${field} must be a number from ${min}${max === Infinity ? '' : ` to ${max}`} (got "${text}")`);
  return n;
}

function settingsOf(config: EnergyKpiDef): Settings {
  const mode = (String(config.mode ?? '').trim() || 'consumption') as Mode;
  if (!MODES.includes(mode)) throw new SettingError('mode', `mode must be one of ${MODES.join(', ')} (got "${mode}")`);
  const period = (String(config.period ?? '').trim() || 'day') as Period;
  if (!PERIODS.includes(period)) throw new SettingError('period', `period must be day, week or month (got "${period}")`);
  const baseline = (String(config.baseline ?? '').trim() || 'median') as BaselineMethod;
  if (baseline !== 'median' && baseline !== 'last-year') throw new SettingError('baseline', `baseline must be median or last-year (got "${baseline}")`);
  const fluids = String(config.fluids ?? '').split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
  for (const f of fluids) if (!(f in QUANTITY_OF_FLUID)) throw new SettingError('fluids', `unknown fluid "${f}" (water, gas, electricity, lighting)`);
  const nightFrom = numberSetting(config.nightFrom, 1, 'nightFrom', 0, 23);
  const nightTo = numberSetting(config.nightTo, 5, 'nightTo', 1, 24);
  if (nightTo <= nightFrom) throw new SettingError('nightTo', 'the night window must end after it starts');
  return {
    mode,
    fluids: mode === 'leak' ? ['water'] : fluids.length > 0 ? fluids : ['water', 'gas', 'electricity'],
    period,
    periods: Math.round(numberSetting(config.periods, 7, 'periods', 1, 400)),
    baseline,
    baselineCount: Math.round(numberSetting(config.baselineCount, 4, 'baselineCount', 1, 52)),
    driftThreshold: numberSetting(config.driftThreshold, 20, 'driftThreshold', 0),
    leakThreshold: numberSetting(config.leakThreshold, 0.05, 'leakThreshold', 0),
    leakNights: Math.round(numberSetting(config.leakNights, 3, 'leakNights', 1, 60)),
    nightFrom,
    nightTo,
    invoiceThreshold: numberSetting(config.invoiceThreshold, 10, 'invoiceThreshold', 0),
    gasCoefficient: numberSetting(config.gasCoefficient, 11.2, 'gasCoefficient', 0.1, 100),
    timezone: String(config.timezone ?? '').trim() || 'Europe/Paris',
    renotifyMs: numberSetting(config.renotifyHours, 0, 'renotifyHours', 0) * 3600000,
  };
}

/** msg.now: epoch ms or ISO time, for replays and tests; default the clock. */
function nowOf(msg: Record<string, unknown>): number {
  const value = msg.now;
  if (value === undefined || value === null || value === '') return Date.now();
  const t = typeof value === 'number' ? value : Date.parse(String(value));
  if (!Number.isFinite(t)) throw new SettingError('now', `msg.now must be epoch ms or an ISO time (got ${JSON.stringify(value)})`);
  return t;
}

const round = (v: number | undefined, digits: number) => (v === undefined ? null : Math.round(v * 10 ** digits) / 10 ** digits);

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function EnergyKpiNode(this: Node, config: EnergyKpiDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let settings: Settings | undefined;
    let settingError: Error | undefined;
    try {
      settings = settingsOf(config);
    } catch (err) {
      settingError = err as Error;
      node.status({ fill: 'red', shape: 'ring', text: t('energy-kpi.status.bad-setting', { field: (err as SettingError).field ?? '?' }) });
      node.error(t('energy-kpi.errors.setting', { detail: (err as Error).message }));
    }

    const db = config.db ? (RED.nodes.getNode(config.db) as unknown as TimeseriesDbNode | null) : null;
    const sources = new Map<TableName, ReferenceSourceApi | null>();
    for (const name of TABLES) {
      const id = String(config[name] ?? '').trim();
      if (id !== '') sources.set(name, RED.nodes.getNode(id) as unknown as ReferenceSourceApi | null);
    }
    const user: TimeseriesDbUser = { id: node.id };
    let backend: Promise<TimeseriesBackend> | undefined;
    let closed = false;

    const context = node.context();
    const tracker = new AlertTracker(settings?.renotifyMs ?? 0, context.get('alerts') as TrackerSnapshot | undefined);

    function getBackend(): Promise<TimeseriesBackend> {
      if (!db || typeof db.acquire !== 'function') return Promise.reject(new SettingError('db', t('energy-kpi.errors.no-database')));
      if (backend === undefined) {
        backend = db.acquire(user);
        backend.catch(() => { backend = undefined; });
      }
      return backend;
    }

    /** A table from msg (array of rows) or from its reference-source config node; undefined when neither. */
    async function tableRows(name: TableName, msg: Record<string, unknown>): Promise<unknown> {
      if (Array.isArray(msg[name])) return msg[name];
      if (!sources.has(name)) return undefined;
      const source = sources.get(name);
      if (!source || typeof source.ready !== 'function') throw new SettingError(name, t('energy-kpi.errors.no-source', { table: name }));
      return source.table() ?? (await source.ready());
    }

    async function loadTables(msg: Record<string, unknown>): Promise<Tables> {
      const problems: string[] = [];
      const buildings = parseBuildings(await tableRows('buildings', msg));
      const meters = parseMeters(await tableRows('meters', msg));
      const dju = parseDju(await tableRows('dju', msg));
      const invoices = parseInvoices(await tableRows('invoices', msg));
      problems.push(...buildings.problems, ...meters.problems, ...dju.problems, ...invoices.problems);
      return { buildings: buildings.items, meters: meters.items, dju: dju.items, invoices: invoices.items, problems };
    }

    /** Delta points of the fluids in [start, end), summed per `interval` bucket, in KPI units. */
    async function deltaPoints(s: Settings, tables: Tables, start: number, end: number, interval: '1h' | '1d', msg: Record<string, unknown>): Promise<DeltaPoint[]> {
      let raw: DeltaPoint[];
      if (Array.isArray(msg.points)) {
        raw = (msg.points as DeltaPoint[]).map((p) => ({ ...p, time: typeof p.time === 'number' ? p.time : Date.parse(String(p.time)) }));
      } else {
        const b = await getBackend();
        raw = [];
        const quantities = [...new Set(s.fluids.map((f) => QUANTITY_OF_FLUID[f]))];
        for (const quantity of quantities) {
          const result = await b.query({
            quantity, field: 'delta', start, end, interval, aggregate: 'sum', groupBy: ['site', 'fluid', 'devEui'], timezone: s.timezone, limit: 1000000,
          });
          raw.push(...pointsFromResult(result, quantity));
        }
      }
      // Points stored without enrichment tags: site and fluid from the meter registry.
      for (const p of raw) {
        const meter = p.devEui ? tables.meters.get(String(p.devEui).toLowerCase()) : undefined;
        if (meter && !p.site) {
          p.site = meter.site;
          if (meter.fluid) p.fluid = meter.fluid;
        }
      }
      return toKpiUnits(raw.filter((p) => Number.isFinite(p.time) && p.time >= start && p.time < end && s.fluids.includes(p.fluid)), {
        meters: tables.meters, gasCoefficient: s.gasCoefficient,
      });
    }

    const nameOf = (tables: Tables, site: string) => tables.buildings.get(site)?.name ?? site;

    async function evaluate(s: Settings, msg: Record<string, unknown>, now: number): Promise<{ rows: Record<string, unknown>[]; kpi: unknown[]; alerts: Alert[] }> {
      const tables = await loadTables(msg);
      for (const p of tables.problems) node.warn(p);
      const zone = s.timezone;
      const iso = (ms: number) => localIso(ms, zone);

      if (s.mode === 'leak') {
        const today = localParts(now, zone);
        // the latest complete night: today's if its window is over, else yesterday's
        const todayStart = periodStart(now, 'day', zone);
        const latestNight = localDate(today.hour >= s.nightTo ? todayStart : addPeriods(todayStart, -1, 'day', zone), zone);
        const start = addPeriods(parseLocalDate(latestNight, zone), -s.leakNights, 'day', zone);
        const points = await deltaPoints(s, tables, start, now, '1h', msg);
        const statuses = detectLeaks(nightFlows(points, { zone, fromHour: s.nightFrom, toHour: s.nightTo }), { thresholdM3h: s.leakThreshold, nights: s.leakNights, latestNight });
        const rows = statuses.map((st) => ({
          site: st.site, bâtiment: nameOf(tables, st.site), fluide: FLUID_FR[st.fluid] ?? st.fluid, 'dernière nuit': st.lastNight,
          'débit nocturne min (m³/h)': st.lastMinFlow, 'seuil (m³/h)': s.leakThreshold, 'nuits consécutives': st.consecutiveNights,
          fuite: st.leak ? 'oui' : 'non', 'perte estimée (m³/jour)': st.estimatedLossM3PerDay ?? null,
        }));
        const alerts = statuses.filter((st) => st.leak).map((st) => leakAlert(st, s.leakThreshold, now, tables.buildings));
        return { rows, kpi: statuses, alerts };
      }

      if (s.mode === 'invoice') {
        if (tables.invoices.length === 0) throw new SettingError('invoices', t('energy-kpi.errors.no-invoices'));
        // only billing periods that are over: a running period would look like a huge under-consumption
        const endOf = (i: Invoice) => addPeriods(parseLocalDate(i.periodEnd, zone), 1, 'day', zone);
        const due = tables.invoices.filter((i) => s.fluids.includes(i.fluid) && endOf(i) <= now);
        if (due.length === 0) return { rows: [], kpi: [], alerts: [] };
        const start = Math.min(...due.map((i) => parseLocalDate(i.periodStart, zone)));
        const end = Math.max(...due.map(endOf));
        const points = await deltaPoints(s, tables, start, end, '1d', msg);
        const results = reconcile(due, points, zone);
        const alerts: Alert[] = [];
        const rows = results.map((r) => {
          const alert = r.discrepancyPct !== undefined && Math.abs(r.discrepancyPct) > s.invoiceThreshold;
          if (alert) alerts.push(invoiceAlert(r, s.invoiceThreshold, now, tables.buildings));
          return {
            facture: r.invoice.invoiceNumber, site: r.invoice.site, bâtiment: nameOf(tables, r.invoice.site), fluide: FLUID_FR[r.invoice.fluid] ?? r.invoice.fluid,
            période: invoicePeriodLabel(r.invoice), facturé: r.invoice.consumption, mesuré: r.measured, unité: UNIT_FR[r.invoice.unit] ?? r.invoice.unit,
            'écart (%)': r.discrepancyPct ?? null, 'montant TTC (€)': r.invoice.amountEur ?? null, alerte: alert ? 'oui' : 'non',
          };
        });
        return { rows, kpi: results, alerts };
      }

      // consumption, intensity, baseline: the last `periods` complete periods
      const end = periodStart(now, s.period, zone);
      const start = addPeriods(end, -s.periods, s.period, zone);
      let from = start;
      if (s.mode === 'baseline') {
        from = s.baseline === 'last-year'
          ? addPeriods(start, s.period === 'month' ? -12 : -53, s.period === 'month' ? 'month' : 'week', zone)
          : addPeriods(start, -s.baselineCount, s.period === 'month' ? 'month' : 'week', zone);
      }
      const points = await deltaPoints(s, tables, from, end, '1d', msg);
      const all = consumptionByPeriod(points, s.period, { zone, from, to: end });
      const current = all.filter((r) => r.start >= start);
      const base = (r: typeof current[number]) => ({
        site: r.site, bâtiment: nameOf(tables, r.site), fluide: FLUID_FR[r.fluid] ?? r.fluid, période: r.label, début: iso(r.start), fin: iso(r.end),
        consommation: r.value, unité: UNIT_FR[r.unit] ?? r.unit,
      });
      if (s.mode === 'consumption') return { rows: current.map(base), kpi: current, alerts: [] };
      if (s.mode === 'intensity') {
        const out = normalise(current, tables.buildings, tables.dju, zone);
        const rows = out.map((r) => ({
          ...base(r), 'surface chauffée (m²)': r.heatedAreaM2 ?? null, [`${UNIT_FR[r.unit] ?? r.unit}/m²`]: round(r.perM2, 3), DJU: r.dju ?? null,
          [`${UNIT_FR[r.unit] ?? r.unit}/DJU`]: round(r.perDju, 2),
        }));
        return { rows, kpi: out, alerts: [] };
      }
      const compared = compareWithBaseline(current, all, s.baseline, s.baselineCount, zone);
      const rows = compared.map((r) => ({ ...base(r), référence: r.baseline ?? null, 'base de comparaison': r.baselineLabel ?? null, 'écart (%)': r.deviationPct ?? null }));
      const alerts: Alert[] = [];
      if (s.driftThreshold > 0) {
        const lastStart = addPeriods(end, -1, s.period, zone);
        for (const r of compared) {
          if (r.start === lastStart && r.deviationPct !== undefined && r.deviationPct > s.driftThreshold) alerts.push(driftAlert(r, s.driftThreshold, now, tables.buildings));
        }
      }
      return { rows, kpi: compared, alerts };
    }

    function alertMessage(e: AlertEvent): NodeMessage {
      const cleared = e.event === 'cleared';
      const prefix = cleared ? 'Résolu' : e.alert.severity === 'critical' ? 'Alerte critique' : e.alert.severity === 'warning' ? 'Alerte' : 'Information';
      return {
        topic: e.alert.id,
        payload: cleared ? `Résolu : ${e.alert.text}` : e.alert.text,
        subject: `[${prefix}] ${e.alert.site} – ${FLUID_FR[e.alert.fluid] ?? e.alert.fluid}`,
        event: e.event,
        alert: { ...e.alert, event: e.event, ...(e.clearedAt ? { clearedAt: e.clearedAt } : {}) },
      } as NodeMessage;
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: Array<NodeMessage | NodeMessage[] | null>) => void, done: (err?: Error) => void) => {
      const fail = (err: unknown) => {
        const field = err instanceof SettingError ? err.field : undefined;
        const error = new Error(field ? t('energy-kpi.errors.setting', { detail: (err as Error).message }) : t('energy-kpi.errors.failed', { detail: err instanceof Error ? err.message : String(err) }));
        error.name = 'energy-kpi';
        (error as Error & { code: string }).code = field ? `bad-${field}` : 'failed';
        if (!closed) node.status({ fill: 'red', shape: 'ring', text: field ? t('energy-kpi.status.bad-setting', { field }) : t('energy-kpi.status.failed') });
        done(error);
      };
      if (settingError || !settings) return fail(settingError ?? new Error('no settings'));
      const s = settings;
      let now: number;
      try {
        now = nowOf(msg as unknown as Record<string, unknown>);
      } catch (err) {
        return fail(err);
      }
      evaluate(s, msg as unknown as Record<string, unknown>, now).then(({ rows, kpi, alerts }) => {
        if (closed) return done();
        const events = tracker.update(alerts, now);
        context.set('alerts', tracker.snapshot());
        const out = msg as NodeMessageInFlow & { kpi: unknown; mode: string; alerts: unknown };
        out.payload = rows;
        out.kpi = kpi;
        out.mode = s.mode;
        out.alerts = tracker.activeAlerts();
        send([out, events.length > 0 ? events.map(alertMessage) : null]);
        const active = tracker.activeAlerts().length;
        node.status({
          fill: active > 0 ? 'yellow' : 'green', shape: 'dot',
          text: active > 0 ? t('energy-kpi.status.rows-alerts', { rows: rows.length, alerts: active }) : t('energy-kpi.status.rows', { rows: rows.length }),
        });
        done();
      }).catch(fail);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      node.status({});
      const wasOpen = backend !== undefined;
      backend = undefined;
      if (db && typeof db.release === 'function' && wasOpen) db.release(user).catch(() => undefined).finally(() => done());
      else done();
    });
  }

  RED.nodes.registerType('energy-kpi', EnergyKpiNode);
};
