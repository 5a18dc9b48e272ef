/**
 * Security by default, on the real platform (`npm start`'s script, test/support/platform.ts) and a real
 * Chromium: production mode refuses to start without its mandatory variables; the editor's admin API
 * needs a token; the dashboard needs a login over HTTP and over Socket.IO; a viewer's lighting override
 * typed in the dashboard is refused and audited while an operator's reaches the simulated luminaire;
 * credentials deployed through the admin API are only in the encrypted credentials file; HTTPS serves
 * over TLS only; `npm run hash-password` makes hashes the platform accepts.
 */
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { nodeRedBcrypt } from '../scripts/environment';
import { launchBrowser } from './support/browser';
import { RunningPlatform, startPlatform, waitFor } from './support/platform';
import { freePort } from './support/ports';

const root = path.resolve(__dirname, '..');
const hashScript = path.join(root, 'dist', 'scripts', 'hash-password.js');
const bcrypt = nodeRedBcrypt();

const ADMIN_PASSWORD = 'éditeur-grand-poitiers';
const VIEWER = { username: 'agnes', password: 'lecture-seule-2026' };
const OPERATOR = { username: 'olivier', password: 'operateur-nuit-2026' };
const CREDENTIAL_SECRET = 'secret-des-identifiants-de-test-2026';

/** `npm run hash-password`'s program, as the package script runs it after the build. */
function hashPassword(args: string[], input?: string): string {
  return execFileSync(process.execPath, [hashScript, ...args], { input: input ?? '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}

/** Runs a command in a pseudo-terminal (script(1)) and types each answer when its prompt shows. */
function typeInTerminal(command: string, answers: Array<[string, string]>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let next = 0;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no answer from the terminal:\n${output}`)); }, 30000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      // Prompts are distinct texts: each is answered once, when it appears.
      while (next < answers.length && output.includes(answers[next][0])) {
        child.stdin!.write(`${answers[next][1]}\r`);
        next++;
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

/**
 * The Socket.IO protocol by hand (engine.io v4 long-polling): open, CONNECT to "/", read the answer;
 * `send` posts more packets on the same session.
 */
async function socketIo(url: string, headers: Record<string, string>): Promise<{ answer: string; send(packet: string): Promise<void> }> {
  const base = `${url}/dashboard/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(base, { headers })).text();
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
  const send = async (packet: string) => {
    const res = await fetch(`${base}&sid=${sid}`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain;charset=UTF-8' }, body: packet });
    assert.equal(await res.text(), 'ok');
  };
  await send('40');
  return { answer: await (await fetch(`${base}&sid=${sid}`, { headers })).text(), send };
}

interface AuditLine { requestedBy?: string; target: string; reason?: string; result: string; detail?: string }

function auditLines(userDir: string): AuditLine[] {
  const file = path.join(userDir, 'lighting-audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AuditLine);
}

async function typeOverride(page: Page, target: string, reason: string): Promise<void> {
  await page.getByText('Dérogation', { exact: true }).first().waitFor({ timeout: 30000 });
  await page.getByLabel(/Point lumineux ou armoire/).click({ force: true });
  await page.getByText(target, { exact: true }).click();
  await page.getByLabel(/Niveau/).fill('40');
  await page.getByLabel(/Durée/).fill('30');
  await page.getByLabel(/Motif/).fill(reason);
  await page.getByRole('button', { name: 'Envoyer la dérogation' }).click();
}

describe('security by default (production mode, roles, encrypted credentials, HTTPS)', function () {
  this.timeout(240000);
  let dir: string;
  let env: Record<string, string>;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'security-'));
    // The hashes come from the project's own helper (cost 10: fast enough for a spec, the minimum it allows).
    const users = [
      { username: VIEWER.username, passwordHash: hashPassword(['--cost', '10', VIEWER.password]), role: 'viewer' },
      { username: OPERATOR.username, passwordHash: hashPassword(['--cost', '10'], `${OPERATOR.password}\n`), role: 'operator' },
    ];
    fs.writeFileSync(path.join(dir, 'users.json'), JSON.stringify(users, null, 2));
    env = {
      SUPERVISOR_MODE: 'production',
      SUPERVISOR_CREDENTIAL_SECRET: CREDENTIAL_SECRET,
      SUPERVISOR_ADMIN_USER: 'admin',
      SUPERVISOR_ADMIN_PASSWORD_HASH: hashPassword(['--cost', '10', ADMIN_PASSWORD]),
      SUPERVISOR_DASHBOARD_USERS_FILE: path.join(dir, 'users.json'),
    };
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('npm run hash-password', function () {
    it('prints a bcrypt hash (cost 12 by default) of the argument, of standard input, or of a password typed twice without echo', async function () {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
      assert.match(pkg.scripts['hash-password'], /node dist\/scripts\/hash-password\.js$/);
      const fromArgument = hashPassword(['mot de passe du test']);
      assert.match(fromArgument, /^\$2[ab]\$12\$[./A-Za-z0-9]{53}$/);
      assert.ok(bcrypt.compareSync('mot de passe du test', fromArgument));
      const fromStdin = hashPassword(['--cost', '10'], 'depuis stdin\n');
      assert.ok(bcrypt.compareSync('depuis stdin', fromStdin), 'the final line break is not part of the password');
      // A terminal (pseudo-TTY from script(1)): asked twice, never echoed.
      const tty = await typeInTerminal(`${process.execPath} ${hashScript} --cost 10`, [['Mot de passe : ', 'tapé au clavier'], ['Confirmez le mot de passe : ', 'tapé au clavier']]);
      assert.equal(tty.code, 0, tty.output);
      assert.ok(!tty.output.includes('tapé au clavier'), `the password is not echoed:\n${tty.output}`);
      const typed = /\$2[ab]\$10\$[./A-Za-z0-9]{53}/.exec(tty.output);
      assert.ok(typed && bcrypt.compareSync('tapé au clavier', typed[0]), tty.output);
      const differ = await typeInTerminal(`${process.execPath} ${hashScript} --cost 10`, [['Mot de passe : ', 'un'], ['Confirmez le mot de passe : ', 'deux']]);
      assert.notEqual(differ.code, 0);
      assert.match(differ.output, /the two passwords differ/);
      assert.throws(() => hashPassword(['--cost', '4', 'x']), /--cost must be an integer from 10 to 15/);
      assert.throws(() => hashPassword([], ''), /the password is empty/);
    });
  });

  describe('production mode refuses to start without its mandatory settings', function () {
    for (const name of ['SUPERVISOR_CREDENTIAL_SECRET', 'SUPERVISOR_ADMIN_PASSWORD_HASH', 'SUPERVISOR_DASHBOARD_USERS_FILE']) {
      it(`without ${name}: the start is refused with a message naming it`, async function () {
        const partial = { ...env, SUPERVISOR_MQTT_PORT: String(await freePort()), [name]: '' };
        await assert.rejects(startPlatform(partial), (err: Error) => {
          assert.match(err.message, /the platform exited/);
          assert.match(err.message, new RegExp(`SUPERVISOR_MODE=production refuses to start: .*${name} is missing`));
          return true;
        });
      });
    }

    it('with an invalid users file (unknown role): refused, naming the file and the user', async function () {
      const bad = path.join(dir, 'bad-users.json');
      fs.writeFileSync(bad, JSON.stringify([{ username: 'x', passwordHash: bcrypt.hashSync('x', 4), role: 'administrateur' }]));
      await assert.rejects(startPlatform({ ...env, SUPERVISOR_MQTT_PORT: String(await freePort()), SUPERVISOR_DASHBOARD_USERS_FILE: bad }),
        /SUPERVISOR_DASHBOARD_USERS_FILE .*bad-users\.json: user #1 \("x"\): role "administrateur" is unknown/);
    });
  });

  describe('a production platform', function () {
    let platform: RunningPlatform | undefined;
    let browser: Browser | undefined;
    let token = '';

    before(async function () {
      platform = await startPlatform({ ...env, SUPERVISOR_MQTT_PORT: String(await freePort()), SUPERVISOR_SIMULATOR_SPEED: '60' });
    });

    after(async function () {
      if (browser) await browser.close();
      if (platform) assert.equal(await platform.stop(), 0);
    });

    it('answers 401 to the admin API without a token, 200 with one from POST /auth/token', async function () {
      const url = platform!.httpUrl;
      assert.equal((await fetch(`${url}/flows`)).status, 401);
      assert.equal((await fetch(`${url}/nodes`, { headers: { accept: 'application/json' } })).status, 401);
      assert.equal((await fetch(`${url}/flows`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' })).status, 401);
      assert.equal((await fetch(`${url}/settings`)).status, 401);
      const wrong = await fetch(`${url}/auth/token`, { method: 'POST', body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: 'nope' }) });
      assert.equal(wrong.status, 403, 'a wrong password gets no token');
      const login = await fetch(`${url}/auth/token`, { method: 'POST', body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: ADMIN_PASSWORD }) });
      assert.equal(login.status, 200);
      token = ((await login.json()) as { access_token: string }).access_token;
      assert.ok(token.length > 20);
      const flows = await fetch(`${url}/flows`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(flows.status, 200);
      assert.ok(((await flows.json()) as unknown[]).length > 10);
      assert.equal((await fetch(`${url}/nodes`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })).status, 200);
      // Hardened settings, as the editor sees them.
      const settings = await (await fetch(`${url}/settings`, { headers: { authorization: `Bearer ${token}` } })).json() as Record<string, any>;
      assert.equal(settings.externalModules?.palette?.allowInstall, false);
      assert.equal(settings.externalModules?.palette?.allowUpload, false);
      assert.equal(settings.functionExternalModules, false);
      assert.ok(!settings.diagnostics?.enabled && !settings.runtimeState?.enabled);
    });

    it('asks for a dashboard login (401) and refuses the Socket.IO connection without one', async function () {
      const url = platform!.httpUrl;
      const anonymous = await fetch(`${url}/dashboard/eclairage`);
      assert.equal(anonymous.status, 401);
      assert.match(String(anonymous.headers.get('www-authenticate')), /^Basic realm=/);
      assert.equal((await fetch(`${url}/dashboard/_setup`)).status, 401);
      const basic = `Basic ${Buffer.from(`${VIEWER.username}:${VIEWER.password}`).toString('base64')}`;
      assert.equal((await fetch(`${url}/dashboard/eclairage`, { headers: { authorization: `Basic ${Buffer.from(`${VIEWER.username}:wrong`).toString('base64')}` } })).status, 401);
      const page = await fetch(`${url}/dashboard/eclairage`, { headers: { authorization: basic } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="app"/);
      const cookie = String(page.headers.get('set-cookie')).split(';')[0];
      assert.match(cookie, /^supervisor_session=/);

      assert.match((await socketIo(url, {})).answer, /^44\{"message":"authentification requise"\}/);
      assert.match((await socketIo(url, { cookie: 'supervisor_session=forged.value' })).answer, /^44/);
      assert.match((await socketIo(url, { cookie })).answer, /^40\{"sid":/);
    });

    it('refuses a viewer\'s override typed in the dashboard (audited), and obeys an operator\'s up to the luminaire', async function () {
      const userDir = platform!.userDir;
      browser = await launchBrowser();
      const viewer = await browser.newContext({ httpCredentials: VIEWER });
      const viewerPage = await viewer.newPage();
      await viewerPage.goto(`${platform!.httpUrl}/dashboard/eclairage`);
      await typeOverride(viewerPage, "Luminaire Grand'Rue n°1 (Poitiers)", 'essai lecteur');
      const refused = await waitFor('the viewer\'s override refused in the audit log', async () =>
        auditLines(userDir).find((l) => l.reason === 'essai lecteur'), 30000);
      assert.equal(refused.result, 'refused');
      assert.equal(refused.requestedBy, VIEWER.username);
      assert.equal(refused.target, '4c1cb60000f60301');
      assert.match(String(refused.detail), /« agnes » du tableau de bord a le rôle « viewer »/);
      await viewer.close();

      const operator = await browser.newContext({ httpCredentials: OPERATOR });
      const operatorPage = await operator.newPage();
      await operatorPage.goto(`${platform!.httpUrl}/dashboard/eclairage`);
      await typeOverride(operatorPage, "Luminaire Grand'Rue n°2 (Poitiers)", 'essai opérateur');
      const confirmed = await waitFor('the operator\'s override confirmed by the simulated luminaire', async () =>
        auditLines(userDir).find((l) => l.reason === 'essai opérateur' && l.result === 'confirmed'), 90000);
      assert.equal(confirmed.requestedBy, OPERATOR.username);
      const mine = auditLines(userDir).filter((l) => l.reason === 'essai opérateur').map((l) => l.result);
      assert.ok(mine.includes('queued') && mine.includes('sent') && !mine.includes('refused'), mine.join(', '));
      // The viewer's attempt produced no frame: nothing but the refusal for it.
      assert.deepEqual(auditLines(userDir).filter((l) => l.reason === 'essai lecteur').map((l) => l.result), ['refused']);
      await operator.close();
    });

    it('does not let a viewer pass for an operator by claiming it in the message', async function () {
      const url = platform!.httpUrl;
      const page = await fetch(`${url}/dashboard/eclairage`, { headers: { authorization: `Basic ${Buffer.from(`${VIEWER.username}:${VIEWER.password}`).toString('base64')}` } });
      const cookie = String(page.headers.get('set-cookie')).split(';')[0];
      const socket = await socketIo(url, { cookie });
      assert.match(socket.answer, /^40/);
      // What the form would send, plus a forged identity.
      await socket.send(`42${JSON.stringify(['widget-action', 'ui-form-derogation', {
        payload: { cible: '4c1cb60000f70101|nas-ul20xx', niveau: 100, duree: 30, motif: 'identité forgée' },
        _event: 'submit', _client: { user: { username: OPERATOR.username, role: 'operator' } },
      }])}`);
      const line = await waitFor('the forged override in the audit log', async () =>
        auditLines(platform!.userDir).find((l) => l.reason === 'identité forgée'), 30000);
      assert.equal(line.result, 'refused');
      assert.equal(line.requestedBy, VIEWER.username);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(auditLines(platform!.userDir).filter((l) => l.reason === 'identité forgée').map((l) => l.result), ['refused']);
    });

    it('keeps deployed credentials out of the flow file: only encrypted in flows_cred.json', async function () {
      assert.ok(token, 'the admin API test ran first');
      const url = platform!.httpUrl;
      const secrets = ['mqtt-mot-de-passe-8f2c', 'influx-mot-de-passe-31d7', 'influx-jeton-a9e0'];
      const res = await fetch(`${url}/flow`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          label: 'Secrets de test',
          nodes: [],
          configs: [
            { id: 'sec-mqtt', type: 'mqtt-broker', name: 'broker de test', broker: '127.0.0.1', port: '1', clientid: '', usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true, autoConnect: false, credentials: { user: 'ville', password: secrets[0] } },
            { id: 'sec-influx', type: 'timeseries-db', name: 'influx de test', url: 'http://127.0.0.1:9/ville', database: 'ville', credentials: { username: 'ville', password: secrets[1], token: secrets[2] } },
          ],
        }),
      });
      assert.equal(res.status, 200, await res.text());
      const flowFile = path.join(platform!.userDir, 'flows.json');
      const credFile = path.join(platform!.userDir, 'flows_cred.json');
      await waitFor('the credentials file', async () => (fs.existsSync(credFile) && fs.readFileSync(flowFile, 'utf8').includes('sec-influx') ? true : undefined), 10000);
      const flowText = fs.readFileSync(flowFile, 'utf8');
      const credText = fs.readFileSync(credFile, 'utf8');
      for (const secret of secrets) {
        assert.ok(!flowText.includes(secret), `${secret} is not in flows.json`);
        assert.ok(!credText.includes(secret), `${secret} is not in clear in flows_cred.json`);
      }
      const encrypted = JSON.parse(credText) as Record<string, unknown>;
      assert.deepEqual(Object.keys(encrypted), ['$']);
      // Node-RED's format: 16-byte IV in hex, then AES-256-CTR in base64, key = SHA-256 of the credential secret.
      const blob = encrypted.$ as string;
      const decipher = crypto.createDecipheriv('aes-256-ctr', crypto.createHash('sha256').update(CREDENTIAL_SECRET).digest(), Buffer.from(blob.slice(0, 32), 'hex'));
      const clear = JSON.parse(decipher.update(blob.slice(32), 'base64', 'utf8') + decipher.final('utf8')) as Record<string, Record<string, string>>;
      assert.equal(clear['sec-mqtt'].password, secrets[0]);
      assert.equal(clear['sec-influx'].token, secrets[2]);
      // The admin API does not give them back either.
      const flows = await (await fetch(`${url}/flows`, { headers: { authorization: `Bearer ${token}` } })).text();
      for (const secret of secrets) assert.ok(!flows.includes(secret));
    });
  });

  describe('HTTPS', function () {
    let child: ChildProcess | undefined;

    after(async function () {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGINT');
        await exited;
      }
    });

    it('serves the editor and the dashboard over TLS only, with a Secure session cookie', async function () {
      const key = path.join(dir, 'key.pem');
      const cert = path.join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
      const userDir = path.join(dir, 'https-userdir');
      fs.mkdirSync(userDir);
      // A minimal dashboard: the base and one page.
      fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify([
        { id: 'b', type: 'ui-base', name: 'base', path: '/dashboard', includeClientData: true, acceptsClientConfig: ['ui-notification', 'ui-control'] },
        { id: 't', type: 'ui-theme', name: 'thème', colors: {}, sizes: {} },
        { id: 'p', type: 'ui-page', name: 'Accueil', ui: 'b', path: '/accueil', theme: 't', layout: 'grid', order: 1 },
      ]));
      const port = await freePort();
      let output = '';
      child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--settings', path.join(root, 'dist', 'settings.js'), '--userDir', userDir], {
        env: { ...process.env, SUPERVISOR_HTTP_PORT: String(port), SUPERVISOR_USER_DIR: userDir, SUPERVISOR_HTTPS_KEY: key, SUPERVISOR_HTTPS_CERT: cert,
          SUPERVISOR_DASHBOARD_USERS_FILE: path.join(dir, 'users.json'), SUPERVISOR_SIMULATOR: 'off', SUPERVISOR_MQTT_URL: 'mqtt://127.0.0.1:9' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (c) => { output += c; });
      child.stderr!.on('data', (c) => { output += c; });
      const ca = fs.readFileSync(cert);
      const get = (p: string, headers: Record<string, string> = {}) => new Promise<{ status: number; headers: http.IncomingHttpHeaders; tls: boolean }>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, path: p, ca, headers }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, tls: (res.socket as import('node:tls').TLSSocket).encrypted === true });
        }).on('error', reject);
      });
      await waitFor('Node-RED over HTTPS', async () => {
        if (child!.exitCode !== null) throw new Error(output);
        return (await get('/')).status === 200 ? true : undefined;
      }, 60000).catch((err: Error) => { throw new Error(`${err.message}\n${output}`); });
      const editor = await get('/');
      assert.equal(editor.tls, true);
      await waitFor('the dashboard routes', async () => ((await get('/dashboard/accueil')).status === 401 ? true : undefined), 30000);
      const login = await get('/dashboard/accueil', { authorization: `Basic ${Buffer.from(`${OPERATOR.username}:${OPERATOR.password}`).toString('base64')}` });
      assert.equal(login.status, 200);
      assert.match(String(login.headers['set-cookie']), /HttpOnly; SameSite=Strict; Secure/);
      // Plain HTTP on the same port gets no page.
      const plain = await new Promise<string>((resolve) => {
        http.get({ host: '127.0.0.1', port, path: '/' }, (res) => resolve(`HTTP ${res.statusCode}`)).on('error', (err) => resolve(`error ${err.message}`));
      });
      assert.ok(!plain.startsWith('HTTP 200'), plain);
    });

    it('refuses a key without a certificate, naming the missing variable', function () {
      const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(root, 'dist', 'settings.js'))})`], {
        env: { ...process.env, SUPERVISOR_HTTPS_KEY: path.join(dir, 'key.pem'), SUPERVISOR_HTTPS_CERT: '' }, encoding: 'utf8',
      });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /SUPERVISOR_HTTPS_CERT is missing: SUPERVISOR_HTTPS_KEY is set, HTTPS needs both/);
    });
  });
});
