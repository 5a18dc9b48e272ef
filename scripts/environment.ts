/**
 * Every knob of the platform: an environment variable with an embedded default. settings.ts, the
 * start script and the README's configuration table all come from this one list (a spec checks
 * that the README documents each variable).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DashboardUser, isBcryptHash, parseDashboardUsers } from '../nodes/lib/security/users';

/** The package root: dist/scripts/environment.js → ../.. ; scripts/environment.ts (tsx) → .. */
export const packageRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

export interface EnvironmentVariable {
  name: string;
  default: string;
  description: string;
}

export const environmentVariables: readonly EnvironmentVariable[] = [
  { name: 'SUPERVISOR_HTTP_PORT', default: '1880', description: 'HTTP port of the editor, the dashboard and the HTTP endpoints. `npm start` takes the next free port when it is taken.' },
  { name: 'SUPERVISOR_HOST', default: '127.0.0.1', description: 'Address the HTTP server binds to. Loopback only by default: set `0.0.0.0` deliberately, with a password.' },
  { name: 'SUPERVISOR_USER_DIR', default: '<repository>/.userdir', description: "Node-RED user directory: the flow file, credentials, context and the embedded time-series file." },
  { name: 'SUPERVISOR_CREDENTIAL_SECRET', default: '(empty)', description: 'Key that encrypts the credentials file (`flows_cred.json`). Empty: Node-RED generates one and keeps it in the user directory (development only). Mandatory in production, 16 characters or more; never change it once set.' },
  { name: 'SUPERVISOR_MQTT_URL', default: '(empty)', description: 'Broker the flows use (`mqtt://host:1883`, `mqtts://…`). Empty: an embedded broker (aedes) is started on 127.0.0.1.' },
  { name: 'SUPERVISOR_MQTT_PORT', default: '1883', description: 'Port of the embedded broker. `npm start` takes the next free port when it is taken.' },
  { name: 'SUPERVISOR_TIMESERIES_URL', default: '(empty)', description: 'Time-series database: `http://influxdb:8086/<database>` (InfluxDB v1 HTTP API) or `sqlite:<file>`. Empty: `timeseries.sqlite` in the user directory.' },
  { name: 'SUPERVISOR_ADMIN_USER', default: 'admin', description: 'User name of the editor login, when a password hash is set.' },
  { name: 'SUPERVISOR_ADMIN_PASSWORD_HASH', default: '(empty)', description: 'bcrypt hash of the editor password (`npm run hash-password`). Set: the editor and admin API require a login. Empty: no login (loopback only). Mandatory in production.' },
  { name: 'SUPERVISOR_DASHBOARD_PATH', default: '/dashboard', description: 'Path of the Dashboard 2.0 pages.' },
  { name: 'SUPERVISOR_SIMULATOR', default: 'auto', description: '`on`, `off` or `auto` (on with the embedded broker, off with an external one): whether the simulated network starts.' },
  { name: 'SUPERVISOR_SIMULATOR_SPEED', default: '60', description: 'Time acceleration of the simulated network (60: a 15-minute meter sends every 15 s).' },
  { name: 'SUPERVISOR_DATA_DIR', default: '<repository>/data', description: 'Folder of the reference data (device registry, buildings, lighting assets…).' },
  { name: 'SUPERVISOR_LOG_LEVEL', default: 'info', description: 'Node-RED log level: fatal, error, warn, info, debug, trace.' },
  { name: 'SUPERVISOR_LANG', default: 'fr', description: 'Language of the runtime texts (status, errors, publication log, audit reasons): `fr` or `en-US`. The editor follows the browser.' },
  { name: 'SUPERVISOR_MODE', default: 'development', description: '`development` (loopback, no login needed) or `production`: the editor login, the credential secret and the dashboard users become mandatory (the start is refused without them); palette and module installs, diagnostics, runtime state and projects are off.' },
  { name: 'SUPERVISOR_HTTPS_KEY', default: '(empty)', description: 'PEM private key file. With `SUPERVISOR_HTTPS_CERT`: the editor, dashboard and HTTP endpoints are served over HTTPS only.' },
  { name: 'SUPERVISOR_HTTPS_CERT', default: '(empty)', description: 'PEM certificate file (with its chain), paired with `SUPERVISOR_HTTPS_KEY`.' },
  { name: 'SUPERVISOR_DASHBOARD_USERS_FILE', default: '(empty)', description: 'JSON file of the dashboard users: `[{"username", "passwordHash" (bcrypt), "role": "viewer" or "operator"}]`. Set: the dashboard requires a login (HTTP Basic, then a session cookie); only operators may send lighting overrides. Mandatory in production, except on ingest workers.' },
  { name: 'SUPERVISOR_INSTANCE_ROLE', default: 'all', description: '`all` (one instance does everything), `ingest` (scale-out worker: the ingest tab only, in its own flow file `flows-ingest.json`, no editor) or `leader` (schedules, lighting, publication, dashboard).' },
  { name: 'SUPERVISOR_MQTT_SHARE_GROUP', default: '(empty)', description: 'Shared-subscription group of the ingest (`$share/<group>/…`), so that several instances split the uplinks. Empty: a plain subscription.' },
  { name: 'SUPERVISOR_MQTT_CLIENT_ID', default: '(empty)', description: 'Stable MQTT client id of this instance; set, the ingest keeps a persistent session (QoS 1 messages wait for it across a restart). Empty: a generated id and a clean session.' },
  { name: 'SUPERVISOR_MQTT_USER', default: '(empty)', description: 'User name on the broker (production Mosquitto with authentication).' },
  { name: 'SUPERVISOR_MQTT_PASSWORD', default: '(empty)', description: 'Password on the broker. A secret: give it in the environment or an env file, never in a flow.' },
  { name: 'SUPERVISOR_MAX_OLD_SPACE_MB', default: '256 on an ingest worker, else 0', description: "Largest size in MB of V8's old generation in the Node-RED process (`node --max-old-space-size`). An ingest worker holds little for long (about 65 MB after a full collection); at 256 V8 collects before the heap grows to four times that, which keeps the worker's peak memory under 300 MB during a burst. `0`: V8's own limit (it depends on the machine's memory: 4 GB on a 24 GB machine), the default of the other roles, which keep the dashboards, reference data and context." },
  { name: 'SUPERVISOR_SEMI_SPACE_MB', default: '64', description: "Largest size in MB of V8's young-generation semi-spaces in the Node-RED process (`node --max-semi-space-size`). At 64 the messages in flight die young instead of being copied by the scavenger: under a burst the ingest needs about 13 % less CPU per uplink, and sustains 10 to 15 % more uplinks/s, than with V8's default of 16 (README, Performance). `0`: V8's default." },
];

export interface PlatformEnvironment {
  httpPort: number;
  host: string;
  userDir: string;
  credentialSecret: string;
  mqttUrl: string;
  mqttPort: number;
  timeseriesUrl: string;
  adminUser: string;
  adminPasswordHash: string;
  dashboardPath: string;
  simulator: 'on' | 'off' | 'auto';
  simulatorSpeed: number;
  dataDir: string;
  logLevel: string;
  lang: 'fr' | 'en-US';
  mode: 'development' | 'production';
  httpsKey: string;
  httpsCert: string;
  dashboardUsersFile: string;
  instanceRole: 'all' | 'ingest' | 'leader';
  mqttShareGroup: string;
  mqttClientId: string;
  mqttUser: string;
  mqttPassword: string;
  semiSpaceMb: number;
  maxOldSpaceMb: number;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name}="${raw}" is not a TCP port (an integer from 0 to 65535)`);
  }
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`${name}="${raw}" must be one of: ${allowed.join(', ')}`);
  return raw as T;
}

/** Reads the platform's configuration from the environment, with the embedded defaults. Throws on a bad value. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): PlatformEnvironment {
  const speed = Number(env.SUPERVISOR_SIMULATOR_SPEED || '60');
  if (!(speed > 0)) throw new Error(`SUPERVISOR_SIMULATOR_SPEED="${env.SUPERVISOR_SIMULATOR_SPEED}" must be a positive number`);
  let dashboardPath = env.SUPERVISOR_DASHBOARD_PATH || '/dashboard';
  const instanceRole = oneOf(env, 'SUPERVISOR_INSTANCE_ROLE', ['all', 'ingest', 'leader'] as const, 'all');
  if (!dashboardPath.startsWith('/')) dashboardPath = `/${dashboardPath}`;
  return {
    httpPort: port(env, 'SUPERVISOR_HTTP_PORT', 1880),
    host: env.SUPERVISOR_HOST || '127.0.0.1',
    userDir: path.resolve(env.SUPERVISOR_USER_DIR || path.join(packageRoot, '.userdir')),
    credentialSecret: env.SUPERVISOR_CREDENTIAL_SECRET || '',
    mqttUrl: env.SUPERVISOR_MQTT_URL || '',
    mqttPort: port(env, 'SUPERVISOR_MQTT_PORT', 1883),
    timeseriesUrl: env.SUPERVISOR_TIMESERIES_URL || '',
    adminUser: env.SUPERVISOR_ADMIN_USER || 'admin',
    adminPasswordHash: env.SUPERVISOR_ADMIN_PASSWORD_HASH || '',
    dashboardPath: dashboardPath.replace(/\/+$/, '') || '/dashboard',
    simulator: oneOf(env, 'SUPERVISOR_SIMULATOR', ['on', 'off', 'auto'] as const, 'auto'),
    simulatorSpeed: speed,
    dataDir: path.resolve(env.SUPERVISOR_DATA_DIR || path.join(packageRoot, 'data')),
    logLevel: oneOf(env, 'SUPERVISOR_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info'),
    lang: (env.SUPERVISOR_LANG ?? '').trim().toLowerCase() === 'en-us' ? 'en-US' : oneOf(env, 'SUPERVISOR_LANG', ['fr'] as const, 'fr'),
    mode: oneOf(env, 'SUPERVISOR_MODE', ['development', 'production'] as const, 'development'),
    httpsKey: env.SUPERVISOR_HTTPS_KEY || '',
    httpsCert: env.SUPERVISOR_HTTPS_CERT || '',
    dashboardUsersFile: env.SUPERVISOR_DASHBOARD_USERS_FILE || '',
    instanceRole,
    mqttShareGroup: (env.SUPERVISOR_MQTT_SHARE_GROUP || '').trim(),
    mqttClientId: (env.SUPERVISOR_MQTT_CLIENT_ID || '').trim(),
    mqttUser: env.SUPERVISOR_MQTT_USER || '',
    mqttPassword: env.SUPERVISOR_MQTT_PASSWORD || '',
    semiSpaceMb: megabytes(env, 'SUPERVISOR_SEMI_SPACE_MB', 64, { min: 1, max: MAX_SEMI_SPACE_MB }),
    maxOldSpaceMb: megabytes(env, 'SUPERVISOR_MAX_OLD_SPACE_MB', instanceRole === 'ingest' ? 256 : 0, { min: MIN_OLD_SPACE_MB, max: MAX_OLD_SPACE_MB }),
  };
}

/** Up to 1 GB: a semi-space that large only delays the scavenges. */
const MAX_SEMI_SPACE_MB = 1024;
/** Node-RED holds about 40 MB before any flow starts: less cannot work. */
const MIN_OLD_SPACE_MB = 64;
const MAX_OLD_SPACE_MB = 65536;

/** A size of V8's heap in MB: 0 keeps V8's default. */
function megabytes(env: NodeJS.ProcessEnv, name: string, fallback: number, { min, max }: { min: number; max: number }): number {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || (value !== 0 && (value < min || value > max))) {
    throw new Error(`${name}="${raw}" must be 0 (V8's default) or an integer from ${min} to ${max}`);
  }
  return value;
}

/** The options of the `node` process that runs Node-RED (npm start, the Docker image and the benchmarks alike). */
export function nodeRedNodeOptions(env: Pick<PlatformEnvironment, 'semiSpaceMb' | 'maxOldSpaceMb'>): string[] {
  const options: string[] = [];
  if (env.semiSpaceMb > 0) options.push(`--max-semi-space-size=${env.semiSpaceMb}`);
  if (env.maxOldSpaceMb > 0) options.push(`--max-old-space-size=${env.maxOldSpaceMb}`);
  return options;
}

/** The credential secret must resist guessing: it protects every credential of the flows. */
export const MIN_CREDENTIAL_SECRET_LENGTH = 16;

export interface SecurityConfiguration {
  /** The dashboard users (SUPERVISOR_DASHBOARD_USERS_FILE), when the dashboard requires a login. */
  dashboardUsers?: DashboardUser[];
  /** PEM key and certificate read from SUPERVISOR_HTTPS_KEY / SUPERVISOR_HTTPS_CERT. */
  https?: { key: Buffer; cert: Buffer };
}

function readFileNamed(name: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${name}="${file}" cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * Reads the files the security variables name and enforces production mode: there, the credential
 * secret, the editor's password hash and (unless the instance is an ingest worker, which has no
 * dashboard) the dashboard users file are mandatory, and the start is refused with a message naming
 * each missing or bad variable. Throws; settings.ts calls it before Node-RED starts anything.
 */
export function readSecurity(env: PlatformEnvironment): SecurityConfiguration {
  const problems: string[] = [];
  if (env.mode === 'production') {
    if (env.credentialSecret === '') problems.push('SUPERVISOR_CREDENTIAL_SECRET is missing (the key that encrypts the flow credentials)');
    else if (env.credentialSecret.length < MIN_CREDENTIAL_SECRET_LENGTH) problems.push(`SUPERVISOR_CREDENTIAL_SECRET is too short (at least ${MIN_CREDENTIAL_SECRET_LENGTH} characters)`);
    if (env.adminPasswordHash === '') problems.push('SUPERVISOR_ADMIN_PASSWORD_HASH is missing (bcrypt hash of the editor password: npm run hash-password)');
    else if (!isBcryptHash(env.adminPasswordHash)) problems.push('SUPERVISOR_ADMIN_PASSWORD_HASH is not a bcrypt hash ($2b$10$…: npm run hash-password)');
    if (env.dashboardUsersFile === '' && env.instanceRole !== 'ingest') problems.push('SUPERVISOR_DASHBOARD_USERS_FILE is missing (the dashboard users and their roles)');
  }
  if ((env.httpsKey === '') !== (env.httpsCert === '')) {
    problems.push(env.httpsKey === '' ? 'SUPERVISOR_HTTPS_KEY is missing: SUPERVISOR_HTTPS_CERT is set, HTTPS needs both' : 'SUPERVISOR_HTTPS_CERT is missing: SUPERVISOR_HTTPS_KEY is set, HTTPS needs both');
  }
  const security: SecurityConfiguration = {};
  if (env.dashboardUsersFile !== '') {
    try {
      const text = readFileNamed('SUPERVISOR_DASHBOARD_USERS_FILE', env.dashboardUsersFile).toString('utf8');
      security.dashboardUsers = parseDashboardUsers(text, `SUPERVISOR_DASHBOARD_USERS_FILE ${env.dashboardUsersFile}`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (env.httpsKey !== '' && env.httpsCert !== '') {
    try {
      security.https = { key: readFileNamed('SUPERVISOR_HTTPS_KEY', env.httpsKey), cert: readFileNamed('SUPERVISOR_HTTPS_CERT', env.httpsCert) };
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) {
    const lead = env.mode === 'production' ? 'SUPERVISOR_MODE=production refuses to start: ' : 'the security configuration is wrong: ';
    throw new Error(lead + problems.join('; '));
  }
  return security;
}

/** The part of bcryptjs the platform uses. */
export interface Bcrypt {
  hashSync(password: string, rounds: number): string;
  compare(password: string, hash: string): Promise<boolean>;
  compareSync(password: string, hash: string): boolean;
  truncates(password: string): boolean;
}

/**
 * The bcryptjs Node-RED itself ships and checks the editor password with: no dependency of our own, and
 * the dashboard and the editor agree on hashes.
 */
export function nodeRedBcrypt(): Bcrypt {
  let nodeRedDir: string;
  try {
    nodeRedDir = path.dirname(require.resolve('node-red/package.json'));
  } catch {
    throw new Error('node-red is not installed next to the platform: its bcryptjs cannot be found');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('bcryptjs', { paths: [nodeRedDir] })) as Bcrypt;
}
