/**
 * Local HTTP servers that follow the documented open-data write APIs (reference/opendata.md §2, §4),
 * for the publisher specs: an Opendatasoft realtime push endpoint and the data.gouv.fr (udata)
 * upload endpoints. Each listens on 127.0.0.1 on a free port, records what it received, and can be
 * told to fail the next requests (5xx, 429, no answer) to exercise retries.
 */
import http from 'node:http';
import { randomUUID, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/** A scripted failure for the next request: an HTTP answer, or no answer at all (`hang`). */
export type Failure = { status: number; body?: unknown; afterStoring?: boolean } | { hang: true };

interface Base {
  url: string;
  /** Scripted failures, consumed one per request in order. */
  failures: Failure[];
  /** Every request received (after the scripted failures too). */
  requestCount: number;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: http.Server): () => Promise<void> {
  return () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Handles a scripted failure if one is queued; true when the request was answered (or left hanging). */
function scriptedFailure(base: Base, res: http.ServerResponse): boolean {
  const failure = base.failures.shift();
  if (!failure) return false;
  if ('hang' in failure) return true; // never answered: the client's timeout must fire
  sendJson(res, failure.status, failure.body ?? { status: 'error', message: `HTTP ${failure.status}` });
  return true;
}

// ---------------------------------------------------------------------------------------------
// Opendatasoft realtime push

export interface PushRequest {
  bytes: number;
  records: number;
}

export interface OpendatasoftServer extends Base {
  /** Stored records, upserted by the unique key field (records without it get a fresh id). */
  records: Map<string, Record<string, unknown>>;
  /** Successful push requests. */
  pushes: PushRequest[];
}

export interface OpendatasoftServerOptions {
  dataset: string;
  resource: string;
  pushKey: string;
  /** The field marked as unique key in the back office (default `cle`). */
  keyField?: string;
  /** Payload limit (documented: 5 MB). */
  maxBytes?: number;
  /** A schema check: a message for a record the dataset refuses (answered 400). */
  validate?: (record: Record<string, unknown>) => string | undefined;
}

export async function startOpendatasoftServer(options: OpendatasoftServerOptions): Promise<OpendatasoftServer> {
  const keyField = options.keyField ?? 'cle';
  const maxBytes = options.maxBytes ?? 5_000_000;
  const state = { failures: [] as Failure[], requestCount: 0, records: new Map(), pushes: [] as PushRequest[] };
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      state.requestCount++;
      // `afterStoring`: the records are stored, then the failure is answered (a lost answer).
      const lostAnswer = state.failures[0] && 'status' in state.failures[0] && state.failures[0].afterStoring
        ? state.failures.shift() as { status: number; body?: unknown } : undefined;
      if (!lostAnswer && scriptedFailure(self, res)) return;
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = /^\/api\/push\/1\.0\/([^/]+)\/([^/]+)\/push\/$/.exec(url.pathname);
      if (!match || match[1] !== options.dataset || match[2] !== options.resource) {
        sendJson(res, 404, { status: 'error', message: 'Unknown dataset or resource' });
        return;
      }
      if (req.method !== 'POST') {
        sendJson(res, 405, { status: 'error', message: 'Method not allowed' });
        return;
      }
      if (url.searchParams.get('pushkey') !== options.pushKey) {
        sendJson(res, 401, { status: 'error', message: 'Invalid or missing push API key' });
        return;
      }
      if (body.length > maxBytes) {
        sendJson(res, 413, { status: 'error', message: `Payload too large (${body.length} bytes, limit ${maxBytes})` });
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        sendJson(res, 400, { status: 'error', message: 'Body is not valid JSON' });
        return;
      }
      const list = Array.isArray(parsed) ? parsed : [parsed];
      for (const record of list) {
        if (!record || typeof record !== 'object' || Array.isArray(record)) {
          sendJson(res, 400, { status: 'error', message: 'Each record must be a JSON object' });
          return;
        }
        const refused = options.validate?.(record as Record<string, unknown>);
        if (refused) {
          sendJson(res, 400, { status: 'error', message: refused });
          return;
        }
      }
      for (const record of list as Array<Record<string, unknown>>) {
        const key = record[keyField];
        state.records.set(typeof key === 'string' && key !== '' ? key : randomUUID(), record);
      }
      state.pushes.push({ bytes: body.length, records: list.length });
      if (lostAnswer) sendJson(res, lostAnswer.status, lostAnswer.body ?? { status: 'error', message: `HTTP ${lostAnswer.status}` });
      else sendJson(res, 200, { status: 'OK' });
    })().catch(() => sendJson(res, 500, { status: 'error', message: 'fake server failure' }));
  });
  const url = await listen(server);
  const self: OpendatasoftServer = Object.assign(state, { url, close: closer(server) });
  return self;
}

// ---------------------------------------------------------------------------------------------
// data.gouv.fr (udata)

export interface UdataResource {
  id: string;
  title: string;
  filename: string;
  mime: string;
  content: Buffer;
  checksum: string;
}

export interface UdataServer extends Base {
  /** Datasets by id, with their resources. */
  datasets: Map<string, UdataResource[]>;
}

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  content: Buffer;
}

/** A minimal multipart/form-data parser (RFC 7578), enough to check what the client sent. */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new Error('no multipart boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: MultipartPart[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', afterDelimiter);
    const next = body.indexOf(delimiter, headerEnd);
    if (headerEnd === -1 || next === -1) throw new Error('truncated multipart body');
    const headers = body.subarray(afterDelimiter + 2, headerEnd).toString('utf8');
    const content = body.subarray(headerEnd + 4, next - 2); // the CRLF before the delimiter
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    parts.push({
      name: /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '',
      filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1],
      contentType: /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim(),
      content: Buffer.from(content),
    });
    start = next;
  }
  return parts;
}

function resourceJson(base: string, dataset: string, r: UdataResource): Record<string, unknown> {
  return {
    id: r.id,
    title: r.title,
    type: 'main',
    filetype: 'file',
    format: r.filename.split('.').pop(),
    mime: r.mime,
    filesize: r.content.length,
    checksum: { type: 'sha1', value: r.checksum },
    url: `${base}/fr/datasets/r/${r.id}`,
    dataset,
    success: true,
  };
}

export async function startUdataServer(options: { apiKey: string; datasets: Record<string, UdataResource[]> }): Promise<UdataServer> {
  const state = {
    failures: [] as Failure[],
    requestCount: 0,
    datasets: new Map(Object.entries(options.datasets)),
  };
  let base = '';
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      state.requestCount++;
      if (scriptedFailure(self, res)) return;
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = /^\/api\/1\/datasets\/([^/]+)\/(?:resources\/([^/]+)\/)?upload\/$/.exec(url.pathname);
      if (!match || req.method !== 'POST') {
        sendJson(res, 404, { message: 'The requested URL was not found on the server.' });
        return;
      }
      if (req.headers['x-api-key'] !== options.apiKey) {
        sendJson(res, 401, { message: 'Invalid API Key' });
        return;
      }
      const [, datasetId, rid] = match;
      const resources = state.datasets.get(datasetId);
      if (!resources) {
        sendJson(res, 404, { message: 'Dataset not found' });
        return;
      }
      const existing = rid ? resources.find((r) => r.id === rid) : undefined;
      if (rid && !existing) {
        sendJson(res, 404, { message: 'Resource not found' });
        return;
      }
      let parts: MultipartPart[];
      try {
        parts = parseMultipart(body, String(req.headers['content-type'] ?? ''));
      } catch (err) {
        sendJson(res, 400, { message: `Bad multipart body: ${(err as Error).message}` });
        return;
      }
      const file = parts.find((p) => p.name === 'file' && p.filename !== undefined);
      if (!file) {
        sendJson(res, 400, { message: 'Missing file part' });
        return;
      }
      const text = file.content.toString('utf8').trimStart().toLowerCase();
      if (text.startsWith('<!doctype html') || text.startsWith('<html')) {
        sendJson(res, 415, { message: 'HTML content is not allowed' });
        return;
      }
      const stored: UdataResource = {
        id: existing?.id ?? randomUUID(),
        title: existing?.title ?? file.filename as string,
        filename: file.filename as string,
        mime: file.contentType ?? 'application/octet-stream',
        content: file.content,
        checksum: createHash('sha1').update(file.content).digest('hex'),
      };
      if (existing) resources.splice(resources.indexOf(existing), 1, stored);
      else resources.push(stored);
      sendJson(res, existing ? 200 : 201, resourceJson(base, datasetId, stored));
    })().catch(() => sendJson(res, 500, { message: 'fake server failure' }));
  });
  base = await listen(server);
  const self: UdataServer = Object.assign(state, { url: base, close: closer(server) });
  return self;
}
