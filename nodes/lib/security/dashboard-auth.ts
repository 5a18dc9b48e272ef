/**
 * Dashboard 2.0 authentication without FlowFuse: the two middlewares Dashboard 2.0 takes from the settings
 * (`dashboard.middleware` for its HTTP routes, `dashboard.ioMiddleware` for its Socket.IO connections).
 *
 * - HTTP: a valid session cookie passes; otherwise HTTP Basic is checked against the users file (bcrypt)
 *   and, when right, a signed session cookie is set (HttpOnly, SameSite=Strict, Secure over HTTPS).
 *   Nothing else passes: 401 with a Basic challenge, so the browser asks for the login.
 * - Socket.IO: the connection is accepted only with a valid cookie (or Basic header), from the same
 *   origin; the identity is kept on the socket (`socket.data.supervisorUser`) for the dashboard plugin,
 *   which puts it in `msg._client.user`. The socket is closed when the session expires.
 * - Repeated wrong passwords for one username from one address are throttled (429) so that passwords
 *   cannot be guessed quickly, nor bcrypt used to exhaust the CPU.
 *
 * Pure: the password check (bcrypt) is passed in; no Node-RED, Express or Socket.IO import.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { DashboardRole, DashboardUser } from './users';
import { parseBasicAuthorization, parseCookies, SESSION_COOKIE, sessionCookie, signSession, verifySession } from './session';

/** Who is on the dashboard: what the plugin puts in msg._client.user (without expiresAt). */
export interface DashboardIdentity {
  username: string;
  role: DashboardRole;
  /** Epoch milliseconds: the end of the session. */
  expiresAt: number;
}

/** Where the Socket.IO middleware leaves the identity on the socket (socket.data, Socket.IO's own per-socket store). */
export const SOCKET_IDENTITY_KEY = 'supervisorUser';

export const DEFAULT_SESSION_MS = 12 * 3600 * 1000;

export interface DashboardAuthOptions {
  users: readonly DashboardUser[];
  /** HMAC key of the session cookies (derived from the credential secret). */
  key: Buffer;
  /** The dashboard path (cookie path): /dashboard. */
  path: string;
  /** Served over HTTPS: the cookie gets `Secure`. */
  secure: boolean;
  /** bcrypt comparison. */
  verifyPassword(password: string, hash: string): Promise<boolean>;
  sessionMs?: number;
  realm?: string;
  /** Wrong passwords for one username from one address within `throttleWindowMs` before 429 (default 10 in 5 minutes). */
  maxFailures?: number;
  throttleWindowMs?: number;
  now?: () => number;
}

export type AuthOutcome =
  | { ok: true; identity: DashboardIdentity; setCookie?: string }
  | { ok: false; reason: 'missing' | 'invalid' | 'throttled'; retryAfterSeconds?: number };

interface HttpRequestLike {
  headers: IncomingHttpHeaders;
  socket?: { remoteAddress?: string };
}

interface HttpResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  end(body?: string): unknown;
}

interface SocketLike {
  request: HttpRequestLike & { url?: string };
  data: Record<string, unknown>;
  disconnect(close?: boolean): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

export interface DashboardAuth {
  /** Checks the request's cookie or Basic header. */
  authenticate(headers: IncomingHttpHeaders, remoteAddress?: string): Promise<AuthOutcome>;
  middleware(req: HttpRequestLike, res: HttpResponseLike, next: (err?: unknown) => void): void;
  ioMiddleware(socket: SocketLike, next: (err?: Error) => void): void;
}

/** Same origin: no Origin header (same-origin GET), or one whose host is the request's Host. */
export function sameOrigin(headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined || origin === '') return true;
  try {
    return new URL(origin).host.toLowerCase() === String(headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

export function createDashboardAuth(options: DashboardAuthOptions): DashboardAuth {
  const sessionMs = options.sessionMs ?? DEFAULT_SESSION_MS;
  const realm = options.realm ?? 'Superviseur territorial';
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.throttleWindowMs ?? 5 * 60 * 1000;
  const now = options.now ?? Date.now;
  const users = new Map(options.users.map((u) => [u.username, u]));
  const failures = new Map<string, { count: number; since: number }>();

  function throttled(address: string, at: number): number | undefined {
    const f = failures.get(address);
    if (f === undefined || at - f.since >= windowMs) return undefined;
    return f.count >= maxFailures ? Math.ceil((f.since + windowMs - at) / 1000) : undefined;
  }

  function failed(address: string, at: number): void {
    const f = failures.get(address);
    if (f === undefined || at - f.since >= windowMs) {
      // Bounded memory under a spray of addresses: forget the oldest windows.
      if (failures.size >= 10000) {
        for (const [a, x] of failures) if (at - x.since >= windowMs) failures.delete(a);
        if (failures.size >= 10000) failures.clear();
      }
      failures.set(address, { count: 1, since: at });
    } else {
      f.count++;
    }
  }

  async function authenticate(headers: IncomingHttpHeaders, remoteAddress = ''): Promise<AuthOutcome> {
    const at = now();
    const basic = parseBasicAuthorization(headers.authorization);
    const claims = verifySession(parseCookies(headers.cookie).get(SESSION_COOKIE), options.key, (name) => users.get(name)?.passwordHash, at);
    // A Basic login for someone else than the cookie's user is a change of user: check it.
    if (claims !== undefined && (basic === undefined || basic.username === claims.username)) {
      const user = users.get(claims.username) as DashboardUser;
      return { ok: true, identity: { username: user.username, role: user.role, expiresAt: claims.expiresAt } };
    }
    if (basic === undefined) return { ok: false, reason: 'missing' };
    // Per address and username: behind a reverse proxy every user shares one address, and one user's
    // wrong guesses must not lock the others out.
    const attempt = `${remoteAddress}|${basic.username}`;
    const wait = throttled(attempt, at);
    if (wait !== undefined) return { ok: false, reason: 'throttled', retryAfterSeconds: wait };
    const user = users.get(basic.username);
    // An unknown user costs one bcrypt too, so that timing does not tell which usernames exist.
    const right = await options.verifyPassword(basic.password, user?.passwordHash ?? options.users[0].passwordHash).catch(() => false);
    if (user === undefined || !right) {
      failed(attempt, at);
      return { ok: false, reason: 'invalid' };
    }
    failures.delete(attempt);
    const expiresAt = at + sessionMs;
    const value = signSession({ username: user.username, expiresAt }, options.key, user.passwordHash);
    return {
      ok: true,
      identity: { username: user.username, role: user.role, expiresAt },
      setCookie: sessionCookie(value, { path: options.path, maxAgeSeconds: sessionMs / 1000, secure: options.secure }),
    };
  }

  function middleware(req: HttpRequestLike, res: HttpResponseLike, next: (err?: unknown) => void): void {
    authenticate(req.headers, req.socket?.remoteAddress).then((outcome) => {
      if (outcome.ok) {
        if (outcome.setCookie) res.setHeader('Set-Cookie', outcome.setCookie);
        next();
        return;
      }
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      if (outcome.reason === 'throttled') {
        res.statusCode = 429;
        res.setHeader('Retry-After', outcome.retryAfterSeconds ?? 60);
        res.end('Trop de tentatives de connexion : réessayez plus tard.\n');
        return;
      }
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
      res.end('Authentification requise : identifiez-vous avec votre compte du tableau de bord.\n');
    }, next);
  }

  function ioMiddleware(socket: SocketLike, next: (err?: Error) => void): void {
    const request = socket.request;
    // Dashboard 2.0's own check (which these settings replace) refuses other origins: keep that.
    if (!sameOrigin(request.headers)) {
      next(new Error('origine refusée'));
      return;
    }
    authenticate(request.headers, request.socket?.remoteAddress).then((outcome) => {
      if (!outcome.ok) {
        next(new Error(outcome.reason === 'throttled' ? 'trop de tentatives' : 'authentification requise'));
        return;
      }
      socket.data[SOCKET_IDENTITY_KEY] = outcome.identity;
      // The socket lives no longer than the session; the page then logs in again.
      const timer = setTimeout(() => socket.disconnect(true), Math.max(0, outcome.identity.expiresAt - now()));
      timer.unref?.();
      socket.once('disconnect', () => clearTimeout(timer));
      next();
    }, (err: unknown) => next(err instanceof Error ? err : new Error(String(err))));
  }

  return { authenticate, middleware, ioMiddleware };
}

/** The identity the Socket.IO middleware left on a socket, while its session lasts. */
export function socketIdentity(socket: { data?: Record<string, unknown> } | undefined, at = Date.now()): DashboardIdentity | undefined {
  const identity = socket?.data?.[SOCKET_IDENTITY_KEY] as DashboardIdentity | undefined;
  if (identity === undefined || typeof identity.username !== 'string' || !(identity.expiresAt > at)) return undefined;
  return identity;
}
