/**
 * The pure part of lorawan-mqtt-in: its settings (environment references, subscription, session) and the
 * tracker of unsettled messages (settle once, timeout sweep, forgetting on a lost connection).
 */
import assert from 'node:assert/strict';
import { SourceConfigError, resolveSetting, sourceSettings } from '../../nodes/lib/mqtt/options';
import { SETTLE_PROPERTY, SettleTracker, settleMessage, settleOf } from '../../nodes/lib/mqtt/settle';

describe('lorawan-mqtt-in settings', () => {
  const env = { SUPERVISOR_MQTT_URL: 'mqtt://broker:1883', SUPERVISOR_MQTT_SHARE_GROUP: 'nr-ingest', SUPERVISOR_MQTT_CLIENT_ID: 'worker-1', SECRET: 's3cret' };

  it('takes a ${VARIABLE} Node-RED left unresolved as its value now, or empty', () => {
    assert.equal(resolveSetting('${SUPERVISOR_MQTT_URL}', env), 'mqtt://broker:1883');
    assert.equal(resolveSetting('${UNSET_VARIABLE}', env), '');
    assert.equal(resolveSetting(' plain ', env), 'plain');
    assert.equal(resolveSetting(undefined, env), '');
  });

  it('subscribes to $share/<group>/<topic> with a persistent session when a group and a client id are set', () => {
    const s = sourceSettings({ broker: '${SUPERVISOR_MQTT_URL}', shareGroup: '${SUPERVISOR_MQTT_SHARE_GROUP}', clientId: '${SUPERVISOR_MQTT_CLIENT_ID}', passwordEnv: 'SECRET', username: 'ingest' }, env);
    assert.equal(s.url, 'mqtt://broker:1883');
    assert.equal(s.subscription, '$share/nr-ingest/application/+/device/+/event/+');
    assert.equal(s.clientId, 'worker-1');
    assert.equal(s.clean, false);
    assert.equal(s.sessionExpiry, 86400);
    assert.equal(s.receiveMaximum, 1000);
    assert.equal(s.settleTimeoutMs, 30000);
    assert.equal(s.username, 'ingest');
    assert.equal(s.password, 's3cret', 'read from the variable the node names');
  });

  it('without them: a plain subscription, a generated id and a clean session; the credential wins over the variable', () => {
    const s = sourceSettings({ broker: 'mqtts://b:8883', shareGroup: '${UNSET}', clientId: '${UNSET}', topic: 'application/+/device/+/event/up', password: 'cred', passwordEnv: 'SECRET' }, env);
    assert.equal(s.subscription, 'application/+/device/+/event/up');
    assert.equal(s.clean, true);
    assert.equal(s.sessionExpiry, 0);
    assert.match(s.clientId, /^lorawan-mqtt-in-[0-9a-f]{12}$/);
    assert.equal(s.password, 'cred');
  });

  it('names the setting that is wrong', () => {
    const code = (config: Record<string, unknown>) => {
      try {
        sourceSettings(config, env);
        return 'none';
      } catch (err) {
        assert.ok(err instanceof SourceConfigError);
        return `${err.code} ${err.setting}`;
      }
    };
    assert.equal(code({ broker: '${UNSET}' }), 'no-url broker');
    assert.equal(code({ broker: 'http://b' }), 'bad-url broker');
    assert.equal(code({ broker: 'mqtt://b', topic: 'a/#/b' }), 'bad-topic topic');
    assert.equal(code({ broker: 'mqtt://b', topic: 'a/b+' }), 'bad-topic topic');
    assert.equal(code({ broker: 'mqtt://b', topic: '$share/g/a' }), 'bad-topic topic');
    assert.equal(code({ broker: 'mqtt://b', shareGroup: 'a/b' }), 'bad-group shareGroup');
    assert.equal(code({ broker: 'mqtt://b', settleTimeout: 'soon' }), 'bad-number settleTimeout');
    assert.equal(code({ broker: 'mqtt://b', receiveMaximum: 70000 }), 'bad-number receiveMaximum');
  });
});

describe('lorawan-mqtt-in settlement tracker', () => {
  it('acknowledges a message once, on its first settle', () => {
    const tracker = new SettleTracker(30000);
    const acks: number[] = [];
    const settle = tracker.track(() => acks.push(1));
    const msg = { [SETTLE_PROPERTY]: settle };
    assert.equal(settleOf(msg), settle);
    assert.equal(settleOf({ [SETTLE_PROPERTY]: 'not a function' }), undefined);
    assert.equal(tracker.unsettled, 1);
    settleMessage(msg);
    settleMessage(msg);
    settle();
    assert.deepEqual(acks, [1]);
    assert.equal(tracker.unsettled, 0);
    assert.deepEqual(tracker.counters, { received: 1, settled: 1, timedOut: 0, forgotten: 0 });
  });

  it('acknowledges by the timeout what waited too long, oldest first, and nothing younger', () => {
    let now = 1000;
    const tracker = new SettleTracker(30000, () => now);
    const acks: string[] = [];
    tracker.track(() => acks.push('old'));
    now = 20000;
    const young = tracker.track(() => acks.push('young'));
    now = 31000;
    assert.equal(tracker.sweep(), 1);
    assert.deepEqual(acks, ['old']);
    young();
    assert.deepEqual(acks, ['old', 'young']);
    assert.deepEqual(tracker.counters, { received: 2, settled: 1, timedOut: 1, forgotten: 0 });
  });

  it('does not time out a message still queued in a busy flow, only one left behind by a later settled message', () => {
    let now = 0;
    const tracker = new SettleTracker(30000, () => now);
    const acks: string[] = [];
    tracker.track(() => acks.push('filtered')); // dropped somewhere without a settle
    const settleSecond = tracker.track(() => acks.push('second'));
    tracker.track(() => acks.push('queued')); // still waiting in Node-RED's queue
    now = 10000;
    settleSecond(); // the flow goes on: "filtered" is now behind
    assert.equal(tracker.sweep(), 0);
    now = 35000;
    assert.equal(tracker.sweep(), 0, 'left behind 25 s ago only; "queued" is younger than the last settlement');
    now = 39000;
    tracker.track(() => acks.push('late')); // the flow keeps settling: nothing idle
    tracker.track(() => undefined)();
    now = 41000;
    assert.equal(tracker.sweep(), 1);
    assert.deepEqual(acks, ['second', 'filtered'], '"queued" arrived 41 s ago but the flow has not reached it');
    now = 75000; // nothing settled for more than 30 s: the flow is stuck or has no writer
    assert.equal(tracker.sweep(), 2);
    assert.deepEqual(acks, ['second', 'filtered', 'queued', 'late']);
    assert.deepEqual(tracker.counters, { received: 5, settled: 2, timedOut: 3, forgotten: 0 });
  });

  it('forgets what a lost connection received: a late settle acknowledges nothing', () => {
    const tracker = new SettleTracker(30000);
    let acks = 0;
    const settle = tracker.track(() => acks++);
    assert.equal(tracker.forget(), 1);
    settle();
    assert.equal(acks, 0);
    assert.equal(tracker.counters.forgotten, 1);
  });

  it('counts in the flow only what no later message has passed: a message left behind waits for its timeout outside the window', () => {
    let now = 0;
    const tracker = new SettleTracker(30000, () => now);
    const settles = Array.from({ length: 5 }, () => tracker.track(() => undefined));
    assert.equal(tracker.inFlow, 5);
    now = 20000;
    settles[2](); // the third is stored: the first two (a status event, an undecoded frame) were left behind
    assert.equal(tracker.unsettled, 4);
    assert.equal(tracker.inFlow, 2, 'only the two received after the settled one may still be in the flow');
    settles[0]();
    assert.equal(tracker.inFlow, 2, 'settling one left behind changes nothing');
    now = 25000;
    assert.equal(tracker.sweep(), 0, 'the one left behind waits for its timeout');
    now = 56000;
    assert.equal(tracker.sweep(), 3, 'nothing settled for a whole timeout: all three time out');
    assert.equal(tracker.inFlow, 0, 'timed-out messages leave the flow count, or a flow without a writer would stay held');
    tracker.track(() => undefined);
    tracker.forget();
    assert.equal(tracker.inFlow, 0, 'a lost connection empties it');
  });
});
