/**
 * HTTP requests of the open-data publishers: a per-request timeout (AbortController) and retries
 * with exponential backoff on 5xx, 429, timeouts and connection errors. A 4xx other than 408/429
 * is final. Secrets (push key, API key) are masked in every message this module writes.
 * Pure: the fetch function and the sleep are injectable for tests. No Node-RED import.
 */

export interface RetryOptions {
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** Delay before the first retry; doubled at each retry (default 1000 ms). */
  baseDelayMs?: number;
  /** Longest delay between two tries (default 30 000 ms). */
  maxDelayMs?: number;
  /** Time allowed to one request, answer body included (default 30 000 ms). */
  timeoutMs?: number;
  /** Waits between tries; tests pass one that records the delays and resolves at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Defaults to the global fetch (Node ≥ 20). */
  fetch?: typeof fetch;
  /** Told before each retry (for a warning or a status); the message is already masked. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** A request given up: an HTTP error answer, or the last transport failure after the retries. */
export class HttpRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status, 0 for a timeout or a connection error. */
    readonly status: number,
    /** Whether another try could succeed (5xx, 429, timeout, connection). */
    readonly retryable: boolean,
    /** Tries made. */
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'HttpRequestError';
  }
}

export interface HttpAnswer {
  status: number;
  body: string;
  /** Tries made (1 when the first one succeeded). */
  attempts: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** Called for every try: a FormData or stream cannot always be sent twice. */
  body?: () => string | FormData;
  /** What to call the request in messages, without secrets (e.g. `Opendatasoft push ville/capteurs`). */
  label: string;
  /** Strings to hide from every message (keys, tokens). */
  secrets?: string[];
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Replaces each secret (and its URL-encoded form) by `***`. */
export function maskSecrets(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  }
  return out;
}

/** The message of an API error answer: `message`, `error`, `detail`… of a JSON body, else the text. */
export function apiMessage(body: string): string {
  const text = body.trim();
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object') {
      const o = json as Record<string, unknown>;
      for (const key of ['message', 'error', 'detail', 'errors']) {
        const value = o[key];
        if (typeof value === 'string' && value.trim() !== '') return value.trim();
        if (value && typeof value === 'object') return JSON.stringify(value).slice(0, 300);
      }
    }
  } catch { /* not JSON */ }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain === '' ? '(empty answer)' : plain.slice(0, 300);
}

/** Delay before retry number `retry` (1-based): base × 2^(retry−1), at most maxDelay. */
export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/**
 * Sends the request, retrying what can be retried. Resolves with the first 2xx/3xx answer; rejects
 * with an HttpRequestError for a 4xx (not retried) or when the tries are used up.
 */
export async function requestWithRetry(request: HttpRequest, options: RetryOptions = {}): Promise<HttpAnswer> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? 4));
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30000;
  const timeoutMs = options.timeoutMs ?? 30000;
  const sleep = options.sleep ?? defaultSleep;
  const doFetch = options.fetch ?? fetch;
  const mask = (text: string) => maskSecrets(text, request.secrets ?? []);

  let lastError: HttpRequestError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let status = 0;
    let body = '';
    let retryAfter: number | undefined;
    try {
      const response = await doFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body?.(),
        signal: controller.signal,
      });
      status = response.status;
      body = await response.text();
      retryAfter = retryAfterMs(response.headers.get('retry-after'));
    } catch (err) {
      const reason = controller.signal.aborted
        ? `no answer within ${timeoutMs} ms`
        : `connection failed (${describeCause(err)})`;
      lastError = new HttpRequestError(mask(`${request.label}: ${reason}`), 0, true, attempt);
    } finally {
      clearTimeout(timer);
    }
    if (status !== 0) {
      if (status < 400) return { status, body, attempts: attempt };
      const retryable = status >= 500 || status === 429 || status === 408;
      lastError = new HttpRequestError(
        mask(`${request.label}: HTTP ${status}: ${apiMessage(body)}`), status, retryable, attempt);
      if (!retryable) throw lastError;
    }
    if (attempt < attempts && lastError) {
      const delayMs = Math.min(maxDelayMs, retryAfter ?? backoffDelay(attempt, baseDelayMs, maxDelayMs));
      options.onRetry?.({ attempt, delayMs, reason: lastError.message });
      await sleep(delayMs);
    }
  }
  const err = lastError as HttpRequestError;
  throw new HttpRequestError(`${err.message} (gave up after ${attempts} tries)`, err.status, err.retryable, attempts);
}

function describeCause(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
