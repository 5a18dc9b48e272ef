/**
 * `lighting-whatif`: compares two lighting programs (A: today, B: the proposal; each optionally with a
 * second, seasonal program) for cabinets over a year: lit hours, kWh, euros and kg CO2e per cabinet,
 * per commune and in total, and what B saves (nodes/lib/lighting/energy.ts). Cabinets come from
 * msg.payload (an array of rows) or the configured `reference-source` table. Output: msg.payload =
 * table rows with French column names (Dashboard ui-table), msg.whatif = the full result.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { cabinetsFromRows } from '../lib/lighting/cabinets';
import { DEFAULT_EMISSION_KG_PER_KWH, DEFAULT_TARIFF_EUR_PER_KWH, whatIf, WhatIfRow } from '../lib/lighting/energy';
import type { LightingProgram } from '../lib/lighting/model';
import type { ReferenceSourceApi } from '../lib/reference/types';
import enUS = require('./locales/en-US/lighting-whatif.json');
import { Translate, translator } from '../lib/i18n';

interface LightingWhatifDef extends NodeDef {
  programA?: string;
  programA2?: string;
  programB?: string;
  programB2?: string;
  cabinets?: string;
  year?: number | string;
  tariff?: number | string;
  emission?: number | string;
}

interface ProgramNode extends Node {
  program(): LightingProgram;
  priority: number;
  problem?: string;
}

type Done = (err?: Error) => void;
type Msg = NodeMessageInFlow & Record<string, unknown>;

function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A result row → a table row in French (the dashboard is in French). */
function frenchRow(r: WhatIfRow, label: string): Record<string, unknown> {
  return {
    armoire: label,
    commune: r.commune,
    'puissance (W)': round(r.powerW),
    'heures allumées A': round(r.a.litHours, 1),
    'heures allumées B': round(r.b.litHours, 1),
    'kWh/an A': round(r.a.kWh),
    'kWh/an B': round(r.b.kWh),
    '€/an A': round(r.a.eur),
    '€/an B': round(r.b.eur),
    'kg CO2/an A': round(r.a.kgCO2),
    'kg CO2/an B': round(r.b.kgCO2),
    'économies kWh/an': round(r.savedKWh),
    'économies €/an': round(r.savedEur),
    'économies kg CO2/an': round(r.savedKgCO2),
    'économies %': round(r.savedPercent, 1),
  };
}

function numberSetting(v: unknown, fallback: number): number {
  const text = String(v ?? '').trim().replace(',', '.');
  return text === '' ? fallback : Number(text);
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function LightingWhatifNode(this: Node, config: LightingWhatifDef): void {
    RED.nodes.createNode(this, config);
    const node = this;

    function programs(ids: Array<string | undefined>, which: string): LightingProgram[] {
      const list = ids.filter((id): id is string => typeof id === 'string' && id !== '').map((id) => RED.nodes.getNode(id) as unknown as ProgramNode | null);
      if (list.length === 0 || list.some((p) => !p || typeof p.program !== 'function')) throw new Error(t('lighting-whatif.errors.no-program', { which }));
      const bad = list.find((p) => p!.problem);
      if (bad) throw new Error(bad.problem);
      return (list as ProgramNode[]).slice().sort((a, b) => a.priority - b.priority).map((p) => p.program());
    }

    const source = config.cabinets ? (RED.nodes.getNode(config.cabinets) as unknown as ReferenceSourceApi | null) : null;

    node.on('input', async (msg: NodeMessageInFlow, send: (m: NodeMessageInFlow) => void, done: Done) => {
      const m = msg as Msg;
      try {
        node.status({ fill: 'blue', shape: 'dot', text: t('lighting-whatif.status.computing') });
        const a = programs([config.programA, config.programA2], 'A');
        const b = programs([config.programB, config.programB2], 'B');
        let rows: Array<Record<string, unknown>>;
        if (Array.isArray(m.payload)) rows = m.payload as Array<Record<string, unknown>>;
        else if (source && typeof source.ready === 'function') rows = [...(await source.ready()).list];
        else throw new Error(t('lighting-whatif.errors.no-cabinets'));
        const cabinets = cabinetsFromRows(rows);
        const year = Number(m.year ?? numberSetting(config.year, new Date().getFullYear()));
        const result = whatIf(a, b, cabinets, {
          year,
          tariffEurPerKWh: numberSetting(config.tariff, DEFAULT_TARIFF_EUR_PER_KWH),
          emissionKgPerKWh: numberSetting(config.emission, DEFAULT_EMISSION_KG_PER_KWH),
        });
        m.whatif = result;
        m.payload = [
          ...result.rows.map((r) => frenchRow(r, r.name ? `${r.cabinetId} – ${r.name}` : r.cabinetId)),
          ...result.communes.map((r) => frenchRow(r, `Total ${r.commune || '—'}`)),
          frenchRow(result.total, 'Total'),
        ];
        m.topic = m.topic ?? 'lighting-whatif';
        node.status({ fill: 'green', shape: 'dot', text: t('lighting-whatif.status.saved', { kwh: round(result.total.savedKWh), pct: round(result.total.savedPercent, 1) }) });
        send(m);
        done();
      } catch (err) {
        node.status({ fill: 'red', shape: 'ring', text: t('lighting-whatif.status.error') });
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('lighting-whatif', LightingWhatifNode);
};
