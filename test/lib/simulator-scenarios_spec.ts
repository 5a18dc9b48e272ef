/**
 * Training scenarios end to end: the simulated network of the sample fleet sends its ChirpStack
 * events, and the frames they carry are decoded with the catalog's native codecs
 * (`catalog.get(model).decode`), asserting what a trainer shows on the dashboards.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { catalog, DecodeError } from '../../nodes/lib/codecs';
import type { DecodedFrame } from '../../nodes/lib/codecs/types';
import { FleetDevice, loadFleet, SIMULATED_MODELS, SimulatedUplink, SimulatorEngine } from '../../nodes/lib/simulator';
import { DEFAULT_PULSE_WEIGHT, LAMP_FAILURE_MODELS, leakRate } from '../../nodes/lib/simulator/state';

const root = path.resolve(__dirname, '../..');
const FLEET = loadFleet(fs.readFileSync(path.join(root, 'data/devices.csv'), 'utf8'), { file: 'devices.csv', models: SIMULATED_MODELS });
const device = (devEui: string) => FLEET.find((d) => d.devEui === devEui) as FleetDevice;
const ofModel = (model: string) => FLEET.filter((d) => d.model === model);

/** Wednesday 15 January 2025, local time in Poitiers = UTC + 1. */
const NIGHT = Date.UTC(2025, 0, 15, 1, 0, 0); // 02:00, a water meter's quietest hour
const NOON = Date.UTC(2025, 0, 15, 11, 0, 0); // 12:00
const EVENING = Date.UTC(2025, 0, 15, 19, 0, 0); // 20:00: dark, three hours before the first night cut
const HOUR_AT_60 = 60_000; // one virtual hour of real time at speed 60

function engineAt(start: number, filter?: string, seed = 42) {
  const clock = { t: start };
  const engine = new SimulatorEngine(FLEET, { seed, speed: 60, now: () => clock.t, filter });
  engine.start();
  return { engine, clock };
}

function decode(uplink: SimulatedUplink): DecodedFrame {
  // The event is what goes on MQTT: JSON text; the decoder reads its base64 data.
  const event = JSON.parse(JSON.stringify(uplink.event)) as { data?: string; fPort: number; time: string; deviceInfo: { devEui: string } };
  const model = device(uplink.devEui).model;
  return catalog.get(model)!.decode({ bytes: Buffer.from(event.data ?? '', 'base64'), fPort: event.fPort, recvTime: new Date(event.time) });
}

const INDEX_QUANTITIES = ['water_volume', 'gas_volume', 'active_energy', 'pulse_count'];

/** The meter index a frame reports, in the base unit (m3, Wh), or undefined when it reports none. */
function indexOf(d: FleetDevice, frame: DecodedFrame): number | undefined {
  const values = frame.measurements
    .filter((m) => m.kind === 'index' && INDEX_QUANTITIES.includes(m.quantity) && !(m.channel ?? '').includes('negative'))
    .map((m) => (m.quantity === 'pulse_count' ? m.value * (d.pulseWeight ?? DEFAULT_PULSE_WEIGHT[d.fluid] ?? 1) : m.value));
  return values.length === 0 ? undefined : Math.max(...values);
}

const value = (frame: DecodedFrame, quantity: string, channel?: string) =>
  frame.measurements.find((m) => m.quantity === quantity && (channel === undefined || m.channel === channel))?.value;
const values = (frame: DecodedFrame, quantity: string) => frame.measurements.filter((m) => m.quantity === quantity).map((m) => m.value);
const alarms = (frame: DecodedFrame) => frame.status?.alarms ?? [];

/** Sends regular frames of a device until one on `fPort` comes (the NAS alternates status and usage). */
function nextOnPort(engine: SimulatorEngine, devEui: string, fPort: number): DecodedFrame {
  for (let i = 0; i < 3; i++) {
    const up = engine.uplinkNow(devEui);
    if (up.event.fPort === fPort) return decode(up);
  }
  throw new Error(`no frame on fPort ${fPort}`);
}

describe('simulator scenarios, decoded with the catalog codecs', function () {
  describe('leak', function () {
    const meters = FLEET.filter((d) => d.fluid === 'water');

    it('every water meter of the fleet applies it', function () {
      const { engine } = engineAt(NIGHT, 'water');
      assert.deepEqual(engine.setScenario('*', 'leak', true).sort(), meters.map((d) => d.devEui).sort());
    });

    for (const meter of meters) {
      it(`${meter.model} ${meter.devEui}: the index keeps growing at night at the leak rate`, function () {
        const { engine, clock } = engineAt(NIGHT, meter.devEui);
        engine.setScenario(meter.devEui, 'leak', true);
        const indexes: number[] = [];
        for (let hour = 0; hour < 4; hour++) {
          indexes.push(indexOf(meter, decode(engine.uplinkNow(meter.devEui))) as number);
          clock.t += HOUR_AT_60;
        }
        const rate = leakRate(meter);
        for (let i = 1; i < indexes.length; i++) {
          let delta = indexes[i] - indexes[i - 1];
          if (meter.model === 'netvox-r718h' && delta < 0) delta += 65536 * (meter.pulseWeight ?? 0.001); // 16-bit counter
          // the leak flow plus the little night-time consumption, to the register's resolution (1 L)
          assert.ok(delta >= rate - 0.002 && delta <= rate * 1.5 + 0.002, `hour ${i}: ${delta} m3 for a leak of ${rate} m3/h`);
        }
        engine.setScenario(meter.devEui, 'leak', false);
        const before = indexOf(meter, decode(engine.uplinkNow(meter.devEui))) as number;
        clock.t += HOUR_AT_60;
        const after = indexOf(meter, decode(engine.uplinkNow(meter.devEui))) as number;
        const delta = after - before;
        assert.ok(delta >= 0 && delta < rate / 2, `without the leak the night flow is ${delta} m3/h`);
      });
    }
  });

  describe('counter-reset', function () {
    const meters = FLEET.filter((d) => d.fluid === 'water' || d.fluid === 'gas' || d.fluid === 'electricity');
    for (const meter of meters) {
      it(`${meter.model} ${meter.devEui}: the index restarts near 0`, function () {
        const { engine, clock } = engineAt(NOON, meter.devEui);
        clock.t += HOUR_AT_60;
        const before = indexOf(meter, decode(engine.uplinkNow(meter.devEui)));
        assert.deepEqual(engine.setScenario(meter.devEui, 'counter-reset', true), [meter.devEui]);
        const after = indexOf(meter, decode(engine.uplinkNow(meter.devEui)));
        if (meter.model === 'netvox-r718n3') {
          // a current clamp: it reports currents, no index, so the reset cannot show in its frames
          assert.equal(before, undefined);
          assert.equal(after, undefined);
          return;
        }
        assert.ok(before !== undefined && after !== undefined);
        assert.ok(before > 1, `index before ${before}`);
        // near 0 and far below the previous index: what meter-index treats as a reset, not a rollover
        assert.ok(after >= 0 && after < Math.min(1, before / 100), `index after the reset ${after} (before ${before})`);
        clock.t += HOUR_AT_60;
        const later = indexOf(meter, decode(engine.uplinkNow(meter.devEui))) as number;
        assert.ok(later >= after && later < before, 'then grows again from 0');
        assert.deepEqual(engine.activeScenarios(), [], 'a one-off, never active');
      });
    }
  });

  describe('lamp-failure', function () {
    it('NAS UL20xx: a DALI driver alert once, then lamp_failure, light output 0 while commanded on, no power', function () {
      for (const nas of ofModel('nas-ul20xx')) {
        const { engine, clock } = engineAt(EVENING, 'lighting');
        const healthy = nextOnPort(engine, nas.devEui, 23);
        assert.equal(value(healthy, 'light_level', 'dali_broadcast'), 100);
        assert.deepEqual(alarms(healthy), []);

        assert.deepEqual(engine.setScenario(nas.devEui, 'lamp-failure', true), [nas.devEui]);
        const [alert, next] = engine.uplinksNow(nas.devEui);
        assert.equal(alert.event.fPort, 61);
        assert.equal(Buffer.from(alert.event.data as string, 'base64').toString('hex'), '8320fe02');
        const decodedAlert = decode(alert);
        assert.deepEqual(alarms(decodedAlert), ['lamp_failure']);
        assert.equal((decodedAlert.info as Record<string, unknown>).packetType, 'dali_driver_alert');
        assert.ok(next.event.fPort === 23 || next.event.fPort === 26);

        clock.t += HOUR_AT_60;
        const status = nextOnPort(engine, nas.devEui, 23);
        assert.equal(value(status, 'relay_state', 'internal_relay'), 1, 'commanded on');
        assert.equal(value(status, 'light_level', 'dali_broadcast'), 0, 'no light');
        assert.ok(alarms(status).includes('lamp_failure'));
        assert.ok(alarms(status).includes('lamp_error_alert_in_24h'));
        assert.equal((status.info as { dimmingSources: Array<{ reason: string }> }).dimmingSources[0].reason, 'calendar_dusk_step_0');
        const usage = nextOnPort(engine, nas.devEui, 26);
        assert.ok((value(usage, 'active_power') as number) <= 1, `power ${value(usage, 'active_power')} W`);
        assert.equal(value(usage, 'power_factor'), undefined);
        const energy = value(usage, 'active_energy') as number;
        const lampOn = value(usage, 'lamp_on_time') as number;
        clock.t += HOUR_AT_60;
        nextOnPort(engine, nas.devEui, 23);
        const later = nextOnPort(engine, nas.devEui, 26);
        assert.ok((value(later, 'active_energy') as number) - energy <= 1, 'the energy index hardly grows');
        assert.equal(value(later, 'lamp_on_time'), lampOn, 'the lamp-on time stops');
        assert.ok(engine.uplinksNow(nas.devEui).every((u) => u.event.fPort !== 61), 'the alert is sent once');

        engine.setScenario(nas.devEui, 'lamp-failure', false);
        const repaired = nextOnPort(engine, nas.devEui, 23);
        assert.equal(value(repaired, 'light_level', 'dali_broadcast'), 100);
        assert.deepEqual(alarms(repaired), []);
      }
    });

    it('Milesight WS558 cabinet: power and current near 0 while its relays are on', function () {
      for (const ws of ofModel('milesight-ws558')) {
        const { engine } = engineAt(EVENING, ws.devEui);
        const healthy = decode(engine.uplinkNow(ws.devEui));
        const power = value(healthy, 'active_power') as number;
        assert.ok(power > 1000, `cabinet load ${power} W`);
        engine.setScenario(ws.devEui, 'lamp-failure', true);
        const [failed] = engine.uplinksNow(ws.devEui);
        const d = decode(failed);
        assert.ok(values(d, 'relay_state').filter((v) => v === 1).length >= 1, 'relays still on');
        assert.deepEqual(values(d, 'relay_state'), values(healthy, 'relay_state'));
        assert.ok((value(d, 'active_power') as number) < power * 0.02, `power ${value(d, 'active_power')} W (was ${power} W)`);
        assert.ok((value(d, 'current') as number) < 0.5, `current ${value(d, 'current')} A`);
        engine.setScenario(ws.devEui, 'lamp-failure', false);
        assert.ok((value(decode(engine.uplinkNow(ws.devEui)), 'active_power') as number) > 1000);
      }
    });

    it('applies to the lighting models that can show it; the Netvox R831C (relay states only) refuses it', function () {
      const { engine } = engineAt(EVENING, 'lighting');
      const applied = engine.setScenario('*', 'lamp-failure', true).sort();
      assert.deepEqual(applied, FLEET.filter((d) => LAMP_FAILURE_MODELS.includes(d.model)).map((d) => d.devEui).sort());
      assert.throws(() => engine.setScenario('netvox-r831c', 'lamp-failure', true), /does not apply.*relay states only/);
      // a site id is a target too
      const site = ofModel('nas-ul20xx')[0].site;
      engine.setScenario('*', 'lamp-failure', false);
      assert.deepEqual(engine.setScenario(site, 'lamp-failure', true), FLEET.filter((d) => d.site === site).map((d) => d.devEui));
    });
  });

  describe('day-burner', function () {
    it('every lighting device reports its light on at noon', function () {
      const { engine } = engineAt(NOON, 'lighting');
      for (const d of FLEET.filter((x) => x.fluid === 'lighting')) {
        const off = d.model === 'nas-ul20xx' ? nextOnPort(engine, d.devEui, 23) : decode(engine.uplinkNow(d.devEui));
        assert.ok(values(off, 'light_level').every((v) => v === 0) && values(off, 'relay_state').every((v) => v === 0), `${d.devEui} off by day`);
      }
      engine.setScenario('*', 'day-burner', true);
      for (const d of FLEET.filter((x) => x.fluid === 'lighting')) {
        const on = d.model === 'nas-ul20xx' ? nextOnPort(engine, d.devEui, 23) : decode(engine.uplinkNow(d.devEui));
        if (d.model === 'nas-ul20xx') {
          assert.ok((value(on, 'light_level', 'dali_broadcast') as number) > 0);
          assert.equal((on.info as { dimmingSources: Array<{ reason: string }> }).dimmingSources[0].reason, 'ldr_input_active');
        } else {
          assert.ok(values(on, 'relay_state').includes(1), `${d.model} relays on`);
          if (d.model === 'milesight-ws558') assert.ok((value(on, 'active_power') as number) > 0);
        }
      }
    });
  });

  describe('offline', function () {
    it('no uplinks from the device, the others go on, and it comes back', function () {
      const { engine, clock } = engineAt(NOON);
      const target = ofModel('kamstrup-flowiq2200')[0].devEui;
      engine.setScenario(target, 'offline', true);
      assert.deepEqual(engine.uplinksNow(target), []);
      const sent: SimulatedUplink[] = [];
      for (let i = 0; i < 400; i++) { clock.t += 500; sent.push(...engine.tick()); }
      assert.equal(sent.filter((u) => u.devEui === target).length, 0);
      assert.ok(sent.length > FLEET.length);
      for (const u of sent) decode(u);
      engine.setScenario(target, 'offline', false);
      const back: SimulatedUplink[] = [];
      for (let i = 0; i < 400; i++) { clock.t += 500; back.push(...engine.tick()); }
      assert.ok(back.some((u) => u.devEui === target));
    });
  });

  describe('malformed', function () {
    for (const model of SIMULATED_MODELS.filter((m) => ofModel(m).length > 0)) {
      it(`${model}: a truncated frame, then an unknown frame type, both rejected (DecodeError); valid events`, function () {
        const d = ofModel(model)[0];
        const { engine } = engineAt(EVENING, d.devEui);
        const regular = engine.uplinkNow(d.devEui); // uplink 0 is regular; malformed ones follow
        decode(regular);
        engine.setScenario(d.devEui, 'malformed', true);
        const codes: string[] = [];
        for (let i = 0; i < 2; i++) {
          const up = engine.uplinksNow(d.devEui);
          assert.equal(up.length, 1);
          const text = JSON.stringify(up[0].event);
          assert.equal(JSON.parse(text).deviceInfo.devEui, d.devEui, 'the event stays valid JSON');
          assert.throws(() => decode(up[0]), (err: unknown) => {
            assert.ok(err instanceof DecodeError, String(err));
            codes.push(err.code);
            return true;
          });
        }
        assert.deepEqual(codes.sort(), ['too-short', 'unknown-frame']);
        engine.setScenario(d.devEui, 'malformed', false);
        decode(engine.uplinkNow(d.devEui));
      });
    }
  });

  it('is deterministic under a seed', function () {
    const session = () => {
      const { engine, clock } = engineAt(EVENING, undefined, 7);
      engine.setScenario('*', 'lamp-failure', true);
      engine.setScenario('*', 'leak', true);
      engine.setScenario('netvox-r718h', 'malformed', true);
      const out: string[] = [];
      for (let i = 0; i < 200; i++) { clock.t += 500; out.push(...engine.tick().map((u) => `${u.devEui}:${u.event.fCnt}:${u.event.fPort}:${u.event.data}`)); }
      return out;
    };
    const a = session();
    assert.ok(a.length > 20);
    assert.deepEqual(session(), a);
  });
});
