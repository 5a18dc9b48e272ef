/**
 * nodes/lib/security: the dashboard users file, the signed session cookie, the header parsers and the
 * dashboard middlewares (with the real bcryptjs of Node-RED), and scripts/environment's production checks.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import { createDashboardAuth, sameOrigin, socketIdentity } from '../../nodes/lib/security/dashboard-auth';
import { deriveKey, parseBasicAuthorization, parseCookies, SESSION_COOKIE, sessionCookie, signSession, verifySession } from '../../nodes/lib/security/session';
import { isBcryptHash, parseDashboardUsers } from '../../nodes/lib/security/users';
import { nodeRedBcrypt, readEnvironment, readSecurity } from '../../scripts/environment';

const bcrypt = nodeRedBcrypt();
// Cost 4 keeps the spec fast; the format is the same as the real cost 12.
const VIEWER_HASH = bcrypt.hashSync('lecture-seule-2026', 4);
const OPERATOR_HASH = bcrypt.hashSync('operateur-nuit-2026', 4);
const USERS = [
  { username: 'agnes', passwordHash: VIEWER_HASH, role: 'viewer' as const },
  { username: 'olivier', passwordHash: OPERATOR_HASH, role: 'operator' as const },
];

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('nodes/lib/security: dashboard users, sessions and middlewares', function () {
  describe('users file', function () {
    it('accepts viewers and operators with bcrypt hashes', function () {
      const users = parseDashboardUsers(JSON.stringify(USERS), 'users.json');
      assert.deepEqual(users.map((u) => [u.username, u.role]), [['agnes', 'viewer'], ['olivier', 'operator']]);
      assert.ok(isBcryptHash(VIEWER_HASH));
      assert.ok(!isBcryptHash('$2b$08$abcdefghijklmnopqrstuv'));
      assert.ok(!isBcryptHash('5f4dcc3b5aa765d61d8327deb882cf99'));
    });

    it('refuses a bad file with a message naming the file, the entry and the fault', function () {
      const cases: Array<[unknown, RegExp]> = [
        ['{not json', /users\.json: not valid JSON/],
        [{ username: 'a' }, /users\.json: must be a JSON array/],
        [[], /lists no user/],
        [['agnes'], /user #1 is not an object/],
        [[{ ...USERS[0], role: 'admin' }], /user #1 \("agnes"\): role "admin" is unknown \(allowed: viewer, operator\)/],
        [[{ ...USERS[0], passwordHash: 'secret' }], /user #1 \("agnes"\): "passwordHash" is not a bcrypt hash/],
        [[USERS[0], { ...USERS[1], username: 'agnes' }], /user #2: the username "agnes" is used twice/],
        [[{ ...USERS[0], username: 'a:b' }], /cannot contain ":"/],
        [[{ ...USERS[0], password: 'x' }], /unknown property "password"/],
        [[{ passwordHash: VIEWER_HASH, role: 'viewer' }], /user #1 has no "username"/],
      ];
      for (const [content, error] of cases) {
        assert.throws(() => parseDashboardUsers(typeof content === 'string' ? content : JSON.stringify(content), 'users.json'), error);
      }
    });
  });

  describe('session cookie and headers', function () {
    const key = deriveKey('a credential secret of the city', 'dashboard-session');
    const bindings = new Map([['agnes', VIEWER_HASH]]);
    const bindingOf = (u: string) => bindings.get(u);

    it('verifies what it signed, until it expires', function () {
      const value = signSession({ username: 'agnes', expiresAt: 2000 }, key, VIEWER_HASH);
      assert.deepEqual(verifySession(value, key, bindingOf, 1000), { username: 'agnes', expiresAt: 2000 });
      assert.equal(verifySession(value, key, bindingOf, 2000), undefined, 'expired');
    });

    it('refuses a forged, re-keyed or re-bound cookie', function () {
      const value = signSession({ username: 'agnes', expiresAt: 2000 }, key, VIEWER_HASH);
      const [payload, mac] = value.split('.');
      const forged = Buffer.from(JSON.stringify({ u: 'olivier', e: 2000 })).toString('base64url');
      assert.equal(verifySession(`${forged}.${mac}`, key, (u) => (u === 'olivier' ? OPERATOR_HASH : bindingOf(u)), 1000), undefined);
      const later = Buffer.from(JSON.stringify({ u: 'agnes', e: 99999 })).toString('base64url');
      assert.equal(verifySession(`${later}.${mac}`, key, bindingOf, 1000), undefined, 'expiry extended');
      assert.equal(verifySession(value, deriveKey('another secret', 'dashboard-session'), bindingOf, 1000), undefined, 'other key');
      assert.equal(verifySession(value, key, () => OPERATOR_HASH, 1000), undefined, 'password changed');
      assert.equal(verifySession(value, key, () => undefined, 1000), undefined, 'user removed');
      assert.equal(verifySession(`${payload}`, key, bindingOf, 1000), undefined);
      assert.equal(verifySession('%%%.%%%', key, bindingOf, 1000), undefined);
    });

    it('parses cookies, Basic credentials and writes a strict session cookie', function () {
      assert.deepEqual([...parseCookies('a=1; supervisor_session=x.y; a=2; b="q%20r"')], [['a', '1'], ['supervisor_session', 'x.y'], ['b', 'q r']]);
      assert.deepEqual(parseBasicAuthorization(basic('agnès', 'mot de:passe')), { username: 'agnès', password: 'mot de:passe' });
      assert.equal(parseBasicAuthorization('Bearer abc'), undefined);
      assert.equal(parseBasicAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`), undefined);
      assert.equal(sessionCookie('v', { path: '/dashboard', maxAgeSeconds: 60, secure: true }),
        `${SESSION_COOKIE}=v; Path=/dashboard; Max-Age=60; HttpOnly; SameSite=Strict; Secure`);
      assert.ok(sameOrigin({ host: 'h:1880' }));
      assert.ok(sameOrigin({ host: 'h:1880', origin: 'https://h:1880' }));
      assert.ok(!sameOrigin({ host: 'h:1880', origin: 'https://evil.example' }));
    });
  });

  describe('dashboard middlewares', function () {
    let clock = 1_000_000;
    const auth = createDashboardAuth({
      users: USERS, key: deriveKey('secret', 'dashboard-session'), path: '/dashboard', secure: false,
      verifyPassword: (p, h) => bcrypt.compare(p, h), sessionMs: 60_000, maxFailures: 3, throttleWindowMs: 10_000, now: () => clock,
    });

    interface Reply { status: number; headers: Record<string, unknown>; body?: string; passed: boolean }
    function http(headers: IncomingHttpHeaders, remoteAddress = '10.0.0.1'): Promise<Reply> {
      return new Promise((resolve, reject) => {
        const reply: Reply = { status: 200, headers: {}, passed: false };
        const res = {
          statusCode: 200,
          setHeader(name: string, value: unknown) { reply.headers[name.toLowerCase()] = value; },
          end(body?: string) { reply.status = res.statusCode; reply.body = body; resolve(reply); },
        };
        auth.middleware({ headers, socket: { remoteAddress } }, res, (err) => (err ? reject(err) : resolve({ ...reply, passed: true })));
      });
    }

    function socket(headers: IncomingHttpHeaders): Promise<{ error?: Error; data: Record<string, unknown>; socket: EventEmitter & { data: Record<string, unknown>; disconnected: boolean } }> {
      const s = Object.assign(new EventEmitter(), {
        request: { headers, url: '/dashboard/socket.io/?EIO=4&transport=polling', socket: { remoteAddress: '10.0.0.9' } },
        data: {} as Record<string, unknown>,
        disconnected: false,
        disconnect() { s.disconnected = true; s.emit('disconnect'); },
      });
      return new Promise((resolve) => auth.ioMiddleware(s, (error) => resolve({ error, data: s.data, socket: s })));
    }

    it('asks for a login (401, Basic challenge) without credentials or with a wrong password', async function () {
      const none = await http({});
      assert.equal(none.status, 401);
      assert.match(String(none.headers['www-authenticate']), /^Basic realm="Superviseur territorial"/);
      assert.equal(none.passed, false);
      const wrong = await http({ authorization: basic('agnes', 'nope') });
      assert.equal(wrong.status, 401);
      const unknown = await http({ authorization: basic('mallory', 'lecture-seule-2026') });
      assert.equal(unknown.status, 401);
    });

    it('lets a right Basic login through and hands out a session cookie that then suffices', async function () {
      const first = await http({ authorization: basic('agnes', 'lecture-seule-2026') });
      assert.equal(first.passed, true);
      const setCookie = String(first.headers['set-cookie']);
      assert.match(setCookie, /^supervisor_session=[^;]+; Path=\/dashboard; Max-Age=60; HttpOnly; SameSite=Strict$/);
      const cookie = setCookie.split(';')[0];
      const next = await http({ cookie });
      assert.equal(next.passed, true);
      assert.equal(next.headers['set-cookie'], undefined);
      clock += 60_000;
      assert.equal((await http({ cookie })).status, 401, 'the session expired');
    });

    it('accepts a Socket.IO connection only with a valid session, and keeps the identity on the socket', async function () {
      const refused = await socket({ host: 'h' });
      assert.match(String(refused.error?.message), /authentification requise/);
      const login = await http({ authorization: basic('olivier', 'operateur-nuit-2026') });
      const cookie = String(login.headers['set-cookie']).split(';')[0];
      const crossSite = await socket({ host: 'h', cookie, origin: 'https://evil.example' });
      assert.match(String(crossSite.error?.message), /origine refusée/);
      const ok = await socket({ host: 'h', cookie });
      assert.equal(ok.error, undefined);
      assert.deepEqual(socketIdentity(ok.socket, clock), { username: 'olivier', role: 'operator', expiresAt: clock + 60_000 });
      assert.equal(socketIdentity(ok.socket, clock + 60_000), undefined, 'no identity past the session');
      ok.socket.emit('disconnect');
    });

    it('throttles repeated wrong passwords for one user from one address (429), not the other users or addresses', async function () {
      clock += 100_000;
      for (let i = 0; i < 3; i++) assert.equal((await http({ authorization: basic('agnes', `guess${i}`) }, '10.6.6.6')).status, 401);
      const blocked = await http({ authorization: basic('agnes', 'lecture-seule-2026') }, '10.6.6.6');
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      assert.equal((await http({ authorization: basic('agnes', 'lecture-seule-2026') }, '10.0.0.2')).passed, true);
      assert.equal((await http({ authorization: basic('olivier', 'operateur-nuit-2026') }, '10.6.6.6')).passed, true, 'another user behind the same address');
      clock += 10_000;
      assert.equal((await http({ authorization: basic('agnes', 'lecture-seule-2026') }, '10.6.6.6')).passed, true, 'the window passed');
    });
  });

  describe('scripts/environment: production checks', function () {
    let dir: string;
    before(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'security-env-'));
      fs.writeFileSync(path.join(dir, 'users.json'), JSON.stringify(USERS));
      fs.writeFileSync(path.join(dir, 'bad-users.json'), JSON.stringify([{ ...USERS[0], role: 'admin' }]));
    });
    after(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const complete = () => ({
      SUPERVISOR_MODE: 'production', SUPERVISOR_CREDENTIAL_SECRET: 'a-long-credential-secret-for-tests',
      SUPERVISOR_ADMIN_PASSWORD_HASH: OPERATOR_HASH, SUPERVISOR_DASHBOARD_USERS_FILE: path.join(dir, 'users.json'),
    });

    it('starts in production with every mandatory variable', function () {
      const security = readSecurity(readEnvironment(complete()));
      assert.equal(security.dashboardUsers?.length, 2);
      assert.equal(security.https, undefined);
    });

    it('refuses production without each mandatory variable, naming it', function () {
      for (const name of ['SUPERVISOR_CREDENTIAL_SECRET', 'SUPERVISOR_ADMIN_PASSWORD_HASH', 'SUPERVISOR_DASHBOARD_USERS_FILE'] as const) {
        const env: Record<string, string> = complete();
        delete env[name];
        assert.throws(() => readSecurity(readEnvironment(env)), new RegExp(`SUPERVISOR_MODE=production refuses to start: .*${name} is missing`));
      }
      assert.throws(() => readSecurity(readEnvironment({ ...complete(), SUPERVISOR_CREDENTIAL_SECRET: 'short' })), /SUPERVISOR_CREDENTIAL_SECRET is too short/);
      assert.throws(() => readSecurity(readEnvironment({ ...complete(), SUPERVISOR_ADMIN_PASSWORD_HASH: 'plain' })), /SUPERVISOR_ADMIN_PASSWORD_HASH is not a bcrypt hash/);
      assert.throws(() => readSecurity(readEnvironment({ ...complete(), SUPERVISOR_DASHBOARD_USERS_FILE: path.join(dir, 'bad-users.json') })), /bad-users\.json: user #1 \("agnes"\): role "admin" is unknown/);
      assert.throws(() => readSecurity(readEnvironment({ ...complete(), SUPERVISOR_DASHBOARD_USERS_FILE: path.join(dir, 'none.json') })), /SUPERVISOR_DASHBOARD_USERS_FILE=".*none\.json" cannot be read \(ENOENT\)/);
      // An ingest worker has no dashboard: no users file needed.
      const ingest: Record<string, string> = { ...complete(), SUPERVISOR_INSTANCE_ROLE: 'ingest' };
      delete ingest.SUPERVISOR_DASHBOARD_USERS_FILE;
      assert.doesNotThrow(() => readSecurity(readEnvironment(ingest)));
    });

    it('development stays open by default; HTTPS needs both files', function () {
      assert.deepEqual(readSecurity(readEnvironment({})), {});
      assert.throws(() => readSecurity(readEnvironment({ SUPERVISOR_HTTPS_KEY: '/k.pem' })), /SUPERVISOR_HTTPS_CERT is missing/);
      assert.throws(() => readSecurity(readEnvironment({ SUPERVISOR_HTTPS_CERT: '/c.pem' })), /SUPERVISOR_HTTPS_KEY is missing/);
      assert.throws(() => readSecurity(readEnvironment({ SUPERVISOR_HTTPS_KEY: path.join(dir, 'k.pem'), SUPERVISOR_HTTPS_CERT: path.join(dir, 'users.json') })), /SUPERVISOR_HTTPS_KEY=".*k\.pem" cannot be read/);
    });
  });
});
