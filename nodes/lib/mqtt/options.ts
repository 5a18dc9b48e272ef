/**
 * The connection settings of `lorawan-mqtt-in`, checked and completed without Node-RED: broker URL,
 * subscription (plain, or `$share/<group>/<topic>` when several instances split the load), client id and
 * session (a fixed id keeps a persistent session across restarts; none gets a generated id and a clean
 * session). Settings may be `${VARIABLE}` references: Node-RED substitutes the ones that are set and
 * leaves unset ones as written, which count here as empty.
 */
import { randomBytes } from 'node:crypto';

export interface SourceConfig {
  broker?: string;
  topic?: string;
  shareGroup?: string;
  clientId?: string;
  username?: string;
  /** Password from the node's credentials; else from the environment variable `passwordEnv`. */
  password?: string;
  passwordEnv?: string;
  settleTimeout?: number | string;
  sessionExpiry?: number | string;
  receiveMaximum?: number | string;
}

export interface SourceSettings {
  url: string;
  /** What is subscribed: the topic, or `$share/<group>/<topic>`. */
  subscription: string;
  topic: string;
  shareGroup: string;
  clientId: string;
  /** True without a fixed client id: the broker forgets the session at disconnect. */
  clean: boolean;
  /** Seconds the broker keeps the session (and its QoS 1 messages) after a disconnect; 0 when clean. */
  sessionExpiry: number;
  receiveMaximum: number;
  settleTimeoutMs: number;
  username?: string;
  password?: string;
}

export const DEFAULT_TOPIC = 'application/+/device/+/event/+';
export const DEFAULT_SETTLE_TIMEOUT_S = 30;
export const DEFAULT_SESSION_EXPIRY_S = 86400;
/** The most MQTT 5 allows: the broker may have that many unacknowledged messages in flight to us. */
export const MAX_RECEIVE_MAXIMUM = 65535;
/**
 * Unsettled messages at most (the node also stops reading past it). Enough to fill the writer's batches
 * while writes are in flight, small enough that a message spends well under a second in memory.
 */
export const DEFAULT_RECEIVE_MAXIMUM = 1000;

/** A setting that names an environment variable Node-RED could not substitute, or an error naming it. */
export class SourceConfigError extends Error {
  constructor(readonly code: 'no-url' | 'bad-url' | 'bad-topic' | 'bad-group' | 'bad-client-id' | 'bad-number', readonly setting: string, readonly value: string) {
    super(`${setting}: ${code} (${JSON.stringify(value)})`);
    this.name = 'SourceConfigError';
  }
}

const UNRESOLVED = /^\$\{(\w+)\}$/;

/** `${NAME}` left by Node-RED (NAME unset): the variable's value when set now, else ''. */
export function resolveSetting(value: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (value === undefined || value === null) return '';
  const text = String(value).trim();
  const unresolved = UNRESOLVED.exec(text);
  return unresolved ? (env[unresolved[1]] ?? '').trim() : text;
}

function number(value: unknown, setting: string, fallback: number, min: number, max: number): number {
  const text = resolveSetting(value);
  if (text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new SourceConfigError('bad-number', setting, text);
  return n;
}

/** Checks and completes the settings; throws SourceConfigError naming the bad one. */
export function sourceSettings(config: SourceConfig, env: NodeJS.ProcessEnv = process.env): SourceSettings {
  const url = resolveSetting(config.broker, env);
  if (url === '') throw new SourceConfigError('no-url', 'broker', String(config.broker ?? ''));
  if (!/^(mqtts?|wss?|tcp|ssl):\/\/[^/\s]+/.test(url)) throw new SourceConfigError('bad-url', 'broker', url);

  const topic = resolveSetting(config.topic, env) || DEFAULT_TOPIC;
  const levels = topic.split('/');
  const badLevel = levels.some((level, i) => (level.includes('#') && (level !== '#' || i !== levels.length - 1)) || (level.includes('+') && level !== '+'));
  if (badLevel || topic.startsWith('$share/')) throw new SourceConfigError('bad-topic', 'topic', topic);

  const shareGroup = resolveSetting(config.shareGroup, env);
  if (shareGroup !== '' && /[/+#]/.test(shareGroup)) throw new SourceConfigError('bad-group', 'shareGroup', shareGroup);

  const fixedId = resolveSetting(config.clientId, env);
  if (fixedId.length > 256) throw new SourceConfigError('bad-client-id', 'clientId', fixedId);
  const clean = fixedId === '';
  const username = resolveSetting(config.username, env);
  const passwordEnv = resolveSetting(config.passwordEnv, env);
  const password = config.password ? String(config.password) : passwordEnv !== '' ? env[passwordEnv] ?? '' : '';

  return {
    url,
    topic,
    shareGroup,
    subscription: shareGroup === '' ? topic : `$share/${shareGroup}/${topic}`,
    clientId: clean ? `lorawan-mqtt-in-${randomBytes(6).toString('hex')}` : fixedId,
    clean,
    sessionExpiry: clean ? 0 : Math.floor(number(config.sessionExpiry, 'sessionExpiry', DEFAULT_SESSION_EXPIRY_S, 1, 0xffffffff)),
    receiveMaximum: Math.floor(number(config.receiveMaximum, 'receiveMaximum', DEFAULT_RECEIVE_MAXIMUM, 1, MAX_RECEIVE_MAXIMUM)),
    settleTimeoutMs: number(config.settleTimeout, 'settleTimeout', DEFAULT_SETTLE_TIMEOUT_S, 1, 3600) * 1000,
    username: username === '' ? undefined : username,
    password: password === '' ? undefined : password,
  };
}
