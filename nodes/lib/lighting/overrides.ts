/**
 * Overrides and priorities of lighting-control, per target (device + channel). Pure: no Node-RED import,
 * no clock (times are passed in, ms since epoch).
 *
 * Priorities: safety > manual > program.
 * - A program command (source "program") never interrupts an override: it is kept as the program level
 *   in force for the target and sent when the override ends.
 * - A manual command is refused while a safety override holds; a safety command is always taken.
 * - setLevel from safety or manual starts (or replaces) an override, until `expiresAt` (or for
 *   `durationMin`), or until a "resume".
 * - "resume" ends the override (a manual resume does not end a safety override).
 *
 * Back to the program (decision): lighting-control keeps the last program command per target rather than
 * asking lighting-schedule's timeline. When an override ends:
 * - a controller with its own schedule (NAS: `deviceSchedule`) is sent "resume" (NAS `01 addr FF`), or
 *   nothing when the override was a timed one the device ends by itself (NAS `09 …` with durationMin);
 * - a cabinet relay (central schedule) is sent the last program level; if none is known yet, nothing is
 *   sent and the state says the program level is unknown (lighting-schedule's next step will set it).
 */
import type { CommandRequest, CommandSource, LightingCommand } from './model';
import { PRIORITY } from './budget';

export interface Override {
  level: number;
  source: CommandSource;
  reason?: string;
  requestedBy?: string;
  requestId: string;
  /** ms since epoch; undefined = until a resume. */
  expiresAt?: number;
  /** The device ends it by itself (timed override sent with durationMin). */
  deviceTimed: boolean;
}

export type Decision =
  /** Send this command now (may differ from the request: a resume becomes the program level for a relay). */
  | { action: 'send'; command: LightingCommand; override?: Override; endsOverride?: boolean }
  /** Nothing to send; why (program held during an override, program level unknown…). */
  | { action: 'hold'; reason: string; code: 'override-active' | 'program-unknown' | 'device-resumes' }
  /** Refused (lower priority than the active override). */
  | { action: 'refuse'; reason: string; code: 'lower-priority' | 'expired' };

export interface TargetInfo {
  /** The device runs its own schedule (resume goes to the device). */
  deviceSchedule: boolean;
  /** The device ends timed overrides by itself. */
  timedOverride: boolean;
}

export interface Expiry {
  key: string;
  override: Override;
  decision: Decision;
}

function isoMs(iso: string | undefined): number | undefined {
  if (iso === undefined || iso === '') return undefined;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`expiresAt "${iso}" is not an ISO date`);
  return ms;
}

export class OverrideManager {
  private readonly overrides = new Map<string, Override>();
  private readonly program = new Map<string, { level: number; requestId: string }>();

  active(key: string, now: number): Override | undefined {
    const o = this.overrides.get(key);
    if (o !== undefined && o.expiresAt !== undefined && o.expiresAt <= now) return undefined;
    return o;
  }

  /** All active overrides (key → override). */
  all(now: number): Map<string, Override> {
    const out = new Map<string, Override>();
    for (const [k, o] of this.overrides) if (o.expiresAt === undefined || o.expiresAt > now) out.set(k, o);
    return out;
  }

  programLevel(key: string): number | undefined {
    return this.program.get(key)?.level;
  }

  /** The next expiry time (ms), for the node's timer. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const o of this.overrides.values()) if (o.expiresAt !== undefined && (next === undefined || o.expiresAt < next)) next = o.expiresAt;
    return next;
  }

  private backToProgram(key: string, info: TargetInfo, ended: Override | undefined): Decision {
    if (info.deviceSchedule) {
      if (ended?.deviceTimed) return { action: 'hold', code: 'device-resumes', reason: 'the controller ends the timed override by itself' };
      return { action: 'send', command: { type: 'resume' }, endsOverride: true };
    }
    const level = this.program.get(key)?.level;
    if (level === undefined) return { action: 'hold', code: 'program-unknown', reason: 'no program level known yet for this output' };
    return { action: 'send', command: { type: 'setLevel', level }, endsOverride: true };
  }

  /** Decides what a request does for one target key at `now`, and records it. */
  apply(key: string, request: CommandRequest, info: TargetInfo, now: number): Decision {
    const command = request.command;
    const current = this.active(key, now);
    if (current === undefined && this.overrides.has(key)) this.overrides.delete(key); // expired, not yet swept
    if (command.type !== 'setLevel' && command.type !== 'resume') return { action: 'send', command };

    if (request.source === 'program') {
      if (command.type === 'setLevel') this.program.set(key, { level: command.level, requestId: request.id });
      if (current !== undefined) {
        return { action: 'hold', code: 'override-active', reason: `${current.source} override active${current.reason ? ` (${current.reason})` : ''}: the program level is kept for its end` };
      }
      if (command.type === 'resume') return this.backToProgram(key, info, undefined);
      return { action: 'send', command };
    }

    if (current !== undefined && PRIORITY[request.source] > PRIORITY[current.source]) {
      return { action: 'refuse', code: 'lower-priority', reason: `a ${current.source} override is active${current.reason ? ` (${current.reason})` : ''}: a ${request.source} command cannot replace it` };
    }

    if (command.type === 'resume') {
      this.overrides.delete(key);
      return this.backToProgram(key, info, undefined);
    }

    let expiresAt = isoMs(request.expiresAt);
    let deviceTimed = false;
    let sent: LightingCommand = command;
    if (command.durationMin !== undefined) {
      const end = now + command.durationMin * 60000;
      expiresAt = expiresAt === undefined ? end : Math.min(expiresAt, end);
      deviceTimed = info.timedOverride;
      if (!info.timedOverride) sent = { type: 'setLevel', level: command.level }; // central expiry
    } else if (expiresAt !== undefined && info.timedOverride) {
      // A device that ends overrides itself gets the duration too: it falls back to its program even if the network fails.
      const minutes = Math.round((expiresAt - now) / 60000);
      if (minutes >= 1 && minutes <= 255) {
        sent = { type: 'setLevel', level: command.level, durationMin: minutes };
        deviceTimed = true;
      }
    }
    if (expiresAt !== undefined && expiresAt <= now) {
      return { action: 'refuse', code: 'expired', reason: 'the override has already expired' };
    }
    const override: Override = {
      level: command.level, source: request.source, requestId: request.id, deviceTimed,
      ...(request.reason !== undefined ? { reason: request.reason } : {}),
      ...(request.requestedBy !== undefined ? { requestedBy: request.requestedBy } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
    this.overrides.set(key, override);
    return { action: 'send', command: sent, override };
  }

  /** Ends the overrides expired at `now`; returns what to do for each (back to program). */
  expire(now: number, infoOf: (key: string) => TargetInfo): Expiry[] {
    const out: Expiry[] = [];
    for (const [key, o] of [...this.overrides]) {
      if (o.expiresAt === undefined || o.expiresAt > now) continue;
      this.overrides.delete(key);
      out.push({ key, override: o, decision: this.backToProgram(key, infoOf(key), o) });
    }
    return out;
  }
}
