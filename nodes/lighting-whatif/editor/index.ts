/**
 * Editor side of `lighting-whatif`. The registerType arguments stay literal so node-red-dev can read them.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface LightingWhatifProps extends EditorNodeProperties {
  programA: string;
  programA2: string;
  programB: string;
  programB2: string;
  cabinets: string;
  year: string;
  tariff: string;
  emission: string;
}

function numberIn(min: number, max: number) {
  return function (value: unknown): boolean {
    const text = String(value ?? '').trim().replace(',', '.');
    const n = Number(text);
    return text === '' || (Number.isFinite(n) && n >= min && n <= max);
  };
}

RED.nodes.registerType<LightingWhatifProps>('lighting-whatif', {
  category: 'smart territory',
  color: '#F3D36B',
  defaults: {
    name: { value: '' },
    programA: { value: '', type: 'lighting-program', required: true },
    programA2: { value: '', type: 'lighting-program', required: false },
    programB: { value: '', type: 'lighting-program', required: true },
    programB2: { value: '', type: 'lighting-program', required: false },
    cabinets: { value: '', type: 'reference-source', required: false },
    year: { value: '', validate: numberIn(1900, 2200) },
    tariff: { value: '0.20', validate: numberIn(0, 10) },
    emission: { value: '0.052', validate: numberIn(0, 10) },
  },
  inputs: 1,
  outputs: 1,
  icon: 'lighting-whatif.svg',
  paletteLabel: function () {
    return this._('lighting-whatif.label.node');
  },
  label: function () {
    return this.name || this._('lighting-whatif.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
});
