#!/usr/bin/env node
// HEALTHCHECK of the supervisor image: healthy when Node-RED's HTTP server answers on the instance's port.
// Node-RED opens its port only once the runtime has started, and any answer below 500 counts: the editor page
// needs no login, an ingest worker has no editor (404), the admin API may answer 401. HTTPS when the instance
// serves it (SUPERVISOR_HTTPS_KEY and _CERT); the certificate is not checked: this is the container's own
// loopback. Plain JavaScript run by the image's node: nothing to compile.
'use strict';
const http = require('node:http');
const https = require('node:https');

const secure = Boolean(process.env.SUPERVISOR_HTTPS_KEY && process.env.SUPERVISOR_HTTPS_CERT);
const port = Number(process.env.SUPERVISOR_HTTP_PORT || 1880);
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS || 5000);

const request = (secure ? https : http).request(
  { host: '127.0.0.1', port, path: '/', method: 'GET', timeout: timeoutMs, rejectUnauthorized: false },
  (response) => {
    response.resume();
    const healthy = (response.statusCode || 500) < 500;
    if (!healthy) process.stderr.write(`unhealthy: HTTP ${response.statusCode} on port ${port}\n`);
    process.exit(healthy ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
request.on('error', (err) => {
  process.stderr.write(`unhealthy: ${err.message} (${secure ? 'https' : 'http'}://127.0.0.1:${port}/)\n`);
  process.exit(1);
});
request.end();
