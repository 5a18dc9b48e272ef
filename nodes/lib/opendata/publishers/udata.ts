/**
 * data.gouv.fr (udata) write API (reference/opendata.md §4): uploads one of the dataset's files as
 * a new resource (`POST /api/1/datasets/{dataset}/upload/`, part `file`, answered 201) or replaces
 * an existing resource's file (`POST /api/1/datasets/{dataset}/resources/{rid}/upload/`), as
 * multipart/form-data with the `X-API-KEY` header. The base URL is configurable:
 * `https://demo.data.gouv.fr` (sandbox) or `https://www.data.gouv.fr`. The key is never written in
 * a message. No Node-RED import.
 */
import type { DatasetDescription, DatasetRows, PublicationResult, PublishedFile, Publisher } from '../types';
import { apiMessage, maskSecrets, requestWithRetry, type RetryOptions } from './retry';

export const UDATA_PRODUCTION = 'https://www.data.gouv.fr';
export const UDATA_DEMO = 'https://demo.data.gouv.fr';

export interface UdataOptions {
  /** `https://www.data.gouv.fr` (default) or `https://demo.data.gouv.fr`; `/api/1` may be included. */
  baseUrl?: string;
  /** Dataset id (ObjectId; a slug also works but ids are safer). */
  dataset: string;
  /** Resource id (UUID) whose file is replaced; empty: the file is uploaded as a new resource. */
  resource?: string;
  apiKey: string;
  /**
   * Which published file to send: a file name (`datapackage.json`) or an extension (`csv`,
   * `json`, `geojson`, `jsonld`). Default `csv`.
   */
  file?: string;
  retry?: RetryOptions;
  now?: () => Date;
}

/** `https://www.data.gouv.fr/api/1` from any of its spellings. */
export function apiRoot(baseUrl: string | undefined): string {
  const base = (baseUrl ?? '').trim().replace(/\/+$/, '') || UDATA_PRODUCTION;
  return /\/api\/1$/.test(base) ? base : `${base}/api/1`;
}

/** The published file `wanted` designates (a name, else an extension), or undefined. */
export function pickFile(files: PublishedFile[], wanted: string | undefined): PublishedFile | undefined {
  const w = (wanted ?? '').trim().toLowerCase() || 'csv';
  return files.find((f) => f.name.toLowerCase() === w)
    ?? files.find((f) => f.name.toLowerCase().endsWith(`.${w.replace(/^\./, '')}`));
}

export class UdataPublisher implements Publisher {
  readonly kind = 'udata';
  private readonly options: UdataOptions;

  constructor(options: UdataOptions) {
    this.options = options;
  }

  /** The upload URL used (new resource or replacement). */
  get uploadUrl(): string {
    const o = this.options;
    const dataset = encodeURIComponent(o.dataset.trim());
    const rid = (o.resource ?? '').trim();
    return rid
      ? `${apiRoot(o.baseUrl)}/datasets/${dataset}/resources/${encodeURIComponent(rid)}/upload/`
      : `${apiRoot(o.baseUrl)}/datasets/${dataset}/upload/`;
  }

  /** Uploads the chosen file. Never rejects: a failure resolves with `ok: false`. */
  async publish(dataset: DatasetDescription, files: PublishedFile[], _rows: DatasetRows): Promise<PublicationResult> {
    const o = this.options;
    const now = o.now ?? (() => new Date());
    const replace = (o.resource ?? '').trim() !== '';
    const destination = `data.gouv.fr ${this.safeUrl()}`;
    const result = (ok: boolean, detail: string): PublicationResult =>
      ({ destination, ok, detail: maskSecrets(detail, [o.apiKey]), at: now().toISOString() });
    let retries = 0;
    try {
      const missing = (['dataset', 'apiKey'] as const).filter((k) => !String(o[k] ?? '').trim());
      if (missing.length > 0) throw new Error(`data.gouv.fr destination incomplete: ${missing.join(', ')} missing`);
      const file = pickFile(files, o.file);
      if (!file) {
        throw new Error(`no file "${o.file || 'csv'}" among the files of ${dataset.id} (${files.map((f) => f.name).join(', ') || 'none'})`);
      }
      const label = `data.gouv.fr ${replace ? 'replace' : 'upload'} ${file.name} → dataset ${o.dataset}${replace ? ` resource ${o.resource}` : ''}`;
      const answer = await requestWithRetry({
        method: 'POST',
        url: this.uploadUrl,
        headers: { 'X-API-KEY': o.apiKey.trim(), accept: 'application/json' },
        body: () => {
          const form = new FormData();
          form.append('file', new Blob([file.content as unknown as BlobPart], { type: file.mediaType }), file.name);
          return form;
        },
        label,
        secrets: [o.apiKey, o.apiKey.trim()],
      }, o.retry);
      retries = answer.attempts - 1;
      let resource: { id?: unknown; url?: unknown; success?: unknown } = {};
      try {
        resource = JSON.parse(answer.body) as typeof resource;
      } catch {
        throw new Error(`${label}: the answer is not JSON (HTTP ${answer.status}): ${apiMessage(answer.body)}`);
      }
      if (resource.success === false || (typeof resource.id !== 'string' && !replace)) {
        throw new Error(`${label}: unexpected answer (HTTP ${answer.status}): ${apiMessage(answer.body)}`);
      }
      const rid = typeof resource.id === 'string' ? resource.id : o.resource;
      return result(true, `${file.name} (${file.content.length} bytes) ${replace ? 'replaced in' : 'uploaded as new'} resource ${rid}, ${retries} retries`);
    } catch (err) {
      return result(false, `${dataset.id}: ${(err as Error).message}`);
    }
  }

  private safeUrl(): string {
    try {
      return this.uploadUrl;
    } catch {
      return apiRoot(this.options.baseUrl);
    }
  }
}
