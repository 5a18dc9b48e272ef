/**
 * A private InfluxDB 1.x for the benchmarks, on a free loopback port in a temporary folder (the same
 * start logic as test/support/services.ts, which the bench build cannot import).
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface BenchInflux {
  url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startBenchInflux(): Promise<BenchInflux> {
  const binary = ['/usr/bin/influxd', '/usr/sbin/influxd'].find((c) => fs.existsSync(c)) ?? 'influxd';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-bench-influx-'));
  const port = await freePort();
  const bindPort = await freePort();
  fs.writeFileSync(path.join(dir, 'influxdb.conf'), `reporting-disabled = true
bind-address = "127.0.0.1:${bindPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
  auth-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
`);
  const log = fs.openSync(path.join(dir, 'service.log'), 'a');
  const child: ChildProcess = spawn(binary, ['-config', path.join(dir, 'influxdb.conf')], { cwd: dir, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      if ((await fetch(`${url}/ping`)).status === 204) break;
    } catch { /* not ready */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error('influxd did not start'); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () => new Promise<void>((resolve) => {
      const done = () => { fs.rmSync(dir, { recursive: true, force: true }); resolve(); };
      if (child.exitCode !== null) return done();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => { clearTimeout(killer); done(); });
      child.kill('SIGTERM');
    }),
  };
}
