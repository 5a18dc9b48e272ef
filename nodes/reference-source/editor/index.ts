/**
 * Editor side of the `reference-source` configuration node. Credentials (auth header, connection
 * string, ArcGIS token) are declared here and in the runtime: kept in the credentials file, never
 * in the flow file. The kind-specific rows are shown for the chosen kind only.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface ReferenceSourceProps extends EditorNodeProperties {
  kind: string;
  location: string;
  keyColumn: string;
  requiredColumns: string;
  refreshMinutes: number | string;
  timeout: number | string;
  delimiter: string;
  encoding: string;
  typing: string;
  columnTypes: string;
  rowPath: string;
  query: string;
  where: string;
  outFields: string;
  returnGeometry: boolean;
  geojson: boolean;
}

interface ReferenceSourceCredentials {
  headerName: string;
  headerValue: string;
  connectionString: string;
  token: string;
}

RED.nodes.registerType<ReferenceSourceProps, ReferenceSourceCredentials>('reference-source', {
  category: 'config',
  defaults: {
    name: { value: '' },
    kind: { value: 'csv', required: true },
    location: { value: '' },
    keyColumn: { value: 'devEui' },
    requiredColumns: { value: '' },
    refreshMinutes: {
      value: 0,
      validate: function (value: unknown) {
        const n = Number(value);
        return Number.isFinite(n) && n >= 0;
      },
    },
    timeout: {
      value: 30,
      validate: function (value: unknown) {
        const n = Number(value);
        return Number.isFinite(n) && n > 0 && n <= 600;
      },
    },
    delimiter: { value: '' },
    encoding: { value: 'auto' },
    typing: { value: 'auto' },
    columnTypes: {
      value: '',
      validate: function (value: unknown) {
        return String(value ?? '').split(/[,;\n]/).map((s) => s.trim()).filter((s) => s !== '')
          .every((s) => /^[^:]+:\s*(number|integer|boolean|string)$/.test(s));
      },
    },
    rowPath: { value: '' },
    query: { value: '' },
    where: { value: '1=1' },
    outFields: { value: '*' },
    returnGeometry: { value: true },
    geojson: { value: false },
  },
  credentials: {
    headerName: { type: 'text' },
    headerValue: { type: 'password' },
    connectionString: { type: 'password' },
    token: { type: 'password' },
  },
  icon: 'reference-source.svg',
  label: function () {
    return this.name || this.location || this._('reference-source.label.node');
  },
  oneditprepare: function () {
    const toggle = () => {
      const kind = String($('#node-config-input-kind').val() || 'csv');
      $('.reference-source-csv').toggle(kind === 'csv');
      $('.reference-source-json').toggle(kind === 'json');
      $('.reference-source-postgres').toggle(kind === 'postgres');
      $('.reference-source-arcgis').toggle(kind === 'arcgis');
      $('.reference-source-location').toggle(kind !== 'postgres');
      $('.reference-source-header').toggle(kind === 'csv' || kind === 'json');
    };
    $('#node-config-input-kind').on('change', toggle);
    toggle();
  },
});
