/**
 * What the lighting-control specs share: the node between two helpers (downlinks, events), a fresh user
 * directory per test (the audit file lives there), fake timers where a spec steps through hours of
 * confirmations and retries, and the audit read back line by line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import { helper } from './nodered';

export type FlowItem = TestFlowsItem & Record<string, unknown>;

/** `lc` wired to `down` (DownlinkRequests) and `ev` (states, alerts); `extra` nodes go on the same tab. */
export function lightingControlFlow(config: Record<string, unknown> = {}, extra: FlowItem[] = []): FlowItem[] {
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'lc', type: 'lighting-control', name: '', ...at, ...config, wires: [['down'], ['ev']] },
    { id: 'down', type: 'helper', ...at },
    { id: 'ev', type: 'helper', ...at },
    ...extra.map((node) => ({ ...at, ...node })),
  ];
}

/** The audit file's lines as written (append-only JSON lines); none before the first command. */
export function auditLines(userDir: string): string[] {
  const file = path.join(userDir, 'lighting-audit.jsonl');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

export function readAudit<T = Record<string, any>>(userDir: string): T[] {
  return auditLines(userDir).map((l) => JSON.parse(l) as T);
}

export interface LightingRuntime {
  /** This test's user directory (already given to the runtime's settings unless `settings: false`). */
  readonly userDir: string;
  /** The fake clock, when the runtime was asked for one. */
  readonly clock: sinon.SinonFakeTimers;
}

/**
 * Registers the hooks of a describe block: before each test a fresh user directory (in the runtime's
 * settings unless `settings` is false, for a test that sets its own) and, with `fakeTimeFrom`, fake
 * timers from that instant; after it, the flows unloaded and everything removed.
 */
export function useLightingRuntime(options: { prefix: string; fakeTimeFrom?: number; settings?: boolean }): LightingRuntime {
  let userDir = '';
  let clock: sinon.SinonFakeTimers | undefined;
  beforeEach(function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
    if (options.settings !== false) helper.settings({ userDir });
    if (options.fakeTimeFrom !== undefined) clock = sinon.useFakeTimers({ now: options.fakeTimeFrom, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(async function () {
    await helper.unload();
    clock?.restore();
    clock = undefined;
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });
  return {
    get userDir() { return userDir; },
    get clock() {
      if (!clock) throw new Error('this lighting runtime has no fake clock (fakeTimeFrom not given)');
      return clock;
    },
  };
}
