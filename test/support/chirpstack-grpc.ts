/**
 * An in-process gRPC server serving ChirpStack's OWN service definitions (DeviceServiceService and
 * MulticastGroupServiceService of @chirpstack/chirpstack-api, chirpstack.md §5) on a free loopback
 * port, for the lorawan-downlink specs. It records every Enqueue request, checks the
 * `authorization: Bearer <token>` metadata (UNAUTHENTICATED otherwise), and can be scripted to fail:
 * answer UNAVAILABLE n times before succeeding, or answer slowly (deadline tests).
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { DeviceServiceService } from '@chirpstack/chirpstack-api/api/device_grpc_pb';
import { EnqueueDeviceQueueItemRequest, EnqueueDeviceQueueItemResponse } from '@chirpstack/chirpstack-api/api/device_pb';
import { MulticastGroupServiceService } from '@chirpstack/chirpstack-api/api/multicast_group_grpc_pb';
import { EnqueueMulticastGroupQueueItemRequest, EnqueueMulticastGroupQueueItemResponse } from '@chirpstack/chirpstack-api/api/multicast_group_pb';

export interface RecordedDeviceItem {
  id: string;
  devEui: string;
  fPort: number;
  confirmed: boolean;
  data: Buffer;
  object?: Record<string, unknown>;
  /** expires_at in ms since the epoch, when set. */
  expiresAtMs?: number;
}

export interface RecordedMulticastItem {
  multicastGroupId: string;
  fPort: number;
  data: Buffer;
  expiresAtMs?: number;
}

export interface Failure {
  code: grpc.status;
  details: string;
}

export interface FakeChirpstack {
  port: number;
  address: string;
  token: string;
  /** Successful device enqueues, in order. */
  deviceItems: RecordedDeviceItem[];
  multicastItems: RecordedMulticastItem[];
  /** Every call received, successful or not (method and authorization header). */
  calls: Array<{ method: 'device' | 'multicast'; authorization?: string }>;
  /** The next n calls answer this failure (after the token check). */
  failNext(n: number, failure?: Failure): void;
  /** Every call waits this long before answering (0: at once). */
  delayMs: number;
  /** Devices that do not exist (NOT_FOUND). */
  unknownDevices: Set<string>;
  stop(): Promise<void>;
}

export async function startFakeChirpstack(token = 'test-token'): Promise<FakeChirpstack> {
  const server = new grpc.Server();
  const failures: Failure[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let groupFCnt = 41;

  const fake: FakeChirpstack = {
    port: 0,
    address: '',
    token,
    deviceItems: [],
    multicastItems: [],
    calls: [],
    delayMs: 0,
    unknownDevices: new Set(),
    failNext(n, failure = { code: grpc.status.UNAVAILABLE, details: 'ChirpStack is restarting' }) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    stop: () => new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.tryShutdown(() => resolve());
      setTimeout(() => { server.forceShutdown(); resolve(); }, 2000).unref();
    }),
  };

  /** The common part of both methods: token, scripted failures, delay. */
  function answer<Res>(method: 'device' | 'multicast', call: grpc.ServerUnaryCall<unknown, Res>, callback: grpc.sendUnaryData<Res>, ok: () => Res | Failure): void {
    const authorization = call.metadata.get('authorization')[0] as string | undefined;
    fake.calls.push({ method, authorization });
    const respond = () => {
      if (authorization !== `Bearer ${token}`) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: 'authorization token is missing or invalid' });
        return;
      }
      const failure = failures.shift();
      if (failure) {
        callback({ code: failure.code, details: failure.details });
        return;
      }
      const result = ok();
      if (result !== null && typeof result === 'object' && 'code' in (result as object) && 'details' in (result as object)) callback(result as Failure);
      else callback(null, result as Res);
    };
    if (fake.delayMs > 0) {
      const timer = setTimeout(() => { timers.delete(timer); respond(); }, fake.delayMs);
      timers.add(timer);
    } else {
      respond();
    }
  }

  server.addService(DeviceServiceService, {
    enqueue: (call: grpc.ServerUnaryCall<EnqueueDeviceQueueItemRequest, EnqueueDeviceQueueItemResponse>,
      callback: grpc.sendUnaryData<EnqueueDeviceQueueItemResponse>) => {
      answer('device', call, callback, () => {
        const item = call.request.getQueueItem();
        if (!item) return { code: grpc.status.INVALID_ARGUMENT, details: 'queue_item is missing' };
        if (item.getFPort() === 0) return { code: grpc.status.INVALID_ARGUMENT, details: 'FPort must be > 0' };
        if (fake.unknownDevices.has(item.getDevEui())) return { code: grpc.status.NOT_FOUND, details: 'Object does not exist (id: ' + item.getDevEui() + ')' };
        const id = item.getId() || randomUUID();
        const expires = item.getExpiresAt();
        const object = item.getObject();
        fake.deviceItems.push({
          id,
          devEui: item.getDevEui(),
          fPort: item.getFPort(),
          confirmed: item.getConfirmed(),
          data: Buffer.from(item.getData_asU8()),
          object: object ? object.toJavaScript() as Record<string, unknown> : undefined,
          expiresAtMs: expires ? expires.getSeconds() * 1000 + Math.round(expires.getNanos() / 1e6) : undefined,
        });
        const res = new EnqueueDeviceQueueItemResponse();
        res.setId(id);
        return res;
      });
    },
  } as unknown as grpc.UntypedServiceImplementation);

  server.addService(MulticastGroupServiceService, {
    enqueue: (call: grpc.ServerUnaryCall<EnqueueMulticastGroupQueueItemRequest, EnqueueMulticastGroupQueueItemResponse>,
      callback: grpc.sendUnaryData<EnqueueMulticastGroupQueueItemResponse>) => {
      answer('multicast', call, callback, () => {
        const item = call.request.getQueueItem();
        if (!item) return { code: grpc.status.INVALID_ARGUMENT, details: 'queue_item is missing' };
        const expires = item.getExpiresAt();
        fake.multicastItems.push({
          multicastGroupId: item.getMulticastGroupId(),
          fPort: item.getFPort(),
          data: Buffer.from(item.getData_asU8()),
          expiresAtMs: expires ? expires.getSeconds() * 1000 + Math.round(expires.getNanos() / 1e6) : undefined,
        });
        const res = new EnqueueMulticastGroupQueueItemResponse();
        res.setFCnt(++groupFCnt);
        return res;
      });
    },
  } as unknown as grpc.UntypedServiceImplementation);

  fake.port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
  fake.address = `127.0.0.1:${fake.port}`;
  return fake;
}
