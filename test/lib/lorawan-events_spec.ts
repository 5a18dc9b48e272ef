import assert from 'node:assert/strict';
import {
  EVENT_ERROR_CODES, EventErrorCode, EventParseError, RecentKeys, parseEventTopic, parseNetworkEvent,
} from '../../nodes/lib/lorawan/events';
import type {
  AckEvent, IntegrationEvent, JoinEvent, LocationEvent, LogEvent, StatusEvent, TxAckEvent, UplinkEvent,
} from '../../nodes/lib/contracts';
import {
  APP_ID, DEV_EUI, TTS_DEVICE, csTopic, officialAck, officialIntegration, officialJoin, officialLocation, officialLog,
  officialStatus, officialTxAck, officialUp, ttsTopic, ttsUplink,
} from '../fixtures/lorawan-events';

const UP_TOPIC = csTopic('up');

function up(body: unknown, topic = UP_TOPIC): UplinkEvent {
  const event = parseNetworkEvent(topic, Buffer.from(JSON.stringify(body)));
  assert.equal(event.eventType, 'up');
  return event as UplinkEvent;
}

/** Runs the parser and returns the EventParseError it must throw. */
function failure(topic: unknown, payload: unknown): EventParseError {
  try {
    parseNetworkEvent(topic as string, payload as object);
  } catch (err) {
    assert.ok(err instanceof EventParseError, `expected an EventParseError, got ${String(err)}`);
    return err;
  }
  assert.fail(`no error for topic ${String(topic)} and payload ${JSON.stringify(payload)}`);
}

function withField(body: Record<string, any>, path: string, value: unknown): Record<string, any> {
  const parts = path.split('.');
  let target: any = body;
  for (const part of parts.slice(0, -1)) target = target[part];
  if (value === undefined) delete target[parts[parts.length - 1]];
  else target[parts[parts.length - 1]] = value;
  return body;
}

describe('lorawan event parser (nodes/lib/lorawan)', () => {
  describe('ChirpStack v4 up', () => {
    it('normalises the official example, filling the proto3 defaults it leaves out', () => {
      const event = up(officialUp());
      assert.deepEqual(event, {
        network: 'chirpstack',
        eventType: 'up',
        devEui: DEV_EUI,
        deviceName: 'Test device',
        applicationId: APP_ID,
        deviceProfile: 'Test device-profile',
        tenant: 'ChirpStack',
        tags: { key: 'value' },
        time: '2022-07-18T09:34:15.775Z',
        fCnt: 0,
        fPort: 1,
        confirmed: false,
        bytes: Buffer.from([0xaa]),
        object: undefined,
        radio: { rssi: -36, snr: 10.5, gateways: 1, dr: 1, frequency: 867100000 },
        dedupId: '3ac7e3c4-4401-4b8d-9386-a5c902f9202d',
      });
      assert.ok(Buffer.isBuffer(event.bytes));
    });

    it('keeps fCnt, confirmed and object when they are present', () => {
      const body = officialUp();
      body.fCnt = 10;
      body.confirmed = true;
      body.object = { temperature: 21.5, alarm: false };
      const event = up(body);
      assert.equal(event.fCnt, 10);
      assert.equal(event.confirmed, true);
      assert.deepEqual(event.object, { temperature: 21.5, alarm: false });
    });

    it('reads a Buffer, a string and an already-parsed object alike', () => {
      const fromBuffer = parseNetworkEvent(UP_TOPIC, Buffer.from(JSON.stringify(officialUp())));
      const fromString = parseNetworkEvent(UP_TOPIC, JSON.stringify(officialUp()));
      const fromObject = parseNetworkEvent(UP_TOPIC, officialUp());
      assert.deepEqual(fromString, fromBuffer);
      assert.deepEqual(fromObject, fromBuffer);
    });

    it('accepts a MAC-only frame: no data and no fPort give an empty Buffer on port 0', () => {
      const body = officialUp();
      delete body.data;
      delete body.fPort;
      const event = up(body);
      assert.equal(event.fPort, 0);
      assert.equal(event.bytes.length, 0);
      assert.ok(Buffer.isBuffer(event.bytes));
    });

    it('lowercases the DevEUI, whatever the case of the topic and the body', () => {
      const body = officialUp('70B3D57ED005ABCD');
      const event = up(body, csTopic('up', '70b3d57ed005ABCD'));
      assert.equal(event.devEui, '70b3d57ed005abcd');
    });

    it('accepts 64-bit integers written as strings', () => {
      const body = officialUp();
      body.fCnt = '4294967295';
      body.fPort = '10';
      body.dr = '5';
      body.txInfo.frequency = '868100000';
      body.rxInfo[0].rssi = '-110';
      body.rxInfo[0].snr = '-7.25';
      const event = up(body);
      assert.equal(event.fCnt, 4294967295);
      assert.equal(event.fPort, 10);
      assert.deepEqual(event.radio, { rssi: -110, snr: -7.25, gateways: 1, dr: 5, frequency: 868100000 });
    });

    it('takes the best RSSI and the best SNR over all gateways, absent values being proto3 zeros', () => {
      const body = officialUp();
      body.rxInfo = [
        { gatewayId: 'a', rssi: -120, snr: -3 },
        { gatewayId: 'b', rssi: -90, snr: -12.5 },
        { gatewayId: 'c', rssi: -101 }, // snr 0 left out
      ];
      assert.deepEqual(up(body).radio, { rssi: -90, snr: 0, gateways: 3, dr: 1, frequency: 867100000 });
    });

    it('gives null radio values when nothing is known, and DR0 when dr is left out', () => {
      const body = officialUp();
      delete body.rxInfo;
      delete body.txInfo;
      delete body.dr;
      assert.deepEqual(up(body).radio, { rssi: null, snr: null, gateways: 0, dr: 0, frequency: null });
    });

    it('normalises the time to UTC ISO 8601', () => {
      const body = officialUp();
      body.time = '2024-03-31T03:30:00.123456789+02:00';
      assert.equal(up(body).time, '2024-03-31T01:30:00.123Z');
    });

    it('accepts the RFC 3339 variants and rejects impossible dates', () => {
      const timeOf = (time: string) => {
        const body = officialUp();
        body.time = time;
        return up(body).time;
      };
      assert.equal(timeOf('2024-02-29T12:00:00z'), '2024-02-29T12:00:00.000Z');
      assert.equal(timeOf('2022-07-18 09:34:15.5+00:00'), '2022-07-18T09:34:15.500Z');
      assert.equal(timeOf('2022-07-18T09:34:15.775023242-00:00'), '2022-07-18T09:34:15.775Z');
      assert.equal(timeOf('2022-07-18T23:30:00-02:00'), '2022-07-19T01:30:00.000Z');
      for (const bad of ['2022-02-29T00:00:00Z', '2022-04-31T00:00:00Z', '2022-07-18T24:00:00Z', '2022-07-18T09:60:00Z', '2022-00-10T00:00:00Z']) {
        const body = officialUp();
        body.time = bad;
        const err = failure(UP_TOPIC, body);
        assert.equal(err.code, 'invalid-field', bad);
        assert.equal(err.field, 'time');
      }
    });

    it('writes UTC times exactly as Date would (hand-written fast path)', () => {
      let seed = 7;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      for (let i = 0; i < 2000; i++) {
        const ms = Date.UTC(1990, 0, 1) + Math.floor(random() * 60 * 365 * 86400000);
        const digits = Math.floor(random() * 10); // 0 to 9 fraction digits
        const base = new Date(ms).toISOString().slice(0, 19);
        const fraction = digits === 0 ? '' : `.${String(Math.floor(random() * 10 ** digits)).padStart(digits, '0')}`;
        const text = `${base}${fraction}${random() < 0.5 ? 'Z' : '+00:00'}`;
        const body = officialUp();
        body.time = text;
        assert.equal(up(body).time, new Date(Date.parse(text)).toISOString(), text);
      }
    });

    it('takes the tenant name, else the tenant id, else the default tenant', () => {
      const body = officialUp();
      assert.equal(up(body).tenant, 'ChirpStack');
      delete body.deviceInfo.tenantName;
      assert.equal(up(body).tenant, '52f14cd4-c6f1-4fbd-8f87-4025e1d49242');
      delete body.deviceInfo.tenantId;
      assert.equal(up(body).tenant, 'grand-poitiers');
      const other = parseNetworkEvent(UP_TOPIC, body, { defaultTenant: 'chasseneuil' });
      assert.equal(other.tenant, 'chasseneuil');
    });

    it('fills empty names, tags and the application id from the topic when the body leaves them out', () => {
      const body = officialUp();
      delete body.deviceInfo.deviceName;
      delete body.deviceInfo.deviceProfileName;
      delete body.deviceInfo.tags;
      delete body.deviceInfo.applicationId;
      const event = up(body);
      assert.equal(event.deviceName, '');
      assert.equal(event.deviceProfile, '');
      assert.deepEqual(event.tags, {});
      assert.equal(event.applicationId, APP_ID);
      // Each event gets its own tags object: enrichment adds to it downstream.
      assert.notEqual(up(body).tags, event.tags);
    });

    it('falls back to devEui + fCnt + time as the idempotency key without deduplicationId', () => {
      const body = officialUp();
      delete body.deduplicationId;
      body.fCnt = 7;
      assert.equal(up(body).dedupId, `${DEV_EUI}:7:2022-07-18T09:34:15.775Z`);
    });
  });

  describe('other ChirpStack v4 events', () => {
    const common = {
      network: 'chirpstack',
      devEui: DEV_EUI,
      deviceName: 'Test device',
      applicationId: APP_ID,
      tenant: 'ChirpStack',
      tags: { key: 'value' },
    };

    it('status: margin, power source and battery level', () => {
      const event = parseNetworkEvent(csTopic('status'), JSON.stringify(officialStatus())) as StatusEvent;
      assert.deepEqual(event, {
        ...common,
        eventType: 'status',
        time: '2022-07-18T09:34:15.775Z',
        dedupId: '3ac7e3c4-4401-4b8d-9386-a5c902f9202d',
        margin: 6,
        externalPowerSource: false,
        batteryLevelUnavailable: false,
        batteryLevel: 75.5,
      });
    });

    it('status: defaults, and a null battery level when unavailable or mains-powered', () => {
      const body = officialStatus();
      delete body.margin;
      delete body.batteryLevel;
      let event = parseNetworkEvent(csTopic('status'), body) as StatusEvent;
      assert.equal(event.margin, 0);
      assert.equal(event.batteryLevel, 0);
      body.batteryLevelUnavailable = true;
      event = parseNetworkEvent(csTopic('status'), body) as StatusEvent;
      assert.equal(event.batteryLevel, null);
      body.batteryLevelUnavailable = false;
      body.externalPowerSource = true;
      body.margin = -5;
      event = parseNetworkEvent(csTopic('status'), body) as StatusEvent;
      assert.equal(event.batteryLevel, null);
      assert.equal(event.externalPowerSource, true);
      assert.equal(event.margin, -5);
    });

    it('join: devAddr', () => {
      const event = parseNetworkEvent(csTopic('join'), JSON.stringify(officialJoin())) as JoinEvent;
      assert.deepEqual(event, {
        ...common,
        eventType: 'join',
        time: '2022-07-18T09:33:28.823Z',
        dedupId: 'c9dbe358-2578-4fb7-b295-66b44369e5ba',
        devAddr: '00189440',
      });
    });

    it('ack: queue item, acknowledged and fCntDown, with defaults', () => {
      const event = parseNetworkEvent(csTopic('ack'), officialAck()) as AckEvent;
      assert.equal(event.eventType, 'ack');
      assert.equal(event.queueItemId, 'c9dbe358-2578-4fb7-b295-66b44369e5ba');
      assert.equal(event.acknowledged, true);
      assert.equal(event.fCntDown, 7);
      const body = officialAck();
      delete body.acknowledged;
      delete body.fCntDown;
      const negative = parseNetworkEvent(csTopic('ack'), body) as AckEvent;
      assert.equal(negative.acknowledged, false);
      assert.equal(negative.fCntDown, 0);
    });

    it('txack: ids, fCntDown and gateway, without a deduplication id', () => {
      const event = parseNetworkEvent(csTopic('txack'), officialTxAck()) as TxAckEvent;
      assert.deepEqual(event, {
        ...common,
        eventType: 'txack',
        time: '2022-07-18T09:34:15.775Z',
        queueItemId: 'c9dbe358-2578-4fb7-b295-66b44369e5ba',
        downlinkId: 3212393245,
        fCntDown: 7,
        gatewayId: '0016c001f153a14c',
      });
      const body = officialTxAck();
      body.downlinkId = '3212393245';
      assert.equal((parseNetworkEvent(csTopic('txack'), body) as TxAckEvent).downlinkId, 3212393245);
    });

    it('log: level, code, description and context, with the enum defaults INFO and UNKNOWN', () => {
      const event = parseNetworkEvent(csTopic('log'), officialLog()) as LogEvent;
      assert.equal(event.level, 'ERROR');
      assert.equal(event.code, 'UPLINK_CODEC');
      assert.equal(event.description, 'Error: not enough bytes');
      assert.deepEqual(event.context, { deduplication_id: '3ac7e3c4-4401-4b8d-9386-a5c902f9202d' });
      const body = officialLog();
      delete body.level;
      delete body.code;
      delete body.context;
      const info = parseNetworkEvent(csTopic('log'), body) as LogEvent;
      assert.equal(info.level, 'INFO');
      assert.equal(info.code, 'UNKNOWN');
      assert.deepEqual(info.context, {});
    });

    it('location: latitude, longitude and altitude', () => {
      const event = parseNetworkEvent(csTopic('location'), officialLocation()) as LocationEvent;
      assert.equal(event.eventType, 'location');
      assert.deepEqual([event.latitude, event.longitude, event.altitude], [46.5802, 0.3404, 118]);
      const body = officialLocation();
      delete body.location.altitude;
      assert.equal((parseNetworkEvent(csTopic('location'), body) as LocationEvent).altitude, 0);
    });

    it('integration: name, event type (renamed) and object', () => {
      const event = parseNetworkEvent(csTopic('integration'), officialIntegration()) as IntegrationEvent;
      assert.equal(event.eventType, 'integration');
      assert.equal(event.integrationName, 'loracloud');
      assert.equal(event.integrationEventType, 'modem_UplinkResponse');
      assert.deepEqual(event.object, { foo: 'bar' });
    });
  });

  describe('The Things Stack v3 uplinks', () => {
    it('normalises an uplink of a topic with @tenant', () => {
      const event = parseNetworkEvent(ttsTopic('grand-poitiers-communes'), Buffer.from(JSON.stringify(ttsUplink())));
      assert.deepEqual(event, {
        network: 'tts',
        eventType: 'up',
        devEui: '0004a30b001c0530',
        deviceName: TTS_DEVICE,
        applicationId: 'my-app',
        deviceProfile: 'elsys/ers-co2',
        tenant: 'grand-poitiers-communes',
        tags: {},
        time: '2023-05-18T12:34:56.700Z',
        fCnt: 42,
        fPort: 2,
        confirmed: false,
        bytes: Buffer.from([1, 2, 3]),
        object: { temperature: 21.5 },
        // gw-2 has only channel_rssi (Packet Broker): it still counts.
        radio: { rssi: -80, snr: 4.5, gateways: 2, dr: 3, frequency: 868300000 },
        dedupId: 'as:up:01H0PZCJ7C7KDQ2YJ4ZKZ8KB3V',
      });
    });

    it('uses the default tenant without @tenant, and fills what TTS leaves out', () => {
      const body = ttsUplink();
      delete body.uplink_message.f_cnt;
      delete body.uplink_message.settings.data_rate_index;
      delete body.uplink_message.received_at;
      delete body.correlation_ids;
      const event = parseNetworkEvent(ttsTopic(), body) as UplinkEvent;
      assert.equal(event.tenant, 'grand-poitiers');
      assert.equal(event.fCnt, 0);
      assert.equal(event.radio.dr, null);
      assert.equal(event.time, '2023-05-18T12:34:56.789Z');
      assert.equal(event.dedupId, `0004a30b001c0530:0:2023-05-18T12:34:56.789Z`);
    });

    it('parses TTS topics and recognises its other messages without normalising them', () => {
      assert.deepEqual(parseEventTopic('v3/my-app@ttn/devices/dev-1/up'), {
        network: 'tts', topic: 'v3/my-app@ttn/devices/dev-1/up', eventName: 'up', eventType: 'up',
        applicationId: 'my-app', device: 'dev-1', tenant: 'ttn',
      });
      const join = parseEventTopic('v3/my-app/devices/dev-1/down/ack');
      assert.equal(join.eventType, null);
      assert.equal(join.eventName, 'down/ack');
      assert.equal(failure('v3/my-app/devices/dev-1/join', ttsUplink()).code, 'unknown-event');
    });
  });

  describe('errors', () => {
    const time = '2022-07-18T09:34:15Z';
    interface Case { name: string; topic: unknown; payload: unknown; code: EventErrorCode; field?: string }
    const mutated = (path: string, value: unknown) => JSON.stringify(withField(officialUp(), path, value));
    const cases: Case[] = [
      { name: 'random text', topic: UP_TOPIC, payload: Buffer.from('hello'), code: 'not-json' },
      { name: 'truncated JSON', topic: UP_TOPIC, payload: JSON.stringify(officialUp()).slice(0, 100), code: 'not-json' },
      { name: 'empty payload', topic: UP_TOPIC, payload: Buffer.alloc(0), code: 'not-json' },
      { name: 'a JSON array', topic: UP_TOPIC, payload: '[1,2]', code: 'not-object' },
      { name: 'JSON null', topic: UP_TOPIC, payload: 'null', code: 'not-object' },
      { name: 'a number (mqtt in auto-detect)', topic: UP_TOPIC, payload: 42, code: 'not-object' },
      { name: 'no deviceInfo', topic: UP_TOPIC, payload: mutated('deviceInfo', undefined), code: 'missing-field', field: 'deviceInfo' },
      { name: 'no devEui', topic: UP_TOPIC, payload: mutated('deviceInfo.devEui', undefined), code: 'missing-field', field: 'deviceInfo.devEui' },
      { name: 'no time', topic: UP_TOPIC, payload: mutated('time', undefined), code: 'missing-field', field: 'time' },
      { name: 'TTS without uplink_message', topic: ttsTopic(), payload: { end_device_ids: ttsUplink().end_device_ids, received_at: time }, code: 'missing-field', field: 'uplink_message' },
      { name: 'TTS without dev_eui', topic: ttsTopic(), payload: withField(ttsUplink(), 'end_device_ids.dev_eui', undefined), code: 'missing-field', field: 'end_device_ids.dev_eui' },
      { name: 'location without location', topic: csTopic('location'), payload: withField(officialLocation(), 'location', undefined), code: 'missing-field', field: 'location' },
      { name: 'deviceInfo a string', topic: UP_TOPIC, payload: mutated('deviceInfo', 'x'), code: 'invalid-field', field: 'deviceInfo' },
      { name: 'devEui not hex', topic: UP_TOPIC, payload: mutated('deviceInfo.devEui', '01010101010101zz'), code: 'invalid-field', field: 'deviceInfo.devEui' },
      { name: 'devEui too short', topic: UP_TOPIC, payload: mutated('deviceInfo.devEui', '0101'), code: 'invalid-field', field: 'deviceInfo.devEui' },
      { name: 'fPort a word', topic: UP_TOPIC, payload: mutated('fPort', 'abc'), code: 'invalid-field', field: 'fPort' },
      { name: 'fPort above 255', topic: UP_TOPIC, payload: mutated('fPort', 300), code: 'invalid-field', field: 'fPort' },
      { name: 'fCnt negative', topic: UP_TOPIC, payload: mutated('fCnt', -1), code: 'invalid-field', field: 'fCnt' },
      { name: 'fCnt fractional', topic: UP_TOPIC, payload: mutated('fCnt', 1.5), code: 'invalid-field', field: 'fCnt' },
      { name: 'time not a date', topic: UP_TOPIC, payload: mutated('time', 'yesterday'), code: 'invalid-field', field: 'time' },
      { name: 'time a bare number string', topic: UP_TOPIC, payload: mutated('time', '1'), code: 'invalid-field', field: 'time' },
      { name: 'time impossible', topic: UP_TOPIC, payload: mutated('time', '2022-13-45T00:00:00Z'), code: 'invalid-field', field: 'time' },
      { name: 'time a number', topic: UP_TOPIC, payload: mutated('time', 1658136855), code: 'invalid-field', field: 'time' },
      { name: 'confirmed a string', topic: UP_TOPIC, payload: mutated('confirmed', 'yes'), code: 'invalid-field', field: 'confirmed' },
      { name: 'tags a string', topic: UP_TOPIC, payload: mutated('deviceInfo.tags', 'a'), code: 'invalid-field', field: 'deviceInfo.tags' },
      { name: 'rxInfo an object', topic: UP_TOPIC, payload: mutated('rxInfo', {}), code: 'invalid-field', field: 'rxInfo' },
      { name: 'rxInfo snr a word', topic: UP_TOPIC, payload: JSON.stringify({ ...officialUp(), rxInfo: [{ rssi: -1 }, { rssi: -2, snr: 'x' }] }), code: 'invalid-field', field: 'rxInfo[1].snr' },
      { name: 'frequency a word', topic: UP_TOPIC, payload: mutated('txInfo.frequency', 'abc'), code: 'invalid-field', field: 'txInfo.frequency' },
      { name: 'object an array', topic: UP_TOPIC, payload: mutated('object', [1]), code: 'invalid-field', field: 'object' },
      { name: 'data a number', topic: UP_TOPIC, payload: mutated('data', 42), code: 'invalid-field', field: 'data' },
      { name: 'TTS frequency a word', topic: ttsTopic(), payload: withField(ttsUplink(), 'uplink_message.settings.frequency', 'abc'), code: 'invalid-field', field: 'uplink_message.settings.frequency' },
      { name: 'status margin fractional', topic: csTopic('status'), payload: withField(officialStatus(), 'margin', 1.5), code: 'invalid-field', field: 'margin' },
      { name: 'base64 with a bad character', topic: UP_TOPIC, payload: mutated('data', 'q!=='), code: 'invalid-base64', field: 'data' },
      { name: 'base64 of impossible length', topic: UP_TOPIC, payload: mutated('data', 'abcde'), code: 'invalid-base64', field: 'data' },
      { name: 'base64 padding inside', topic: UP_TOPIC, payload: mutated('data', 'ab=c'), code: 'invalid-base64', field: 'data' },
      { name: 'TTS bad base64', topic: ttsTopic(), payload: withField(ttsUplink(), 'uplink_message.frm_payload', '%%%%'), code: 'invalid-base64', field: 'uplink_message.frm_payload' },
      { name: 'unknown ChirpStack event', topic: csTopic('foo'), payload: officialUp(), code: 'unknown-event' },
      { name: 'unknown TTS event', topic: ttsTopic(undefined, TTS_DEVICE, 'foo'), payload: ttsUplink(), code: 'unknown-event' },
      { name: 'not an event topic', topic: 'foo/bar', payload: officialUp(), code: 'unknown-topic' },
      { name: 'no topic', topic: undefined, payload: officialUp(), code: 'unknown-topic' },
      { name: 'empty topic', topic: '', payload: officialUp(), code: 'unknown-topic' },
      { name: 'truncated topic', topic: `application/${APP_ID}/device/${DEV_EUI}`, payload: officialUp(), code: 'unknown-topic' },
      { name: 'empty application', topic: `application//device/${DEV_EUI}/event/up`, payload: officialUp(), code: 'unknown-topic' },
      { name: 'extra segment', topic: `${UP_TOPIC}/more`, payload: officialUp(), code: 'unknown-topic' },
      { name: 'ChirpStack command topic', topic: `application/${APP_ID}/device/${DEV_EUI}/command/down`, payload: officialUp(), code: 'unknown-topic' },
      { name: 'TTS topic without device', topic: 'v3/my-app/devices/', payload: ttsUplink(), code: 'unknown-topic' },
      { name: 'TTS topic with empty tenant', topic: `v3/my-app@/devices/${TTS_DEVICE}/up`, payload: ttsUplink(), code: 'unknown-topic' },
      { name: 'devEui of another device', topic: csTopic('up', '0202020202020202'), payload: officialUp(), code: 'topic-mismatch', field: 'deviceInfo.devEui' },
      { name: 'TTS device id of another device', topic: ttsTopic(undefined, 'other-device'), payload: ttsUplink(), code: 'topic-mismatch', field: 'end_device_ids.device_id' },
    ];

    for (const c of cases) {
      it(`${c.code}: ${c.name}`, () => {
        const err = failure(c.topic, c.payload);
        assert.equal(err.code, c.code, err.message);
        assert.equal(err.field, c.field);
        if (c.field) assert.ok(err.message.includes(`field "${c.field}"`), err.message);
        const topic = typeof c.topic === 'string' && c.topic !== '' ? c.topic : '(none)';
        assert.ok(err.message.endsWith(`topic ${topic})`), err.message);
      });
    }

    it('covers every error code', () => {
      assert.deepEqual([...new Set(cases.map((c) => c.code))].sort(), [...EVENT_ERROR_CODES].sort());
    });

    it('names the device once it is known, and gives a readable English message', () => {
      const err = failure(UP_TOPIC, mutated('fPort', 'abc'));
      assert.equal(err.message, `field "fPort" is invalid: "abc" is not an unsigned integer (device ${DEV_EUI}, topic ${UP_TOPIC})`);
      assert.equal(err.device, DEV_EUI);
      assert.equal(failure('foo', '{}').message, 'not a ChirpStack v4 or The Things Stack v3 event topic (topic foo)');
    });

    it('shortens long values and topics in messages', () => {
      const err = failure(`${'x'.repeat(500)}`, '{}');
      assert.ok(err.message.length < 250, err.message);
      const long = failure(UP_TOPIC, mutated('fPort', 'y'.repeat(500)));
      assert.ok(long.message.length < 250, long.message);
    });
  });

  describe('RecentKeys (bounded duplicate memory)', () => {
    it('reports a key seen among the last N and forgets older ones', () => {
      const keys = new RecentKeys(3);
      assert.deepEqual(['a', 'b', 'c'].map((k) => keys.isDuplicate(k)), [false, false, false]);
      assert.equal(keys.isDuplicate('a'), true);
      assert.equal(keys.isDuplicate('d'), false); // evicts a, the oldest
      assert.equal(keys.isDuplicate('a'), false); // forgotten, remembered again (evicts b)
      assert.equal(keys.isDuplicate('c'), true);
      assert.equal(keys.isDuplicate('b'), false);
      assert.equal(keys.size, 3);
    });

    it('keeps its memory bounded under a long stream', () => {
      const keys = new RecentKeys(10000);
      for (let i = 0; i < 25000; i++) assert.equal(keys.isDuplicate(`id-${i}`), false);
      assert.equal(keys.size, 10000);
      assert.equal(keys.isDuplicate('id-14999'), false);
      assert.equal(keys.isDuplicate('id-24999'), true);
      assert.equal(keys.isDuplicate('id-15001'), true);
    });

    it('rejects a capacity that is not a positive integer', () => {
      assert.throws(() => new RecentKeys(0), RangeError);
      assert.throws(() => new RecentKeys(1.5), RangeError);
    });
  });
});
