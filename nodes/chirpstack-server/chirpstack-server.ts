/**
 * `chirpstack-server`: configuration node of the ChirpStack v4 network server, for lorawan-downlink.
 *
 * - gRPC mode: the API address (host:port), optional TLS (with an optional private CA file), the API
 *   token as a Node-RED credential, a deadline per call and the retry policy (UNAVAILABLE and
 *   DEADLINE_EXCEEDED retried with a doubling backoff). The client is created for the first user and
 *   closed after the last one (the MQTT-broker pattern), and on close.
 * - MQTT mode: nothing to open. lorawan-downlink outputs ChirpStack's command message for a core
 *   `mqtt out` node wired to the broker ChirpStack listens to; only the default application ID of the
 *   topic is set here. Multicast is not available over MQTT.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ChirpstackGrpc, parseAddress } from '../lib/chirpstack/grpc';
import { retryPolicy, RetryPolicy } from '../lib/chirpstack/retry';
import type { ChirpstackMode, ChirpstackServerNode, ChirpstackServerUser } from '../lib/chirpstack/server-node';
import { Translate, translator } from '../lib/i18n';
import enUS = require('./locales/en-US/chirpstack-server.json');

interface ChirpstackServerDef extends NodeDef {
  mode?: string;
  server?: string;
  tls?: boolean;
  caFile?: string;
  deadline?: number | string;
  attempts?: number | string;
  retryDelay?: number | string;
  applicationId?: string;
}

interface Credentials {
  token?: string;
}

const DEFAULT_DEADLINE_S = 10;

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function ChirpstackServerConfigNode(this: Node<Credentials> & ChirpstackServerNode, config: ChirpstackServerDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const settings = RED.settings as unknown as { userDir?: string };
    const mode: ChirpstackMode = config.mode === 'grpc' ? 'grpc' : 'mqtt';
    const applicationId = String(config.applicationId ?? '').trim() || undefined;

    // Everything is checked once; a problem is kept and told to every user (and in each error).
    let settingsError: string | undefined;
    let address = '';
    let tls = config.tls === true;
    let deadlineMs = DEFAULT_DEADLINE_S * 1000;
    let retry: RetryPolicy | undefined;
    let ca: Buffer | undefined;
    if (mode === 'grpc') {
      try {
        const parsed = parseAddress(String(config.server ?? ''));
        address = parsed.address;
        tls = tls || parsed.impliesTls;
        const deadlineText = String(config.deadline ?? '').trim();
        const deadline = deadlineText === '' ? DEFAULT_DEADLINE_S : Number(deadlineText);
        if (!Number.isFinite(deadline) || deadline <= 0 || deadline > 300) throw new Error(t('chirpstack-server.errors.deadline', { value: deadlineText }));
        deadlineMs = deadline * 1000;
        retry = retryPolicy({ attempts: config.attempts, initialDelayMs: config.retryDelay });
        const token = (node.credentials?.token ?? '').trim();
        if (token === '') throw new Error(t('chirpstack-server.errors.token'));
        const caFile = String(config.caFile ?? '').trim();
        if (tls && caFile !== '') {
          const file = path.isAbsolute(caFile) ? caFile : path.resolve(settings.userDir || process.cwd(), caFile);
          try {
            ca = fs.readFileSync(file);
          } catch (err) {
            throw new Error(t('chirpstack-server.errors.ca', { file, detail: (err as Error).message }));
          }
        }
      } catch (err) {
        settingsError = t('chirpstack-server.errors.settings', { name: config.name || node.id, detail: (err as Error).message });
      }
    }
    const description = mode === 'grpc' ? `gRPC ${address || String(config.server ?? '')}${tls ? ' (TLS)' : ''}` : 'MQTT';
    Object.defineProperty(node, 'mode', { value: mode, enumerable: true });
    Object.defineProperty(node, 'description', { value: description, enumerable: true });
    Object.defineProperty(node, 'applicationId', { value: applicationId, enumerable: true });

    const users = new Map<string, ChirpstackServerUser>();
    let client: ChirpstackGrpc | undefined;

    function tell(user: ChirpstackServerUser, state: 'ready' | 'error', detail?: string): void {
      try {
        user.onServerStatus?.(state, detail);
      } catch { /* a user's callback must not break the others */ }
    }

    node.acquire = (user: ChirpstackServerUser): ChirpstackGrpc | undefined => {
      users.set(user.id, user);
      if (mode === 'mqtt') {
        tell(user, 'ready');
        return undefined;
      }
      if (settingsError !== undefined) {
        tell(user, 'error', settingsError);
        throw new Error(settingsError);
      }
      if (!client) {
        client = new ChirpstackGrpc({
          address, tls, ca, deadlineMs,
          token: (node.credentials?.token ?? '').trim(),
          retry: retry as RetryPolicy,
        });
      }
      tell(user, 'ready');
      return client;
    };

    node.release = (user: ChirpstackServerUser): void => {
      users.delete(user.id);
      if (users.size === 0 && client) {
        client.close();
        client = undefined;
      }
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      client?.close();
      client = undefined;
      done();
    });
  }

  RED.nodes.registerType('chirpstack-server', ChirpstackServerConfigNode as unknown as (this: Node, config: NodeDef) => void, {
    credentials: {
      token: { type: 'password' },
    },
  });
};
