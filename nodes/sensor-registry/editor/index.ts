/**
 * Editor side of `sensor-registry`. The registerType arguments stay literal so node-red-dev can
 * read them.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface SensorRegistryProps extends EditorNodeProperties {
  charter: string;
  path: string;
  devices: string;
  meters: string;
  buildings: string;
  maxAge: string;
}

const csvName = function (value: unknown): boolean {
  const text = String(value ?? '').trim();
  return text === '' || /\.(csv|tsv|txt)$/i.test(text);
};

RED.nodes.registerType<SensorRegistryProps>('sensor-registry', {
  category: 'smart territory',
  color: '#C7E9C0',
  defaults: {
    name: { value: '' },
    charter: { value: '', type: 'data-charter', required: false },
    path: {
      value: '/opendata',
      validate: function (value: unknown) {
        return /^\/?[A-Za-z0-9._~\-/]*$/.test(String(value ?? ''));
      },
    },
    devices: { value: 'devices.csv', validate: csvName },
    meters: { value: 'meters.csv', validate: csvName },
    buildings: { value: 'buildings.csv', validate: csvName },
    maxAge: {
      value: '300',
      validate: function (value: unknown) {
        const text = String(value ?? '').trim();
        const n = Number(text);
        return text === '' || (Number.isInteger(n) && n >= 0 && n <= 86400);
      },
    },
  },
  inputs: 1,
  outputs: 1,
  icon: 'sensor-registry.svg',
  label: function () {
    return this.name || this._('sensor-registry.label.node');
  },
  paletteLabel: function () {
    return this._('sensor-registry.label.node');
  },
});
