/**
 * Downlink requests for ChirpStack (pure, no Node-RED): what `lorawan-downlink` accepts, checked and
 * normalised once, and the MQTT command message of ChirpStack v4 (chirpstack.md §3).
 *
 * Accepted input (forgiving in what it takes, strict in what it checks):
 * - msg.payload = DownlinkRequest of nodes/lib/lighting/model.ts ({id, devEui | multicastGroupId,
 *   applicationId?, fPort, dataHex, confirmed?, expiresAt?});
 * - msg.payload = the fields of ChirpStack's device-downlink node: {devEui, fPort, confirmed, data
 *   (base64) | object | bytes (Buffer, byte array, hex or base64 text)};
 * - the older shape of @chirpstack/node-red-contrib-chirpstack: msg.devEui (or msg.devEUI), msg.fPort,
 *   msg.confirmed, and msg.payload the frame as hex or base64 text (the node's encoding setting) or a Buffer.
 * Every error names the device (or multicast group) and the field at fault.
 */
import { randomUUID } from 'node:crypto';

export type PayloadEncoding = 'hex' | 'base64';

/** A request that cannot be sent; `field` is the part at fault, `target` the device or group. */
export class DownlinkRequestError extends Error {
  constructor(readonly field: string, readonly target: string, message: string) {
    super(message);
    this.name = 'DownlinkRequestError';
  }
}

export interface NormalizedDownlink {
  /** The caller's id (DownlinkRequest.id), kept for correlation. */
  requestId?: string;
  /** The queue-item id to ask ChirpStack for: the caller's id when it is a UUID. */
  queueItemId?: string;
  devEui?: string;
  multicastGroupId?: string;
  applicationId?: string;
  fPort: number;
  bytes: Buffer;
  /** Sent instead of the bytes, for a device-profile codec (unicast only). */
  object?: Record<string, unknown>;
  confirmed: boolean;
  expiresAt?: Date;
}

export interface NormalizeOptions {
  /** Encoding of a text msg.payload in the older msg.devEui shape; default hex. */
  encoding?: PayloadEncoding;
  /** `confirmed` when the request does not say; default false. */
  defaultConfirmed?: boolean;
  /** Checks expiresAt against this time; default now. */
  now?: Date;
}

/** Largest application payload of EU868 (DR6/DR7: 242 bytes; DR0–2 allow only 51). */
export const MAX_PAYLOAD_BYTES = 242;

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A DevEUI in any usual writing (upper case, `:`/`-`/space separators) as 16 lowercase hex digits, or undefined. */
export function normalizeDevEui(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const compact = value.trim().replace(/[:\s-]/g, '');
  return /^[0-9a-fA-F]{16}$/.test(compact) ? compact.toLowerCase() : undefined;
}

/** Hex text (spaces allowed, `0x` prefix allowed) to bytes; throws on anything else. */
export function hexBytes(text: string, field: string, target: string): Buffer {
  const compact = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (!HEX.test(compact)) {
    throw new DownlinkRequestError(field, target, `${target}: ${field} ${JSON.stringify(text)} is not hexadecimal (an even number of 0-9 a-f digits)`);
  }
  return Buffer.from(compact, 'hex');
}

export function base64Bytes(text: string, field: string, target: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw new DownlinkRequestError(field, target, `${target}: ${field} ${JSON.stringify(text)} is not valid base64`);
  return Buffer.from(compact, 'base64');
}

/**
 * Bytes from a Buffer, a Uint8Array, a byte array, a JSON'd Buffer ({type: 'Buffer', data}), or text:
 * text is read with `encoding`, or for `auto` as hex when it is only hex digits, else as base64.
 */
export function anyBytes(value: unknown, encoding: PayloadEncoding | 'auto', field: string, target: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  let list: unknown = value;
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') list = (value as { data?: unknown }).data;
  if (Array.isArray(list)) {
    if (!list.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
      throw new DownlinkRequestError(field, target, `${target}: ${field} must hold bytes (integers from 0 to 255)`);
    }
    return Buffer.from(list as number[]);
  }
  if (typeof value === 'string') {
    if (encoding === 'hex') return hexBytes(value, field, target);
    if (encoding === 'base64') return base64Bytes(value, field, target);
    const compact = value.replace(/\s+/g, '').replace(/^0x/i, '');
    return HEX.test(compact) ? Buffer.from(compact, 'hex') : base64Bytes(value, field, target);
  }
  throw new DownlinkRequestError(field, target, `${target}: ${field} must be a Buffer, a byte array, or hex or base64 text (got ${value === null ? 'null' : typeof value})`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Uint8Array);
}

/** The message fields read by normalizeDownlink. */
export interface DownlinkMessage {
  payload?: unknown;
  devEui?: unknown;
  devEUI?: unknown;
  fPort?: unknown;
  confirmed?: unknown;
}

/** Checks and normalises a downlink request; throws DownlinkRequestError naming the target and the field. */
export function normalizeDownlink(msg: DownlinkMessage, options: NormalizeOptions = {}): NormalizedDownlink {
  const legacy = !isObject(msg.payload) && (msg.devEui !== undefined || msg.devEUI !== undefined);
  let body: Record<string, unknown>;
  if (legacy) {
    body = { devEui: msg.devEui ?? msg.devEUI, fPort: msg.fPort, confirmed: msg.confirmed };
  } else if (isObject(msg.payload)) {
    body = msg.payload;
  } else {
    throw new DownlinkRequestError('payload', 'downlink', 'msg.payload must be a downlink request {devEui or multicastGroupId, fPort, dataHex or data or bytes}' +
      ' (or give msg.devEui, msg.fPort and the frame in msg.payload)');
  }

  // The target: one device or one multicast group.
  const rawDevEui = body.devEui ?? body.devEUI ?? body.dev_eui;
  const rawGroup = body.multicastGroupId ?? body.multicast_group_id;
  if (rawDevEui !== undefined && rawGroup !== undefined) {
    throw new DownlinkRequestError('target', `device ${String(rawDevEui)}`, `device ${String(rawDevEui)}: give either devEui or multicastGroupId, not both`);
  }
  let devEui: string | undefined;
  let multicastGroupId: string | undefined;
  let target: string;
  if (rawGroup !== undefined) {
    if (!isUuid(rawGroup)) {
      throw new DownlinkRequestError('multicastGroupId', `multicast group ${String(rawGroup)}`,
        `multicast group ${JSON.stringify(rawGroup)}: multicastGroupId must be the group's UUID as ChirpStack shows it`);
    }
    multicastGroupId = rawGroup.toLowerCase();
    target = `multicast group ${multicastGroupId}`;
  } else if (rawDevEui !== undefined) {
    devEui = normalizeDevEui(rawDevEui);
    if (devEui === undefined) {
      throw new DownlinkRequestError('devEui', `device ${String(rawDevEui)}`,
        `device ${JSON.stringify(rawDevEui)}: devEui is not a DevEUI (16 hexadecimal digits, e.g. 4c1cb60000f60301)`);
    }
    target = `device ${devEui}`;
  } else {
    throw new DownlinkRequestError('target', 'downlink', 'the downlink names no target: give devEui (one device) or multicastGroupId (a ChirpStack multicast group)');
  }

  const fPort = body.fPort ?? body.f_port;
  const port = typeof fPort === 'string' && /^\d+$/.test(fPort.trim()) ? Number(fPort) : fPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 223) {
    throw new DownlinkRequestError('fPort', target, `${target}: fPort must be an integer from 1 to 223 (got ${JSON.stringify(fPort)}); port 0 carries MAC commands only`);
  }

  // The frame.
  let bytes: Buffer | undefined;
  let object: Record<string, unknown> | undefined;
  if (legacy) {
    if (msg.payload === undefined || msg.payload === null || msg.payload === '') bytes = Buffer.alloc(0);
    else bytes = anyBytes(msg.payload, options.encoding ?? 'hex', 'msg.payload', target);
  } else if (body.dataHex !== undefined) {
    if (typeof body.dataHex !== 'string') throw new DownlinkRequestError('dataHex', target, `${target}: dataHex must be hexadecimal text`);
    bytes = hexBytes(body.dataHex, 'dataHex', target);
  } else if (body.data !== undefined) {
    bytes = typeof body.data === 'string' ? base64Bytes(body.data, 'data', target) : anyBytes(body.data, 'base64', 'data', target);
  } else if (body.bytes !== undefined) {
    bytes = anyBytes(body.bytes, 'auto', 'bytes', target);
  } else if (body.object !== undefined) {
    if (!isObject(body.object)) throw new DownlinkRequestError('object', target, `${target}: object must be a JSON object for the device-profile codec`);
    if (multicastGroupId !== undefined) {
      throw new DownlinkRequestError('object', target, `${target}: a multicast downlink carries bytes only (no device-profile codec): give dataHex, data or bytes`);
    }
    object = body.object;
  } else {
    throw new DownlinkRequestError('data', target, `${target}: the downlink carries no frame: give dataHex (hex), data (base64), bytes or object`);
  }
  if (bytes !== undefined && bytes.length > MAX_PAYLOAD_BYTES) {
    throw new DownlinkRequestError('data', target, `${target}: the frame has ${bytes.length} bytes, more than LoRaWAN carries (${MAX_PAYLOAD_BYTES})`);
  }

  const confirmedRaw = body.confirmed;
  if (confirmedRaw !== undefined && confirmedRaw !== null && typeof confirmedRaw !== 'boolean') {
    throw new DownlinkRequestError('confirmed', target, `${target}: confirmed must be true or false (got ${JSON.stringify(confirmedRaw)})`);
  }
  const confirmed = typeof confirmedRaw === 'boolean' ? confirmedRaw : (multicastGroupId === undefined && options.defaultConfirmed === true);
  if (multicastGroupId !== undefined && confirmed) {
    throw new DownlinkRequestError('confirmed', target, `${target}: multicast downlinks are never acknowledged: send them with confirmed false and check the next status`);
  }

  let expiresAt: Date | undefined;
  if (body.expiresAt !== undefined && body.expiresAt !== null && body.expiresAt !== '') {
    const value = body.expiresAt;
    expiresAt = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(expiresAt.getTime())) {
      throw new DownlinkRequestError('expiresAt', target, `${target}: expiresAt ${JSON.stringify(value)} is not a date (ISO 8601, e.g. 2025-03-30T05:00:00Z)`);
    }
    const now = options.now ?? new Date();
    if (expiresAt.getTime() <= now.getTime()) {
      throw new DownlinkRequestError('expiresAt', target, `${target}: the request expired at ${expiresAt.toISOString()}: it is not sent (a lighting command must never run late)`);
    }
  }

  let requestId: string | undefined;
  if (body.id !== undefined && body.id !== null && body.id !== '') {
    if (typeof body.id !== 'string') throw new DownlinkRequestError('id', target, `${target}: id must be text (got ${JSON.stringify(body.id)})`);
    requestId = body.id;
  }
  const applicationId = typeof body.applicationId === 'string' && body.applicationId.trim() !== '' ? body.applicationId.trim() : undefined;

  return {
    requestId,
    queueItemId: isUuid(requestId) ? requestId.toLowerCase() : undefined,
    devEui,
    multicastGroupId,
    applicationId,
    fPort: port,
    bytes: bytes ?? Buffer.alloc(0),
    object,
    confirmed,
    expiresAt,
  };
}

/** The device or group a request addresses, for messages. */
export function targetOf(d: Pick<NormalizedDownlink, 'devEui' | 'multicastGroupId'>): string {
  return d.multicastGroupId !== undefined ? `multicast group ${d.multicastGroupId}` : `device ${d.devEui}`;
}

/** The body of ChirpStack's DownlinkCommand (integration.proto) as JSON: camelCase, data in base64. */
export interface DownlinkCommandJson {
  id: string;
  devEui: string;
  confirmed: boolean;
  fPort: number;
  data?: string;
  object?: Record<string, unknown>;
}

export interface MqttCommandMessage {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/**
 * The MQTT message that enqueues a unicast downlink (application/{app}/device/{devEui}/command/down),
 * ready for a core `mqtt out` node. ChirpStack answers nothing over MQTT: the id is chosen here (the
 * request's UUID, else a new one) so that the later txack, ack and log events can be correlated.
 */
export function mqttCommand(d: NormalizedDownlink, defaultApplicationId?: string, newId: () => string = randomUUID): { message: MqttCommandMessage; command: DownlinkCommandJson } {
  const target = targetOf(d);
  if (d.multicastGroupId !== undefined || d.devEui === undefined) {
    throw new DownlinkRequestError('multicastGroupId', target,
      `${target}: multicast downlinks need the gRPC API; ChirpStack has no MQTT topic for them. Set the ChirpStack server to gRPC mode`);
  }
  const applicationId = d.applicationId ?? (defaultApplicationId?.trim() || undefined);
  if (applicationId === undefined) {
    throw new DownlinkRequestError('applicationId', target,
      `${target}: over MQTT the topic needs the ChirpStack application ID: give applicationId in the request or in the ChirpStack server settings`);
  }
  if (/[/+#]/.test(applicationId)) {
    throw new DownlinkRequestError('applicationId', target, `${target}: applicationId ${JSON.stringify(applicationId)} cannot be part of an MQTT topic`);
  }
  const command: DownlinkCommandJson = { id: d.queueItemId ?? newId(), devEui: d.devEui, confirmed: d.confirmed, fPort: d.fPort };
  if (d.object !== undefined) command.object = d.object;
  else command.data = d.bytes.toString('base64');
  return {
    command,
    message: { topic: `application/${applicationId}/device/${d.devEui}/command/down`, payload: JSON.stringify(command), qos: 1, retain: false },
  };
}

/** msg.payload of output 1: what was enqueued. */
export interface DownlinkResult {
  /** Queue-item id (unicast), or the frame counter given by ChirpStack (multicast). */
  id: string | number;
  /** The caller's id (DownlinkRequest.id). */
  requestId?: string;
  devEui?: string;
  multicastGroupId?: string;
  fPort: number;
  confirmed: boolean;
  dataHex: string;
  /** Multicast: the group's frame counter used for this frame. */
  fCnt?: number;
  expiresAt?: string;
  enqueuedAt: string;
  mode: 'grpc' | 'mqtt';
  retries: number;
}

export function downlinkResult(d: NormalizedDownlink, mode: 'grpc' | 'mqtt', id: string | number, retries: number, now = new Date()): DownlinkResult {
  const result: DownlinkResult = { id, fPort: d.fPort, confirmed: d.confirmed, dataHex: d.bytes.toString('hex'), enqueuedAt: now.toISOString(), mode, retries };
  if (d.requestId !== undefined) result.requestId = d.requestId;
  if (d.devEui !== undefined) result.devEui = d.devEui;
  if (d.multicastGroupId !== undefined) {
    result.multicastGroupId = d.multicastGroupId;
    if (typeof id === 'number') result.fCnt = id;
  }
  if (d.expiresAt !== undefined) result.expiresAt = d.expiresAt.toISOString();
  return result;
}
