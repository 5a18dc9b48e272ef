/**
 * Open-data file formats of one dataset (opendata.md §7–§8): CSV (UTF-8, comma, RFC 4180 quoting,
 * ISO 8601 dates, header = field names), JSON (array of records), GeoJSON (FeatureCollection of
 * Points from the latitude/longitude columns), a Frictionless data package (datapackage.json with a
 * Table Schema) and DCAT-AP JSON-LD. Pure: no Node-RED, no I/O.
 */
import type { DatasetDescription, DatasetField, DatasetRows, PublishedFile } from './types';

export type FormatName = 'csv' | 'json' | 'geojson';

export const MEDIA_TYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  geojson: 'application/geo+json; charset=utf-8',
  datapackage: 'application/json; charset=utf-8',
  dcat: 'application/ld+json; charset=utf-8',
};

/** Licences the charter may name, with what Frictionless and DCAT need. */
export interface LicenceInfo {
  /** Frictionless/SPDX-like short name. */
  name: string;
  title: string;
  /** Canonical URL (Frictionless `path`, DCAT `dct:license`). */
  path: string;
}

const LICENCES: Record<string, LicenceInfo> = {
  'etalab-2.0': { name: 'etalab-2.0', title: 'Licence Ouverte / Open Licence 2.0', path: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/' },
  'odbl-1.0': { name: 'ODbL-1.0', title: 'Open Database License (ODbL) 1.0', path: 'https://opendatacommons.org/licenses/odbl/1-0/' },
  'cc-by-4.0': { name: 'CC-BY-4.0', title: 'Creative Commons Attribution 4.0', path: 'https://creativecommons.org/licenses/by/4.0/' },
};

const LICENCE_ALIASES: Record<string, string> = {
  'lo-2.0': 'etalab-2.0', 'lov2': 'etalab-2.0', 'licence ouverte 2.0': 'etalab-2.0', 'licence-ouverte-2.0': 'etalab-2.0', 'etalab-2.0': 'etalab-2.0',
  odbl: 'odbl-1.0', 'odbl-1.0': 'odbl-1.0', 'cc-by': 'cc-by-4.0', 'cc-by-4.0': 'cc-by-4.0',
};

/** The licence of a short name (`etalab-2.0`, `LO-2.0`, `ODbL`…); an unknown name is kept as is. */
export function licenceInfo(name: string | undefined): LicenceInfo {
  const key = String(name ?? '').trim().toLowerCase() || 'etalab-2.0';
  const known = LICENCES[LICENCE_ALIASES[key] ?? key];
  return known ?? { name: String(name).trim(), title: String(name).trim(), path: String(name).trim() };
}

/** EU frequency vocabulary (dct:accrualPeriodicity). */
const FREQUENCIES: Record<string, string> = {
  continuous: 'CONT', hourly: 'HOURLY', daily: 'DAILY', weekly: 'WEEKLY', monthly: 'MONTHLY', yearly: 'ANNUAL', annual: 'ANNUAL', irregular: 'IRREG',
};

/** What the formats need beyond the dataset description. */
export interface FormatOptions {
  /** Where the files are served, without trailing slash: `https://supervision.example/opendata`. */
  baseUrl: string;
  licence?: string;
  /** ISO time of this publication (dct:modified). */
  publishedAt: string;
  /** Period covered by the rows (dct:temporal). */
  temporal?: { start: string; end: string };
  /** Update frequency: hourly, daily, weekly, monthly, yearly. */
  frequency?: string;
  publisher?: string;
  keywords?: string[];
}

/** The tabular formats a dataset offers: GeoJSON only when its rows carry coordinates. */
export function formatsOf(dataset: DatasetDescription): FormatName[] {
  return dataset.spatialLevel === 'territory' ? ['csv', 'json'] : ['csv', 'json', 'geojson'];
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2025-01-15T00:00:00Z` (Table Schema's default datetime format: no milliseconds). */
export function isoDatetime(value: Date | number): string {
  const d = value instanceof Date ? value : new Date(value);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

/** A cell's value as the field's type publishes it (dates ISO 8601, numbers as numbers). */
export function cellValue(field: DatasetField, value: unknown): unknown {
  if (value === undefined || value === null || value === '') return null;
  switch (field.type) {
    case 'datetime':
      if (value instanceof Date || typeof value === 'number') return isoDatetime(value);
      return String(value);
    case 'date':
      if (value instanceof Date || typeof value === 'number') return isoDatetime(value).slice(0, 10);
      return String(value);
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      return value === true || value === 'true' || value === 1;
    default:
      return value instanceof Date ? isoDatetime(value) : String(value);
  }
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV, UTF-8 without BOM, comma separator, CRLF line ends (RFC 4180), header = field names. */
export function toCsv(dataset: DatasetDescription, rows: DatasetRows): string {
  const lines = [dataset.fields.map((f) => csvCell(f.name)).join(',')];
  for (const row of rows.rows) lines.push(dataset.fields.map((f) => csvCell(cellValue(f, row[f.name]))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The records as published: only the dataset's fields, typed. */
export function toRecords(dataset: DatasetDescription, rows: DatasetRows): Array<Record<string, unknown>> {
  return rows.rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const f of dataset.fields) record[f.name] = cellValue(f, row[f.name]);
    return record;
  });
}

export function toJson(dataset: DatasetDescription, rows: DatasetRows): string {
  return JSON.stringify(toRecords(dataset, rows), null, 1);
}

function coordinate(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).replace(',', '.'));
  return Number.isFinite(n) ? n : undefined;
}

/**
 * GeoJSON FeatureCollection: one Point per row with coordinates (`latitude`, `longitude` of the
 * row, published as fields or not), properties = the other fields. Rows without coordinates are left out.
 */
export function toGeoJson(dataset: DatasetDescription, rows: DatasetRows): string {
  const features: unknown[] = [];
  const propertyFields = dataset.fields.filter((f) => f.name !== 'latitude' && f.name !== 'longitude');
  for (const row of rows.rows) {
    const lat = coordinate(row.latitude);
    const lon = coordinate(row.longitude);
    if (lat === undefined || lon === undefined) continue;
    const properties: Record<string, unknown> = {};
    for (const f of propertyFields) properties[f.name] = cellValue(f, row[f.name]);
    features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties });
  }
  return JSON.stringify({ type: 'FeatureCollection', name: dataset.id, features }, null, 1);
}

/** Table Schema of the dataset (fields with type, title, description and unit). */
export function tableSchema(dataset: DatasetDescription): Record<string, unknown> {
  return {
    fields: dataset.fields.map((f) => {
      const field: Record<string, unknown> = { name: f.name, type: f.type, title: f.title, description: f.description };
      if (f.type === 'geopoint') field.format = 'default';
      if (f.unit) field.unit = f.unit;
      return field;
    }),
    missingValues: [''],
  };
}

/** Frictionless data package name: `^[-a-z0-9._/]+$`. */
export function packageName(id: string): string {
  return id.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^-a-z0-9._/]+/g, '-') || 'dataset';
}

/** datapackage.json: one tabular resource (the CSV) with its Table Schema. */
export function toDataPackage(dataset: DatasetDescription, options: FormatOptions): Record<string, unknown> {
  const licence = licenceInfo(options.licence);
  const name = packageName(dataset.id);
  const pkg: Record<string, unknown> = {
    profile: 'tabular-data-package',
    name,
    title: dataset.title,
    description: dataset.description,
    licenses: [{ name: licence.name, path: licence.path, title: licence.title }],
    created: options.publishedAt,
    keywords: options.keywords ?? [dataset.stream, ...dataset.quantities],
    sources: [{ title: options.publisher ?? 'Grand Poitiers', path: options.baseUrl }],
    resources: [{
      name,
      path: `${options.baseUrl}/${dataset.id}.csv`,
      profile: 'tabular-data-resource',
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
      dialect: { delimiter: ',', quoteChar: '"', doubleQuote: true, header: true, lineTerminator: '\r\n' },
      schema: tableSchema(dataset),
    }],
  };
  if (options.temporal) pkg.temporal = options.temporal;
  return pkg;
}

function xsdDateTime(value: string): Record<string, string> {
  return { '@value': value, '@type': 'xsd:dateTime' };
}

/** DCAT-AP 3 dataset in JSON-LD, one distribution per format (plus the data package). */
export function toDcat(dataset: DatasetDescription, options: FormatOptions): Record<string, unknown> {
  const licence = licenceInfo(options.licence);
  const landing = `${options.baseUrl}/`;
  const formatTitles: Record<FormatName, string> = { csv: 'CSV', json: 'JSON', geojson: 'GeoJSON' };
  const distributions: Array<Record<string, unknown>> = formatsOf(dataset).map((format) => ({
    '@id': `${options.baseUrl}/${dataset.id}.${format}`,
    '@type': 'dcat:Distribution',
    'dct:title': `${dataset.title} (${formatTitles[format]})`,
    'dct:format': formatTitles[format],
    'dcat:accessURL': { '@id': landing },
    'dcat:downloadURL': { '@id': `${options.baseUrl}/${dataset.id}.${format}` },
    'dcat:mediaType': { '@id': `https://www.iana.org/assignments/media-types/${MEDIA_TYPES[format].split(';')[0]}` },
    'dct:license': { '@id': licence.path },
    'dct:modified': xsdDateTime(options.publishedAt),
  }));
  distributions.push({
    '@id': `${options.baseUrl}/${dataset.id}/datapackage.json`,
    '@type': 'dcat:Distribution',
    'dct:title': `${dataset.title} (Frictionless Data Package)`,
    'dct:format': 'JSON',
    'dcat:accessURL': { '@id': landing },
    'dcat:downloadURL': { '@id': `${options.baseUrl}/${dataset.id}/datapackage.json` },
    'dcat:mediaType': { '@id': 'https://www.iana.org/assignments/media-types/application/json' },
    'dct:conformsTo': { '@id': 'https://specs.frictionlessdata.io/data-package/' },
    'dct:license': { '@id': licence.path },
  });
  const doc: Record<string, unknown> = {
    '@context': {
      dcat: 'http://www.w3.org/ns/dcat#',
      dct: 'http://purl.org/dc/terms/',
      foaf: 'http://xmlns.com/foaf/0.1/',
      xsd: 'http://www.w3.org/2001/XMLSchema#',
    },
    '@id': `${options.baseUrl}/${dataset.id}/dcat.jsonld`,
    '@type': 'dcat:Dataset',
    'dct:identifier': dataset.id,
    'dct:title': { '@value': dataset.title, '@language': 'fr' },
    'dct:description': { '@value': dataset.description, '@language': 'fr' },
    'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': options.publisher ?? 'Grand Poitiers' },
    'dct:license': { '@id': licence.path },
    'dcat:keyword': options.keywords ?? [dataset.stream, ...dataset.quantities],
    'dcat:landingPage': { '@id': landing },
    'dct:modified': xsdDateTime(options.publishedAt),
    'dct:accrualPeriodicity': { '@id': `http://publications.europa.eu/resource/authority/frequency/${FREQUENCIES[String(options.frequency ?? 'daily').toLowerCase()] ?? 'IRREG'}` },
    'dcat:temporalResolution': { '@value': granularityDuration(dataset.granularity), '@type': 'xsd:duration' },
    'dcat:distribution': distributions,
  };
  if (options.temporal) {
    doc['dct:temporal'] = {
      '@type': 'dct:PeriodOfTime',
      'dcat:startDate': xsdDateTime(options.temporal.start),
      'dcat:endDate': xsdDateTime(options.temporal.end),
    };
  }
  return doc;
}

/** `15m` → `PT15M`, `1d` → `P1D`, `1mo` → `P1M` (xsd:duration). */
export function granularityDuration(granularity: string): string {
  const m = /^(\d+)(mo|m|h|d|w|y)$/.exec(String(granularity).trim());
  if (!m) return 'P1D';
  const n = m[1];
  switch (m[2]) {
    case 'm': return `PT${n}M`;
    case 'h': return `PT${n}H`;
    case 'd': return `P${n}D`;
    case 'w': return `P${n}W`;
    case 'mo': return `P${n}M`;
    default: return `P${n}Y`;
  }
}

/** Every file of one publication: `<id>.csv`, `<id>.json`, `<id>.geojson`, `datapackage.json`, `dcat.jsonld`. */
export function buildFiles(dataset: DatasetDescription, rows: DatasetRows, options: FormatOptions): PublishedFile[] {
  const files: PublishedFile[] = [];
  const add = (name: string, mediaType: string, text: string) => files.push({ name, mediaType, content: Buffer.from(text, 'utf8') });
  for (const format of formatsOf(dataset)) {
    const text = format === 'csv' ? toCsv(dataset, rows) : format === 'json' ? toJson(dataset, rows) : toGeoJson(dataset, rows);
    add(`${dataset.id}.${format}`, MEDIA_TYPES[format], text);
  }
  add('datapackage.json', MEDIA_TYPES.datapackage, JSON.stringify(toDataPackage(dataset, options), null, 1));
  add('dcat.jsonld', MEDIA_TYPES.dcat, JSON.stringify(toDcat(dataset, options), null, 1));
  return files;
}
