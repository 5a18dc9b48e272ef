/**
 * Builds a validated {@link ReferenceTable} from loaded rows, whatever the source (CSV, JSON over
 * HTTP, PostgreSQL, ArcGIS). Every check names the source, the column and the row, so a city agent
 * can fix the file or the query:
 *
 * - the key column exists (unless no key is configured: `list`-only tables such as invoices);
 * - every required column exists;
 * - every row has a key, and no key appears twice (both row numbers are given);
 * - the table is not empty.
 *
 * Keys are strings, trimmed; a key column named `devEui` (any case) has its keys lowercased, as
 * DevEUIs are everywhere else in the package. Pure: no Node-RED import.
 */
import type { ReferenceRow, ReferenceTable } from './types';

export class ReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReferenceError';
  }
}

export interface TableInput {
  /** Table name (config node name). */
  name: string;
  /** Where the rows came from (file path, URL without credentials, "PostgreSQL query"). */
  origin: string;
  /** Key column; '' = no key (rows only in `list`). */
  keyColumn: string;
  /** Columns that must exist. */
  requiredColumns?: readonly string[];
  /** Column names in source order (the union of the rows' keys when omitted). */
  columns?: readonly string[];
  rows: readonly ReferenceRow[];
  /** How row i is named in errors ("line 4" for a CSV file); default "row i+1". */
  rowLabel?: (index: number) => string;
}

/** True when keys of this column are DevEUIs (lowercased). */
export function isDevEuiColumn(column: string): boolean {
  return column.trim().toLowerCase() === 'deveui';
}

/** The index key of a value for a table's key column: a trimmed string, lowercased for DevEUIs; '' when missing. */
export function normaliseKey(keyColumn: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = (typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)).trim();
  return isDevEuiColumn(keyColumn) ? text.toLowerCase() : text;
}

/** Splits "a, b ; c" (commas, semicolons or line breaks) into trimmed non-empty names. */
export function columnList(text: string | readonly string[] | undefined): string[] {
  if (text === undefined) return [];
  const parts = Array.isArray(text) ? text : String(text).split(/[,;\n]/);
  return parts.map((part) => String(part).trim()).filter((part) => part !== '');
}

export function buildTable(input: TableInput): ReferenceTable {
  const { name, origin, rows } = input;
  const label = input.rowLabel ?? ((i: number) => `row ${i + 1}`);
  const where = `reference table "${name}" (${origin})`;
  let columns: string[];
  if (input.columns) {
    columns = [...input.columns];
  } else {
    const seen = new Set<string>();
    for (const row of rows) for (const column of Object.keys(row)) seen.add(column);
    columns = [...seen];
  }
  const keyColumn = input.keyColumn.trim();
  if (rows.length === 0) {
    throw new ReferenceError(`${where}: the table is empty (no data row)${columns.length ? `; columns: ${columns.join(', ')}` : ''}`);
  }
  if (keyColumn !== '' && !columns.includes(keyColumn)) {
    throw new ReferenceError(`${where}: the key column "${keyColumn}" does not exist; columns: ${columns.join(', ')}`);
  }
  const missing = columnList(input.requiredColumns).filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new ReferenceError(`${where}: missing required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}; columns: ${columns.join(', ')}`);
  }
  const byKey = new Map<string, ReferenceRow>();
  if (keyColumn !== '') {
    const firstIndex = new Map<string, number>();
    rows.forEach((row, index) => {
      const key = normaliseKey(keyColumn, row[keyColumn]);
      if (key === '') throw new ReferenceError(`${where}, ${label(index)}: the key column "${keyColumn}" is empty`);
      const first = firstIndex.get(key);
      if (first !== undefined) {
        throw new ReferenceError(`${where}: duplicate key "${key}" in column "${keyColumn}" (${label(first)} and ${label(index)})`);
      }
      firstIndex.set(key, index);
      byKey.set(key, row);
    });
  }
  return { name, keyColumn, columns, rows: byKey, list: rows, loadedAt: Date.now(), origin };
}
