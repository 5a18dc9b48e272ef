/**
 * Normalises the JSON events of ChirpStack v4 (MQTT integration, `json = true`) and The Things Stack v3
 * (uplinks) into the message contracts of DESIGN §4. Pure code: no Node-RED import; the
 * `lorawan-event` node and the benchmarks call it, and any other tool may.
 *
 * Both servers speak the proto3 JSON mapping, which OMITS fields holding their default value (fCnt 0,
 * confirmed false, fPort 0, dr 0...) and may write 64-bit integers as strings. So: absent counters
 * and flags take their proto3 default, numbers may be numeric strings, and radio values that have
 * no meaningful default (no gateway, no frequency) become null.
 *
 * Hot path: the body is parsed once, base64 decoded once, only precompiled regular expressions are
 * used, UTC times are rewritten by hand, and error texts and field paths are only built when an
 * error is thrown.
 */
import {
  DEFAULT_TENANT, EventCommon, EventType, NetworkEvent, Radio, StatusEvent, JoinEvent, AckEvent, TxAckEvent, LogEvent,
  LocationEvent, IntegrationEvent, UplinkEvent,
} from '../contracts';
import { EventParseError, ExpectedKind, shortValue } from './errors';
import { EventTopic, parseEventTopic } from './topic';

export interface ParseOptions {
  /** Tenant given to events whose network server names none (default DEFAULT_TENANT, the city's own). */
  defaultTenant?: string;
}

type Json = Record<string, unknown>;

const DEV_EUI = /^[0-9a-fA-F]{16}$/;
// Standard and URL-safe alphabets, padding optional: what proto3 JSON parsers accept.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
// RFC 3339 as written by ChirpStack (nanoseconds, +00:00) and TTS (Z). Date.parse alone accepts "1".
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const DIGITS = /^\d+$/;

const U32_MAX = 0xffffffff;
const FPORT_MAX = 255;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads typed fields of one event body; errors name the field, the device and the topic. */
class FieldReader {
  /** The device named in error messages: the topic's until the body's DevEUI is known. */
  device: string | undefined;

  constructor(readonly route: EventTopic) {
    this.device = route.device;
  }

  missing(field: string): never {
    throw new EventParseError('missing-field', this.route.topic, this.device, { field });
  }

  invalid(field: string, value: unknown, expected: ExpectedKind): never {
    throw new EventParseError('invalid-field', this.route.topic, this.device, { field, value: shortValue(value), expected });
  }

  object(field: string, value: unknown): Json {
    if (isObject(value)) return value;
    return value === undefined || value === null ? this.missing(field) : this.invalid(field, value, 'object');
  }

  optObject(field: string, value: unknown): Json | undefined {
    if (value === undefined || value === null) return undefined;
    return isObject(value) ? value : this.invalid(field, value, 'object');
  }

  string(field: string, value: unknown, fallback: string): string {
    if (typeof value === 'string') return value;
    return value === undefined || value === null ? fallback : this.invalid(field, value, 'string');
  }

  boolean(field: string, value: unknown): boolean {
    if (typeof value === 'boolean') return value;
    return value === undefined || value === null ? false : this.invalid(field, value, 'boolean');
  }

  uint<D extends number | null>(field: string, value: unknown, fallback: D, max = U32_MAX): number | D {
    const n = toUint(value, fallback, max);
    return n === undefined ? this.invalid(field, value, 'uint') : n;
  }

  number<D extends number | null>(field: string, value: unknown, fallback: D): number | D {
    const n = toNumber(value, fallback);
    return n === undefined ? this.invalid(field, value, 'number') : n;
  }

  /** A required RFC 3339 time, returned as an ISO string in UTC (one format downstream). */
  time(field: string, value: unknown): string {
    if (value === undefined || value === null) this.missing(field);
    if (typeof value !== 'string' || !RFC3339.test(value)) return this.invalid(field, value, 'date');
    const iso = isoTime(value);
    return iso === undefined ? this.invalid(field, value, 'date') : iso;
  }

  /** A required DevEUI, lowercased; it must agree with the topic when the topic carries one. */
  devEui(field: string, value: unknown, topicDevEui: string | undefined): string {
    if (value === undefined || value === null || value === '') this.missing(field);
    if (typeof value !== 'string' || !DEV_EUI.test(value)) return this.invalid(field, value, 'dev-eui');
    const devEui = value.toLowerCase();
    if (topicDevEui !== undefined && topicDevEui !== value && topicDevEui.toLowerCase() !== devEui) {
      throw new EventParseError('topic-mismatch', this.route.topic, devEui, { field, value: shortValue(value), topicValue: topicDevEui });
    }
    this.device = devEui;
    return devEui;
  }

  /** Base64 bytes, decoded once; absent means an empty frame (MAC-only uplinks on fPort 0). */
  bytes(field: string, value: unknown): Buffer {
    if (value === undefined || value === null) return Buffer.alloc(0);
    if (typeof value !== 'string') return this.invalid(field, value, 'string');
    if (value.length % 4 === 1 || !BASE64.test(value)) {
      throw new EventParseError('invalid-base64', this.route.topic, this.device, { field, value: shortValue(value) });
    }
    return Buffer.from(value, 'base64');
  }

  /** A map of strings (tags, log context): a fresh object when absent, since enrichment adds to it. */
  stringMap(field: string, value: unknown): Record<string, string> {
    if (value === undefined || value === null) return {};
    return isObject(value) ? (value as Record<string, string>) : this.invalid(field, value, 'object');
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two decimal digits at `at` (the RFC3339 expression has already checked they are digits). */
function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/**
 * An RFC 3339 time (already matched by RFC3339) as `YYYY-MM-DDTHH:MM:SS.mmmZ`, or undefined when
 * a part is out of range (month 13, 30 February...). Network servers write UTC, so that case is
 * rewritten by hand, which is several times cheaper than Date.parse + toISOString on the hot path.
 */
function isoTime(text: string): string | undefined {
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return undefined;
  if (twoDigits(text, 11) > 23 || twoDigits(text, 14) > 59 || twoDigits(text, 17) > 59) return undefined;
  const last = text.charCodeAt(text.length - 1);
  const utc = last === 90 /* Z */ || last === 122 /* z */ || text.endsWith('+00:00') || text.endsWith('-00:00');
  if (!utc) {
    const ms = Date.parse(text.charCodeAt(10) === 84 ? text : `${text.slice(0, 10)}T${text.slice(11)}`);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  }
  // Milliseconds: the first three fraction digits, zero-padded (ChirpStack writes nanoseconds).
  let millis = '000';
  if (text.charCodeAt(19) === 46 /* . */) {
    const end = last === 90 || last === 122 ? text.length - 1 : text.length - 6;
    millis = end - 20 >= 3 ? text.slice(20, 23) : text.slice(20, end).padEnd(3, '0');
  }
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${millis}Z`;
}

/** u32 from a number or a numeric string; the fallback when absent; undefined when invalid. */
function toUint<D extends number | null>(value: unknown, fallback: D, max: number): number | D | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= max ? value : undefined;
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && DIGITS.test(value)) {
    const n = Number(value);
    return n <= max ? n : undefined;
  }
  return undefined;
}

/** A finite number from a number or a numeric string; the fallback when absent; undefined when invalid. */
function toNumber<D extends number | null>(value: unknown, fallback: D): number | D | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The JSON body as an object: Buffer and string are parsed (once), objects (mqtt in auto-detect) used as they are. */
function bodyOf(route: EventTopic, payload: unknown): Json {
  let body: unknown = payload;
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
    try {
      body = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
    } catch (err) {
      throw new EventParseError('not-json', route.topic, route.device, { detail: (err as Error).message });
    }
  }
  if (!isObject(body)) throw new EventParseError('not-object', route.topic, route.device, { value: shortValue(body) });
  return body;
}

function tenantOf(named: string | undefined, options: ParseOptions | undefined): string {
  return named || options?.defaultTenant || DEFAULT_TENANT;
}

/** The idempotency key of an event, or undefined when the event has none (txack, log). */
function optId(r: FieldReader, field: string, value: unknown): string | undefined {
  return r.string(field, value, '') || undefined;
}

// ---------------------------------------------------------------------------------------------
// ChirpStack v4

function chirpStackCommon(r: FieldReader, body: Json, eventType: EventType, options: ParseOptions | undefined): EventCommon {
  const info = r.object('deviceInfo', body.deviceInfo);
  const devEui = r.devEui('deviceInfo.devEui', info.devEui, r.route.device);
  const time = r.time('time', body.time);
  const tenantName = r.string('deviceInfo.tenantName', info.tenantName, '');
  const tenantId = r.string('deviceInfo.tenantId', info.tenantId, '');
  return {
    network: 'chirpstack',
    eventType,
    devEui,
    deviceName: r.string('deviceInfo.deviceName', info.deviceName, ''),
    applicationId: r.string('deviceInfo.applicationId', info.applicationId, '') || r.route.applicationId,
    tenant: tenantOf(tenantName || tenantId, options),
    tags: r.stringMap('deviceInfo.tags', info.tags),
    time,
  };
}

/** Best RSSI and SNR over the gateways: what the best-placed gateway heard (absent per-gateway values are proto3 zeros). */
function chirpStackRadio(r: FieldReader, body: Json): Radio {
  const rxInfo = body.rxInfo;
  let rssi: number | null = null;
  let snr: number | null = null;
  let gateways = 0;
  if (rxInfo !== undefined && rxInfo !== null) {
    if (!Array.isArray(rxInfo)) r.invalid('rxInfo', rxInfo, 'array');
    gateways = rxInfo.length;
    for (let i = 0; i < gateways; i++) {
      const rx: unknown = rxInfo[i];
      if (!isObject(rx)) r.invalid(`rxInfo[${i}]`, rx, 'object');
      const gwRssi = toNumber(rx.rssi, 0);
      if (gwRssi === undefined) r.invalid(`rxInfo[${i}].rssi`, rx.rssi, 'number');
      const gwSnr = toNumber(rx.snr, 0);
      if (gwSnr === undefined) r.invalid(`rxInfo[${i}].snr`, rx.snr, 'number');
      if (rssi === null || gwRssi > rssi) rssi = gwRssi;
      if (snr === null || gwSnr > snr) snr = gwSnr;
    }
  }
  const txInfo = r.optObject('txInfo', body.txInfo);
  return {
    rssi,
    snr,
    gateways,
    // dr is a plain u32 of UplinkEvent: absent means DR0 (e.g. SF12 in EU868), not unknown.
    dr: r.uint('dr', body.dr, 0),
    frequency: txInfo === undefined ? null : r.uint('txInfo.frequency', txInfo.frequency, null),
  };
}

function chirpStackUp(r: FieldReader, body: Json, options: ParseOptions | undefined): UplinkEvent {
  const c = chirpStackCommon(r, body, 'up', options);
  const info = body.deviceInfo as Json;
  const fCnt = r.uint('fCnt', body.fCnt, 0);
  const fPort = r.uint('fPort', body.fPort, 0, FPORT_MAX);
  const bytes = r.bytes('data', body.data);
  const object = r.optObject('object', body.object);
  return {
    network: c.network,
    eventType: 'up',
    devEui: c.devEui,
    deviceName: c.deviceName,
    applicationId: c.applicationId,
    deviceProfile: r.string('deviceInfo.deviceProfileName', info.deviceProfileName, ''),
    tenant: c.tenant,
    tags: c.tags,
    time: c.time,
    fCnt,
    fPort,
    confirmed: r.boolean('confirmed', body.confirmed),
    bytes,
    object,
    radio: chirpStackRadio(r, body),
    // ChirpStack always sets deduplicationId; the fallback is the documented devEui + fCnt + time.
    dedupId: optId(r, 'deduplicationId', body.deduplicationId) ?? `${c.devEui}:${fCnt}:${c.time}`,
  };
}

function chirpStackStatus(r: FieldReader, body: Json, options: ParseOptions | undefined): StatusEvent {
  const c = chirpStackCommon(r, body, 'status', options);
  const externalPowerSource = r.boolean('externalPowerSource', body.externalPowerSource);
  const batteryLevelUnavailable = r.boolean('batteryLevelUnavailable', body.batteryLevelUnavailable);
  const batteryLevel = r.number('batteryLevel', body.batteryLevel, 0);
  const margin = r.number('margin', body.margin, 0);
  if (!Number.isInteger(margin)) r.invalid('margin', body.margin, 'number');
  return {
    ...c,
    eventType: 'status',
    dedupId: optId(r, 'deduplicationId', body.deduplicationId),
    margin,
    externalPowerSource,
    batteryLevelUnavailable,
    // An absent batteryLevel is a proto3 0 %, unless the device said it has no battery reading.
    batteryLevel: externalPowerSource || batteryLevelUnavailable ? null : batteryLevel,
  };
}

function chirpStackJoin(r: FieldReader, body: Json, options: ParseOptions | undefined): JoinEvent {
  const c = chirpStackCommon(r, body, 'join', options);
  return {
    ...c,
    eventType: 'join',
    dedupId: optId(r, 'deduplicationId', body.deduplicationId),
    devAddr: r.string('devAddr', body.devAddr, '').toLowerCase(),
  };
}

function chirpStackAck(r: FieldReader, body: Json, options: ParseOptions | undefined): AckEvent {
  const c = chirpStackCommon(r, body, 'ack', options);
  return {
    ...c,
    eventType: 'ack',
    dedupId: optId(r, 'deduplicationId', body.deduplicationId),
    queueItemId: r.string('queueItemId', body.queueItemId, ''),
    acknowledged: r.boolean('acknowledged', body.acknowledged),
    fCntDown: r.uint('fCntDown', body.fCntDown, 0),
  };
}

function chirpStackTxAck(r: FieldReader, body: Json, options: ParseOptions | undefined): TxAckEvent {
  const c = chirpStackCommon(r, body, 'txack', options);
  return {
    ...c,
    eventType: 'txack',
    queueItemId: r.string('queueItemId', body.queueItemId, ''),
    downlinkId: r.uint('downlinkId', body.downlinkId, 0),
    fCntDown: r.uint('fCntDown', body.fCntDown, 0),
    gatewayId: r.string('gatewayId', body.gatewayId, '').toLowerCase(),
  };
}

function chirpStackLog(r: FieldReader, body: Json, options: ParseOptions | undefined): LogEvent {
  const c = chirpStackCommon(r, body, 'log', options);
  return {
    ...c,
    eventType: 'log',
    // Enum zero values are omitted too: INFO and UNKNOWN.
    level: r.string('level', body.level, '') || 'INFO',
    code: r.string('code', body.code, '') || 'UNKNOWN',
    description: r.string('description', body.description, ''),
    context: r.stringMap('context', body.context),
  };
}

function chirpStackLocation(r: FieldReader, body: Json, options: ParseOptions | undefined): LocationEvent {
  const c = chirpStackCommon(r, body, 'location', options);
  const location = r.object('location', body.location);
  return {
    ...c,
    eventType: 'location',
    dedupId: optId(r, 'deduplicationId', body.deduplicationId),
    latitude: r.number('location.latitude', location.latitude, 0),
    longitude: r.number('location.longitude', location.longitude, 0),
    altitude: r.number('location.altitude', location.altitude, 0),
  };
}

function chirpStackIntegration(r: FieldReader, body: Json, options: ParseOptions | undefined): IntegrationEvent {
  const c = chirpStackCommon(r, body, 'integration', options);
  return {
    ...c,
    eventType: 'integration',
    dedupId: optId(r, 'deduplicationId', body.deduplicationId),
    integrationName: r.string('integrationName', body.integrationName, ''),
    integrationEventType: r.string('eventType', body.eventType, ''),
    object: r.optObject('object', body.object) ?? {},
  };
}

// ---------------------------------------------------------------------------------------------
// The Things Stack v3 (uplinks only)

function ttsRadio(r: FieldReader, up: Json): Radio {
  const rxMetadata = up.rx_metadata;
  let rssi: number | null = null;
  let snr: number | null = null;
  let gateways = 0;
  if (rxMetadata !== undefined && rxMetadata !== null) {
    if (!Array.isArray(rxMetadata)) r.invalid('uplink_message.rx_metadata', rxMetadata, 'array');
    gateways = rxMetadata.length;
    for (let i = 0; i < gateways; i++) {
      const rx: unknown = rxMetadata[i];
      if (!isObject(rx)) r.invalid(`uplink_message.rx_metadata[${i}]`, rx, 'object');
      // Gateways behind Packet Broker may report only channel_rssi.
      const rawRssi = rx.rssi ?? rx.channel_rssi;
      const gwRssi = toNumber(rawRssi, 0);
      if (gwRssi === undefined) r.invalid(`uplink_message.rx_metadata[${i}].rssi`, rawRssi, 'number');
      const gwSnr = toNumber(rx.snr, 0);
      if (gwSnr === undefined) r.invalid(`uplink_message.rx_metadata[${i}].snr`, rx.snr, 'number');
      if (rssi === null || gwRssi > rssi) rssi = gwRssi;
      if (snr === null || gwSnr > snr) snr = gwSnr;
    }
  }
  const settings = r.optObject('uplink_message.settings', up.settings);
  return {
    rssi,
    snr,
    gateways,
    // Recent TTS versions no longer send data_rate_index at all, so absence means unknown here.
    dr: settings === undefined ? null : r.uint('uplink_message.settings.data_rate_index', settings.data_rate_index, null),
    // uint64 in the proto, hence a string in JSON.
    frequency: settings === undefined ? null : r.uint('uplink_message.settings.frequency', settings.frequency, null, Number.MAX_SAFE_INTEGER),
  };
}

/** The `as:up:` entry of correlation_ids: the id TTS gives an uplink in the Application Server. */
function ttsUplinkId(r: FieldReader, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return r.invalid('correlation_ids', value, 'array');
  for (let i = 0; i < value.length; i++) {
    const id: unknown = value[i];
    if (typeof id === 'string' && id.startsWith('as:up:')) return id;
  }
  return undefined;
}

function ttsUp(r: FieldReader, body: Json, options: ParseOptions | undefined): UplinkEvent {
  const ids = r.object('end_device_ids', body.end_device_ids);
  const deviceId = ids.device_id;
  if (deviceId === undefined || deviceId === null || deviceId === '') r.missing('end_device_ids.device_id');
  if (typeof deviceId !== 'string') r.invalid('end_device_ids.device_id', deviceId, 'string');
  if (deviceId !== r.route.device) {
    throw new EventParseError('topic-mismatch', r.route.topic, r.route.device, {
      field: 'end_device_ids.device_id', value: shortValue(deviceId), topicValue: r.route.device,
    });
  }
  const devEui = r.devEui('end_device_ids.dev_eui', ids.dev_eui, undefined);
  const appIds = r.optObject('end_device_ids.application_ids', ids.application_ids);
  const up = r.object('uplink_message', body.uplink_message);
  const time = r.time(up.received_at !== undefined ? 'uplink_message.received_at' : 'received_at', up.received_at ?? body.received_at);
  const fCnt = r.uint('uplink_message.f_cnt', up.f_cnt, 0);
  const fPort = r.uint('uplink_message.f_port', up.f_port, 0, FPORT_MAX);
  const bytes = r.bytes('uplink_message.frm_payload', up.frm_payload);
  const object = r.optObject('uplink_message.decoded_payload', up.decoded_payload);
  const versionIds = r.optObject('uplink_message.version_ids', up.version_ids);
  const brand = versionIds === undefined ? '' : r.string('uplink_message.version_ids.brand_id', versionIds.brand_id, '');
  const model = versionIds === undefined ? '' : r.string('uplink_message.version_ids.model_id', versionIds.model_id, '');
  return {
    network: 'tts',
    eventType: 'up',
    devEui,
    deviceName: deviceId,
    applicationId: (appIds && r.string('end_device_ids.application_ids.application_id', appIds.application_id, '')) || r.route.applicationId,
    // TTS has no device profile name: the Device Repository brand/model stands in for it when known.
    deviceProfile: brand && model ? `${brand}/${model}` : model,
    tenant: tenantOf(r.route.tenant, options),
    tags: {},
    time,
    fCnt,
    fPort,
    confirmed: r.boolean('uplink_message.confirmed', up.confirmed),
    bytes,
    object,
    radio: ttsRadio(r, up),
    dedupId: ttsUplinkId(r, body.correlation_ids) ?? `${devEui}:${fCnt}:${time}`,
  };
}

// ---------------------------------------------------------------------------------------------

type BodyParser = (r: FieldReader, body: Json, options: ParseOptions | undefined) => NetworkEvent;

const CHIRPSTACK: Record<EventType, BodyParser> = {
  up: chirpStackUp,
  status: chirpStackStatus,
  join: chirpStackJoin,
  ack: chirpStackAck,
  txack: chirpStackTxAck,
  log: chirpStackLog,
  location: chirpStackLocation,
  integration: chirpStackIntegration,
};

/**
 * Normalises the body of an event whose topic is already parsed (so a caller can skip the body of
 * event kinds it does not want). Throws `EventParseError`.
 */
export function parseEventBody(route: EventTopic, payload: unknown, options?: ParseOptions): NetworkEvent {
  if (route.eventType === null) {
    // Known TTS messages other than uplinks: callers normally skip them before reading the body.
    throw new EventParseError('unknown-event', route.topic, route.device, { topicValue: route.eventName });
  }
  const r = new FieldReader(route);
  const body = bodyOf(route, payload);
  if (route.network === 'tts') return ttsUp(r, body, options);
  return CHIRPSTACK[route.eventType](r, body, options);
}

/**
 * Parses one MQTT message of ChirpStack v4 or The Things Stack v3 into a normalised event.
 * `payload` may be a Buffer, a string or an already-parsed object. Throws `EventParseError`.
 */
export function parseNetworkEvent(topic: string, payload: Buffer | string | object, options?: ParseOptions): NetworkEvent {
  return parseEventBody(parseEventTopic(topic), payload, options);
}

export { parseEventTopic } from './topic';
export type { EventTopic } from './topic';
export { EventParseError, EVENT_ERROR_CODES } from './errors';
export type { EventErrorCode, ExpectedKind } from './errors';
export { RecentKeys } from './dedup';
