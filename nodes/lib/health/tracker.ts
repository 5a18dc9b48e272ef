/**
 * Health of the devices of a LoRaWAN network, from what the ingest sees: Uplinks (last seen, uplinks,
 * lost frames from fCnt gaps, radio of the best gateway), Readings (battery, device alarms), decode
 * errors and meter-index anomalies. Pure: no Node-RED import, the clock is passed in.
 *
 * Built for the hot path: a message updates numbers in the device's record (typed arrays allocated
 * once per device); tables, medians and alerts of silence are computed by `check` and `rows`, which
 * the node calls on a timer.
 *
 * - Silent: no uplink for more than `silentFactor` × the device's expected interval, cleared by the next
 *   uplink. The expected interval is learned from the device's last intervals (at least MIN_INTERVALS):
 *   frames within BURST_MS of the previous one are one transmission (a controller answering a downlink,
 *   several frames of one reading) and teach nothing; intervals shorter than half the upper quartile
 *   are answers in mid-period and are left out; the median of the rest is the period (a lost frame or
 *   the outage that ended a silence, one long interval, does not move it; a device whose period really
 *   changed is followed after a few frames). Never below `minIntervalMs`.
 * - Lost frames: a jump of the frame counter (fCnt) by more than one; a counter that goes back (rejoin,
 *   reboot) or jumps by more than MAX_FCNT_GAP is a restart, not a loss.
 * - Decode errors: per device, counted by hour over the last 24 h; a burst (`errorBurstCount` errors
 *   within `errorBurstWindowMs`) raises an alert, cleared when the window passes without errors.
 * - Device alarms (Reading.status.alarms): an alarm is active from the first Reading that has it until a
 *   Reading of the same frame port no longer lists it (devices report different things on different
 *   ports). A battery at or below `lowBatteryPercent` is a `low_battery` alarm too.
 * - Meter resets (meter-index events): one alert, active for `eventHoldMs`.
 *
 * Alerts follow the energy-kpi contract (stable id, raised / cleared, French text).
 */
import { alarmInfo } from './alarms';
import { formatBattery, formatDateTime, formatDuration, formatRssi, formatSnr, frNumber, UNKNOWN } from './format';
import {
  Alert, DEFAULT_OPTIONS, DeviceRow, HealthAlertEvent, HealthCounters, HealthOptions, HealthSummary, MeterEventLike,
  ReadingContext, ReadingLike, Severity, UplinkLike,
} from './types';

/** Intervals kept per device to learn its period. */
const INTERVAL_RING = 8;
/** Intervals needed before a device's period is trusted. */
export const MIN_INTERVALS = 3;
/** Frames closer than this to the previous one belong to the same transmission (answers to a downlink). */
export const BURST_MS = 5000;
/** A frame older than this when it arrives (network server time) is a replay: it teaches no interval. */
export const REPLAYED_AFTER_MS = 10 * 60000;
const HOUR_MS = 3600000;
const DAY_HOURS = 24;
/** A frame-counter jump larger than this is a device restart or counter reset, not lost frames. */
export const MAX_FCNT_GAP = 16384;
/** Pseudo frame port of the alarm a low battery percentage raises (not a device alarm). */
const BATTERY_PORT = -1;
/** Frame port unknown: a Reading without its Uplink clears alarms of any port. */
const ANY_PORT = -2;

const ONLINE_COLOUR = '#2e7d32';
const SILENT_COLOUR = '#c62828';

interface ActiveAlarm {
  port: number;
  since: number;
}

interface DeviceHealth {
  devEui: string;
  name: string;
  site: string;
  fluid: string;
  model: string;
  /** Arrival time (clock of the tracker) of the last uplink; 0 = none yet. */
  lastArrival: number;
  /** Arrival time of the frame the next interval is measured from (the last one outside a burst). */
  lastLearn: number;
  /** The network server's time of the last uplink (ISO string, parsed only for the table). */
  lastTime: string;
  lastDedupId: string;
  lastFCnt: number;
  uplinks: number;
  lost: number;
  rssi: number | null;
  snr: number | null;
  batteryPercent: number | undefined;
  batteryVoltage: number | undefined;
  intervals: Float64Array;
  intervalCount: number;
  intervalNext: number;
  /** Decode errors per hour: the hour number of each slot and its count. */
  errorHours: Float64Array;
  errorCounts: Uint32Array;
  /** The last errorBurstCount error times (ring). */
  errorTimes: Float64Array;
  errorNext: number;
  errorsTotal: number;
  lastErrorAt: number;
  alarms: Map<string, ActiveAlarm> | undefined;
  silent: boolean;
}

/** What `snapshot` keeps of a device (JSON). */
interface DeviceSnapshot {
  devEui: string; name: string; site: string; fluid: string; model: string; lastArrival: number; lastLearn?: number; lastTime: string;
  lastFCnt: number; uplinks: number; lost: number; rssi: number | null; snr: number | null;
  batteryPercent?: number; batteryVoltage?: number; intervals: number[]; errorsTotal: number; lastErrorAt: number;
  errorHours: number[]; errorCounts: number[]; alarms: Array<[string, ActiveAlarm]>; silent: boolean;
}

export interface HealthSnapshot {
  version: 1;
  devices: DeviceSnapshot[];
  alerts: Alert[];
  expiring: Array<[string, number]>;
  unknownErrorHours: number[];
  unknownErrorCounts: number[];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function fluidWords(fluid: string): string {
  switch (fluid) {
    case 'water': return 'd\u2019eau ';
    case 'gas': return 'de gaz ';
    case 'electricity': return 'd\u2019électricité ';
    default: return '';
  }
}

export class HealthTracker {
  readonly options: HealthOptions;
  readonly counters: HealthCounters = { uplinks: 0, readings: 0, decodeErrors: 0, meterEvents: 0, ignored: 0 };
  private readonly devices = new Map<string, DeviceHealth>();
  private readonly active = new Map<string, Alert>();
  /** One-off alerts and when they end (ms). */
  private readonly expiring = new Map<string, number>();
  private events: HealthAlertEvent[] = [];
  /** Decode errors of no known device, by hour. */
  private readonly unknownErrorHours = new Float64Array(DAY_HOURS);
  private readonly unknownErrorCounts = new Uint32Array(DAY_HOURS);
  private readonly scratch = new Float64Array(INTERVAL_RING);
  private readonly alertAlarms: ReadonlySet<string> | '*';
  /** Something shown in the table or the summary changed since the last `rows`. */
  dirty = false;

  constructor(options: Partial<HealthOptions> = {}, snapshot?: HealthSnapshot) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    const o = this.options;
    if (!(o.silentFactor >= 1)) throw new Error(`silentFactor: ${o.silentFactor} must be a number ≥ 1`);
    if (!(o.minIntervalMs >= 0)) throw new Error(`minIntervalMs: ${o.minIntervalMs} must be a number ≥ 0`);
    if (!Number.isInteger(o.errorBurstCount) || o.errorBurstCount < 1 || o.errorBurstCount > 1000) {
      throw new Error(`errorBurstCount: ${o.errorBurstCount} must be an integer from 1 to 1000`);
    }
    if (!(o.errorBurstWindowMs > 0)) throw new Error(`errorBurstWindowMs: ${o.errorBurstWindowMs} must be a number > 0`);
    if (!(o.lowBatteryPercent >= 0 && o.lowBatteryPercent <= 100)) throw new Error(`lowBatteryPercent: ${o.lowBatteryPercent} must be from 0 to 100`);
    if (!(o.eventHoldMs > 0)) throw new Error(`eventHoldMs: ${o.eventHoldMs} must be a number > 0`);
    if (!Number.isInteger(o.maxDevices) || o.maxDevices < 1) throw new Error(`maxDevices: ${o.maxDevices} must be an integer ≥ 1`);
    this.alertAlarms = o.alertAlarms === '*' ? '*' : new Set(o.alertAlarms);
    if (snapshot !== undefined) this.restore(snapshot);
  }

  get size(): number {
    return this.devices.size;
  }

  /** The alert events since the last call (raised / cleared), oldest first. */
  takeEvents(): HealthAlertEvent[] {
    if (this.events.length === 0) return [];
    const out = this.events;
    this.events = [];
    return out;
  }

  get pendingEvents(): number {
    return this.events.length;
  }

  activeAlerts(): Alert[] {
    return [...this.active.values()];
  }

  private device(devEui: string): DeviceHealth | undefined {
    const known = this.devices.get(devEui);
    if (known !== undefined) return known;
    if (this.devices.size >= this.options.maxDevices) {
      this.counters.ignored++;
      return undefined;
    }
    const created: DeviceHealth = {
      devEui, name: '', site: '', fluid: '', model: '', lastArrival: 0, lastLearn: 0, lastTime: '', lastDedupId: '', lastFCnt: -1,
      uplinks: 0, lost: 0, rssi: null, snr: null, batteryPercent: undefined, batteryVoltage: undefined,
      intervals: new Float64Array(INTERVAL_RING), intervalCount: 0, intervalNext: 0,
      errorHours: new Float64Array(DAY_HOURS), errorCounts: new Uint32Array(DAY_HOURS),
      errorTimes: new Float64Array(this.options.errorBurstCount), errorNext: 0, errorsTotal: 0, lastErrorAt: 0,
      alarms: undefined, silent: false,
    };
    this.devices.set(devEui, created);
    this.dirty = true;
    return created;
  }

  /** Name, site and fluid from an Uplink's fields and tags (the enrichment passes its own in the context). */
  private learnIdentity(d: DeviceHealth, u: UplinkLike): void {
    if (typeof u.deviceName === 'string' && u.deviceName !== '' && u.deviceName !== d.name) d.name = u.deviceName;
    const tags = u.tags;
    if (tags !== null && typeof tags === 'object') {
      if (typeof tags.site === 'string' && tags.site !== '' && d.site === '') d.site = tags.site;
      if (typeof tags.fluid === 'string' && tags.fluid !== '' && d.fluid === '') d.fluid = tags.fluid;
      if (typeof tags.model === 'string' && tags.model !== '' && d.model === '') d.model = tags.model;
    }
  }

  /** An Uplink (lorawan-event). `now` is its arrival time. */
  uplink(u: UplinkLike, now: number): void {
    const d = this.device(u.devEui);
    if (d === undefined) return;
    this.seen(d, u, now);
  }

  private seen(d: DeviceHealth, u: UplinkLike, now: number): void {
    this.learnIdentity(d, u);
    const dedupId = typeof u.dedupId === 'string' ? u.dedupId : '';
    // The same frame again (its Reading after its Uplink, or a duplicate): counted once.
    if (dedupId !== '' ? dedupId === d.lastDedupId : u.fCnt === d.lastFCnt && u.time === d.lastTime) return;
    d.lastDedupId = dedupId;
    this.counters.uplinks++;
    d.uplinks++;
    // A frame the network server stamped long ago (a backlog replayed after a backhaul outage, a simulated
    // history) says nothing about the device's rhythm: arriving in a burst, it would teach a tiny interval.
    const networkTime = typeof u.time === 'string' ? Date.parse(u.time) : NaN;
    const replayed = now - networkTime > REPLAYED_AFTER_MS;
    if (replayed) {
      // counted below, but no interval learned from it
    } else if (d.lastLearn === 0) {
      d.lastLearn = now;
    } else if (now - d.lastLearn >= BURST_MS) {
      d.intervals[d.intervalNext] = now - d.lastLearn;
      d.intervalNext = (d.intervalNext + 1) % INTERVAL_RING;
      if (d.intervalCount < INTERVAL_RING) d.intervalCount++;
      d.lastLearn = now;
    }
    d.lastArrival = now;
    if (typeof u.time === 'string') d.lastTime = u.time;
    const fCnt = u.fCnt;
    if (typeof fCnt === 'number' && Number.isInteger(fCnt) && fCnt >= 0) {
      const gap = fCnt - d.lastFCnt - 1;
      if (d.lastFCnt >= 0 && gap > 0 && gap <= MAX_FCNT_GAP) d.lost += gap;
      d.lastFCnt = fCnt;
    }
    const radio = u.radio;
    if (radio !== null && typeof radio === 'object') {
      d.rssi = finite(radio.rssi) ?? d.rssi;
      d.snr = finite(radio.snr) ?? d.snr;
    }
    if (d.silent) {
      d.silent = false;
      this.clear(`health:silent:${d.devEui}`, now);
    }
    this.dirty = true;
  }

  /** A device status event (lorawan-event `status`): its battery level when the network server knows it. */
  statusEvent(devEui: string, batteryLevel: number | null | undefined, now: number): void {
    const d = this.device(devEui);
    if (d === undefined || typeof batteryLevel !== 'number' || !Number.isFinite(batteryLevel)) return;
    this.battery(d, batteryLevel, d.batteryVoltage, now);
  }

  /** A Reading (lorawan-decode); `ctx` carries its Uplink (msg.uplink), enrichment and frame info. */
  reading(r: ReadingLike, ctx: ReadingContext, now: number): void {
    const d = this.device(r.devEui);
    if (d === undefined) return;
    this.counters.readings++;
    if (typeof r.model === 'string' && r.model !== '' && d.model !== r.model) d.model = r.model;
    if (ctx.site !== undefined && ctx.site !== '' && d.site !== ctx.site) d.site = ctx.site;
    if (ctx.fluid !== undefined && ctx.fluid !== '' && d.fluid !== ctx.fluid) d.fluid = ctx.fluid;
    const uplink = ctx.uplink;
    if (uplink !== undefined && uplink.devEui === r.devEui) this.seen(d, uplink, now);
    const status = r.status;
    if (status === null || typeof status !== 'object') return;
    if (status.batteryPercent !== undefined || status.batteryVoltage !== undefined) {
      this.battery(d, finite(status.batteryPercent) ?? d.batteryPercent, finite(status.batteryVoltage) ?? d.batteryVoltage, now);
    }
    const list = status.alarms;
    if (!Array.isArray(list)) return;
    const port = typeof uplink?.fPort === 'number' ? uplink.fPort : ANY_PORT;
    if (list.length === 0 && (d.alarms === undefined || d.alarms.size === 0)) return;
    for (let i = 0; i < list.length; i++) {
      const code = list[i];
      if (typeof code !== 'string' || code === '') continue;
      const known = (d.alarms ??= new Map()).get(code);
      if (known === undefined) {
        d.alarms.set(code, { port, since: now });
        this.dirty = true;
      } else if (known.port === BATTERY_PORT) {
        known.port = port; // the device now says it itself
      }
      if (this.alerts(code)) this.raise(this.alarmAlert(d, code, ctx, now), now);
    }
    if (d.alarms === undefined) return;
    for (const [code, alarm] of d.alarms) {
      if (alarm.port === BATTERY_PORT || list.includes(code)) continue;
      if (port !== ANY_PORT && alarm.port !== ANY_PORT && alarm.port !== port) continue;
      d.alarms.delete(code);
      this.dirty = true;
      this.clear(`health:alarm:${code}:${d.devEui}`, now);
    }
  }

  private battery(d: DeviceHealth, percent: number | undefined, volts: number | undefined, now: number): void {
    if (percent !== d.batteryPercent || volts !== d.batteryVoltage) this.dirty = true;
    d.batteryPercent = percent;
    d.batteryVoltage = volts;
    const threshold = this.options.lowBatteryPercent;
    if (percent === undefined || threshold <= 0) return;
    const known = d.alarms?.get('low_battery');
    if (percent <= threshold && known === undefined) {
      (d.alarms ??= new Map()).set('low_battery', { port: BATTERY_PORT, since: now });
      this.dirty = true;
      if (this.alerts('low_battery')) this.raise(this.alarmAlert(d, 'low_battery', {}, now), now);
    } else if (percent > threshold && known?.port === BATTERY_PORT) {
      d.alarms!.delete('low_battery');
      this.dirty = true;
      this.clear(`health:alarm:low_battery:${d.devEui}`, now);
    }
  }

  private alerts(code: string): boolean {
    return this.alertAlarms === '*' || this.alertAlarms.has(code);
  }

  /** A decode error (lorawan-event or lorawan-decode through a Catch node); devEui undefined when unknown. */
  decodeError(devEui: string | undefined, now: number, ctx: { uplink?: UplinkLike } = {}): void {
    this.counters.decodeErrors++;
    const hour = Math.floor(now / HOUR_MS);
    const slot = hour % DAY_HOURS;
    const d = devEui === undefined ? undefined : this.device(devEui);
    if (d === undefined) {
      if (this.unknownErrorHours[slot] !== hour) { this.unknownErrorHours[slot] = hour; this.unknownErrorCounts[slot] = 0; }
      this.unknownErrorCounts[slot]++;
      this.dirty = true;
      return;
    }
    if (ctx.uplink !== undefined) this.learnIdentity(d, ctx.uplink);
    if (d.errorHours[slot] !== hour) { d.errorHours[slot] = hour; d.errorCounts[slot] = 0; }
    d.errorCounts[slot]++;
    d.errorsTotal++;
    d.lastErrorAt = now;
    const ring = d.errorTimes;
    ring[d.errorNext] = now;
    d.errorNext = (d.errorNext + 1) % ring.length;
    this.dirty = true;
    // The ring is full and its oldest entry is within the window: a burst.
    const oldest = ring[d.errorNext];
    if (d.errorsTotal >= ring.length && oldest > 0 && now - oldest <= this.options.errorBurstWindowMs) {
      const minutes = Math.round(this.options.errorBurstWindowMs / 60000);
      this.raise({
        id: `health:decode-errors:${d.devEui}`,
        severity: 'warning',
        site: d.site,
        fluid: d.fluid,
        text: `Trames illisibles : ${this.describe(d)} a envoyé au moins ${ring.length} trames que le superviseur n\u2019a pas pu décoder en ${minutes} min ` +
          `(${this.errors24h(d, now)} sur 24 h). Vérifier le modèle déclaré et le codec du capteur.`,
        raisedAt: new Date(now).toISOString(),
        details: { devEui: d.devEui, deviceName: d.name, errors24h: this.errors24h(d, now), windowMinutes: minutes, threshold: ring.length },
      }, now);
    }
  }

  /** A meter-index anomaly: a reset (counter back to zero, meter replaced) raises an alert held for eventHoldMs. */
  meterEvent(e: MeterEventLike, now: number): void {
    this.counters.meterEvents++;
    if (e.type !== 'reset') return;
    const d = this.device(e.devEui);
    const name = d !== undefined ? this.describe(d) : `le capteur ${e.devEui}`;
    const unit = e.unit === 'm3' ? 'm³' : (e.unit ?? '');
    const quantity = e.quantity ?? '';
    const id = `health:meter-reset:${e.devEui}:${quantity}${e.channel ? `:${e.channel}` : ''}`;
    const previous = finite(e.previous);
    const current = finite(e.current);
    const values = previous !== undefined && current !== undefined
      ? `, l\u2019index est passé de ${frNumber(previous, 3)} à ${frNumber(current, 3)} ${unit}`.trimEnd()
      : '';
    this.raise({
      id,
      severity: 'warning',
      site: d?.site ?? '',
      fluid: d?.fluid ?? '',
      text: `Remise à zéro d\u2019un compteur : pour ${name}${values}. Compteur remplacé ou réinitialisé ? La consommation de ce relevé n\u2019est pas comptée.`,
      raisedAt: new Date(now).toISOString(),
      details: { devEui: e.devEui, quantity, channel: e.channel, previous, current, unit: e.unit, time: e.time },
    }, now);
    this.expiring.set(id, now + this.options.eventHoldMs);
  }

  /**
   * The periodic check (the node calls it every few seconds): silences, the end of decode-error bursts
   * and of one-off alerts. Returns true when a device changed state.
   */
  check(now: number): boolean {
    let changed = false;
    const factor = this.options.silentFactor;
    for (const d of this.devices.values()) {
      if (!d.silent && d.lastArrival > 0) {
        const expected = this.expectedInterval(d);
        const quiet = now - d.lastArrival;
        if (expected > 0 && quiet > factor * expected) {
          d.silent = true;
          changed = true;
          this.raise({
            id: `health:silent:${d.devEui}`,
            severity: 'warning',
            site: d.site,
            fluid: d.fluid,
            text: `Capteur muet : ${this.describe(d)} n\u2019a rien envoyé depuis ${formatDuration(quiet)} ` +
              `(une trame attendue toutes les ${formatDuration(expected)}). Vérifier la pile, l\u2019antenne ou la couverture radio.`,
            raisedAt: new Date(now).toISOString(),
            details: {
              devEui: d.devEui, deviceName: d.name, lastSeen: new Date(d.lastArrival).toISOString(), expectedIntervalS: Math.round(expected / 1000),
              silentFactor: factor,
            },
          }, now);
        }
      }
      if (d.lastErrorAt > 0 && now - d.lastErrorAt > this.options.errorBurstWindowMs && this.active.has(`health:decode-errors:${d.devEui}`)) {
        this.clear(`health:decode-errors:${d.devEui}`, now);
      }
    }
    for (const [id, until] of this.expiring) {
      if (now >= until) {
        this.expiring.delete(id);
        this.clear(id, now);
      }
    }
    if (changed) this.dirty = true;
    return changed;
  }

  /** The expected interval (ms) between two uplinks of the device; 0 = not known yet. */
  expectedInterval(d: DeviceHealth): number {
    const min = this.options.minIntervalMs;
    const n = d.intervalCount;
    if (n < MIN_INTERVALS) return min;
    const values = this.scratch;
    for (let i = 0; i < n; i++) values[i] = d.intervals[i];
    const sorted = values.subarray(0, n).sort();
    // The upper quartile is a period even when answers in mid-period shorten a few intervals.
    const reference = sorted[Math.floor(0.75 * (n - 1))];
    let first = 0;
    while (sorted[first] < reference / 2) first++;
    const kept = n - first;
    const median = kept % 2 === 1 ? sorted[first + ((kept - 1) >> 1)] : (sorted[first + kept / 2 - 1] + sorted[first + kept / 2]) / 2;
    return Math.max(median, min);
  }

  private errors24h(d: DeviceHealth, now: number): number {
    return countWindow(d.errorHours, d.errorCounts, now);
  }

  /** « le capteur « HdV – compteur d'eau » (site hdv-poitiers) »: what an alert says about the device. */
  private describe(d: DeviceHealth): string {
    return `le capteur ${d.name !== '' ? `« ${d.name} »` : d.devEui}${d.site !== '' ? ` (site ${d.site})` : ''}`;
  }

  private alarmAlert(d: DeviceHealth, code: string, ctx: ReadingContext, now: number): Alert {
    const info = alarmInfo(code);
    const details: Record<string, unknown> = { devEui: d.devEui, deviceName: d.name, alarm: code };
    let severity: Severity = info.severity;
    let text: string;
    const who = this.describe(d);
    switch (code) {
      case 'leak': {
        const flow = finite(ctx.minFlowM3h);
        const device = `Le compteur ${fluidWords(d.fluid)}${d.name !== '' ? `« ${d.name} »` : d.devEui}${d.site !== '' ? ` (site ${d.site})` : ''}`;
        if (flow !== undefined && flow > 0) {
          const lossPerDay = flow * 24;
          details.minFlowM3h = flow;
          details.estimatedLossM3PerDay = Math.round(lossPerDay * 1000) / 1000;
          if (lossPerDay >= 10) severity = 'critical';
          text = `Fuite signalée : ${device} détecte une fuite ; débit minimal ${frNumber(flow, 3)} m³/h, ` +
            `perte estimée ${frNumber(lossPerDay, 2)} m³/jour si rien n\u2019est fait.`;
        } else {
          text = `Fuite signalée : ${device} détecte une fuite (débit permanent).`;
        }
        break;
      }
      case 'burst':
        text = `Rupture de canalisation probable : ${who} signale un débit très élevé. Intervenir sans attendre.`;
        break;
      case 'low_battery': {
        const level = formatBattery(d.batteryPercent, d.batteryVoltage);
        details.battery = level;
        text = `Pile faible : ${who}${level !== UNKNOWN ? ` (${level})` : ''}. Prévoir le remplacement de la pile.`;
        break;
      }
      case 'lamp_failure':
        text = `Lampe en panne : ${who} signale une lampe qui ne s\u2019allume pas alors qu\u2019elle est commandée.`;
        break;
      case 'tamper':
        text = `Fraude ou boîtier ouvert : ${who} signale une manipulation.`;
        break;
      default:
        text = `Alarme « ${info.label} » : ${who}.`;
    }
    return { id: `health:alarm:${code}:${d.devEui}`, severity, site: d.site, fluid: d.fluid, text, raisedAt: new Date(now).toISOString(), details };
  }

  /** A new alert is raised; an active one keeps its raisedAt and is updated silently. */
  private raise(alert: Alert, _now: number): void {
    const known = this.active.get(alert.id);
    if (known !== undefined) {
      this.active.set(alert.id, { ...alert, raisedAt: known.raisedAt });
      return;
    }
    this.active.set(alert.id, alert);
    this.events.push({ event: 'raised', alert });
    this.dirty = true;
  }

  private clear(id: string, now: number): void {
    const known = this.active.get(id);
    if (known === undefined) return;
    this.active.delete(id);
    this.expiring.delete(id);
    this.events.push({ event: 'cleared', alert: known, clearedAt: new Date(now).toISOString() });
    this.dirty = true;
  }

  /** The device table of the Capteurs page: silent devices first, then by name. */
  rows(now: number): DeviceRow[] {
    const rows: Array<DeviceRow & { silent: boolean }> = [];
    for (const d of this.devices.values()) {
      const alarms = d.alarms === undefined ? '' : [...d.alarms.keys()].map((c) => alarmInfo(c).label).join(', ');
      const expected = this.expectedInterval(d);
      const time = d.lastTime !== '' ? Date.parse(d.lastTime) : d.lastArrival;
      rows.push({
        silent: d.silent,
        capteur: d.name !== '' ? d.name : d.devEui,
        devEui: d.devEui,
        site: d.site,
        modele: d.model,
        etat: d.silent ? 'silencieux' : 'en ligne',
        couleur: d.silent ? SILENT_COLOUR : ONLINE_COLOUR,
        derniereTrame: d.lastArrival > 0 ? formatDateTime(Number.isFinite(time) ? time : d.lastArrival) : UNKNOWN,
        depuis: d.lastArrival > 0 ? formatDuration(Math.max(0, now - d.lastArrival)) : UNKNOWN,
        intervalle: expected > 0 ? formatDuration(expected) : UNKNOWN,
        trames: d.uplinks,
        tramesPerdues: d.lost,
        rssi: formatRssi(d.rssi),
        snr: formatSnr(d.snr),
        batterie: formatBattery(d.batteryPercent, d.batteryVoltage),
        erreursDecodage24h: this.errors24h(d, now),
        alarmes: alarms,
      });
    }
    rows.sort((a, b) => (a.silent === b.silent ? a.capteur.localeCompare(b.capteur, 'fr') : a.silent ? -1 : 1));
    this.dirty = false;
    return rows.map(({ silent: _silent, ...row }) => row);
  }

  summary(now: number): HealthSummary {
    let silent = 0;
    let errors = countWindow(this.unknownErrorHours, this.unknownErrorCounts, now);
    let uplinks = 0;
    let lost = 0;
    let last = 0;
    let lastTime = '';
    for (const d of this.devices.values()) {
      if (d.silent) silent++;
      errors += this.errors24h(d, now);
      uplinks += d.uplinks;
      lost += d.lost;
      if (d.lastArrival > last) { last = d.lastArrival; lastTime = d.lastTime; }
    }
    const parsed = lastTime !== '' ? Date.parse(lastTime) : last;
    return {
      capteurs: this.devices.size,
      enLigne: this.devices.size - silent,
      silencieux: silent,
      erreursDecodage24h: errors,
      derniereTrame: last > 0 ? formatDateTime(Number.isFinite(parsed) ? parsed : last) : UNKNOWN,
      trames: uplinks,
      tramesPerdues: lost,
      alertes: this.active.size,
    };
  }

  snapshot(): HealthSnapshot {
    return {
      version: 1,
      devices: [...this.devices.values()].map((d) => {
        const intervals: number[] = [];
        for (let i = 0; i < d.intervalCount; i++) intervals.push(d.intervals[(d.intervalNext - d.intervalCount + i + INTERVAL_RING) % INTERVAL_RING]);
        return {
          devEui: d.devEui, name: d.name, site: d.site, fluid: d.fluid, model: d.model, lastArrival: d.lastArrival, lastLearn: d.lastLearn, lastTime: d.lastTime,
          lastFCnt: d.lastFCnt, uplinks: d.uplinks, lost: d.lost, rssi: d.rssi, snr: d.snr,
          ...(d.batteryPercent !== undefined ? { batteryPercent: d.batteryPercent } : {}),
          ...(d.batteryVoltage !== undefined ? { batteryVoltage: d.batteryVoltage } : {}),
          intervals, errorsTotal: d.errorsTotal, lastErrorAt: d.lastErrorAt,
          errorHours: [...d.errorHours], errorCounts: [...d.errorCounts],
          alarms: d.alarms === undefined ? [] : [...d.alarms.entries()].map(([code, a]) => [code, { ...a }] as [string, ActiveAlarm]),
          silent: d.silent,
        };
      }),
      alerts: [...this.active.values()],
      expiring: [...this.expiring.entries()],
      unknownErrorHours: [...this.unknownErrorHours],
      unknownErrorCounts: [...this.unknownErrorCounts],
    };
  }

  /** Back to a snapshot's state (node context after a redeploy). Throws on a snapshot of another shape. */
  private restore(s: HealthSnapshot): void {
    if (s === null || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.devices)) throw new Error('not a health snapshot (version 1)');
    for (const x of s.devices) {
      const d = this.device(str(x.devEui));
      if (d === undefined || d.devEui === '') continue;
      d.name = str(x.name); d.site = str(x.site); d.fluid = str(x.fluid); d.model = str(x.model);
      d.lastArrival = finite(x.lastArrival) ?? 0; d.lastLearn = finite(x.lastLearn) ?? d.lastArrival; d.lastTime = str(x.lastTime); d.lastFCnt = finite(x.lastFCnt) ?? -1;
      d.uplinks = finite(x.uplinks) ?? 0; d.lost = finite(x.lost) ?? 0; d.rssi = finite(x.rssi) ?? null; d.snr = finite(x.snr) ?? null;
      d.batteryPercent = finite(x.batteryPercent); d.batteryVoltage = finite(x.batteryVoltage);
      const intervals = Array.isArray(x.intervals) ? x.intervals.slice(-INTERVAL_RING) : [];
      intervals.forEach((v, i) => { d.intervals[i] = Number(v) || 0; });
      d.intervalCount = intervals.length; d.intervalNext = intervals.length % INTERVAL_RING;
      d.errorsTotal = finite(x.errorsTotal) ?? 0; d.lastErrorAt = finite(x.lastErrorAt) ?? 0;
      if (Array.isArray(x.errorHours) && Array.isArray(x.errorCounts)) {
        for (let i = 0; i < DAY_HOURS; i++) { d.errorHours[i] = Number(x.errorHours[i]) || 0; d.errorCounts[i] = Number(x.errorCounts[i]) || 0; }
      }
      if (Array.isArray(x.alarms) && x.alarms.length > 0) d.alarms = new Map(x.alarms.map(([c, a]) => [String(c), { port: Number(a.port), since: Number(a.since) }]));
      d.silent = x.silent === true;
    }
    for (const a of Array.isArray(s.alerts) ? s.alerts : []) if (a && typeof a.id === 'string') this.active.set(a.id, a);
    for (const [id, until] of Array.isArray(s.expiring) ? s.expiring : []) this.expiring.set(String(id), Number(until));
    if (Array.isArray(s.unknownErrorHours) && Array.isArray(s.unknownErrorCounts)) {
      for (let i = 0; i < DAY_HOURS; i++) {
        this.unknownErrorHours[i] = Number(s.unknownErrorHours[i]) || 0;
        this.unknownErrorCounts[i] = Number(s.unknownErrorCounts[i]) || 0;
      }
    }
    this.dirty = true;
  }
}

/** Errors of the last 24 hours (the current hour and the 23 before) from hourly slots. */
function countWindow(hours: Float64Array, counts: Uint32Array, now: number): number {
  const current = Math.floor(now / HOUR_MS);
  let total = 0;
  for (let i = 0; i < DAY_HOURS; i++) if (current - hours[i] < DAY_HOURS && hours[i] <= current && counts[i] > 0) total += counts[i];
  return total;
}

/** The message of an alert event, in the energy-kpi contract. */
export function alertMessage(e: HealthAlertEvent): { topic: string; event: string; payload: string; alert: Alert & { event: string; clearedAt?: string } } {
  const cleared = e.event === 'cleared';
  return {
    topic: e.alert.id,
    event: e.event,
    payload: cleared ? `Résolu : ${e.alert.text}` : e.alert.text,
    alert: { ...e.alert, event: e.event, ...(e.clearedAt ? { clearedAt: e.clearedAt } : {}) },
  };
}
