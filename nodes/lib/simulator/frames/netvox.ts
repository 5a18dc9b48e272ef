/**
 * Netvox devices: fixed 11-byte frames `[version 0x01, device type, report type, …]`, reports on fPort 6,
 * configuration and commands on fPort 7 (devices.md §2, §6). Integers are big-endian; the battery
 * byte is in tenths of a volt.
 *
 * GENUINE, checked byte for byte against the vendor examples (TTN lorawan-devices, vendor/netvox):
 * - R718H (type 0x1F): status report with the 16-bit pulse count (it rolls over at 65,536);
 * - R718N3 (type 0x4A): report 1 (three currents in mA, multiplier 1) and, every fourth frame,
 *   report 2 (multipliers 2 and 3);
 * - RA0715 (type 0x05, "RA07 series"): CO2 report (0x07) and temperature/humidity report (0x0C),
 *   alternately;
 * - R831C (type 0xAD): status report of its three relays; commands on fPort 7: 0x90 off, 0x91 on,
 *   0x92 toggle (third byte: channel bit mask, relay 1 = bit 0; the mask reading is an assumption
 *   from the vendor examples' values 2, 5 and 7), 0x94 read status. The answer is a status report.
 */
import { DeviceState, pulseCount, setLightingOverride } from '../state';
import { CommandableEncoder, DownlinkOutcome, Frame, FrameEncoder, notApplied } from './types';

export const NETVOX_REPORT_PORT = 6;
export const NETVOX_COMMAND_PORT = 7;

export const NETVOX_TYPES = { r718h: 0x1f, r718n3: 0x4a, ra0715: 0x05, r831c: 0xad } as const;

/** An 11-byte Netvox report: version 1, device type, report type, then the payload, zero padded. */
export function netvoxReport(deviceType: number, reportType: number, payload: number[] | Buffer): Buffer {
  const bytes = Buffer.alloc(11);
  bytes[0] = 0x01;
  bytes[1] = deviceType;
  bytes[2] = reportType;
  Buffer.from(payload).copy(bytes, 3, 0, 8);
  return bytes;
}

function volts(v: number): number {
  return Math.round(v * 10) & 0xff;
}

/** R718H status report: battery, pulse count (uint16, rolls over). */
export function encodeR718hStatus(batteryVolts: number, pulses: number): Buffer {
  const p = Buffer.alloc(3);
  p[0] = volts(batteryVolts);
  p.writeUInt16BE(pulses % 65536, 1);
  return netvoxReport(NETVOX_TYPES.r718h, 0x01, p);
}

/** R718N3 report 1: battery, three currents (mA, uint16) and multiplier 1. */
export function encodeR718n3Currents(batteryVolts: number, currentsMa: [number, number, number], multiplier1 = 1): Buffer {
  const p = Buffer.alloc(8);
  p[0] = volts(batteryVolts);
  currentsMa.forEach((mA, i) => p.writeUInt16BE(Math.min(65535, Math.max(0, Math.round(mA))), 1 + i * 2));
  p[7] = multiplier1;
  return netvoxReport(NETVOX_TYPES.r718n3, 0x01, p);
}

/** R718N3 report 2: battery, multipliers 2 and 3. */
export function encodeR718n3Multipliers(batteryVolts: number, multiplier2: number, multiplier3: number): Buffer {
  return netvoxReport(NETVOX_TYPES.r718n3, 0x02, [volts(batteryVolts), multiplier2, multiplier3]);
}

/** RA0715 report 0x07: CO2 (ppm, tenths), NH3 and noise absent (0xFFFF: no sensor). */
export function encodeRa07Co2(supplyVolts: number, co2ppm: number): Buffer {
  const p = Buffer.alloc(7, 0xff);
  p[0] = volts(supplyVolts);
  p.writeUInt16BE(Math.min(65534, Math.round(co2ppm * 10)), 1);
  return netvoxReport(NETVOX_TYPES.ra0715, 0x07, p);
}

/** RA0715 report 0x0C: temperature (°C, int16 hundredths), humidity (%, hundredths), wind speed absent. */
export function encodeRa07TemperatureHumidity(supplyVolts: number, celsius: number, humidity: number): Buffer {
  const p = Buffer.alloc(7, 0xff);
  p[0] = volts(supplyVolts);
  p.writeInt16BE(Math.round(celsius * 100), 1);
  p.writeUInt16BE(Math.round(humidity * 100), 3);
  return netvoxReport(NETVOX_TYPES.ra0715, 0x0c, p);
}

/** R831C status report: the three relays (1 = on). */
export function encodeR831cStatus(relays: boolean[]): Buffer {
  return netvoxReport(NETVOX_TYPES.r831c, 0x01, [0, 1, 2].map((i) => (relays[i] ? 1 : 0)));
}

const report = (bytes: Buffer): Frame => ({ fPort: NETVOX_REPORT_PORT, bytes });

/** Splits a three-phase load (W) into the currents (mA) of the clamp's three channels. */
function currents(watts: number): [number, number, number] {
  const amps = watts / 230;
  return [amps * 500, amps * 300, amps * 200];
}

const r831c: CommandableEncoder = {
  model: 'netvox-r831c',
  fidelity: 'genuine',
  deviceClass: 'C',
  encodeUplink: (s) => report(encodeR831cStatus(s.lighting.relays)),
  applyDownlink(state: DeviceState, fPort: number, bytes: Buffer): DownlinkOutcome {
    if (fPort !== NETVOX_COMMAND_PORT) return notApplied(`R831C commands go on fPort ${NETVOX_COMMAND_PORT}, not ${fPort}`);
    if (bytes.length < 2 || bytes[1] !== NETVOX_TYPES.r831c) {
      return notApplied(`not an R831C command (the second byte must be the device type 0xad)`);
    }
    const status = (s: DeviceState) => report(encodeR831cStatus(s.lighting.relays));
    const cmd = bytes[0];
    if (cmd === 0x94) return { applied: true, description: 'read current status', answers: [status] };
    if (cmd !== 0x90 && cmd !== 0x91 && cmd !== 0x92) return notApplied(`R831C command 0x${cmd.toString(16).padStart(2, '0')} is not simulated`);
    const mask = bytes[2] ?? 0;
    if ((mask & 0x07) === 0) return notApplied('no relay selected (channel mask 0)');
    const relays = state.lighting.relays.map((on, i) => {
      if (!(mask & (1 << i))) return on;
      return cmd === 0x90 ? false : cmd === 0x91 ? true : !on;
    });
    setLightingOverride(state, { relays });
    const verb = cmd === 0x90 ? 'off' : cmd === 0x91 ? 'on' : 'toggle';
    const which = [0, 1, 2].filter((i) => mask & (1 << i)).map((i) => i + 1).join(', ');
    return { applied: true, description: `relay ${which} ${verb}`, answers: [status] };
  },
};

export const netvoxEncoders: FrameEncoder[] = [
  {
    model: 'netvox-r718h',
    fidelity: 'genuine',
    encodeUplink: (s) => report(encodeR718hStatus(s.batteryVoltage, pulseCount(s))),
  },
  {
    model: 'netvox-r718n3',
    fidelity: 'genuine',
    encodeUplink: (s) => report(s.uplinks % 4 === 3
      ? encodeR718n3Multipliers(s.batteryVoltage, 1, 1)
      : encodeR718n3Currents(s.batteryVoltage, currents(s.rate), 1)),
  },
  {
    model: 'netvox-ra0715',
    fidelity: 'genuine',
    encodeUplink: (s) => report(s.uplinks % 2 === 0
      ? encodeRa07Co2(12, s.comfort.co2)
      : encodeRa07TemperatureHumidity(12, s.comfort.temperature, s.comfort.humidity)),
  },
  r831c,
];
