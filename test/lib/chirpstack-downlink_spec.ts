import assert from 'node:assert/strict';
import {
  anyBytes, downlinkResult, DownlinkRequestError, mqttCommand, normalizeDownlink, normalizeDevEui,
} from '../../nodes/lib/chirpstack/downlink';
import { deviceQueueItem, multicastQueueItem, parseAddress } from '../../nodes/lib/chirpstack/grpc';
import { backoffDelay, DEFAULT_RETRY, grpcStatusName, isRetryable, retryPolicy, withRetry } from '../../nodes/lib/chirpstack/retry';
import { parseDownlinkCommand } from '../../nodes/lib/simulator/downlink';

const NAS = '4c1cb60000f60301';
const GROUP = '0f4e3c2a-9b1d-4c5e-8f70-112233445566';
const UUID = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';
const NOW = new Date('2025-03-30T00:00:00Z');

function refused(fn: () => unknown, field: string, text: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DownlinkRequestError, `a DownlinkRequestError, got ${String(err)}`);
    assert.equal(err.field, field);
    assert.match(err.message, text);
    return true;
  });
}

describe('chirpstack downlink requests', () => {
  it('normalises a DownlinkRequest of the lighting model', () => {
    const d = normalizeDownlink({ payload: { id: UUID, devEui: NAS.toUpperCase(), fPort: 60, dataHex: '01FE32', confirmed: true, expiresAt: '2025-03-30T00:05:00Z' } }, { now: NOW });
    assert.equal(d.devEui, NAS);
    assert.equal(d.fPort, 60);
    assert.equal(d.bytes.toString('hex'), '01fe32');
    assert.equal(d.confirmed, true);
    assert.equal(d.requestId, UUID);
    assert.equal(d.queueItemId, UUID);
    assert.equal(d.expiresAt?.toISOString(), '2025-03-30T00:05:00.000Z');
  });

  it('keeps a non-UUID request id for correlation but lets ChirpStack choose the queue-item id', () => {
    const d = normalizeDownlink({ payload: { id: 'cmd-42', devEui: NAS, fPort: 60, dataHex: '01fe00' } });
    assert.equal(d.requestId, 'cmd-42');
    assert.equal(d.queueItemId, undefined);
    assert.equal(d.confirmed, false);
  });

  it('accepts the shapes of ChirpStack\'s device-downlink node: data, bytes, object, msg.devEui + text payload', () => {
    assert.equal(normalizeDownlink({ payload: { devEui: NAS, fPort: 60, data: 'Af4y' } }).bytes.toString('hex'), '01fe32');
    assert.equal(normalizeDownlink({ payload: { devEui: NAS, fPort: 60, bytes: Buffer.from([1, 0xfe, 0x32]) } }).bytes.toString('hex'), '01fe32');
    assert.equal(normalizeDownlink({ payload: { devEui: NAS, fPort: 60, bytes: { type: 'Buffer', data: [1, 254, 50] } } }).bytes.toString('hex'), '01fe32');
    assert.equal(normalizeDownlink({ payload: { devEui: NAS, fPort: 60, bytes: '01fe32' } }).bytes.toString('hex'), '01fe32');
    assert.equal(normalizeDownlink({ payload: { devEui: NAS, fPort: 60, bytes: 'Af4y' } }).bytes.toString('hex'), '01fe32');
    assert.deepEqual(normalizeDownlink({ payload: { devEui: NAS, fPort: 10, object: { level: 50 } } }).object, { level: 50 });
    const legacy = normalizeDownlink({ devEui: NAS, fPort: 60, confirmed: true, payload: '01fe32' }, { encoding: 'hex' });
    assert.equal(legacy.bytes.toString('hex'), '01fe32');
    assert.equal(legacy.confirmed, true);
    assert.equal(normalizeDownlink({ devEUI: NAS, fPort: 60, payload: 'Af4y' }, { encoding: 'base64' }).bytes.toString('hex'), '01fe32');
    assert.equal(normalizeDownlink({ devEui: NAS, fPort: 60 }).bytes.length, 0, 'no payload: an empty frame, as ChirpStack\'s node does');
    assert.equal(normalizeDevEui('4C:1C:B6:00:00:F6:03:01'), NAS);
  });

  it('refuses bad requests with the device and the field named', () => {
    refused(() => normalizeDownlink({ payload: { devEui: NAS, fPort: 0, dataHex: '01' } }), 'fPort', /device 4c1cb60000f60301: fPort must be an integer from 1 to 223/);
    refused(() => normalizeDownlink({ payload: { devEui: NAS, fPort: 224, dataHex: '01' } }), 'fPort', /fPort/);
    refused(() => normalizeDownlink({ payload: { devEui: NAS, fPort: 60, dataHex: '01f' } }), 'dataHex', /device 4c1cb60000f60301: dataHex "01f" is not hexadecimal/);
    refused(() => normalizeDownlink({ payload: { devEui: NAS, fPort: 60, data: 'A*==' } }), 'data', /not valid base64/);
    refused(() => normalizeDownlink({ payload: { devEui: 'lamp-1', fPort: 60, dataHex: '01' } }), 'devEui', /"lamp-1": devEui is not a DevEUI/);
    refused(() => normalizeDownlink({ payload: { fPort: 60, dataHex: '01' } }), 'target', /names no target/);
    refused(() => normalizeDownlink({ payload: { devEui: NAS, fPort: 60 } }), 'data', /carries no frame/);
    refused(() => normalizeDownlink({ payload: { devEui: NAS, fPort: 60, dataHex: '01', confirmed: 'yes' } }), 'confirmed', /true or false/);
    refused(() => normalizeDownlink({ payload: { devEui: NAS, fPort: 60, dataHex: '01', expiresAt: 'tomorrow' } }), 'expiresAt', /not a date/);
    refused(() => normalizeDownlink({ payload: { devEui: NAS, fPort: 60, dataHex: '01', expiresAt: '2025-03-29T23:59:00Z' } }, { now: NOW }), 'expiresAt', /expired/);
    refused(() => normalizeDownlink({ payload: { devEui: NAS, fPort: 60, dataHex: 'ab'.repeat(243) } }), 'data', /243 bytes/);
    refused(() => normalizeDownlink({ payload: 'x' }), 'payload', /msg.payload must be a downlink request/);
    refused(() => normalizeDownlink({ devEui: NAS, fPort: 60, payload: 'zz' }, { encoding: 'hex' }), 'msg.payload', /not hexadecimal/);
  });

  it('checks multicast requests: a group UUID, bytes, never confirmed', () => {
    const d = normalizeDownlink({ payload: { multicastGroupId: GROUP.toUpperCase(), fPort: 60, dataHex: '01fe00' } });
    assert.equal(d.multicastGroupId, GROUP);
    assert.equal(d.confirmed, false);
    assert.equal(normalizeDownlink({ payload: { multicastGroupId: GROUP, fPort: 60, dataHex: '01' } }, { defaultConfirmed: true }).confirmed, false);
    refused(() => normalizeDownlink({ payload: { multicastGroupId: 'night-cut', fPort: 60, dataHex: '01' } }), 'multicastGroupId', /UUID/);
    refused(() => normalizeDownlink({ payload: { multicastGroupId: GROUP, fPort: 60, dataHex: '01', confirmed: true } }), 'confirmed', /never acknowledged/);
    refused(() => normalizeDownlink({ payload: { multicastGroupId: GROUP, fPort: 60, object: { a: 1 } } }), 'object', /bytes only/);
    refused(() => normalizeDownlink({ payload: { multicastGroupId: GROUP, devEui: NAS, fPort: 60, dataHex: '01' } }), 'target', /not both/);
  });

  it('reads bytes in every usual form and says why it cannot', () => {
    assert.deepEqual([...anyBytes([1, 2, 3], 'auto', 'bytes', 'device x')], [1, 2, 3]);
    assert.deepEqual([...anyBytes(new Uint8Array([9]), 'auto', 'bytes', 'device x')], [9]);
    assert.throws(() => anyBytes([1, 256], 'auto', 'bytes', 'device x'), /0 to 255/);
    assert.throws(() => anyBytes(42, 'auto', 'bytes', 'device x'), /Buffer, a byte array/);
  });
});

describe('chirpstack MQTT command message', () => {
  it('is ChirpStack\'s DownlinkCommand JSON on the command topic, and the simulator reads it back', () => {
    const d = normalizeDownlink({ payload: { id: UUID, devEui: NAS, fPort: 60, dataHex: '01fe32', confirmed: true } });
    const { message, command } = mqttCommand(d, 'a7d3e9f2-4b5c-4e81-b0a6-3c2f9d8e7a22');
    assert.equal(message.topic, `application/a7d3e9f2-4b5c-4e81-b0a6-3c2f9d8e7a22/device/${NAS}/command/down`);
    assert.deepEqual(JSON.parse(message.payload), { id: UUID, devEui: NAS, confirmed: true, fPort: 60, data: 'Af4y' });
    assert.deepEqual(command, JSON.parse(message.payload));
    assert.equal(message.qos, 1);
    assert.equal(message.retain, false);
    const parsed = parseDownlinkCommand(message.topic, message.payload);
    assert.equal(parsed.devEui, NAS);
    assert.equal(parsed.bytes.toString('hex'), '01fe32');
    assert.equal(parsed.id, UUID);
  });

  it('takes the request\'s application, generates an id when the request has no UUID, sends object as is', () => {
    const d = normalizeDownlink({ payload: { id: 'cmd-1', devEui: NAS, applicationId: 'app-2', fPort: 10, object: { level: 20 } } });
    const { message, command } = mqttCommand(d, 'app-1', () => 'generated-id');
    assert.equal(message.topic, `application/app-2/device/${NAS}/command/down`);
    assert.deepEqual(command, { id: 'generated-id', devEui: NAS, confirmed: false, fPort: 10, object: { level: 20 } });
  });

  it('refuses multicast (needs gRPC) and a missing application', () => {
    const group = normalizeDownlink({ payload: { multicastGroupId: GROUP, fPort: 60, dataHex: '01fe00' } });
    refused(() => mqttCommand(group, 'app-1'), 'multicastGroupId', /multicast downlinks need the gRPC API/);
    refused(() => mqttCommand(normalizeDownlink({ payload: { devEui: NAS, fPort: 60, dataHex: '01' } })), 'applicationId', /application ID/);
    refused(() => mqttCommand(normalizeDownlink({ payload: { devEui: NAS, fPort: 60, dataHex: '01' } }), 'a/#'), 'applicationId', /MQTT topic/);
  });

  it('describes what was enqueued', () => {
    const d = normalizeDownlink({ payload: { id: 'cmd-7', multicastGroupId: GROUP, fPort: 60, dataHex: '01fe00', expiresAt: '2025-03-30T00:05:00Z' } }, { now: NOW });
    assert.deepEqual(downlinkResult(d, 'grpc', 42, 1, NOW), {
      id: 42, fCnt: 42, requestId: 'cmd-7', multicastGroupId: GROUP, fPort: 60, confirmed: false, dataHex: '01fe00',
      expiresAt: '2025-03-30T00:05:00.000Z', enqueuedAt: NOW.toISOString(), mode: 'grpc', retries: 1,
    });
  });
});

describe('chirpstack gRPC queue items', () => {
  it('fills DeviceQueueItem: id, dev_eui, f_port, confirmed, data and expires_at', () => {
    const d = normalizeDownlink({ payload: { id: UUID, devEui: NAS, fPort: 60, dataHex: '01fe32', confirmed: true, expiresAt: '2025-03-30T00:05:00.250Z' } }, { now: NOW });
    const item = deviceQueueItem(d);
    assert.equal(item.getId(), UUID);
    assert.equal(item.getDevEui(), NAS);
    assert.equal(item.getFPort(), 60);
    assert.equal(item.getConfirmed(), true);
    assert.equal(Buffer.from(item.getData_asU8()).toString('hex'), '01fe32');
    assert.equal(item.getExpiresAt()?.getSeconds(), Date.parse('2025-03-30T00:05:00Z') / 1000);
    assert.equal(item.getExpiresAt()?.getNanos(), 250_000_000);
    const object = deviceQueueItem(normalizeDownlink({ payload: { devEui: NAS, fPort: 10, object: { level: 20 } } }));
    assert.deepEqual(object.getObject()?.toJavaScript(), { level: 20 });
    assert.equal(object.getData_asU8().length, 0);
  });

  it('fills MulticastGroupQueueItem', () => {
    const item = multicastQueueItem(normalizeDownlink({ payload: { multicastGroupId: GROUP, fPort: 60, dataHex: '01fe00' } }));
    assert.equal(item.getMulticastGroupId(), GROUP);
    assert.equal(item.getFPort(), 60);
    assert.equal(Buffer.from(item.getData_asU8()).toString('hex'), '01fe00');
    assert.equal(item.getExpiresAt(), undefined);
  });

  it('reads server addresses', () => {
    assert.deepEqual(parseAddress('chirpstack:8080'), { address: 'chirpstack:8080', impliesTls: false });
    assert.deepEqual(parseAddress(' https://ns.example.org:443/ '), { address: 'ns.example.org:443', impliesTls: true });
    assert.deepEqual(parseAddress('[::1]:8080'), { address: '[::1]:8080', impliesTls: false });
    assert.throws(() => parseAddress('chirpstack'), /host:port/);
    assert.throws(() => parseAddress('chirpstack:99999'), /host:port/);
  });
});

describe('chirpstack retry policy', () => {
  const unavailable = () => Object.assign(new Error('down'), { code: 14 });

  it('retries UNAVAILABLE and DEADLINE_EXCEEDED only', () => {
    assert.equal(isRetryable({ code: 14 }), true);
    assert.equal(isRetryable({ code: 4 }), true);
    for (const code of [1, 3, 5, 7, 12, 13, 16]) assert.equal(isRetryable({ code }), false, grpcStatusName(code));
    assert.equal(grpcStatusName(16), 'UNAUTHENTICATED');
    assert.equal(grpcStatusName(99), 'status 99');
  });

  it('waits 0.5 s, then 1 s, doubling up to the maximum', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(DEFAULT_RETRY, n)), [500, 1000, 2000, 4000]);
    assert.equal(backoffDelay({ ...DEFAULT_RETRY, maxDelayMs: 1500 }, 4), 1500);
    assert.deepEqual(retryPolicy({ attempts: '5', initialDelayMs: 100 }), { attempts: 5, initialDelayMs: 100, factor: 2, maxDelayMs: 10_000 });
    assert.deepEqual(retryPolicy({ attempts: '' }), DEFAULT_RETRY);
    assert.throws(() => retryPolicy({ attempts: 0 }), /attempts must be an integer from 1 to 10/);
    assert.throws(() => retryPolicy({ initialDelayMs: 'soon' }), /initialDelayMs/);
  });

  it('succeeds after two UNAVAILABLE with the injected sleep, counting the retries', async () => {
    const waits: number[] = [];
    const seen: number[] = [];
    let calls = 0;
    const result = await withRetry(async () => {
      calls++;
      if (calls <= 2) throw unavailable();
      return 'queued';
    }, DEFAULT_RETRY, { sleep: async (ms) => { waits.push(ms); }, onRetry: (n) => seen.push(n) });
    assert.deepEqual(result, { value: 'queued', retries: 2 });
    assert.deepEqual(waits, [500, 1000]);
    assert.deepEqual(seen, [1, 2]);
  });

  it('gives up after the last attempt, and at once on other errors', async () => {
    let calls = 0;
    await assert.rejects(withRetry(async () => { calls++; throw unavailable(); }, DEFAULT_RETRY, { sleep: async () => undefined }),
      (err: Error & { retries?: number }) => err.retries === 2);
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(withRetry(async () => { calls++; throw Object.assign(new Error('bad token'), { code: 16 }); }, DEFAULT_RETRY, { sleep: async () => undefined }),
      (err: Error & { retries?: number }) => err.retries === 0);
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(withRetry(async () => { calls++; throw unavailable(); }, DEFAULT_RETRY, { sleep: async () => undefined, cancelled: () => true }));
    assert.equal(calls, 1, 'no retry once cancelled');
  });
});
