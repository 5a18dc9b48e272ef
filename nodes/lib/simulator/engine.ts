/**
 * The simulated LoRaWAN network: plays a fleet (see fleet.ts) as ChirpStack v4 would publish it.
 *
 * Time. The engine reads real time from `now()` (injectable for tests) and runs a virtual clock that
 * goes `speed` times faster: the world (consumption profiles, sunset and sunrise) follows the virtual
 * clock, devices send every `intervalMinutes / speed` real minutes, and each event carries the real
 * time, as a network server stamps it (so time series are never in the future). The virtual clock
 * pauses while the network is stopped.
 *
 * Scheduling. `tick()` returns the uplinks due at that moment; `nextDueTime()` says when to call it
 * again. On every start the first frame of each device comes within `firstFrameWindowMs`, spread, so a
 * fresh start shows traffic at once.
 */
import { buildUpEvent, eventTopic, radioProfile, RadioProfile, UpEvent } from './chirpstack';
import { DownlinkError, parseDownlinkCommand } from './downlink';
import { Fluid, FleetDevice } from './fleet';
import { HistoryOptions, historyTimes } from './history';
import { encoderFor, Frame, FrameEncoder, isCommandable, SIMULATED_MODELS } from './frames';
import { malformedFrame, malformedKind } from './frames/malformed';
import { Random, randomInt, streamFor } from './random';
import {
  advanceState, createDeviceState, DeviceState, lightingPower, Scenario, SCENARIO_SCOPE, SCENARIOS, scenarioApplies, updateLighting,
} from './state';

export interface EngineOptions {
  /** Time acceleration (default 60: a 15-minute meter sends every 15 s). */
  speed?: number;
  /** Seed of every random choice except the deduplication ids (default 1). */
  seed?: number;
  /** Real clock in ms (default Date.now). */
  now?: () => number;
  /** Comma-separated model ids, fluids or DevEUIs: only those devices are simulated (default: all). */
  filter?: string;
  /** Span in which every device sends its first frame after a start (default 5,000 ms). */
  firstFrameWindowMs?: number;
  /** Start frame counters at seeded random values (default) instead of 0. */
  randomFCnt?: boolean;
  /** Virtual time at the first start (default: the real time then). */
  virtualStart?: number;
}

export const MAX_SPEED = 100_000;
/** No device sends more often than this, whatever the speed (ms). */
export const MIN_PERIOD_MS = 100;

/** An uplink ready to publish: the MQTT topic and the event. */
export interface SimulatedUplink {
  topic: string;
  devEui: string;
  event: UpEvent;
}

export interface DownlinkResult {
  devEui: string;
  model: string;
  applied: boolean;
  description: string;
  /** Uplinks the device sends in answer (its status after the command). */
  uplinks: SimulatedUplink[];
}

interface Simulated {
  device: FleetDevice;
  encoder: FrameEncoder;
  radio: RadioProfile;
  state: DeviceState;
  /** Radio noise and channel choices of this device. */
  air: Random;
  periodMs: number;
  nextDue?: number;
}

/** Devices whose past the history replay plays: the meters. */
export const HISTORY_FLUIDS: readonly Fluid[] = ['water', 'gas', 'electricity'];
/** Integration step of the history replay: an hour, the resolution of the consumption profiles. */
const HISTORY_STEP_MS = 3_600_000;

/** A replay in progress: the uplinks of one report time of every meter, batch after batch, oldest first. */
export interface HistoryReplay {
  /** Report times of the replay (epoch ms). */
  readonly times: readonly number[];
  /** Devices replayed. */
  readonly devEuis: readonly string[];
  /** Number of uplinks the whole replay sends. */
  readonly total: number;
  /** The next batch (one report time), or undefined at the end. */
  next(): SimulatedUplink[] | undefined;
}

export interface EngineStats {
  /** Uplinks produced since the engine was created. */
  sent: number;
  /** Frames not sent because the device is offline (scenario). */
  skipped: number;
  /** Downlinks taken (applied or not). */
  downlinks: number;
}

/** Keeps the devices a filter names: model ids, fluids or DevEUIs, comma-separated. */
export function filterFleet(fleet: readonly FleetDevice[], filter: string | undefined): FleetDevice[] {
  const terms = (filter ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (terms.length === 0) return [...fleet];
  const kept = fleet.filter((d) => terms.includes(d.model) || terms.includes(d.fluid) || terms.includes(d.devEui));
  if (kept.length === 0) throw new Error(`the device filter "${filter}" matches no device (use model ids, fluids or DevEUIs)`);
  return kept;
}

export class SimulatorEngine {
  readonly speed: number;
  readonly seed: number;
  readonly devices: readonly FleetDevice[];
  readonly stats: EngineStats = { sent: 0, skipped: 0, downlinks: 0 };
  private readonly now: () => number;
  private readonly firstWindowMs: number;
  private readonly randomFCnt: boolean;
  private readonly sims = new Map<string, Simulated>();
  private running = false;
  private epochReal = 0;
  private epochVirtual = 0;
  /** Virtual time when stopped (the clock pauses); undefined before the first start and after a reset. */
  private pausedVirtual?: number;
  private starts = 0;
  /** Meters whose history is being replayed: no live frame until the replay ends. */
  private readonly held = new Set<string>();

  constructor(fleet: readonly FleetDevice[], private readonly options: EngineOptions = {}) {
    const speed = options.speed ?? 60;
    if (!(typeof speed === 'number' && speed > 0 && speed <= MAX_SPEED)) {
      throw new Error(`speed must be a number greater than 0 and at most ${MAX_SPEED} (got ${speed})`);
    }
    this.speed = speed;
    this.seed = Math.floor(options.seed ?? 1) >>> 0;
    this.now = options.now ?? Date.now;
    this.firstWindowMs = Math.max(0, options.firstFrameWindowMs ?? 5000);
    this.randomFCnt = options.randomFCnt ?? true;
    const unknown = fleet.filter((d) => !encoderFor(d.model));
    if (unknown.length > 0) {
      throw new Error(`no simulated model for ${unknown.map((d) => `${d.devEui} (${d.model}, line ${d.line})`).join(', ')}; ` +
        `simulated models: ${SIMULATED_MODELS.join(', ')}`);
    }
    this.devices = filterFleet(fleet, options.filter);
    this.createStates();
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The virtual time now (ms). */
  virtualNow(now = this.now()): number {
    if (this.running) return this.epochVirtual + (now - this.epochReal) * this.speed;
    return this.pausedVirtual ?? this.options.virtualStart ?? now;
  }

  /** The state of a simulated device (for tests and diagnostics). */
  state(devEui: string): DeviceState | undefined {
    return this.sims.get(devEui.toLowerCase())?.state;
  }

  /** Reporting period of a device at this speed (real ms). */
  periodOf(devEui: string): number | undefined {
    return this.sims.get(devEui.toLowerCase())?.periodMs;
  }

  private createStates(): void {
    this.sims.clear();
    const now = this.now();
    const virtual = this.virtualNow(now);
    for (const device of this.devices) {
      const encoder = encoderFor(device.model) as FrameEncoder;
      const radio = radioProfile(device, streamFor(this.seed, device.devEui, 'radio'));
      const setup = streamFor(this.seed, device.devEui, 'setup');
      const state = createDeviceState(device, {
        fCnt: this.randomFCnt ? randomInt(setup, 1, 20000) : 0,
        virtualTime: virtual,
        time: now,
        link: { rssi: radio.gateways[0].rssi, snr: radio.gateways[0].snr },
        random: streamFor(this.seed, device.devEui, 'world'),
      });
      this.sims.set(device.devEui, {
        device, encoder, radio, state,
        air: streamFor(this.seed, device.devEui, 'air'),
        periodMs: Math.max(MIN_PERIOD_MS, (device.intervalMinutes * 60_000) / this.speed),
      });
    }
  }

  /** Starts (or resumes) the network; the first frames come within the first-frame window. */
  start(): void {
    if (this.running) return;
    const now = this.now();
    this.epochVirtual = this.virtualNow(now);
    this.epochReal = now;
    this.running = true;
    this.starts++;
    const spread = streamFor(this.seed, 'start', String(this.starts));
    const count = this.sims.size;
    let i = 0;
    for (const sim of this.sims.values()) {
      const window = Math.min(this.firstWindowMs, sim.periodMs);
      sim.nextDue = this.held.has(sim.device.devEui) ? undefined : now + (window * (i + spread())) / Math.max(1, count);
      i++;
    }
  }

  /** Ends the hold of the replayed meters: they send their first live frame within the first-frame window. */
  private release(): void {
    if (this.held.size === 0) return;
    const now = this.now();
    const spread = streamFor(this.seed, 'release', String(this.starts));
    const released = [...this.held].map((devEui) => this.sims.get(devEui)).filter((sim): sim is Simulated => sim !== undefined);
    this.held.clear();
    if (!this.running) return;
    released.forEach((sim, i) => {
      sim.nextDue = now + (Math.min(this.firstWindowMs, sim.periodMs) * (i + spread())) / Math.max(1, released.length);
    });
  }

  /** True while the history of the meters is being replayed (their live frames wait). */
  get replaying(): boolean {
    return this.held.size > 0;
  }

  /** Stops the network: no more uplinks, the virtual clock pauses. */
  stop(): void {
    if (!this.running) return;
    this.pausedVirtual = this.virtualNow();
    this.running = false;
    for (const sim of this.sims.values()) sim.nextDue = undefined;
  }

  /** Back to the fleet's initial state (indexes, counters, scenarios); the virtual clock restarts at real time. */
  reset(): void {
    const wasRunning = this.running;
    this.running = false;
    this.pausedVirtual = undefined;
    this.held.clear();
    this.createStates();
    if (wasRunning) this.start();
  }

  /**
   * The past of the meters (water, gas, electricity), to publish before going live: each meter goes
   * back to its initial index at the start of the history and reports at the history's times
   * (history.ts), the events stamped with those past times. Batches are built on demand (next()), so
   * the caller paces the replay. The network may start meanwhile: the other devices go live, the
   * meters wait until the last batch has been taken, then go on from the history's end (their live
   * indexes continue the replayed ones). Only before the first start.
   */
  replayHistory(options: HistoryOptions): HistoryReplay {
    if (this.running || this.starts > 0) throw new Error('the history can only be replayed before the simulated network first starts');
    const times = historyTimes({ ...options, until: options.until ?? this.now() }, this.now());
    const sims = [...this.sims.values()].filter((sim) => HISTORY_FLUIDS.includes(sim.device.fluid));
    for (const { state, device } of sims) {
      state.virtualTime = times[0] ?? state.virtualTime;
      state.index = device.initialIndex;
      state.history = [];
      this.held.add(device.devEui);
    }
    let position = 0;
    return {
      times,
      devEuis: sims.map((sim) => sim.device.devEui),
      total: times.length * sims.length,
      next: () => {
        if (position >= times.length) {
          this.release();
          return undefined;
        }
        const t = times[position++];
        return sims.map((sim) => {
          advanceState(sim.state, t, HISTORY_STEP_MS);
          sim.state.time = t;
          return this.uplink(sim, this.regularFrame(sim), t);
        });
      },
    };
  }

  /** The index of each meter (water, gas, electricity), in base units: saved so that a restart goes on from it. */
  meterIndexes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const sim of this.sims.values()) {
      if (HISTORY_FLUIDS.includes(sim.device.fluid) && !this.held.has(sim.device.devEui)) out[sim.device.devEui] = sim.state.index;
    }
    return out;
  }

  /**
   * Puts saved meter indexes back (after a restart), so that meter-index does not see the meters go back
   * to their initial index (a reset). Unknown devices, non-meters and values below the initial index are
   * ignored; returns the DevEUIs restored.
   */
  restoreMeterIndexes(indexes: Record<string, unknown>): string[] {
    const restored: string[] = [];
    for (const [devEui, value] of Object.entries(indexes ?? {})) {
      const sim = this.sims.get(devEui.toLowerCase());
      if (!sim || !HISTORY_FLUIDS.includes(sim.device.fluid) || this.held.has(sim.device.devEui)) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < sim.device.initialIndex) continue;
      sim.state.index = value;
      sim.state.history = [];
      restored.push(sim.device.devEui);
    }
    return restored;
  }

  /** When the next uplink is due (real ms), or undefined when stopped. */
  nextDueTime(): number | undefined {
    let next: number | undefined;
    for (const sim of this.sims.values()) {
      if (sim.nextDue !== undefined && (next === undefined || sim.nextDue < next)) next = sim.nextDue;
    }
    return next;
  }

  /** The uplinks due at `now`, in due order; schedules each device's next one. */
  tick(now = this.now()): SimulatedUplink[] {
    if (!this.running) return [];
    const due = [...this.sims.values()]
      .filter((sim) => sim.nextDue !== undefined && sim.nextDue <= now)
      .sort((a, b) => (a.nextDue as number) - (b.nextDue as number));
    const out: SimulatedUplink[] = [];
    const virtual = this.virtualNow(now);
    for (const sim of due) {
      // About ±2 % jitter, as real devices drift; never fall behind by more than a period.
      let next = (sim.nextDue as number) + sim.periodMs * (0.98 + sim.air() * 0.04);
      if (next <= now) next = now + sim.periodMs * sim.air();
      sim.nextDue = next;
      advanceState(sim.state, virtual);
      if (sim.state.scenarios.has('offline')) {
        this.stats.skipped++;
        continue;
      }
      sim.state.time = now;
      out.push(...this.pendingUplinks(sim, now), this.uplink(sim, this.regularFrame(sim), now));
    }
    return out;
  }

  /** Makes a device send a frame now, outside its schedule (e.g. to show a scenario at once). */
  uplinkNow(devEui: string): SimulatedUplink {
    const sim = this.simOf(devEui);
    const now = this.now();
    advanceState(sim.state, this.virtualNow(now));
    sim.state.time = now;
    return this.uplink(sim, this.regularFrame(sim), now);
  }

  /**
   * Makes a device send now the frames it has pending (e.g. the alert of a lamp failure), then a
   * regular frame; nothing while it is offline.
   */
  uplinksNow(devEui: string): SimulatedUplink[] {
    const sim = this.simOf(devEui);
    if (sim.state.scenarios.has('offline')) return [];
    const now = this.now();
    advanceState(sim.state, this.virtualNow(now));
    sim.state.time = now;
    return [...this.pendingUplinks(sim, now), this.uplink(sim, this.regularFrame(sim), now)];
  }

  private simOf(devEui: string): Simulated {
    const sim = this.sims.get(String(devEui).toLowerCase());
    if (!sim) throw new Error(`unknown device ${devEui}: not in the simulated fleet`);
    if (this.held.has(sim.device.devEui)) throw new Error(`device ${sim.device.devEui} is replaying its history: wait for the end`);
    return sim;
  }

  /** The device's frame for its state, malformed while the `malformed` scenario is on. */
  private regularFrame(sim: Simulated): Frame {
    return this.malform(sim, sim.encoder.encodeUplink(sim.state));
  }

  private malform(sim: Simulated, frame: Frame): Frame {
    if (!sim.state.scenarios.has('malformed')) return frame;
    return malformedFrame(sim.device.model, frame, malformedKind(sim.state.uplinks));
  }

  private pendingUplinks(sim: Simulated, now: number): SimulatedUplink[] {
    const frames = sim.state.pendingFrames.splice(0);
    return frames.map((frame) => this.uplink(sim, frame, now));
  }

  private uplink(sim: Simulated, frame: Frame, now: number): SimulatedUplink {
    const { state, device } = sim;
    const event = buildUpEvent({
      device,
      radio: sim.radio,
      fCnt: state.fCnt,
      fPort: frame.fPort,
      bytes: frame.bytes,
      time: now,
      deviceClass: sim.encoder.deviceClass,
      random: sim.air,
    });
    state.fCnt = (state.fCnt + 1) >>> 0;
    state.uplinks++;
    state.history.unshift(state.index);
    if (state.history.length > 8) state.history.length = 8;
    state.lighting.reportedRelays = [...state.lighting.relays];
    this.stats.sent++;
    return { topic: eventTopic(device.applicationId, device.devEui), devEui: device.devEui, event };
  }

  /**
   * Turns a training scenario on or off for the devices a target names: a DevEUI, a model id, a site
   * id, or `*` for all. Only the devices the scenario applies to are affected (leak: water meters;
   * counter-reset: meters, at once, `on` only; day-burner: lighting; lamp-failure: NAS UL20xx and
   * Milesight WS558; offline, malformed: any). Returns their DevEUIs.
   */
  setScenario(target: string, scenario: Scenario, on: boolean): string[] {
    if (!(SCENARIOS as readonly string[]).includes(scenario)) {
      throw new Error(`unknown scenario "${scenario}" (one of: ${SCENARIOS.join(', ')})`);
    }
    const key = String(target ?? '').trim().toLowerCase();
    const named = [...this.sims.values()].filter((s) => key === '*' || key === 'all' || s.device.devEui === key ||
      s.device.model === key || s.device.site.toLowerCase() === key);
    if (named.length === 0) throw new Error(`no simulated device matches "${target}" (give a DevEUI, a model id, a site id or *)`);
    const targets = named.filter((s) => scenarioApplies(s.device, scenario));
    if (targets.length === 0) {
      throw new Error(`scenario ${scenario} does not apply to "${target}" (${SCENARIO_SCOPE[scenario]} only)`);
    }
    // A meter replaying its history takes no scenario yet, so it has none to turn off: a broad target
    // (all, a site, a model) acts on the others, and only a target that is all replaying is refused.
    const replaying = targets.filter((s) => this.held.has(s.device.devEui));
    const ready = targets.filter((s) => !this.held.has(s.device.devEui));
    if (on && ready.length === 0) {
      throw new Error(`${replaying.map((s) => s.device.devEui).join(', ')} ${replaying.length > 1 ? 'are' : 'is'} replaying the meters' history: wait for the end`);
    }
    const virtual = this.virtualNow();
    for (const { state, encoder } of ready) {
      advanceState(state, virtual);
      if (scenario === 'counter-reset') {
        if (on) { state.index = 0; state.history = []; }
      } else if (on) {
        const starting = !state.scenarios.has(scenario);
        state.scenarios.add(scenario);
        if (starting && encoder.scenarioFrames) state.pendingFrames.push(...encoder.scenarioFrames(state, scenario));
      } else {
        state.scenarios.delete(scenario);
      }
      updateLighting(state, virtual);
      if (state.device.fluid === 'lighting') state.rate = lightingPower(state);
    }
    return ready.map((s) => s.device.devEui);
  }

  /** Active scenarios per device (counter-reset is a one-off, never active). */
  activeScenarios(): { devEui: string; model: string; site: string; scenarios: Scenario[] }[] {
    return [...this.sims.values()]
      .filter((s) => s.state.scenarios.size > 0)
      .map((s) => ({ devEui: s.device.devEui, model: s.device.model, site: s.device.site, scenarios: [...s.state.scenarios] }));
  }

  /**
   * Takes a ChirpStack downlink command (topic and JSON payload) aimed at a simulated device. A
   * lighting controller applies what it understands and answers with its status uplink(s). Throws a
   * {@link DownlinkError} naming the field for a bad command or an unknown device.
   */
  handleDownlink(topic: string | undefined, payload: unknown): DownlinkResult {
    const command = parseDownlinkCommand(topic, payload);
    const sim = this.sims.get(command.devEui);
    if (!sim) throw new DownlinkError('devEui', `unknown device ${command.devEui}: not in the simulated fleet`);
    const { device, state, encoder } = sim;
    if (command.applicationId !== undefined && command.applicationId.toLowerCase() !== device.applicationId) {
      throw new DownlinkError('applicationId', `device ${device.devEui} belongs to application ${device.applicationId}, not ${command.applicationId} (topic)`);
    }
    this.stats.downlinks++;
    const result = (applied: boolean, description: string, uplinks: SimulatedUplink[] = []): DownlinkResult =>
      ({ devEui: device.devEui, model: device.model, applied, description, uplinks });
    if (!isCommandable(encoder)) return result(false, `${device.model} takes no commands in the simulated network`);
    if (state.scenarios.has('offline')) return result(false, 'the device is offline (training scenario)');
    const now = this.now();
    advanceState(state, this.virtualNow(now));
    state.time = now;
    const outcome = encoder.applyDownlink(state, command.fPort, command.bytes);
    const uplinks = outcome.answers.map((answer) => this.uplink(sim, this.malform(sim, answer(state)), now));
    return result(outcome.applied, outcome.description, uplinks);
  }
}
