/**
 * `lighting-control`: street-lighting commands → downlinks for lorawan-downlink, with overrides and
 * priorities (safety > manual > program), a duty-cycle budget per gateway (EU868 RX2: 10 % = 360 s per
 * hour), multicast first, coalescing, confirmation by the next status uplink, mismatch alerts, drift
 * alerts (a relay cabinet's status differs from the level in force with no command pending) and an
 * append-only audit log. A thin Node-RED shell over nodes/lib/lighting (adapters, budget, overrides,
 * confirmation, audit).
 *
 * Input: a CommandRequest (msg.payload {target, command, source?, reason?, expiresAt?, durationMin?,
 * requestedBy?}; a Dashboard 2.0 user in msg._client.user becomes requestedBy), a status Reading of
 * lorawan-decode (msg.payload with devEui and measurements; the gateway in msg.gatewayId or
 * payload.radio.gatewayId when known), or msg.topic "audit" (payload: how many last entries).
 * Output 1: DownlinkRequest messages (msg.payload) at their planned times. Output 2: events
 * (msg.topic "state" LightPointState, "alert" {event, alert}, "audit" AuditEntry or a list).
 */
import os from 'node:os';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Reading } from '../lib/contracts';
import type { CommandRequest, CommandSource, DownlinkRequest, LightingCommand, LightingTarget, LightPointState } from '../lib/lighting/model';
import { adapt, AdapterCapabilities, capabilitiesOfModel } from '../lib/lighting/adapters';
import { coalescingKey, DownlinkPlanner, MulticastGroupConfig, PlanItem, PlannedSend } from '../lib/lighting/budget';
import { Decision, OverrideManager } from '../lib/lighting/overrides';
import { AlertEvent, ConfirmationTracker, DriftWatch, Pending } from '../lib/lighting/confirmation';
import { AuditEntry, AuditLog, AuditResult, DEFAULT_AUDIT_FILE, readLastEntries } from '../lib/lighting/audit';
import { compactCount, Translate, translator } from '../lib/i18n';
import enUS = require('./locales/en-US/lighting-control.json');

interface Member {
  devEui: string;
  model: string;
  channel?: string;
  applicationId?: string;
}

interface LightingControlDef extends NodeDef {
  groups?: string;
  multicastGroups?: string;
  timeoutMin?: number | string;
  retries?: number | string;
  retryMode?: string;
  tolerancePct?: number | string;
  dutyCyclePct?: number | string;
  dataRate?: number | string;
  defaultGateway?: string;
  minMulticast?: number | string;
  downlinkTtlMin?: number | string;
  audit?: boolean;
  auditFile?: string;
}

interface DeviceEntry {
  target: Extract<LightingTarget, { kind: 'device' }>;
  caps: AdapterCapabilities;
  key: string;
}

const STATUS_INTERVAL_MS = 500;
const SOURCES: CommandSource[] = ['safety', 'manual', 'program'];

function num(value: unknown, dflt: number, min: number, max: number): number {
  const text = String(value ?? '').trim();
  const n = text === '' ? dflt : Number(text);
  return Number.isFinite(n) && n >= min && n <= max ? n : dflt;
}

function isReading(p: unknown): p is Reading {
  return p !== null && typeof p === 'object' && typeof (p as Reading).devEui === 'string' && Array.isArray((p as Reading).measurements);
}

/** The Dashboard 2.0 user of msg._client, when auth is on. */
function dashboardUser(msg: NodeMessageInFlow): string | undefined {
  const user = (msg as NodeMessageInFlow & { _client?: { user?: unknown } })._client?.user;
  if (typeof user === 'string' && user !== '') return user;
  if (user !== null && typeof user === 'object') {
    const u = user as Record<string, unknown>;
    for (const k of ['name', 'username', 'email', 'userId']) if (typeof u[k] === 'string' && u[k] !== '') return u[k] as string;
  }
  return undefined;
}

/** What a dashboard message says about its sender: absent when the message did not come from the dashboard. */
function dashboardClient(msg: NodeMessageInFlow): { username?: string; role?: string } | undefined {
  const client = (msg as NodeMessageInFlow & { _client?: unknown })._client;
  if (client === undefined || client === null) return undefined;
  const user = typeof client === 'object' ? (client as { user?: unknown }).user : undefined;
  if (user === null || typeof user !== 'object') return {};
  const { username, role } = user as Record<string, unknown>;
  return { ...(typeof username === 'string' ? { username } : {}), ...(typeof role === 'string' ? { role } : {}) };
}

/** The audit log's target of a request: devEui[:channel], group name or multicast group. */
function targetLabel(target: unknown): string {
  const t = target as Partial<{ kind: string; devEui: string; channel: string; group: string; multicastGroupId: string }> | undefined;
  if (t?.kind === 'device' && typeof t.devEui === 'string') return targetKey(t.devEui.toLowerCase(), t.channel).replace(/:$/, '');
  if (t?.kind === 'group' && typeof t.group === 'string') return t.group;
  if (t?.kind === 'multicast' && typeof t.multicastGroupId === 'string') return t.multicastGroupId;
  return '?';
}

function targetKey(devEui: string, channel: string | undefined): string {
  return `${devEui}:${channel ?? ''}`;
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function LightingControlNode(this: Node, config: LightingControlDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let closed = false;

    // --- configuration
    const groups = new Map<string, Member[]>();
    const multicast: MulticastGroupConfig[] = [];
    try {
      const g = String(config.groups ?? '').trim();
      if (g !== '') {
        const parsed = JSON.parse(g) as Record<string, Array<Member | string>>;
        for (const [name, members] of Object.entries(parsed)) {
          groups.set(name, members.map((m) => {
            if (typeof m === 'string') {
              const [devEui, model, channel] = m.split(':');
              return { devEui: devEui.toLowerCase(), model, ...(channel ? { channel } : {}) };
            }
            return { ...m, devEui: m.devEui.toLowerCase() };
          }));
        }
      }
      const mc = String(config.multicastGroups ?? '').trim();
      if (mc !== '') {
        for (const m of JSON.parse(mc) as Array<{ group: string; multicastGroupId: string; model: string; dr?: number }>) {
          const members = groups.get(m.group);
          if (members === undefined) throw new Error(t('lighting-control.errors.multicast-group', { group: m.group }));
          multicast.push({ multicastGroupId: m.multicastGroupId, model: m.model, members: members.map((x) => x.devEui), ...(m.dr !== undefined ? { dr: m.dr } : {}) });
        }
      }
    } catch (err) {
      node.error(t('lighting-control.errors.config', { detail: (err as Error).message }));
      node.status({ fill: 'red', shape: 'ring', text: t('lighting-control.status.config') });
      return;
    }
    const defaultGateway = String(config.defaultGateway ?? '').trim() || 'default';
    const ttlMs = num(config.downlinkTtlMin, 10, 0, 1440) * 60000;
    const planner = new DownlinkPlanner({
      dutyCycle: num(config.dutyCyclePct, 10, 0.01, 100) / 100,
      dr: num(config.dataRate, 0, 0, 6),
      minMulticastMembers: num(config.minMulticast, 2, 1, 10000),
      multicastGroups: multicast,
    });
    const confirmations = new ConfirmationTracker({
      timeoutMs: num(config.timeoutMin, 20, 0.05, 1440) * 60000,
      retries: num(config.retries, 2, 0, 10),
      tolerancePct: num(config.tolerancePct, 2, 0, 50),
    });
    const drift = new DriftWatch(confirmations.tolerancePct);
    const retryMode = config.retryMode === 'resend' ? 'resend' : 'requestStatus';
    const overrides = new OverrideManager();
    // With dashboard logins (settings.ts), a command from the dashboard needs the operator role.
    const dashboardAuth = (RED.settings as unknown as { supervisorDashboardAuth?: unknown }).supervisorDashboardAuth === true;

    let audit: AuditLog | undefined;
    let auditFile: string | undefined;
    if (config.audit !== false) {
      const userDir = (RED.settings as unknown as { userDir?: string }).userDir || path.join(os.homedir(), '.node-red');
      const configured = String(config.auditFile ?? '').trim() || DEFAULT_AUDIT_FILE;
      auditFile = path.isAbsolute(configured) ? configured : path.join(userDir, configured);
      try {
        audit = new AuditLog(auditFile, 100, (err) => node.error(t('lighting-control.errors.audit', { file: auditFile as string, detail: err.message })));
      } catch (err) {
        node.error(t('lighting-control.errors.audit', { file: auditFile, detail: (err as Error).message }));
      }
    }

    // --- state
    const gateways = new Map<string, string>(); // devEui → best gateway of its last uplink
    const devices = new Map<string, DeviceEntry>(); // target key → device
    const states = new Map<string, LightPointState>();
    const lastRequest = new Map<string, CommandRequest>(); // target key → last level request sent (retries)
    let mismatches = 0;
    let timer: NodeJS.Timeout | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let seq = 0;

    function events(msgs: NodeMessage[]): void {
      if (msgs.length > 0 && !closed) node.send([null, msgs]);
    }

    function auditEntry(request: CommandRequest, target: string, result: AuditResult, extra: Partial<AuditEntry> = {}): NodeMessage {
      const { type, ...params } = request.command as LightingCommand & Record<string, unknown>;
      if ('program' in params) params.program = (params.program as { id?: string }).id;
      const entry: AuditEntry = {
        time: new Date().toISOString(), requestId: request.id, target, command: type, result,
        ...(Object.keys(params).length > 0 ? { params } : {}),
        ...(request.requestedBy !== undefined ? { requestedBy: request.requestedBy } : {}),
        source: request.source,
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
        ...extra,
      };
      audit?.append(entry);
      return { topic: 'audit', payload: entry };
    }

    function stateOf(key: string, devEui: string, channel: string | undefined): LightPointState {
      let s = states.get(key);
      if (s === undefined) {
        s = { devEui, ...(channel ? { channel } : {}), faults: [] };
        states.set(key, s);
      }
      return s;
    }

    function stateMsg(key: string): NodeMessage {
      const s = states.get(key) as LightPointState;
      const o = overrides.active(key, Date.now());
      if (o) s.override = { level: o.level, ...(o.reason ? { reason: o.reason } : {}), ...(o.expiresAt ? { expiresAt: new Date(o.expiresAt).toISOString() } : {}), ...(o.requestedBy ? { requestedBy: o.requestedBy } : {}) };
      else delete s.override;
      return { topic: 'state', payload: { ...s, faults: [...s.faults] } };
    }

    function showStatus(): void {
      statusTimer = undefined;
      if (closed) return;
      const pending = planner.size + confirmations.size;
      const text = t('lighting-control.status.summary', { pending: compactCount(pending), overrides: compactCount(overrides.all(Date.now()).size), mismatch: compactCount(mismatches) });
      node.status({ fill: mismatches > 0 ? 'yellow' : 'green', shape: pending > 0 ? 'ring' : 'dot', text });
    }

    function statusChanged(): void {
      if (statusTimer === undefined && !closed) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    /** Queues the frames of a (device) request after the override decision. */
    function enqueue(entry: DeviceEntry, request: CommandRequest, command: LightingCommand, out: NodeMessage[]): void {
      const sent: CommandRequest = { ...request, command, target: entry.target };
      const adapted = adapt(sent);
      for (const w of adapted.warnings) node.warn(w);
      const devEui = entry.target.devEui;
      const item: PlanItem = {
        key: coalescingKey({ devEui, channel: entry.target.channel }, command.type),
        requestId: request.id, source: request.source, requestedAt: Date.parse(request.requestedAt) || Date.now(),
        model: entry.target.model, devEuis: [devEui], gateways: [gateways.get(devEui) ?? defaultGateway], frames: adapted.downlinks,
      };
      const older = planner.enqueue(item);
      if (older !== undefined) out.push(auditEntry({ ...sent, id: older.requestId }, entry.key, 'coalesced', { detail: t('lighting-control.audit.coalesced', { id: request.id }) }));
      if (command.type === 'setLevel' || command.type === 'resume') lastRequest.set(entry.key, sent);
      out.push(auditEntry(sent, entry.key, 'queued', { frames: adapted.downlinks.map((d) => ({ id: d.id, fPort: d.fPort, dataHex: d.dataHex })) }));
    }

    function handleDecision(entry: DeviceEntry, request: CommandRequest, decision: Decision, out: NodeMessage[]): void {
      const s = stateOf(entry.key, entry.target.devEui, entry.target.channel);
      if (decision.action === 'send') {
        if (decision.command.type === 'setLevel') {
          s.commandedLevel = decision.command.level;
          s.source = decision.endsOverride ? 'program' : request.source;
          s.confirmed = false;
        } else if (decision.command.type === 'resume') {
          s.source = 'program';
          const level = overrides.programLevel(entry.key);
          if (level !== undefined) s.commandedLevel = level;
        }
        enqueue(entry, request, decision.command, out);
      } else {
        if (decision.code === 'device-resumes') {
          s.source = 'program';
          const level = overrides.programLevel(entry.key);
          if (level !== undefined) s.commandedLevel = level;
        }
        out.push(auditEntry(request, entry.key, decision.action === 'refuse' ? 'refused' : 'held', { detail: decision.reason }));
      }
      out.push(stateMsg(entry.key));
    }

    function deviceEntries(target: LightingTarget): DeviceEntry[] {
      if (target.kind === 'device') {
        return [{ target: { ...target, devEui: target.devEui.toLowerCase() }, caps: capabilitiesOfModel(target.model) as AdapterCapabilities, key: targetKey(target.devEui.toLowerCase(), target.channel) }];
      }
      let members: Member[];
      if (target.kind === 'group') {
        const found = groups.get(target.group);
        if (found === undefined) throw new Error(t('lighting-control.errors.unknown-group', { group: target.group }));
        members = found;
      } else {
        if (!multicast.some((m) => m.multicastGroupId === target.multicastGroupId)) {
          multicast.push({ multicastGroupId: target.multicastGroupId, model: target.model, members: target.members.map((d) => d.toLowerCase()) });
          planner.setMulticastGroups(multicast);
        }
        members = target.members.map((devEui) => ({ devEui: devEui.toLowerCase(), model: target.model }));
      }
      return members.map((m) => ({
        target: { kind: 'device', devEui: m.devEui, model: m.model, ...(m.channel ? { channel: m.channel } : {}), ...(m.applicationId ? { applicationId: m.applicationId } : {}) },
        caps: capabilitiesOfModel(m.model) as AdapterCapabilities,
        key: targetKey(m.devEui, m.channel),
      }));
    }

    /** Normalises msg.payload into a CommandRequest; throws with a clear message. */
    function requestOf(msg: NodeMessageInFlow): CommandRequest {
      const p = msg.payload as Partial<CommandRequest> & { durationMin?: number };
      if (p.target === undefined || p.command === undefined || typeof p.command !== 'object') throw new Error(t('lighting-control.errors.not-request'));
      const command = { ...p.command } as LightingCommand;
      if (command.type === 'setLevel' && p.durationMin !== undefined && command.durationMin === undefined) command.durationMin = p.durationMin;
      const requestedBy = dashboardUser(msg) ?? p.requestedBy;
      const source: CommandSource = p.source !== undefined ? p.source : requestedBy === 'schedule' ? 'program' : 'manual';
      if (!SOURCES.includes(source)) throw new Error(t('lighting-control.errors.source', { source: String(source) }));
      return {
        id: p.id ?? `lc-${Date.now().toString(36)}-${(seq++).toString(36)}`,
        target: p.target, command, source,
        ...(p.reason !== undefined ? { reason: p.reason } : {}),
        ...(p.expiresAt !== undefined ? { expiresAt: p.expiresAt } : {}),
        ...(requestedBy !== undefined ? { requestedBy } : {}),
        requestedAt: p.requestedAt ?? new Date().toISOString(),
      };
    }

    /** Refuses (audited, then thrown) a dashboard command from a user who is not an operator. */
    function checkRole(msg: NodeMessageInFlow): void {
      if (!dashboardAuth) return;
      const client = dashboardClient(msg);
      if (client === undefined || client.role === 'operator') return;
      const user = client.username ?? t('lighting-control.audit.unknown-user');
      const role = client.role ?? t('lighting-control.audit.no-role');
      const detail = t('lighting-control.errors.forbidden', { user, role });
      let request: CommandRequest | undefined;
      try {
        request = requestOf(msg);
      } catch {
        request = undefined;
      }
      const out: NodeMessage[] = [];
      if (request !== undefined) {
        out.push(auditEntry(request, targetLabel(request.target), 'refused', { detail }));
      } else {
        // Not even a valid command: still audited, with what can be read of it.
        const p = (msg.payload !== null && typeof msg.payload === 'object' ? msg.payload : {}) as Partial<CommandRequest>;
        const entry: AuditEntry = {
          time: new Date().toISOString(), requestId: typeof p.id === 'string' ? p.id : `lc-${Date.now().toString(36)}-${(seq++).toString(36)}`,
          requestedBy: user, source: 'manual', target: targetLabel(p.target), command: String((p.command as { type?: unknown } | undefined)?.type ?? '?'),
          result: 'refused', detail,
        };
        audit?.append(entry);
        out.push({ topic: 'audit', payload: entry });
      }
      events(out);
      throw new Error(detail);
    }

    function handleRequest(msg: NodeMessageInFlow): void {
      checkRole(msg);
      const request = requestOf(msg);
      const entries = deviceEntries(request.target);
      const now = Date.now();
      const out: NodeMessage[] = [];
      for (const entry of entries) {
        if (entry.caps === undefined) throw new Error(t('lighting-control.errors.unknown-model', { model: entry.target.model, device: entry.target.devEui }));
        devices.set(entry.key, entry);
        try {
          handleDecision(entry, request, overrides.apply(entry.key, request, entry.caps, now), out);
        } catch (err) {
          out.push(auditEntry(request, entry.key, 'refused', { detail: (err as Error).message }));
          events(out);
          throw err;
        }
      }
      events(out);
      pump();
    }

    function handleReading(msg: NodeMessageInFlow): void {
      const reading = msg.payload as Reading;
      const devEui = reading.devEui.toLowerCase();
      const gw = (msg as NodeMessageInFlow & { gatewayId?: unknown }).gatewayId ?? (reading.radio as unknown as { gatewayId?: unknown } | undefined)?.gatewayId;
      if (typeof gw === 'string' && gw !== '') gateways.set(devEui, gw);
      const now = Date.now();
      const out: NodeMessage[] = [];
      const confirmed = confirmations.onReading({ ...reading, devEui }, now);
      for (const c of confirmed) {
        const s = stateOf(c.pending.key, devEui, c.pending.channel);
        s.actualLevel = c.actual;
        s.confirmed = true;
        const request = lastRequest.get(c.pending.key);
        if (request) out.push(auditEntry({ ...request, id: c.pending.requestId }, c.pending.key, 'confirmed', { detail: `${c.actual} %` }));
        if (c.cleared) {
          mismatches = Math.max(0, mismatches - 1);
          out.push({ topic: 'alert', payload: c.cleared });
        }
      }
      // Drift: statuses of targets with no pending command and no open mismatch alert, against the level in force.
      const drifts = drift.onReading({ ...reading, devEui }, now, (b) => confirmations.get(b.key) !== undefined || confirmations.isAlerted(b.devEui, b.channel));
      for (const e of drifts) driftEvent(e, out);
      // The other measurements of the device's light points.
      for (const [key, s] of states) {
        if (s.devEui !== devEui) continue;
        const entry = devices.get(key);
        const quantity = entry?.caps.statusQuantity ?? 'light_level';
        const m = reading.measurements.find((x) => x.quantity === quantity && (s.channel === undefined || x.channel === s.channel))
          ?? reading.measurements.find((x) => x.quantity === quantity);
        if (m !== undefined) s.actualLevel = quantity === 'relay_state' ? (m.value > 0 ? 100 : 0) : m.value;
        const power = reading.measurements.find((x) => x.quantity === 'active_power');
        if (power) s.powerW = power.value;
        const energy = reading.measurements.find((x) => x.quantity === 'active_energy');
        if (energy) s.energyWh = energy.value;
        const voltage = reading.measurements.find((x) => x.quantity === 'voltage');
        if (voltage) s.voltageV = voltage.value;
        if (reading.status?.alarms !== undefined) s.faults = [...reading.status.alarms];
        if (drift.isRaised(key) && !s.faults.includes('drift')) s.faults.push('drift');
        else if (!drift.isRaised(key) && s.faults.includes('drift')) s.faults = s.faults.filter((f) => f !== 'drift');
        // A light on while commanded off in daytime is a day burner.
        if (s.commandedLevel === 0 && (s.actualLevel ?? 0) > 0 && s.confirmed !== false && !s.faults.includes('dayBurner')) s.faults.push('dayBurner');
        s.lastStatusAt = reading.time;
        out.push(stateMsg(key));
      }
      events(out);
      pump();
    }

    function retry(p: Pending, out: NodeMessage[]): void {
      const entry = devices.get(p.key);
      const request = lastRequest.get(p.key);
      if (entry === undefined || request === undefined) return;
      const command: LightingCommand = retryMode === 'resend' ? request.command : { type: 'requestStatus' };
      const retryRequest: CommandRequest = { ...request, id: `${p.requestId}~retry${p.attempts}`, command };
      const adapted = adapt({ ...retryRequest, target: entry.target });
      planner.enqueue({
        key: coalescingKey({ devEui: entry.target.devEui, channel: entry.target.channel }, command.type === 'requestStatus' ? 'retryStatus' : command.type),
        requestId: retryRequest.id, source: request.source, requestedAt: Date.now(), model: entry.target.model,
        devEuis: [entry.target.devEui], gateways: [gateways.get(entry.target.devEui) ?? defaultGateway], frames: adapted.downlinks,
      });
      out.push(auditEntry(retryRequest, p.key, 'retried', { detail: t('lighting-control.audit.retry', { n: p.attempts, of: confirmations.retries }), frames: adapted.downlinks.map((d) => ({ id: d.id, fPort: d.fPort, dataHex: d.dataHex })) }));
    }

    function alert(e: AlertEvent, p: Pending, out: NodeMessage[]): void {
      mismatches++;
      const key = p.key;
      const s = stateOf(key, e.alert.devEui, e.alert.channel);
      s.confirmed = false;
      if (e.alert.actual !== undefined) s.actualLevel = e.alert.actual;
      const request = lastRequest.get(key);
      out.push({ topic: 'alert', payload: e });
      if (request) out.push(auditEntry({ ...request, id: e.alert.requestId }, key, e.alert.kind === 'mismatch' ? 'mismatch' : 'unconfirmed', { detail: e.alert.text }));
      out.push(stateMsg(key));
    }

    /** A drift episode raised or cleared: the alert, its audit entry (the request that set the level in force). */
    function driftEvent(e: AlertEvent, out: NodeMessage[]): void {
      const a = e.alert;
      const key = targetKey(a.devEui, a.channel);
      mismatches = e.event === 'raised' ? mismatches + 1 : Math.max(0, mismatches - 1);
      out.push({ topic: 'alert', payload: e });
      const request = lastRequest.get(key);
      const detail = e.event === 'raised' ? a.text : t('lighting-control.audit.drift-cleared', { commanded: a.commanded });
      if (request) {
        out.push(auditEntry({ ...request, id: a.requestId }, key, e.event === 'raised' ? 'drift' : 'drift-cleared', { detail }));
      } else {
        const entry: AuditEntry = { time: new Date().toISOString(), requestId: a.requestId, target: key, command: 'setLevel', params: { level: a.commanded }, result: e.event === 'raised' ? 'drift' : 'drift-cleared', detail };
        audit?.append(entry);
        out.push({ topic: 'audit', payload: entry });
      }
    }

    function emitSend(send: PlannedSend, now: number, out: NodeMessage[]): NodeMessage {
      const downlink: DownlinkRequest = { ...send.downlink, ...(ttlMs > 0 ? { expiresAt: new Date(now + ttlMs).toISOString() } : {}) };
      planner.commit(send, now);
      for (const item of send.items) {
        for (const devEui of item.devEuis) {
          const key = item.key.slice(0, item.key.indexOf('/'));
          const entry = devices.get(key);
          const request = lastRequest.get(key);
          if (entry === undefined) continue;
          if (request !== undefined && request.id === item.requestId && request.command.type === 'setLevel') {
            const channel = entry.target.channel ?? (entry.caps.statusQuantity === 'light_level' ? 'dali_broadcast' : undefined);
            confirmations.expect({ key, devEui, channel, requestId: item.requestId, commanded: request.command.level, quantity: entry.caps.statusQuantity }, now);
            // Drift is watched only where the level in force is the supervisor's (relay cabinets): a
            // controller running its own program (NAS) changes level at its program steps.
            if (!entry.caps.deviceSchedule) drift.set({ key, devEui, channel, quantity: entry.caps.statusQuantity, level: request.command.level, requestId: item.requestId, since: now });
          } else if (item.requestId.includes('~retry')) {
            confirmations.retried(key, now);
          }
          if (request !== undefined && request.id === item.requestId) {
            out.push(auditEntry(request, key, 'sent', { frames: [{ id: downlink.id, fPort: downlink.fPort, dataHex: downlink.dataHex }], ...(send.multicast ? { detail: `multicast ${downlink.multicastGroupId}` } : {}) }));
          }
        }
      }
      return { topic: downlink.devEui ?? downlink.multicastGroupId, payload: downlink };
    }

    /** Sends what is due, handles expiries and confirmation deadlines, and arms the timer for the next thing to do. */
    function pump(): void {
      if (closed) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const now = Date.now();
      const out: NodeMessage[] = [];
      for (const expiry of overrides.expire(now, (key) => devices.get(key)?.caps ?? { deviceSchedule: false, timedOverride: false })) {
        const entry = devices.get(expiry.key);
        if (entry === undefined) continue;
        const request: CommandRequest = {
          id: `${expiry.override.requestId}-end`, target: entry.target, command: { type: 'resume' }, source: 'program',
          reason: t('lighting-control.audit.expired'), requestedBy: 'lighting-control', requestedAt: new Date(now).toISOString(),
        };
        if (expiry.decision.action === 'send') {
          out.push(auditEntry(request, expiry.key, 'resumed'));
          handleDecision(entry, request, expiry.decision, out);
        } else {
          out.push(auditEntry(request, expiry.key, 'resumed', { detail: expiry.decision.reason }));
          const s = stateOf(expiry.key, entry.target.devEui, entry.target.channel);
          s.source = 'program';
          const level = overrides.programLevel(expiry.key);
          if (level !== undefined) s.commandedLevel = level;
          out.push(stateMsg(expiry.key));
        }
      }
      for (const action of confirmations.tick(now)) {
        if (action.kind === 'retry') retry(action.pending, out);
        else alert(action.event, action.pending, out);
      }
      const plan = planner.plan(now);
      for (const item of plan.expired) {
        planner.drop(item.key);
        const request = lastRequest.get(item.key.slice(0, item.key.indexOf('/')));
        if (request) out.push(auditEntry({ ...request, id: item.requestId }, item.key, 'expired'));
      }
      const downlinks: NodeMessage[] = [];
      for (const send of plan.sends) if (send.at <= now) downlinks.push(emitSend(send, now, out));
      if (downlinks.length > 0) node.send([downlinks, null]);
      events(out);
      const next = [plan.sends.find((s) => s.at > now)?.at, overrides.nextExpiry(), confirmations.nextDeadline(), plan.waiting.length > 0 ? now + 60000 : undefined]
        .filter((x): x is number => x !== undefined);
      if (next.length > 0) timer = setTimeout(() => {
        try {
          pump();
        } catch (err) {
          node.error(t('lighting-control.errors.internal', { detail: (err as Error).message }));
        }
      }, Math.max(0, Math.min(...next) - now));
      statusChanged();
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage | Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      try {
        if (msg.topic === 'audit') {
          const n = typeof msg.payload === 'number' ? msg.payload : 50;
          send([null, { ...msg, payload: auditFile ? (audit?.flush(), readLastEntries(auditFile, n)) : [] }]);
          done();
          return;
        }
        if (isReading(msg.payload)) handleReading(msg);
        else handleRequest(msg);
        done();
      } catch (err) {
        node.status({ fill: 'red', shape: 'ring', text: t('lighting-control.status.error') });
        statusChanged();
        const error = new Error((err as Error).message);
        error.name = 'lighting-control';
        done(error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      timer = undefined;
      statusTimer = undefined;
      try {
        audit?.close();
      } catch (err) {
        node.error(t('lighting-control.errors.audit', { file: auditFile ?? '', detail: (err as Error).message }));
      }
      node.status({});
      done();
    });

    showStatus();
  }

  RED.nodes.registerType('lighting-control', LightingControlNode);
};
