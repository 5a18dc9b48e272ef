/**
 * The simulator's frames of the Kamstrup flowIQ2200 and the NAS UL20xx decode, with the native codecs,
 * to the values the simulated state holds (canonical units).
 */
import assert from 'node:assert/strict';
import { catalog } from '../../nodes/lib/codecs';
import type { DecodedFrame } from '../../nodes/lib/codecs/types';
import type { FleetDevice } from '../../nodes/lib/simulator/fleet';
import { ENCODERS, Frame } from '../../nodes/lib/simulator/frames';
import { nasStatusFrame, nasUsageFrame } from '../../nodes/lib/simulator/frames/nas';
import { advanceState, createDeviceState, DeviceState, setLightingOverride } from '../../nodes/lib/simulator/state';

const device = (model: string, fluid: FleetDevice['fluid'], initialIndex: number): FleetDevice => ({
  devEui: '0011223344556677', deviceName: 'test', model, site: 's', siteName: 'S', commune: 'Poitiers', fluid, tenant: 'grand-poitiers',
  applicationId: 'app', applicationName: 'App', deviceProfile: model, intervalMinutes: 60, latitude: 46.58, longitude: 0.34,
  initialIndex, annualConsumption: fluid === 'water' ? 200 : 400_000, ratedPowerW: 60,
} as unknown as FleetDevice);

function stateFor(model: string, fluid: FleetDevice['fluid'], index: number, at: number): DeviceState {
  const state = createDeviceState(device(model, fluid, index), { fCnt: 0, virtualTime: at, time: at, link: { rssi: -80, snr: 6 }, random: () => 0.4 });
  advanceState(state, at + 3_600_000);
  state.time = at + 3_600_000;
  return state;
}

function decode(model: string, frame: Frame, at: number): DecodedFrame {
  return catalog.get(model)!.decode({ bytes: frame.bytes, fPort: frame.fPort, recvTime: new Date(at) });
}

function value(d: DecodedFrame, quantity: string, channel?: string): number | undefined {
  return d.measurements.find((m) => m.quantity === quantity && m.channel === channel)?.value;
}

describe('simulator round trip: kamstrup-flowiq2200', function () {
  const encoder = ENCODERS.get('kamstrup-flowiq2200')!;
  for (const [index, at] of [[0, Date.UTC(2025, 0, 15, 13, 0, 0)], [1234.5678, Date.UTC(2025, 6, 1, 23, 59, 30)], [98765.4321, Date.UTC(2026, 2, 29, 1, 30, 0)]] as const) {
    it(`index ${index} m3 at ${new Date(at).toISOString()}`, function () {
      const state = stateFor('kamstrup-flowiq2200', 'water', index, at);
      const frame = encoder.encodeUplink(state);
      const d = decode('kamstrup-flowiq2200', frame, state.time);
      const volume = d.measurements.filter((m) => m.quantity === 'water_volume');
      assert.equal(volume.length, 1);
      assert.ok(Math.abs(volume[0].value - Math.floor(state.index * 1000) / 1000) < 1e-9, `${volume[0].value} vs ${state.index}`);
      assert.equal(volume[0].time, new Date(Math.floor(state.time / 60_000) * 60_000).toISOString());
      assert.equal(volume[0].channel, undefined);
      assert.deepEqual(d.status, { alarms: [] });
      assert.equal(value(d, 'temperature', 'water_min'), 11);
      assert.equal(value(d, 'temperature', 'water_max'), 14);
    });
  }

  it('the leak scenario raises the leak alarm', function () {
    const state = stateFor('kamstrup-flowiq2200', 'water', 10, Date.UTC(2025, 0, 15, 13, 0, 0));
    state.scenarios.add('leak');
    const d = decode('kamstrup-flowiq2200', encoder.encodeUplink(state), state.time);
    assert.deepEqual(d.status, { alarms: ['leak'] });
  });
});

describe('simulator round trip: nas-ul20xx', function () {
  for (const [at, level] of [[Date.UTC(2025, 0, 15, 13, 0, 0), undefined], [Date.UTC(2025, 0, 15, 20, 0, 0), undefined], [Date.UTC(2025, 0, 15, 13, 0, 0), 35]] as const) {
    it(`status and usage at ${new Date(at).toISOString()}${level !== undefined ? `, override ${level} %` : ''}`, function () {
      const state = stateFor('nas-ul20xx', 'lighting', 12_345, at);
      if (level !== undefined) setLightingOverride(state, { level });
      const status = decode('nas-ul20xx', nasStatusFrame(state), state.time);
      assert.equal(value(status, 'light_level', 'dali_broadcast'), state.lighting.level);
      assert.equal(value(status, 'relay_state', 'internal_relay'), state.lighting.level > 0 ? 1 : 0);
      assert.equal((status.info as Record<string, unknown>).deviceTime, new Date(Math.floor(state.time / 1000) * 1000).toISOString());
      assert.deepEqual(status.status, { alarms: [] });
      const usage = decode('nas-ul20xx', nasUsageFrame(state), state.time);
      assert.equal(value(usage, 'active_energy'), Math.floor(state.index));
      assert.equal(value(usage, 'active_power'), Math.round(state.rate));
      assert.equal(value(usage, 'voltage'), Math.round(state.lighting.voltage));
      assert.ok(Math.abs(value(usage, 'lamp_on_time')! - Math.floor(state.lighting.lampOnSeconds) / 3600) < 1e-9);
      assert.equal(value(usage, 'power_factor'), state.lighting.level > 0 ? 0.95 : undefined);
      // the encoder alternates status and usage frames
      const frame = ENCODERS.get('nas-ul20xx')!.encodeUplink(state);
      assert.ok(frame.fPort === 23 || frame.fPort === 26);
      decode('nas-ul20xx', frame, state.time);
    });
  }
});
