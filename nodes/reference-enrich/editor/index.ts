/**
 * Editor side of `reference-enrich`. The registerType arguments stay literal so node-red-dev can
 * read them. The key and the target are msg properties (typedInput, msg only).
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface ReferenceEnrichProps extends EditorNodeProperties {
  source: string;
  keyProperty: string;
  target: string;
  tags: string;
  waitSeconds: number | string;
  convertPulses: boolean;
  weightColumn: string;
  weightUnitColumn: string;
  startIndexColumn: string;
  indexUnitColumn: string;
  fluidColumn: string;
  gasCoefficientColumn: string;
}

RED.nodes.registerType<ReferenceEnrichProps>('reference-enrich', {
  category: 'smart territory',
  color: '#7FB7BE',
  defaults: {
    name: { value: '' },
    source: { value: '', type: 'reference-source', required: true },
    keyProperty: { value: 'payload.devEui', required: true },
    target: { value: 'site', required: true },
    tags: { value: '' },
    waitSeconds: {
      value: 30,
      validate: function (value: unknown) {
        const n = Number(value);
        return String(value ?? '') === '' || (Number.isFinite(n) && n >= 0 && n <= 3600);
      },
    },
    convertPulses: { value: false },
    weightColumn: { value: 'pulseWeight' },
    weightUnitColumn: { value: 'pulseWeightUnit' },
    startIndexColumn: { value: 'initialIndex' },
    indexUnitColumn: { value: 'unit' },
    fluidColumn: { value: 'fluid' },
    gasCoefficientColumn: { value: 'gasCoefficientKwhPerM3' },
  },
  inputs: 1,
  outputs: 2,
  icon: 'reference-enrich.svg',
  paletteLabel: function () {
    return this._('reference-enrich.label.node');
  },
  label: function () {
    return this.name || this._('reference-enrich.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (index: number) {
    return this._(index === 0 ? 'reference-enrich.outputs.enriched' : 'reference-enrich.outputs.unmatched');
  },
  oneditprepare: function () {
    $('#node-input-keyProperty').typedInput({ types: ['msg'] });
    $('#node-input-target').typedInput({ types: ['msg'] });
    const toggle = () => { $('.reference-enrich-pulses').toggle($('#node-input-convertPulses').is(':checked')); };
    $('#node-input-convertPulses').on('change', toggle);
    toggle();
  },
});
