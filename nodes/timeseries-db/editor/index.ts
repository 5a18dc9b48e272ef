/**
 * Editor side of the `timeseries-db` configuration node. Credentials (user, password, token) are
 * declared here and in the runtime: they are kept in the credentials file, never in the flow file.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface TimeseriesDbProps extends EditorNodeProperties {
  url: string;
  database: string;
  retentionPolicy: string;
  createDatabase: boolean;
  timeout: number;
}

interface TimeseriesDbCredentials {
  username: string;
  password: string;
  token: string;
}

RED.nodes.registerType<TimeseriesDbProps, TimeseriesDbCredentials>('timeseries-db', {
  category: 'config',
  defaults: {
    name: { value: '' },
    url: { value: '${SUPERVISOR_TIMESERIES_URL}' },
    database: { value: '' },
    retentionPolicy: { value: '' },
    createDatabase: { value: true },
    timeout: {
      value: 10,
      validate: function (value: unknown) {
        const n = Number(value);
        return Number.isFinite(n) && n > 0 && n <= 600;
      },
    },
  },
  credentials: {
    username: { type: 'text' },
    password: { type: 'password' },
    token: { type: 'password' },
  },
  icon: 'timeseries-db.svg',
  label: function () {
    if (this.name) return this.name;
    const url = (this.url || '').trim();
    if (url === '' || /^\$\{[^}]*\}$/.test(url)) return this._('timeseries-db.label.default');
    return this.database ? `${url} · ${this.database}` : url;
  },
  oneditprepare: function () {
    const toggle = () => {
      const url = String($('#node-config-input-url').val() || '').trim();
      const influx = /^https?:\/\//i.test(url) || /^\$\{[^}]*\}$/.test(url) || url === '';
      $('.timeseries-db-influx').toggle(influx);
    };
    $('#node-config-input-url').on('change keyup', toggle);
    toggle();
  },
});
