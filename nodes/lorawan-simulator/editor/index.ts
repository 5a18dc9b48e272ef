/**
 * Editor definition of lorawan-simulator. The registerType call keeps literal type, category, color,
 * icon, inputs and outputs: node-red-dev and the package spec parse them from the built HTML.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface LorawanSimulatorProperties extends EditorNodeProperties {
  fleetFile: string;
  speed: string;
  seed: string;
  autoStart: boolean;
  filter: string;
  historyDays: string;
}

/** An environment variable reference such as ${SUPERVISOR_SIMULATOR_SPEED}, resolved by the runtime. */
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

RED.nodes.registerType<LorawanSimulatorProperties>('lorawan-simulator', {
  category: 'smart territory',
  color: '#3FADB5',
  defaults: {
    name: { value: '' },
    fleetFile: { value: '' },
    speed: {
      value: '60',
      validate: (v: string) => v === '' || ENV_REFERENCE.test(v) || (Number(v) > 0 && Number(v) <= 100000),
    },
    seed: {
      value: '1',
      validate: (v: string) => v === '' || ENV_REFERENCE.test(v) || Number.isInteger(Number(v)),
    },
    autoStart: { value: true },
    filter: { value: '' },
    historyDays: {
      value: '',
      validate: (v: string) => v === '' || ENV_REFERENCE.test(v) || (Number.isInteger(Number(v)) && Number(v) >= 0 && Number(v) <= 1830),
    },
  },
  inputs: 1,
  outputs: 1,
  icon: 'lorawan-simulator.svg',
  label: function () {
    return this.name || this._('lorawan-simulator.paletteLabel');
  },
  paletteLabel: function () {
    return this._('lorawan-simulator.paletteLabel');
  },
  inputLabels: function () {
    return this._('lorawan-simulator.inputLabel');
  },
  outputLabels: function () {
    return this._('lorawan-simulator.outputLabel');
  },
  oneditprepare: function () {
    const settings = RED.settings as unknown as Record<string, unknown>;
    $('#node-lorawan-simulator-disabled').toggle(settings.lorawanSimulatorEnabled === false);
  },
});
