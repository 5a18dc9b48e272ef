/**
 * Editor side of `lorawan-mqtt-in`. The registerType arguments stay literal so node-red-dev can read them.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface LorawanMqttInProps extends EditorNodeProperties {
  broker: string;
  topic: string;
  shareGroup: string;
  clientId: string;
  username: string;
  passwordEnv: string;
  settleTimeout: number;
  sessionExpiry: number;
  receiveMaximum: number;
  metricsInterval: number;
}

interface LorawanMqttInCredentials {
  password: string;
}

/** A number within bounds, or a ${VARIABLE} reference resolved at deploy. */
function between(min: number, max: number) {
  return function (value: unknown): boolean {
    if (typeof value === 'string' && /^\$\{\w+\}$/.test(value.trim())) return true;
    const n = Number(value);
    return value !== '' && Number.isFinite(n) && n >= min && n <= max;
  };
}

RED.nodes.registerType<LorawanMqttInProps, LorawanMqttInCredentials>('lorawan-mqtt-in', {
  category: 'smart territory',
  color: '#D8BFD8',
  defaults: {
    name: { value: '' },
    broker: { value: '${SUPERVISOR_MQTT_URL}', required: true },
    topic: { value: 'application/+/device/+/event/+', required: true },
    shareGroup: { value: '' },
    clientId: { value: '' },
    username: { value: '' },
    passwordEnv: { value: '' },
    settleTimeout: { value: 30, validate: between(1, 3600) },
    sessionExpiry: { value: 86400, validate: between(1, 4294967295) },
    receiveMaximum: { value: 1000, validate: between(1, 65535) },
    metricsInterval: { value: 60, validate: between(0, 86400) },
  },
  credentials: {
    password: { type: 'password' },
  },
  inputs: 0,
  outputs: 2,
  icon: 'lorawan-mqtt-in.svg',
  paletteLabel: function () {
    return this._('lorawan-mqtt-in.label.node');
  },
  label: function () {
    return this.name || this._('lorawan-mqtt-in.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (index: number) {
    return index === 0 ? this._('lorawan-mqtt-in.outputs.messages') : this._('lorawan-mqtt-in.outputs.metrics');
  },
});
