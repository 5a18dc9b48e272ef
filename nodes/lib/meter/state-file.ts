/**
 * The meter-index state on disk: one JSON file per node, written atomically (temporary file in the same
 * folder, fsync, rename) so a crash leaves either the old or the new state, never a truncated file.
 * Not the Node-RED file context store: it flushes every 30 s and has lost data (reliability.md §2.6).
 * No Node-RED import.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MeterSnapshot } from './tracker';

/** The state file of a node: <folder>/<node id>.json (characters other than [A-Za-z0-9._-] replaced by _). */
export function stateFilePath(folder: string, nodeId: string): string {
  return path.join(folder, `${nodeId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

/** Writes `snapshot` to `file` atomically; creates the folder. */
export function saveStateSync(file: string, snapshot: MeterSnapshot): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify({ ...snapshot, savedAt: new Date().toISOString() }));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

export interface LoadedState {
  snapshot?: MeterSnapshot;
  /** Set when a file existed but could not be read: it was moved aside to this path. */
  corruptMovedTo?: string;
  error?: string;
}

/** Reads a state file. A missing file is an empty state; an unreadable one is moved aside (never silently overwritten). */
export function loadStateSync(file: string): LoadedState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { error: (err as Error).message };
  }
  try {
    const parsed = JSON.parse(text) as MeterSnapshot;
    if (parsed?.version !== 1 || typeof parsed.series !== 'object' || parsed.series === null) throw new Error('not a meter-index state (version 1)');
    return { snapshot: { version: 1, series: parsed.series } };
  } catch (err) {
    const aside = `${file}.corrupt-${Date.now()}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      return { error: (err as Error).message };
    }
    return { corruptMovedTo: aside, error: (err as Error).message };
  }
}

/**
 * Saves a state at most every `intervalMs` while it changes, and on flush(). `take` returns the
 * snapshot to write, or undefined when nothing changed.
 */
export class ThrottledSaver {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** A snapshot whose write failed: written by the next save unless a newer one replaces it. */
  private unsaved: MeterSnapshot | undefined;

  constructor(
    private readonly file: string,
    private readonly take: () => MeterSnapshot | undefined,
    private readonly intervalMs: number,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Something changed: a save is scheduled within intervalMs. */
  changed(): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save();
    }, this.intervalMs);
    this.timer.unref?.();
  }

  /** Saves now if there is something to save; true when the state is on disk. */
  save(): boolean {
    const snapshot = this.take() ?? this.unsaved;
    if (snapshot === undefined) return true;
    try {
      saveStateSync(this.file, snapshot);
      this.unsaved = undefined;
      return true;
    } catch (err) {
      this.unsaved = snapshot;
      this.onError(err as Error);
      this.changed(); // retried at the next interval
      return false;
    }
  }

  /** Cancels the timer and saves for the last time (on close). */
  close(): boolean {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return this.save();
  }
}
