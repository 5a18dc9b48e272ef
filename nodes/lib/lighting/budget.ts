/**
 * The downlink planner of lighting-control: a sliding-hour duty-cycle budget per gateway and sub-band,
 * coalescing, priorities and multicast first. Pure: no Node-RED import, no clock (times are passed in).
 *
 * Budget (lighting.md §4): Class C downlinks go on RX2, 869.525 MHz, sub-band P with a 10 % duty cycle,
 * i.e. 360 s of airtime in any hour per gateway. A send at time t is allowed when the airtime of the
 * sends that started in (t − 1 h, t] plus its own stays within the budget; a gateway sends one frame at a
 * time (half duplex), so its sends never overlap. Airtime from the data rate (./airtime.ts): 5-byte frame
 * at SF12 = 1319 ms → ≈ 270 unicast downlinks per gateway and hour.
 *
 * - Coalescing: a newer command for a target replaces the unsent older one of the same kind (levels:
 *   setLevel and resume; otherwise per command type), so a flood of program steps never piles up.
 * - Order: safety > manual > program, then multicast before unicast, then oldest first.
 * - Multicast first: when every member of a configured ChirpStack multicast group (≥ `minMulticastMembers`,
 *   same model) has the same frame queued, one multicast frame replaces them all; it costs airtime on each
 *   gateway covering its members (ChirpStack sends it once per gateway). Multicast is never acknowledged:
 *   confirmation comes from the members' status uplinks.
 * - Bounded: `plan()` never schedules beyond the budget; what does not fit within the horizon waits (and is
 *   planned again later), what cannot go before its `notAfter` time expires.
 */
import { downlinkAirtimeMs, EU868_RX2_FREQUENCY_HZ, subBandOf } from './airtime';
import type { CommandSource, DownlinkRequest } from './model';

export const PRIORITY: Readonly<Record<CommandSource, number>> = { safety: 0, manual: 1, program: 2 };

export interface MulticastGroupConfig {
  multicastGroupId: string;
  model: string;
  members: string[];
  /** RX2 data rate of the multicast group (default: the planner's). */
  dr?: number;
}

export interface PlannerConfig {
  /** Duty cycle of the band (default: the band of `frequencyHz`, 10 % for RX2). */
  dutyCycle?: number;
  /** Sliding window (default 1 h). */
  windowMs?: number;
  /** Downlink frequency (default RX2 869.525 MHz). */
  frequencyHz?: number;
  /** RX2 data rate (default DR0 = SF12). */
  dr?: number;
  multicastGroups?: MulticastGroupConfig[];
  /** Fewest members for which a multicast group is used (default 2). */
  minMulticastMembers?: number;
  /** Sends are planned up to now + horizon (default 1 h); later ones wait. */
  horizonMs?: number;
}

/** A command waiting to be sent: one or several frames for one target. */
export interface PlanItem {
  /** Coalescing key (target and kind of command), see `coalescingKey`. */
  key: string;
  /** The CommandRequest id (audit, confirmation). */
  requestId: string;
  source: CommandSource;
  /** ms since epoch. */
  requestedAt: number;
  model: string;
  /** Unicast: the device; multicast: the members. */
  devEuis: string[];
  /** Gateways that cover it (unicast: one). */
  gateways: string[];
  /** Frames still to send, in order. */
  frames: DownlinkRequest[];
  /** Set for a multicast target request. */
  multicastGroupId?: string;
  /** The command may not go after this time (ms): it expires instead. */
  notAfter?: number;
  /** Data rate for this item (default the planner's). */
  dr?: number;
}

export interface PlannedSend {
  /** ms since epoch; ≤ now means "send now". */
  at: number;
  airtimeMs: number;
  gateways: string[];
  band: string;
  downlink: DownlinkRequest;
  /** The queued items this frame serves (several for a multicast). */
  items: PlanItem[];
  multicast: boolean;
}

export interface Plan {
  sends: PlannedSend[];
  /** Items that do not fit within the horizon: they stay queued. */
  waiting: PlanItem[];
  /** Items whose notAfter passes before the budget allows them: dropped from the queue by `plan`'s caller via `drop`. */
  expired: PlanItem[];
  /** Sends planned after now, plus waiting items. */
  deferred: number;
  /** Queue items replaced by newer ones since the planner was created. */
  coalesced: number;
  /** Unicast items served by multicast sends in this plan. */
  viaMulticast: number;
}

/** The coalescing key of a command: target + kind (levels together, other commands per type). */
export function coalescingKey(target: { devEui?: string; channel?: string; multicastGroupId?: string }, commandType: string): string {
  const kind = commandType === 'setLevel' || commandType === 'resume' ? 'level' : commandType;
  const who = target.multicastGroupId !== undefined ? `mc:${target.multicastGroupId}` : `${target.devEui ?? ''}:${target.channel ?? ''}`;
  return `${who}/${kind}`;
}

interface Sent {
  at: number;
  airtimeMs: number;
}

export class DownlinkPlanner {
  readonly dutyCycle: number;
  readonly windowMs: number;
  readonly band: string;
  readonly dr: number;
  readonly horizonMs: number;
  readonly minMulticastMembers: number;
  readonly budgetMs: number;
  private multicastGroups: MulticastGroupConfig[];
  private readonly queue = new Map<string, PlanItem>();
  /** Committed sends per gateway (this band only), oldest first. */
  private readonly history = new Map<string, Sent[]>();
  private coalescedCount = 0;

  constructor(config: PlannerConfig = {}) {
    const band = subBandOf(config.frequencyHz ?? EU868_RX2_FREQUENCY_HZ);
    this.band = band.name;
    this.dutyCycle = config.dutyCycle ?? band.dutyCycle;
    this.windowMs = config.windowMs ?? 3600000;
    this.dr = config.dr ?? 0;
    this.horizonMs = config.horizonMs ?? 3600000;
    this.minMulticastMembers = Math.max(1, config.minMulticastMembers ?? 2);
    this.budgetMs = this.dutyCycle * this.windowMs;
    this.multicastGroups = config.multicastGroups ?? [];
  }

  setMulticastGroups(groups: MulticastGroupConfig[]): void {
    this.multicastGroups = groups;
  }

  get size(): number {
    return this.queue.size;
  }

  get coalesced(): number {
    return this.coalescedCount;
  }

  items(): PlanItem[] {
    return [...this.queue.values()];
  }

  /** Queues an item; returns the unsent item it replaces (coalesced), if any. */
  enqueue(item: PlanItem): PlanItem | undefined {
    if (item.frames.length === 0) throw new Error(`command ${item.requestId} has no frame to send`);
    const older = this.queue.get(item.key);
    if (older !== undefined) {
      this.queue.delete(item.key);
      this.coalescedCount++;
    }
    this.queue.set(item.key, { ...item, frames: [...item.frames] });
    return older;
  }

  /** Removes a queued item (expired, cancelled). */
  drop(key: string): PlanItem | undefined {
    const item = this.queue.get(key);
    this.queue.delete(key);
    return item;
  }

  /** Airtime used on a gateway in the window ending at `now`. */
  usedMs(gateway: string, now: number): number {
    return (this.history.get(gateway) ?? []).filter((s) => s.at > now - this.windowMs && s.at <= now).reduce((sum, s) => sum + s.airtimeMs, 0);
  }

  /** Records a send that went out at `now`: its airtime is charged, the items advance (and leave the queue when done). */
  commit(send: PlannedSend, now: number): void {
    for (const g of send.gateways) {
      const list = this.history.get(g) ?? [];
      list.push({ at: now, airtimeMs: send.airtimeMs });
      while (list.length > 0 && list[0].at <= now - this.windowMs) list.shift();
      this.history.set(g, list);
    }
    for (const item of send.items) {
      const queued = this.queue.get(item.key);
      if (queued === undefined || queued.requestId !== item.requestId) continue;
      if (send.multicast && item.multicastGroupId === undefined) {
        this.queue.delete(item.key); // served by a multicast frame
        continue;
      }
      queued.frames.shift();
      if (queued.frames.length === 0) this.queue.delete(item.key);
    }
  }

  private airtime(dataHex: string, dr: number): number {
    return downlinkAirtimeMs(dr, dataHex.length / 2);
  }

  /** Multicast candidates: configured groups all of whose members have the same single frame queued. */
  private multicastMerges(items: PlanItem[]): Array<{ group: MulticastGroupConfig; items: PlanItem[] }> {
    const merges: Array<{ group: MulticastGroupConfig; items: PlanItem[] }> = [];
    const used = new Set<string>();
    const byDevice = new Map<string, PlanItem[]>();
    for (const item of items) {
      if (item.multicastGroupId !== undefined || item.devEuis.length !== 1 || item.frames.length !== 1) continue;
      const list = byDevice.get(item.devEuis[0]) ?? [];
      list.push(item);
      byDevice.set(item.devEuis[0], list);
    }
    for (const group of this.multicastGroups) {
      if (group.members.length < this.minMulticastMembers) continue;
      // The frame of the first member decides; every other member must have the same one queued.
      const first = (byDevice.get(group.members[0]) ?? []).filter((i) => i.model === group.model && !used.has(i.key));
      for (const candidate of first) {
        const frame = candidate.frames[0];
        const chosen: PlanItem[] = [];
        for (const member of group.members) {
          const match = (byDevice.get(member) ?? []).find((i) => !used.has(i.key) && i.model === group.model
            && i.frames[0].fPort === frame.fPort && i.frames[0].dataHex === frame.dataHex && i.key.endsWith(candidate.key.slice(candidate.key.indexOf('/'))));
          if (match === undefined) break;
          chosen.push(match);
        }
        if (chosen.length !== group.members.length) continue;
        for (const i of chosen) used.add(i.key);
        merges.push({ group, items: chosen });
        break;
      }
    }
    return merges;
  }

  /** The schedule from `now`: what goes now, what later (within the horizon), what waits, what expires. Does not change the queue. */
  plan(now: number): Plan {
    const items = [...this.queue.values()];
    interface Unit { source: CommandSource; requestedAt: number; multicast: boolean; gateways: string[]; dr: number; frames: DownlinkRequest[]; items: PlanItem[]; notAfter?: number }
    const units: Unit[] = [];
    let viaMulticast = 0;
    const merged = new Set<string>();
    for (const m of this.multicastMerges(items)) {
      for (const i of m.items) merged.add(i.key);
      viaMulticast += m.items.length;
      const gateways = [...new Set(m.items.flatMap((i) => i.gateways))].sort();
      const frame = m.items[0].frames[0];
      const ids = m.items.map((i) => i.requestId);
      units.push({
        source: m.items.reduce<CommandSource>((best, i) => (PRIORITY[i.source] < PRIORITY[best] ? i.source : best), 'program'),
        requestedAt: Math.min(...m.items.map((i) => i.requestedAt)),
        multicast: true,
        gateways,
        dr: m.group.dr ?? this.dr,
        frames: [{ id: `mc-${m.group.multicastGroupId}-${ids[0]}`, multicastGroupId: m.group.multicastGroupId, fPort: frame.fPort, dataHex: frame.dataHex }],
        items: m.items,
        notAfter: m.items.some((i) => i.notAfter !== undefined) ? Math.min(...m.items.filter((i) => i.notAfter !== undefined).map((i) => i.notAfter as number)) : undefined,
      });
    }
    for (const item of items) {
      if (merged.has(item.key)) continue;
      units.push({ source: item.source, requestedAt: item.requestedAt, multicast: item.multicastGroupId !== undefined, gateways: item.gateways, dr: item.dr ?? this.dr, frames: item.frames, items: [item], notAfter: item.notAfter });
    }
    units.sort((a, b) => PRIORITY[a.source] - PRIORITY[b.source] || Number(b.multicast) - Number(a.multicast) || a.requestedAt - b.requestedAt);

    // Working copies of the windows and of each gateway's end of transmission.
    const windows = new Map<string, Sent[]>();
    const freeAt = new Map<string, number>();
    for (const [g, list] of this.history) {
      windows.set(g, list.filter((s) => s.at > now - this.windowMs));
      const last = list[list.length - 1];
      if (last !== undefined) freeAt.set(g, last.at + last.airtimeMs);
    }
    const earliestOn = (g: string, from: number, airtimeMs: number): number => {
      const list = windows.get(g) ?? [];
      let t = Math.max(from, freeAt.get(g) ?? from);
      for (;;) {
        const inWindow = list.filter((s) => s.at > t - this.windowMs && s.at <= t);
        const used = inWindow.reduce((sum, s) => sum + s.airtimeMs, 0);
        if (used + airtimeMs <= this.budgetMs + 1e-9) return t;
        t = inWindow[0].at + this.windowMs; // the oldest send leaves the window
      }
    };

    const sends: PlannedSend[] = [];
    const waiting: PlanItem[] = [];
    const expired: PlanItem[] = [];
    for (const unit of units) {
      const planned: PlannedSend[] = [];
      let from = now;
      let fits = true;
      const tentative = new Map<string, { list: Sent[]; free: number | undefined }>();
      for (const g of unit.gateways) tentative.set(g, { list: [...(windows.get(g) ?? [])], free: freeAt.get(g) });
      for (const frame of unit.frames) {
        const airtimeMs = this.airtime(frame.dataHex, unit.dr);
        if (airtimeMs > this.budgetMs) throw new Error(`a ${frame.dataHex.length / 2}-byte frame (${Math.round(airtimeMs)} ms) exceeds the whole budget`);
        // Earliest time that suits every gateway of the unit.
        let t = from;
        for (;;) {
          const next = Math.max(...unit.gateways.map((g) => earliestOn(g, t, airtimeMs)));
          if (next === t) break;
          t = next;
        }
        if (unit.notAfter !== undefined && t > unit.notAfter) {
          fits = false;
          expired.push(...unit.items);
          break;
        }
        if (t > now + this.horizonMs) {
          fits = false;
          waiting.push(...unit.items);
          break;
        }
        for (const g of unit.gateways) {
          const list = windows.get(g) ?? [];
          list.push({ at: t, airtimeMs });
          windows.set(g, list);
          freeAt.set(g, t + airtimeMs);
        }
        planned.push({ at: t, airtimeMs, gateways: unit.gateways, band: this.band, downlink: frame, items: unit.items, multicast: unit.multicast });
        from = t + airtimeMs;
      }
      if (!fits) {
        // Undo the frames of this unit already placed: a command goes whole or waits.
        for (const [g, saved] of tentative) {
          windows.set(g, saved.list);
          if (saved.free === undefined) freeAt.delete(g);
          else freeAt.set(g, saved.free);
        }
        continue;
      }
      sends.push(...planned);
    }
    sends.sort((a, b) => a.at - b.at);
    return {
      sends,
      waiting,
      expired,
      deferred: sends.filter((s) => s.at > now).length + waiting.length,
      coalesced: this.coalescedCount,
      viaMulticast,
    };
  }
}
