/**
 * Real services for the specs, each started on a free loopback port in its own temporary folder and
 * stopped afterwards. Nothing is mocked: a spec that needs a broker talks to a real Mosquitto.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InfluxdServer } from '../../scripts/services/influxd';
import { freePort, waitForPort } from './ports';

export interface RunningService {
  port: number;
  /** Temporary folder holding the service's configuration, data and log. */
  dir: string;
  stop(): Promise<void>;
}

export interface MqttService extends RunningService {
  /** mqtt://127.0.0.1:<port> */
  url: string;
}

export interface InfluxService extends RunningService {
  /** http://127.0.0.1:<port> (InfluxDB 1.x HTTP API) */
  url: string;
}

function findExecutable(name: string, candidates: string[]): string {
  for (const candidate of candidates) if (fs.existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(`${name} is not installed: run .ci/run (or apt-get install ${name}) first`);
}

function stopProcess(child: ChildProcess, dir: string): Promise<void> {
  return new Promise((resolve) => {
    const cleanup = () => { fs.rmSync(dir, { recursive: true, force: true }); resolve(); };
    if (child.exitCode !== null || child.signalCode !== null) return cleanup();
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(killer); cleanup(); });
    child.kill('SIGTERM');
  });
}

async function startProcess(command: string, args: string[], dir: string, port: number): Promise<ChildProcess> {
  const log = fs.openSync(path.join(dir, 'service.log'), 'a');
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = false;
  child.once('exit', () => { exited = true; });
  try {
    await waitForPort(port, 20000);
  } catch (err) {
    const output = fs.existsSync(path.join(dir, 'service.log')) ? fs.readFileSync(path.join(dir, 'service.log'), 'utf8') : '';
    child.kill('SIGKILL');
    throw new Error(`${path.basename(command)} did not start${exited ? ' (it exited)' : ''}: ${(err as Error).message}\n${output}`);
  }
  return child;
}

/** A private Mosquitto broker; `extraConfig` lines are appended to its configuration file. */
export async function startMosquitto(extraConfig: string[] = []): Promise<MqttService> {
  const binary = findExecutable('mosquitto', ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-mosquitto-'));
  const port = await freePort();
  const config = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    // Specs publish bursts: the default of 1,000 queued messages per client would drop some.
    'max_queued_messages 0',
    ...extraConfig,
  ];
  fs.writeFileSync(path.join(dir, 'mosquitto.conf'), config.join('\n') + '\n');
  const child = await startProcess(binary, ['-c', path.join(dir, 'mosquitto.conf')], dir, port);
  return { port, dir, url: `mqtt://127.0.0.1:${port}`, stop: () => stopProcess(child, dir) };
}

/** A private InfluxDB 1.x server with its data in a temporary folder (HTTP API only). */
export async function startInfluxDb(): Promise<InfluxService> {
  const server = await InfluxdServer.create();
  try {
    await server.start();
  } catch (err) {
    await server.destroy();
    throw err;
  }
  return { port: server.port, dir: server.dir, url: server.url, stop: () => server.destroy() };
}

export interface PostgresDatabase {
  /** postgres://…/<database> of a database created for this spec. */
  url: string;
  name: string;
  /** Drops the database (and every connection to it). */
  drop(): Promise<void>;
}

/**
 * A fresh database on the machine's PostgreSQL server (a service on this machine kind: 127.0.0.1:5432,
 * trust auth; SUPERVISOR_TEST_PG_URL overrides the server), created for one spec and dropped after it.
 */
export async function createPostgresDatabase(): Promise<PostgresDatabase> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  const serverUrl = process.env.SUPERVISOR_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `st_test_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${serverUrl} (${(err as Error).message}): start it (.ci/run does) or set SUPERVISOR_TEST_PG_URL`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
