/** Simulator ↔ decoder round trip for the Adeunis models (Pulse, TIC CBE Linky mono and tri). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { catalog, DeviceCodec } from '../../nodes/lib/codecs';
import type { Measurement } from '../../nodes/lib/contracts';
import { loadFleet, SIMULATED_MODELS } from '../../nodes/lib/simulator';
import { ENCODERS, u32 } from '../../nodes/lib/simulator/frames';
import { encodeAdeunisTicCbeMono, encodeAdeunisTicCbeTri } from '../../nodes/lib/simulator/frames/adeunis';
import { advanceState, createDeviceState, DeviceState, pulseCount } from '../../nodes/lib/simulator/state';

const FLEET = loadFleet(fs.readFileSync(path.resolve(__dirname, '../../data/devices.csv'), 'utf8'), { file: 'devices.csv', models: SIMULATED_MODELS });
const START = Date.UTC(2026, 0, 15, 13, 0, 0);

function states(model: string): DeviceState[] {
  const device = FLEET.find((d) => d.model === model)!;
  return [0, 2, 8, 50, 900].map((h, i) => {
    const s = createDeviceState(device, { fCnt: 0, virtualTime: START, time: START, link: { rssi: -90, snr: 5 }, random: () => 0.42 });
    advanceState(s, START + h * 3_600_000);
    s.uplinks = i;
    return s;
  });
}

function decodeState(model: string, s: DeviceState) {
  const frame = ENCODERS.get(model)!.encodeUplink(s);
  return (catalog.get(model) as DeviceCodec).decode({ bytes: frame.bytes, fPort: frame.fPort, recvTime: new Date(s.time) });
}

const value = (ms: Measurement[], quantity: string, channel?: string) => ms.find((m) => m.quantity === quantity && m.channel === channel)?.value;
const hex = (b: Buffer) => b.toString('hex');

describe('simulator round trip: Adeunis', function () {
  it('Pulse: the counter of channel A', function () {
    for (const s of states('adeunis-pulse')) {
      const d = decodeState('adeunis-pulse', s);
      assert.equal(value(d.measurements, 'pulse_count', 'A'), u32(pulseCount(s)));
    }
  });

  it('TIC CBE Linky mono: BASE index (Wh), apparent power, current', function () {
    assert.equal(ENCODERS.get('adeunis-tic-cbe-linky-mono')?.fidelity, 'genuine');
    for (const s of states('adeunis-tic-cbe-linky-mono')) {
      const d = decodeState('adeunis-tic-cbe-linky-mono', s);
      const papp = Math.round(s.rate);
      assert.equal(value(d.measurements, 'active_energy', 'base'), Math.floor(s.index));
      assert.equal(value(d.measurements, 'apparent_power'), papp);
      assert.equal(value(d.measurements, 'current'), Math.round(papp / 230));
      assert.equal(d.measurements.length, 3);
      assert.equal(d.info?.OPTARIF, 'BASE');
    }
  });

  it('the TIC frame encoders rebuild the vendor examples byte for byte', function () {
    assert.equal(hex(encodeAdeunisTicCbeMono({
      frameCounter: 2, adco: '021728031819', optarif: 'HC..', isousc: 45, iinst: 0, imax: 0, papp: 0, hchc: 0, hchp: 0, ptec: 'HP..',
    })), '494030323137323830333138313948432e2e800000000000002d000000000000000000000000000000000000000048502e2e');
    assert.equal(hex(encodeAdeunisTicCbeTri({
      frameCounter: 2, adco: '021728031819', base: 4660, iinst: [43, 44, 45], imax: [17, 18, 19], pmax: 32, papp: 16,
    })), '4940303231373238303331383139000012340000002b0000002c0000002d0000001100000012000000130000002000000010');
  });
});
