/**
 * `reference-source`: configuration node holding one reference table of the city's business
 * software (CSV/TSV file or URL, JSON API, PostgreSQL query, ArcGIS REST layer). Implements
 * ReferenceSourceApi (nodes/lib/reference/types.ts) for reference-enrich and the KPI nodes: lazy
 * load on the first user, refresh every N minutes, the last good table kept when a reload fails.
 * Credentials (HTTP header, connection string, ArcGIS token) are Node-RED credentials, never in
 * the flow file. The loading logic is nodes/lib/reference/source.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { parseColumnTypes } from '../lib/reference/csv';
import { isHttpUrl, safeUrl } from '../lib/reference/fetch';
import { ReferenceSource, SourceConfig, SourceKind, SourceState } from '../lib/reference/source';
import { columnList } from '../lib/reference/table';
import type { ReferenceSourceApi, ReferenceTable } from '../lib/reference/types';
import enUS = require('./locales/en-US/reference-source.json');
import { Translate, translator } from '../lib/i18n';

interface ReferenceSourceDef extends NodeDef {
  kind?: SourceKind;
  location?: string;
  keyColumn?: string;
  requiredColumns?: string;
  refreshMinutes?: number | string;
  timeout?: number | string;
  delimiter?: string;
  encoding?: string;
  typing?: string;
  columnTypes?: string;
  rowPath?: string;
  query?: string;
  where?: string;
  outFields?: string;
  returnGeometry?: boolean;
  geojson?: boolean;
}

interface Credentials {
  headerName?: string;
  headerValue?: string;
  connectionString?: string;
  token?: string;
}

/** What reference-enrich (and other users) may rely on besides ReferenceSourceApi. */
interface ReferenceSourceNode extends ReferenceSourceApi {
  onState(listener: (state: SourceState) => void): () => void;
  state(): SourceState;
  reload(): Promise<ReferenceTable>;
  description: string;
}


/** The package's data folder, from dist/nodes/reference-source/ or nodes/reference-source/. */
const PACKAGE_DATA = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../data' : '../../data');



const DELIMITERS: Record<string, ',' | ';' | '\t' | ''> = { '': '', auto: '', comma: ',', ',': ',', semicolon: ';', ';': ';', tab: '\t', '\\t': '\t' };

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function dataDir(): string {
    let configured: unknown;
    try {
      configured = (RED.settings as unknown as Record<string, unknown>).supervisorDataDir;
    } catch {
      configured = undefined;
    }
    return typeof configured === 'string' && configured !== '' && fs.existsSync(configured) ? configured : PACKAGE_DATA;
  }

  function ReferenceSourceConfigNode(this: Node<Credentials> & ReferenceSourceNode, config: ReferenceSourceDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const credentials = node.credentials ?? {};
    const kind = (config.kind ?? 'csv') as SourceKind;
    const name = String(config.name ?? '').trim() || String(config.location ?? '').trim() || kind;
    let location = String(config.location ?? '').trim();
    if ((kind === 'csv') && location !== '' && !isHttpUrl(location) && !path.isAbsolute(location)) location = path.resolve(dataDir(), location);
    const refresh = Number(config.refreshMinutes ?? 0);
    const timeout = Number(config.timeout ?? 30);
    let configError: Error | undefined;
    let columnTypes = {};
    try {
      columnTypes = parseColumnTypes(config.columnTypes);
    } catch (err) {
      configError = err as Error;
    }
    if (kind !== 'postgres' && location === '') configError = new Error(t('reference-source.errors.no-location', { name }));
    const sourceConfig: SourceConfig = {
      name,
      kind,
      location,
      keyColumn: String(config.keyColumn ?? '').trim(),
      requiredColumns: columnList(config.requiredColumns),
      refreshMinutes: Number.isFinite(refresh) && refresh > 0 ? refresh : 0,
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 30000,
      csv: {
        delimiter: DELIMITERS[String(config.delimiter ?? '')] ?? '',
        encoding: config.encoding === 'utf-8' || config.encoding === 'windows-1252' ? config.encoding : 'auto',
        typing: config.typing === 'none' ? 'none' : 'auto',
        columnTypes,
      },
      json: { rowPath: String(config.rowPath ?? '') },
      postgres: { query: String(config.query ?? '') },
      arcgis: {
        where: config.where,
        outFields: config.outFields,
        returnGeometry: config.returnGeometry !== false,
        format: config.geojson === true ? 'geojson' : 'json',
      },
      credentials: {
        headerName: credentials.headerName?.trim() || undefined,
        headerValue: credentials.headerValue,
        connectionString: credentials.connectionString,
        token: credentials.token,
      },
    };
    const loader = configError ? () => Promise.reject(configError) : undefined;
    const source = new ReferenceSource(sourceConfig, loader, (err) => {
      node.error(t('reference-source.errors.load', { name, detail: err.message }));
    });
    const description = kind === 'postgres' ? 'PostgreSQL' : isHttpUrl(location) ? safeUrl(location) : location;
    Object.defineProperty(node, 'description', { value: description, enumerable: true });
    node.table = () => source.table();
    node.ready = () => source.ready();
    node.onUpdate = (listener) => source.onUpdate(listener);
    node.onState = (listener) => source.onState(listener);
    node.state = () => source.state();
    node.reload = () => source.reload();

    node.on('close', (_removed: boolean, done: () => void) => {
      source.close();
      done();
    });
  }

  RED.nodes.registerType('reference-source', ReferenceSourceConfigNode as unknown as (this: Node, config: NodeDef) => void, {
    credentials: {
      headerName: { type: 'text' },
      headerValue: { type: 'password' },
      connectionString: { type: 'password' },
      token: { type: 'password' },
    },
  });
};
