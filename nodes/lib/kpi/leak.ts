/**
 * Water night-flow leak detection. Pure: no Node-RED import.
 *
 * A building uses (almost) no water between 01:00 and 05:00: a flow that never drops to near zero
 * during those hours is a leak (a running cistern, a broken pipe). For each site, fluid and night:
 * the delta points stamped in [01:00, 05:00) local time are summed per clock hour (m³ per hour = m³/h);
 * the night's minimum flow is the smallest of those hourly sums (hours without any point are ignored;
 * a night needs at least `minHours` hours with data). A leak is `nights` consecutive nights (calendar
 * days that follow each other, the last one being the latest night) whose minimum flow is above
 * `thresholdM3h`. The estimated loss is the smallest minimum flow of those nights × 24 h (m³/day): the
 * flow that never stopped, assumed to run all day — a lower bound, since daytime use hides the leak.
 */
import { DEFAULT_ZONE, localDate, localParts } from './calendar';
import type { DeltaPoint } from './consumption';

export interface NightFlow {
  site: string;
  fluid: string;
  /** Local date of the night (the date of its 01:00). */
  night: string;
  /** Smallest hourly flow (m³/h). */
  minFlow: number;
  /** Hours with data. */
  hours: number;
}

export interface NightOptions {
  zone?: string;
  /** Local hours of the night window, start included, end excluded (default 1 and 5). */
  fromHour?: number;
  toHour?: number;
  /** Hours with data a night needs (default 2). */
  minHours?: number;
}

export function nightFlows(points: readonly DeltaPoint[], options: NightOptions = {}): NightFlow[] {
  const zone = options.zone ?? DEFAULT_ZONE;
  const from = options.fromHour ?? 1;
  const to = options.toHour ?? 5;
  const minHours = options.minHours ?? 2;
  const hours = new Map<string, { site: string; fluid: string; night: string; perHour: Map<number, number> }>();
  for (const p of points) {
    const local = localParts(p.time, zone);
    if (local.hour < from || local.hour >= to) continue;
    const night = localDate(p.time, zone);
    const key = `${p.site}\u0000${p.fluid}\u0000${night}`;
    let entry = hours.get(key);
    if (!entry) { entry = { site: p.site, fluid: p.fluid, night, perHour: new Map() }; hours.set(key, entry); }
    entry.perHour.set(local.hour, (entry.perHour.get(local.hour) ?? 0) + p.value);
  }
  const out: NightFlow[] = [];
  for (const e of hours.values()) {
    if (e.perHour.size < minHours) continue;
    out.push({ site: e.site, fluid: e.fluid, night: e.night, minFlow: Math.round(Math.min(...e.perHour.values()) * 10000) / 10000, hours: e.perHour.size });
  }
  return out.sort((a, b) => a.site.localeCompare(b.site) || a.fluid.localeCompare(b.fluid) || a.night.localeCompare(b.night));
}

export interface LeakStatus {
  site: string;
  fluid: string;
  /** Latest night with data. */
  lastNight: string;
  lastMinFlow: number;
  /** Consecutive nights above the threshold, ending at the latest night. */
  consecutiveNights: number;
  leak: boolean;
  /** m³/day, when leak. */
  estimatedLossM3PerDay?: number;
  /** Smallest minimum flow of the leaking nights (m³/h), when leak. */
  leakFlowM3h?: number;
}

export interface LeakOptions {
  thresholdM3h: number;
  nights: number;
  /** The latest complete night (local date): a site whose data stops before it is not judged on old nights. */
  latestNight?: string;
}

function previousDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** The leak status of each site and fluid of the night flows. */
export function detectLeaks(flows: readonly NightFlow[], options: LeakOptions): LeakStatus[] {
  const bySeries = new Map<string, NightFlow[]>();
  for (const f of flows) {
    const key = `${f.site}\u0000${f.fluid}`;
    const list = bySeries.get(key) ?? [];
    list.push(f);
    bySeries.set(key, list);
  }
  const out: LeakStatus[] = [];
  for (const list of bySeries.values()) {
    list.sort((a, b) => a.night.localeCompare(b.night));
    const last = list[list.length - 1];
    const run: NightFlow[] = [];
    let expected = last.night;
    for (let i = list.length - 1; i >= 0; i--) {
      const f = list[i];
      if (f.night !== expected || f.minFlow <= options.thresholdM3h) break;
      run.push(f);
      expected = previousDate(f.night);
    }
    const current = options.latestNight === undefined || last.night === options.latestNight;
    const leak = current && run.length >= options.nights;
    const status: LeakStatus = {
      site: last.site, fluid: last.fluid, lastNight: last.night, lastMinFlow: last.minFlow, consecutiveNights: current ? run.length : 0, leak,
    };
    if (leak) {
      const flow = Math.min(...run.slice(0, options.nights).map((f) => f.minFlow));
      status.leakFlowM3h = flow;
      status.estimatedLossM3PerDay = Math.round(flow * 24 * 1000) / 1000;
    }
    out.push(status);
  }
  return out.sort((a, b) => a.site.localeCompare(b.site) || a.fluid.localeCompare(b.fluid));
}
