/**
 * What the `chirpstack-server` config node offers to the nodes that use it (`lorawan-downlink`),
 * typed without Node-RED: `RED.nodes.getNode(config.server) as ChirpstackServerNode`.
 *
 * The MQTT-broker pattern: users register with acquire() and leave with release(); in gRPC mode the
 * API client is created for the first user and closed after the last one. In MQTT mode nothing is
 * opened: lorawan-downlink outputs the command message for a core `mqtt out` node.
 */
import type { ChirpstackGrpc } from './grpc';

export type ChirpstackMode = 'grpc' | 'mqtt';

export interface ChirpstackServerUser {
  id: string;
  /** Called when the settings cannot work (no token, unreadable CA file…) and when they can. */
  onServerStatus?: (state: 'ready' | 'error', detail?: string) => void;
}

export interface ChirpstackServerNode {
  id: string;
  readonly mode: ChirpstackMode;
  /** `gRPC chirpstack:8080 (TLS)`, `MQTT`. */
  readonly description: string;
  /** Default application ID of the MQTT topics (a request's own applicationId wins). */
  readonly applicationId?: string;
  /** Registers a user; gRPC mode: the shared client (throws with a clear message when the settings are unusable). MQTT: undefined. */
  acquire(user: ChirpstackServerUser): ChirpstackGrpc | undefined;
  /** The user is gone; the client is closed after the last one. */
  release(user: ChirpstackServerUser): void;
}
