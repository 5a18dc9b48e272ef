/**
 * A LightingProgram compiled for a cabinet's coordinates into a timeline of level changes (UTC
 * instants), the level in force at any instant and the next change. Pure: no Node-RED import.
 *
 * Nights: the night of date D runs from noon D to noon D+1 (local). Its program is the first of the
 * programs (priority order) whose calendar matches D, the evening's date. Within a night:
 * - sunset ± offset is D's sunset, sunrise ± offset is D+1's sunrise (NOAA, ./astro.ts);
 * - a clock step at or after 12:00 is on D, before 12:00 on D+1 (local Europe/Paris, DST rule of
 *   ./calendar.ts: a non-existent time moves forward by the gap, a repeated one is taken once, first);
 * - when the program has both a sunset and a sunrise step, clock steps outside the dark window
 *   (first sunset step → last sunrise step) are dropped, as a NAS controller clamps its profiles to its
 *   astro clock: "05:00 → 100 %" never lights after a 04:50 sunrise;
 * - a night cut is simply a step to 0.
 * Entries are sorted by instant; the stepIndex is the step's index in the program.
 */
import { sunTimes } from './astro';
import { addDays, localToUtc, parseClock, parseDate, programFor } from './calendar';
import type { LightingProgram, ProgramStep } from './model';

export interface Coordinates {
  latitude: number;
  longitude: number;
}

export interface TimelineEntry {
  /** UTC ISO instant. */
  time: string;
  /** Epoch ms of `time`. */
  at: number;
  level: number;
  stepIndex: number;
  programId: string;
  /** The evening's date (YYYY-MM-DD) of the night this step belongs to. */
  night: string;
}

const NOON = 720;

/** The UTC instant of a step in the night of `night` (epoch ms), or undefined (no sunrise/sunset). */
export function stepInstant(step: ProgramStep, night: string, where: Coordinates): number | undefined {
  const at = step.at;
  if (at.kind === 'clock') {
    const minutes = parseClock(at.time);
    return localToUtc(minutes >= NOON ? night : addDays(night, 1), minutes);
  }
  const date = at.kind === 'sunset' ? night : addDays(night, 1);
  const [y, m, d] = parseDate(date);
  const sun = sunTimes(y, m, d, where.latitude, where.longitude);
  const event = at.kind === 'sunset' ? sun.sunset : sun.sunrise;
  if (!event) return undefined;
  const offset = Number(at.offsetMin) || 0;
  return event.getTime() + offset * 60000;
}

/** Validates a program (throws a RangeError naming the step). */
export function checkProgram(program: LightingProgram): void {
  if (!program || !Array.isArray(program.steps) || program.steps.length === 0) throw new RangeError(`program "${program?.name ?? program?.id}" has no step`);
  program.steps.forEach((step, i) => {
    const label = `program "${program.name || program.id}", step ${i + 1}`;
    if (!Number.isFinite(step.level) || step.level < 0 || step.level > 100) throw new RangeError(`${label}: level ${step.level} is not 0–100 %`);
    if (!step.at || !['clock', 'sunset', 'sunrise'].includes(step.at.kind)) throw new RangeError(`${label}: "at" must be a clock time, sunset or sunrise`);
    if (step.at.kind === 'clock') {
      try {
        parseClock(step.at.time);
      } catch (err) {
        throw new RangeError(`${label}: ${(err as Error).message}`);
      }
    } else if (!Number.isFinite(Number(step.at.offsetMin)) || Math.abs(Number(step.at.offsetMin)) > 360) {
      throw new RangeError(`${label}: offset ${step.at.offsetMin} min is not within ±360`);
    }
  });
}

/** The entries of one night of one program. */
export function compileNight(program: LightingProgram, night: string, where: Coordinates): TimelineEntry[] {
  const raw: TimelineEntry[] = [];
  program.steps.forEach((step, stepIndex) => {
    const at = stepInstant(step, night, where);
    if (at === undefined) return;
    raw.push({ time: new Date(at).toISOString(), at, level: step.level, stepIndex, programId: program.id, night });
  });
  const solar = (kind: 'sunset' | 'sunrise') => raw.filter((e) => program.steps[e.stepIndex].at.kind === kind).map((e) => e.at);
  const sunsets = solar('sunset');
  const sunrises = solar('sunrise');
  let entries = raw;
  if (sunsets.length > 0 && sunrises.length > 0) {
    const start = Math.min(...sunsets);
    const end = Math.max(...sunrises);
    entries = raw.filter((e) => program.steps[e.stepIndex].at.kind !== 'clock' || (e.at >= start && e.at <= end));
  }
  // Stable sort: two steps at the same instant keep the program order (the later one wins).
  return entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map((x) => x.e);
}

/**
 * The timeline of the nights from `fromNight` to `toNight` (inclusive, YYYY-MM-DD) for programs in
 * priority order (the first whose calendar matches each evening's date runs that night).
 */
export function compileTimeline(programs: readonly LightingProgram[], where: Coordinates, fromNight: string, toNight: string): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (let night = fromNight; night <= toNight; night = addDays(night, 1)) {
    const program = programFor(programs, night);
    if (program) out.push(...compileNight(program, night, where));
  }
  // Successive nights never overlap at noon, but keep the invariant explicit.
  return out.sort((a, b) => a.at - b.at);
}

/** The last entry at or before an instant (the level in force), or undefined. */
export function entryAt(timeline: readonly TimelineEntry[], epochMs: number): TimelineEntry | undefined {
  let lo = 0;
  let hi = timeline.length - 1;
  let found: TimelineEntry | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (timeline[mid].at <= epochMs) {
      found = timeline[mid];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The level in force at an instant (undefined before the timeline's first step). */
export function levelAt(timeline: readonly TimelineEntry[], epochMs: number): number | undefined {
  return entryAt(timeline, epochMs)?.level;
}

/** The first entry strictly after an instant. */
export function nextEntry(timeline: readonly TimelineEntry[], epochMs: number): TimelineEntry | undefined {
  const current = entryAt(timeline, epochMs);
  const index = current ? timeline.indexOf(current) + 1 : 0;
  return timeline[index];
}

/** The next entry after an instant whose level differs from the level in force ("next: 23:00 → 0 %"). */
export function nextChange(timeline: readonly TimelineEntry[], epochMs: number): TimelineEntry | undefined {
  const level = levelAt(timeline, epochMs);
  for (let e = nextEntry(timeline, epochMs); e; e = timeline[timeline.indexOf(e) + 1]) {
    if (e.level !== level) return e;
  }
  return undefined;
}
