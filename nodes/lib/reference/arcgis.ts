/**
 * Reference tables from an ArcGIS REST FeatureServer (or MapServer) layer — the city's GIS (lighting
 * assets, buildings, parcels). Pure: no Node-RED import.
 *
 * - the layer description (`<layer>?f=json`) gives `maxRecordCount`; pages are requested with
 *   `<layer>/query?where&outFields&returnGeometry&outSR=4326&f=json|geojson&resultOffset&resultRecordCount`
 *   (page size = min(configured, maxRecordCount)) until `exceededTransferLimit` is false;
 * - attributes become columns; a point geometry becomes `longitude`/`latitude` columns (WGS 84),
 *   any other geometry a `geometry` column `{type, coordinates}` (GeoJSON-like: LineString,
 *   MultiLineString, Polygon with its rings as given, MultiPoint);
 * - the token (credential) is sent as the `token` parameter and masked in every message;
 * - ArcGIS error objects (`{error: {code, message, details}}`, often with HTTP 200) become errors.
 */
import { httpGet, safeUrl } from './fetch';
import { buildTable, columnList, ReferenceError } from './table';
import type { ReferenceRow, ReferenceTable } from './types';

export interface ArcgisSourceOptions {
  name: string;
  /** Layer URL, e.g. https://gis.example/arcgis/rest/services/Eclairage/FeatureServer/0 */
  url: string;
  keyColumn: string;
  requiredColumns?: readonly string[];
  where?: string;
  outFields?: string;
  returnGeometry?: boolean;
  format?: 'json' | 'geojson';
  token?: string;
  /** Page size wish; the server's maxRecordCount caps it. */
  pageSize?: number;
  timeoutMs?: number;
  /** Safety bound on the number of pages. */
  maxPages?: number;
}

interface ArcgisErrorBody {
  error?: { code?: number; message?: string; details?: unknown[] };
}

function layerUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/\/query$/i, '');
}

async function getJson(url: string, options: ArcgisSourceOptions): Promise<Record<string, unknown>> {
  const body = await httpGet(url, { timeoutMs: options.timeoutMs, what: 'ArcGIS layer' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ReferenceError(`ArcGIS layer ${safeUrl(url)}: the answer is not JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object') throw new ReferenceError(`ArcGIS layer ${safeUrl(url)}: unexpected answer`);
  const error = (parsed as ArcgisErrorBody).error;
  if (error !== undefined && error !== null) {
    const details = Array.isArray(error.details) && error.details.length ? ` (${error.details.join('; ')})` : '';
    const hint = error.code === 498 || error.code === 499 ? ' — check the ArcGIS token' : '';
    throw new ReferenceError(`ArcGIS layer ${safeUrl(url)}: error ${error.code ?? '?'} ${error.message ?? 'without message'}${details}${hint}`);
  }
  return parsed as Record<string, unknown>;
}

type Geometry = Record<string, unknown>;

/** Esri JSON geometry → columns. */
function esriGeometry(geometry: Geometry | null | undefined, row: ReferenceRow): void {
  if (!geometry) return;
  if (typeof geometry.x === 'number' && typeof geometry.y === 'number') {
    row.longitude = geometry.x;
    row.latitude = geometry.y;
  } else if (Array.isArray(geometry.paths)) {
    const paths = geometry.paths as unknown[];
    row.geometry = paths.length === 1 ? { type: 'LineString', coordinates: paths[0] } : { type: 'MultiLineString', coordinates: paths };
  } else if (Array.isArray(geometry.rings)) {
    row.geometry = { type: 'Polygon', coordinates: geometry.rings };
  } else if (Array.isArray(geometry.points)) {
    row.geometry = { type: 'MultiPoint', coordinates: geometry.points };
  }
}

/** GeoJSON geometry → columns. */
function geojsonGeometry(geometry: Geometry | null | undefined, row: ReferenceRow): void {
  if (!geometry) return;
  if (geometry.type === 'Point' && Array.isArray(geometry.coordinates)) {
    const [longitude, latitude] = geometry.coordinates as number[];
    row.longitude = longitude;
    row.latitude = latitude;
  } else {
    row.geometry = { type: geometry.type, coordinates: geometry.coordinates };
  }
}

export async function loadArcgis(options: ArcgisSourceOptions): Promise<ReferenceTable> {
  const layer = layerUrl(options.url);
  const token = (options.token ?? '').trim();
  const format = options.format ?? 'json';
  const withToken = (params: URLSearchParams) => { if (token) params.set('token', token); return params; };
  const info = await getJson(`${layer}?${withToken(new URLSearchParams({ f: 'json' }))}`, options);
  const maxRecordCount = Number(info.maxRecordCount) > 0 ? Number(info.maxRecordCount) : 1000;
  const pageSize = Math.max(1, Math.min(options.pageSize && options.pageSize > 0 ? options.pageSize : maxRecordCount, maxRecordCount));
  const maxPages = options.maxPages ?? 10000;
  const rows: ReferenceRow[] = [];
  const columns = new Set<string>();
  const returnGeometry = options.returnGeometry !== false;
  let offset = 0;
  for (let page = 0; ; page++) {
    if (page >= maxPages) throw new ReferenceError(`ArcGIS layer ${safeUrl(layer)}: more than ${maxPages} pages of ${pageSize} features`);
    const params = withToken(new URLSearchParams({
      where: (options.where ?? '').trim() || '1=1',
      outFields: (options.outFields ?? '').trim() || '*',
      returnGeometry: String(returnGeometry),
      outSR: '4326',
      f: format,
      resultOffset: String(offset),
      resultRecordCount: String(pageSize),
    }));
    const answer = await getJson(`${layer}/query?${params}`, options);
    const features = answer.features;
    if (!Array.isArray(features)) throw new ReferenceError(`ArcGIS layer ${safeUrl(layer)}: the query answer has no "features" list`);
    for (const feature of features as Array<Record<string, unknown>>) {
      const row: ReferenceRow = {};
      if (format === 'geojson') {
        Object.assign(row, feature.properties ?? {});
        if (feature.id !== undefined && !('id' in row)) row.id = feature.id;
        if (returnGeometry) geojsonGeometry(feature.geometry as Geometry, row);
      } else {
        Object.assign(row, feature.attributes ?? {});
        if (returnGeometry) esriGeometry(feature.geometry as Geometry, row);
      }
      for (const column of Object.keys(row)) columns.add(column);
      rows.push(row);
    }
    const properties = answer.properties as { exceededTransferLimit?: boolean } | undefined;
    const exceeded = answer.exceededTransferLimit === true || properties?.exceededTransferLimit === true;
    if (!exceeded || features.length === 0) break;
    offset += features.length;
  }
  // Attributes declared by the layer come first, in its order.
  const declared = Array.isArray(info.fields) ? (info.fields as Array<{ name?: string }>).map((f) => String(f.name)).filter((n) => columns.has(n)) : [];
  const ordered = [...new Set([...declared, ...columns])];
  return buildTable({
    name: options.name,
    origin: safeUrl(layer),
    keyColumn: options.keyColumn,
    requiredColumns: columnList(options.requiredColumns),
    columns: ordered,
    rows,
    rowLabel: (index) => `feature ${index + 1}`,
  });
}
