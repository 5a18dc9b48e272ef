/** Simulator ↔ decoder round trip for the Milesight models (EM300-DI, WS558 with its commands). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { catalog, DeviceCodec } from '../../nodes/lib/codecs';
import type { Measurement } from '../../nodes/lib/contracts';
import { loadFleet, SIMULATED_MODELS } from '../../nodes/lib/simulator';
import { CommandableEncoder, ENCODERS, u32 } from '../../nodes/lib/simulator/frames';
import { advanceState, createDeviceState, DeviceState, pulseCount } from '../../nodes/lib/simulator/state';

const FLEET = loadFleet(fs.readFileSync(path.resolve(__dirname, '../../data/devices.csv'), 'utf8'), { file: 'devices.csv', models: SIMULATED_MODELS });
const START = Date.UTC(2026, 0, 15, 13, 0, 0);

function states(model: string): DeviceState[] {
  const device = FLEET.find((d) => d.model === model)!;
  return [0, 5, 9, 30, 700].map((h, i) => {
    const s = createDeviceState(device, { fCnt: 0, virtualTime: START, time: START, link: { rssi: -90, snr: 5 }, random: () => 0.61 });
    advanceState(s, START + h * 3_600_000);
    s.uplinks = i * 400;
    return s;
  });
}

function decodeState(model: string, s: DeviceState) {
  const frame = ENCODERS.get(model)!.encodeUplink(s);
  return (catalog.get(model) as DeviceCodec).decode({ bytes: frame.bytes, fPort: frame.fPort, recvTime: new Date(s.time) });
}

const value = (ms: Measurement[], quantity: string, channel?: string) => ms.find((m) => m.quantity === quantity && m.channel === channel)?.value;

describe('simulator round trip: Milesight', function () {
  it('EM300-DI: pulse count and battery %', function () {
    for (const s of states('milesight-em300-di')) {
      const d = decodeState('milesight-em300-di', s);
      assert.equal(value(d.measurements, 'pulse_count'), u32(pulseCount(s)));
      assert.equal(d.status?.batteryPercent, Math.max(1, 98 - Math.floor(s.uplinks / 500)));
    }
  });

  it('WS558: voltage, power, power factor, energy index, current, switches', function () {
    for (const s of states('milesight-ws558')) {
      const d = decodeState('milesight-ws558', s);
      const pf = s.rate > 0 ? 0.96 : 0;
      assert.equal(value(d.measurements, 'voltage'), Math.round(s.lighting.voltage * 10) / 10);
      assert.equal(value(d.measurements, 'active_power'), u32(s.rate));
      assert.equal(value(d.measurements, 'power_factor'), pf);
      assert.equal(value(d.measurements, 'active_energy'), u32(s.index));
      const currentMa = s.rate > 0 ? (s.rate / s.lighting.voltage / pf) * 1000 : 0;
      assert.equal(value(d.measurements, 'current'), Math.min(65535, Math.round(currentMa)) / 1000);
      s.lighting.relays.forEach((on, i) => assert.equal(value(d.measurements, 'relay_state', `switch${i + 1}`), on ? 1 : 0));
    }
  });

  it('WS558: the codec’s switch commands drive the simulated outputs', function () {
    const [s] = states('milesight-ws558');
    const codec = catalog.get('milesight-ws558') as DeviceCodec;
    const device = ENCODERS.get('milesight-ws558') as CommandableEncoder;
    const down = codec.encode!({ type: 'setSwitches', on: [1, 5], off: [2] });
    const outcome = device.applyDownlink(s, down.fPort, Buffer.from(down.bytes));
    assert.ok(outcome.applied, outcome.description);
    const answer = outcome.answers[0](s);
    const d = codec.decode({ bytes: answer.bytes, fPort: answer.fPort, recvTime: new Date(s.time) });
    assert.equal(value(d.measurements, 'relay_state', 'switch1'), 1);
    assert.equal(value(d.measurements, 'relay_state', 'switch2'), 0);
    assert.equal(value(d.measurements, 'relay_state', 'switch5'), 1);
    const status = device.applyDownlink(s, 85, Buffer.from(codec.encode!({ type: 'readStatus' }).bytes));
    assert.ok(status.applied, status.description);
  });
});
