/**
 * Milesight devices: channel TLV `[channel id, channel type, value]`, values little-endian, on
 * fPort 85 (devices.md §2, §6).
 *
 * GENUINE, checked byte for byte against the examples of devices.md and the vendor (TTN
 * lorawan-devices, vendor/milesight-iot):
 * - EM300-DI: battery (`01 75`, %) and pulse counter (`05 C8`, uint32);
 * - WS558: switches (`08 31`, changed mask + states L1…L8), power factor (`05 81`, %), current
 *   (`07 C9`, mA), voltage (`03 74`, tenths of V), energy (`06 83`, Wh), active power (`04 80`, W), in
 *   the order of the devices.md example. Commands on fPort 85: `08 <mask> <states>` sets switches,
 *   `FF 28 FF` asks for a report; the answer is a full report. Bit 1 = on, as the vendor decoder reads
 *   it (the user guide says the opposite: devices.md §6).
 */
import { DeviceState, pulseCount, setLightingOverride } from '../state';
import { CommandableEncoder, DownlinkOutcome, Frame, FrameEncoder, notApplied, u32 } from './types';

export const MILESIGHT_PORT = 85;

/** EM300-DI report: battery (%) and pulse count. */
export function encodeEm300DiReport(batteryPercent: number, pulses: number): Buffer {
  const bytes = Buffer.from([0x01, 0x75, Math.round(batteryPercent), 0x05, 0xc8, 0, 0, 0, 0]);
  bytes.writeUInt32LE(u32(pulses), 5);
  return bytes;
}

export interface Ws558Report {
  /** Bit i = switch L(i+1) changed since the last report. */
  changedMask: number;
  /** Bit i = switch L(i+1) on. */
  states: number;
  powerFactorPercent: number;
  currentMa: number;
  voltage: number;
  energyWh: number;
  powerW: number;
}

export function encodeWs558Report(r: Ws558Report): Buffer {
  const bytes = Buffer.alloc(4 + 3 + 4 + 4 + 6 + 6);
  let o = 0;
  bytes[o++] = 0x08; bytes[o++] = 0x31; bytes[o++] = r.changedMask & 0xff; bytes[o++] = r.states & 0xff;
  bytes[o++] = 0x05; bytes[o++] = 0x81; bytes[o++] = Math.round(r.powerFactorPercent) & 0xff;
  bytes[o++] = 0x07; bytes[o++] = 0xc9; bytes.writeUInt16LE(Math.min(65535, Math.round(r.currentMa)), o); o += 2;
  bytes[o++] = 0x03; bytes[o++] = 0x74; bytes.writeUInt16LE(Math.round(r.voltage * 10), o); o += 2;
  bytes[o++] = 0x06; bytes[o++] = 0x83; bytes.writeUInt32LE(u32(r.energyWh), o); o += 4;
  bytes[o++] = 0x04; bytes[o++] = 0x80; bytes.writeUInt32LE(u32(r.powerW), o);
  return bytes;
}

function mask(relays: boolean[]): number {
  return relays.reduce((m, on, i) => (on ? m | (1 << i) : m), 0);
}

function ws558Report(s: DeviceState): Frame {
  const { relays, reportedRelays, voltage } = s.lighting;
  const power = s.rate;
  const pf = power > 0 ? 96 : 0;
  return {
    fPort: MILESIGHT_PORT,
    bytes: encodeWs558Report({
      changedMask: mask(relays) ^ mask(reportedRelays),
      states: mask(relays),
      powerFactorPercent: pf,
      currentMa: power > 0 ? (power / voltage / (pf / 100)) * 1000 : 0,
      voltage,
      energyWh: s.index,
      powerW: power,
    }),
  };
}

const ws558: CommandableEncoder = {
  model: 'milesight-ws558',
  fidelity: 'genuine',
  deviceClass: 'C',
  encodeUplink: ws558Report,
  applyDownlink(state: DeviceState, fPort: number, bytes: Buffer): DownlinkOutcome {
    if (fPort !== MILESIGHT_PORT) return notApplied(`WS558 commands go on fPort ${MILESIGHT_PORT}, not ${fPort}`);
    if (bytes.length === 3 && bytes[0] === 0xff && bytes[1] === 0x28) {
      return { applied: true, description: 'report request', answers: [ws558Report] };
    }
    if (bytes.length === 3 && bytes[0] === 0x08) {
      const [, m, states] = bytes;
      if (m === 0) return notApplied('no switch selected (mask 0)');
      const relays = state.lighting.relays.map((on, i) => ((m >> i) & 1 ? Boolean((states >> i) & 1) : on));
      setLightingOverride(state, { relays });
      const changed = relays.map((on, i) => ((m >> i) & 1 ? `L${i + 1} ${on ? 'on' : 'off'}` : '')).filter(Boolean).join(', ');
      return { applied: true, description: `switches ${changed}`, answers: [ws558Report] };
    }
    return notApplied(`WS558 command ${bytes.toString('hex') || '(empty)'} is not simulated`);
  },
};

export const milesightEncoders: FrameEncoder[] = [
  {
    model: 'milesight-em300-di',
    fidelity: 'genuine',
    encodeUplink: (s) => ({ fPort: MILESIGHT_PORT, bytes: encodeEm300DiReport(Math.max(1, 98 - Math.floor(s.uplinks / 500)), pulseCount(s)) }),
  },
  ws558,
];
