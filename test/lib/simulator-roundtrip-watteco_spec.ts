/**
 * Simulator round trip for the Watteco models: every frame the simulator's Watteco encoders build
 * decodes, with the native Watteco codecs, to the values the simulated device state holds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { catalog } from '../../nodes/lib/codecs';
import type { Measurement } from '../../nodes/lib/contracts';
import { FleetDevice, loadFleet, SIMULATED_MODELS } from '../../nodes/lib/simulator';
import { ENCODERS } from '../../nodes/lib/simulator/frames';
import { createDeviceState, DeviceState, pulseCount } from '../../nodes/lib/simulator/state';

const root = path.resolve(__dirname, '../..');
const FLEET = loadFleet(fs.readFileSync(path.join(root, 'data/devices.csv'), 'utf8'), { file: 'devices.csv', models: SIMULATED_MODELS });
const RECV = new Date('2026-01-15T10:00:00.000Z');

function stateOf(model: string, index: number, rate: number, uplinks = 0): DeviceState {
  const device = FLEET.find((d) => d.model === model) as FleetDevice;
  assert.ok(device, `no ${model} in the fleet`);
  let seed = 1;
  const state = createDeviceState(device, {
    fCnt: 0, virtualTime: RECV.getTime(), time: RECV.getTime(), link: { rssi: -90, snr: 7 },
    random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647),
  });
  state.index = index;
  state.rate = rate;
  state.uplinks = uplinks;
  return state;
}

function decode(model: string, state: DeviceState): Measurement[] {
  const encoder = ENCODERS.get(model);
  const codec = catalog.get(model);
  assert.ok(encoder && codec, model);
  const frame = encoder.encodeUplink(state);
  return codec.decode({ bytes: frame.bytes, fPort: frame.fPort, recvTime: RECV }).measurements;
}

function find(ms: Measurement[], quantity: string, channel?: string): Measurement {
  const m = ms.find((x) => x.quantity === quantity && x.channel === channel);
  assert.ok(m, `no ${quantity}/${channel ?? '-'} in ${JSON.stringify(ms)}`);
  return m;
}

describe('simulator round trip: Watteco', function () {
  it("TIC'SO: the BASE index (Wh) of the state", function () {
    for (const index of [0, 48_210_500, 902_341_000.7, 4_000_000_000]) {
      const ms = decode('watteco-ticso', stateOf('watteco-ticso', index, 1000));
      assert.deepEqual(ms, [{ quantity: 'active_energy', value: Math.floor(index), unit: 'Wh', kind: 'index', channel: 'base' }]);
    }
  });

  it("Triphas'O: total energy index (Wh) and power (W) of the state", function () {
    for (const [index, rate] of [[1_254_300_000, 310_000], [402_118, 85], [0, 0]]) {
      const ms = decode('watteco-triphaso', stateOf('watteco-triphaso', index, rate));
      assert.equal(find(ms, 'active_energy', 'total').value, index);
      assert.equal(find(ms, 'active_energy', 'total_negative').value, 0);
      assert.equal(find(ms, 'active_power', 'total').value, rate);
      assert.equal(find(ms, 'reactive_energy', 'total').value, Math.floor(index * 0.18));
      assert.equal(find(ms, 'active_energy', 'total').unit, 'Wh');
    }
  });

  for (const model of ['watteco-pulse-senso', 'watteco-pulse-senso-atex']) {
    it(`${model}: the pulse count of input 1`, function () {
      for (const index of [0, 1234.56, 215430.2]) {
        const state = stateOf(model, index, 1);
        const ms = decode(model, state);
        assert.deepEqual(ms, [{ quantity: 'pulse_count', value: pulseCount(state), unit: '1', kind: 'index', channel: '1' }]);
        assert.ok(pulseCount(state) > 0 || index === 0);
      }
    });
  }

  it("Vaqa'O Lite: temperature (Cel) and humidity (%), alternately", function () {
    const even = stateOf('watteco-vaqao-lite', 0, 0, 0);
    even.comfort.temperature = 21.37;
    even.comfort.humidity = 48.5;
    assert.deepEqual(decode('watteco-vaqao-lite', even), [{ quantity: 'temperature', value: 21.37, unit: 'Cel', kind: 'instant' }]);
    const odd = stateOf('watteco-vaqao-lite', 0, 0, 1);
    odd.comfort.temperature = -3.5;
    odd.comfort.humidity = 48.5;
    assert.deepEqual(decode('watteco-vaqao-lite', odd), [{ quantity: 'humidity', value: 48.5, unit: '%', kind: 'instant' }]);
    odd.uplinks = 2;
    assert.deepEqual(decode('watteco-vaqao-lite', odd), [{ quantity: 'temperature', value: -3.5, unit: 'Cel', kind: 'instant' }]);
  });
});
