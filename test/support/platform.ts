/**
 * Starts the platform exactly as `npm start` does (node dist/scripts/start.js), on free ports and in a
 * temporary user directory, and stops it with SIGINT as Ctrl-C would.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

const root = path.resolve(__dirname, '..', '..');

export interface RunningPlatform {
  httpUrl: string;
  httpPort: number;
  userDir: string;
  /** Everything the platform printed so far (stdout and stderr). */
  output(): string;
  /** Sends SIGINT and resolves with the exit code once everything stopped. */
  stop(): Promise<number | null>;
  process: ChildProcess;
}

export async function startPlatform(env: Record<string, string>, userDir?: string): Promise<RunningPlatform> {
  const dir = userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'st-userdir-'));
  const httpPort = env.SUPERVISOR_HTTP_PORT ? Number(env.SUPERVISOR_HTTP_PORT) : await freePort();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'scripts', 'start.js')], {
    cwd: root,
    env: {
      ...process.env,
      SUPERVISOR_HTTP_PORT: String(httpPort),
      SUPERVISOR_USER_DIR: dir,
      SUPERVISOR_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + 60000;
  // The start script prints the URLs, then this last line: wait for it, the pipe may split the lines.
  while (!/\[supervisor\] Ctrl-C stops everything\./.test(output)) {
    if (child.exitCode !== null) throw new Error(`the platform exited (code ${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`the platform did not start within 60 s:\n${output}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const httpUrl = /\[supervisor\] editor\s+(https?:\S+?)\/?\s/.exec(output)![1];
  return {
    httpUrl,
    httpPort: Number(new URL(httpUrl).port),
    userDir: dir,
    output: () => output,
    process: child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 25000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Reads a global context value through the admin API, as the editor's Context sidebar does. */
export async function globalContext<T>(httpUrl: string, key: string): Promise<T | undefined> {
  const res = await fetch(`${httpUrl}/context/global/${encodeURIComponent(key)}`);
  if (res.status !== 200) return undefined;
  const body = await res.json() as Record<string, { msg: string; format: string }> | { msg: string; format: string };
  const entry = 'msg' in body ? body as { msg: string } : Object.values(body)[0];
  if (!entry || entry.msg === undefined || (entry as { format?: string }).format === 'undefined') return undefined;
  return JSON.parse(entry.msg) as T;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
