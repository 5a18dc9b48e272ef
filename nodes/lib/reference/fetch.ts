/**
 * Reading bytes from a file or an http(s) URL for the reference loaders, with a time limit, and
 * URLs made safe for messages (no password, no token in query strings). Pure: no Node-RED import.
 */
import fs from 'node:fs/promises';
import { ReferenceError } from './table';

export const DEFAULT_TIMEOUT_MS = 30000;

export function isHttpUrl(location: string): boolean {
  return /^https?:\/\//i.test(location.trim());
}

/** The URL without user info and with secret-looking query parameters masked, for status and errors. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const name of [...parsed.searchParams.keys()]) {
      if (/token|key|secret|password|pass|auth/i.test(name)) parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    return url;
  }
}

export interface HttpGetOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** What is fetched, for errors ("JSON source", "ArcGIS layer"). */
  what?: string;
}

/** GET → body bytes; throws naming the URL (without secrets) on network errors, time-outs and HTTP errors. */
export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = options.what ?? 'reference source';
  let response: Response;
  try {
    response = await fetch(url, { headers: options.headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const e = err as Error & { cause?: { message?: string } };
    const detail = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.message ?? e.message);
    throw new ReferenceError(`${what} ${safeUrl(url)}: ${detail}`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) {
    const excerpt = body.toString('utf8', 0, Math.min(body.length, 200)).replace(/\s+/g, ' ').trim();
    const hint = response.status === 401 || response.status === 403 ? ' (check the credentials)' : '';
    throw new ReferenceError(`${what} ${safeUrl(url)}: HTTP ${response.status} ${response.statusText}${hint}${excerpt ? `: ${excerpt}` : ''}`);
  }
  return body;
}

/** Bytes of a file or an http(s) URL. */
export async function readLocation(location: string, options: HttpGetOptions = {}): Promise<Buffer> {
  if (isHttpUrl(location)) return httpGet(location, options);
  try {
    return await fs.readFile(location);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const detail = code === 'ENOENT' ? 'the file does not exist' : (err as Error).message;
    throw new ReferenceError(`${options.what ?? 'reference source'} ${location}: ${detail}`);
  }
}
