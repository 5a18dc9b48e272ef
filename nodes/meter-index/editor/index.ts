/**
 * Editor side of `meter-index`. The registerType arguments stay literal so node-red-dev can read them.
 * Output 1: the Readings with their deltas; output 2: the anomalies.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface MeterIndexProps extends EditorNodeProperties {
  rolloverMode: string;
  rolloverDigits: number;
  rolloverValue: string;
  rolloverScale: string;
  rolloverMargin: number;
  rolloverByModel: string;
  expectedInterval: number;
  gapFactor: number;
  gapPolicy: string;
  saveInterval: number;
}

function isNumberIn(value: unknown, min: number, max: number, allowEmpty = false): boolean {
  if (allowEmpty && String(value ?? '').trim() === '') return true;
  const n = Number(value);
  return String(value ?? '').trim() !== '' && Number.isFinite(n) && n >= min && n <= max;
}

RED.nodes.registerType<MeterIndexProps>('meter-index', {
  category: 'smart territory',
  color: '#3FADB5',
  defaults: {
    name: { value: '' },
    rolloverMode: { value: 'none' },
    rolloverDigits: {
      value: 5,
      validate: function (this: MeterIndexProps, value: unknown) {
        return this.rolloverMode !== 'digits' || (Number.isInteger(Number(value)) && isNumberIn(value, 1, 15));
      },
    },
    rolloverValue: {
      value: '',
      validate: function (this: MeterIndexProps, value: unknown) {
        return this.rolloverMode !== 'custom' || isNumberIn(value, Number.MIN_VALUE, Number.MAX_VALUE);
      },
    },
    rolloverScale: {
      value: '',
      validate: function (value: unknown) {
        return isNumberIn(value, Number.MIN_VALUE, Number.MAX_VALUE, true);
      },
    },
    rolloverMargin: { value: 10, validate: (value: unknown) => isNumberIn(value, 0.001, 100) },
    rolloverByModel: {
      value: '',
      validate: function (value: unknown) {
        const text = String(value ?? '').trim();
        if (text === '') return true;
        try {
          const parsed = JSON.parse(text);
          return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
        } catch {
          return false;
        }
      },
    },
    expectedInterval: { value: 0, validate: (value: unknown) => isNumberIn(value, 0, 525600) },
    gapFactor: { value: 3, validate: (value: unknown) => isNumberIn(value, 1, 1000) },
    gapPolicy: { value: 'flag' },
    saveInterval: { value: 5, validate: (value: unknown) => isNumberIn(value, 0.1, 3600) },
  },
  inputs: 1,
  outputs: 2,
  icon: 'meter-index.svg',
  paletteLabel: function () {
    return this._('meter-index.label.node');
  },
  label: function () {
    return this.name || this._('meter-index.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: 'Reading',
  outputLabels: function (index: number) {
    return this._(index === 0 ? 'meter-index.outputs.readings' : 'meter-index.outputs.events');
  },
  oneditprepare: function () {
    const modeChanged = () => {
      const mode = String($('#node-input-rolloverMode').val());
      $('.meter-index-digits').toggle(mode === 'digits');
      $('.meter-index-value').toggle(mode === 'custom');
      $('.meter-index-scale').toggle(mode === '16bit' || mode === '24bit' || mode === '32bit');
      $('.meter-index-margin').toggle(mode !== 'none');
    };
    $('#node-input-rolloverMode').on('change', modeChanged);
    modeChanged();
    const gapChanged = () => $('.meter-index-gap').toggle(Number($('#node-input-expectedInterval').val()) > 0);
    $('#node-input-expectedInterval').on('change keyup', gapChanged);
    gapChanged();
  },
});
