/**
 * One InfluxDB 1.x server that can be stopped and started again on the same port and data folder,
 * for the fault specs (an outage in the middle of a stream). startInfluxDb() of services.ts gives a
 * fresh folder per start, which is right for every other spec.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports';

export interface RestartableInflux {
  url: string;
  port: number;
  dir: string;
  /** Starts influxd (again) and waits until /ping answers. */
  start(): Promise<void>;
  /** Stops influxd (SIGTERM, SIGKILL after 5 s) and keeps its data. */
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

export async function restartableInfluxDb(): Promise<RestartableInflux> {
  const binary = ['/usr/bin/influxd', '/usr/sbin/influxd'].find((c) => fs.existsSync(c)) ?? 'influxd';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-influx-restart-'));
  const port = await freePort();
  const bindPort = await freePort();
  const config = `reporting-disabled = true
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
`;
  fs.writeFileSync(path.join(dir, 'influxdb.conf'), config);
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    if (child) return;
    const log = fs.openSync(path.join(dir, 'service.log'), 'a');
    child = spawn(binary, ['-config', path.join(dir, 'influxdb.conf')], { cwd: dir, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    child.once('exit', () => { child = undefined; });
    await waitForPort(port, 20000);
    const deadline = Date.now() + 20000;
    for (;;) {
      try {
        if ((await fetch(`${url}/ping`)).status === 204) return;
      } catch { /* not ready yet */ }
      if (Date.now() > deadline) throw new Error('InfluxDB /ping did not answer 204');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  function stop(): Promise<void> {
    const running = child;
    if (!running) return Promise.resolve();
    return new Promise((resolve) => {
      const killer = setTimeout(() => running.kill('SIGKILL'), 5000);
      running.once('exit', () => { clearTimeout(killer); child = undefined; resolve(); });
      running.kill('SIGTERM');
    });
  }

  async function destroy(): Promise<void> {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  await start();
  return { url, port, dir, start, stop, destroy };
}
