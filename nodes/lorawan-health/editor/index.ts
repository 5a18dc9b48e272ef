/**
 * Editor side of `lorawan-health`. The registerType arguments stay literal so node-red-dev can read them.
 * Output 1: the device table; output 2: the summary; output 3: the alerts.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface LorawanHealthProps extends EditorNodeProperties {
  silentFactor: number;
  minInterval: number;
  checkInterval: number;
  publishInterval: number;
  errorBurst: number;
  errorWindow: number;
  lowBattery: number;
  alarms: string;
  eventHold: number;
  keepState: boolean;
}

function isNumberIn(value: unknown, min: number, max: number): boolean {
  const n = Number(value);
  return String(value ?? '').trim() !== '' && Number.isFinite(n) && n >= min && n <= max;
}

RED.nodes.registerType<LorawanHealthProps>('lorawan-health', {
  category: 'smart territory',
  color: '#3FADB5',
  defaults: {
    name: { value: '' },
    silentFactor: { value: 3, validate: (value: unknown) => isNumberIn(value, 1, 1000) },
    minInterval: { value: 0, validate: (value: unknown) => isNumberIn(value, 0, 525600) },
    checkInterval: { value: 5, validate: (value: unknown) => isNumberIn(value, 0.1, 5) },
    publishInterval: { value: 2, validate: (value: unknown) => isNumberIn(value, 0.1, 3600) },
    errorBurst: { value: 3, validate: (value: unknown) => Number.isInteger(Number(value)) && isNumberIn(value, 1, 1000) },
    errorWindow: { value: 15, validate: (value: unknown) => isNumberIn(value, 0.1, 10080) },
    lowBattery: { value: 10, validate: (value: unknown) => isNumberIn(value, 0, 100) },
    alarms: { value: '' },
    eventHold: { value: 24, validate: (value: unknown) => isNumberIn(value, 0.01, 8760) },
    keepState: { value: true },
  },
  inputs: 1,
  outputs: 3,
  icon: 'lorawan-health.svg',
  paletteLabel: function () {
    return this._('lorawan-health.label.node');
  },
  label: function () {
    return this.name || this._('lorawan-health.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function () {
    return this._('lorawan-health.inputs.messages');
  },
  outputLabels: function (index: number) {
    return this._(index === 0 ? 'lorawan-health.outputs.table' : index === 1 ? 'lorawan-health.outputs.summary' : 'lorawan-health.outputs.alerts');
  },
});
