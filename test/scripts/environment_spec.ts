import assert from 'node:assert/strict';
import path from 'node:path';
import { environmentVariables, nodeRedNodeOptions, packageRoot, readEnvironment } from '../../scripts/environment';

describe('scripts/environment: the platform configuration', function () {
  it('has embedded defaults for everything: loopback, no login, embedded broker and storage', function () {
    const env = readEnvironment({});
    assert.equal(env.httpPort, 1880);
    assert.equal(env.host, '127.0.0.1');
    assert.equal(env.mqttUrl, '');
    assert.equal(env.mqttPort, 1883);
    assert.equal(env.timeseriesUrl, '');
    assert.equal(env.adminPasswordHash, '');
    assert.equal(env.dashboardPath, '/dashboard');
    assert.equal(env.simulator, 'auto');
    assert.equal(env.lang, 'fr');
    assert.equal(env.userDir, path.join(packageRoot, '.userdir'));
    assert.equal(env.dataDir, path.join(packageRoot, 'data'));
    assert.deepEqual(nodeRedNodeOptions(env), ['--max-semi-space-size=64']);
    assert.deepEqual(nodeRedNodeOptions(readEnvironment({ SUPERVISOR_SEMI_SPACE_MB: '0' })), [], '0 leaves V8 its default');
    // An ingest worker's old generation is capped; a value given wins.
    assert.deepEqual(nodeRedNodeOptions(readEnvironment({ SUPERVISOR_INSTANCE_ROLE: 'ingest' })), ['--max-semi-space-size=64', '--max-old-space-size=256']);
    assert.deepEqual(nodeRedNodeOptions(readEnvironment({ SUPERVISOR_INSTANCE_ROLE: 'ingest', SUPERVISOR_MAX_OLD_SPACE_MB: '0' })), ['--max-semi-space-size=64']);
  });

  it('reads every variable it documents', function () {
    const env = readEnvironment({
      SUPERVISOR_HTTP_PORT: '8080', SUPERVISOR_HOST: '0.0.0.0', SUPERVISOR_USER_DIR: '/srv/nr',
      SUPERVISOR_CREDENTIAL_SECRET: 's', SUPERVISOR_MQTT_URL: 'mqtt://broker:1883', SUPERVISOR_MQTT_PORT: '1999',
      SUPERVISOR_TIMESERIES_URL: 'http://influx:8086/city', SUPERVISOR_ADMIN_USER: 'energie',
      SUPERVISOR_ADMIN_PASSWORD_HASH: '$2b$08$x', SUPERVISOR_DASHBOARD_PATH: 'tableau/', SUPERVISOR_SIMULATOR: 'OFF',
      SUPERVISOR_SIMULATOR_SPEED: '10', SUPERVISOR_DATA_DIR: '/srv/data', SUPERVISOR_LOG_LEVEL: 'debug', SUPERVISOR_LANG: 'en-US',
      SUPERVISOR_MODE: 'Production', SUPERVISOR_HTTPS_KEY: '/tls/key.pem', SUPERVISOR_HTTPS_CERT: '/tls/cert.pem', SUPERVISOR_DASHBOARD_USERS_FILE: '/run/secrets/users.json', SUPERVISOR_INSTANCE_ROLE: 'leader', SUPERVISOR_MQTT_SHARE_GROUP: 'nr-ingest', SUPERVISOR_MQTT_CLIENT_ID: 'nr-1', SUPERVISOR_MQTT_USER: 'supervisor', SUPERVISOR_MQTT_PASSWORD: 'p', SUPERVISOR_SEMI_SPACE_MB: '32', SUPERVISOR_MAX_OLD_SPACE_MB: '2048',
    });
    assert.deepEqual(env, {
      httpPort: 8080, host: '0.0.0.0', userDir: '/srv/nr', credentialSecret: 's', mqttUrl: 'mqtt://broker:1883',
      mqttPort: 1999, timeseriesUrl: 'http://influx:8086/city', adminUser: 'energie', adminPasswordHash: '$2b$08$x',
      dashboardPath: '/tableau', simulator: 'off', simulatorSpeed: 10, dataDir: '/srv/data', logLevel: 'debug', lang: 'en-US',
      mode: 'production', httpsKey: '/tls/key.pem', httpsCert: '/tls/cert.pem', dashboardUsersFile: '/run/secrets/users.json', instanceRole: 'leader', mqttShareGroup: 'nr-ingest', mqttClientId: 'nr-1', mqttUser: 'supervisor', mqttPassword: 'p', semiSpaceMb: 32, maxOldSpaceMb: 2048,
    });
    assert.equal(environmentVariables.length, Object.keys(env).length);
  });

  it('refuses a bad value with a message naming the variable', function () {
    assert.throws(() => readEnvironment({ SUPERVISOR_HTTP_PORT: 'http' }), /SUPERVISOR_HTTP_PORT="http" is not a TCP port/);
    assert.throws(() => readEnvironment({ SUPERVISOR_SIMULATOR: 'maybe' }), /SUPERVISOR_SIMULATOR="maybe" must be one of: on, off, auto/);
    assert.throws(() => readEnvironment({ SUPERVISOR_SIMULATOR_SPEED: '-1' }), /SUPERVISOR_SIMULATOR_SPEED/);
    assert.throws(() => readEnvironment({ SUPERVISOR_LANG: 'de' }), /SUPERVISOR_LANG="de" must be one of: fr/);
    assert.throws(() => readEnvironment({ SUPERVISOR_SEMI_SPACE_MB: '16MB' }), /SUPERVISOR_SEMI_SPACE_MB="16MB" must be 0 \(V8's default\) or an integer from 1 to 1024/);
    assert.throws(() => readEnvironment({ SUPERVISOR_SEMI_SPACE_MB: '4096' }), /SUPERVISOR_SEMI_SPACE_MB="4096" must be 0 .* to 1024/);
    assert.throws(() => readEnvironment({ SUPERVISOR_MAX_OLD_SPACE_MB: '32' }), /SUPERVISOR_MAX_OLD_SPACE_MB="32" must be 0 \(V8's default\) or an integer from 64 to 65536/);
  });
});

describe('settings.ts', function () {
  it('turns the environment into Node-RED settings: pretty flow file, loopback, login only with a hash', function () {
    const saved = { ...process.env };
    try {
      delete require.cache[require.resolve('../../settings')];
      process.env.SUPERVISOR_ADMIN_PASSWORD_HASH = '';
      process.env.SUPERVISOR_SIMULATOR = 'off';
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const open = require('../../settings');
      assert.equal(open.flowFilePretty, true);
      assert.equal(open.uiHost, '127.0.0.1');
      assert.equal(open.adminAuth, undefined);
      assert.equal(open.lorawanSimulatorEnabled, false);
      assert.deepEqual(open.nodesDir, [packageRoot]);

      delete require.cache[require.resolve('../../settings')];
      process.env.SUPERVISOR_ADMIN_PASSWORD_HASH = '$2b$08$abcdefghijklmnopqrstuv';
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const locked = require('../../settings');
      assert.equal(locked.adminAuth.type, 'credentials');
      assert.equal(locked.adminAuth.users[0].password, '$2b$08$abcdefghijklmnopqrstuv');
      assert.equal(locked.externalModules.palette.allowInstall, false);
    } finally {
      process.env = saved;
      delete require.cache[require.resolve('../../settings')];
    }
  });
});
