import assert from 'node:assert/strict';
import {
  alertMessage, dispatch, formatBattery, formatDateTime, formatDuration, formatRssi, formatSnr, HealthInputError, HealthTracker,
  UplinkLike,
} from '../../nodes/lib/health';

const DEV = '2c5e1a0000b20301';
const OTHER = '70b3d5e75e00a103';
const T0 = Date.parse('2026-11-29T08:00:00.000Z');
const MIN = 60000;

function uplink(fCnt: number, at: number, over: Partial<UplinkLike> = {}): UplinkLike {
  return {
    devEui: DEV, deviceName: 'Hôtel de Ville – compteur d\u2019eau général', time: new Date(at).toISOString(), fCnt, fPort: 1,
    dedupId: `d-${DEV}-${fCnt}`, tags: { site: 'hdv-poitiers', fluid: 'water', model: 'kamstrup-flowiq2200' },
    radio: { rssi: -87, snr: 7.5, gateways: 2 }, ...over,
  };
}

/** Uplinks every `every` ms from T0, fCnt 0…n-1; returns the time of the last one. */
function regular(tracker: HealthTracker, n: number, every: number, devEui = DEV): number {
  for (let i = 0; i < n; i++) tracker.uplink(uplink(i, T0 + i * every, { devEui, dedupId: `d-${devEui}-${i}` }), T0 + i * every);
  return T0 + (n - 1) * every;
}

describe('network health (nodes/lib/health)', function () {
  describe('formats', function () {
    it('writes units and French decimals', function () {
      assert.equal(formatRssi(-87), '-87\u00a0dBm');
      assert.equal(formatSnr(7.5), '7,5\u00a0dB');
      assert.equal(formatSnr(null), '—');
      assert.equal(formatBattery(82.4, undefined), '82\u00a0%');
      assert.equal(formatBattery(undefined, 3.61), '3,61\u00a0V');
      assert.equal(formatBattery(undefined, undefined), '—');
      assert.equal(formatDuration(45000), '45 s');
      assert.equal(formatDuration(10 * MIN), '10 min');
      assert.equal(formatDuration(90 * MIN), '1 h 30 min');
      assert.equal(formatDuration(51 * 60 * MIN), '2 j 3 h');
    });

    it('dates are in Europe/Paris (winter UTC+1, summer UTC+2)', function () {
      assert.equal(formatDateTime(Date.parse('2026-11-29T08:12:03Z')), '29/11/2026 09:12:03');
      assert.equal(formatDateTime(Date.parse('2026-07-14T20:00:00Z')), '14/07/2026 22:00:00');
    });
  });

  describe('uplinks', function () {
    it('counts uplinks, lost frames from fCnt gaps, and keeps the best gateway radio', function () {
      const h = new HealthTracker();
      h.uplink(uplink(10, T0), T0);
      h.uplink(uplink(11, T0 + MIN), T0 + MIN);
      h.uplink(uplink(15, T0 + 2 * MIN, { radio: { rssi: -101, snr: -3.2, gateways: 1 } }), T0 + 2 * MIN); // 12, 13, 14 lost
      const [row] = h.rows(T0 + 2 * MIN);
      assert.equal(row.trames, 3);
      assert.equal(row.tramesPerdues, 3);
      assert.equal(row.rssi, '-101\u00a0dBm');
      assert.equal(row.snr, '-3,2\u00a0dB');
      assert.equal(row.capteur, 'Hôtel de Ville – compteur d\u2019eau général');
      assert.equal(row.site, 'hdv-poitiers');
      assert.equal(row.derniereTrame, '29/11/2026 09:02:00');
      assert.equal(row.etat, 'en ligne');
    });

    it('a counter that goes back or jumps too far is a restart, not lost frames', function () {
      const h = new HealthTracker();
      h.uplink(uplink(500, T0), T0);
      h.uplink(uplink(0, T0 + MIN), T0 + MIN); // device rejoined
      h.uplink(uplink(1, T0 + 2 * MIN), T0 + 2 * MIN);
      h.uplink(uplink(100000, T0 + 3 * MIN), T0 + 3 * MIN); // counter reset by the network server
      assert.equal(h.rows(T0 + 3 * MIN)[0].tramesPerdues, 0);
    });

    it('the same frame seen as Uplink and as the Reading\u2019s msg.uplink is counted once', function () {
      const h = new HealthTracker();
      const u = uplink(1, T0);
      h.uplink(u, T0);
      h.reading({ devEui: DEV, model: 'kamstrup-flowiq2200', status: { alarms: [] } }, { uplink: u }, T0 + 5);
      h.uplink(u, T0 + 10); // a duplicate
      assert.equal(h.rows(T0)[0].trames, 1);
      // Readings alone (no lorawan-event wired) still count their frames.
      h.reading({ devEui: DEV }, { uplink: uplink(2, T0 + MIN) }, T0 + MIN);
      assert.equal(h.rows(T0 + MIN)[0].trames, 2);
    });
  });

  describe('silent devices', function () {
    it('is silent after 3 × the learned median interval, and the next uplink clears it', function () {
      const h = new HealthTracker({ silentFactor: 3 });
      const last = regular(h, 5, 10 * MIN);
      assert.equal(h.check(last + 29 * MIN), false);
      assert.deepEqual(h.takeEvents(), []);
      assert.equal(h.check(last + 31 * MIN), true);
      const [raised] = h.takeEvents();
      assert.equal(raised.event, 'raised');
      assert.equal(raised.alert.id, `health:silent:${DEV}`);
      assert.equal(raised.alert.site, 'hdv-poitiers');
      assert.equal(raised.alert.fluid, 'water');
      assert.match(raised.alert.text, /Capteur muet : le capteur « Hôtel de Ville – compteur d’eau général » \(site hdv-poitiers\) n’a rien envoyé depuis 31 min \(une trame attendue toutes les 10 min\)/);
      assert.equal(h.rows(last + 31 * MIN)[0].etat, 'silencieux');
      assert.equal(h.summary(last + 31 * MIN).silencieux, 1);
      // Not raised twice.
      h.check(last + 40 * MIN);
      assert.deepEqual(h.takeEvents(), []);
      h.uplink(uplink(5, last + 41 * MIN), last + 41 * MIN);
      const [cleared] = h.takeEvents();
      assert.equal(cleared.event, 'cleared');
      assert.equal(cleared.alert.id, `health:silent:${DEV}`);
      assert.equal(h.summary(last + 41 * MIN).enLigne, 1);
    });

    it('frames stamped long before they arrive (a replayed backlog or history) teach no interval', function () {
      const h = new HealthTracker({ silentFactor: 3 });
      // A day of hourly history arrives within two minutes: network times an hour apart, arrivals 6 s apart.
      const arrival = T0 + 30 * 24 * 60 * MIN;
      for (let i = 0; i < 24; i++) h.uplink(uplink(i, T0 + i * 60 * MIN), arrival + i * 6000);
      assert.equal(h.check(arrival + 24 * 6000 + MIN), false, 'not called silent from a replay: no rhythm learned');
      assert.deepEqual(h.takeEvents(), []);
      assert.equal(h.snapshot().devices[0].intervals.length, 0);
      // Live frames afterwards teach the period as usual.
      const live = arrival + 24 * 6000;
      for (let i = 0; i < 5; i++) h.uplink(uplink(24 + i, live + (i + 1) * 10 * MIN), live + (i + 1) * 10 * MIN);
      assert.equal(h.snapshot().devices[0].intervals.length, 4);
    });

    it('answers to downlinks (bursts, mid-period frames) do not shorten the learned period', function () {
      // What a NAS luminaire controller did in the simulated network: a burst of answers at start, then one frame a minute.
      const h = new HealthTracker();
      let at = T0;
      for (const gap of [0, 700, 1500, 200, 1200]) {
        at += gap;
        h.uplink(uplink(0, at, { dedupId: `b${at}` }), at);
      }
      assert.equal(h.check(at + 10 * MIN), false, 'nothing learned from the burst: not judged');
      for (const gap of [58900, 59500, 60100]) {
        at += gap;
        h.uplink(uplink(0, at, { dedupId: `r${at}` }), at);
      }
      assert.equal(h.check(at + 170000), false, '3 × 59.5 s not yet passed');
      assert.equal(h.check(at + 185000), true);
      // A command answered mid-period (30 s) and a lost frame (2 min) do not move it much either.
      const g = new HealthTracker();
      let t = T0;
      for (const gap of [0, 60000, 60000, 30000, 30000, 120000, 60000]) {
        t += gap;
        g.uplink(uplink(0, t, { dedupId: `g${t}` }), t);
      }
      assert.equal(g.check(t + 175000), false);
      assert.equal(g.check(t + 185000), true);
    });

    it('the outage that ended a silence does not slow the next detection; a new period is learned after a few frames', function () {
      const h = new HealthTracker();
      const last = regular(h, 8, 10 * MIN);
      h.check(last + 31 * MIN);
      const back = last + 120 * MIN;
      h.uplink(uplink(8, back), back);
      assert.equal(h.takeEvents().map((e) => e.event).join(), 'raised,cleared');
      assert.equal(h.check(back + 31 * MIN), true, 'silent again after 3 × 10 min, not 3 × 2 h');
      // The device now sends hourly (reconfigured): after three hourly frames, 3 h of silence are needed.
      let t = back + 60 * MIN;
      for (let i = 0; i < 3; i++, t += 60 * MIN) h.uplink(uplink(9 + i, t), t);
      t -= 60 * MIN;
      assert.equal(h.check(t + 170 * MIN), false);
      assert.equal(h.check(t + 181 * MIN), true);
    });

    it('a device with one uplink is not judged, unless a minimum interval is configured', function () {
      const learned = new HealthTracker();
      learned.uplink(uplink(0, T0), T0);
      assert.equal(learned.check(T0 + 24 * 60 * MIN), false);
      const configured = new HealthTracker({ minIntervalMs: 60 * MIN });
      configured.uplink(uplink(0, T0), T0);
      assert.equal(configured.check(T0 + 179 * MIN), false);
      assert.equal(configured.check(T0 + 181 * MIN), true);
    });
  });

  describe('device alarms', function () {
    it('a Kamstrup leak raises an alert with the estimated loss, cleared when a frame of the same port no longer has it', function () {
      const h = new HealthTracker();
      const u = uplink(1, T0);
      h.uplink(u, T0);
      h.reading({ devEui: DEV, status: { alarms: ['leak'] } }, { uplink: u, minFlowM3h: 0.125 }, T0);
      const [raised] = h.takeEvents();
      assert.equal(raised.event, 'raised');
      assert.equal(raised.alert.id, `health:alarm:leak:${DEV}`);
      assert.equal(raised.alert.severity, 'warning');
      assert.equal(raised.alert.details.estimatedLossM3PerDay, 3);
      assert.match(raised.alert.text, /Fuite signalée : Le compteur d’eau « Hôtel de Ville – compteur d’eau général » \(site hdv-poitiers\) détecte une fuite ; débit minimal 0,125 m³\/h, perte estimée 3 m³\/jour/);
      assert.equal(h.rows(T0)[0].alarmes, 'fuite');
      // Still leaking: no second event.
      h.reading({ devEui: DEV, status: { alarms: ['leak'] } }, { uplink: uplink(2, T0 + MIN), minFlowM3h: 0.13 }, T0 + MIN);
      assert.deepEqual(h.takeEvents(), []);
      // Another port without alarms does not clear it; the same port does.
      h.reading({ devEui: DEV, status: { alarms: [] } }, { uplink: uplink(3, T0 + 2 * MIN, { fPort: 2 }) }, T0 + 2 * MIN);
      assert.deepEqual(h.takeEvents(), []);
      h.reading({ devEui: DEV, status: { alarms: [] } }, { uplink: uplink(4, T0 + 3 * MIN) }, T0 + 3 * MIN);
      const [cleared] = h.takeEvents();
      assert.equal(cleared.event, 'cleared');
      assert.equal(alertMessage(cleared).payload.startsWith('Résolu : Fuite signalée'), true);
      assert.equal(h.rows(T0)[0].alarmes, '');
    });

    it('a big leak is critical; burst and lamp failure have their own words; untracked codes raise nothing', function () {
      const h = new HealthTracker();
      h.reading({ devEui: DEV, status: { alarms: ['leak', 'burst', 'ext_rtc_warning'] } }, { uplink: uplink(1, T0), minFlowM3h: 0.5 }, T0);
      const events = h.takeEvents();
      assert.deepEqual(events.map((e) => [e.alert.id, e.alert.severity]), [[`health:alarm:leak:${DEV}`, 'critical'], [`health:alarm:burst:${DEV}`, 'critical']]);
      assert.match(events[1].alert.text, /^Rupture de canalisation probable/);
      h.reading({ devEui: OTHER, status: { alarms: ['lamp_failure'] } }, { uplink: uplink(1, T0, { devEui: OTHER, deviceName: 'Luminaire Grand\u2019Rue n°1', tags: { site: 'eclairage-grand-rue', fluid: 'lighting' } }) }, T0);
      const [lamp] = h.takeEvents();
      assert.match(lamp.alert.text, /^Lampe en panne : le capteur « Luminaire Grand’Rue n°1 » \(site eclairage-grand-rue\)/);
      assert.equal(lamp.alert.fluid, 'lighting');
      const all = new HealthTracker({ alertAlarms: '*' });
      all.reading({ devEui: DEV, status: { alarms: ['ext_rtc_warning'] } }, {}, T0);
      assert.equal(all.takeEvents()[0].alert.severity, 'info');
    });

    it('a battery at or below the threshold raises a low-battery alert, cleared when it is replaced', function () {
      const h = new HealthTracker({ lowBatteryPercent: 10 });
      h.reading({ devEui: DEV, status: { batteryPercent: 42 } }, {}, T0);
      assert.equal(h.rows(T0)[0].batterie, '42\u00a0%');
      assert.deepEqual(h.takeEvents(), []);
      h.reading({ devEui: DEV, status: { batteryPercent: 9 } }, {}, T0 + MIN);
      const [raised] = h.takeEvents();
      assert.equal(raised.alert.id, `health:alarm:low_battery:${DEV}`);
      assert.match(raised.alert.text, /Pile faible : .*\(9\s%\)/);
      h.reading({ devEui: DEV, status: { batteryPercent: 100 } }, {}, T0 + 2 * MIN);
      assert.equal(h.takeEvents()[0].event, 'cleared');
      h.statusEvent(DEV, 5, T0 + 3 * MIN);
      assert.equal(h.takeEvents()[0].event, 'raised');
    });
  });

  describe('decode errors and meter resets', function () {
    it('counts decode errors over 24 h and raises a burst alert, cleared after a quiet window', function () {
      const h = new HealthTracker({ errorBurstCount: 3, errorBurstWindowMs: 15 * MIN });
      h.uplink(uplink(1, T0), T0);
      h.decodeError(DEV, T0 + MIN);
      h.decodeError(DEV, T0 + 20 * MIN);
      h.decodeError(DEV, T0 + 40 * MIN);
      assert.deepEqual(h.takeEvents(), [], 'three errors spread over 40 min are no burst');
      h.decodeError(DEV, T0 + 41 * MIN);
      h.decodeError(DEV, T0 + 42 * MIN);
      const [raised] = h.takeEvents();
      assert.equal(raised.alert.id, `health:decode-errors:${DEV}`);
      assert.match(raised.alert.text, /au moins 3 trames .* en 15 min \(5 sur 24 h\)/);
      h.decodeError(undefined, T0 + 43 * MIN);
      assert.equal(h.rows(T0 + 43 * MIN)[0].erreursDecodage24h, 5);
      assert.equal(h.summary(T0 + 43 * MIN).erreursDecodage24h, 6);
      h.check(T0 + 50 * MIN);
      assert.deepEqual(h.takeEvents(), []);
      h.check(T0 + 58 * MIN);
      assert.equal(h.takeEvents()[0].event, 'cleared');
      // 24 hours later the errors have left the window.
      assert.equal(h.summary(T0 + 25 * 60 * MIN).erreursDecodage24h, 0);
    });

    it('a meter reset raises an alert that ends after the hold time', function () {
      const h = new HealthTracker({ eventHoldMs: 60 * MIN });
      h.uplink(uplink(1, T0), T0);
      h.meterEvent({ type: 'rollover', devEui: DEV, quantity: 'water_volume', previous: 99999, current: 3 }, T0);
      assert.deepEqual(h.takeEvents(), []);
      h.meterEvent({ type: 'reset', devEui: DEV, quantity: 'water_volume', unit: 'm3', previous: 1234.5, current: 0 }, T0);
      const [raised] = h.takeEvents();
      assert.equal(raised.alert.id, `health:meter-reset:${DEV}:water_volume`);
      assert.match(raised.alert.text, /Remise à zéro d’un compteur : pour le capteur « Hôtel de Ville.*» \(site hdv-poitiers\), l’index est passé de 1\s234,5 à 0 m³/);
      h.check(T0 + 59 * MIN);
      assert.deepEqual(h.takeEvents(), []);
      h.check(T0 + 61 * MIN);
      assert.equal(h.takeEvents()[0].event, 'cleared');
    });
  });

  describe('state and bounds', function () {
    it('a snapshot restores counters, silences and active alerts', function () {
      const h = new HealthTracker();
      const last = regular(h, 4, 10 * MIN);
      h.reading({ devEui: DEV, status: { alarms: ['leak'], batteryPercent: 55 } }, { uplink: uplink(3, last) }, last);
      h.check(last + 31 * MIN);
      h.takeEvents();
      const copy = new HealthTracker({}, JSON.parse(JSON.stringify(h.snapshot())));
      assert.deepEqual(copy.rows(last + 31 * MIN), h.rows(last + 31 * MIN));
      assert.deepEqual(copy.activeAlerts().map((a) => a.id).sort(), [`health:alarm:leak:${DEV}`, `health:silent:${DEV}`]);
      copy.uplink(uplink(4, last + 32 * MIN), last + 32 * MIN);
      assert.equal(copy.takeEvents()[0].alert.id, `health:silent:${DEV}`);
      assert.throws(() => new HealthTracker({}, { version: 2 } as never), /not a health snapshot/);
    });

    it('bounds the number of devices and counts the frames of the others', function () {
      const h = new HealthTracker({ maxDevices: 1 });
      h.uplink(uplink(1, T0), T0);
      h.uplink(uplink(1, T0, { devEui: OTHER }), T0);
      assert.equal(h.size, 1);
      assert.equal(h.counters.ignored, 1);
    });

    it('takes well over 100,000 messages per second (the hot-path budget)', function () {
      const h = new HealthTracker();
      const devices = Array.from({ length: 40 }, (_, i) => `70b3d5e75e00${(0xa000 + i).toString(16)}`);
      const messages = devices.map((devEui) => ({ payload: uplink(0, T0, { devEui }) }));
      const n = 200000;
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const msg = messages[i % 40];
        msg.payload.fCnt = Math.floor(i / 40);
        msg.payload.dedupId = undefined;
        dispatch(h, msg, T0 + i);
      }
      const perSecond = n / (Number(process.hrtime.bigint() - started) / 1e9);
      assert.equal(h.summary(T0 + n).trames, n);
      assert.ok(perSecond > 100000, `${Math.round(perSecond)} messages/s`);
    });

    it('refuses invalid options with the name of the field', function () {
      assert.throws(() => new HealthTracker({ silentFactor: 0.5 }), /silentFactor/);
      assert.throws(() => new HealthTracker({ errorBurstCount: 0 }), /errorBurstCount/);
    });
  });

  describe('dispatch by shape', function () {
    it('tells Uplinks, Readings, caught errors, meter events and commands apart', function () {
      const h = new HealthTracker();
      assert.equal(dispatch(h, { payload: uplink(1, T0) }, T0), 'uplink');
      assert.equal(dispatch(h, { payload: { devEui: DEV, measurements: [], status: { alarms: ['leak'] } }, uplink: uplink(2, T0 + MIN), frameInfo: { flow_min_m3h: 0.2 } }, T0 + MIN), 'reading');
      assert.equal(h.takeEvents()[0].alert.details.minFlowM3h, 0.2);
      assert.equal(dispatch(h, { payload: 'raw', topic: `application/x/device/${DEV.toUpperCase()}/event/up`, error: { message: 'bad json', source: { type: 'lorawan-event' } } }, T0), 'decode-error');
      assert.equal(dispatch(h, { payload: uplink(3, T0), error: { message: 'bad frame', source: { type: 'lorawan-decode' } } }, T0), 'decode-error');
      assert.equal(dispatch(h, { payload: {}, error: { message: 'db down', source: { type: 'timeseries-write' } } }, T0), 'other-error');
      assert.equal(h.rows(T0)[0].erreursDecodage24h, 2);
      assert.equal(dispatch(h, { payload: { type: 'reset', devEui: DEV, previous: 5, current: 0 } }, T0), 'meter-event');
      assert.equal(dispatch(h, { payload: { eventType: 'status', devEui: DEV, batteryLevel: 77 } }, T0), 'status');
      assert.equal(h.rows(T0)[0].batterie, '77\u00a0%');
      assert.equal(dispatch(h, { topic: 'publier' }, T0), 'publish');
      assert.equal(dispatch(h, { topic: 'alertes' }, T0), 'alerts');
    });

    it('refuses a message of no known shape, naming what it got', function () {
      const h = new HealthTracker();
      assert.throws(() => dispatch(h, { payload: 42 }, T0), (err: unknown) => err instanceof HealthInputError && /msg.payload is number/.test(err.message));
      assert.throws(() => dispatch(h, { payload: { temperature: 20 } }, T0), /\{temperature\} is not an Uplink/);
      assert.throws(() => dispatch(h, { payload: { measurements: [] } }, T0), (err: unknown) => err instanceof HealthInputError && err.code === 'bad-device');
    });
  });
});
