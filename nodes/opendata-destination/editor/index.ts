/**
 * Editor side of the `opendata-destination` configuration node. The push key and the API key are
 * declared as credentials here and in the runtime: kept in the credentials file, never in the flow.
 * The registerType arguments stay literal so node-red-dev can read them.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface OpendataDestinationProps extends EditorNodeProperties {
  kind: string;
  baseUrl: string;
  dataset: string;
  resource: string;
  file: string;
  keyField: string;
  keyColumns: string;
  maxRecords: string;
  timeout: string;
  attempts: string;
}

interface OpendataDestinationCredentials {
  pushKey: string;
  apiKey: string;
}

function numberIn(min: number, max: number) {
  return function (value: unknown): boolean {
    const text = String(value ?? '').trim();
    const n = Number(text);
    return text === '' || (Number.isFinite(n) && n >= min && n <= max);
  };
}

RED.nodes.registerType<OpendataDestinationProps, OpendataDestinationCredentials>('opendata-destination', {
  category: 'config',
  color: '#9BC8A0',
  defaults: {
    name: { value: '' },
    kind: { value: 'opendatasoft', validate: (value: unknown) => value === 'opendatasoft' || value === 'udata' },
    baseUrl: {
      value: '',
      validate: function (this: OpendataDestinationProps, value: unknown) {
        const text = String(value ?? '').trim();
        if (text === '') return $('#node-config-input-kind').length ? $('#node-config-input-kind').val() === 'udata' : this.kind === 'udata';
        return /^https?:\/\/[^\s]+$/i.test(text);
      },
    },
    dataset: { value: '', required: true },
    resource: {
      value: '',
      validate: function (this: OpendataDestinationProps, value: unknown) {
        const kind = $('#node-config-input-kind').length ? $('#node-config-input-kind').val() : this.kind;
        return kind !== 'opendatasoft' || String(value ?? '').trim() !== '';
      },
    },
    file: { value: 'csv' },
    keyField: { value: 'cle' },
    keyColumns: { value: '' },
    maxRecords: { value: '1000', validate: numberIn(1, 100000) },
    timeout: { value: '30', validate: numberIn(1, 600) },
    attempts: { value: '4', validate: numberIn(1, 10) },
  },
  credentials: {
    pushKey: { type: 'password' },
    apiKey: { type: 'password' },
  },
  icon: 'opendata-destination.svg',
  label: function () {
    if (this.name) return this.name;
    const where = this.kind === 'udata' ? 'data.gouv.fr' : 'Opendatasoft';
    return this.dataset ? `${where} · ${this.dataset}` : where;
  },
  oneditprepare: function () {
    const toggle = () => {
      const kind = String($('#node-config-input-kind').val() || 'opendatasoft');
      $('.opendata-destination-ods').toggle(kind === 'opendatasoft');
      $('.opendata-destination-udata').toggle(kind === 'udata');
      $('#node-config-input-baseUrl').attr('placeholder', kind === 'udata'
        ? 'https://www.data.gouv.fr'
        : 'https://data.grandpoitiers.fr');
    };
    $('#node-config-input-kind').on('change', toggle);
    toggle();
  },
});
