/**
 * The production stack in docker/ (Dockerfile, compose file, Mosquitto, InfluxDB, ChirpStack and PostgreSQL
 * configuration). There is no Docker engine on the CI machines, so the files are checked statically: the compose
 * file parses, everything it references exists, every variable is documented in env.example, the image runs our
 * settings as a non-root user with a healthcheck, the scale profile has shared-subscription ingest workers. The
 * scripts the containers run are run for real where this machine has the program: Mosquitto's entry point and
 * configuration (logins and ACLs on a real broker), the image's entry point, its healthcheck, ChirpStack's
 * PostgreSQL init script on a private PostgreSQL cluster, and the image's start without Docker (our settings in
 * production mode, a leader and an ingest worker on the stack's broker, uplinks stored in a real InfluxDB).
 * Each static check is a function returning the problems it finds; the spec also feeds it a broken copy, so that
 * a check that cannot fail would be seen.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { environmentVariables } from '../scripts/environment';
import { parseDashboardUsers } from '../nodes/lib/security/users';
import { freePort, waitForPort } from './support/ports';
import { InfluxService, startInfluxDb } from './support/services';
import { buildUpEvent, eventTopic, radioProfile } from '../nodes/lib/simulator/chirpstack';
import { loadFleet } from '../nodes/lib/simulator/fleet';
import { encodeR718hStatus } from '../nodes/lib/simulator/frames/netvox';
import { streamFor } from '../nodes/lib/simulator/random';

const root = path.resolve(__dirname, '..');
const dockerDir = path.join(root, 'docker');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Dict = Record<string, Json>;

// ---- compose ----------------------------------------------------------------------------------------------------

function parseCompose(text: string): Dict {
  // Compose accepts YAML merge keys (<<: *anchor); the yaml package needs them asked for.
  return parseYaml(text, { merge: true }) as Dict;
}

function services(compose: Dict): Record<string, Dict> {
  return compose.services as Record<string, Dict>;
}

/** Every string (keys included) of a parsed document, depth first. */
function strings(value: Json, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push(k); strings(v, out); }
  }
  return out;
}

/** Names compose substitutes in a string: ${NAME…} and $NAME, not $$ (a literal dollar). */
function interpolatedNames(text: string): string[] {
  const names: string[] = [];
  const pattern = /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g;
  for (const match of text.matchAll(pattern)) {
    if (match[1] === '$') continue;
    names.push(match[2] ?? match[3]);
  }
  return names;
}

/** Compose's interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, $$), enough for these files. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (whole, first: string, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (first === '$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      const missing = operator?.startsWith(':') ? !value : value === undefined;
      if (operator?.endsWith('-')) return missing ? (argument ?? '') : (value as string);
      if (operator?.endsWith('?') && missing) throw new Error(`required variable ${name} is missing a value: ${argument}`);
      return value ?? '';
    });
}

function interpolateDeep(value: Json, env: Record<string, string>): Json {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  }
  return value;
}

/** env.example: NAME=value lines (single-quoted values literal, as compose reads them). */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    env[match[1]] = match[2].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** Variables compose itself reads from .env (not referenced in the file). */
const composeOwnVariables = new Set(['COMPOSE_PROFILES', 'COMPOSE_PROJECT_NAME', 'COMPOSE_FILE']);

function undocumentedVariables(composeText: string, envExample: string): string[] {
  const documented = parseEnvFile(envExample);
  const used = new Set(strings(parseCompose(composeText)).flatMap(interpolatedNames));
  const problems: string[] = [];
  for (const name of used) if (!(name in documented)) problems.push(`${name} is used in compose.yaml but not in env.example`);
  for (const name of Object.keys(documented)) {
    if (!used.has(name) && !composeOwnVariables.has(name)) problems.push(`${name} is in env.example but compose.yaml never uses it`);
  }
  // Each variable has a comment in its block (the lines around it, between blank lines); "# ----" section
  // titles do not count.
  const lines = envExample.split('\n');
  lines.forEach((line, index) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line);
    if (!match) return;
    let start = index;
    while (start > 0 && lines[start - 1].trim() !== '') start--;
    const block = lines.slice(start, index);
    if (!block.some((l) => l.trim().startsWith('#') && !l.trim().startsWith('# ----'))) {
      problems.push(`${match[1]} has no comment in env.example`);
    }
  });
  return problems;
}

/** A bind mount's host side (relative to docker/), from the short or long volume syntax. */
function bindSources(service: Dict): Array<{ source: string; target: string }> {
  const result: Array<{ source: string; target: string }> = [];
  for (const volume of (service.volumes ?? []) as Json[]) {
    if (typeof volume === 'string') {
      const [source, target] = volume.split(':');
      if (source.startsWith('.') || source.startsWith('/')) result.push({ source, target });
    } else if (volume && typeof volume === 'object' && !Array.isArray(volume) && volume.type === 'bind') {
      result.push({ source: String(volume.source), target: String(volume.target) });
    }
  }
  return result;
}

function missingReferences(compose: Dict, baseDir: string): string[] {
  const problems: string[] = [];
  const exists = (relative: string) => fs.existsSync(path.resolve(baseDir, relative));
  for (const [name, service] of Object.entries(services(compose))) {
    const build = service.build as Dict | string | undefined;
    if (build) {
      const context = typeof build === 'string' ? build : String(build.context ?? '.');
      if (!exists(context)) problems.push(`${name}: build context ${context} does not exist`);
      const dockerfile = typeof build === 'string' ? 'Dockerfile' : String(build.dockerfile ?? 'Dockerfile');
      if (!fs.existsSync(path.resolve(baseDir, context, dockerfile))) problems.push(`${name}: ${dockerfile} not found in ${context}`);
    }
    for (const { source } of bindSources(service)) if (!exists(source)) problems.push(`${name}: bind mount ${source} does not exist`);
    const envFiles = service.env_file === undefined ? [] : ([] as Json[]).concat(service.env_file);
    for (const file of envFiles) {
      const file_ = typeof file === 'string' ? file : String((file as Dict).path);
      if (!exists(file_)) problems.push(`${name}: env_file ${file_} does not exist`);
    }
    // A script started from a bind-mounted folder must be there (run by sh, or executable itself).
    const entrypoint = ([] as Json[]).concat(service.entrypoint ?? []).map(String);
    const byShell = entrypoint[0] === 'sh' || entrypoint[0] === '/bin/sh';
    const program = byShell ? entrypoint[1] : entrypoint[0];
    if (program) {
      for (const { source, target } of bindSources(service)) {
        if (!program.startsWith(`${target}/`)) continue;
        const host = path.resolve(baseDir, source, program.slice(target.length + 1));
        if (!fs.existsSync(host)) problems.push(`${name}: entrypoint ${program} (${host}) does not exist`);
        else if (!byShell && (fs.statSync(host).mode & 0o111) === 0) problems.push(`${name}: entrypoint ${host} is not executable`);
      }
    }
  }
  // Secret files are not in git: each has a tracked example beside it and a .gitignore that keeps it out.
  for (const [name, secret] of Object.entries((compose.secrets ?? {}) as Record<string, Dict>)) {
    if (!secret.file) continue;
    const file = path.resolve(baseDir, String(secret.file));
    const example = file.replace(/(\.[^./]+)$/, '.example$1');
    if (!fs.existsSync(example)) problems.push(`secret ${name}: no example ${path.relative(baseDir, example)} beside ${secret.file}`);
    const ignore = path.join(path.dirname(file), '.gitignore');
    const patterns = fs.existsSync(ignore) ? fs.readFileSync(ignore, 'utf8').split('\n').map((l) => l.trim()) : [];
    if (!patterns.includes('*')) problems.push(`secret ${name}: ${path.relative(baseDir, ignore)} does not keep ${secret.file} out of git`);
  }
  return problems;
}

/** SUPERVISOR_* names that scripts/environment.ts does not define. */
function unknownSupervisorVariables(texts: Record<string, string>): string[] {
  const known = new Set(environmentVariables.map((v) => v.name));
  const problems: string[] = [];
  for (const [file, text] of Object.entries(texts)) {
    for (const match of text.matchAll(/\bSUPERVISOR_[A-Z0-9_]+/g)) {
      if (!known.has(match[0])) problems.push(`${file}: ${match[0]} is not a variable of scripts/environment.ts`);
    }
  }
  return [...new Set(problems)];
}

// ---- Dockerfile -------------------------------------------------------------------------------------------------

interface Instruction { keyword: string; args: string }
interface Stage { from: string; name?: string; instructions: Instruction[] }
interface Dockerfile { args: Record<string, string>; stages: Stage[] }

function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) { pending += `${line.slice(0, -1)} `; continue; }
    logical.push(pending + line);
    pending = '';
  }
  const result: Dockerfile = { args: {}, stages: [] };
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line) as RegExpExecArray;
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, from, name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) as RegExpExecArray;
      result.stages.push({ from, name, instructions: [] });
    } else if (upper === 'ARG' && result.stages.length === 0) {
      const [name, value = ''] = args.split('=');
      result.args[name] = value;
    } else if (result.stages.length > 0) {
      result.stages[result.stages.length - 1].instructions.push({ keyword: upper, args });
    }
  }
  return result;
}

function stageArgs(file: Dockerfile, stage: Stage): Record<string, string> {
  const args = { ...file.args };
  for (const i of stage.instructions) if (i.keyword === 'ARG' && i.args.includes('=')) {
    const [name, value] = i.args.split('=');
    args[name] = value;
  }
  return args;
}

function resolveArgs(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a?: string, b?: string) => args[(a ?? b) as string] ?? '');
}

function imageProblems(dockerfileText: string): string[] {
  const problems: string[] = [];
  const file = parseDockerfile(dockerfileText);
  if (file.stages.length < 2) return [`the Dockerfile has ${file.stages.length} stage(s): a build stage and a runtime stage are expected`];
  const final = file.stages[file.stages.length - 1];
  const build = file.stages[0];
  const finalImage = resolveArgs(final.from, file.args);
  const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

  const base = /^nodered\/node-red:(\d+\.\d+\.\d+)-(\d+)$/.exec(finalImage);
  if (!base) problems.push(`runtime base ${finalImage} is not an official nodered/node-red:<version>-<node> tag`);
  else {
    const pkg = JSON.parse(read('package.json'));
    const wanted = pkg.devDependencies['node-red'];
    if (!semver.satisfies(base[1], wanted)) problems.push(`Node-RED ${base[1]} of the image is outside package.json's ${wanted}`);
    if (!semver.satisfies(`${base[2]}.0.0`, pkg.engines.node)) problems.push(`Node.js ${base[2]} is outside engines.node ${pkg.engines.node}`);
  }
  // Same libc and Node ABI for the native addon: the build stage runs on the runtime's image.
  if (resolveArgs(build.from, file.args) !== finalImage) problems.push(`build stage ${build.from} is not the runtime image ${finalImage}`);
  const buildRuns = of(build, 'RUN').map((i) => i.args).join('\n');
  for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev', '--role all', '--role ingest']) {
    if (!buildRuns.includes(step)) problems.push(`the build stage does not run "${step}"`);
  }

  const users = of(final, 'USER').map((i) => i.args.trim());
  const user = users[users.length - 1];
  if (!user || user === 'root' || user === '0' || user.startsWith('0:') || user.startsWith('root:')) {
    problems.push(`the runtime stage runs as ${user ?? 'root (no USER)'}`);
  }
  const healthchecks = of(final, 'HEALTHCHECK');
  if (healthchecks.length === 0 || /^NONE$/i.test(healthchecks[healthchecks.length - 1].args)) problems.push('the runtime stage has no HEALTHCHECK');

  const env = imageEnvironment(dockerfileText);
  const expected: Record<string, string> = {
    SUPERVISOR_MODE: 'production', SUPERVISOR_HOST: '0.0.0.0', SUPERVISOR_USER_DIR: '/data', SUPERVISOR_SIMULATOR: 'off',
  };
  for (const [name, value] of Object.entries(expected)) {
    if (env[name] !== value) problems.push(`the image sets ${name}=${env[name] ?? '(nothing)'} instead of ${value}`);
  }
  if (!of(final, 'VOLUME').some((i) => i.args.includes('/data'))) problems.push('the user directory /data is not a VOLUME');
  // node-red is pruned from our package (a devDependency); settings.ts finds it, and its bcryptjs, in the base image.
  if (!(env.NODE_PATH ?? '').split(':').includes('/usr/src/node-red/node_modules')) {
    problems.push(`NODE_PATH=${env.NODE_PATH ?? ''} does not reach the base image's node-red (/usr/src/node-red/node_modules)`);
  }

  // What the runtime stage copies exists: build products of the build stage, or files of the build context.
  const ignored = new Set(read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  const products = new Set(['dist', 'node_modules', 'image-flows']);
  for (const copy of of(final, 'COPY')) {
    const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
    const fromBuild = /--from=build\b/.test(copy.args);
    for (const source of parts.slice(0, -1)) {
      const relative = fromBuild ? path.posix.relative('/opt/supervisor', source) : source;
      if (fromBuild && products.has(relative)) continue;
      if (!fs.existsSync(path.join(root, relative))) problems.push(`COPY ${source}: ${relative} is not in the repository`);
      else if (ignored.has(relative) || ignored.has(relative.split('/')[0])) problems.push(`COPY ${source}: ${relative} is excluded by .dockerignore`);
    }
  }

  const dashboard = stageArgs(file, final).DASHBOARD_VERSION;
  const lock = JSON.parse(read('package-lock.json'));
  const locked = lock.packages['node_modules/@flowfuse/node-red-dashboard']?.version;
  if (dashboard !== locked) problems.push(`the image installs Dashboard 2.0 ${dashboard}, the lock file has ${locked}`);
  return problems;
}

/** The image's ENV (final stage). */
function imageEnvironment(dockerfileText: string): Record<string, string> {
  const file = parseDockerfile(dockerfileText);
  const env: Record<string, string> = {};
  for (const i of file.stages[file.stages.length - 1].instructions) {
    if (i.keyword === 'ENV') for (const m of i.args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[m[1]] = m[2];
  }
  return env;
}

/** ${SUPERVISOR_…} the application flows read that neither the image nor compose sets for an instance of our image. */
function unsetFlowVariables(dockerfileText: string, compose: Dict): string[] {
  const flowText = ['flows', 'dashboards'].flatMap((dir) => fs.readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.json')).map((f) => read(`${dir}/${f}`))).join('\n');
  // The platform's own variables (function nodes also hold ${…} of JavaScript template literals).
  const names = new Set([...flowText.matchAll(/\$\{(SUPERVISOR_[A-Z0-9_]+)\}/g)].map((m) => m[1]));
  const image = imageEnvironment(dockerfileText);
  const problems: string[] = [];
  for (const [service, definition] of Object.entries(services(compose))) {
    if (!String(definition.image ?? '').includes('supervisor') && !definition.build) continue;
    const env = { ...image, ...(definition.environment as Dict) };
    for (const name of names) if (!(name in env)) problems.push(`${service}: the flows read \${${name}} but nothing sets it`);
  }
  return problems;
}

// ---- Mosquitto, ChirpStack --------------------------------------------------------------------------------------

function mosquittoSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [key, ...rest] = trimmed.split(/\s+/);
    settings.set(key, [...(settings.get(key) ?? []), rest.join(' ')]);
  }
  return settings;
}

function brokerProblems(confText: string): string[] {
  const conf = mosquittoSettings(confText);
  const last = (key: string) => conf.get(key)?.slice(-1)[0];
  const problems: string[] = [];
  if (last('allow_anonymous') !== 'false') problems.push(`allow_anonymous is ${last('allow_anonymous') ?? 'unset (true when no listener auth is configured)'}`);
  if (!last('password_file')) problems.push('no password_file');
  if (!last('acl_file')) problems.push('no acl_file');
  if (last('persistence') !== 'true') problems.push('persistence is off: QoS 1 messages and sessions die with the broker');
  const queued = Number(last('max_queued_messages') ?? 1000);
  if (!(queued === 0 || queued >= 100000)) problems.push(`max_queued_messages ${queued} is not sized for a replay burst`);
  const inflight = Number(last('max_inflight_messages') ?? 20);
  if (!(inflight === 0 || inflight > 5000)) problems.push(`max_inflight_messages ${inflight} cannot hold a write batch of unacknowledged uplinks`);
  return problems;
}

/** A small TOML reader for these configuration files: [tables], [[arrays of tables]], key = JSON-like value. */
function parseToml(text: string): Dict {
  const document: Dict = {};
  let current: Dict = document;
  const walk = (keys: string[], arrayTable: boolean) => {
    let node: Dict = document;
    keys.forEach((key, index) => {
      const lastKey = index === keys.length - 1;
      let next = node[key];
      if (lastKey && arrayTable) {
        const list = (Array.isArray(next) ? next : (node[key] = [])) as Json[];
        const table: Dict = {};
        list.push(table);
        node = table;
        return;
      }
      if (Array.isArray(next)) next = next[next.length - 1];
      if (!next || typeof next !== 'object') next = node[key] = {};
      node = next as Dict;
    });
    return node;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const table = /^(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?$/.exec(line);
    if (table) { current = walk(table[2].split('.'), table[1] === '[['); continue; }
    const pair = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (!pair) throw new Error(`unreadable TOML line: ${line}`);
    current[pair[1]] = JSON.parse(pair[2].replace(/,\s*\]$/, ']')) as Json;
  }
  return document;
}

function get(document: Json, dotted: string): Json | undefined {
  let node: Json | undefined = document;
  for (const key of dotted.split('.')) {
    if (Array.isArray(node)) node = node[0];
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Dict)[key];
  }
  return node;
}

function chirpstackProblems(toml: string): string[] {
  const config = parseToml(toml);
  const problems: string[] = [];
  if (!((get(config, 'integration.enabled') ?? []) as Json[]).includes('mqtt')) problems.push('the MQTT integration is not enabled');
  if (get(config, 'integration.mqtt.json') !== true) problems.push('integration.mqtt.json is not true');
  if (get(config, 'integration.mqtt.qos') !== 1) problems.push(`integration.mqtt.qos is ${get(config, 'integration.mqtt.qos') ?? '0 (default)'}, not 1`);
  if (!((get(config, 'network.enabled_regions') ?? []) as Json[]).includes('eu868')) problems.push('EU868 is not enabled');
  return problems;
}

// ---- running the containers' scripts ----------------------------------------------------------------------------

interface Run { status: number | null; stdout: string; stderr: string }

function runScript(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const result = spawnSync(command, args, { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 30000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(killer); resolve(); });
    child.kill('SIGTERM');
  });
}

type StackPasswords = { chirpstack: string; 'gateway-bridge': string; supervisor: string };

/**
 * Mosquitto with the stack's configuration, started the way the container starts it: docker/mosquitto/entrypoint.sh
 * writes the password and ACL files, then execs the broker (same process). The container's folders move into a
 * temporary one and the listener to a free loopback port.
 */
async function startStackBroker(passwords: StackPasswords): Promise<{ dir: string; url: string; child: ChildProcess }> {
  const dir = tempDir('st-docker-mosquitto-');
  // The broker drops root for its own user: it must be able to reach its files, as in the container.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = read('docker/mosquitto/mosquitto.conf');
  // Plus a log file the broker flushes line by line (its stdout to a file is block-buffered).
  const testConf = `${conf.replace(/\/mosquitto\//g, `${dir}/`).replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)}\nlog_dest file ${dir}/data/mosquitto.log\n`;
  assert.notEqual(testConf, conf);
  fs.writeFileSync(path.join(dir, 'mosquitto.conf'), testConf);
  const binary = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => fs.existsSync(p)) ?? 'mosquitto';
  const log = fs.openSync(path.join(dir, 'broker.log'), 'a');
  const child = spawn('sh', [path.join(dockerDir, 'mosquitto', 'entrypoint.sh'), binary, '-c', path.join(dir, 'mosquitto.conf')], {
    env: {
      PATH: process.env.PATH, MOSQUITTO_CONFIG_DIR: path.join(dockerDir, 'mosquitto'), MOSQUITTO_SECRETS_DIR: path.join(dir, 'secrets'),
      MOSQUITTO_DATA_DIR: path.join(dir, 'data'), MQTT_CHIRPSTACK_PASSWORD: passwords.chirpstack,
      MQTT_GATEWAY_BRIDGE_PASSWORD: passwords['gateway-bridge'], SUPERVISOR_MQTT_PASSWORD: passwords.supervisor,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  try {
    await waitForPort(port, 15000);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${(err as Error).message}\n${fs.readFileSync(path.join(dir, 'broker.log'), 'utf8')}`);
  }
  return { dir, url: `mqtt://127.0.0.1:${port}`, child };
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

// =================================================================================================================

describe('docker/: the production stack', function () {
  const composeText = read('docker/compose.yaml');
  const envExample = read('docker/env.example');
  const compose = parseCompose(composeText);
  const exampleEnv = parseEnvFile(envExample);
  // The template with every mandatory secret (${NAME:?…} in compose.yaml) filled in, as an operator's .env would be.
  const mandatory = new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):\?/g)].map((m) => m[1]));
  const filledEnv: Record<string, string> = Object.fromEntries(Object.entries(exampleEnv)
    .map(([k, v]) => [k, mandatory.has(k) ? `${k.toLowerCase()}-0123abcd` : v]));

  describe('compose.yaml', function () {
    it('parses, with every service of the stack and a volume for every stateful one', function () {
      const names = Object.keys(services(compose));
      for (const name of ['supervisor', 'ingest', 'mosquitto', 'influxdb', 'postgres', 'redis', 'chirpstack', 'chirpstack-gateway-bridge']) {
        assert.ok(names.includes(name), `service ${name} is missing`);
      }
      const named = Object.keys(compose.volumes as Dict);
      const stateful: Record<string, string> = {
        supervisor: '/data', mosquitto: '/mosquitto/data', influxdb: '/var/lib/influxdb', postgres: '/var/lib/postgresql/data', redis: '/data',
      };
      for (const [name, target] of Object.entries(stateful)) {
        const volume = (services(compose)[name].volumes as string[]).find((v) => v.split(':')[1] === target);
        assert.ok(volume, `${name} keeps ${target} in no volume`);
        assert.ok(named.includes(volume.split(':')[0]), `${name}: ${volume} is not a named volume`);
      }
      assert.equal(services(compose).chirpstack.image, 'chirpstack/chirpstack:4');
      assert.equal(services(compose).mosquitto.image, 'eclipse-mosquitto:2');
      assert.equal(services(compose).influxdb.image, 'influxdb:1.8');
    });

    it('references only files and folders that exist (build context, Dockerfile, bind mounts, entry points, secret examples)', function () {
      assert.deepEqual(missingReferences(compose, dockerDir), []);
      const broken = composeText.replace('./chirpstack:/etc/chirpstack:ro', './chirpstack-missing:/etc/chirpstack:ro')
        .replace('dockerfile: docker/Dockerfile', 'dockerfile: docker/Dockerfile.missing')
        .replace('/mosquitto/config/entrypoint.sh', '/mosquitto/config/start.sh')
        .replace('file: ./secrets/dashboard-users.json', 'file: ./secrets/users.json');
      assert.deepEqual(missingReferences(parseCompose(broken), dockerDir), [
        'supervisor: docker/Dockerfile.missing not found in ..',
        'ingest: docker/Dockerfile.missing not found in ..',
        `mosquitto: entrypoint /mosquitto/config/start.sh (${path.join(dockerDir, 'mosquitto', 'start.sh')}) does not exist`,
        'chirpstack: bind mount ./chirpstack-missing does not exist',
        'secret dashboard-users: no example secrets/users.example.json beside ./secrets/users.json',
      ]);
    });

    it('uses only variables documented (with a comment) in env.example, and env.example lists none it does not use', function () {
      assert.deepEqual(undocumentedVariables(composeText, envExample), []);
      const broken = composeText.replace('${INGEST_WORKERS:-3}', '${INGEST_REPLICAS:-3}');
      assert.deepEqual(undocumentedVariables(broken, envExample), [
        'INGEST_REPLICAS is used in compose.yaml but not in env.example',
        'INGEST_WORKERS is in env.example but compose.yaml never uses it',
      ]);
      assert.deepEqual(undocumentedVariables(composeText, envExample.replace('# Number of ingest workers of the scale profile.\n', '')),
        ['INGEST_WORKERS has no comment in env.example']);
    });

    it('refuses to start while a mandatory secret of the template is empty, naming it', function () {
      assert.throws(() => interpolateDeep(compose, exampleEnv), /required variable [A-Z_]+ is missing a value: set [A-Z_]+ in docker\/.env/);
      for (const name of ['SUPERVISOR_CREDENTIAL_SECRET', 'SUPERVISOR_ADMIN_PASSWORD_HASH', 'SUPERVISOR_MQTT_PASSWORD', 'INFLUXDB_USER_PASSWORD',
        'MQTT_CHIRPSTACK_PASSWORD', 'MQTT_GATEWAY_BRIDGE_PASSWORD', 'POSTGRES_PASSWORD', 'CHIRPSTACK_DB_PASSWORD', 'REDIS_PASSWORD', 'CHIRPSTACK_API_SECRET']) {
        assert.equal(exampleEnv[name], '', `${name} must be empty in the template`);
        assert.throws(() => interpolateDeep(compose, { ...filledEnv, [name]: '' }), new RegExp(`required variable ${name} `));
      }
      assert.doesNotThrow(() => interpolateDeep(compose, filledEnv));
    });

    it('gives our image only variables of scripts/environment.ts, in production mode, published on the loopback', function () {
      const texts = {
        'compose.yaml': composeText, 'env.example': envExample, Dockerfile: read('docker/Dockerfile'),
        'entrypoint.sh': read('docker/entrypoint.sh'), 'healthcheck.js': read('docker/healthcheck.js'),
      };
      assert.deepEqual(unknownSupervisorVariables(texts), []);
      assert.deepEqual(unknownSupervisorVariables({ 'compose.yaml': 'SUPERVISOR_MQTT_SHARED_GROUP: x' }),
        ['compose.yaml: SUPERVISOR_MQTT_SHARED_GROUP is not a variable of scripts/environment.ts']);

      const resolved = interpolateDeep(compose, filledEnv) as Dict;
      const supervisor = services(resolved).supervisor;
      const env = supervisor.environment as Record<string, string>;
      assert.equal(env.SUPERVISOR_MODE, 'production');
      assert.equal(env.SUPERVISOR_HOST, '0.0.0.0');
      assert.equal(env.SUPERVISOR_MQTT_URL, 'mqtt://mosquitto:1883');
      assert.equal(env.SUPERVISOR_SIMULATOR, 'off');
      assert.equal(env.SUPERVISOR_INSTANCE_ROLE, 'all');
      assert.equal(env.SUPERVISOR_DASHBOARD_USERS_FILE, '/run/secrets/dashboard-users');
      assert.ok((supervisor.secrets as string[]).includes('dashboard-users'));
      assert.equal(env.SUPERVISOR_TIMESERIES_URL, `http://supervisor:${filledEnv.INFLUXDB_USER_PASSWORD}@influxdb:8086/supervisor`);
      assert.deepEqual(supervisor.ports, ['127.0.0.1:1880:1880']);
      // A bcrypt hash given in single quotes in .env reaches the container unchanged.
      const hash = '$2b$10$abcdefghijklmnopqrstuu0123456789abcdefghijklmnopqrstu';
      const withHash = interpolateDeep(compose, { ...filledEnv, ...parseEnvFile(`SUPERVISOR_ADMIN_PASSWORD_HASH='${hash}'`) }) as Dict;
      assert.equal((services(withHash).supervisor.environment as Dict).SUPERVISOR_ADMIN_PASSWORD_HASH, hash);
    });

    it('sets every ${VARIABLE} the application flows read, for every instance of our image', function () {
      const dockerfile = read('docker/Dockerfile');
      assert.deepEqual(unsetFlowVariables(dockerfile, compose), []);
      assert.deepEqual(unsetFlowVariables(dockerfile.replace(' \\\n    SUPERVISOR_DASHBOARD_PATH=/dashboard', ''), compose), [
        'supervisor: the flows read ${SUPERVISOR_DASHBOARD_PATH} but nothing sets it',
        'ingest: the flows read ${SUPERVISOR_DASHBOARD_PATH} but nothing sets it',
      ]);
    });

    it('ships an example of the dashboard users secret that the platform refuses until real hashes are put in', function () {
      const example = read('docker/secrets/dashboard-users.example.json');
      assert.throws(() => parseDashboardUsers(example, 'dashboard-users.example.json'), /dashboard-users\.example\.json/);
      const hash = '$2b$10$' + 'a'.repeat(53);
      const filled = JSON.stringify((JSON.parse(example) as Array<Record<string, string>>).map((u) => ({ ...u, passwordHash: hash })));
      assert.deepEqual(parseDashboardUsers(filled, 'dashboard-users.json').map((u) => u.role).sort(), ['operator', 'viewer']);
    });

    it('has a scale profile: ingest workers on a $share/ group, their own user directories, the supervisor as leader', function () {
      const resolved = interpolateDeep(compose, { ...filledEnv, COMPOSE_PROFILES: 'scale', SUPERVISOR_INSTANCE_ROLE: 'leader' }) as Dict;
      const ingest = services(resolved).ingest;
      assert.deepEqual(ingest.profiles, ['scale']);
      const env = ingest.environment as Record<string, string>;
      assert.equal(env.SUPERVISOR_INSTANCE_ROLE, 'ingest');
      assert.equal(env.SUPERVISOR_MQTT_SHARE_GROUP, 'nr-ingest');
      // Empty: the image's entry point derives a stable id per replica (spec below).
      assert.equal(env.SUPERVISOR_MQTT_CLIENT_ID, '');
      assert.equal(Number((ingest.deploy as Dict).replicas), 3);
      assert.equal(Number((services(interpolateDeep(compose, { ...filledEnv, INGEST_WORKERS: '5' }) as Dict).ingest.deploy as Dict).replicas), 5);
      assert.ok(!((ingest.volumes ?? []) as string[]).some((v) => v.split(':')[1] === '/data'), 'replicas must not share a /data volume');
      assert.equal(ingest.image, services(resolved).supervisor.image, 'workers run the same image');
      const leader = services(resolved).supervisor.environment as Record<string, string>;
      assert.equal(leader.SUPERVISOR_INSTANCE_ROLE, 'leader');
      assert.equal(leader.SUPERVISOR_MQTT_SHARE_GROUP, 'nr-ingest');
      assert.equal(leader.SUPERVISOR_MQTT_CLIENT_ID, 'nr-supervisor');
      assert.equal(services(compose).supervisor.profiles, undefined, 'the supervisor runs in every profile');
    });
  });

  describe('Dockerfile', function () {
    const dockerfile = read('docker/Dockerfile');

    it('builds in a stage of its own on the runtime image, then runs non-root on nodered/node-red with a healthcheck', function () {
      assert.deepEqual(imageProblems(dockerfile), []);
      const lines = dockerfile.split('\n');
      const lastUser = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('USER ')).pop() as readonly [string, number];
      const asRoot = [...lines.slice(0, lastUser[1]), 'USER root', ...lines.slice(lastUser[1] + 1)].join('\n');
      assert.deepEqual(imageProblems(asRoot), ['the runtime stage runs as root']);
      const noHealth = dockerfile.replace(/^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, '');
      assert.deepEqual(imageProblems(noHealth), ['the runtime stage has no HEALTHCHECK']);
      assert.deepEqual(imageProblems(dockerfile.replace('ARG NODE_RED_VERSION=4.1.15', 'ARG NODE_RED_VERSION=3.1.9')),
        [`Node-RED 3.1.9 of the image is outside package.json's ${JSON.parse(read('package.json')).devDependencies['node-red']}`]);
      assert.deepEqual(imageProblems(dockerfile.replace('SUPERVISOR_SIMULATOR=off', 'SUPERVISOR_SIMULATOR=auto')),
        ['the image sets SUPERVISOR_SIMULATOR=auto instead of off']);
      assert.deepEqual(imageProblems(dockerfile.replace('/opt/supervisor/examples ./examples', '/opt/supervisor/exemples ./examples')),
        ['COPY /opt/supervisor/exemples: exemples is not in the repository']);
    });

    it('runs Node-RED with our settings: dist/settings.js compiled from settings.ts, copied from the build stage', function () {
      const tsconfig = JSON.parse(read('tsconfig.json'));
      assert.ok(tsconfig.include.includes('settings.ts'));
      assert.equal(tsconfig.compilerOptions.rootDir, '.');
      assert.equal(tsconfig.compilerOptions.outDir, 'dist');
      assert.ok(fs.existsSync(path.join(root, 'dist', 'settings.js')), 'npm run build makes dist/settings.js');
      const file = parseDockerfile(dockerfile);
      const final = file.stages[file.stages.length - 1];
      const workdirs = final.instructions.filter((i) => i.keyword === 'WORKDIR').map((i) => i.args);
      assert.equal(workdirs[workdirs.length - 1], '/opt/supervisor');
      assert.ok(final.instructions.some((i) => i.keyword === 'COPY' && i.args === '--from=build /opt/supervisor/dist ./dist'));
      const entrypoint = final.instructions.filter((i) => i.keyword === 'ENTRYPOINT').pop() as Instruction;
      assert.deepEqual(JSON.parse(entrypoint.args), ['/opt/supervisor/docker/entrypoint.sh']);
      const healthcheck = final.instructions.filter((i) => i.keyword === 'HEALTHCHECK').pop() as Instruction;
      assert.match(healthcheck.args, /CMD \["node", "\/opt\/supervisor\/docker\/healthcheck\.js"\]$/);
      assert.ok(final.instructions.some((i) => i.keyword === 'COPY' && /docker\/entrypoint\.sh docker\/healthcheck\.js \.\/docker\/$/.test(i.args)));
      const script = read('docker/entrypoint.sh');
      assert.match(script, /app_dir="\$\{APP_DIR:-\/opt\/supervisor\}"/);
      assert.match(script, /exec node \$node_options "\$node_red_js" --settings "\$app_dir\/dist\/settings\.js" --userDir "\$user_dir"/);
      // The flow files the build stage assembles are the ones the entry point installs.
      const runs = file.stages[0].instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' ');
      assert.match(runs, /flows-assemble\.js --role all --out image-flows\/flows\.json/);
      assert.match(runs, /flows-assemble\.js --role ingest --out image-flows\/flows-ingest\.json/);
      assert.match(script, /ingest\) flow_file=flows-ingest\.json/);
      assert.match(script, /all \| leader\) flow_file=flows\.json/);
      assert.ok(fs.existsSync(path.join(root, 'scripts', 'flows-assemble.ts')), 'the flow assembly CLI (scripts/flows-assemble.ts) exists');
    });

    it('.dockerignore keeps dependencies, build output, the user directory and secrets out of the build context', function () {
      const patterns = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
      for (const pattern of ['node_modules', 'dist', '.userdir', '.env', 'docker/secrets', 'docker/tls']) {
        assert.ok(patterns.includes(pattern), `.dockerignore does not exclude ${pattern}`);
      }
      // Nothing the build needs is excluded.
      for (const needed of ['package.json', 'package-lock.json', 'nodes', 'scripts', 'flows', 'dashboards', 'data', 'docker']) {
        assert.ok(!patterns.includes(needed), `.dockerignore excludes ${needed}, which the build needs`);
      }
      const gitignore = read('.gitignore').split('\n').map((l) => l.trim());
      assert.ok(gitignore.includes('.env') || gitignore.includes('docker/.env'), 'docker/.env (the real secrets) is not ignored by git');
    });
  });

  describe('Mosquitto', function () {
    const conf = read('docker/mosquitto/mosquitto.conf');

    it('requires a login, reads a password file and an ACL file, persists and sizes its queues', function () {
      assert.deepEqual(brokerProblems(conf), []);
      assert.deepEqual(brokerProblems(conf.replace('allow_anonymous false', 'allow_anonymous true')), ['allow_anonymous is true']);
      assert.deepEqual(brokerProblems(conf.replace(/^acl_file .*$/m, '').replace(/^max_queued_messages .*$/m, '')),
        ['no acl_file', 'max_queued_messages 1000 is not sized for a replay burst']);
      // Both files live in the tmpfs compose mounts, where the entry point writes them.
      const settings = mosquittoSettings(conf);
      const tmpfs = (services(compose).mosquitto.tmpfs as string[]).map((t) => t.split(':')[0]);
      for (const key of ['password_file', 'acl_file']) {
        assert.ok(tmpfs.includes(path.posix.dirname((settings.get(key) as string[])[0])), `${key} is not in the tmpfs`);
      }
    });

    it('refuses to start without the passwords, naming the missing ones', function () {
      const secrets = tempDir('st-docker-mq-');
      try {
        const run = runScript('sh', [path.join(dockerDir, 'mosquitto', 'entrypoint.sh')], {
          MOSQUITTO_CONFIG_DIR: path.join(dockerDir, 'mosquitto'), MOSQUITTO_SECRETS_DIR: secrets, MOSQUITTO_DATA_DIR: path.join(secrets, 'data'),
          MQTT_CHIRPSTACK_PASSWORD: 'abc',
        });
        assert.equal(run.status, 64);
        assert.match(run.stderr, /missing password\(s\): MQTT_GATEWAY_BRIDGE_PASSWORD SUPERVISOR_MQTT_PASSWORD/);
        assert.ok(!fs.existsSync(path.join(secrets, 'passwd')));
      } finally {
        fs.rmSync(secrets, { recursive: true, force: true });
      }
    });

    describe('the stack\'s configuration on a real broker', function () {
      this.timeout(60000);
      const passwords = { chirpstack: 'cs0123abcd', 'gateway-bridge': 'gw0123abcd', supervisor: 'nr0123abcd' };
      let dir = '';
      let broker: ChildProcess | undefined;
      let url = '';
      const clients: mqtt.MqttClient[] = [];

      before(async function () {
        const started = await startStackBroker(passwords);
        ({ dir, url } = started);
        broker = started.child;
      });

      after(async function () {
        await Promise.all(clients.map((c) => c.endAsync(true)));
        if (broker) await stopChild(broker);
        fs.rmSync(dir, { recursive: true, force: true });
      });

      async function login(user: keyof typeof passwords, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
        const client = await mqtt.connectAsync(url, { username: user, password: passwords[user], reconnectPeriod: 0, ...options });
        clients.push(client);
        return client;
      }

      function collect(client: mqtt.MqttClient): string[] {
        const topics: string[] = [];
        client.on('message', (topic) => topics.push(topic));
        return topics;
      }

      const settle = () => new Promise((r) => setTimeout(r, 400));

      it('stores only hashed passwords, in files of mode 0600', function () {
        const passwd = fs.readFileSync(path.join(dir, 'secrets', 'passwd'), 'utf8');
        assert.deepEqual(passwd.trim().split('\n').map((l) => l.split(':')[0]), ['chirpstack', 'gateway-bridge', 'supervisor']);
        for (const password of Object.values(passwords)) assert.ok(!passwd.includes(password), 'a password is stored in clear');
        assert.match(passwd, /^supervisor:\$7\$/m);
        assert.ok(!fs.existsSync(path.join(dir, 'secrets', 'passwd.plain')), 'the plain-text file is left behind');
        for (const file of ['passwd', 'acl']) assert.equal(fs.statSync(path.join(dir, 'secrets', file)).mode & 0o777, 0o600, file);
        assert.equal(fs.readFileSync(path.join(dir, 'secrets', 'acl'), 'utf8'), read('docker/mosquitto/acl'));
      });

      it('refuses anonymous clients and wrong passwords', async function () {
        await assert.rejects(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 }), /Not authorized/);
        await assert.rejects(mqtt.connectAsync(url, { username: 'supervisor', password: 'wrong', reconnectPeriod: 0, connectTimeout: 5000 }),
          /Not authorized|Bad username or password/);
      });

      it('lets the supervisor read device events through a $share/ group and send downlinks, nothing more', async function () {
        const chirpstack = await login('chirpstack');
        const toChirpstack = collect(chirpstack);
        await chirpstack.subscribeAsync('application/#', { qos: 1 });
        const worker = await login('supervisor', { clientId: 'nr-ingest-test', clean: false, protocolVersion: 5 });
        const toWorker = collect(worker);
        // Asking for more than allowed: Mosquitto grants the subscription but delivers only what the ACL lets it read.
        await worker.subscribeAsync(['$share/nr-ingest/application/+/device/+/event/+', 'application/#'], { qos: 1 });
        await settle();

        await chirpstack.publishAsync('application/a1/device/0004a30b001c0530/event/up', '{"fCnt":1}', { qos: 1 });
        await chirpstack.publishAsync('application/a1/device/0004a30b001c0530/command/down', '{"fPort":1}', { qos: 1 });
        await worker.publishAsync('application/a1/device/0004a30b001c0530/command/down', '{"fPort":2}', { qos: 1 });
        // Forged uplinks and gateway traffic from the supervisor's login are refused (MQTT 5 says so in the PUBACK).
        await assert.rejects(worker.publishAsync('application/a1/device/0004a30b001c0530/event/up', '{"forged":true}', { qos: 1 }), /Not authorized/);
        await assert.rejects(worker.publishAsync('eu868/gateway/0016c001ff10a235/command/down', 'x', { qos: 1 }), /Not authorized/);
        await settle();

        assert.ok(toWorker.includes('application/a1/device/0004a30b001c0530/event/up'), 'the event did not reach the supervisor');
        assert.ok(!toWorker.some((t) => t.includes('/command/')), `the supervisor read a command: ${toWorker.join(', ')}`);
        assert.deepEqual(toChirpstack.filter((t) => t.endsWith('/command/down')).length, 2, 'ChirpStack gets its own and the supervisor\'s downlink');
        assert.equal(toChirpstack.filter((t) => t.endsWith('/event/up')).length, 1, 'only ChirpStack\'s uplink, not the forged one');
      });

      it('lets the gateway bridge exchange frames with ChirpStack on eu868/gateway/… and read nothing of the applications', async function () {
        const chirpstack = await login('chirpstack');
        const toChirpstack = collect(chirpstack);
        await chirpstack.subscribeAsync('eu868/gateway/+/event/+', { qos: 0 });
        const bridge = await login('gateway-bridge');
        const toBridge = collect(bridge);
        await bridge.subscribeAsync(['eu868/gateway/+/command/#', 'application/#'], { qos: 0 });
        await settle();

        await bridge.publishAsync('eu868/gateway/0016c001ff10a235/event/up', 'frame', { qos: 0 });
        await chirpstack.publishAsync('eu868/gateway/0016c001ff10a235/command/down', 'frame', { qos: 0 });
        await chirpstack.publishAsync('application/a1/device/0004a30b001c0530/event/up', '{}', { qos: 0 });
        await settle();

        assert.deepEqual(toChirpstack, ['eu868/gateway/0016c001ff10a235/event/up']);
        assert.deepEqual(toBridge, ['eu868/gateway/0016c001ff10a235/command/down']);
      });
    });
  });

  describe('ChirpStack and its gateway bridge', function () {
    const chirpstackToml = read('docker/chirpstack/chirpstack.toml');

    it('publishes JSON events at QoS 1 over the MQTT integration, EU868 enabled', function () {
      assert.deepEqual(chirpstackProblems(chirpstackToml), []);
      assert.deepEqual(chirpstackProblems(chirpstackToml.replace('qos = 1', 'qos = 0').replace('json = true', 'json = false')),
        ['integration.mqtt.json is not true', 'integration.mqtt.qos is 0, not 1']);
      const config = parseToml(chirpstackToml);
      assert.equal(get(config, 'integration.mqtt.server'), 'tcp://$MQTT_BROKER_HOST:1883/');
      assert.equal((services(compose).chirpstack.environment as Dict).MQTT_BROKER_HOST, 'mosquitto');
      assert.equal(get(config, 'integration.mqtt.event_topic'), 'application/{{application_id}}/device/{{dev_eui}}/event/{{event}}');
      assert.ok(String(get(config, 'integration.mqtt.client_id')).length <= 23, 'MQTT client ids of ChirpStack are 23 characters at most');
    });

    it('routes EU868 gateways through the bridge on eu868/gateway/… (Semtech UDP on 1700/udp)', function () {
      const region = parseToml(read('docker/chirpstack/region_eu868.toml'));
      assert.equal(get(region, 'regions.id'), 'eu868');
      assert.equal(get(region, 'regions.gateway.backend.enabled'), 'mqtt');
      assert.equal(get(region, 'regions.gateway.backend.mqtt.event_topic'), 'eu868/gateway/+/event/+');
      assert.equal(get(region, 'regions.network.rx2_frequency'), 869525000);
      const bridge = parseToml(read('docker/chirpstack-gateway-bridge/chirpstack-gateway-bridge.toml'));
      assert.equal(get(bridge, 'backend.type'), 'semtech_udp');
      assert.equal(get(bridge, 'backend.semtech_udp.udp_bind'), '0.0.0.0:1700');
      for (const key of ['event_topic_template', 'state_topic_template', 'command_topic_template']) {
        assert.match(String(get(bridge, `integration.mqtt.${key}`)), /^eu868\/gateway\/\{\{ \.GatewayID \}\}\//);
      }
      assert.equal(get(bridge, 'integration.mqtt.auth.generic.username'), 'gateway-bridge');
      assert.equal(get(bridge, 'integration.mqtt.auth.generic.password'), '', 'the password comes from the environment');
      assert.ok((services(compose)['chirpstack-gateway-bridge'].ports as string[]).some((p) => p.endsWith(':1700/udp')));
      assert.ok('INTEGRATION__MQTT__AUTH__GENERIC__PASSWORD' in (services(compose)['chirpstack-gateway-bridge'].environment as Dict));
    });

    it('takes every $VARIABLE of its configuration from the compose environment, and logs in with users of the ACL', function () {
      const provided = Object.keys(services(compose).chirpstack.environment as Dict);
      const used = new Set<string>();
      for (const file of ['chirpstack.toml', 'region_eu868.toml']) {
        const settings = read(`docker/chirpstack/${file}`).split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
        for (const match of settings.matchAll(/\$([A-Z_][A-Z0-9_]*)/g)) used.add(match[1]);
      }
      assert.ok(used.size >= 4, `expected the secrets as variables, found ${[...used].join(', ')}`);
      for (const name of used) assert.ok(provided.includes(name), `${name} is used by ChirpStack's configuration but compose does not set it`);
      const aclUsers = [...read('docker/mosquitto/acl').matchAll(/^user (\S+)$/gm)].map((m) => m[1]);
      assert.deepEqual(aclUsers, ['chirpstack', 'gateway-bridge', 'supervisor']);
      assert.equal(get(parseToml(chirpstackToml), 'integration.mqtt.username'), 'chirpstack');
      assert.equal((services(compose).supervisor.environment as Dict).SUPERVISOR_MQTT_USER, 'supervisor');
    });

    describe('PostgreSQL init script, on a private PostgreSQL cluster', function () {
      this.timeout(90000);
      let dir = '';
      let port = 0;
      const asPostgres = (command: string, args: string[]) => (isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]) as [string, string[]];

      before(async function () {
        dir = tempDir('st-docker-pg-');
        fs.chmodSync(dir, 0o755);
        const data = path.join(dir, 'data');
        fs.mkdirSync(data);
        if (isRoot) spawnSync('chown', ['postgres:postgres', data]);
        port = await freePort();
        const init = spawnSync(...asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync']), { encoding: 'utf8' });
        assert.equal(init.status, 0, `initdb failed: ${init.stderr}`);
        const start = spawnSync(...asPostgres('pg_ctl', ['-D', data, '-w', '-l', path.join(data, 'server.log'), '-o',
          `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']), { encoding: 'utf8' });
        assert.equal(start.status, 0, `pg_ctl start failed: ${start.stderr}${start.stdout}`);
      });

      after(function () {
        if (dir) {
          spawnSync(...asPostgres('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'immediate', 'stop']));
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });

      it('refuses to run without CHIRPSTACK_DB_PASSWORD', function () {
        const run = runScript('sh', [path.join(dockerDir, 'postgres', 'initdb', '10-chirpstack.sh')], {
          POSTGRES_USER: 'postgres', POSTGRES_DB: 'postgres', PGHOST: path.join(dir, 'data'), PGPORT: String(port),
        });
        assert.equal(run.status, 64);
        assert.match(run.stderr, /CHIRPSTACK_DB_PASSWORD is not set/);
      });

      it('creates ChirpStack\'s role with its password, its database and the pg_trgm extension', async function () {
        const run = runScript('sh', [path.join(dockerDir, 'postgres', 'initdb', '10-chirpstack.sh')], {
          POSTGRES_USER: 'postgres', POSTGRES_DB: 'postgres', PGHOST: path.join(dir, 'data'), PGPORT: String(port),
          CHIRPSTACK_DB_PASSWORD: 'pg0123abcd',
        });
        assert.equal(run.status, 0, run.stderr);
        // The DSN of chirpstack.toml, with the password the stack would substitute.
        const dsn = String(get(parseToml(chirpstackToml), 'postgresql.dsn'));
        const chirpstackEnv: Record<string, string> = { ...(services(compose).chirpstack.environment as Record<string, string>), CHIRPSTACK_DB_PASSWORD: 'pg0123abcd' };
        const resolved = dsn.replace(/\$([A-Z_][A-Z0-9_]*)/g, (_, name: string) => chirpstackEnv[name]);
        assert.equal(resolved, 'postgres://chirpstack:pg0123abcd@postgres/chirpstack?sslmode=disable');
        const target = new URL(resolved.replace('@postgres/', `@127.0.0.1:${port}/`));
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Client } = require('pg') as typeof import('pg');
        const client = new Client({ connectionString: target.toString().replace('?sslmode=disable', '') });
        await client.connect();
        try {
          const { rows } = await client.query('SELECT current_user AS who, current_database() AS db');
          assert.deepEqual(rows[0], { who: 'chirpstack', db: 'chirpstack' });
          const extensions = (await client.query('SELECT extname FROM pg_extension')).rows.map((r) => r.extname);
          assert.ok(extensions.includes('pg_trgm'), `extensions: ${extensions.join(', ')}`);
          assert.ok(extensions.includes('hstore'));
          // ChirpStack's migrations create their tables as this role.
          await client.query('CREATE TABLE migration_probe (id integer)');
        } finally {
          await client.end();
        }
        const wrong = new Client({ connectionString: target.toString().replace('pg0123abcd', 'wrong').replace('?sslmode=disable', '') });
        await assert.rejects(wrong.connect(), /password authentication failed/);
      });
    });
  });

  describe('the image\'s entry point and healthcheck', function () {
    let app = '';
    let record = '';

    before(function () {
      // The image's layout with a recorder in place of Node-RED's red.js: it writes the arguments and the
      // environment it was started with, which is what the entry point decides.
      app = tempDir('st-docker-app-');
      fs.mkdirSync(path.join(app, 'image-flows'));
      fs.writeFileSync(path.join(app, 'image-flows', 'flows.json'), '[{"id":"all-roles"}]\n');
      fs.writeFileSync(path.join(app, 'image-flows', 'flows-ingest.json'), '[{"id":"ingest-role"}]\n');
      record = path.join(app, 'record-red.js');
      fs.writeFileSync(record, [
        "const fs = require('node:fs');",
        'fs.writeFileSync(process.env.RECORD_FILE, JSON.stringify({ argv: process.argv.slice(2), execArgv: process.execArgv,',
        '  clientId: process.env.SUPERVISOR_MQTT_CLIENT_ID ?? null }));',
      ].join('\n'));
    });

    after(function () {
      fs.rmSync(app, { recursive: true, force: true });
    });

    function start(userDir: string, env: Record<string, string>): Run & { started?: { argv: string[]; execArgv: string[]; clientId: string | null } } {
      const out = path.join(app, `run-${Date.now()}-${Math.random()}.json`);
      const run = runScript('sh', [path.join(dockerDir, 'entrypoint.sh'), '--safe'], {
        APP_DIR: app, NODE_RED_JS: record, RECORD_FILE: out, SUPERVISOR_USER_DIR: userDir,
        SUPERVISOR_MQTT_URL: 'mqtt://mosquitto:1883', ...env,
      });
      return { ...run, started: fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : undefined };
    }

    it('refuses to start without a broker URL or with an unknown role, naming the variable', function () {
      const userDir = tempDir('st-docker-data-');
      try {
        const noBroker = start(userDir, { SUPERVISOR_MQTT_URL: '' });
        assert.equal(noBroker.status, 64);
        assert.match(noBroker.stderr, /SUPERVISOR_MQTT_URL is empty/);
        assert.equal(noBroker.started, undefined);
        const badRole = start(userDir, { SUPERVISOR_INSTANCE_ROLE: 'worker' });
        assert.equal(badRole.status, 64);
        assert.match(badRole.stderr, /SUPERVISOR_INSTANCE_ROLE="worker" must be one of: all, ingest, leader/);
        for (const [name, value, range] of [['SUPERVISOR_SEMI_SPACE_MB', '64MB', '1 to 1024'], ['SUPERVISOR_SEMI_SPACE_MB', '4096', '1 to 1024'],
          ['SUPERVISOR_MAX_OLD_SPACE_MB', '32', '64 to 65536']]) {
          const badHeap = start(userDir, { [name]: value });
          assert.equal(badHeap.status, 64);
          assert.match(badHeap.stderr, new RegExp(`${name}="${value}" must be 0 \\(V8's default\\) or an integer from ${range}`));
        }
        const v8Default = start(userDir, { SUPERVISOR_SEMI_SPACE_MB: '0' });
        assert.equal(v8Default.status, 0, v8Default.stderr);
        assert.deepEqual(v8Default.started?.execArgv, []);
        const sized = start(userDir, { SUPERVISOR_SEMI_SPACE_MB: '32', SUPERVISOR_MAX_OLD_SPACE_MB: '1024' });
        assert.deepEqual(sized.started?.execArgv, ['--max-semi-space-size=32', '--max-old-space-size=1024']);
      } finally {
        fs.rmSync(userDir, { recursive: true, force: true });
      }
    });

    it('role all or leader: writes flows.json on the first start only, then runs Node-RED with our settings', function () {
      const userDir = tempDir('st-docker-data-');
      try {
        const first = start(userDir, {});
        assert.equal(first.status, 0, first.stderr);
        assert.deepEqual(first.started?.argv, ['--settings', path.join(app, 'dist', 'settings.js'), '--userDir', userDir, '--safe']);
        // V8's young generation sized as npm start sizes it (SUPERVISOR_SEMI_SPACE_MB, default 64).
        assert.deepEqual(first.started?.execArgv, ['--max-semi-space-size=64']);
        assert.equal(fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8'), '[{"id":"all-roles"}]\n');
        assert.equal(first.started?.clientId, null);
        // What was built in the editor stays.
        fs.writeFileSync(path.join(userDir, 'flows.json'), '[{"id":"edited"}]\n');
        const again = start(userDir, { SUPERVISOR_INSTANCE_ROLE: 'LEADER', SUPERVISOR_MQTT_CLIENT_ID: 'nr-supervisor' });
        assert.equal(again.status, 0, again.stderr);
        assert.equal(fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8'), '[{"id":"edited"}]\n');
        assert.equal(again.started?.clientId, 'nr-supervisor');
        assert.match(again.stdout, /using the existing flow file/);
      } finally {
        fs.rmSync(userDir, { recursive: true, force: true });
      }
    });

    it('role ingest: the image\'s ingest flow at every start, and one client id per worker kept across recreation', function () {
      const userDir = tempDir('st-docker-data-');
      try {
        const first = start(userDir, { SUPERVISOR_INSTANCE_ROLE: 'ingest', HOSTNAME: '3f2a9c1b7d10' });
        assert.equal(first.status, 0, first.stderr);
        assert.equal(fs.readFileSync(path.join(userDir, 'flows-ingest.json'), 'utf8'), '[{"id":"ingest-role"}]\n');
        assert.equal(first.started?.clientId, 'nr-ingest-3f2a9c1b7d10');
        // A worker's old generation is capped (SUPERVISOR_MAX_OLD_SPACE_MB, 256 on an ingest worker).
        assert.deepEqual(first.started?.execArgv, ['--max-semi-space-size=64', '--max-old-space-size=256']);
        fs.writeFileSync(path.join(userDir, 'flows-ingest.json'), '[{"id":"stale"}]\n');
        // Recreated container (new hostname), same /data volume: same id, so the persistent session is resumed.
        const recreated = start(userDir, { SUPERVISOR_INSTANCE_ROLE: 'ingest', HOSTNAME: '99aa0b1c2d3e' });
        assert.equal(recreated.started?.clientId, 'nr-ingest-3f2a9c1b7d10');
        assert.equal(fs.readFileSync(path.join(userDir, 'flows-ingest.json'), 'utf8'), '[{"id":"ingest-role"}]\n');
        // Another worker (its own volume) gets its own id; an explicit id wins.
        const otherDir = tempDir('st-docker-data-');
        try {
          assert.equal(start(otherDir, { SUPERVISOR_INSTANCE_ROLE: 'ingest', HOSTNAME: '99aa0b1c2d3e' }).started?.clientId, 'nr-ingest-99aa0b1c2d3e');
        } finally {
          fs.rmSync(otherDir, { recursive: true, force: true });
        }
        assert.equal(start(userDir, { SUPERVISOR_INSTANCE_ROLE: 'ingest', SUPERVISOR_MQTT_CLIENT_ID: 'worker-a' }).started?.clientId, 'worker-a');
      } finally {
        fs.rmSync(userDir, { recursive: true, force: true });
      }
    });

    describe('healthcheck.js', function () {
      const servers: net.Server[] = [];
      after(async function () {
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      });

      async function serve(status: number, tls?: { key: string; cert: string }): Promise<number> {
        const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => { res.statusCode = status; res.end('x'); };
        const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
        servers.push(server);
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        return (server.address() as net.AddressInfo).port;
      }

      // Asynchronous: the servers answering it live in this process.
      const check = (env: Record<string, string>) => new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [path.join(dockerDir, 'healthcheck.js')], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
        child.once('exit', (code) => resolve(code));
      });

      it('is healthy while Node-RED answers below 500 (editor page, ingest worker\'s 404, 401), unhealthy otherwise', async function () {
        for (const status of [200, 401, 404]) assert.equal(await check({ SUPERVISOR_HTTP_PORT: String(await serve(status)) }), 0, `HTTP ${status}`);
        assert.equal(await check({ SUPERVISOR_HTTP_PORT: String(await serve(503)) }), 1);
        assert.equal(await check({ SUPERVISOR_HTTP_PORT: String(await freePort()) }), 1, 'nothing listening');
      });

      it('speaks HTTPS when the instance serves HTTPS (SUPERVISOR_HTTPS_KEY and _CERT)', async function () {
        const dir = tempDir('st-docker-tls-');
        try {
          const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
            '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { encoding: 'utf8' });
          assert.equal(made.status, 0, made.stderr);
          const tls = { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
          const port = String(await serve(200, tls));
          const files = { SUPERVISOR_HTTPS_KEY: path.join(dir, 'key.pem'), SUPERVISOR_HTTPS_CERT: path.join(dir, 'cert.pem') };
          assert.equal(await check({ SUPERVISOR_HTTP_PORT: port, ...files }), 0);
          assert.equal(await check({ SUPERVISOR_HTTP_PORT: port }), 1, 'plain HTTP to an HTTPS port');
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  });

  describe('the image\'s start, without Docker: our settings in production mode on the stack\'s broker and InfluxDB', function () {
    // What the container runs, on this machine: the image's layout (dist/ and the flow files the Dockerfile's
    // build stage assembles), the image's environment plus the compose file's, docker/entrypoint.sh starting
    // Node-RED, docker/healthcheck.js, the stack's Mosquitto (logins, ACL) and a real InfluxDB.
    this.timeout(180000);
    const passwords = { chirpstack: 'cs0123abcd', 'gateway-bridge': 'gw0123abcd', supervisor: 'nr0123abcd' };
    let base = '';
    let broker: { dir: string; url: string; child: ChildProcess } | undefined;
    let influx: InfluxService | undefined;
    const instances: Array<{ child: ChildProcess; log: () => string; port: number }> = [];
    let instanceEnv: (role: string, userDir: string, port: number) => NodeJS.ProcessEnv = () => ({});

    before(async function () {
      base = tempDir('st-docker-run-');
      const app = path.join(base, 'app');
      fs.mkdirSync(app);
      fs.symlinkSync(path.join(root, 'dist'), path.join(app, 'dist'));
      // The build stage's own commands, from the Dockerfile, run in the image's application folder.
      const file = parseDockerfile(read('docker/Dockerfile'));
      const commands = file.stages[0].instructions.filter((i) => i.keyword === 'RUN').flatMap((i) => i.args.split('&&').map((c) => c.trim()))
        .filter((c) => c.startsWith('mkdir -p image-flows') || c.includes('flows-assemble.js'));
      assert.equal(commands.length, 3, commands.join(' | '));
      for (const command of commands) {
        const run = spawnSync('sh', ['-c', command], { cwd: app, encoding: 'utf8' });
        assert.equal(run.status, 0, `${command}: ${run.stderr}`);
      }
      broker = await startStackBroker(passwords);
      influx = await startInfluxDb();
      const created = await fetch(`${influx.url}/query?q=${encodeURIComponent('CREATE DATABASE supervisor')}`, { method: 'POST' });
      assert.equal(created.status, 200);

      // Hashes made with the bcrypt Node-RED itself ships, like `npm run hash-password`.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bcrypt = require(require.resolve('bcryptjs', { paths: [path.dirname(require.resolve('node-red/package.json'))] }));
      const usersFile = path.join(base, 'dashboard-users.json');
      fs.writeFileSync(usersFile, JSON.stringify([
        { username: 'energie', passwordHash: bcrypt.hashSync('viewer-password', 10), role: 'viewer' },
        { username: 'eclairage', passwordHash: bcrypt.hashSync('operator-password', 10), role: 'operator' },
      ]));
      const stack = interpolateDeep(compose, { ...filledEnv, SUPERVISOR_ADMIN_PASSWORD_HASH: bcrypt.hashSync('admin-password', 10) }) as Dict;
      const image = imageEnvironment(read('docker/Dockerfile'));
      const brokerUrl = (broker as { url: string }).url;
      const influxUrl = new URL((influx as InfluxService).url);
      instanceEnv = (role, userDir, port) => {
        const service = services(stack)[role === 'ingest' ? 'ingest' : 'supervisor'];
        const env: Record<string, string> = { ...image, ...(service.environment as Record<string, string>) };
        // Container names become this machine's addresses; nothing else of the compose environment changes.
        env.SUPERVISOR_MQTT_URL = env.SUPERVISOR_MQTT_URL.replace('mosquitto:1883', brokerUrl.slice('mqtt://'.length));
        env.SUPERVISOR_TIMESERIES_URL = env.SUPERVISOR_TIMESERIES_URL.replace('influxdb:8086', influxUrl.host);
        env.SUPERVISOR_MQTT_PASSWORD = passwords.supervisor;
        env.SUPERVISOR_DASHBOARD_USERS_FILE = usersFile;
        // The container binds 0.0.0.0 behind compose's loopback publication; here the loopback itself.
        env.SUPERVISOR_HOST = '127.0.0.1';
        env.SUPERVISOR_HTTP_PORT = String(port);
        env.SUPERVISOR_USER_DIR = userDir;
        delete env.NODE_PATH;
        return { ...env, PATH: process.env.PATH, APP_DIR: app, NODE_RED_JS: require.resolve('node-red/red.js'), HOSTNAME: `worker${port}` };
      };
    });

    after(async function () {
      await Promise.all(instances.map((i) => stopChild(i.child)));
      if (broker) { await stopChild(broker.child); fs.rmSync(broker.dir, { recursive: true, force: true }); }
      if (influx) await influx.stop();
      if (base) fs.rmSync(base, { recursive: true, force: true });
    });

    async function startInstance(role: string): Promise<{ child: ChildProcess; log: () => string; port: number; userDir: string }> {
      const port = await freePort();
      const userDir = path.join(base, `data-${role}-${port}`);
      const child = spawn('sh', [path.join(dockerDir, 'entrypoint.sh')], { env: instanceEnv(role, userDir, port), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout?.on('data', (d) => { output += d; });
      child.stderr?.on('data', (d) => { output += d; });
      const instance = { child, log: () => output, port, userDir };
      instances.push(instance);
      const health = () => new Promise<number | null>((resolve) => {
        spawn(process.execPath, [path.join(dockerDir, 'healthcheck.js')], { env: { PATH: process.env.PATH, SUPERVISOR_HTTP_PORT: String(port) }, stdio: 'ignore' })
          .once('exit', resolve);
      });
      const deadline = Date.now() + 120000;
      while ((await health()) !== 0) {
        if (child.exitCode !== null) throw new Error(`the ${role} instance exited (${child.exitCode}):\n${output}`);
        if (Date.now() > deadline) throw new Error(`the ${role} instance never became healthy:\n${output}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      // Healthy means the runtime is up; the flows subscribe right after.
      await until(() => /abonné à|subscribed to/.test(output), 30000, `the ${role} instance did not subscribe:\n${output}`);
      return instance;
    }

    async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(message);
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    async function storedUplinks(): Promise<number> {
      const res = await fetch(`${(influx as InfluxService).url}/query?db=supervisor&q=${encodeURIComponent('SELECT count("index") FROM water_volume')}`);
      const body = await res.json() as { results: Array<{ series?: Array<{ values: number[][] }> }> };
      return body.results[0].series?.[0].values[0][1] ?? 0;
    }

    /** Genuine ChirpStack v4 up events of the fleet's two Netvox R718H water meters, published as ChirpStack does. */
    async function publishUplinks(count: number, firstFCnt: number): Promise<void> {
      const fleet = loadFleet(read('data/devices.csv'), { file: 'devices.csv' }).filter((d) => d.model === 'netvox-r718h');
      assert.equal(fleet.length, 2);
      const chirpstack = await mqtt.connectAsync((broker as { url: string }).url, { username: 'chirpstack', password: passwords.chirpstack });
      try {
        const start = Date.parse('2026-11-28T00:00:00Z');
        for (let i = 0; i < count; i++) {
          const device = fleet[i % 2];
          const random = streamFor(7, device.devEui, String(firstFCnt + i));
          const fCnt = firstFCnt + Math.floor(i / 2);
          const event = buildUpEvent({
            device, radio: radioProfile(device, random), fCnt, fPort: 6, bytes: encodeR718hStatus(3.6, 100 + 3 * fCnt),
            time: start + (firstFCnt + i) * 60000, random,
          });
          await chirpstack.publishAsync(eventTopic(device.applicationId, device.devEui), JSON.stringify(event), { qos: 1 });
        }
      } finally {
        await chirpstack.endAsync();
      }
    }

    it('role all: healthy, editor API behind the login, uplinks from ChirpStack stored in InfluxDB', async function () {
      const all = await startInstance('all');
      assert.match(all.log(), /first start: application flows written to/);
      assert.match(all.log(), /MQTT client id nr-supervisor/);
      assert.equal((await fetch(`http://127.0.0.1:${all.port}/flows`)).status, 401, 'production mode: the admin API needs a login');
      await publishUplinks(40, 1);
      await until(async () => (await storedUplinks()) === 40, 30000, `40 uplinks published, ${await storedUplinks()} stored:\n${all.log()}`);
      // The core mqtt-broker of the lighting downlinks logs in too, with the password taken from the environment:
      // its credentials file names the variables, never the secret.
      await until(() => /\[mqtt-broker:[^\]]*\] (Connecté au courtier|Connected to broker)/.test(all.log()), 30000, `the flows' mqtt-broker did not connect:\n${all.log()}`);
      const creds = fs.readFileSync(path.join(all.userDir, 'flows_cred.json'), 'utf8');
      assert.ok(!creds.includes(passwords.supervisor), 'the broker password is not written in the credentials file');
    });

    it('role ingest: a worker joins the same $share/ group with its own client id; together they store every uplink once', async function () {
      const worker = await startInstance('ingest');
      assert.match(worker.log(), /ingest worker: flow file .*flows-ingest\.json from the image/);
      assert.match(worker.log(), new RegExp(`MQTT client id nr-ingest-worker${worker.port}`));
      assert.equal(fs.readFileSync(path.join(worker.userDir, '.mqtt-client-id'), 'utf8').trim(), `nr-ingest-worker${worker.port}`);
      const brokerLog = () => fs.readFileSync(path.join((broker as { dir: string }).dir, 'data', 'mosquitto.log'), 'utf8');
      assert.match(brokerLog(), new RegExp(`as nr-ingest-worker${worker.port} \\(p5, c0, .*u'supervisor'\\)`), 'persistent MQTT 5 session under the supervisor login');
      await publishUplinks(60, 1000);
      await until(async () => (await storedUplinks()) === 100, 30000, `100 uplinks published in all, ${await storedUplinks()} stored`);
      // The worker took its share: its meter state (written a few seconds after a reading) is in its own /data.
      const state = path.join(worker.userDir, 'meter-index');
      await until(() => fs.existsSync(state) && fs.readdirSync(state).length > 0, 20000, `the worker stored no meter state:\n${worker.log()}`);
    });
  });

  it('docker/README.md explains running, roles and the scale profile, secrets, TLS and upgrades', function () {
    const readme = read('docker/README.md');
    for (const topic of ['docker compose up', 'COMPOSE_PROFILES=scale', 'SUPERVISOR_INSTANCE_ROLE=leader', 'env.example', 'npm run hash-password',
      'SUPERVISOR_HTTPS_KEY', 'reverse proxy', 'SUPERVISOR_CREDENTIAL_SECRET', '$share/', 'Upgrade']) {
      assert.ok(readme.includes(topic), `docker/README.md does not mention ${topic}`);
    }
  });
});
