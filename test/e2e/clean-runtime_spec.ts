/**
 * Every file the project ships under flows/, dashboards/ and examples/ is deployed into a clean
 * Node-RED runtime (our settings, our package, a real Mosquitto, nothing else) through the admin API,
 * as the editor's Deploy and Import would do. The runtime must know every type, start every flow, and
 * log no error and no warning about a missing type or configuration.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assembleFlows, FlowNode, readFlowFiles } from '../../scripts/flows';
import { freePort, waitForPort } from '../support/ports';
import { MqttService, startMosquitto } from '../support/services';

const root = path.resolve(__dirname, '..', '..');

/** Log lines that mean a flow does not run as shipped. */
const PROBLEM = /- \[(error|fatal)\]|Waiting for missing types|Missing node types|missing .*config|unknown type|TypeError|ReferenceError/i;

interface Runtime {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

async function startCleanRuntime(mqttUrl: string): Promise<Runtime> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-clean-'));
  fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath,
    [require.resolve('node-red/red.js'), '--settings', path.join(root, 'dist', 'settings.js'), '--userDir', userDir], {
      cwd: root,
      env: {
        ...process.env,
        SUPERVISOR_HTTP_PORT: String(port),
        SUPERVISOR_USER_DIR: userDir,
        SUPERVISOR_MQTT_URL: mqttUrl,
        SUPERVISOR_SIMULATOR: 'on',
        SUPERVISOR_SIMULATOR_SPEED: '60',
        SUPERVISOR_LOG_LEVEL: 'info',
        SUPERVISOR_MODE: 'development',
        // English log lines: the patterns below are Node-RED's English messages.
        SUPERVISOR_LANG: 'en-US',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  let output = '';
  child.stdout!.on('data', (c) => { output += c; });
  child.stderr!.on('data', (c) => { output += c; });
  await waitForPort(port, 60000);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  while (!/Started flows|Starting flows/.test(output)) {
    if (Date.now() > deadline) throw new Error(`Node-RED did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** Deploys a full flow set and returns the log lines written while it starts and runs for `runMs`. */
async function deploy(runtime: Runtime, nodes: FlowNode[], runMs: number): Promise<string[]> {
  const before = runtime.output().length;
  const res = await fetch(`${runtime.url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ flows: nodes }),
  });
  assert.equal(res.status, 200, `deploy refused: ${res.status} ${await res.text()}`);
  const deadline = Date.now() + 30000;
  while (!/Started flows/.test(runtime.output().slice(before))) {
    if (Date.now() > deadline) throw new Error(`the flows did not start:\n${runtime.output().slice(before)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, runMs));
  return runtime.output().slice(before).split('\n');
}

function problems(lines: string[]): string[] {
  return lines.filter((line) => PROBLEM.test(line));
}

describe('every shipped flow file in a clean runtime', function () {
  this.timeout(240000);
  let broker: MqttService;
  let runtime: Runtime;
  const examples = readFlowFiles(root, ['examples']);

  before(async function () {
    broker = await startMosquitto();
    runtime = await startCleanRuntime(broker.url);
  });

  after(async function () {
    await runtime?.stop();
    await broker?.stop();
  });

  it('knows every type used by flows/, dashboards/ and examples/', async function () {
    const res = await fetch(`${runtime.url}/nodes`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200);
    const registered = new Set((await res.json() as Array<{ types: string[]; enabled: boolean }>)
      .filter((set) => set.enabled).flatMap((set) => set.types));
    const used = new Set([...assembleFlows(root), ...examples.flatMap((e) => e.nodes)].map((n) => n.type));
    for (const type of ['tab', 'group', 'junction', 'subflow']) used.delete(type);
    const unknown = [...used].filter((t) => !registered.has(t) && !t.startsWith('subflow:'));
    assert.deepEqual(unknown, [], `types unknown to the runtime: ${unknown.join(', ')}`);
  });

  it('runs the application (flows/ and dashboards/) with no error in the log', async function () {
    const lines = await deploy(runtime, assembleFlows(root), 20000);
    assert.deepEqual(problems(lines), [], lines.join('\n'));
    assert.ok(lines.some((l) => /Started flows/.test(l)));
  });

  for (const example of examples) {
    it(`runs the example « ${example.file} » alone with no error in the log`, async function () {
      const lines = await deploy(runtime, example.nodes, 5000);
      assert.deepEqual(problems(lines), [], lines.join('\n'));
    });
  }

  it('runs every example imported next to the application with no error in the log', async function () {
    const lines = await deploy(runtime, [...assembleFlows(root), ...examples.flatMap((e) => e.nodes)], 15000);
    assert.deepEqual(problems(lines), [], lines.join('\n'));
  });
});
