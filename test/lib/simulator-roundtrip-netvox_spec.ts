/**
 * Simulator ↔ decoder round trip for the Netvox models: the simulator's frames decode to the values its
 * state holds (canonical units), and the R831C commands the codec encodes are the ones the simulated
 * device obeys.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { catalog, DeviceCodec } from '../../nodes/lib/codecs';
import type { Measurement } from '../../nodes/lib/contracts';
import { loadFleet, SIMULATED_MODELS } from '../../nodes/lib/simulator';
import { CommandableEncoder, ENCODERS } from '../../nodes/lib/simulator/frames';
import { advanceState, createDeviceState, DeviceState, pulseCount } from '../../nodes/lib/simulator/state';

const FLEET = loadFleet(fs.readFileSync(path.resolve(__dirname, '../../data/devices.csv'), 'utf8'), { file: 'devices.csv', models: SIMULATED_MODELS });
const START = Date.UTC(2026, 0, 15, 13, 0, 0);
const HOURS = [0, 3, 7, 30, 200];

function states(model: string): DeviceState[] {
  const device = FLEET.find((d) => d.model === model);
  assert.ok(device, `no ${model} in the fleet`);
  return HOURS.map((h, i) => {
    const s = createDeviceState(device, { fCnt: 0, virtualTime: START, time: START, link: { rssi: -90, snr: 5 }, random: () => 0.37 });
    advanceState(s, START + h * 3_600_000);
    s.uplinks = i;
    return s;
  });
}

function decodeState(model: string, s: DeviceState) {
  const frame = ENCODERS.get(model)!.encodeUplink(s);
  const codec = catalog.get(model) as DeviceCodec;
  return codec.decode({ bytes: frame.bytes, fPort: frame.fPort, recvTime: new Date(s.time) });
}

function value(ms: Measurement[], quantity: string, channel?: string): number | undefined {
  return ms.find((m) => m.quantity === quantity && m.channel === channel)?.value;
}

describe('simulator round trip: Netvox', function () {
  it('R718H: pulse count (16-bit) and battery voltage', function () {
    for (const s of states('netvox-r718h')) {
      const d = decodeState('netvox-r718h', s);
      assert.equal(value(d.measurements, 'pulse_count'), pulseCount(s) % 65536);
      assert.equal(d.status?.batteryVoltage, Math.round(s.batteryVoltage * 10) / 10);
    }
  });

  it('R718N3: the three currents in A (and the multiplier report)', function () {
    for (const s of states('netvox-r718n3')) {
      const d = decodeState('netvox-r718n3', s);
      if (s.uplinks % 4 === 3) {
        assert.deepEqual(d.measurements, []);
        continue;
      }
      const amps = s.rate / 230;
      [500, 300, 200].forEach((share, i) => {
        assert.equal(value(d.measurements, 'current', ['phase_a', 'phase_b', 'phase_c'][i]), Math.min(65535, Math.round(amps * share)) / 1000);
      });
    }
  });

  it('RA0715: CO2 and temperature/humidity reports', function () {
    for (const s of states('netvox-ra0715')) {
      const d = decodeState('netvox-ra0715', s);
      if (s.uplinks % 2 === 0) {
        assert.equal(value(d.measurements, 'co2'), Math.round(s.comfort.co2 * 10) / 10);
      } else {
        assert.equal(value(d.measurements, 'temperature'), Math.round(s.comfort.temperature * 100) / 100);
        assert.equal(value(d.measurements, 'humidity'), Math.round(s.comfort.humidity * 100) / 100);
      }
    }
  });

  it('R831C: relay states, and the codec’s commands drive the simulated relays', function () {
    const [s] = states('netvox-r831c');
    const codec = catalog.get('netvox-r831c') as DeviceCodec;
    const device = ENCODERS.get('netvox-r831c') as CommandableEncoder;
    for (const [command, expected] of [
      [{ type: 'off', relays: [1, 2, 3] }, [0, 0, 0]],
      [{ type: 'on', relays: [2] }, [0, 1, 0]],
      [{ type: 'toggle', mask: 5 }, [1, 1, 1]],
      [{ type: 'off', relays: [3] }, [1, 1, 0]],
    ] as Array<[Record<string, unknown>, number[]]>) {
      const down = codec.encode!(command);
      const outcome = device.applyDownlink(s, down.fPort, Buffer.from(down.bytes));
      assert.ok(outcome.applied, outcome.description);
      const answer = outcome.answers[0](s);
      const d = codec.decode({ bytes: answer.bytes, fPort: answer.fPort, recvTime: new Date(s.time) });
      assert.deepEqual([1, 2, 3].map((i) => value(d.measurements, 'relay_state', `relay${i}`)), expected);
      assert.deepEqual(s.lighting.relays.map(Number), expected);
    }
    const read = device.applyDownlink(s, 7, Buffer.from(codec.encode!({ type: 'readStatus' }).bytes));
    assert.ok(read.applied);
  });
});
