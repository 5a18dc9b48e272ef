/**
 * Editor side of the `chirpstack-server` configuration node. The API token is a credential: kept in
 * the credentials file, never in the flow file.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface ChirpstackServerProps extends EditorNodeProperties {
  mode: string;
  server: string;
  tls: boolean;
  caFile: string;
  deadline: number | string;
  attempts: number | string;
  retryDelay: number | string;
  applicationId: string;
}

interface ChirpstackServerCredentials {
  token: string;
}

function numberIn(min: number, max: number, integer: boolean) {
  return function (value: unknown): boolean {
    if (String(value ?? '').trim() === '') return true;
    const n = Number(value);
    return Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n));
  };
}

RED.nodes.registerType<ChirpstackServerProps, ChirpstackServerCredentials>('chirpstack-server', {
  category: 'config',
  defaults: {
    name: { value: '' },
    mode: { value: 'mqtt' },
    server: {
      value: 'localhost:8080',
      validate: function (this: ChirpstackServerProps, value: unknown) {
        const mode = String($('#node-config-input-mode').val() || this.mode || 'mqtt');
        return mode !== 'grpc' || /^(?:(?:grpcs?|https?):\/\/)?[^/\s:]+:\d{1,5}\/?$/.test(String(value ?? '').trim());
      },
    },
    tls: { value: false },
    caFile: { value: '' },
    deadline: { value: 10, validate: numberIn(0.1, 300, false) },
    attempts: { value: 3, validate: numberIn(1, 10, true) },
    retryDelay: { value: 500, validate: numberIn(0, 60000, false) },
    applicationId: { value: '' },
  },
  credentials: {
    token: { type: 'password' },
  },
  icon: 'chirpstack-server.svg',
  label: function () {
    if (this.name) return this.name;
    return this.mode === 'grpc' ? `ChirpStack ${this.server}` : `ChirpStack MQTT${this.applicationId ? ` · ${this.applicationId.slice(0, 8)}` : ''}`;
  },
  oneditprepare: function () {
    const toggle = () => {
      const grpc = $('#node-config-input-mode').val() === 'grpc';
      $('.chirpstack-server-grpc').toggle(grpc);
      $('.chirpstack-server-mqtt').toggle(!grpc);
      $('.chirpstack-server-tls').toggle(grpc && $('#node-config-input-tls').is(':checked'));
    };
    $('#node-config-input-mode').on('change', toggle);
    $('#node-config-input-tls').on('change', toggle);
    toggle();
  },
});
