/**
 * MQTT topic parser for both network servers. Hand-written with indexOf instead of a regular
 * expression: it runs once per message on the ingest hot path and allocates only the substrings.
 *
 *   ChirpStack v4:       application/{applicationId}/device/{devEui}/event/{event}
 *   The Things Stack v3: v3/{applicationId}[@{tenant}]/devices/{deviceId}/{event}
 */
import { EVENT_TYPES, EventType, NetworkKind } from '../contracts';
import { EventParseError } from './errors';

export interface EventTopic {
  network: NetworkKind;
  /** The full MQTT topic. */
  topic: string;
  /** The event name as written in the topic: `up`, `status`, ... or TTS `down/ack`, `join`, ... */
  eventName: string;
  /** The normalised kind, or null for a known TTS message that is not an uplink (counted as ignored). */
  eventType: EventType | null;
  applicationId: string;
  /** ChirpStack: the DevEUI segment of the topic; TTS: the device id. Compared with the body. */
  device: string;
  /** TTS only: the `@tenant` suffix of the application segment, else undefined. */
  tenant: string | undefined;
}

const CS_PREFIX = 'application/';
const CS_DEVICE = '/device/';
const CS_EVENT = '/event/';
const TTS_PREFIX = 'v3/';
const TTS_DEVICES = '/devices/';

const KNOWN_EVENTS: ReadonlySet<string> = new Set<string>(EVENT_TYPES);

/** TTS application-layer messages other than uplinks: legitimate, but not normalised (yet). */
const TTS_OTHER_EVENTS: ReadonlySet<string> = new Set([
  'join', 'down/queued', 'down/sent', 'down/ack', 'down/nack', 'down/failed', 'service/data', 'location/solved',
]);

/** Position of the next `/` after `from`, or the string length when there is none. */
function segmentEnd(topic: string, from: number): number {
  const slash = topic.indexOf('/', from);
  return slash < 0 ? topic.length : slash;
}

function parseChirpStack(topic: string): EventTopic {
  const appStart = CS_PREFIX.length;
  const appEnd = segmentEnd(topic, appStart);
  if (appEnd === appStart || !topic.startsWith(CS_DEVICE, appEnd)) throw new EventParseError('unknown-topic', topic, undefined);
  const devStart = appEnd + CS_DEVICE.length;
  const devEnd = segmentEnd(topic, devStart);
  if (devEnd === devStart || !topic.startsWith(CS_EVENT, devEnd)) throw new EventParseError('unknown-topic', topic, undefined);
  const nameStart = devEnd + CS_EVENT.length;
  if (nameStart === topic.length || topic.indexOf('/', nameStart) >= 0) throw new EventParseError('unknown-topic', topic, undefined);
  const device = topic.slice(devStart, devEnd);
  const eventName = topic.slice(nameStart);
  if (!KNOWN_EVENTS.has(eventName)) {
    throw new EventParseError('unknown-event', topic, device, { topicValue: eventName });
  }
  return {
    network: 'chirpstack',
    topic,
    eventName,
    eventType: eventName as EventType,
    applicationId: topic.slice(appStart, appEnd),
    device,
    tenant: undefined,
  };
}

function parseTts(topic: string): EventTopic {
  const appStart = TTS_PREFIX.length;
  const appEnd = segmentEnd(topic, appStart);
  if (appEnd === appStart || !topic.startsWith(TTS_DEVICES, appEnd)) throw new EventParseError('unknown-topic', topic, undefined);
  const devStart = appEnd + TTS_DEVICES.length;
  const devEnd = segmentEnd(topic, devStart);
  if (devEnd === devStart || devEnd + 1 >= topic.length) throw new EventParseError('unknown-topic', topic, undefined);
  const device = topic.slice(devStart, devEnd);
  const eventName = topic.slice(devEnd + 1);
  let eventType: EventType | null;
  if (eventName === 'up') eventType = 'up';
  else if (TTS_OTHER_EVENTS.has(eventName)) eventType = null;
  else throw new EventParseError('unknown-event', topic, device, { topicValue: eventName });
  const at = topic.indexOf('@', appStart);
  const hasTenant = at >= 0 && at < appEnd;
  const applicationId = topic.slice(appStart, hasTenant ? at : appEnd);
  const tenant = hasTenant ? topic.slice(at + 1, appEnd) : undefined;
  if (applicationId === '' || tenant === '') throw new EventParseError('unknown-topic', topic, undefined);
  return { network: 'tts', topic, eventName, eventType, applicationId, device, tenant };
}

/**
 * Parses an event topic of ChirpStack v4 or The Things Stack v3.
 * Throws `EventParseError` `unknown-topic` (not such a topic) or `unknown-event` (unknown event name).
 */
export function parseEventTopic(topic: unknown): EventTopic {
  if (typeof topic === 'string') {
    if (topic.startsWith(CS_PREFIX)) return parseChirpStack(topic);
    if (topic.startsWith(TTS_PREFIX)) return parseTts(topic);
  }
  throw new EventParseError('unknown-topic', topic, undefined);
}
