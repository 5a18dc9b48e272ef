/**
 * Confirmation of lighting commands by the next status uplinks. Pure: no Node-RED import, no clock.
 *
 * After a level command is sent, the target is pending. A status Reading of the device (lorawan-decode:
 * NAS `light_level` % per address channel, relays `relay_state` 0/1 per relay channel) confirms it when
 * the actual level equals the commanded one (± `tolerancePct` for dimming; a relay is "on" = 100 %).
 * Readings older than the send are ignored (they tell the state before the command). With no
 * confirmation within `timeoutMs`, the command is retried (`retryMode`: ask for a status, or send the
 * command again) up to `retries` times, then an alert is raised:
 * - `mismatch`: a status came but the level differs (actual known);
 * - `unconfirmed`: no status came at all (the controller is reported as unconfirmed, never assumed on/off).
 * The alert id is stable per target (`lighting-mismatch:<devEui>[:<channel>]`); a later confirmation
 * clears it.
 *
 * Drift (DriftWatch): a target with no pending command whose status differs from the level the supervisor
 * last commanded (a relay stuck on, a manual bypass in the cabinet, a day burner) raises a `drift` alert,
 * once per episode (`lighting-drift:<devEui>[:<channel>]`), cleared by the first status that matches again.
 * The caller says which targets have such a baseline: only those whose level in force is the supervisor's
 * (relay cabinets), not controllers that run their own program (NAS), where a program step is no drift.
 */
import type { Reading } from '../contracts';

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface LightingAlert {
  id: string;
  kind: 'mismatch' | 'unconfirmed' | 'drift';
  severity: AlertSeverity;
  /** French, for city staff (dashboard notification, e-mail). */
  text: string;
  devEui: string;
  channel?: string;
  commanded: number;
  /** undefined when no status came. */
  actual?: number;
  requestId: string;
  attempts: number;
  raisedAt: string;
}

export interface AlertEvent {
  event: 'raised' | 'cleared';
  alert: LightingAlert;
  clearedAt?: string;
}

export interface Expectation {
  /** Target key (devEui:channel). */
  key: string;
  devEui: string;
  /** Output channel; undefined = every output of the quantity (broadcast, all relays). */
  channel?: string;
  requestId: string;
  /** 0–100 %. */
  commanded: number;
  quantity: 'light_level' | 'relay_state';
}

export interface Pending extends Expectation {
  sentAt: number;
  deadline: number;
  attempts: number;
  lastActual?: number;
  lastStatusAt?: number;
}

export interface ConfirmationConfig {
  /** Time to wait for a confirming status after each send (default 20 min: two NAS status intervals of 10 min). */
  timeoutMs?: number;
  /** Retries before the alert (default 2). */
  retries?: number;
  /** Dimming tolerance in percentage points (default 2). */
  tolerancePct?: number;
  /** Grace for network-server vs Node-RED clocks when comparing a Reading's time with the send (default 1 s). */
  clockSkewMs?: number;
}

export type ConfirmationAction =
  | { kind: 'retry'; pending: Pending }
  | { kind: 'alert'; event: AlertEvent; pending: Pending };

export interface Confirmed {
  pending: Pending;
  actual: number;
  cleared?: AlertEvent;
}

export function alertId(devEui: string, channel?: string): string {
  return `lighting-mismatch:${devEui}${channel ? `:${channel}` : ''}`;
}

/**
 * The actual level a Reading tells for a target (every output of the quantity when no channel), compared
 * with `commanded`: `ok` when all are within the tolerance (none for relays: on = 100 %, off = 0 %);
 * otherwise `actual` is the first output that differs. undefined when the Reading does not tell it.
 */
export function compareLevel(
  target: { quantity: 'light_level' | 'relay_state'; channel?: string; commanded: number },
  reading: Reading,
  tolerancePct: number,
): { actual: number; ok: boolean } | undefined {
  const ms = reading.measurements.filter((m) => m.quantity === target.quantity && typeof m.value === 'number');
  let relevant = target.channel === undefined ? ms : ms.filter((m) => m.channel === target.channel);
  // A NAS broadcast command: the status may list each DALI address instead of the broadcast one.
  if (relevant.length === 0 && target.channel === 'dali_broadcast') relevant = ms;
  if (relevant.length === 0) return undefined;
  const relay = target.quantity === 'relay_state';
  const levels = relevant.map((m) => (relay ? (m.value > 0 ? 100 : 0) : m.value));
  const tolerance = relay ? 0 : tolerancePct;
  const commanded = relay ? (target.commanded > 0 ? 100 : 0) : target.commanded;
  const bad = levels.find((l) => Math.abs(l - commanded) > tolerance);
  return bad === undefined ? { actual: levels[0], ok: true } : { actual: bad, ok: false };
}

function describe(channel: string | undefined): string {
  return channel ? ` (sortie ${channel})` : '';
}

export class ConfirmationTracker {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly tolerancePct: number;
  private readonly clockSkewMs: number;
  private readonly pending = new Map<string, Pending>();
  private readonly raised = new Map<string, LightingAlert>();

  constructor(config: ConfirmationConfig = {}) {
    this.timeoutMs = config.timeoutMs ?? 20 * 60000;
    this.retries = config.retries ?? 2;
    this.tolerancePct = config.tolerancePct ?? 2;
    this.clockSkewMs = config.clockSkewMs ?? 1000;
  }

  get size(): number {
    return this.pending.size;
  }

  get alerts(): number {
    return this.raised.size;
  }

  get(key: string): Pending | undefined {
    return this.pending.get(key);
  }

  /** A command for the target was sent at `now`: wait for its confirmation (replaces an older pending one). */
  expect(e: Expectation, now: number): Pending {
    const p: Pending = { ...e, sentAt: now, deadline: now + this.timeoutMs, attempts: 0 };
    this.pending.set(e.key, p);
    return p;
  }

  /** A retry went out at `now`: a new deadline. */
  retried(key: string, now: number): void {
    const p = this.pending.get(key);
    if (p !== undefined) p.deadline = now + this.timeoutMs;
  }

  cancel(key: string): void {
    this.pending.delete(key);
  }

  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const p of this.pending.values()) if (next === undefined || p.deadline < next) next = p.deadline;
    return next;
  }

  /** The actual level of a pending target in a Reading, undefined when the Reading does not tell it. */
  private actualOf(p: Pending, reading: Reading): { actual: number; ok: boolean } | undefined {
    return compareLevel(p, reading, this.tolerancePct);
  }

  /** Whether a mismatch/unconfirmed alert is raised for the target (it already tells the target is wrong). */
  isAlerted(devEui: string, channel?: string): boolean {
    return this.raised.has(alertId(devEui, channel));
  }

  /** A status Reading: the pending targets of its device it confirms. */
  onReading(reading: Reading, now: number): Confirmed[] {
    const at = Number.isFinite(Date.parse(reading.time)) ? Date.parse(reading.time) : now;
    const out: Confirmed[] = [];
    for (const p of [...this.pending.values()]) {
      if (p.devEui !== reading.devEui.toLowerCase()) continue;
      if (at < p.sentAt - this.clockSkewMs) continue; // the state before the command
      const seen = this.actualOf(p, reading);
      if (seen === undefined) continue;
      p.lastActual = seen.actual;
      p.lastStatusAt = at;
      if (!seen.ok) continue; // maybe not applied yet: wait for the deadline
      this.pending.delete(p.key);
      const c: Confirmed = { pending: p, actual: seen.actual };
      const id = alertId(p.devEui, p.channel);
      const alert = this.raised.get(id);
      if (alert !== undefined) {
        this.raised.delete(id);
        c.cleared = { event: 'cleared', alert, clearedAt: new Date(now).toISOString() };
      }
      out.push(c);
    }
    return out;
  }

  /** Deadlines passed at `now`: retries, then alerts. */
  tick(now: number): ConfirmationAction[] {
    const out: ConfirmationAction[] = [];
    for (const p of [...this.pending.values()]) {
      if (p.deadline > now) continue;
      if (p.attempts < this.retries) {
        p.attempts++;
        p.deadline = now + this.timeoutMs;
        out.push({ kind: 'retry', pending: p });
        continue;
      }
      this.pending.delete(p.key);
      const alert = this.alertFor(p, now);
      this.raised.set(alert.id, alert);
      out.push({ kind: 'alert', event: { event: 'raised', alert }, pending: p });
    }
    return out;
  }

  private alertFor(p: Pending, now: number): LightingAlert {
    const tries = p.attempts + 1;
    const base = { id: alertId(p.devEui, p.channel), devEui: p.devEui, commanded: p.commanded, requestId: p.requestId, attempts: p.attempts, raisedAt: new Date(now).toISOString(), ...(p.channel ? { channel: p.channel } : {}) };
    if (p.lastActual === undefined) {
      return {
        ...base, kind: 'unconfirmed', severity: 'warning',
        text: `Commande non confirmée : le point lumineux ${p.devEui}${describe(p.channel)} n'a envoyé aucun état après ${tries} envoi(s) ; niveau demandé ${p.commanded} %, état réel inconnu.`,
      };
    }
    const onOff = (p.commanded === 0) !== (p.lastActual === 0);
    return {
      ...base, kind: 'mismatch', actual: p.lastActual, severity: onOff ? 'critical' : 'warning',
      text: `Écart de commande : le point lumineux ${p.devEui}${describe(p.channel)} est à ${p.lastActual} % au lieu de ${p.commanded} % demandés, après ${tries} envoi(s).`,
    };
  }
}

/** The level the supervisor last commanded for a target: what its statuses should show when no command is pending. */
export interface Baseline {
  /** Target key (devEui:channel). */
  key: string;
  devEui: string;
  /** Output channel; undefined = every output of the quantity. */
  channel?: string;
  quantity: 'light_level' | 'relay_state';
  /** 0–100 %. */
  level: number;
  /** The request that set it (alert and audit). */
  requestId: string;
  /** ms: statuses older than this tell the state before the command. */
  since: number;
}

export function driftAlertId(devEui: string, channel?: string): string {
  return `lighting-drift:${devEui}${channel ? `:${channel}` : ''}`;
}

export class DriftWatch {
  private readonly baselines = new Map<string, Baseline>();
  private readonly raised = new Map<string, LightingAlert>(); // target key → open episode

  constructor(readonly tolerancePct = 2, private readonly clockSkewMs = 1000) {}

  get alerts(): number {
    return this.raised.size;
  }

  baseline(key: string): Baseline | undefined {
    return this.baselines.get(key);
  }

  isRaised(key: string): boolean {
    return this.raised.has(key);
  }

  /** A new level commanded for the target (an open episode stays open until a status matches the new level). */
  set(b: Baseline): void {
    this.baselines.set(b.key, { ...b, devEui: b.devEui.toLowerCase() });
  }

  /** The target no longer has a level in force from the supervisor: its open episode, if any, is cleared. */
  remove(key: string, now: number): AlertEvent | undefined {
    this.baselines.delete(key);
    const alert = this.raised.get(key);
    if (alert === undefined) return undefined;
    this.raised.delete(key);
    return { event: 'cleared', alert, clearedAt: new Date(now).toISOString() };
  }

  /**
   * A status Reading: drift raised (first differing status of an episode) or cleared (first matching one)
   * for the device's targets. `busy(key)` skips a target whose state another check owns (a pending
   * command, a raised mismatch alert).
   */
  onReading(reading: Reading, now: number, busy: (b: Baseline) => boolean = () => false): AlertEvent[] {
    const devEui = reading.devEui.toLowerCase();
    const at = Number.isFinite(Date.parse(reading.time)) ? Date.parse(reading.time) : now;
    const out: AlertEvent[] = [];
    for (const b of this.baselines.values()) {
      if (b.devEui !== devEui || at < b.since - this.clockSkewMs || busy(b)) continue;
      const seen = compareLevel({ quantity: b.quantity, channel: b.channel, commanded: b.level }, reading, this.tolerancePct);
      if (seen === undefined) continue;
      const open = this.raised.get(b.key);
      if (seen.ok && open !== undefined) {
        this.raised.delete(b.key);
        out.push({ event: 'cleared', alert: open, clearedAt: new Date(now).toISOString() });
      } else if (!seen.ok && open === undefined) {
        const alert = driftAlert(b, seen.actual, now);
        this.raised.set(b.key, alert);
        out.push({ event: 'raised', alert });
      }
    }
    return out;
  }
}

function driftAlert(b: Baseline, actual: number, now: number): LightingAlert {
  const commandedOn = b.level > 0;
  const actualOn = actual > 0;
  const where = `${b.devEui}${describe(b.channel)}`;
  const levels = `à ${actual} % au lieu de ${b.level} %`;
  const text = commandedOn === actualOn
    ? `Niveau d'éclairage différent de la commande : le point lumineux ${where} est ${levels} commandés (écart constaté sur l'état remonté, sans commande en cours).`
    : commandedOn
      ? `Point lumineux éteint alors que la commande est l'allumage : ${where} est ${levels} (écart constaté sur l'état remonté, sans commande en cours).`
      : `Point lumineux allumé alors que la commande est l'extinction : ${where} est ${levels} (écart constaté sur l'état remonté, sans commande en cours).`;
  return {
    id: driftAlertId(b.devEui, b.channel), kind: 'drift', severity: commandedOn === actualOn ? 'warning' : 'critical', text,
    devEui: b.devEui, ...(b.channel ? { channel: b.channel } : {}), commanded: b.level, actual,
    requestId: b.requestId, attempts: 0, raisedAt: new Date(now).toISOString(),
  };
}
