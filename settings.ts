/**
 * Node-RED settings of the supervisor, compiled to dist/settings.js. Every knob is an environment
 * variable with an embedded default (scripts/environment.ts, listed in the README). The same file is
 * used by `npm start`, the tests and the Docker image.
 *
 * Security (README "Security"): development mode (default) is open on loopback unless a password hash
 * or a dashboard users file is given; production mode refuses to start without the credential secret,
 * the editor login and the dashboard users, and turns off everything that installs or runs code from
 * outside (palette, external modules) or exposes the runtime (diagnostics, runtime state, projects).
 */
import crypto from 'node:crypto';
import { nodeRedBcrypt, packageRoot, readEnvironment, readSecurity } from './scripts/environment';
import { createDashboardAuth } from './nodes/lib/security/dashboard-auth';
import { deriveKey } from './nodes/lib/security/session';

const env = readEnvironment();
// Throws (the start is refused) on a missing mandatory variable in production or a bad security file.
const security = readSecurity(env);
const production = env.mode === 'production';
const editorLoginRequired = env.adminPasswordHash !== '';
const ingestWorker = env.instanceRole === 'ingest';

/** Dashboard 2.0's HTTP and Socket.IO middlewares, when the dashboard has users. */
function dashboardSettings(): { middleware: unknown; ioMiddleware: unknown } | undefined {
  if (security.dashboardUsers === undefined) return undefined;
  const bcrypt = nodeRedBcrypt();
  // From the credential secret, sessions survive a restart; without one (development) they last as long as the process.
  const key = deriveKey(env.credentialSecret || crypto.randomBytes(32), 'dashboard-session');
  const auth = createDashboardAuth({
    users: security.dashboardUsers,
    key,
    path: env.dashboardPath,
    secure: security.https !== undefined,
    verifyPassword: (password, hash) => bcrypt.compare(password, hash),
  });
  return { middleware: auth.middleware, ioMiddleware: auth.ioMiddleware };
}

const dashboard = dashboardSettings();

const settings = {
  uiHost: env.host,
  uiPort: env.httpPort,
  userDir: env.userDir,
  // An ingest worker runs only the ingest tab (its own flow file), never the schedules or the dashboard.
  flowFile: ingestWorker ? 'flows-ingest.json' : 'flows.json',
  // Pretty flow files keep `npm run flows:export` diffs readable.
  flowFilePretty: true,
  // undefined lets Node-RED generate a key and keep it in the user directory (development only: production requires it).
  credentialSecret: env.credentialSecret || undefined,
  httpAdminRoot: '/',
  httpNodeRoot: '/',
  ...(security.https ? { https: security.https, requireHttps: true } : {}),
  adminAuth: editorLoginRequired
    ? { type: 'credentials', users: [{ username: env.adminUser, password: env.adminPasswordHash, permissions: '*' }] }
    : undefined,
  disableEditor: ingestWorker,
  // The package root holds a node-red module (package.json "node-red" section): Node-RED loads our
  // nodes and examples from it without an npm install into the user directory.
  nodesDir: [packageRoot],
  // The city's staff read the runtime's texts (node status, errors, logs) in French by default.
  lang: env.lang,
  logging: { console: { level: env.logLevel, metrics: false, audit: false } },
  // Code in function nodes and palette installs cannot pull modules from the network.
  functionExternalModules: false,
  externalModules: production
    ? { autoInstall: false, palette: { allowInstall: false, allowUpload: false }, modules: { allowInstall: false } }
    : { autoInstall: false, palette: { allowInstall: !editorLoginRequired } },
  editorTheme: {
    page: { title: 'Superviseur territorial — Grand Poitiers' },
    header: { title: 'Superviseur territorial' },
    tours: false,
    projects: { enabled: false },
  },
  diagnostics: { enabled: false, ui: false },
  telemetry: { enabled: false },
  // POST /flows/state would let an API client stop every flow.
  runtimeState: { enabled: false, ui: false },
  ...(production ? { exportGlobalContextKeys: false } : {}),
  ...(dashboard ? { dashboard } : {}),
  // Read by lighting-control: dashboard messages carry msg._client.user {username, role}; only operators may override.
  supervisorDashboardAuth: dashboard !== undefined,
  supervisorMode: env.mode,
  // Read by the nodes that behave differently on a scale-out worker (all | ingest | leader).
  supervisorInstanceRole: env.instanceRole,
  // Read by lorawan-simulator: whether the simulated network starts on deploy.
  lorawanSimulatorEnabled: env.simulator !== 'off',
  // Read by the nodes that need reference files (simulator fleet, registries).
  supervisorDataDir: env.dataDir,
  // Read by the time-series nodes once storage lands: empty = embedded SQLite in the user directory.
  supervisorTimeseriesUrl: env.timeseriesUrl,
};

export = settings;
