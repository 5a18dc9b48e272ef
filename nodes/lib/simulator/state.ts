/**
 * The simulated physical world of one device: its meter index, instant power, comfort values and
 * lighting outputs, advanced along a virtual clock (the simulator's time acceleration).
 *
 * - Water, gas and electricity follow a daily profile: more consumption by day on weekdays, little at
 *   night and at weekends; gas follows the heating season. The yearly total is `annualConsumption`.
 * - Comfort (temperature, humidity, CO2) drifts towards targets set by occupancy and season.
 * - Lighting is on from sunset to sunrise at the device's position, except during its `nightCut`
 *   span; a manual command (downlink) holds until the schedule changes (or its own duration ends).
 * - Training scenarios (SCENARIOS): a leak adds a constant flow (LEAK_RATE), day-burner keeps a light on
 *   by day, lamp-failure leaves a commanded light dark (the load falls to LAMP_FAILURE_RESIDUAL of its
 *   rating, the lamp-on time stops), offline and malformed change what the device sends (engine.ts,
 *   frames/malformed.ts), counter-reset sets the index back to 0 once.
 */
import { Fluid, FleetDevice } from './fleet';
import { Random } from './random';
import { inDailySpan, isDark, localTime, LocalTime } from './time';

export const SCENARIOS = ['leak', 'offline', 'counter-reset', 'day-burner', 'lamp-failure', 'malformed'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Share of the rated lighting load still drawn during a lamp failure (drivers on standby). */
export const LAMP_FAILURE_RESIDUAL = 0.005;
/** Models whose frames can show a lamp failure: a lamp status bit or a metered power drop. */
export const LAMP_FAILURE_MODELS: readonly string[] = ['nas-ul20xx', 'milesight-ws558'];

/** Why a lighting output is at its level (maps onto the controllers' "reason" codes). */
export type LightingSource = 'day' | 'night' | 'night-cut' | 'manual' | 'day-burner';

export interface LightingOverride {
  /** Dimming level 0–100 (luminaire controllers). */
  level?: number;
  /** Relay states (cabinets). */
  relays?: boolean[];
  /** Whether the schedule had the light on when the command came: the override ends when that changes. */
  scheduledOn: boolean;
  /** Virtual time (ms) the override ends, for timed commands. */
  until?: number;
}

export interface LightingState {
  /** Outputs: 1 for a luminaire controller, 3 relays for a Netvox R831C, 8 for a Milesight WS558. */
  relays: boolean[];
  /** Relays as they were at the previous uplink (the WS558 reports which ones changed). */
  reportedRelays: boolean[];
  /** How many outputs the schedule drives (the others stay as commanded). */
  scheduledCircuits: number;
  /** Dimming level 0–100; for a cabinet, the share of its circuits that are on. */
  level: number;
  source: LightingSource;
  override?: LightingOverride;
  /** Mains voltage (V). */
  voltage: number;
  lampOnSeconds: number;
  operatingSeconds: number;
}

export interface ComfortState {
  temperature: number;
  humidity: number;
  co2: number;
}

export interface DeviceState {
  readonly device: FleetDevice;
  /** Uplink frame counter of the next frame. */
  fCnt: number;
  /** Uplinks sent so far (encoders alternate report types on it). */
  uplinks: number;
  /** Real time (ms) of the frame being built: the devices' own clocks. */
  time: number;
  /** Virtual time (ms) the state has been advanced to (daily profiles, sun). */
  virtualTime: number;
  /** Cumulative index in the base unit: m3 (water, gas) or Wh (electricity, lighting). */
  index: number;
  /** Instant consumption rate: W for electricity and lighting, m3/h for water and gas. */
  rate: number;
  /** Index values at the previous uplinks, most recent first (at most 8). */
  history: number[];
  comfort: ComfortState;
  lighting: LightingState;
  /** Battery voltage of battery-powered devices (V). */
  batteryVoltage: number;
  /** Radio link of the device as its gateways hear it: best RSSI (dBm) and SNR (dB). */
  link: { rssi: number; snr: number };
  /** CO2 level (ppm) the room reaches when occupied (comfort sensors). */
  readonly co2Peak: number;
  scenarios: Set<Scenario>;
  /** Frames the device sends before its next regular one (e.g. the alert of a lamp failure). */
  pendingFrames: Array<{ fPort: number; bytes: Buffer }>;
  /** Noise stream of this device. */
  readonly random: Random;
}

/** Default yearly consumption per fluid in base units, when the fleet file gives none. */
const DEFAULT_ANNUAL: Partial<Record<Fluid, number>> = { water: 500, gas: 5_000, electricity: 50_000_000 };
/** Default quantity per pulse in base units (1 L, 1 Wh). */
export const DEFAULT_PULSE_WEIGHT: Partial<Record<Fluid, number>> = { water: 0.001, gas: 0.001, electricity: 1 };

const GAS_MONTH = [1.9, 1.7, 1.4, 0.9, 0.4, 0.15, 0.1, 0.1, 0.25, 0.8, 1.4, 1.8];

function occupied(local: Pick<LocalTime, 'hour' | 'weekday'>): boolean {
  return local.weekday <= 5 && local.hour >= 8 && local.hour < 18;
}

function heatingSeason(month: number): boolean {
  return month <= 4 || month >= 10;
}

/** Consumption factor of a fluid at a local time, before normalisation. */
function rawProfile(fluid: Fluid, local: Pick<LocalTime, 'hour' | 'weekday' | 'month'>): number {
  const weekday = local.weekday <= 5;
  const h = local.hour;
  switch (fluid) {
    case 'electricity':
      return weekday ? (h >= 7 && h < 19 ? 1.7 : 0.55) : 0.5;
    case 'water':
      if (!weekday) return 0.3;
      if (h >= 8 && h < 18) return 2.2;
      return h >= 6 && h < 21 ? 0.8 : 0.1;
    case 'gas':
      return GAS_MONTH[local.month - 1] * (weekday ? (h >= 6 && h < 18 ? 1.4 : 0.6) : 0.8);
    default:
      return 1;
  }
}

const profileMeans = new Map<Fluid, number>();

/** Mean of the raw profile over a year (months × weekdays × hours), so that the yearly total is kept. */
function profileMean(fluid: Fluid): number {
  let mean = profileMeans.get(fluid);
  if (mean === undefined) {
    let sum = 0;
    let count = 0;
    for (let month = 1; month <= 12; month++) {
      for (let weekday = 1; weekday <= 7; weekday++) {
        for (let hour = 0; hour < 24; hour++) { sum += rawProfile(fluid, { month, weekday, hour }); count++; }
      }
    }
    mean = sum / count;
    profileMeans.set(fluid, mean);
  }
  return mean;
}

/** Consumption factor (mean 1 over a year) of a fluid at a local time. */
export function consumptionProfile(fluid: Fluid, local: Pick<LocalTime, 'hour' | 'weekday' | 'month'>): number {
  return rawProfile(fluid, local) / profileMean(fluid);
}

/** Number of relays of a lighting model, and how many circuits its schedule drives. */
function lightingLayout(model: string): { relays: number; scheduled: number } {
  if (model === 'milesight-ws558') return { relays: 8, scheduled: 4 };
  if (model === 'netvox-r831c') return { relays: 3, scheduled: 3 };
  return { relays: 1, scheduled: 1 };
}

/** Default lighting load (W): a luminaire or a cabinet. */
function ratedPower(device: FleetDevice): number {
  if (device.ratedPowerW !== undefined) return device.ratedPowerW;
  return lightingLayout(device.model).relays > 1 ? 3000 : 60;
}

function comfortTargets(local: LocalTime, co2Peak: number): ComfortState {
  const busy = occupied(local);
  const heating = heatingSeason(local.month);
  return {
    temperature: heating ? (busy ? 20.5 : 17.5) : (busy ? 24 : 23),
    humidity: busy ? 50 : 45,
    co2: busy ? co2Peak : 430,
  };
}

export interface StateInit {
  fCnt: number;
  virtualTime: number;
  time: number;
  link: { rssi: number; snr: number };
  random: Random;
}

export function createDeviceState(device: FleetDevice, init: StateInit): DeviceState {
  const layout = lightingLayout(device.model);
  const local = localTime(init.virtualTime);
  const co2Peak = 700 + Math.round(init.random() * 600);
  const targets = comfortTargets(local, co2Peak);
  const state: DeviceState = {
    device,
    fCnt: init.fCnt,
    uplinks: 0,
    time: init.time,
    virtualTime: init.virtualTime,
    index: device.initialIndex,
    rate: 0,
    history: [],
    comfort: {
      temperature: Math.round((targets.temperature + (init.random() - 0.5)) * 100) / 100,
      humidity: Math.round(targets.humidity + (init.random() - 0.5) * 6),
      co2: Math.round(targets.co2),
    },
    lighting: {
      relays: new Array<boolean>(layout.relays).fill(false),
      reportedRelays: new Array<boolean>(layout.relays).fill(false),
      scheduledCircuits: layout.scheduled,
      level: 0,
      source: 'day',
      voltage: 230,
      lampOnSeconds: Math.round(init.random() * 8000) * 3600,
      operatingSeconds: Math.round(8000 + init.random() * 8000) * 3600,
    },
    batteryVoltage: 3.6,
    link: init.link,
    co2Peak,
    scenarios: new Set(),
    pendingFrames: [],
    random: init.random,
  };
  updateLighting(state, init.virtualTime);
  return state;
}

/** What the lighting schedule asks for at a virtual time. */
export function scheduledLighting(state: DeviceState, at: number): { on: boolean; source: LightingSource } {
  const { device } = state;
  const dark = isDark(at, device.latitude, device.longitude);
  if (!dark) {
    return state.scenarios.has('day-burner') ? { on: true, source: 'day-burner' } : { on: false, source: 'day' };
  }
  if (device.nightCut && inDailySpan(localTime(at).minuteOfDay, device.nightCut)) return { on: false, source: 'night-cut' };
  return { on: true, source: 'night' };
}

/** Recomputes the lighting outputs at a virtual time: schedule, then a manual override while it holds. */
export function updateLighting(state: DeviceState, at: number): void {
  if (state.device.fluid !== 'lighting') return;
  const light = state.lighting;
  const scheduled = scheduledLighting(state, at);
  const held = light.override;
  const single = light.relays.length === 1;
  // A cabinet's relays have no clock of their own: a command holds until the next one. A luminaire
  // controller's manual level ends at its next program step.
  if (held && (held.until !== undefined ? at >= held.until : single && held.scheduledOn !== scheduled.on)) light.override = undefined;
  const circuits = light.scheduledCircuits;
  const override = light.override;
  light.source = override ? 'manual' : scheduled.source;
  if (single) {
    light.level = override?.level ?? (scheduled.on ? 100 : 0);
    light.relays = [light.level > 0];
  } else {
    light.relays = override?.relays
      ? [...override.relays]
      : light.relays.map((_, i) => (i < circuits ? scheduled.on : false));
    // day-burner on a cabinet: a stuck contactor or a manual bypass keeps its circuits closed whatever the command.
    if (state.scenarios.has('day-burner') && light.relays.slice(0, circuits).some((on) => !on)) {
      light.relays = light.relays.map((on, i) => on || i < circuits);
      light.source = 'day-burner';
    }
    const onCircuits = light.relays.slice(0, circuits).filter(Boolean).length;
    light.level = Math.round((onCircuits / circuits) * 100);
  }
}

/** Starts a manual lighting command (level for a luminaire controller, relays for a cabinet). */
export function setLightingOverride(state: DeviceState, command: { level?: number; relays?: boolean[]; until?: number }): void {
  const scheduled = scheduledLighting(state, state.virtualTime);
  state.lighting.override = { ...command, scheduledOn: scheduled.on };
  updateLighting(state, state.virtualTime);
}

/** Ends a manual lighting command: the schedule applies again. */
export function resumeLighting(state: DeviceState): void {
  state.lighting.override = undefined;
  updateLighting(state, state.virtualTime);
}

/** Instant lighting load (W) of the current outputs. */
export function lightingPower(state: DeviceState): number {
  const light = state.lighting;
  const rated = ratedPower(state.device);
  const share = state.scenarios.has('lamp-failure') ? LAMP_FAILURE_RESIDUAL : 1;
  if (light.relays.length === 1) return (rated * light.level * share) / 100;
  const perCircuit = rated / light.scheduledCircuits;
  return light.relays.slice(0, light.scheduledCircuits).filter(Boolean).length * perCircuit * share;
}

/** Extra flow of the leak scenario (m3/h): twice the mean flow, at least 50 L/h. */
export function leakRate(device: FleetDevice): number {
  const annual = device.annualConsumption || DEFAULT_ANNUAL[device.fluid] || 0;
  return Math.max(0.05, (2 * annual) / 8760);
}

const STEP_MS = 15 * 60_000;

/**
 * Advances the device's world from its virtual time to `to` (virtual ms), integrating consumption
 * in steps of at most 15 virtual minutes (or `maxStepMs`: the history replay takes an hour, the
 * profiles' own resolution) so that long gaps still follow the daily profile.
 */
export function advanceState(state: DeviceState, to: number, maxStepMs = STEP_MS): void {
  const { device } = state;
  let t = state.virtualTime;
  while (t < to) {
    const step = Math.min(maxStepMs, to - t);
    const mid = t + step / 2;
    const hours = step / 3_600_000;
    const local = localTime(mid);
    switch (device.fluid) {
      case 'water':
      case 'gas':
      case 'electricity': {
        const annual = device.annualConsumption || DEFAULT_ANNUAL[device.fluid] || 0;
        const noise = 0.85 + state.random() * 0.3;
        let rate = (annual / 8760) * consumptionProfile(device.fluid, local) * noise;
        if (device.fluid === 'water' && state.scenarios.has('leak')) rate += leakRate(device);
        state.rate = rate;
        state.index += rate * hours;
        break;
      }
      case 'lighting': {
        updateLighting(state, mid);
        const power = lightingPower(state);
        state.rate = power;
        state.index += power * hours;
        state.lighting.operatingSeconds += step / 1000;
        if (state.lighting.level > 0 && !state.scenarios.has('lamp-failure')) state.lighting.lampOnSeconds += step / 1000;
        break;
      }
      case 'comfort': {
        const target = comfortTargets(local, state.co2Peak);
        const k = 1 - Math.exp(-hours / 0.75);
        const c = state.comfort;
        c.temperature += (target.temperature - c.temperature) * k + (state.random() - 0.5) * 0.2;
        c.humidity += (target.humidity - c.humidity) * k + (state.random() - 0.5) * 1.5;
        c.co2 += (target.co2 - c.co2) * (1 - Math.exp(-hours / 0.4)) + (state.random() - 0.5) * 40;
        c.temperature = Math.round(c.temperature * 100) / 100;
        c.humidity = Math.min(95, Math.max(15, Math.round(c.humidity * 10) / 10));
        c.co2 = Math.max(400, Math.round(c.co2));
        break;
      }
    }
    t += step;
  }
  state.virtualTime = Math.max(state.virtualTime, to);
  if (device.fluid === 'lighting') {
    updateLighting(state, state.virtualTime);
    state.rate = lightingPower(state);
    state.lighting.voltage = 229 + Math.round(state.random() * 30) / 10;
  }
}

/** Pulse count of a pulse-output meter: index divided by the pulse weight. */
export function pulseCount(state: DeviceState, index = state.index): number {
  const weight = state.device.pulseWeight ?? DEFAULT_PULSE_WEIGHT[state.device.fluid] ?? 1;
  return Math.floor(index / weight + 1e-9);
}

/**
 * The scenario applies to this device's kind (leak: water meters; counter-reset: meters; day-burner:
 * lighting; lamp-failure: the lighting models whose frames can show it, LAMP_FAILURE_MODELS — the
 * Netvox R831C reports its relay states only; offline and malformed: any device).
 */
export function scenarioApplies(device: FleetDevice, scenario: Scenario): boolean {
  switch (scenario) {
    case 'leak': return device.fluid === 'water';
    case 'counter-reset': return device.fluid === 'water' || device.fluid === 'gas' || device.fluid === 'electricity';
    case 'day-burner': return device.fluid === 'lighting';
    case 'lamp-failure': return device.fluid === 'lighting' && LAMP_FAILURE_MODELS.includes(device.model);
    default: return true;
  }
}

/** Which devices a scenario applies to, in words (for error messages). */
export const SCENARIO_SCOPE: Record<Scenario, string> = {
  leak: 'water meters',
  'counter-reset': 'meters (water, gas, electricity)',
  'day-burner': 'lighting devices',
  'lamp-failure': `lighting devices that report a lamp status or their power (${LAMP_FAILURE_MODELS.join(', ')}; the Netvox R831C reports its relay states only)`,
  offline: 'any device',
  malformed: 'any device',
};
