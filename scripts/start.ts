/**
 * `npm start`: the whole platform on embedded defaults. Starts an in-process MQTT broker (aedes)
 * unless SUPERVISOR_MQTT_URL names one, writes the application flows into the user's flow file on
 * first start (never over an existing one), then runs Node-RED with dist/settings.js. When a default
 * port is taken it says so and takes the next free one; Ctrl-C stops everything.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { nodeRedNodeOptions, packageRoot, readEnvironment, readSecurity } from './environment';
import { flowsForRole } from './flows-assemble';

const log = (line: string) => process.stdout.write(`[supervisor] ${line}\n`);

function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** The wanted port when free, else the next free one (port 0 lets the OS choose). */
async function choosePort(wanted: number, host: string, what: string): Promise<number> {
  if (wanted === 0) return 0;
  for (let port = wanted; port < wanted + 100 && port <= 65535; port++) {
    if (await isPortFree(port, host)) {
      if (port !== wanted) log(`port ${wanted} (${what}) is taken: using ${port} instead`);
      return port;
    }
  }
  throw new Error(`no free port for the ${what} between ${wanted} and ${wanted + 99}`);
}

interface EmbeddedBroker { url: string; close(): Promise<void> }

async function startEmbeddedBroker(wantedPort: number): Promise<EmbeddedBroker> {
  // aedes is an ES module: a real dynamic import (module node16 keeps it as import()).
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const port = await choosePort(wantedPort, '127.0.0.1', 'embedded MQTT broker');
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${actual}`,
    close: () => new Promise<void>((resolve) => {
      broker.close(() => server.close(() => resolve()));
      // Clients that keep their sockets open must not hold the exit.
      setTimeout(resolve, 3000).unref();
    }),
  };
}

/** On first start the repository flows become the user's flow file; an existing one is never touched. */
function prepareFlowFile(userDir: string, role: 'all' | 'ingest' | 'leader'): void {
  fs.mkdirSync(userDir, { recursive: true });
  // settings.ts reads the ingest tab alone from its own file on a scale-out worker.
  const ingest = role === 'ingest';
  const flowFile = path.join(userDir, ingest ? 'flows-ingest.json' : 'flows.json');
  if (fs.existsSync(flowFile)) {
    log(`using the existing flow file ${flowFile} (npm run flows:export copies it back into flows/ and dashboards/)`);
    return;
  }
  const flows = flowsForRole(packageRoot, ingest ? 'ingest' : 'all');
  fs.writeFileSync(flowFile, JSON.stringify(flows, null, 4) + '\n');
  log(`first start: ${flows.length} nodes from ${ingest ? 'the ingest tab' : 'flows/ and dashboards/'} written to ${flowFile}`);
}

/** GET on our own server; over HTTPS the certificate is not checked (loopback, often self-signed). */
function probe(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with code ${child.exitCode}`);
    try {
      if (await probe(url) < 500) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Node-RED did not answer on ${url} within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const env = readEnvironment();
  // A production start missing its secrets is refused here, before the broker starts.
  readSecurity(env);
  const httpPort = await choosePort(env.httpPort, env.host, 'HTTP editor and dashboard');
  let broker: EmbeddedBroker | undefined;
  let mqttUrl = env.mqttUrl;
  if (!mqttUrl) {
    broker = await startEmbeddedBroker(env.mqttPort);
    mqttUrl = broker.url;
  }
  const simulator = env.simulator === 'auto' ? (broker ? 'on' : 'off') : env.simulator;
  prepareFlowFile(env.userDir, env.instanceRole);

  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    SUPERVISOR_HTTP_PORT: String(httpPort),
    SUPERVISOR_USER_DIR: env.userDir,
    SUPERVISOR_MQTT_URL: mqttUrl,
    SUPERVISOR_SIMULATOR: simulator,
    SUPERVISOR_SIMULATOR_SPEED: String(env.simulatorSpeed),
    SUPERVISOR_DASHBOARD_PATH: env.dashboardPath,
    SUPERVISOR_DATA_DIR: env.dataDir,
  };
  const redJs = require.resolve('node-red/red.js');
  const settingsFile = path.join(packageRoot, 'dist', 'settings.js');
  const child = spawn(process.execPath, [...nodeRedNodeOptions(env), redJs, '--settings', settingsFile, '--userDir', env.userDir], {
    env: childEnv,
    stdio: ['ignore', 'inherit', 'inherit'],
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping Node-RED${broker ? ' and the embedded broker' : ''}...`);
    if (child.exitCode === null) child.kill('SIGINT');
    // Node-RED closes its nodes within 15 s; past that it is killed.
    setTimeout(() => child.kill('SIGKILL'), 20000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  child.once('exit', async (code, signal) => {
    if (broker) await broker.close();
    log(`stopped${code ? ` (Node-RED exit code ${code})` : signal && !stopping ? ` (Node-RED killed by ${signal})` : ''}`);
    process.exit(stopping ? 0 : code ?? 1);
  });

  const shownHost = env.host === '0.0.0.0' || env.host === '::' ? '127.0.0.1' : env.host;
  const scheme = env.httpsKey !== '' && env.httpsCert !== '' ? 'https' : 'http';
  const base = `${scheme}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${httpPort}`;
  try {
    await waitForHttp(`${base}/`, child, 60000);
  } catch (err) {
    log((err as Error).message);
    stop('SIGTERM');
    return;
  }
  const ingestWorker = env.instanceRole === 'ingest';
  log(`editor      ${base}/${ingestWorker ? ' (off: an ingest worker runs the ingest tab only)' : ''}`);
  if (!ingestWorker) log(`dashboard   ${base}${env.dashboardPath}`);
  log(`MQTT broker ${mqttUrl}${broker ? ' (embedded)' : ''}`);
  log(`simulator   ${ingestWorker ? 'none (not on an ingest worker)' : simulator === 'on' ? `on (speed x${env.simulatorSpeed})` : 'off'}`);
  log('Ctrl-C stops everything.');
}

main().catch((err) => {
  process.stderr.write(`[supervisor] cannot start: ${(err as Error).message}\n`);
  process.exit(1);
});
