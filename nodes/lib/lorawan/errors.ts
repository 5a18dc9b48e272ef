/**
 * The one error type of the event parsers. It carries structured facts (code, field, device, topic)
 * so a node can translate the message, and a complete English message for everyone else (CLI,
 * benchmarks, logs). No Node-RED import here.
 */

export type EventErrorCode =
  | 'not-json'
  | 'not-object'
  | 'missing-field'
  | 'invalid-field'
  | 'invalid-base64'
  | 'unknown-event'
  | 'unknown-topic'
  | 'topic-mismatch';

/** Every code, for catalogs and tests that must cover them all. */
export const EVENT_ERROR_CODES: readonly EventErrorCode[] = [
  'not-json', 'not-object', 'missing-field', 'invalid-field', 'invalid-base64', 'unknown-event', 'unknown-topic',
  'topic-mismatch',
];

/** What an invalid field should have been; translated by the node (`lorawan-event.expected.<kind>`). */
export type ExpectedKind = 'object' | 'array' | 'string' | 'boolean' | 'uint' | 'number' | 'date' | 'dev-eui';

const EXPECTED_EN: Record<ExpectedKind, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  boolean: 'a boolean',
  uint: 'an unsigned integer',
  number: 'a number',
  date: 'an RFC 3339 date',
  'dev-eui': '16 hexadecimal characters',
};

export interface EventErrorFacts {
  /** Dotted path of the offending field in the JSON body, e.g. `deviceInfo.devEui`, `rxInfo[1].rssi`. */
  field?: string;
  /** Short JSON rendering of the offending value (at most ~40 characters). */
  value?: string;
  expected?: ExpectedKind;
  /** The event name of the topic (unknown-event) or the value found in the topic (topic-mismatch). */
  topicValue?: string;
  /** Extra technical detail, e.g. the JSON syntax error. */
  detail?: string;
}

const MAX_TOPIC = 160;
const MAX_VALUE = 40;

/** A value as it would appear in JSON, shortened: error messages must stay readable. */
export function shortValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** The topic as shown in messages: bounded, and visible when empty or absent. */
export function shownTopic(topic: unknown): string {
  if (typeof topic !== 'string' || topic === '') return '(none)';
  return topic.length > MAX_TOPIC ? `${topic.slice(0, MAX_TOPIC - 1)}…` : topic;
}

/** The English text of an error, without its context. Mirrors `errors.<code>` in the en-US catalog. */
function describe(code: EventErrorCode, facts: EventErrorFacts): string {
  switch (code) {
    case 'not-json':
      return `payload is not valid JSON (${facts.detail ?? 'empty'})`;
    case 'not-object':
      return `payload is not a JSON object: ${facts.value}`;
    case 'missing-field':
      return `field "${facts.field}" is missing`;
    case 'invalid-field':
      return `field "${facts.field}" is invalid: ${facts.value} is not ${EXPECTED_EN[facts.expected ?? 'string']}`;
    case 'invalid-base64':
      return `field "${facts.field}" is not valid base64: ${facts.value}`;
    case 'unknown-event':
      return `unknown event type "${facts.topicValue}"`;
    case 'unknown-topic':
      return 'not a ChirpStack v4 or The Things Stack v3 event topic';
    case 'topic-mismatch':
      return `field "${facts.field}" is ${facts.value} but the topic says "${facts.topicValue}"`;
  }
}

export class EventParseError extends Error {
  readonly code: EventErrorCode;
  /** The MQTT topic of the message, shortened for display. */
  readonly topic: string;
  /** DevEUI (or TTS device id) of the device when it is known, else undefined. */
  readonly device: string | undefined;
  readonly field: string | undefined;
  readonly value: string | undefined;
  readonly expected: ExpectedKind | undefined;
  readonly topicValue: string | undefined;
  readonly detail: string | undefined;

  constructor(code: EventErrorCode, topic: unknown, device: string | undefined, facts: EventErrorFacts = {}) {
    const shown = shownTopic(topic);
    const context = device ? `device ${device}, topic ${shown}` : `topic ${shown}`;
    super(`${describe(code, facts)} (${context})`);
    this.name = 'EventParseError';
    this.code = code;
    this.topic = shown;
    this.device = device || undefined;
    this.field = facts.field;
    this.value = facts.value;
    this.expected = facts.expected;
    this.topicValue = facts.topicValue;
    this.detail = facts.detail;
  }
}
