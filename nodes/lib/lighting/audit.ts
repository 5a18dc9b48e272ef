/**
 * The append-only audit log of lighting commands: one JSON object per line (JSON Lines) in a file of the
 * Node-RED user directory. Who (requestedBy: editor or dashboard user, "schedule"), when, what (target,
 * command, frames), why (reason), result (queued, sent, confirmed, mismatch, drift, refused with a reason…).
 *
 * The file is opened in append mode and never rewritten or truncated; entries are written in short
 * batches (`flushMs`, default 100 ms) and each batch is fsync'ed, so at most one batch is lost on a crash.
 * Pure Node.js (fs), no Node-RED import.
 */
import fs from 'node:fs';
import path from 'node:path';

export type AuditResult =
  | 'queued' | 'sent' | 'confirmed' | 'mismatch' | 'unconfirmed' | 'refused' | 'held' | 'coalesced' | 'expired' | 'retried' | 'resumed'
  /** A status differs from the level in force with no command pending (drift alert), then matches again. */
  | 'drift' | 'drift-cleared';

export interface AuditEntry {
  /** ISO time of the entry. */
  time: string;
  /** The CommandRequest id. */
  requestId: string;
  requestedBy?: string;
  source?: string;
  /** devEui[:channel], group name or multicast group. */
  target: string;
  command: string;
  /** The command's parameters (level, durationMin…). */
  params?: Record<string, unknown>;
  reason?: string;
  /** Frames: fPort and hex. */
  frames?: Array<{ fPort: number; dataHex: string; id: string }>;
  result: AuditResult;
  /** Why refused/held, the alert text, the queue id… */
  detail?: string;
}

export const DEFAULT_AUDIT_FILE = 'lighting-audit.jsonl';

export class AuditLog {
  private fd: number | undefined;
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failed: Error | undefined;

  /** `onError` hears write failures (the node shows them); the log keeps trying on the next batch. */
  constructor(readonly file: string, private readonly flushMs = 100, private readonly onError: (err: Error) => void = () => undefined) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }

  get lastError(): Error | undefined {
    return this.failed;
  }

  append(entry: AuditEntry): void {
    if (this.fd === undefined) throw new Error(`the audit log ${this.file} is closed`);
    this.buffer.push(`${JSON.stringify(entry)}\n`);
    if (this.flushMs <= 0) this.flush();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  /** Writes and fsyncs the pending entries now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fd === undefined || this.buffer.length === 0) return;
    const text = this.buffer.join('');
    try {
      fs.writeSync(this.fd, text);
      fs.fsyncSync(this.fd);
      this.buffer = [];
      this.failed = undefined;
    } catch (err) {
      this.failed = err as Error;
      this.onError(err as Error);
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The last `n` entries of an audit file, oldest first (reads only the tail; a torn last line is skipped). */
export function readLastEntries(file: string, n: number): AuditEntry[] {
  if (n <= 0 || !fs.existsSync(file)) return [];
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let chunk = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      const lines = buf.toString('utf8').split('\n');
      if (start > 0) lines.shift(); // probably cut
      const complete = lines.filter((l) => l.trim() !== '');
      if (complete.length > n || start === 0) {
        const out: AuditEntry[] = [];
        for (const line of complete.slice(-n - 1)) {
          try {
            out.push(JSON.parse(line) as AuditEntry);
          } catch {
            // a line torn by a crash: skipped
          }
        }
        return out.slice(-n);
      }
      chunk *= 4;
    }
  } finally {
    fs.closeSync(fd);
  }
}
