/**
 * What each controller model can do, and so where its program runs (lighting.md §1–§3, §8):
 * - `nas-ul20xx` luminaire controllers keep the program in the device: lighting-schedule uploads it
 *   (profile `0x21` for clock steps, astro clock `0x20` for sunset/sunrise, holidays `0x23`, time
 *   sync `0x09`, encoded by nodes/lib/codecs/nas/ul20xx.ts) once, and again when it changes;
 * - cabinet relays (`netvox-r831c`, `milesight-ws558`) have no schedule: lighting-schedule emits a
 *   setLevel at each step time (central).
 * Unknown models are run centrally (the safe choice: a command at each step).
 *
 * NAS device clock: lighting.md §8 and open question 1 leave it unverified whether NAS profile times
 * are local or UTC; the device clock is a unix epoch set by DeviceTimeReq, so we assume UTC (the
 * conservative choice): clock steps are uploaded converted to UTC with the offset in force, and the
 * program is uploaded again at each DST switch. If the firmware proves to apply local time, set
 * `deviceClock: 'local'` here and nothing is re-sent at DST switches.
 * Pure: no Node-RED import.
 */
import { encodeUl20xx } from '../codecs/nas/ul20xx';
import type { EncodedDownlink } from '../codecs/types';
import { parseClock, utcOffsetMin } from './calendar';
import type { LightingProgram, ProgramStep } from './model';

export interface LightingCapabilities {
  model: string;
  /** `device`: the program is compiled into the controller; `central`: a command at each step. */
  scheduling: 'device' | 'central';
  /** Levels between 0 and 100 (else on/off: level > 0 = on). */
  dimming: boolean;
  /** Switched or dimmed outputs. */
  channels: number;
  /** Time base of device-resident programs (re-upload at DST switches when 'utc'). */
  deviceClock?: 'utc' | 'local';
  /** Device-resident limits. */
  maxPrograms?: number;
  maxSteps?: number;
  /** Clock steps must fall on multiples of this many minutes. */
  stepMinutes?: number;
  maxHolidays?: number;
  /** Sunset/sunrise steps: the device switches at a sun zenith angle (offsets become zenith angles). */
  astroZenith?: boolean;
  /** Multicast slots (ChirpStack multicast group, Class C). */
  multicastSlots: number;
  /** The device ends a timed override (setLevel with durationMin) by itself. */
  timedOverride: boolean;
  /** Known model (false: unknown, run centrally on/off). */
  known: boolean;
}

const TABLE: Record<string, Omit<LightingCapabilities, 'model' | 'known'>> = {
  // lighting.md §2: 8 programs × 9 steps, 10-min steps, astro/zenith, < 10 holidays, 4 multicast slots.
  'nas-ul20xx': {
    scheduling: 'device', dimming: true, channels: 1, deviceClock: 'utc', maxPrograms: 8, maxSteps: 9, stepMinutes: 10,
    maxHolidays: 9, astroZenith: true, multicastSlots: 4, timedOverride: true,
  },
  // devices.md: 3 relays, class C, no schedule.
  'netvox-r831c': { scheduling: 'central', dimming: false, channels: 3, multicastSlots: 0, timedOverride: false },
  // lighting.md §2: 8 relays, metering, central scheduling.
  'milesight-ws558': { scheduling: 'central', dimming: false, channels: 8, multicastSlots: 0, timedOverride: false },
};

const ALIASES: Record<string, string> = {
  ul20xx: 'nas-ul20xx', 'nas ul20xx': 'nas-ul20xx', r831c: 'netvox-r831c', 'netvox r831c': 'netvox-r831c', ws558: 'milesight-ws558', 'milesight ws558': 'milesight-ws558',
};

/** The capabilities of a model id (codec model, e.g. `nas-ul20xx`, or a common alias). */
export function capabilitiesOf(model: string): LightingCapabilities {
  let key = String(model ?? '').trim().toLowerCase();
  if (/^ul20\d\d$/.test(key)) key = 'nas-ul20xx';
  key = ALIASES[key] ?? key;
  const known = TABLE[key];
  if (known) return { model: key, known: true, ...known };
  return { model: key, known: false, scheduling: 'central', dimming: false, channels: 1, multicastSlots: 0, timedOverride: false };
}

/**
 * DevEUI prefixes (IEEE OUI) of the lighting controllers of the city's fleet, for reference tables
 * that give a devEui without a model column (data/lighting-cabinets.csv): Milesight (24E124) cabinet
 * relays are WS558, Netvox (00137A) R831C, NAS (4C1CB6) UL20xx. A `model` column always wins.
 */
export function guessLightingModel(devEui: string): string | undefined {
  const e = String(devEui ?? '').toLowerCase();
  if (e.startsWith('24e124')) return 'milesight-ws558';
  if (e.startsWith('00137a')) return 'netvox-r831c';
  if (e.startsWith('4c1cb6')) return 'nas-ul20xx';
  return undefined;
}

function hhmm(minutes: number): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * The program as the device must receive it at an instant: clock steps rounded to the device's step
 * (10 min for NAS) and, for a UTC device clock, shifted to UTC with the Paris offset in force at
 * `atEpochMs` (so it must be uploaded again at each DST switch). Central models: unchanged.
 */
export function deviceProgram(program: LightingProgram, caps: LightingCapabilities, atEpochMs: number, warnings: string[] = []): LightingProgram {
  if (caps.scheduling !== 'device') return program;
  const shift = caps.deviceClock === 'utc' ? utcOffsetMin(atEpochMs) : 0;
  const step = caps.stepMinutes ?? 1;
  const steps: ProgramStep[] = program.steps.map((s) => {
    if (s.at.kind !== 'clock') return s;
    const local = parseClock(s.at.time);
    const rounded = Math.round(local / step) * step;
    if (rounded !== local) warnings.push(`${caps.model}: ${s.at.time} rounded to ${hhmm(rounded)} (${step}-minute steps)`);
    return { ...s, at: { kind: 'clock', time: hhmm(rounded - shift) } };
  });
  // The device wants its profile steps in time order.
  const clock = steps.filter((s) => s.at.kind === 'clock').sort((a, b) => (a.at as { time: string }).time.localeCompare((b.at as { time: string }).time));
  return { ...program, steps: [...clock, ...steps.filter((s) => s.at.kind !== 'clock')] };
}

/** Sun elevation rate at sunset/sunrise at the equinox (°/min): 0.25 × cos(latitude). */
function elevationRate(latitude: number): number {
  return 0.25 * Math.cos((latitude * Math.PI) / 180);
}

/**
 * The NAS UL20xx frames of a device program (as `deviceProgram` returns it), through the vendor
 * encoders: profile (clock steps), astro clock (sunset/sunrise steps; an offset of n minutes becomes a
 * zenith of 90.833° ± n × 0.25 × cos(latitude), the sun's rate at the equinox: ≈ 0.17°/min at Poitiers,
 * exact to a minute or two over the year) and holidays (MM-DD, at most 9). Throws on device limits.
 */
export function nasFrames(program: LightingProgram, latitude: number, longitude: number, options: { profileId?: number; holidays?: string[]; address?: string } = {}): EncodedDownlink[] {
  const frames: EncodedDownlink[] = [];
  const clock = program.steps.filter((s) => s.at.kind === 'clock');
  if (clock.length > 9) throw new RangeError(`program "${program.name || program.id}" has ${clock.length} clock steps (NAS: 9 at most)`);
  if (clock.length > 0) {
    const days = new Set<string>();
    const names = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    for (const rule of program.calendar ?? []) {
      if (rule.publicHolidays !== true) for (const d of rule.weekdays?.length ? rule.weekdays : [1, 2, 3, 4, 5, 6, 7]) days.add(names[d - 1]);
      if (rule.publicHolidays !== false) days.add('holiday');
    }
    frames.push(encodeUl20xx({
      type: 'uploadProfile', id: options.profileId ?? 0, ...(options.address ? { address: options.address } : {}),
      ...(days.size > 0 ? { days: ['holiday', ...names].filter((d) => days.has(d)) } : {}),
      steps: clock.map((s) => ({ time: (s.at as { time: string }).time, level: s.level })),
    }));
  }
  const solar = program.steps.filter((s) => s.at.kind !== 'clock');
  if (solar.length > 0) {
    const rate = elevationRate(latitude);
    const zenith = (s: ProgramStep): number => {
      const at = s.at as { kind: 'sunset' | 'sunrise'; offsetMin: number };
      const offset = Number(at.offsetMin) || 0;
      // After sunset the sun is lower (larger zenith); after sunrise it is higher (smaller zenith).
      return 90.833 + (at.kind === 'sunset' ? offset : -offset) * rate;
    };
    frames.push(encodeUl20xx({
      type: 'astroClock', latitude, longitude,
      sunrise: solar.filter((s) => s.at.kind === 'sunrise').map((s) => ({ zenith: zenith(s), level: s.level })),
      sunset: solar.filter((s) => s.at.kind === 'sunset').map((s) => ({ zenith: zenith(s), level: s.level })),
    }));
  }
  if (options.holidays) frames.push(encodeUl20xx({ type: 'holidays', dates: options.holidays.slice(0, 9).map((d) => d.slice(-5)) }));
  return frames;
}
