/**
 * Editor side of `lorawan-downlink`. The registerType arguments stay literal so node-red-dev can read them.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface LorawanDownlinkProps extends EditorNodeProperties {
  server: string;
  encoding: string;
  confirmed: boolean;
}

RED.nodes.registerType<LorawanDownlinkProps>('lorawan-downlink', {
  category: 'smart territory',
  color: '#3FADB5',
  defaults: {
    name: { value: '' },
    server: { value: '', type: 'chirpstack-server', required: true },
    encoding: { value: 'hex' },
    confirmed: { value: false },
  },
  inputs: 1,
  outputs: 2,
  icon: 'lorawan-downlink.svg',
  align: 'right',
  paletteLabel: function () {
    return this._('lorawan-downlink.label.node');
  },
  label: function () {
    return this.name || this._('lorawan-downlink.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: 'DownlinkRequest',
  outputLabels: function (index: number) {
    return this._(index === 0 ? 'lorawan-downlink.outputs.result' : 'lorawan-downlink.outputs.mqtt');
  },
});
