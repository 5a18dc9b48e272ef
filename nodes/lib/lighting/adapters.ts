/**
 * Lighting adapters: a CommandRequest for a device (or multicast) target → the downlink frame(s) of its
 * model, through the package's existing encoders (nodes/lib/codecs: never re-encoded here). Pure: no
 * Node-RED import.
 *
 * - `nas-ul20xx` (luminaire controller, dimming, schedule in the device, lighting.md §3): setLevel
 *   (fPort 60 `01 addr level`, or `09 addr level minutes` with durationMin), resume (`01 addr FF`),
 *   requestStatus (`05 03`), syncTime (fPort 50 `09 u32`; no time = LoRaWAN DeviceTimeReq), uploadProgram
 *   (profile `21…` for the clock steps, astro clock `20…` for sunset/sunrise steps, holidays `23…` when
 *   given), uploadCalendar (holidays `23…`). The target's `channel` is the NAS address name
 *   (`dali_broadcast` by default, `dali_single_<n>`, `dali_group_<n>`, `analog_0_10v`).
 * - `netvox-r831c` (3 relays) and `milesight-ws558` (8 switched outputs): cabinet relays with no
 *   schedule of their own, driven centrally. No dimming: a level above 0 closes the relay (on), 0 opens
 *   it (off); durationMin is not sent (the device has no timer: lighting-control ends the override
 *   itself). `channel` names one relay (`relay1`…`relay3`, `switch1`…`switch8`); none = all. resume,
 *   uploadProgram, uploadCalendar and syncTime have no meaning for them: a clear error (lighting-control
 *   turns "resume" into the program's level in force before it gets here).
 */
import { encodeUl20xx } from '../codecs/nas/ul20xx';
import { r831c, R831C_RELAYS } from '../codecs/netvox/r831c';
import { ws558, WS558_SWITCHES } from '../codecs/milesight/ws558';
import type { EncodedDownlink } from '../codecs/types';
import { capabilitiesOf } from './capabilities';
import type { CommandRequest, DownlinkRequest, LightingCommand, LightingProgram } from './model';

/**
 * What lighting-control needs to know of a model: the shared facts (dimming, where the program runs,
 * timed overrides) come from capabilities.ts; the adapter adds what its encoders and the status
 * frames need.
 */
export interface AdapterCapabilities {
  model: string;
  /** Levels between 0 and 100 (else on/off). */
  dimming: boolean;
  /** The program runs in the device (uploadProgram), else centrally (lighting-schedule emits each step). */
  deviceSchedule: boolean;
  /** The device ends a timed override by itself (setLevel with durationMin). */
  timedOverride: boolean;
  /** The output channels a status reports (for confirmation); the first is the default. */
  channels: readonly string[];
  /** Status quantity carrying the actual state: light_level (%) or relay_state (0/1). */
  statusQuantity: 'light_level' | 'relay_state';
  commands: ReadonlyArray<LightingCommand['type']>;
}

function adapter(model: string, own: Pick<AdapterCapabilities, 'channels' | 'statusQuantity' | 'commands'>): AdapterCapabilities {
  const shared = capabilitiesOf(model);
  return { model, dimming: shared.dimming, deviceSchedule: shared.scheduling === 'device', timedOverride: shared.timedOverride, ...own };
}

export const ADAPTERS: Readonly<Record<string, AdapterCapabilities>> = {
  'nas-ul20xx': adapter('nas-ul20xx', {
    channels: ['dali_broadcast'], statusQuantity: 'light_level',
    commands: ['setLevel', 'resume', 'requestStatus', 'syncTime', 'uploadProgram', 'uploadCalendar'],
  }),
  'netvox-r831c': adapter('netvox-r831c', { channels: [...R831C_RELAYS], statusQuantity: 'relay_state', commands: ['setLevel', 'requestStatus'] }),
  'milesight-ws558': adapter('milesight-ws558', { channels: [...WS558_SWITCHES], statusQuantity: 'relay_state', commands: ['setLevel', 'requestStatus'] }),
};

/** A command the adapter cannot turn into a frame: unknown model, unsupported command, bad value. */
export class AdapterError extends Error {
  constructor(readonly code: 'unknown-model' | 'unsupported-command' | 'bad-target' | 'bad-command', message: string) {
    super(message);
    this.name = 'AdapterError';
  }
}

export function capabilitiesOfModel(model: string): AdapterCapabilities | undefined {
  return Object.prototype.hasOwnProperty.call(ADAPTERS, model) ? ADAPTERS[model] : undefined;
}

export interface AdaptOptions {
  /** NAS profile id (0–7) for uploadProgram; default: the program id when it is "0"…"7", else 0. */
  profileId?: number;
  /** Holidays (YYYY-MM-DD or MM-DD) sent with an uploadProgram to a NAS controller. */
  holidays?: string[];
  /** NAS astro zenith in degrees (default 90.83, the device's default: official sunset/sunrise). */
  zenith?: number;
}

/** The frames of one request; `warnings` say what was adapted (e.g. holidays truncated to the device limit). */
export interface Adapted {
  downlinks: DownlinkRequest[];
  warnings: string[];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const NAS_MAX_HOLIDAYS = 9;

/** YYYY-MM-DD or MM-DD → MM-DD, the upcoming ones first from `from` (YYYY-MM-DD), at most 9 (device limit). */
function nasHolidays(dates: readonly string[], from: string, warnings: string[]): string[] {
  const seen = new Set<string>();
  const dated: Array<{ key: string; md: string }> = [];
  for (const d of dates) {
    const m = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(d);
    if (!m) throw new AdapterError('bad-command', `holiday "${d}" is neither YYYY-MM-DD nor MM-DD`);
    const md = `${m[2]}-${m[3]}`;
    if (seen.has(md)) continue;
    seen.add(md);
    dated.push({ key: m[1] ? `${m[1]}-${md}` : `${from.slice(0, 4)}-${md}`, md });
  }
  if (dated.length <= NAS_MAX_HOLIDAYS) return dated.map((d) => d.md); // as given
  const upcoming = dated.filter((d) => d.key >= from).sort((a, b) => a.key.localeCompare(b.key));
  const past = dated.filter((d) => d.key < from).sort((a, b) => a.key.localeCompare(b.key));
  const ordered = [...upcoming, ...past];
  if (ordered.length > NAS_MAX_HOLIDAYS) {
    warnings.push(`the NAS controller keeps at most ${NAS_MAX_HOLIDAYS} holidays: the ${NAS_MAX_HOLIDAYS} next ones are sent (${ordered.slice(NAS_MAX_HOLIDAYS).map((d) => d.md).join(', ')} left out)`);
  }
  return ordered.slice(0, NAS_MAX_HOLIDAYS).map((d) => d.md);
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The NAS profile's day list from a program calendar; `dates` rules are resolved upstream (lighting-schedule uploads the program in force). */
function nasDays(program: LightingProgram): string[] | undefined {
  const rules = program.calendar ?? [];
  if (rules.length === 0) return undefined; // every day and holidays
  const days = new Set<string>();
  let holiday = false;
  for (const rule of rules) {
    if (rule.publicHolidays !== true) for (const d of rule.weekdays ?? [1, 2, 3, 4, 5, 6, 7]) {
      if (!Number.isInteger(d) || d < 1 || d > 7) throw new AdapterError('bad-command', `weekday ${d} is not 1 (Monday) to 7 (Sunday)`);
      days.add(DAY_NAMES[d - 1]);
    }
    if (rule.publicHolidays !== false) holiday = true;
  }
  const list = DAY_NAMES.filter((d) => days.has(d));
  if (holiday) list.unshift('holiday');
  if (list.length === 0) throw new AdapterError('bad-command', `program "${program.id}" applies on no day`);
  return list;
}

function nasUploadProgram(request: CommandRequest, command: Extract<LightingCommand, { type: 'uploadProgram' }>, address: string, options: AdaptOptions, warnings: string[]): EncodedDownlink[] {
  const program = command.program;
  const clock = program.steps.filter((s) => s.at.kind === 'clock');
  const solar = program.steps.filter((s) => s.at.kind !== 'clock');
  const frames: EncodedDownlink[] = [];
  if (clock.length > 0) {
    const id = options.profileId ?? (/^[0-7]$/.test(program.id) ? Number(program.id) : 0);
    const days = nasDays(program);
    const steps = clock.map((s) => ({ time: (s.at as { time: string }).time, level: s.level }));
    frames.push(encodeUl20xx({ type: 'uploadProfile', id, address, ...(days ? { days } : {}), steps }));
  }
  if (solar.length > 0) {
    const zenith = options.zenith ?? 90.83;
    const sunrise: Array<{ zenith: number; level: number }> = [];
    const sunset: Array<{ zenith: number; level: number }> = [];
    for (const s of solar) {
      const at = s.at as { kind: 'sunset' | 'sunrise'; offsetMin: number };
      if (at.offsetMin !== 0) {
        throw new AdapterError('unsupported-command', `the NAS astro clock switches at a sun zenith angle, not at ${at.kind} ${at.offsetMin > 0 ? '+' : ''}${at.offsetMin} min: use offset 0 (or a zenith option), or run this program centrally`);
      }
      (at.kind === 'sunset' ? sunset : sunrise).push({ zenith, level: s.level });
    }
    frames.push(encodeUl20xx({ type: 'astroClock', latitude: command.latitude, longitude: command.longitude, sunrise, sunset }));
  }
  if (frames.length === 0) throw new AdapterError('bad-command', `program "${program.id}" has no step`);
  if (options.holidays !== undefined) {
    frames.push(encodeUl20xx({ type: 'holidays', dates: nasHolidays(options.holidays, request.requestedAt.slice(0, 10), warnings) }));
  }
  return frames;
}

function nasFrames(request: CommandRequest, address: string, options: AdaptOptions, warnings: string[]): EncodedDownlink[] {
  const c = request.command;
  switch (c.type) {
    case 'setLevel': return [encodeUl20xx({ type: 'setLevel', address, level: c.level, ...(c.durationMin !== undefined ? { durationMin: c.durationMin } : {}) })];
    case 'resume': return [encodeUl20xx({ type: 'resume', address })];
    case 'requestStatus': return [encodeUl20xx({ type: 'requestStatus' })];
    case 'syncTime': return [encodeUl20xx({ type: 'syncTime', ...(c.time ? { time: c.time } : {}) })];
    case 'uploadProgram': return nasUploadProgram(request, c, address, options, warnings);
    case 'uploadCalendar': return [encodeUl20xx({ type: 'holidays', dates: nasHolidays(c.holidays, request.requestedAt.slice(0, 10), warnings) })];
    default: throw new AdapterError('unsupported-command', `command "${(c as { type: string }).type}" is unknown`);
  }
}

/** Relay numbers (1-based) of a channel name, or all. */
function relayNumbers(channel: string | undefined, names: readonly string[], model: string): number[] {
  if (channel === undefined || channel === '' || channel === 'all') return names.map((_n, i) => i + 1);
  const i = names.indexOf(channel);
  if (i < 0) throw new AdapterError('bad-target', `${model} has no output "${channel}" (${names.join(', ')} or all)`);
  return [i + 1];
}

function relayFrames(model: string, request: CommandRequest, channel: string | undefined, warnings: string[]): EncodedDownlink[] {
  const c = request.command;
  const caps = ADAPTERS[model];
  if (!caps.commands.includes(c.type)) {
    const why = c.type === 'resume'
      ? 'a relay has no schedule of its own: lighting-control sends the program level in force instead'
      : 'a cabinet relay has no schedule, calendar or clock of its own (it is driven centrally)';
    throw new AdapterError('unsupported-command', `${model} does not take "${c.type}": ${why}`);
  }
  if (c.type === 'setLevel') {
    if (!Number.isInteger(c.level) || c.level < 0 || c.level > 100) throw new AdapterError('bad-command', `level must be an integer from 0 to 100 (got ${JSON.stringify(c.level)})`);
    if (c.level > 0 && c.level < 100) warnings.push(`${model} cannot dim: level ${c.level} % switches the output on`);
    const relays = relayNumbers(channel, caps.channels, model);
    const on = c.level > 0;
    if (model === 'netvox-r831c') return [r831c.encode!({ type: on ? 'on' : 'off', relays })];
    return [ws558.encode!({ type: 'setSwitches', [on ? 'on' : 'off']: relays })];
  }
  // requestStatus
  return [(model === 'netvox-r831c' ? r831c : ws558).encode!({ type: 'readStatus' })];
}

/** Frames of a command for one model and channel (no addressing: the caller adds devEui or multicastGroupId). */
export function encodeForModel(model: string, request: CommandRequest, channel: string | undefined, options: AdaptOptions = {}, warnings: string[] = []): EncodedDownlink[] {
  const caps = capabilitiesOfModel(model);
  if (caps === undefined) throw new AdapterError('unknown-model', `no lighting adapter for model "${model}" (${Object.keys(ADAPTERS).join(', ')})`);
  try {
    if (model === 'nas-ul20xx') return nasFrames(request, channel === undefined || channel === '' ? 'dali_broadcast' : channel, options, warnings);
    return relayFrames(model, request, channel, warnings);
  } catch (err) {
    if (err instanceof AdapterError) throw err;
    throw new AdapterError('bad-command', `${model}: ${(err as Error).message}`);
  }
}

/** A device or multicast CommandRequest → its DownlinkRequest(s), ids `<request id>` or `<request id>#<n>` when several. */
export function adapt(request: CommandRequest, options: AdaptOptions = {}): Adapted {
  const warnings: string[] = [];
  const target = request.target;
  let frames: EncodedDownlink[];
  let address: Pick<DownlinkRequest, 'devEui' | 'applicationId' | 'multicastGroupId'>;
  if (target.kind === 'device') {
    frames = encodeForModel(target.model, request, target.channel, options, warnings);
    address = { devEui: target.devEui, ...(target.applicationId ? { applicationId: target.applicationId } : {}) };
  } else if (target.kind === 'multicast') {
    frames = encodeForModel(target.model, request, undefined, options, warnings);
    address = { multicastGroupId: target.multicastGroupId };
  } else {
    throw new AdapterError('bad-target', `group "${target.group}" must be expanded to its members (or its multicast group) before adapting`);
  }
  const downlinks = frames.map((f, i) => ({
    id: frames.length === 1 ? request.id : `${request.id}#${i + 1}`,
    ...address,
    fPort: f.fPort,
    dataHex: hex(f.bytes),
  }));
  return { downlinks, warnings };
}
