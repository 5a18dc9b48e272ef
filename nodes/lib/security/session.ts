/**
 * The dashboard session: HTTP Basic proves the password once (bcrypt is slow on purpose), then a signed
 * cookie carries the identity for the page's assets and its Socket.IO connection. The cookie holds the
 * username and an expiry, signed with HMAC-SHA256; the signature also covers the user's current
 * password hash, so changing a password (or removing the user) ends the sessions already handed out.
 * Also the small header parsers the middlewares need (cookies, HTTP Basic). Pure: node:crypto only.
 */
import crypto from 'node:crypto';

export const SESSION_COOKIE = 'supervisor_session';

export interface SessionClaims {
  username: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** A key for one purpose from a secret (the credential secret): HMAC-SHA256(secret, purpose). */
export function deriveKey(secret: string | Buffer, purpose: string): Buffer {
  return crypto.createHmac('sha256', secret).update(`supervisor:${purpose}`).digest();
}

function mac(key: Buffer, payload: string, binding: string): string {
  return crypto.createHmac('sha256', key).update(payload).update('\n').update(binding).digest('base64url');
}

/** `<base64url JSON claims>.<base64url HMAC>`; `binding` is what must not change for the session to stay valid. */
export function signSession(claims: SessionClaims, key: Buffer, binding: string): string {
  const payload = Buffer.from(JSON.stringify({ u: claims.username, e: claims.expiresAt })).toString('base64url');
  return `${payload}.${mac(key, payload, binding)}`;
}

/**
 * The claims of a cookie value when its signature and expiry hold. `bindingOf(username)` gives the user's
 * current binding (undefined: no such user any more → invalid).
 */
export function verifySession(value: string | undefined, key: Buffer, bindingOf: (username: string) => string | undefined, now: number): SessionClaims | undefined {
  if (value === undefined) return undefined;
  const dot = value.indexOf('.');
  if (dot <= 0 || dot !== value.lastIndexOf('.')) return undefined;
  const payload = value.slice(0, dot);
  let claims: { u?: unknown; e?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u?: unknown; e?: unknown };
  } catch {
    return undefined;
  }
  if (claims === null || typeof claims !== 'object' || typeof claims.u !== 'string' || typeof claims.e !== 'number') return undefined;
  const binding = bindingOf(claims.u);
  if (binding === undefined) return undefined;
  const expected = Buffer.from(mac(key, payload, binding));
  const given = Buffer.from(value.slice(dot + 1));
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return undefined;
  if (!(claims.e > now)) return undefined;
  return { username: claims.u, expiresAt: claims.e };
}

/** The cookies of a `Cookie` header (the first of a repeated name wins, as browsers order the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!cookies.has(name)) {
      try {
        cookies.set(name, decodeURIComponent(value));
      } catch {
        cookies.set(name, value);
      }
    }
  }
  return cookies;
}

export interface CookieOptions {
  path: string;
  maxAgeSeconds: number;
  /** Only over HTTPS. */
  secure: boolean;
}

/** A session `Set-Cookie` value: HttpOnly (no script reads it) and SameSite=Strict (no other site sends it). */
export function sessionCookie(value: string, options: CookieOptions): string {
  return [`${SESSION_COOKIE}=${value}`, `Path=${options.path}`, `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    'HttpOnly', 'SameSite=Strict', ...(options.secure ? ['Secure'] : [])].join('; ');
}

export interface BasicCredentials {
  username: string;
  password: string;
}

/** `Authorization: Basic base64(user:password)` (UTF-8, RFC 7617); undefined for any other header. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
