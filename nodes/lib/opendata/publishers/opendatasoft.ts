/**
 * Opendatasoft realtime push (reference/opendata.md §2):
 * `POST {domain}/api/push/1.0/{dataset}/{resource}/push/?pushkey=…` with a JSON array of records,
 * answered `{"status": "OK"}`. Each record carries a unique key (`cle` by default) made of the
 * dataset's dimension columns (site, commune, date…): mark that field as the dataset's unique key
 * in the back office (field annotation `id`) and a record sent twice overwrites itself, so retries
 * are idempotent. Batches are split under the documented 5 MB payload limit and a record count.
 * The push key is never written in a message. No Node-RED import.
 */
import type { DatasetDescription, DatasetRows, PublicationResult, PublishedFile, Publisher } from '../types';
import { HttpRequestError, apiMessage, maskSecrets, requestWithRetry, type RetryOptions } from './retry';

/** Documented payload limit: 5 MB. */
export const OPENDATASOFT_PAYLOAD_LIMIT = 5_000_000;

export interface OpendatasoftOptions {
  /** Portal URL, e.g. `https://data.grandpoitiers.fr`. */
  domain: string;
  /** Dataset id (slug) of the realtime dataset. */
  dataset: string;
  /** Resource id of its realtime source, as shown in the push URL. */
  resource: string;
  pushKey: string;
  /** Name of the unique-key field added to each record (default `cle`). */
  keyField?: string;
  /**
   * Columns the key is made of, in order. Default: the dataset's string, date and datetime fields
   * (its dimensions: site or area, then time), else every column.
   */
  keyColumns?: string[];
  /** Largest request body in bytes (default 4 MB, a margin under the documented 5 MB). */
  maxBytes?: number;
  /** Most records in one request (default 1000). */
  maxRecords?: number;
  retry?: RetryOptions;
  now?: () => Date;
}

/** The columns the unique key is made of, for a dataset. */
export function keyColumnsOf(dataset: DatasetDescription): string[] {
  const dims = dataset.fields
    .filter((f) => f.type === 'string' || f.type === 'date' || f.type === 'datetime')
    .map((f) => f.name);
  return dims.length > 0 ? dims : dataset.fields.map((f) => f.name);
}

function keyPart(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (value === null || value === undefined) return '';
  return String(value);
}

/** Records to push: each row (dates as ISO 8601) with its unique key. */
export function toRecords(rows: Array<Record<string, unknown>>, keyColumns: string[], keyField = 'cle'): Array<Record<string, unknown>> {
  return rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(row)) record[name] = value instanceof Date ? value.toISOString() : value;
    record[keyField] = keyColumns.map((c) => keyPart(row[c])).join('|');
    return record;
  });
}

/**
 * Splits records into request bodies (JSON arrays) of at most `maxBytes` bytes and `maxRecords`
 * records. A record too large on its own is an error.
 */
export function splitBatches(records: unknown[], maxBytes: number, maxRecords: number): string[] {
  const bodies: string[] = [];
  let parts: string[] = [];
  let size = 2; // "[" and "]"
  const flush = () => {
    if (parts.length > 0) bodies.push(`[${parts.join(',')}]`);
    parts = [];
    size = 2;
  };
  records.forEach((record, index) => {
    const json = JSON.stringify(record);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes + 2 > maxBytes) {
      throw new Error(`record ${index + 1} is ${bytes} bytes, more than the ${maxBytes}-byte request limit`);
    }
    const added = bytes + (parts.length > 0 ? 1 : 0);
    if (parts.length >= maxRecords || size + added > maxBytes) flush();
    size += bytes + (parts.length > 0 ? 1 : 0);
    parts.push(json);
  });
  flush();
  return bodies;
}

function trimSlash(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

export class OpendatasoftPublisher implements Publisher {
  readonly kind = 'opendatasoft';
  private readonly options: OpendatasoftOptions;

  constructor(options: OpendatasoftOptions) {
    this.options = options;
  }

  /** Where records go, for logs: the push URL without its key. */
  get destination(): string {
    const o = this.options;
    return `${trimSlash(o.domain)}/api/push/1.0/${o.dataset}/${o.resource}/push/`;
  }

  /** Pushes the rows (the files are not used). Never rejects: a failure resolves with `ok: false`. */
  async publish(dataset: DatasetDescription, _files: PublishedFile[], rows: DatasetRows): Promise<PublicationResult> {
    const o = this.options;
    const now = o.now ?? (() => new Date());
    const destination = `opendatasoft ${this.destination}`;
    const result = (ok: boolean, detail: string): PublicationResult =>
      ({ destination, ok, detail: maskSecrets(detail, [o.pushKey]), at: now().toISOString() });

    let sentRecords = 0;
    let requests = 0;
    let retries = 0;
    try {
      const missing = (['domain', 'dataset', 'resource', 'pushKey'] as const).filter((k) => !String(o[k] ?? '').trim());
      if (missing.length > 0) throw new Error(`Opendatasoft destination incomplete: ${missing.join(', ')} missing`);
      if (!/^https?:\/\//i.test(o.domain.trim())) throw new Error(`Opendatasoft domain must be an http(s) URL: ${o.domain}`);
      const keyColumns = o.keyColumns && o.keyColumns.length > 0 ? o.keyColumns : keyColumnsOf(dataset);
      const records = toRecords(rows.rows, keyColumns, o.keyField || 'cle');
      const bodies = splitBatches(records, o.maxBytes ?? 4_000_000, Math.max(1, o.maxRecords ?? 1000));
      const url = `${this.destination}?pushkey=${encodeURIComponent(o.pushKey.trim())}`;
      for (const [index, body] of bodies.entries()) {
        const count = (JSON.parse(body) as unknown[]).length;
        const label = `Opendatasoft push ${o.dataset}/${o.resource} (request ${index + 1}/${bodies.length})`;
        const answer = await requestWithRetry({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
          body: () => body,
          label,
          secrets: [o.pushKey, o.pushKey.trim()],
        }, o.retry);
        requests++;
        retries += answer.attempts - 1;
        let status: unknown;
        try {
          status = (JSON.parse(answer.body) as { status?: unknown }).status;
        } catch { /* checked below */ }
        if (typeof status !== 'string' || status.toUpperCase() !== 'OK') {
          throw new Error(`${label}: unexpected answer (HTTP ${answer.status}): ${apiMessage(answer.body)}`);
        }
        sentRecords += count;
      }
      return result(true, `${sentRecords} records of ${dataset.id} in ${requests} request(s), ${retries} retries`);
    } catch (err) {
      const e = err as Error;
      if (err instanceof HttpRequestError) retries += err.attempts - 1;
      return result(false, `${dataset.id}: ${e.message}; ${sentRecords} records sent in ${requests} request(s) before the failure, ${retries} retries`);
    }
  }
}
