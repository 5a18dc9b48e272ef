/**
 * A Node-RED runtime in a process of its own, spawned as scripts/start.ts spawns it
 * (`node node-red/red.js --settings <file> --userDir <dir>`), with a flow file written beforehand into
 * a temporary user directory. Its memory is read from /proc/<pid>/status (VmRSS, VmHWM = peak RSS).
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/services/influxd';

export interface NodeRedProcess {
  pid: number;
  /** http://127.0.0.1:<port> */
  url: string;
  userDir: string;
  /** Current and peak resident memory in MB (from /proc/<pid>/status). */
  memory(): { rssMb: number; peakMb: number };
  /** CPU time used so far (user + system, seconds), from /proc/<pid>/stat. */
  cpuSeconds(): number;
  /** Main thread: seconds on a CPU and seconds runnable but waiting for one (/proc/<pid>/schedstat). */
  schedule(): { runS: number; waitS: number };
  /** The process's log so far (stdout and stderr). */
  log(): string;
  /** SIGINT (Node-RED closes its nodes), SIGKILL after 20 s; removes the user directory. */
  stop(): Promise<void>;
}

export interface NodeRedOptions {
  /** Prefix of the temporary user directory, e.g. `st-bench-ours-`. */
  name: string;
  /** The flow file's content (an array of nodes). */
  flows: unknown[];
  /** Name of the flow file in the user directory (`flows.json`; our settings read `flows-ingest.json` on an ingest worker). */
  flowFile?: string;
  /** Settings file; by default one written in the user directory from `settings`. */
  settingsFile?: string;
  /** Contents of the settings file written when `settingsFile` is not given (module.exports = …). */
  settings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Extra arguments for node itself (e.g. --cpu-prof). */
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

function procStatusMb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process in seconds (clock ticks of 1/100 s on Linux). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export async function startNodeRed(options: NodeRedOptions): Promise<NodeRedProcess> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), options.name));
  const port = await freePort();
  fs.writeFileSync(path.join(userDir, options.flowFile ?? 'flows.json'), JSON.stringify(options.flows, null, 1));
  let settingsFile = options.settingsFile;
  if (!settingsFile) {
    settingsFile = path.join(userDir, 'settings.js');
    fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify({ uiHost: '127.0.0.1', uiPort: port, userDir, flowFile: 'flows.json', ...options.settings }, null, 2)};\n`);
  }
  const redJs = require.resolve('node-red/red.js');
  const logFile = path.join(userDir, 'node-red.log');
  const out = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), redJs, '--settings', settingsFile, '--userDir', userDir, '--port', String(port)], {
    cwd: userDir,
    env: { ...process.env, ...options.env, SUPERVISOR_HTTP_PORT: String(port), SUPERVISOR_USER_DIR: userDir, SUPERVISOR_HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const pid = child.pid ?? 0;
  let lastPeak = 0;
  const readLog = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      const cleanup = () => {
        // BENCH_E2E_KEEP_LOGS=<folder>: keep the Node-RED log for diagnosis before the user directory goes.
        const keep = process.env.BENCH_E2E_KEEP_LOGS;
        if (keep && fs.existsSync(logFile)) {
          fs.mkdirSync(keep, { recursive: true });
          fs.copyFileSync(logFile, path.join(keep, `${options.name}${pid}.log`));
        }
        fs.rmSync(userDir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return cleanup();
      const killer = setTimeout(() => child.kill('SIGKILL'), 20000);
      child.once('exit', () => { clearTimeout(killer); cleanup(); });
      child.kill('SIGINT');
    });
    return stopped;
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 90000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = readLog();
      await stop();
      throw new Error(`Node-RED (${options.name}) exited during start-up (code ${child.exitCode}, signal ${child.signalCode}):\n${log.slice(-4000)}`);
    }
    try {
      const res = await fetch(`${url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
      // The admin API answers once the runtime has started; the caller checks the flow itself works.
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      const log = readLog();
      await stop();
      throw new Error(`Node-RED (${options.name}) did not answer on its admin API within ${(options.startTimeoutMs ?? 90000) / 1000} s:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    pid,
    url,
    userDir,
    memory: () => {
      // Once the process is gone /proc has nothing: keep the last peak seen.
      const peak = procStatusMb(pid, 'VmHWM');
      if (peak > 0) lastPeak = peak;
      return { rssMb: procStatusMb(pid, 'VmRSS'), peakMb: lastPeak };
    },
    cpuSeconds: () => cpuSecondsOf(pid),
    schedule: () => {
      try {
        const [run, wait] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
        return { runS: run / 1e9, waitS: wait / 1e9 };
      } catch {
        return { runS: 0, waitS: 0 };
      }
    },
    log: readLog,
    stop,
  };
}
