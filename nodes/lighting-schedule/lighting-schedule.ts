/**
 * `lighting-schedule`: runs lighting programs (`lighting-program` config nodes, in priority order) for
 * a list of controllers (editor list, or a `reference-source` table such as lighting-cabinets.csv).
 *
 * Output 1: CommandRequests (nodes/lib/lighting/model.ts; source 'program', requestedBy 'schedule')
 * for lighting-control, msg.topic = devEui.
 * - Central models (cabinet relays): a setLevel at each step time. One timer to the next change
 *   (recomputed from the compiled timeline at each wake, capped at 6 h; never a per-second poll), so
 *   DST nights are right: the times come from the timeline, never from "+24 h". At start, the level in
 *   force is sent once (a restart at 23:10 puts the relays right).
 * - Device-resident models (NAS UL20xx): uploadProgram (the program in force today, clock steps in the
 *   device's time base), uploadCalendar (the next public holidays within the device limit) and syncTime,
 *   once at deploy and again when the program, its season, the holidays or (UTC device clock) the UTC
 *   offset change; re-evaluated at each local midnight and DST switch. What was sent is kept in the
 *   node context, so a restart with the same program does not upload again (msg.topic 'upload' forces).
 * Output 2: on msg.topic 'status' (or payload 'now') the levels in force, the next change and
 * tonight's timeline per target (dashboard). msg.topic 'programs' with a program or a list replaces the
 * programs at runtime (re-upload where it changed).
 */
import { randomUUID } from 'node:crypto';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { capabilitiesOf, deviceProgram, LightingCapabilities, nasFrames } from '../lib/lighting/capabilities';
import { addDays, localDate, localParts, localToUtc, programFor, utcOffsetMin } from '../lib/lighting/calendar';
import { ScheduleTarget, targetsFromCabinetRows, targetsFromList } from '../lib/lighting/cabinets';
import { frenchHolidays } from '../lib/lighting/holidays';
import type { CommandRequest, LightingCommand, LightingProgram } from '../lib/lighting/model';
import { checkProgram, compileTimeline, entryAt, nextChange, TimelineEntry } from '../lib/lighting/schedule';
import type { ReferenceSourceApi, ReferenceTable } from '../lib/reference/types';
import enUS = require('./locales/en-US/lighting-schedule.json');
import { compactCount, Translate, translator } from '../lib/i18n';

interface LightingScheduleDef extends NodeDef {
  program?: string;
  program2?: string;
  program3?: string;
  targets?: Array<Record<string, unknown>>;
  cabinets?: string;
  sendOnStart?: boolean;
}

interface ProgramNode extends Node {
  program(): LightingProgram;
  priority: number;
  problem?: string;
}

type Send = (msg: NodeMessage | Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;
type Msg = NodeMessageInFlow & Record<string, unknown>;

const MAX_SLEEP_MS = 6 * 3600000;
const EARLY_MS = 500;
const STATUS_INTERVAL_MS = 500;

interface Running {
  target: ScheduleTarget;
  caps: LightingCapabilities;
  timeline: TimelineEntry[];
}

function hhmm(epochMs: number): string {
  const p = localParts(epochMs);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/** The next instant after `now` (within 36 h) where the Paris UTC offset changes, to the second. */
function nextOffsetChange(now: number): number | undefined {
  const horizon = now + 36 * 3600000;
  const start = utcOffsetMin(now);
  if (utcOffsetMin(horizon) === start) return undefined;
  let lo = now;
  let hi = horizon;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (utcOffsetMin(mid) === start) lo = mid;
    else hi = mid;
  }
  return hi;
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function LightingScheduleNode(this: Node, config: LightingScheduleDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const context = node.context();
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let lastTick = 0;
    let sent = 0;
    let problem: string | undefined;
    let running: Running[] = [];
    let unsubscribe: (() => void) | undefined;

    const programNodes = [config.program, config.program2, config.program3]
      .filter((id): id is string => typeof id === 'string' && id !== '')
      .map((id) => RED.nodes.getNode(id) as unknown as ProgramNode | null);
    let programs: LightingProgram[] = [];
    for (const p of programNodes) {
      if (!p || typeof p.program !== 'function') {
        problem = t('lighting-schedule.errors.no-program');
      } else if (p.problem) {
        problem = p.problem;
      }
    }
    if (programNodes.length === 0) problem = t('lighting-schedule.errors.no-program');
    if (!problem) {
      programs = (programNodes as ProgramNode[]).slice().sort((a, b) => a.priority - b.priority).map((p) => p.program());
    }
    const source = config.cabinets ? (RED.nodes.getNode(config.cabinets) as unknown as ReferenceSourceApi | null) : null;

    function showStatus(): void {
      statusTimer = undefined;
      if (closed) return;
      if (problem) {
        node.status({ fill: 'red', shape: 'ring', text: problem.slice(0, 40) });
        return;
      }
      if (running.length === 0) {
        node.status({ fill: 'yellow', shape: 'ring', text: t('lighting-schedule.status.no-target') });
        return;
      }
      const now = Date.now();
      let next: TimelineEntry | undefined;
      for (const r of running) {
        const n = nextChange(r.timeline, now);
        if (n && (!next || n.at < next.at)) next = n;
      }
      const text = next
        ? t('lighting-schedule.status.next', { time: hhmm(next.at), level: next.level })
        : t('lighting-schedule.status.idle');
      node.status({ fill: 'green', shape: 'dot', text: `${text} · ${compactCount(running.length)} · ${t('lighting-schedule.status.sent', { n: compactCount(sent) })}` });
    }

    function statusChanged(): void {
      if (statusTimer === undefined && !closed) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    function request(target: ScheduleTarget, command: LightingCommand, reason: string, now: number): NodeMessage {
      const payload: CommandRequest = {
        id: randomUUID(),
        target: { kind: 'device', devEui: target.devEui, model: target.model, ...(target.applicationId ? { applicationId: target.applicationId } : {}) },
        command,
        source: 'program',
        reason,
        requestedBy: 'schedule',
        requestedAt: new Date(now).toISOString(),
      };
      sent++;
      return { topic: target.devEui, payload } as NodeMessage;
    }

    function compile(now: number): void {
      const today = localDate(now);
      for (const r of running) {
        r.timeline = compileTimeline(programs, r.target, addDays(today, -2), addDays(today, 1));
      }
    }

    /** Device-resident targets: (re)upload what changed since the last upload. */
    function deviceUploads(now: number, force: boolean): NodeMessage[] {
      const out: NodeMessage[] = [];
      const today = localDate(now);
      const uploaded = (context.get('uploaded') as Record<string, { program?: string; calendar?: string }> | undefined) ?? {};
      for (const r of running) {
        if (r.caps.scheduling !== 'device') continue;
        const program = programFor(programs, today);
        if (!program) continue;
        const warnings: string[] = [];
        const forDevice = deviceProgram(program, r.caps, now, warnings);
        try {
          nasFrames(forDevice, r.target.latitude, r.target.longitude); // device limits, checked before sending
        } catch (err) {
          node.error(t('lighting-schedule.errors.device', { devEui: r.target.devEui, detail: (err as Error).message }));
          continue;
        }
        for (const w of warnings) node.warn(`${r.target.devEui}: ${w}`);
        const year = Number(today.slice(0, 4));
        const holidays = [...frenchHolidays(year), ...frenchHolidays(year + 1)].map((h) => h.date).filter((d) => d >= today).slice(0, r.caps.maxHolidays ?? 9);
        const programKey = JSON.stringify([forDevice, r.target.latitude, r.target.longitude]);
        const calendarKey = JSON.stringify(holidays);
        const last = uploaded[r.target.devEui] ?? {};
        const clockNote = r.caps.deviceClock === 'utc' ? t('lighting-schedule.reason.utc', { offset: utcOffsetMin(now) / 60 }) : '';
        if (force || last.program !== programKey) {
          out.push(request(r.target, { type: 'uploadProgram', program: forDevice, latitude: r.target.latitude, longitude: r.target.longitude },
            `${t('lighting-schedule.reason.upload', { name: program.name })}${clockNote}`, now));
          out.push(request(r.target, { type: 'syncTime', time: new Date(now).toISOString() }, t('lighting-schedule.reason.sync'), now));
        }
        if (force || last.calendar !== calendarKey) {
          out.push(request(r.target, { type: 'uploadCalendar', holidays }, t('lighting-schedule.reason.calendar'), now));
        }
        uploaded[r.target.devEui] = { program: programKey, calendar: calendarKey };
      }
      context.set('uploaded', uploaded);
      return out;
    }

    /** Central targets: the step(s) due in (lastTick, now]; at start, the level in force. */
    function centralCommands(now: number, start: boolean): NodeMessage[] {
      const out: NodeMessage[] = [];
      const until = now + EARLY_MS;
      for (const r of running) {
        if (r.caps.scheduling !== 'central') continue;
        const entry = entryAt(r.timeline, until);
        if (!entry) continue;
        if (start ? config.sendOnStart === false : entry.at <= lastTick) continue;
        const program = programs.find((p) => p.id === entry.programId);
        const reason = t(start ? 'lighting-schedule.reason.start' : 'lighting-schedule.reason.step', { name: program?.name ?? entry.programId, step: entry.stepIndex + 1 });
        out.push(request(r.target, { type: 'setLevel', level: entry.level }, reason, now));
      }
      lastTick = until;
      return out;
    }

    function arm(now: number): void {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (closed || running.length === 0) return;
      let wake = now + MAX_SLEEP_MS;
      for (const r of running) {
        if (r.caps.scheduling !== 'central') continue;
        const index = r.timeline.findIndex((e) => e.at > lastTick);
        if (index >= 0) wake = Math.min(wake, r.timeline[index].at);
      }
      if (running.some((r) => r.caps.scheduling === 'device')) {
        wake = Math.min(wake, localToUtc(addDays(localDate(now), 1), 0));
        const dst = nextOffsetChange(now);
        if (dst !== undefined) wake = Math.min(wake, dst);
      }
      timer = setTimeout(tick, Math.max(0, wake - now));
    }

    // Commands computed while the flow is still being built would reach nodes that do not exist yet
    // (those placed after this one in the flow file) and be lost: hold them until the flows have started.
    let flowsStarted = false;
    let heldAtStart: NodeMessage[] = [];
    const releaseHeld = () => {
      flowsStarted = true;
      const held = heldAtStart;
      heldAtStart = [];
      if (!closed && held.length > 0) node.send([held, null] as unknown as NodeMessage[]);
    };
    RED.events.once('flows:started', releaseHeld);
    // A runtime that never announces it (an embedding without the event) still gets them, a little later.
    const releaseFallback = setTimeout(releaseHeld, 2000);

    function emit(msgs: NodeMessage[]): void {
      if (msgs.length === 0) return;
      if (!flowsStarted) heldAtStart.push(...msgs);
      else node.send([msgs, null] as unknown as NodeMessage[]);
    }

    function tick(): void {
      timer = undefined;
      if (closed) return;
      try {
        const now = Date.now();
        compile(now);
        emit([...deviceUploads(now, false), ...centralCommands(now, false)]);
        arm(now);
      } catch (err) {
        node.error(t('lighting-schedule.errors.tick', { detail: (err as Error).message }));
        timer = setTimeout(tick, 60000);
      }
      statusChanged();
    }

    function startWith(targets: ScheduleTarget[]): void {
      running = targets.map((target) => ({ target, caps: capabilitiesOf(target.model), timeline: [] }));
      const now = Date.now();
      compile(now);
      emit([...deviceUploads(now, false), ...centralCommands(now, true)]);
      arm(now);
      statusChanged();
    }

    function fail(text: string): void {
      problem = text;
      node.error(text);
      statusChanged();
    }

    if (!problem) {
      try {
        const editorTargets = targetsFromList(Array.isArray(config.targets) ? config.targets : []);
        if (source && typeof source.ready === 'function') {
          const load = (table: ReferenceTable) => {
            if (closed) return;
            try {
              problem = undefined;
              startWith([...editorTargets, ...targetsFromCabinetRows(table.list)]);
            } catch (err) {
              fail(t('lighting-schedule.errors.targets', { detail: (err as Error).message }));
            }
          };
          unsubscribe = source.onUpdate(load);
          source.ready().then((table) => { if (running.length === 0) load(table); },
            (err: Error) => { if (!closed) fail(t('lighting-schedule.errors.cabinets', { detail: err.message })); });
          if (editorTargets.length > 0) startWith(editorTargets);
        } else {
          startWith(editorTargets);
        }
      } catch (err) {
        fail(t('lighting-schedule.errors.targets', { detail: (err as Error).message }));
      }
    } else {
      node.error(problem);
    }
    statusChanged();

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const m = msg as Msg;
      try {
        const now = Date.now();
        if (m.topic === 'programs') {
          const list = (Array.isArray(m.payload) ? m.payload : [m.payload]) as LightingProgram[];
          list.forEach(checkProgram);
          programs = list;
          problem = undefined;
          compile(now);
          lastTick = now + EARLY_MS;
          send([[...deviceUploads(now, false), ...centralCommands(now, true)], null] as unknown as NodeMessage[]);
          arm(now);
          statusChanged();
          done();
          return;
        }
        if (problem) throw new Error(problem);
        if (m.topic === 'upload') {
          send([deviceUploads(now, true), null] as unknown as NodeMessage[]);
          statusChanged();
          done();
          return;
        }
        const today = localDate(now);
        m.payload = {
          now: new Date(now).toISOString(),
          programs: programs.map((p) => ({ id: p.id, name: p.name })),
          programTonight: programFor(programs, today)?.name ?? null,
          targets: running.map((r) => {
            const current = entryAt(r.timeline, now);
            const next = nextChange(r.timeline, now);
            return {
              devEui: r.target.devEui, name: r.target.name ?? r.target.cabinetId ?? r.target.devEui, model: r.target.model,
              scheduling: r.caps.scheduling, level: current?.level ?? null, since: current?.time ?? null,
              next: next ? { time: next.time, local: hhmm(next.at), level: next.level } : null,
              timeline: r.timeline.filter((e) => e.night === (current?.night ?? today) || e.night === today),
            };
          }),
        };
        send([null, m] as unknown as NodeMessage[]);
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      RED.events.removeListener('flows:started', releaseHeld);
      clearTimeout(releaseFallback);
      if (timer !== undefined) clearTimeout(timer);
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      timer = undefined;
      statusTimer = undefined;
      unsubscribe?.();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('lighting-schedule', LightingScheduleNode);
};
