/**
 * The controller-agnostic street-lighting model (TALQ / uCIFI inspired, see lighting.md): targets,
 * commands, programs and the state of a light point. Shared by lighting-schedule, lighting-control,
 * the adapters and lorawan-downlink. No Node-RED import.
 */

/** What a command addresses. */
export type LightingTarget =
  /** One controller (and optionally one output: DALI address name, relay channel). */
  | { kind: 'device'; devEui: string; model: string; applicationId?: string; channel?: string }
  /** A logical group (a cabinet's luminaires, a street…): expanded to its members by lighting-control. */
  | { kind: 'group'; group: string }
  /** A ChirpStack multicast group: one downlink for all its members (gRPC only). */
  | { kind: 'multicast'; multicastGroupId: string; members: string[]; model: string };

/** A step of a program: at a clock time or at sunset/sunrise ± offset, the level to set (0 = off: a night cut). */
export interface ProgramStep {
  at: { kind: 'clock'; time: string /* HH:MM, local time Europe/Paris */ } | { kind: 'sunset' | 'sunrise'; offsetMin: number };
  /** 0–100 %. */
  level: number;
}

/** When a program applies: weekdays (1 = Monday … 7 = Sunday), date rules, French public holidays. */
export interface CalendarRule {
  weekdays?: number[];
  /** Inclusive MM-DD ranges, e.g. { from: '04-01', to: '09-30' } (summer). */
  dates?: Array<{ from: string; to: string }>;
  /** true: only on French public holidays; false: never on them; undefined: regardless. */
  publicHolidays?: boolean;
}

export interface LightingProgram {
  id: string;
  name: string;
  steps: ProgramStep[];
  /** The program applies on the days matching any rule (no rules: every day). */
  calendar?: CalendarRule[];
}

export type LightingCommand =
  | { type: 'setLevel'; level: number; durationMin?: number }
  | { type: 'resume' }
  | { type: 'uploadProgram'; program: LightingProgram; latitude: number; longitude: number }
  | { type: 'uploadCalendar'; holidays: string[] /* YYYY-MM-DD */ }
  | { type: 'syncTime'; time: string /* ISO */ }
  | { type: 'requestStatus' };

/** Who asked: the priority order is safety > manual > program. */
export type CommandSource = 'safety' | 'manual' | 'program';

export interface CommandRequest {
  id: string;
  target: LightingTarget;
  command: LightingCommand;
  source: CommandSource;
  /** Why (works, event, night cut…): audit log and dashboard. */
  reason?: string;
  /** Overrides return to program after this ISO time. */
  expiresAt?: string;
  /** Editor or dashboard user, "schedule" for programs. */
  requestedBy?: string;
  requestedAt: string;
}

/** What lighting-control hands to lorawan-downlink (msg.payload). */
export interface DownlinkRequest {
  /** Correlates the queue item, the audit entry and the confirmation. */
  id: string;
  devEui?: string;
  applicationId?: string;
  multicastGroupId?: string;
  fPort: number;
  /** Hex string of the frame (JSON-safe through Node-RED messages and the audit log). */
  dataHex: string;
  confirmed?: boolean;
  /** ChirpStack drops the item after this ISO time (never run a lighting command late). */
  expiresAt?: string;
}

/** The state of one light point, as lighting-control knows it. */
export interface LightPointState {
  devEui: string;
  channel?: string;
  commandedLevel?: number;
  actualLevel?: number;
  source?: CommandSource;
  /** Active override, if any. */
  override?: { level: number; reason?: string; expiresAt?: string; requestedBy?: string };
  confirmed?: boolean;
  lastStatusAt?: string;
  powerW?: number;
  energyWh?: number;
  voltageV?: number;
  faults: string[];
}
