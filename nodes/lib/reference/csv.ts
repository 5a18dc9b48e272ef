/**
 * CSV/TSV reference tables from a file or an http(s) URL (exports of the building registry, meter
 * registry, lighting assets... often saved by a French spreadsheet). Wraps nodes/lib/csv.ts:
 *
 * - encoding: a UTF-8 byte order mark → UTF-8; else bytes that are valid UTF-8 → UTF-8; else
 *   Windows-1252 (Excel's "CSV (séparateur : point-virgule)" on French Windows). Can be forced.
 * - delimiter: `,`, `;` or tab, detected from the header line (most frequent); can be forced.
 * - typing (`auto`, the default): a cell becomes a number when it matches
 *   `/^-?(0|[1-9]\d*)([.,]\d+)?$/` — the decimal comma is only accepted when the file's delimiter is
 *   not a comma (`12,5` in a `;` or tab file is 12.5). Text such as `Poitiers, centre`, identifiers
 *   with leading zeros (`01234`, kept as written), digit strings longer than 15 characters, devEui
 *   columns and the key column are never converted.
 *   `none` keeps every cell a string. Per-column types (`number`, `integer`, `boolean`, `string`)
 *   override both; a cell that does not fit its declared type is an error naming column and line.
 *   Empty cells are '' (or null in a typed number/integer/boolean column).
 *
 * Pure: no Node-RED import.
 */
import { CsvDelimiter, CsvError, parseCsv } from '../csv';
import { readLocation, safeUrl } from './fetch';
import { buildTable, columnList, isDevEuiColumn, ReferenceError } from './table';
import type { ReferenceRow, ReferenceTable } from './types';

export type CsvEncoding = 'auto' | 'utf-8' | 'windows-1252';
export type ColumnType = 'number' | 'integer' | 'boolean' | 'string';

export interface CsvSourceOptions {
  name: string;
  /** File path or http(s) URL. */
  location: string;
  keyColumn: string;
  requiredColumns?: readonly string[];
  encoding?: CsvEncoding;
  /** '' or undefined = detect. */
  delimiter?: CsvDelimiter | '';
  typing?: 'auto' | 'none';
  /** Declared column types, e.g. { pulseWeight: 'number', active: 'boolean' }. */
  columnTypes?: Record<string, ColumnType>;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Decodes file bytes: BOM → UTF-8; valid UTF-8 → UTF-8; else Windows-1252. Returns the encoding used. */
export function decodeText(bytes: Uint8Array, encoding: CsvEncoding = 'auto'): { text: string; encoding: 'utf-8' | 'windows-1252' } {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (encoding === 'windows-1252') return { text: new TextDecoder('windows-1252').decode(bytes), encoding };
  const body = bom ? bytes.subarray(3) : bytes;
  if (encoding === 'utf-8' || bom) return { text: new TextDecoder('utf-8').decode(body), encoding: 'utf-8' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  }
}

const AUTO_NUMBER_DOT = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const AUTO_NUMBER_COMMA = /^-?(0|[1-9]\d*)([.,]\d+)?$/;
const TYPED_NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', 'vrai', 'oui', 'yes', '1', 'o', 'y']);
const FALSE_WORDS = new Set(['false', 'faux', 'non', 'no', '0', 'n']);

/** Parses "12,5" / "12.5" / " 1 234,5 " (spaces as thousands separators) as a number, or undefined. */
export function parseDecimal(text: string): number | undefined {
  const compact = text.trim().replace(/[\s\u00a0\u202f]/g, '');
  if (!TYPED_NUMBER.test(compact)) return undefined;
  const value = Number(compact.replace(',', '.'));
  return Number.isFinite(value) ? value : undefined;
}

function typed(value: string, type: ColumnType, column: string, where: () => string): unknown {
  const text = value.trim();
  if (type === 'string') return value;
  if (text === '') return null;
  if (type === 'boolean') {
    const lower = text.toLowerCase();
    if (TRUE_WORDS.has(lower)) return true;
    if (FALSE_WORDS.has(lower)) return false;
    throw new ReferenceError(`${where()}: column "${column}" must be a boolean (true/false, oui/non, 1/0), not ${JSON.stringify(value)}`);
  }
  const number = parseDecimal(text);
  if (number === undefined || (type === 'integer' && !Number.isInteger(number))) {
    throw new ReferenceError(`${where()}: column "${column}" must be ${type === 'integer' ? 'an integer' : 'a number'}, not ${JSON.stringify(value)}`);
  }
  return number;
}

/** Parses CSV text into a validated table (the pure part of {@link loadCsv}). */
export function csvTable(text: string, options: Omit<CsvSourceOptions, 'location'> & { origin: string }): ReferenceTable {
  const file = options.origin;
  let parsed;
  try {
    parsed = parseCsv(text, { file, delimiter: options.delimiter || undefined });
  } catch (err) {
    if (err instanceof CsvError) throw new ReferenceError(`reference table "${options.name}": ${err.message}`);
    throw err;
  }
  const types = options.columnTypes ?? {};
  for (const column of Object.keys(types)) {
    if (!parsed.header.includes(column)) {
      throw new ReferenceError(`reference table "${options.name}" (${file}): the typed column "${column}" does not exist; columns: ${parsed.header.join(', ')}`);
    }
  }
  const auto = (options.typing ?? 'auto') === 'auto';
  const numberPattern = parsed.delimiter === ',' ? AUTO_NUMBER_DOT : AUTO_NUMBER_COMMA;
  const keyColumn = options.keyColumn.trim();
  const rows: ReferenceRow[] = parsed.rows.map((raw, index) => {
    const row: ReferenceRow = {};
    const where = () => `reference table "${options.name}" (${file}), line ${parsed.lines[index]}`;
    for (const column of parsed.header) {
      const value = raw[column];
      const type = types[column];
      if (type) row[column] = typed(value, type, column, where);
      else if (auto && column !== keyColumn && !isDevEuiColumn(column) && value.trim().length <= 15 && numberPattern.test(value.trim())) row[column] = Number(value.trim().replace(',', '.'));
      else row[column] = value;
    }
    return row;
  });
  return buildTable({
    name: options.name,
    origin: file,
    keyColumn,
    requiredColumns: columnList(options.requiredColumns),
    columns: parsed.header,
    rows,
    rowLabel: (index) => `line ${parsed.lines[index]}`,
  });
}

/** Loads a CSV/TSV file or URL as a reference table. */
export async function loadCsv(options: CsvSourceOptions): Promise<ReferenceTable> {
  const origin = /^https?:/i.test(options.location) ? safeUrl(options.location) : options.location;
  const bytes = await readLocation(options.location, { headers: options.headers, timeoutMs: options.timeoutMs, what: 'CSV file' });
  const { text } = decodeText(bytes, options.encoding ?? 'auto');
  return csvTable(text, { ...options, origin });
}

/** Parses "col:type, col2:type" into column types; throws on an unknown type. */
export function parseColumnTypes(text: string | undefined): Record<string, ColumnType> {
  const types: Record<string, ColumnType> = {};
  for (const part of columnList(text)) {
    const [column, type] = part.split(':').map((s) => s.trim());
    if (!column || !type || !['number', 'integer', 'boolean', 'string'].includes(type)) {
      throw new ReferenceError(`column type "${part}": write column:type with type number, integer, boolean or string`);
    }
    types[column] = type as ColumnType;
  }
  return types;
}
