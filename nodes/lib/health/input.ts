/**
 * Which kind of message the health node received, told by its shape (one input for everything the
 * ingest produces), and its dispatch to the tracker. Pure: no Node-RED import.
 *
 * - a Catch node's message (msg.error): a decode error when it comes from lorawan-event or
 *   lorawan-decode (or names no source); errors of other nodes (storage…) are not about a device;
 * - a meter-index anomaly: payload {type, devEui, previous, current…};
 * - a Reading (lorawan-decode): payload with a `measurements` array; msg.uplink, msg.site and
 *   msg.frameInfo give its frame, enrichment and the flow figures;
 * - a status event (lorawan-event, eventType "status"): the battery level;
 * - an Uplink (lorawan-event): payload with devEui and fCnt;
 * - msg.topic "publier" / "publish": publish the tables now; "alertes" / "alerts": send the active alerts again.
 */
import type { HealthTracker } from './tracker';
import type { MeterEventLike, ReadingLike, UplinkLike } from './types';

export type InputKind = 'uplink' | 'status' | 'reading' | 'decode-error' | 'other-error' | 'meter-event' | 'publish' | 'alerts';

/** A message the node cannot use: the code names the reason (locale key), the detail what was wrong. */
export class HealthInputError extends Error {
  constructor(readonly code: 'not-understood' | 'bad-device', message: string) {
    super(message);
    this.name = 'HealthInputError';
  }
}

const DEV_EUI = /^[0-9a-fA-F]{16}$/;
const TOPIC_DEVICE = /\/device\/([0-9a-fA-F]{16})(?:\/|$)/;
const METER_EVENTS: ReadonlySet<string> = new Set(['reset', 'rollover', 'gap', 'duplicate', 'out-of-order']);
/** Nodes whose errors are frames the supervisor could not read. */
const DECODING_SOURCES: ReadonlySet<string> = new Set(['lorawan-event', 'lorawan-decode']);

type Msg = { topic?: unknown; payload?: unknown; error?: unknown; uplink?: unknown; site?: unknown; frameInfo?: unknown; [key: string]: unknown };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function devEuiOf(value: unknown): string | undefined {
  return typeof value === 'string' && DEV_EUI.test(value) ? value.toLowerCase() : undefined;
}

/** The device a caught error is about: its Uplink, the message topic (DevEUI or ChirpStack topic). */
function errorDevice(msg: Msg): string | undefined {
  const payload = msg.payload;
  if (isObject(payload)) {
    const fromPayload = devEuiOf(payload.devEui);
    if (fromPayload !== undefined) return fromPayload;
  }
  if (typeof msg.topic === 'string') {
    const direct = devEuiOf(msg.topic);
    if (direct !== undefined) return direct;
    const m = TOPIC_DEVICE.exec(msg.topic);
    if (m) return m[1].toLowerCase();
  }
  return undefined;
}

function requireDevEui(payload: Record<string, unknown>, what: string): string {
  const devEui = payload.devEui;
  if (typeof devEui !== 'string' || devEui === '') throw new HealthInputError('bad-device', `${what} without payload.devEui`);
  return devEui;
}

/** Updates the tracker with one message; returns what it was. Throws a HealthInputError for a message of no known shape. */
export function dispatch(tracker: HealthTracker, msg: Msg, now: number): InputKind {
  if (msg.error !== undefined && msg.error !== null) {
    const error = msg.error as { source?: { type?: unknown } };
    const source = isObject(error) && isObject(error.source) ? error.source.type : undefined;
    if (typeof source === 'string' && !DECODING_SOURCES.has(source)) return 'other-error';
    const payload = msg.payload;
    const uplink = isObject(payload) && typeof payload.devEui === 'string' ? (payload as unknown as UplinkLike) : undefined;
    tracker.decodeError(errorDevice(msg), now, uplink !== undefined ? { uplink: { ...uplink, devEui: uplink.devEui.toLowerCase() } } : {});
    return 'decode-error';
  }
  const topic = msg.topic;
  if (topic === 'publier' || topic === 'publish') return 'publish';
  if (topic === 'alertes' || topic === 'alerts') return 'alerts';
  const payload = msg.payload;
  if (!isObject(payload)) {
    throw new HealthInputError('not-understood', `msg.payload is ${payload === null ? 'null' : typeof payload}, not an Uplink, a Reading, a meter event or a caught error`);
  }
  if (Array.isArray(payload.measurements)) {
    requireDevEui(payload, 'Reading');
    const uplink = isObject(msg.uplink) ? (msg.uplink as unknown as UplinkLike) : undefined;
    const site = isObject(msg.site) ? msg.site : undefined;
    const info = isObject(msg.frameInfo) ? msg.frameInfo : undefined;
    const minFlow = info?.flow_min_m3h;
    tracker.reading(payload as unknown as ReadingLike & { devEui: string }, {
      uplink,
      site: typeof site?.site === 'string' ? site.site : undefined,
      fluid: typeof site?.fluid === 'string' ? site.fluid : undefined,
      minFlowM3h: typeof minFlow === 'number' ? minFlow : undefined,
    }, now);
    return 'reading';
  }
  if (typeof payload.type === 'string' && METER_EVENTS.has(payload.type) && 'previous' in payload) {
    requireDevEui(payload, 'meter event');
    tracker.meterEvent(payload as unknown as MeterEventLike, now);
    return 'meter-event';
  }
  if (payload.eventType === 'status') {
    const devEui = requireDevEui(payload, 'status event');
    tracker.statusEvent(devEui, payload.batteryLevel as number | null | undefined, now);
    return 'status';
  }
  if (typeof payload.fCnt === 'number' && (payload.eventType === undefined || payload.eventType === 'up')) {
    requireDevEui(payload, 'Uplink');
    tracker.uplink(payload as unknown as UplinkLike, now);
    return 'uplink';
  }
  const keys = Object.keys(payload).slice(0, 6).join(', ');
  throw new HealthInputError('not-understood', `msg.payload {${keys}} is not an Uplink (devEui, fCnt), a Reading (devEui, measurements), a meter event (type, devEui, previous) or a caught error (msg.error)`);
}
