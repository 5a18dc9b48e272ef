/**
 * Node-RED settings of the supervisor, compiled to dist/settings.js. Every knob is an environment
 * variable with an embedded default (scripts/environment.ts, listed in the README). The same file is
 * used by `npm start`, the tests and the Docker image.
 */
import { packageRoot, readEnvironment } from './scripts/environment';

const env = readEnvironment();
const editorLoginRequired = env.adminPasswordHash !== '';

const settings = {
  uiHost: env.host,
  uiPort: env.httpPort,
  userDir: env.userDir,
  flowFile: 'flows.json',
  // Pretty flow files keep `npm run flows:export` diffs readable.
  flowFilePretty: true,
  // undefined lets Node-RED generate a key and keep it in the user directory (embedded default).
  credentialSecret: env.credentialSecret || undefined,
  httpAdminRoot: '/',
  httpNodeRoot: '/',
  adminAuth: editorLoginRequired
    ? { type: 'credentials', users: [{ username: env.adminUser, password: env.adminPasswordHash, permissions: '*' }] }
    : undefined,
  // The package root holds a node-red module (package.json "node-red" section): Node-RED loads our
  // nodes and examples from it without an npm install into the user directory.
  nodesDir: [packageRoot],
  // The city's staff read the runtime's texts (node status, errors, logs) in French by default.
  lang: env.lang,
  logging: { console: { level: env.logLevel, metrics: false, audit: false } },
  // Code in function nodes and palette installs cannot pull modules from the network.
  functionExternalModules: false,
  externalModules: { autoInstall: false, palette: { allowInstall: !editorLoginRequired } },
  editorTheme: {
    page: { title: 'Superviseur territorial — Grand Poitiers' },
    header: { title: 'Superviseur territorial' },
    tours: false,
  },
  diagnostics: { enabled: false, ui: false },
  telemetry: { enabled: false },
  // Read by lorawan-simulator: whether the simulated network starts on deploy.
  lorawanSimulatorEnabled: env.simulator !== 'off',
  // Read by the nodes that need reference files (simulator fleet, registries).
  supervisorDataDir: env.dataDir,
  // Read by the time-series nodes once storage lands: empty = embedded SQLite in the user directory.
  supervisorTimeseriesUrl: env.timeseriesUrl,
};

export = settings;
