#!/usr/bin/env node
// Runs before `npm test`: the specs start a real Mosquitto and a real InfluxDB 1.x. On a fresh Debian
// machine they are installed from Debian's packages when we can (root with apt-get); otherwise the
// message says exactly what to install. Plain JavaScript: it runs before anything is compiled.
'use strict';
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const programs = [
  { binary: 'mosquitto', paths: ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'], debianPackage: 'mosquitto' },
  { binary: 'pg_isready', paths: ['/usr/bin/pg_isready'], debianPackage: 'postgresql' },
  { binary: 'influxd', paths: ['/usr/bin/influxd', '/usr/sbin/influxd'], debianPackage: 'influxdb' },
  // The dashboard specs drive a real browser (playwright-core with Debian's Chromium).
  { binary: 'chromium', paths: ['/usr/bin/chromium'], debianPackage: 'chromium' },
];

const onPath = (binary) => spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;

const missing = programs.filter((p) => !p.paths.some((f) => fs.existsSync(f)) && !onPath(p.binary));

function install() {
  if (missing.length === 0) return;
  const packages = missing.map((p) => p.debianPackage);
  const canInstall = typeof process.getuid === 'function' && process.getuid() === 0 && onPath('apt-get');
  if (!canInstall) {
    process.stderr.write(`The tests need ${packages.join(' and ')}: sudo apt-get install -y ${packages.join(' ')}\n`);
    process.exit(1);
}
process.stdout.write(`Installing the services the tests use: ${packages.join(', ')} (Debian packages)\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status || 1);
}
}

install();

// PostgreSQL runs as a service (the reference-data specs create and drop their own database in it):
// start the local cluster when it is installed but stopped.
const pgUrl = process.env.SUPERVISOR_TEST_PG_URL;
if (!pgUrl && onPath('pg_isready') && spawnSync('pg_isready', ['-h', '127.0.0.1', '-q']).status !== 0 && onPath('pg_ctlcluster')) {
  const versions = fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql') : [];
  for (const version of versions) {
    process.stdout.write(`Starting the local PostgreSQL ${version} cluster for the tests\n`);
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  }
}
