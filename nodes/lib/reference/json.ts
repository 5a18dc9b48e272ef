/**
 * Reference tables from a JSON API over HTTP (business software with a REST API): a GET with an
 * optional authentication header (e.g. `Authorization: Bearer …`, or `X-API-Key: …`), a
 * JSONPath-like selection of the rows, nested objects flattened with dots. Pure: no Node-RED import.
 *
 * Row path syntax (a subset of JSONPath): `$` (the whole document), `.name`, `['name']`, `[3]`,
 * `[*]` / `.*` (every element); a path without `$` is read as dotted (`data.items`). The selection
 * must give an array of objects (a final `[*]` is optional).
 */
import { httpGet, safeUrl } from './fetch';
import { buildTable, columnList, ReferenceError } from './table';
import type { ReferenceRow, ReferenceTable } from './types';

export interface JsonSourceOptions {
  name: string;
  url: string;
  keyColumn: string;
  requiredColumns?: readonly string[];
  /** Rows selection, e.g. `$.data.items[*]`; '' = the document itself. */
  rowPath?: string;
  /** Authentication header (credential). */
  headerName?: string;
  headerValue?: string;
  timeoutMs?: number;
}

type Step = { kind: 'name'; name: string } | { kind: 'index'; index: number } | { kind: 'all' };

/** Parses a row path; throws on a syntax error. */
export function parsePath(path: string): Step[] {
  let text = path.trim();
  if (text === '' || text === '$') return [];
  if (text.startsWith('$')) text = text.slice(1);
  else if (!text.startsWith('.') && !text.startsWith('[')) text = `.${text}`;
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      const match = /^\.(\*|[^.[\]]+)/.exec(text.slice(i));
      if (!match) throw new ReferenceError(`row path "${path}": a name is expected after "." at position ${i + 1}`);
      steps.push(match[1] === '*' ? { kind: 'all' } : { kind: 'name', name: match[1] });
      i += match[0].length;
    } else if (c === '[') {
      const match = /^\[\s*(\*|\d+|'[^']*'|"[^"]*")\s*\]/.exec(text.slice(i));
      if (!match) throw new ReferenceError(`row path "${path}": [*], [number] or ['name'] is expected at position ${i + 1}`);
      const inner = match[1];
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else steps.push({ kind: 'name', name: inner.slice(1, -1) });
      i += match[0].length;
    } else {
      throw new ReferenceError(`row path "${path}": unexpected "${c}" at position ${i + 1}`);
    }
  }
  return steps;
}

/** Applies a row path: the selected values (several after a wildcard). */
export function selectPath(document: unknown, path: string): { values: unknown[]; multiple: boolean } {
  let current: unknown[] = [document];
  let multiple = false;
  for (const step of parsePath(path)) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'all') {
        multiple = true;
        if (Array.isArray(value)) next.push(...value);
        else if (value !== null && typeof value === 'object') next.push(...Object.values(value));
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && step.name in (value as object)) {
        next.push((value as Record<string, unknown>)[step.name]);
      }
    }
    current = next;
  }
  return { values: current, multiple };
}

/** Flattens nested objects with dotted names ({a: {b: 1}} → {"a.b": 1}); arrays are kept as values. */
export function flatten(value: Record<string, unknown>, prefix = '', into: ReferenceRow = {}): ReferenceRow {
  for (const [name, inner] of Object.entries(value)) {
    const column = prefix ? `${prefix}.${name}` : name;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner) && !(inner instanceof Date)) flatten(inner as Record<string, unknown>, column, into);
    else into[column] = inner;
  }
  return into;
}

/** Rows of a JSON document at a row path (the pure part of {@link loadJson}). */
export function jsonRows(document: unknown, rowPath: string, where: string): ReferenceRow[] {
  const { values, multiple } = selectPath(document, rowPath);
  let items: unknown[];
  if (multiple) items = values;
  else if (values.length === 1 && Array.isArray(values[0])) items = values[0];
  else if (values.length === 0) throw new ReferenceError(`${where}: the row path "${rowPath}" selects nothing`);
  else throw new ReferenceError(`${where}: the row path "${rowPath || '$'}" must select an array of objects, not ${values[0] === null ? 'null' : typeof values[0]}`);
  return items.map((item, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ReferenceError(`${where}: row ${index + 1} is not an object (${JSON.stringify(item)?.slice(0, 60)})`);
    }
    return flatten(item as Record<string, unknown>);
  });
}

export async function loadJson(options: JsonSourceOptions): Promise<ReferenceTable> {
  const origin = safeUrl(options.url);
  const where = `reference table "${options.name}" (${origin})`;
  const headers: Record<string, string> = { accept: 'application/json' };
  const headerName = (options.headerName ?? '').trim();
  if (headerName !== '') headers[headerName] = options.headerValue ?? '';
  const body = await httpGet(options.url, { headers, timeoutMs: options.timeoutMs, what: 'JSON source' });
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ReferenceError(`${where}: the answer is not JSON (${(err as Error).message})`);
  }
  const rows = jsonRows(document, options.rowPath ?? '', where);
  return buildTable({ name: options.name, origin, keyColumn: options.keyColumn, requiredColumns: columnList(options.requiredColumns), rows });
}
