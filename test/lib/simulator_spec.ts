import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  buildUpEvent, DownlinkError, EU868_CHANNELS, FleetDevice, FleetError, loadFleet, parseDownlinkCommand,
  SIMULATED_MODELS, SimulatedUplink, SimulatorEngine,
} from '../../nodes/lib/simulator';
import { catalog } from '../../nodes/lib/codecs';
import { ENCODERS, Frame } from '../../nodes/lib/simulator/frames';
import { encodeAdeunisPulseA } from '../../nodes/lib/simulator/frames/adeunis';
import { encodeOmsVolume } from '../../nodes/lib/simulator/frames/kamstrup';
import { encodeEm300DiReport, encodeWs558Report } from '../../nodes/lib/simulator/frames/milesight';
import { encodeNasStatus, encodeNasUsage } from '../../nodes/lib/simulator/frames/nas';
import {
  encodeR718hStatus, encodeR718n3Currents, encodeR718n3Multipliers, encodeR831cStatus, encodeRa07Co2,
  encodeRa07TemperatureHumidity,
} from '../../nodes/lib/simulator/frames/netvox';
import {
  encodeHumidity, encodePulseIndex, encodeTemperature, encodeTicCbeBase, encodeTriphasoEnergy,
} from '../../nodes/lib/simulator/frames/watteco';
import { advanceState, createDeviceState } from '../../nodes/lib/simulator/state';
import { sunTimes } from '../../nodes/lib/simulator/time';

const root = path.resolve(__dirname, '../..');
const FLEET_TEXT = fs.readFileSync(path.join(root, 'data/devices.csv'), 'utf8');
const FLEET = loadFleet(FLEET_TEXT, { file: 'devices.csv', models: SIMULATED_MODELS });

const HEADER = 'devEui,deviceName,model,site,siteName,commune,fluid,tenant,applicationId,applicationName,deviceProfile,intervalMinutes,latitude,longitude';
const APP = '5f0b1c2e-8a41-4c3e-9d27-1b6e0a9f4c11';
const row = (devEui: string, model = 'netvox-r718h', fluid = 'water', interval = '15') =>
  `${devEui},Compteur,${model},site-1,Site 1,Poitiers,${fluid},grand-poitiers,${APP},Bâtiments,Netvox R718H,${interval},46.58,0.34`;

/** A weekday in winter, 14:00 in Poitiers (13:00 UTC): daylight, heating, occupied buildings. */
const WINTER_AFTERNOON = Date.UTC(2025, 0, 15, 13, 0, 0);
/** The same day at 23:30 UTC (00:30 in Poitiers): dark, in the 00:00–05:00 night cut. */
const WINTER_NIGHT_CUT = Date.UTC(2025, 0, 15, 23, 30, 0);

const hex = (bytes: Buffer) => bytes.toString('hex');
const frameBytes = (u: SimulatedUplink) => Buffer.from(u.event.data, 'base64');
const byModel = (model: string) => FLEET.find((d) => d.model === model) as FleetDevice;

/** An engine on a fake clock. */
function engineAt(start: number, options: ConstructorParameters<typeof SimulatorEngine>[1] = {}, fleet = FLEET) {
  const clock = { t: start };
  const engine = new SimulatorEngine(fleet, { seed: 42, now: () => clock.t, ...options });
  /** Advances the fake clock in steps, collecting every uplink. */
  const run = (ms: number, step = 100): SimulatedUplink[] => {
    const out: SimulatedUplink[] = [];
    for (let elapsed = 0; elapsed < ms; elapsed += step) {
      clock.t += step;
      out.push(...engine.tick());
    }
    return out;
  };
  return { engine, clock, run };
}

describe('simulator', function () {
  describe('the sample fleet (data/devices.csv)', function () {
    it('has about 30 devices with unique DevEUIs, every model of devices.md and every fluid', function () {
      assert.ok(FLEET.length >= 28 && FLEET.length <= 40, `${FLEET.length} devices`);
      assert.equal(new Set(FLEET.map((d) => d.devEui)).size, FLEET.length);
      assert.deepEqual([...new Set(FLEET.map((d) => d.model))].sort(), [...SIMULATED_MODELS].sort());
      assert.deepEqual([...new Set(FLEET.map((d) => d.fluid))].sort(), ['comfort', 'electricity', 'gas', 'lighting', 'water']);
    });

    it('covers COBALT, public buildings and lighting in several communes, with co-owned devices', function () {
      assert.ok(FLEET.filter((d) => d.site === 'cobalt').length >= 5);
      const communes = new Set(FLEET.filter((d) => d.fluid === 'lighting').map((d) => d.commune));
      assert.ok(communes.size >= 2, [...communes].join(', '));
      const tenants = new Set(FLEET.map((d) => d.tenant));
      assert.ok(tenants.has('grand-poitiers') && tenants.size >= 2, [...tenants].join(', '));
      for (const d of FLEET) {
        assert.ok(d.latitude > 46.5 && d.latitude < 46.7 && d.longitude > 0.25 && d.longitude < 0.45, `${d.devEui} is not near Poitiers`);
        if (d.fluid === 'lighting') assert.equal(d.intervalMinutes, 60, d.deviceName);
        if (d.fluid === 'comfort') assert.ok(d.intervalMinutes >= 10 && d.intervalMinutes <= 15, d.deviceName);
        if (['water', 'gas', 'electricity'].includes(d.fluid)) assert.ok(d.intervalMinutes >= 10 && d.intervalMinutes <= 60, d.deviceName);
      }
    });

    it('converts indexes to base units (kWh → Wh, m3 kept)', function () {
      const ticso = FLEET.find((d) => d.devEui === '70b3d5e75e00a101') as FleetDevice;
      assert.equal(ticso.initialIndex, 48210.5 * 1000);
      const water = FLEET.find((d) => d.devEui === '70b3d5e75e00a102') as FleetDevice;
      assert.equal(water.initialIndex, 1234.56);
      assert.equal(water.pulseWeight, 0.001);
      assert.deepEqual(byModel('milesight-ws558').nightCut, { from: 0, to: 300 });
    });
  });

  describe('fleet validation', function () {
    const problems = (text: string, options = {}) => {
      try {
        loadFleet(text, { file: 'flotte.csv', models: SIMULATED_MODELS, ...options });
      } catch (err) {
        assert.ok(err instanceof FleetError, String(err));
        return err;
      }
      assert.fail('the fleet was accepted');
    };

    it('names the line and column of a bad DevEUI', function () {
      const err = problems(`${HEADER}\n${row('0011223344556677')}\n${row('00112233XX')}\n`);
      assert.deepEqual(err.problems.map((p) => [p.line, p.column]), [[3, 'devEui']]);
      assert.match(err.message, /^flotte\.csv line 3, column devEui: "00112233XX" is not a DevEUI/);
    });

    it('names an unknown fluid, a duplicate DevEUI and an unknown model, all at once', function () {
      const err = problems(`${HEADER}\n${row('0011223344556677')}\n${row('0011223344556677')}\n` +
        `${row('8899aabbccddeeff', 'netvox-r718h', 'steam')}\n${row('8899aabbccddee00', 'acme-meter')}\n`);
      assert.deepEqual(err.problems.map((p) => [p.line, p.column]), [[3, 'devEui'], [4, 'fluid'], [5, 'model']]);
      assert.match(err.problems[0].message, /duplicate DevEUI 0011223344556677 \(already on line 2\)/);
      assert.match(err.problems[1].message, /unknown fluid "steam"/);
      assert.match(err.problems[2].message, /unknown model "acme-meter"/);
    });

    it('names a missing column', function () {
      const header = HEADER.replace(',fluid', '');
      const err = problems(`${header}\n0011223344556677,C,netvox-r718h,s,S,Poitiers,grand-poitiers,${APP},B,P,15,46.58,0.34\n`);
      assert.deepEqual(err.problems.map((p) => [p.line, p.column]), [[1, 'fluid']]);
      assert.match(err.message, /missing column "fluid"/);
    });

    it('names bad numbers, units and night-cut spans', function () {
      const text = `${HEADER},unit,nightCut\n${row('0011223344556677', 'netvox-r718h', 'water', '0')},kWh,\n` +
        `${row('8899aabbccddeeff', 'nas-ul20xx', 'lighting', '60')},kWh,late\n`;
      const err = problems(text);
      assert.deepEqual(err.problems.map((p) => [p.line, p.column]), [[2, 'intervalMinutes'], [2, 'unit'], [3, 'nightCut']]);
    });

    it('reports a CSV syntax error with its line', function () {
      const err = problems(`${HEADER}\n${row('0011223344556677')},extra\n`);
      assert.equal(err.problems[0].line, 2);
      assert.match(err.message, /flotte\.csv line 2: 15 fields where the header has 14/);
    });

    it('accepts a semicolon file with decimal commas and upper-case DevEUIs', function () {
      const text = `${HEADER.replace(/,/g, ';')}\n0011223344AABBCC;Compteur;netvox-r718h;s;S;Poitiers;water;grand-poitiers;${APP};B;P;15;46,58;0,34\n`;
      const [device] = loadFleet(text, { models: SIMULATED_MODELS });
      assert.equal(device.devEui, '0011223344aabbcc');
      assert.equal(device.latitude, 46.58);
    });
  });

  describe('engine: scheduling', function () {
    it('sends the first frame of every device within the first seconds, spread', function () {
      const { engine, run } = engineAt(WINTER_AFTERNOON, { speed: 60 });
      engine.start();
      const first = run(5000);
      const devices = new Set(first.map((u) => u.devEui));
      assert.equal(devices.size, FLEET.length, 'every device within 5 s');
      assert.equal(first.length, FLEET.length, 'once each');
      const times = first.map((u) => Date.parse(u.event.time));
      assert.ok(new Set(times).size > FLEET.length / 2, 'spread over the window, not all at once');
    });

    it('then sends every intervalMinutes / speed', function () {
      for (const speed of [60, 600]) {
        const { engine, run } = engineAt(WINTER_AFTERNOON, { speed });
        engine.start();
        const ups = run(Math.ceil((60 * 60_000) / speed) * 2);
        for (const device of FLEET) {
          const period = (device.intervalMinutes * 60_000) / speed;
          assert.equal(engine.periodOf(device.devEui), period);
          const times = ups.filter((u) => u.devEui === device.devEui).map((u) => Date.parse(u.event.time));
          assert.ok(times.length >= 2, `${device.devEui} sent ${times.length}`);
          for (let i = 1; i < times.length; i++) {
            const gap = times[i] - times[i - 1];
            // ±2 % jitter, and the fake clock moves in 100 ms steps.
            assert.ok(gap >= period * 0.98 - 100 && gap <= period * 1.02 + 100, `${device.devEui} speed ${speed}: gap ${gap} for ${period}`);
          }
        }
      }
    });

    it('sends nothing until started, and nothing after stop', function () {
      const { engine, run } = engineAt(WINTER_AFTERNOON);
      assert.equal(run(3000).length, 0);
      assert.equal(engine.nextDueTime(), undefined);
      engine.start();
      assert.ok(run(6000).length > 0);
      engine.stop();
      assert.equal(run(60_000).length, 0);
      assert.equal(engine.nextDueTime(), undefined);
    });

    it('rejects a bad speed and a filter that matches nothing; a filter keeps models or fluids', function () {
      assert.throws(() => new SimulatorEngine(FLEET, { speed: 0 }), /speed/);
      assert.throws(() => new SimulatorEngine(FLEET, { filter: 'zigbee' }), /matches no device/);
      const lighting = new SimulatorEngine(FLEET, { filter: 'lighting, netvox-r718h' });
      assert.deepEqual([...new Set(lighting.devices.map((d) => d.fluid))].sort(), ['lighting', 'water']);
    });
  });

  describe('engine: frame counters', function () {
    it('counts up by one per device, each device on its own', function () {
      const { engine, run } = engineAt(WINTER_AFTERNOON, { speed: 600 });
      engine.start();
      const ups = run(30_000);
      for (const device of FLEET) {
        const counts = ups.filter((u) => u.devEui === device.devEui).map((u) => u.event.fCnt as number);
        assert.ok(counts.length >= 3, device.devEui);
        counts.forEach((c, i) => { if (i > 0) assert.equal(c, counts[i - 1] + 1, device.devEui); });
      }
      const starts = new Set(FLEET.map((d) => ups.find((u) => u.devEui === d.devEui)?.event.fCnt));
      assert.ok(starts.size > FLEET.length / 2, 'devices start at different, seeded values');
    });

    it('starts at seeded values (same seed, same starts) or at 0, and then fCnt 0 is omitted', function () {
      const firstCounts = (seed: number) => {
        const { engine, run } = engineAt(WINTER_AFTERNOON, { seed });
        engine.start();
        return run(5000).map((u) => `${u.devEui}:${u.event.fCnt}`).sort();
      };
      assert.deepEqual(firstCounts(7), firstCounts(7));
      assert.notDeepEqual(firstCounts(7), firstCounts(8));

      const { engine, run } = engineAt(WINTER_AFTERNOON, { randomFCnt: false });
      engine.start();
      const ups = run(5000);
      for (const u of ups) {
        assert.ok(!('fCnt' in u.event), `${u.devEui}: fCnt 0 must be omitted`);
        assert.ok(!JSON.stringify(u.event).includes('"fCnt"'));
      }
      const next = run(20 * 60_000 / 60 + 1000).find((u) => u.devEui === ups[0].devEui);
      assert.equal(next?.event.fCnt, 1);
    });
  });

  describe('ChirpStack v4 up event', function () {
    it('has the genuine shape, with default values omitted', function () {
      const { engine, run } = engineAt(WINTER_AFTERNOON);
      engine.start();
      const [up] = run(5000).filter((u) => u.devEui === '70b3d5e75e00a101');
      const device = FLEET.find((d) => d.devEui === '70b3d5e75e00a101') as FleetDevice;
      assert.equal(up.topic, `application/${device.applicationId}/device/${device.devEui}/event/up`);
      const e = JSON.parse(JSON.stringify(up.event));
      assert.deepEqual(Object.keys(e), ['deduplicationId', 'time', 'deviceInfo', 'devAddr', 'adr', 'dr', 'fCnt', 'fPort', 'data', 'rxInfo', 'txInfo']);
      assert.match(e.deduplicationId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(e.time, new Date(Date.parse(e.time)).toISOString());
      assert.ok(Math.abs(Date.parse(e.time) - WINTER_AFTERNOON) < 5000);
      assert.deepEqual(Object.keys(e.deviceInfo), ['tenantId', 'tenantName', 'applicationId', 'applicationName', 'deviceProfileId', 'deviceProfileName', 'deviceName', 'devEui', 'tags']);
      assert.equal(e.deviceInfo.tenantName, 'grand-poitiers');
      assert.match(e.deviceInfo.tenantId, /^[0-9a-f-]{36}$/);
      assert.equal(e.deviceInfo.applicationId, device.applicationId);
      assert.equal(e.deviceInfo.deviceProfileName, "Watteco TIC'SO");
      assert.equal(e.deviceInfo.devEui, '70b3d5e75e00a101');
      assert.deepEqual(e.deviceInfo.tags, { model: 'watteco-ticso', site: 'cobalt', commune: 'Poitiers', fluid: 'electricity' });
      assert.match(e.devAddr, /^[0-9a-f]{8}$/);
      assert.equal(e.adr, true);
      assert.equal(e.confirmed, undefined);
      assert.equal(e.object, undefined);
      assert.equal(e.fPort, 125);
      assert.ok(e.fPort > 0);
      assert.ok(e.rxInfo.length >= 1 && e.rxInfo.length <= 3);
      for (const rx of e.rxInfo) {
        assert.match(rx.gatewayId, /^[0-9a-f]{16}$/);
        assert.ok(Number.isInteger(rx.uplinkId) && rx.uplinkId > 0);
        assert.ok(rx.rssi < -30 && rx.rssi > -140, `rssi ${rx.rssi}`);
        assert.ok(rx.snr >= -25 && rx.snr <= 15, `snr ${rx.snr}`);
        assert.equal(typeof rx.context, 'string');
        assert.deepEqual(rx.metadata, { region_config_id: 'eu868', region_common_name: 'EU868' });
      }
      assert.ok((EU868_CHANNELS as readonly number[]).includes(e.txInfo.frequency));
      assert.deepEqual(Object.keys(e.txInfo.modulation.lora), ['bandwidth', 'spreadingFactor', 'codeRate']);
      assert.equal(e.txInfo.modulation.lora.bandwidth, 125000);
      assert.equal(e.txInfo.modulation.lora.codeRate, 'CR_4_5');
      assert.equal(e.dr, 12 - e.txInfo.modulation.lora.spreadingFactor);
      // The tenant of a co-owned device is its own.
      const startup = FLEET.find((d) => d.tenant !== 'grand-poitiers') as FleetDevice;
      const other = buildUpEvent({ device: startup, radio: { gateways: [], spreadingFactor: 7, devAddr: '01020304' }, fCnt: 3, fPort: 1, bytes: Buffer.from([1]), time: 0, random: () => 0.5 });
      assert.equal(other.deviceInfo.tenantName, startup.tenant);
      assert.notEqual(other.deviceInfo.tenantId, e.deviceInfo.tenantId);
    });

    it('omits dr at SF12 (DR0) and tells a class C device', function () {
      const device = byModel('nas-ul20xx');
      const event = buildUpEvent({
        device, radio: { gateways: [], spreadingFactor: 12, devAddr: '01020304' }, fCnt: 0, fPort: 23,
        bytes: Buffer.from([1, 2]), time: WINTER_AFTERNOON, deviceClass: 'C', random: () => 0.25,
      });
      assert.ok(!('dr' in event) && !('fCnt' in event));
      assert.equal(event.txInfo.modulation.lora.spreadingFactor, 12);
      assert.equal(event.deviceInfo.deviceClassEnabled, 'CLASS_C');
      assert.equal(event.data, 'AQI=');
    });

    it('is reproducible under a seed (all but the deduplication ids)', function () {
      const trace = () => {
        const { engine, run } = engineAt(WINTER_AFTERNOON, { seed: 3, speed: 600 });
        engine.start();
        return run(20_000).map((u) => ({ ...u.event, deduplicationId: '' }));
      };
      assert.deepEqual(trace(), trace());
    });
  });

  describe('genuine encodings, byte for byte against vendor examples', function () {
    // Vectors: devices.md §6 (NAS nas-codecs tests, Milesight WS558) and the vendor examples of the TTN
    // Device Repository (TheThingsNetwork/lorawan-devices @96abc53 unless noted; watteco @775160e2, @3226e9c6,
    // @15e94021; kamstrup @af4ebcae), quoted one frame per device as the repository licence allows.
    it('NAS UL20xx status (fPort 23) and usage (fPort 26)', function () {
      assert.equal(hex(encodeNasStatus({
        epoch: 0x5e207ff3, statusBits: 0x82, statusBits2: 0x44, downlinkRssi: 50, downlinkSnr: 9, mcuTemperature: 22,
        alerts: 0x20, sensorSources: [0x01, 0xd2, 0x02, 0x94, 0x55, 0x04, 0x01],
        dimming: [{ address: 0xfe, reason: 0x50, level: 25, daliStatus: 0 }, { address: 0x12, reason: 0x50, level: 25, daliStatus: 0 }],
      })), '01' + 'f37f205e' + '8244' + '320916' + '20' + '0701d20294550401' + 'fe501900' + '12501900');
      assert.equal(hex(encodeNasUsage([
        { address: 0xff, lampOnTimeS: 19_918_800 },
        {
          address: 0x12, activeEnergyWh: 234567, activePowerW: 42, loadSideEnergyWh: 215801, loadSidePowerW: 39,
          powerFactor: 0.93, mainsVoltage: 229, driverOperatingTimeS: 0x02d972c0, lampOnTimeS: 19_918_800,
        },
      ])), '00ff80d0ef2f0112ff479403002a00f94a030027005de5c072d902d0ef2f01');
    });

    it('Milesight WS558 (devices.md example) and EM300-DI', function () {
      assert.equal(hex(encodeWs558Report({ changedMask: 0, states: 1, powerFactorPercent: 100, currentMa: 2, voltage: 222.6, energyWh: 1, powerW: 1 })),
        '08310001' + '058164' + '07c90200' + '0374b208' + '068301000000' + '048001000000');
      assert.equal(hex(encodeEm300DiReport(92, 256)), '01755c05c800010000');
    });

    it('Netvox R718H, R718N3, RA0715 and R831C', function () {
      assert.equal(hex(encodeR718hStatus(3.6, 100)), '011f012400640000000000');
      assert.equal(hex(encodeR718n3Currents(3.6, [1000, 200, 7000], 1)), '014a012403e800c81b5801');
      assert.equal(hex(encodeR718n3Multipliers(3.6, 3, 10)), '014a0224030a0000000000');
      assert.equal(hex(encodeRa07Co2(12, 500)), '010507781388ffffffff00');
      assert.equal(hex(encodeRa07TemperatureHumidity(12, -20, 10)), '01050c78f83003e8ffff00');
      assert.equal(hex(encodeR831cStatus([true, true, false])), '01ad010101000000000000');
    });

    it("Watteco TIC'SO, Triphas'O, Pulse Sens'O and Vaqa'O Lite", function () {
      assert.equal(hex(encodeTicCbeBase(606932586)), '110a00540000410c0000000000000040242d0e6a');
      assert.equal(hex(encodeTriphasoEnergy({
        positiveActiveEnergyWh: 239978, negativeActiveEnergyWh: 0, positiveReactiveEnergyVarh: 37529, negativeReactiveEnergyVarh: 28752,
        positiveActivePowerW: 31871, negativeActivePowerW: 0, positiveReactivePowerVar: 192, negativeReactivePowerVar: 3951,
      })), '710a800a000041200003a96a00000000000092990000705000007c7f00000000000000c000000f6f');
      assert.equal(hex(encodePulseIndex(0)), '110a000f04022300000000');
      assert.equal(hex(encodeTemperature(29.53)), '110a04020000290b89');
      assert.equal(hex(encodeHumidity(37.21)), '110a04050000210e89');
    });

    it('Adeunis Pulse data frame 0x5A', function () {
      assert.equal(hex(encodeAdeunisPulseA({
        frameCounter: 3, lowBattery: true, configurationDone: true, counter: 295, previous: [294, 292, 289, 285],
        time: Date.UTC(2023, 11, 28, 19, 22, 17),
      })), '5a6700000127000100020003000414aba3e9');
    });

    it('Kamstrup flowIQ2200: the OMS date and volume records of the vendor example', function () {
      // 2023-10-19 00:00 in Poitiers (CEST) is 2023-10-18T22:00Z; 236 L.
      const bytes = encodeOmsVolume(236, Date.UTC(2023, 9, 18, 22, 0, 0), 1);
      assert.equal(hex(bytes), '78446d0020f32a4413ec000000');
      assert.equal(hex(encodeOmsVolume(236, Date.UTC(2023, 9, 18, 22, 0, 0))), '78046d0020f32a0413ec000000');
    });

    it('every model of the fleet has a genuine encoder, deterministic for a given state', function () {
      const notGenuine = [...ENCODERS.values()].filter((e) => e.fidelity !== 'genuine').map((e) => e.model);
      assert.deepEqual(notGenuine, []);
      const device = byModel('adeunis-tic-cbe-linky-mono');
      const state = createDeviceState(device, { fCnt: 0, virtualTime: WINTER_AFTERNOON, time: WINTER_AFTERNOON, link: { rssi: -90, snr: 5 }, random: () => 0.5 });
      const frame = (ENCODERS.get(device.model) as { encodeUplink(s: typeof state): Frame }).encodeUplink(state);
      const again = (ENCODERS.get(device.model) as { encodeUplink(s: typeof state): Frame }).encodeUplink(state);
      assert.ok(frame.fPort > 0);
      assert.equal(frame.bytes[0], 0x49, 'an Adeunis TIC data frame');
      assert.deepEqual(again, frame, 'deterministic');
    });

    it('the engine sends the genuine frames of the state (Pulse Sens’O index in pulses)', function () {
      const { engine, run } = engineAt(WINTER_AFTERNOON);
      engine.start();
      const up = run(5000).find((u) => u.devEui === '70b3d5e75e00a102') as SimulatedUplink;
      const bytes = frameBytes(up);
      assert.equal(hex(bytes.subarray(0, 7)), '110a000f040223');
      const state = engine.state('70b3d5e75e00a102');
      assert.equal(bytes.readUInt32BE(7), Math.floor((state?.history[0] as number) / 0.001 + 1e-9));
    });
  });

  describe('the simulated world', function () {
    const stateOf = (device: FleetDevice, at: number) =>
      createDeviceState(device, { fCnt: 0, virtualTime: at, time: at, link: { rssi: -90, snr: 5 }, random: () => 0.5 });
    const consumed = (device: FleetDevice, from: number, hours: number) => {
      const s = stateOf(device, from);
      const before = s.index;
      advanceState(s, from + hours * 3_600_000);
      return s.index - before;
    };

    it('consumes more by day on weekdays than at night (electricity, water)', function () {
      for (const model of ['watteco-ticso', 'watteco-pulse-senso']) {
        const device = byModel(model);
        const day = consumed(device, WINTER_AFTERNOON, 1);
        const night = consumed(device, Date.UTC(2025, 0, 15, 1, 0, 0), 1);
        assert.ok(day > night * 2, `${model}: day ${day} vs night ${night}`);
      }
    });

    it('heats with gas in winter, hardly in summer, and keeps the yearly total', function () {
      const device = byModel('watteco-pulse-senso-atex');
      const winter = consumed(device, Date.UTC(2025, 0, 13, 0, 0, 0), 24 * 7);
      const summer = consumed(device, Date.UTC(2025, 6, 14, 0, 0, 0), 24 * 7);
      assert.ok(winter > summer * 5, `winter ${winter} vs summer ${summer}`);
      const year = consumed(device, Date.UTC(2025, 0, 1, 0, 0, 0), 24 * 365);
      assert.ok(Math.abs(year - device.annualConsumption) / device.annualConsumption < 0.1, `year ${year} vs ${device.annualConsumption}`);
    });

    it('lights at night, not by day, and keeps the night cut', function () {
      const cabinet = byModel('milesight-ws558'); // night cut 00:00-05:00
      const nas = FLEET.find((d) => d.model === 'nas-ul20xx' && !d.nightCut) as FleetDevice;
      const evening = Date.UTC(2025, 0, 15, 19, 0, 0);
      assert.equal(stateOf(nas, WINTER_AFTERNOON).lighting.level, 0);
      assert.equal(stateOf(nas, evening).lighting.level, 100);
      assert.equal(stateOf(nas, WINTER_NIGHT_CUT).lighting.level, 100, 'no night cut there');
      assert.deepEqual(stateOf(cabinet, evening).lighting.relays, [true, true, true, true, false, false, false, false]);
      assert.equal(stateOf(cabinet, WINTER_NIGHT_CUT).lighting.level, 0);
      assert.equal(stateOf(cabinet, WINTER_NIGHT_CUT).lighting.source, 'night-cut');
      // Sun times of Poitiers (lighting.md §6): 21 June 06:04 → 21:55, 21 December 08:39 → 17:13 local time.
      const june = sunTimes(Date.UTC(2025, 5, 21, 12), 46.58, 0.34);
      assert.ok(Math.abs(june.sunset - Date.UTC(2025, 5, 21, 19, 55)) < 3 * 60_000);
      const december = sunTimes(Date.UTC(2025, 11, 21, 12), 46.58, 0.34);
      assert.ok(Math.abs(december.sunrise - Date.UTC(2025, 11, 21, 7, 39)) < 3 * 60_000);
    });

    it('pauses the virtual clock while stopped and runs it speed times faster', function () {
      const { engine, clock, run } = engineAt(WINTER_AFTERNOON, { speed: 60 });
      engine.start();
      run(10_000);
      assert.equal(engine.virtualNow(), WINTER_AFTERNOON + 10_000 * 60);
      engine.stop();
      clock.t += 3_600_000;
      assert.equal(engine.virtualNow(), WINTER_AFTERNOON + 10_000 * 60);
    });
  });

  describe('downlinks', function () {
    const command = (device: FleetDevice, fPort: number, hexBytes: string) => ({
      topic: `application/${device.applicationId}/device/${device.devEui}/command/down`,
      payload: JSON.stringify({ devEui: device.devEui, confirmed: false, fPort, data: Buffer.from(hexBytes, 'hex').toString('base64') }),
    });

    it('NAS UL20xx: dims, answers with its status, holds until resumed', function () {
      const nas = FLEET.find((d) => d.model === 'nas-ul20xx' && !d.nightCut) as FleetDevice;
      const { engine, run } = engineAt(Date.UTC(2025, 0, 15, 19, 0, 0));
      engine.start();
      run(5000);
      const dim = command(nas, 60, '01fe32');
      const result = engine.handleDownlink(dim.topic, dim.payload);
      assert.equal(result.applied, true, result.description);
      assert.equal(result.devEui, nas.devEui);
      assert.equal(result.uplinks.length, 1);
      const [answer] = result.uplinks;
      assert.equal(answer.topic, `application/${nas.applicationId}/device/${nas.devEui}/event/up`);
      assert.equal(answer.event.fPort, 23);
      const bytes = frameBytes(answer);
      assert.equal(bytes[5] & 0x80, 0x80, 'relay closed');
      assert.equal(hex(bytes.subarray(bytes.length - 4)), 'fefd3204', 'broadcast, manual_active, 50 %, lamp on');
      // The level holds on the next status reports.
      const later = run(2 * 3_600_000 / 60).filter((u) => u.devEui === nas.devEui && u.event.fPort === 23);
      assert.ok(later.length > 0);
      for (const u of later) assert.equal(frameBytes(u).at(-2), 50);
      // Resume: back to the schedule (night, 100 %).
      const resume = command(nas, 60, '01feff');
      const resumed = frameBytes(engine.handleDownlink(resume.topic, resume.payload).uplinks[0]);
      assert.equal(hex(resumed.subarray(resumed.length - 4)), 'fe506404');
      // Status + usage request: two answers.
      const request = command(nas, 60, '0503');
      assert.deepEqual(engine.handleDownlink(request.topic, request.payload).uplinks.map((u) => u.event.fPort), [23, 26]);
    });

    it('NAS UL20xx timed dimming ends after its duration', function () {
      const nas = FLEET.find((d) => d.model === 'nas-ul20xx' && !d.nightCut) as FleetDevice;
      const { engine, run } = engineAt(Date.UTC(2025, 0, 15, 19, 0, 0), { speed: 60 });
      engine.start();
      const timed = command(nas, 60, '09fe141e'); // 20 % for 30 min
      assert.equal(frameBytes(engine.handleDownlink(timed.topic, timed.payload).uplinks[0]).at(-2), 20);
      run(31 * 60_000 / 60);
      assert.equal(frameBytes(engine.uplinkNow(nas.devEui)).at(-2), 100);
    });

    it('Milesight WS558 sets switches and Netvox R831C switches relays', function () {
      const ws558 = byModel('milesight-ws558');
      const r831c = byModel('netvox-r831c');
      const { engine } = engineAt(WINTER_AFTERNOON);
      engine.start();
      const on = command(ws558, 85, '080101');
      const ws = engine.handleDownlink(on.topic, on.payload);
      assert.equal(ws.applied, true);
      const wsBytes = frameBytes(ws.uplinks[0]);
      assert.equal(ws.uplinks[0].event.fPort, 85);
      assert.equal(hex(wsBytes.subarray(0, 4)), '08310101', 'L1 changed and on');
      const relay2 = command(r831c, 7, '91ad020000000000000000');
      const r = engine.handleDownlink(relay2.topic, relay2.payload);
      assert.equal(r.description, 'relay 2 on');
      assert.equal(hex(frameBytes(r.uplinks[0])), '01ad010001000000000000');
      assert.equal(r.uplinks[0].event.fPort, 6);
    });

    it('does not interpret commands it does not know, nor commands to meters', function () {
      const { engine } = engineAt(WINTER_AFTERNOON);
      const nas = byModel('nas-ul20xx');
      // fPort 51 (DFU / restart) is not simulated; fPort 50 configuration is echoed (see below).
      const restart = command(nas, 51, 'ff');
      const r = engine.handleDownlink(restart.topic, restart.payload);
      assert.equal(r.applied, false);
      assert.equal(r.uplinks.length, 0);
      const meter = byModel('watteco-ticso');
      const m = command(meter, 125, '110500000000');
      assert.deepEqual({ applied: engine.handleDownlink(m.topic, m.payload).applied }, { applied: false });
    });

    it('rejects bad commands with an error naming the field', function () {
      const nas = byModel('nas-ul20xx');
      const { engine } = engineAt(WINTER_AFTERNOON);
      const topic = `application/${nas.applicationId}/device/${nas.devEui}/command/down`;
      const field = (t: string | undefined, payload: unknown, name: string, pattern: RegExp) =>
        assert.throws(() => engine.handleDownlink(t, payload), (err: unknown) => {
          assert.ok(err instanceof DownlinkError, String(err));
          assert.equal(err.field, name);
          assert.match(err.message, pattern);
          return true;
        });
      field(topic, '{not json', 'payload', /not JSON/);
      field(topic, '[1, 2]', 'payload', /JSON object/);
      field(topic.replace(nas.devEui, '0000000000000001'), { devEui: '0000000000000001', fPort: 60, data: 'AQ==' }, 'devEui', /unknown device 0000000000000001/);
      field(topic, { devEui: nas.devEui, fPort: 60, data: 'not base64!' }, 'data', /not valid base64/);
      field(topic, { devEui: nas.devEui, fPort: 0, data: 'AQ==' }, 'fPort', /fPort must be an integer from 1 to 255/);
      field(topic, { devEui: '0000000000000002', fPort: 60, data: 'AQ==' }, 'devEui', /differs from the DevEUI of the topic/);
      field(topic, { devEui: nas.devEui, fPort: 60, object: { level: 50 } }, 'data', /codec/);
      field(`application/00000000-0000-4000-8000-000000000000/device/${nas.devEui}/command/down`, { devEui: nas.devEui, fPort: 60, data: 'AQ==' }, 'applicationId', /belongs to application/);
      field('application/x/device/y/event/up', { devEui: nas.devEui, fPort: 60, data: 'AQ==' }, 'topic', /not a downlink command topic/);
    });

    it('parses a command without topic, from a Buffer', function () {
      const cmd = parseDownlinkCommand(undefined, Buffer.from(JSON.stringify({ devEui: 'AABBCCDDEEFF0011', fPort: 60, data: 'Af4y', confirmed: true })));
      assert.deepEqual({ ...cmd, bytes: hex(cmd.bytes) }, { applicationId: undefined, devEui: 'aabbccddeeff0011', confirmed: true, fPort: 60, bytes: '01fe32', id: undefined });
    });
  });

  describe('training scenarios', function () {
    it('leak: the night flow of a water meter stays high', function () {
      const nightFlow = (leak: boolean) => {
        const { engine, clock } = engineAt(Date.UTC(2025, 0, 15, 1, 0, 0), { speed: 60, filter: 'water' });
        const water = '70b3d5e75e00a102';
        if (leak) assert.deepEqual(engine.setScenario(water, 'leak', true), [water]);
        engine.start();
        const state = engine.state(water);
        const before = state?.index as number;
        clock.t += 60_000; // one virtual hour
        engine.uplinkNow(water);
        return (state?.index as number) - before;
      };
      const normal = nightFlow(false);
      const leaking = nightFlow(true);
      assert.ok(leaking > normal + 0.04, `night flow ${normal} m3/h, with a leak ${leaking} m3/h`);
    });

    it('offline: a device stops sending, the others go on, and it comes back', function () {
      const { engine, run } = engineAt(WINTER_AFTERNOON, { speed: 600 });
      const target = '00137a1000013c02';
      engine.setScenario(target, 'offline', true);
      engine.start();
      const during = run(20_000);
      assert.equal(during.filter((u) => u.devEui === target).length, 0);
      assert.ok(during.length > FLEET.length);
      assert.ok(engine.stats.skipped > 0);
      engine.setScenario(target, 'offline', false);
      assert.ok(run(20_000).some((u) => u.devEui === target));
    });

    it('counter-reset: the index of every meter of a model restarts at 0', function () {
      const { engine } = engineAt(WINTER_AFTERNOON);
      engine.start();
      const reset = engine.setScenario('netvox-r718h', 'counter-reset', true);
      assert.deepEqual(reset.sort(), FLEET.filter((d) => d.model === 'netvox-r718h').map((d) => d.devEui).sort());
      const bytes = frameBytes(engine.uplinkNow(reset[0]));
      assert.ok(bytes.readUInt16BE(4) < 5, `pulses ${bytes.readUInt16BE(4)}`);
    });

    it('day-burner: a lighting point stays on by day', function () {
      const nas = byModel('nas-ul20xx');
      const { engine } = engineAt(WINTER_AFTERNOON);
      engine.start();
      assert.equal(frameBytes(engine.uplinkNow(nas.devEui)).at(-2), 0, 'off by day');
      engine.setScenario(nas.devEui, 'day-burner', true);
      engine.uplinkNow(nas.devEui); // usage frame (status and usage alternate)
      const status = frameBytes(engine.uplinkNow(nas.devEui));
      assert.equal(hex(status.subarray(status.length - 4)), 'fefa6404', 'on, reason ldr_input_active');
      engine.setScenario(nas.devEui, 'day-burner', false);
      engine.uplinkNow(nas.devEui);
      assert.equal(frameBytes(engine.uplinkNow(nas.devEui)).at(-2), 0);
    });

    it('refuses an unknown scenario, an unknown target and a scenario that does not apply', function () {
      const { engine } = engineAt(WINTER_AFTERNOON);
      assert.throws(() => engine.setScenario('*', 'flood' as never, true), /unknown scenario "flood"/);
      assert.throws(() => engine.setScenario('ffffffffffffffff', 'offline', true), /no simulated device matches/);
      assert.throws(() => engine.setScenario('watteco-ticso', 'leak', true), /does not apply/);
      assert.deepEqual(engine.activeScenarios(), []);
      engine.setScenario('*', 'day-burner', true);
      assert.equal(engine.activeScenarios().length, FLEET.filter((d) => d.fluid === 'lighting').length);
    });
  });

  it('reset brings the fleet back to its initial indexes and counters', function () {
    const { engine, run } = engineAt(WINTER_AFTERNOON, { speed: 600 });
    const firstOf = (ups: SimulatedUplink[]) => Object.fromEntries(FLEET.map((d) => [d.devEui, ups.find((u) => u.devEui === d.devEui)?.event.fCnt]));
    engine.start();
    const first = firstOf(run(5000));
    run(60_000);
    const meter = '70b3d5e75e00a101';
    assert.ok((engine.state(meter)?.index as number) > byModel('watteco-ticso').initialIndex);
    engine.reset();
    assert.equal(engine.isRunning, true);
    assert.equal(engine.state(meter)?.index, byModel('watteco-ticso').initialIndex);
    assert.deepEqual(engine.state(meter)?.history, []);
    assert.deepEqual(firstOf(run(5000)), first);
  });
});

describe('simulated NAS UL20xx configuration downlinks', function () {
  it('echoes an accepted configuration on fPort 50, as the device does, and decodes as a config echo', function () {
    const fleet = FLEET;
    const device = fleet.find((d) => d.model === 'nas-ul20xx');
    assert.ok(device);
    const state = createDeviceState(device, { fCnt: 0, virtualTime: Date.UTC(2026, 0, 15, 20), time: Date.UTC(2026, 0, 15, 20), link: { rssi: -90, snr: 5 }, random: () => 0.5 });
    const encoder = ENCODERS.get('nas-ul20xx') as unknown as { applyDownlink(s: typeof state, fPort: number, bytes: Buffer): { applied: boolean; answers: Array<(s: typeof state) => Frame> } };
    // The Poitiers astro-clock vector of lighting.md.
    const config = Buffer.from('2011023212220005000564', 'hex');
    const outcome = encoder.applyDownlink(state, 50, config);
    assert.equal(outcome.applied, true);
    const [answer] = outcome.answers.map((build) => build(state));
    assert.equal(answer.fPort, 50);
    assert.deepEqual(Buffer.from(answer.bytes), config);
    const decoded = catalog.get('nas-ul20xx')!.decode({ bytes: answer.bytes, fPort: 50, recvTime: new Date() });
    assert.deepEqual(decoded.measurements, []);
    assert.equal(encoder.applyDownlink(state, 51, Buffer.from('ff', 'hex')).applied, false);
  });
});
