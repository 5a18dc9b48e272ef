/**
 * Editor side of `energy-kpi`. The registerType arguments stay literal so node-red-dev can read them.
 * The form shows the settings of the selected indicator only.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface EnergyKpiProps extends EditorNodeProperties {
  mode: string;
  db: string;
  buildings: string;
  meters: string;
  dju: string;
  invoices: string;
  fluids: string;
  period: string;
  periods: string;
  baseline: string;
  baselineCount: string;
  driftThreshold: string;
  leakThreshold: string;
  leakNights: string;
  nightFrom: string;
  nightTo: string;
  invoiceThreshold: string;
  gasCoefficient: string;
  renotifyHours: string;
  timezone: string;
}

function numberIn(min: number, max: number) {
  return function (value: unknown): boolean {
    const text = String(value ?? '').trim().replace(',', '.');
    const n = Number(text);
    return text === '' || (Number.isFinite(n) && n >= min && n <= max);
  };
}

/** Rows shown per mode (class names of the template's form rows). */
const ROWS: Record<string, string[]> = {
  consumption: ['fluids', 'period'],
  intensity: ['fluids', 'period', 'buildings', 'dju'],
  baseline: ['fluids', 'period', 'baseline', 'drift'],
  leak: ['leak'],
  invoice: ['fluids', 'invoices', 'invoice'],
};

RED.nodes.registerType<EnergyKpiProps>('energy-kpi', {
  category: 'smart territory',
  color: '#A6BBCF',
  defaults: {
    name: { value: '' },
    mode: { value: 'consumption' },
    db: { value: '', type: 'timeseries-db', required: false },
    buildings: { value: '', type: 'reference-source', required: false },
    meters: { value: '', type: 'reference-source', required: false },
    dju: { value: '', type: 'reference-source', required: false },
    invoices: { value: '', type: 'reference-source', required: false },
    fluids: { value: 'water,gas,electricity', validate: (value: unknown) => /^\s*((water|gas|electricity|lighting)\s*(,\s*|$))*$/.test(String(value ?? '')) },
    period: { value: 'day' },
    periods: { value: '7', validate: numberIn(1, 400) },
    baseline: { value: 'median' },
    baselineCount: { value: '4', validate: numberIn(1, 52) },
    driftThreshold: { value: '20', validate: numberIn(0, 10000) },
    leakThreshold: { value: '0.05', validate: numberIn(0, 1000) },
    leakNights: { value: '3', validate: numberIn(1, 60) },
    nightFrom: { value: '1', validate: numberIn(0, 23) },
    nightTo: { value: '5', validate: numberIn(1, 24) },
    invoiceThreshold: { value: '10', validate: numberIn(0, 10000) },
    gasCoefficient: { value: '11.2', validate: numberIn(0.1, 100) },
    renotifyHours: { value: '0', validate: numberIn(0, 100000) },
    timezone: { value: 'Europe/Paris' },
  },
  inputs: 1,
  outputs: 2,
  icon: 'energy-kpi.svg',
  paletteLabel: function () {
    return this._('energy-kpi.label.node');
  },
  label: function () {
    return this.name || `${this._('energy-kpi.label.node')}: ${this._(`energy-kpi.mode.${this.mode || 'consumption'}`)}`;
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: 'trigger',
  outputLabels: function (index: number) {
    return this._(index === 0 ? 'energy-kpi.outputs.rows' : 'energy-kpi.outputs.alerts');
  },
  oneditprepare: function () {
    const show = () => {
      const mode = String($('#node-input-mode').val() || 'consumption');
      $('.energy-kpi-row').hide();
      for (const row of ROWS[mode] ?? []) $(`.energy-kpi-${row}`).show();
    };
    $('#node-input-mode').on('change', show);
    show();
  },
});
