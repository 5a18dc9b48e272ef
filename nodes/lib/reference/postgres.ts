/**
 * Reference tables from a PostgreSQL query (the patrimony database, the invoice database). One
 * client per load, closed right after: a reference table is read every few minutes at most, so no
 * pool is kept open between loads. The query runs in a READ ONLY transaction with a statement
 * timeout; the connection string is a credential and never appears in messages. numeric and
 * bigint columns are returned as numbers (pg returns strings by default). Pure: no Node-RED import.
 */
import { Client, types as pgTypes } from 'pg';
import { buildTable, columnList, ReferenceError } from './table';
import type { ReferenceRow, ReferenceTable } from './types';

export interface PostgresSourceOptions {
  name: string;
  connectionString: string;
  query: string;
  keyColumn: string;
  requiredColumns?: readonly string[];
  /** Statement timeout and connection timeout, ms (default 30 s). */
  timeoutMs?: number;
}

const NUMERIC_OIDS = new Set([20, 1700]); // int8, numeric

/** "postgres://host:port/db" without the user and password, for messages. */
export function safeConnection(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `postgres://${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

export async function loadPostgres(options: PostgresSourceOptions): Promise<ReferenceTable> {
  const target = safeConnection(options.connectionString);
  const origin = `PostgreSQL query on ${target}`;
  const where = `reference table "${options.name}" (${origin})`;
  const timeoutMs = options.timeoutMs ?? 30000;
  if (!options.connectionString.trim()) throw new ReferenceError(`${where}: no connection string (set it in the node's credentials)`);
  if (!options.query.trim()) throw new ReferenceError(`${where}: no SQL query`);
  const client = new Client({
    connectionString: options.connectionString,
    connectionTimeoutMillis: timeoutMs,
    application_name: 'node-red-smart-territory reference-source',
    types: {
      getTypeParser: ((oid: number, format?: string) => NUMERIC_OIDS.has(oid)
        ? (value: string) => Number(value)
        : (pgTypes.getTypeParser as (o: number, f?: string) => unknown)(oid, format)) as typeof pgTypes.getTypeParser,
    },
  });
  client.on('error', () => { /* reported by the failing query */ });
  try {
    try {
      await client.connect();
    } catch (err) {
      throw new ReferenceError(`${where}: cannot connect (${(err as Error).message})`);
    }
    let result;
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
      result = await client.query(options.query);
      await client.query('COMMIT');
    } catch (err) {
      const e = err as Error & { code?: string; position?: string };
      const code = e.code === '57014' ? ' — the statement timeout was reached' : e.code === '25006' ? ' — the query must only read (read-only transaction)' : '';
      const position = e.position ? ` at character ${e.position}` : '';
      throw new ReferenceError(`${where}: SQL error${e.code ? ` ${e.code}` : ''}${position}: ${e.message}${code}`);
    }
    if (Array.isArray(result)) result = result[result.length - 1];
    const columns = (result.fields ?? []).map((field: { name: string }) => field.name);
    return buildTable({
      name: options.name,
      origin,
      keyColumn: options.keyColumn,
      requiredColumns: columnList(options.requiredColumns),
      columns,
      rows: result.rows as ReferenceRow[],
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}
