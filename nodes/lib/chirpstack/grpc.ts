/**
 * A small client of ChirpStack v4's gRPC API for downlinks (chirpstack.md §4): DeviceService.Enqueue
 * and MulticastGroupService.Enqueue through @chirpstack/chirpstack-api and @grpc/grpc-js. No Node-RED
 * import: the `chirpstack-server` config node owns one of these and shares it between its users.
 *
 * - the API token goes in the call metadata (`authorization: Bearer <token>`), over plaintext or TLS;
 * - the gRPC clients are created on the first call and closed by close();
 * - each attempt has its own deadline; UNAVAILABLE and DEADLINE_EXCEEDED are retried with backoff
 *   (retry.ts), anything else fails at once with its status name and details.
 */
import * as grpc from '@grpc/grpc-js';
import { DeviceServiceClient } from '@chirpstack/chirpstack-api/api/device_grpc_pb';
import { DeviceQueueItem, EnqueueDeviceQueueItemRequest, EnqueueDeviceQueueItemResponse } from '@chirpstack/chirpstack-api/api/device_pb';
import { MulticastGroupServiceClient } from '@chirpstack/chirpstack-api/api/multicast_group_grpc_pb';
import {
  EnqueueMulticastGroupQueueItemRequest, EnqueueMulticastGroupQueueItemResponse, MulticastGroupQueueItem,
} from '@chirpstack/chirpstack-api/api/multicast_group_pb';
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import type { JavaScriptValue } from 'google-protobuf/google/protobuf/struct_pb';
import { NormalizedDownlink, targetOf } from './downlink';
import { grpcStatusName, RetryPolicy, RetryResult, Sleep, withRetry } from './retry';

export interface GrpcSettings {
  /** host:port of ChirpStack's API (8080 by default in ChirpStack v4). */
  address: string;
  tls: boolean;
  /** PEM of a private certificate authority (TLS only); the system roots otherwise. */
  ca?: Buffer;
  /** API token created in ChirpStack (API keys). */
  token: string;
  /** Time allowed for one attempt, ms. */
  deadlineMs: number;
  retry: RetryPolicy;
  /** For tests; default setTimeout. */
  sleep?: Sleep;
}

/** A failed call: the gRPC status (number and name), ChirpStack's details, the target and the retries made. */
export class ChirpstackGrpcError extends Error {
  constructor(readonly code: number, readonly statusName: string, readonly details: string, readonly target: string, readonly retries: number) {
    super(`${target}: ChirpStack answered ${statusName}${details ? ` (${details})` : ''}${retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : ''}`);
    this.name = 'ChirpstackGrpcError';
  }
}

/** `host:port` from what users type (`grpc://`, `http(s)://` prefixes and a trailing slash are tolerated). */
export function parseAddress(text: string): { address: string; impliesTls: boolean } {
  const trimmed = text.trim();
  const m = /^(?:(grpcs?|https?):\/\/)?([^/\s]+?)\/?$/i.exec(trimmed);
  if (!m) throw new Error(`"${text}" is not a server address (host:port, e.g. chirpstack:8080)`);
  const scheme = (m[1] ?? '').toLowerCase();
  const hostPort = m[2];
  const hp = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(hostPort);
  if (!hp || Number(hp[2]) < 1 || Number(hp[2]) > 65535) {
    throw new Error(`"${text}" is not a server address (host:port, e.g. chirpstack:8080)`);
  }
  return { address: hostPort, impliesTls: scheme === 'https' || scheme === 'grpcs' };
}

function timestamp(date: Date): Timestamp {
  const ts = new Timestamp();
  const ms = date.getTime();
  ts.setSeconds(Math.floor(ms / 1000));
  ts.setNanos((ms % 1000) * 1_000_000);
  return ts;
}

/** The DeviceQueueItem of a unicast request (exported for tests). */
export function deviceQueueItem(d: NormalizedDownlink): DeviceQueueItem {
  const item = new DeviceQueueItem();
  if (d.queueItemId !== undefined) item.setId(d.queueItemId);
  item.setDevEui(d.devEui as string);
  item.setFPort(d.fPort);
  item.setConfirmed(d.confirmed);
  if (d.object !== undefined) item.setObject(Struct.fromJavaScript(d.object as Record<string, JavaScriptValue>));
  else item.setData(new Uint8Array(d.bytes));
  if (d.expiresAt !== undefined) item.setExpiresAt(timestamp(d.expiresAt));
  return item;
}

export function multicastQueueItem(d: NormalizedDownlink): MulticastGroupQueueItem {
  const item = new MulticastGroupQueueItem();
  item.setMulticastGroupId(d.multicastGroupId as string);
  item.setFPort(d.fPort);
  item.setData(new Uint8Array(d.bytes));
  if (d.expiresAt !== undefined) item.setExpiresAt(timestamp(d.expiresAt));
  return item;
}

export interface CallOptions {
  onRetry?: (retry: number, err: ChirpstackGrpcError, delayMs: number) => void;
}

export class ChirpstackGrpc {
  private deviceClient?: DeviceServiceClient;
  private multicastClient?: MulticastGroupServiceClient;
  private readonly calls = new Set<grpc.ClientUnaryCall>();
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(private readonly settings: GrpcSettings) {}

  private credentials(): grpc.ChannelCredentials {
    return this.settings.tls ? grpc.credentials.createSsl(this.settings.ca ?? null) : grpc.credentials.createInsecure();
  }

  private devices(): DeviceServiceClient {
    if (!this.deviceClient) this.deviceClient = new DeviceServiceClient(this.settings.address, this.credentials());
    return this.deviceClient;
  }

  private multicast(): MulticastGroupServiceClient {
    if (!this.multicastClient) this.multicastClient = new MulticastGroupServiceClient(this.settings.address, this.credentials());
    return this.multicastClient;
  }

  private metadata(): grpc.Metadata {
    const meta = new grpc.Metadata();
    meta.set('authorization', `Bearer ${this.settings.token}`);
    return meta;
  }

  /** A backoff wait that close() cuts short. */
  private readonly sleep: Sleep = (ms) => {
    if (this.settings.sleep) return this.settings.sleep(ms);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.waits.delete(timer); resolve(); }, ms);
      this.waits.set(timer, resolve);
    });
  };

  private unary<Res>(target: string, start: (meta: grpc.Metadata, options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (this.closed) {
        reject(new ChirpstackGrpcError(grpc.status.CANCELLED, 'CANCELLED', 'the ChirpStack connection is closed', target, 0));
        return;
      }
      const call = start(this.metadata(), { deadline: Date.now() + this.settings.deadlineMs }, (err, res) => {
        this.calls.delete(call);
        if (err) reject(new ChirpstackGrpcError(err.code, grpcStatusName(err.code), err.details ?? err.message, target, 0));
        else resolve(res as Res);
      });
      this.calls.add(call);
    });
  }

  private async retried<T>(target: string, attempt: () => Promise<T>, options: CallOptions): Promise<RetryResult<T>> {
    try {
      return await withRetry(attempt, this.settings.retry, {
        sleep: this.sleep,
        cancelled: () => this.closed,
        onRetry: (retry, err, delay) => options.onRetry?.(retry, err as ChirpstackGrpcError, delay),
      });
    } catch (err) {
      const retries = (err as { retries?: number }).retries ?? 0;
      if (err instanceof ChirpstackGrpcError) throw new ChirpstackGrpcError(err.code, err.statusName, err.details, target, retries);
      throw err;
    }
  }

  /** DeviceService.Enqueue: resolves with the queue-item id. */
  enqueueDevice(d: NormalizedDownlink, options: CallOptions = {}): Promise<RetryResult<string>> {
    const target = targetOf(d);
    const request = new EnqueueDeviceQueueItemRequest();
    request.setQueueItem(deviceQueueItem(d));
    return this.retried(target, async () => {
      const res = await this.unary<EnqueueDeviceQueueItemResponse>(target, (meta, opts, cb) => this.devices().enqueue(request, meta, opts, cb));
      return res.getId();
    }, options);
  }

  /** MulticastGroupService.Enqueue: resolves with the group's frame counter used. */
  enqueueMulticast(d: NormalizedDownlink, options: CallOptions = {}): Promise<RetryResult<number>> {
    const target = targetOf(d);
    const request = new EnqueueMulticastGroupQueueItemRequest();
    request.setQueueItem(multicastQueueItem(d));
    return this.retried(target, async () => {
      const res = await this.unary<EnqueueMulticastGroupQueueItemResponse>(target, (meta, opts, cb) => this.multicast().enqueue(request, meta, opts, cb));
      return res.getFCnt();
    }, options);
  }

  /** Cancels calls in flight and backoff waits, and closes the clients. */
  close(): void {
    this.closed = true;
    for (const call of this.calls) call.cancel();
    this.calls.clear();
    for (const [timer, resolve] of this.waits) { clearTimeout(timer); resolve(); }
    this.waits.clear();
    this.deviceClient?.close();
    this.multicastClient?.close();
    this.deviceClient = undefined;
    this.multicastClient = undefined;
  }
}
