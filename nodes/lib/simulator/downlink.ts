/**
 * ChirpStack v4 downlink commands over MQTT (chirpstack.md §3): topic
 * `application/{applicationId}/device/{devEui}/command/down`, JSON `{devEui, confirmed, fPort, data, id?}`
 * with `data` in base64. Parsing is strict, and every error names the field at fault.
 */

export const COMMAND_TOPIC = /^application\/([^/]+)\/device\/([^/]+)\/command\/down$/;

/** A downlink command that cannot be taken; `field` is the part at fault (payload, topic, devEui, fPort, data…). */
export class DownlinkError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'DownlinkError';
  }
}

export interface DownlinkCommand {
  /** From the topic, when there is one. */
  applicationId?: string;
  devEui: string;
  confirmed: boolean;
  fPort: number;
  bytes: Buffer;
  id?: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True when the topic is a ChirpStack downlink command topic. */
export function isCommandTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && COMMAND_TOPIC.test(topic);
}

/**
 * Parses a downlink command. `payload` is the MQTT payload (JSON text or Buffer) or the already parsed
 * object; `topic` may be undefined when the command comes without one.
 */
export function parseDownlinkCommand(topic: string | undefined, payload: unknown): DownlinkCommand {
  let applicationId: string | undefined;
  let topicDevEui: string | undefined;
  if (topic !== undefined && topic !== '') {
    const m = COMMAND_TOPIC.exec(topic);
    if (!m) throw new DownlinkError('topic', `topic "${topic}" is not a downlink command topic (application/{applicationId}/device/{devEui}/command/down)`);
    applicationId = m[1];
    topicDevEui = m[2].toLowerCase();
  }

  let body: unknown = payload;
  if (Buffer.isBuffer(body)) body = body.toString('utf8');
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch (err) {
      throw new DownlinkError('payload', `the downlink payload is not JSON (${(err as Error).message})`);
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new DownlinkError('payload', 'the downlink payload must be a JSON object {devEui, confirmed, fPort, data}');
  }
  const command = body as Record<string, unknown>;

  let devEui = topicDevEui;
  if (command.devEui !== undefined) {
    if (typeof command.devEui !== 'string' || !/^[0-9a-fA-F]{16}$/.test(command.devEui)) {
      throw new DownlinkError('devEui', `devEui ${JSON.stringify(command.devEui)} is not a DevEUI (16 hexadecimal characters)`);
    }
    const bodyDevEui = command.devEui.toLowerCase();
    if (topicDevEui !== undefined && bodyDevEui !== topicDevEui) {
      throw new DownlinkError('devEui', `devEui ${bodyDevEui} differs from the DevEUI of the topic (${topicDevEui})`);
    }
    devEui = bodyDevEui;
  }
  if (devEui === undefined) throw new DownlinkError('devEui', 'devEui is missing (neither in the payload nor in the topic)');
  if (!/^[0-9a-f]{16}$/.test(devEui)) throw new DownlinkError('devEui', `"${devEui}" in the topic is not a DevEUI (16 hexadecimal characters)`);

  const fPort = command.fPort;
  if (typeof fPort !== 'number' || !Number.isInteger(fPort) || fPort < 1 || fPort > 255) {
    throw new DownlinkError('fPort', `fPort must be an integer from 1 to 255 (got ${JSON.stringify(fPort)})`);
  }

  if (command.data === undefined) {
    throw new DownlinkError('data', command.object !== undefined
      ? 'data is missing: "object" needs a device-profile codec, which the simulated network does not have; send the bytes in "data" (base64)'
      : 'data is missing (the payload bytes in base64)');
  }
  if (typeof command.data !== 'string' || !BASE64.test(command.data)) {
    throw new DownlinkError('data', `data ${JSON.stringify(command.data)} is not valid base64`);
  }

  if (command.confirmed !== undefined && typeof command.confirmed !== 'boolean') {
    throw new DownlinkError('confirmed', `confirmed must be true or false (got ${JSON.stringify(command.confirmed)})`);
  }
  if (command.id !== undefined && typeof command.id !== 'string') {
    throw new DownlinkError('id', `id must be a string (a UUID), got ${JSON.stringify(command.id)}`);
  }
  return {
    applicationId,
    devEui,
    confirmed: command.confirmed === true,
    fPort,
    bytes: Buffer.from(command.data, 'base64'),
    id: command.id as string | undefined,
  };
}
