/**
 * A private Mosquitto broker for the end-to-end benchmark, on a free loopback port in a temporary
 * folder, stopped (and its folder removed) afterwards.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/services/influxd';

export interface BenchMosquitto {
  /** mqtt://127.0.0.1:<port> */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

function mosquittoBinary(): string {
  const found = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error('mosquitto is not installed: apt-get install mosquitto (npm test does it when run as root)');
  return found;
}

/**
 * Starts Mosquitto with `max_queued_messages 0` (no limit): with the default of 1,000 queued messages
 * per client, a subscriber that falls behind during a burst loses messages at the broker, which would
 * hide what the pipeline under test does (shared/reference/performance.md, "Broker setting that matters").
 */
export async function startBenchMosquitto(extraConfig: string[] = []): Promise<BenchMosquitto> {
  const binary = mosquittoBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-bench-mosquitto-'));
  const port = await freePort();
  const config = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 0', ...extraConfig];
  fs.writeFileSync(path.join(dir, 'mosquitto.conf'), config.join('\n') + '\n');
  const log = fs.openSync(path.join(dir, 'mosquitto.log'), 'a');
  const child: ChildProcess = spawn(binary, ['-c', path.join(dir, 'mosquitto.conf')], { cwd: dir, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const stop = () => new Promise<void>((resolve) => {
    const cleanup = () => { fs.rmSync(dir, { recursive: true, force: true }); resolve(); };
    if (child.exitCode !== null || child.signalCode !== null) return cleanup();
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(killer); cleanup(); });
    child.kill('SIGTERM');
  });
  const deadline = Date.now() + 20000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const output = fs.readFileSync(path.join(dir, 'mosquitto.log'), 'utf8');
      await stop();
      throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within 20 s${child.exitCode !== null ? ' (it exited)' : ''}\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `mqtt://127.0.0.1:${port}`, pid: child.pid ?? 0, stop };
}

