/**
 * A private InfluxDB 1.x server (Debian's `influxd`) on free loopback ports, with its configuration,
 * data and log in one folder. Shared by the test harness (fresh servers, and the fault specs' server
 * stopped and restarted on the same port and data) and the benchmarks.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A TCP port free on the loopback interface now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function influxdBinary(): string {
  const found = ['/usr/bin/influxd', '/usr/sbin/influxd'].find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error('influxd is not installed: apt-get install influxdb (npm test does it when run as root)');
  return found;
}

export class InfluxdServer {
  private child: ChildProcess | undefined;

  private constructor(readonly dir: string, readonly port: number) {}

  /** http://127.0.0.1:<port> (InfluxDB 1.x HTTP API). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Configures a server in a new temporary folder (`prefix`), not started yet. */
  static async create(prefix = 'st-influxdb-'): Promise<InfluxdServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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
    return new InfluxdServer(dir, port);
  }

  /** Starts influxd (again, on the same port and data) and resolves once /ping answers 204. */
  async start(timeoutMs = 20000): Promise<void> {
    if (this.child) return;
    const log = fs.openSync(path.join(this.dir, 'service.log'), 'a');
    const child = spawn(influxdBinary(), ['-config', path.join(this.dir, 'influxdb.conf')], { cwd: this.dir, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.child = child;
    child.once('exit', () => { if (this.child === child) this.child = undefined; });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if ((await fetch(`${this.url}/ping`)).status === 204) return;
      } catch { /* not listening yet */ }
      if (!this.child || Date.now() > deadline) {
        child.kill('SIGKILL');
        const output = fs.readFileSync(path.join(this.dir, 'service.log'), 'utf8');
        throw new Error(`influxd did not answer /ping on ${this.url}${this.child ? '' : ' (it exited)'}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops influxd (SIGTERM, SIGKILL after 5 s) and keeps its data. */
  stop(): Promise<void> {
    const running = this.child;
    if (!running) return Promise.resolve();
    return new Promise((resolve) => {
      const killer = setTimeout(() => running.kill('SIGKILL'), 5000);
      running.once('exit', () => { clearTimeout(killer); this.child = undefined; resolve(); });
      running.kill('SIGTERM');
    });
  }

  /** Stops it and removes its folder. */
  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
