#!/usr/bin/env node
// Runs before `npm test`: the specs start a real Mosquitto and a real InfluxDB 1.x. On a fresh Debian
// machine they are installed from Debian's packages when we can (root with apt-get); otherwise the
// message says exactly what to install. Plain JavaScript: it runs before anything is compiled.
'use strict';
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const programs = [
  { binary: 'mosquitto', paths: ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'], debianPackage: 'mosquitto' },
  { binary: 'influxd', paths: ['/usr/bin/influxd', '/usr/sbin/influxd'], debianPackage: 'influxdb' },
];

const onPath = (binary) => spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
const missing = programs.filter((p) => !p.paths.some((f) => fs.existsSync(f)) && !onPath(p.binary));
if (missing.length === 0) process.exit(0);

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
