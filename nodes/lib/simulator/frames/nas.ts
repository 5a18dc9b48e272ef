/**
 * NAS UL20xx luminaire controller, firmware 1.1.x (devices.md §6, lighting.md §3; layout from the MIT
 * nas-codecs decoder). Integers are little-endian, bit fields are read from the least significant bit.
 *
 * GENUINE, checked byte for byte against the nas-codecs test vectors quoted in devices.md:
 * - fPort 23 status: header 0x01, device time, status bits (bit 7: internal relay closed), downlink
 *   RSSI/SNR, MCU temperature, 24-h alerts, sensor sources, then per address
 *   `address, reason, dimming level, DALI status` (bit 2: lamp on);
 * - fPort 26 usage: header 0x00, then per address a field mask and the fields (energy Wh, power W,
 *   power factor, mains voltage, driver operating time s, lamp-on time s).
 * The simulated controller drives one luminaire on the DALI broadcast address; it sends status and
 * usage alternately.
 * Lamp-failure scenario: the status reports the schedule's reason and the internal relay closed (the
 * light is commanded on), but light output 0, DALI status `lamp_failure` (bit 1, lamp-on bit clear)
 * and the 24-h lamp-error alert (bit 5); the usage reports the driver's standby power (≈ 0 W, power
 * factor unknown) and a lamp-on time that no longer grows. When the failure starts, the controller
 * sends once the fPort 61 DALI driver alert `83 20 FE 02` (header 0x83, length 2, broadcast address,
 * status bit 1 lamp_failure), the layout of the nas-codecs test vector `83 20 02 02`.
 * Commands on fPort 60: `01 (addr level)+` dims (level 0xFF = resume the schedule), `09 (addr level
 * minutes)+` dims for a while, `05 <bits>` asks for status (bit 1) and/or usage (bit 0). The answer is
 * the status (and/or usage) the device reports after applying it.
 */
import { DeviceState, LightingSource, resumeLighting, setLightingOverride } from '../state';
import { CommandableEncoder, DownlinkOutcome, Frame, notApplied, u32 } from './types';

export const NAS_STATUS_PORT = 23;
export const NAS_USAGE_PORT = 26;
export const NAS_COMMAND_PORT = 60;
export const NAS_ALERT_PORT = 61;
/** DALI status bits. */
export const DALI_LAMP_FAILURE = 0x02;
export const DALI_LAMP_ON = 0x04;
/** 24-h alert bit: lamp error. */
export const NAS_ALERT_LAMP_ERROR = 0x20;
export const NAS_BROADCAST = 0xfe;

/** NAS reason codes of a dimming source. */
export const NAS_REASONS: Record<LightingSource, number> = {
  'night-cut': 0x00, // profile_0: the night cut is a step of dimming profile 0
  day: 0x21, // calendar_day
  night: 0x50, // calendar_dusk_step
  manual: 0xfd, // manual_active
  'day-burner': 0xfa, // ldr_input_active: a faulty light sensor keeps the lamp on
};

export interface NasDimmingSource {
  address: number;
  reason: number;
  level: number;
  daliStatus: number;
}

export interface NasStatus {
  /** Device time, unix seconds. */
  epoch: number;
  /** Bit 1 DALI connection error, bit 5 metering error, bit 6 RTC warning, bit 7 internal relay closed. */
  statusBits: number;
  /** Bit 2 open-drain output on, bit 6 Lumalink connected, bit 7 connected after boot. */
  statusBits2: number;
  /** Downlink RSSI as a positive number (-50 dBm → 50). */
  downlinkRssi: number;
  downlinkSnr: number;
  mcuTemperature: number;
  /** Bit 4 voltage, bit 5 lamp error, bit 6 power, bit 7 power factor alert in the last 24 h. */
  alerts: number;
  /** Raw sensor-source records (header + value), preceded in the frame by their length. */
  sensorSources: number[];
  dimming: NasDimmingSource[];
}

export function encodeNasStatus(s: NasStatus): Buffer {
  const head = Buffer.alloc(11);
  head[0] = 0x01;
  head.writeUInt32LE(u32(s.epoch), 1);
  head[5] = s.statusBits & 0xff;
  head[6] = s.statusBits2 & 0xff;
  head[7] = Math.min(255, Math.max(0, Math.round(s.downlinkRssi)));
  head.writeInt8(Math.max(-128, Math.min(127, Math.round(s.downlinkSnr))), 8);
  head.writeInt8(Math.max(-128, Math.min(127, Math.round(s.mcuTemperature))), 9);
  head[10] = s.alerts & 0xff;
  const sources = Buffer.from([s.sensorSources.length, ...s.sensorSources]);
  const dimming = Buffer.from(s.dimming.flatMap((d) => [d.address, d.reason, d.level, d.daliStatus]));
  return Buffer.concat([head, sources, dimming]);
}

export interface NasUsageEntry {
  /** 0xFF: the controller's internal measurement; otherwise a DALI address. */
  address: number;
  activeEnergyWh?: number;
  activePowerW?: number;
  loadSideEnergyWh?: number;
  loadSidePowerW?: number;
  /** 0–1; `null` is sent as 0xFF (unknown). */
  powerFactor?: number | null;
  mainsVoltage?: number;
  driverOperatingTimeS?: number;
  lampOnTimeS?: number;
}

export function encodeNasUsage(entries: NasUsageEntry[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x00])];
  for (const e of entries) {
    let mask = 0;
    const fields: Buffer[] = [];
    const u32le = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(u32(v)); return b; };
    const u16le = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(Math.min(65535, Math.max(0, Math.round(v)))); return b; };
    if (e.activeEnergyWh !== undefined) { mask |= 0x01; fields.push(u32le(e.activeEnergyWh)); }
    if (e.activePowerW !== undefined) { mask |= 0x02; fields.push(u16le(e.activePowerW)); }
    if (e.loadSideEnergyWh !== undefined) { mask |= 0x04; fields.push(u32le(e.loadSideEnergyWh)); }
    if (e.loadSidePowerW !== undefined) { mask |= 0x08; fields.push(u16le(e.loadSidePowerW)); }
    if (e.powerFactor !== undefined) { mask |= 0x10; fields.push(Buffer.from([e.powerFactor === null ? 0xff : Math.round(e.powerFactor * 100)])); }
    if (e.mainsVoltage !== undefined) { mask |= 0x20; fields.push(Buffer.from([Math.round(e.mainsVoltage) & 0xff])); }
    if (e.driverOperatingTimeS !== undefined) { mask |= 0x40; fields.push(u32le(e.driverOperatingTimeS)); }
    if (e.lampOnTimeS !== undefined) { mask |= 0x80; fields.push(u32le(e.lampOnTimeS)); }
    parts.push(Buffer.from([e.address, mask]), ...fields);
  }
  return Buffer.concat(parts);
}

/** fPort 61 DALI driver alert: header 0x83, length nibble, then (address, DALI status) pairs. */
export function encodeNasDaliAlert(drivers: Array<{ address: number; daliStatus: number }>): Buffer {
  return Buffer.from([0x83, (drivers.length * 2) << 4, ...drivers.flatMap((d) => [d.address, d.daliStatus])]);
}

export function nasDaliAlertFrame(s: DeviceState): Frame {
  return { fPort: NAS_ALERT_PORT, bytes: encodeNasDaliAlert([{ address: NAS_BROADCAST, daliStatus: s.scenarios.has('lamp-failure') ? DALI_LAMP_FAILURE : 0 }]) };
}

export function nasStatusFrame(s: DeviceState): Frame {
  const light = s.lighting;
  const on = light.level > 0;
  const failed = s.scenarios.has('lamp-failure');
  return {
    fPort: NAS_STATUS_PORT,
    bytes: encodeNasStatus({
      epoch: Math.floor(s.time / 1000),
      statusBits: on ? 0x80 : 0x00,
      statusBits2: 0x00,
      downlinkRssi: -Math.min(-1, s.link.rssi),
      downlinkSnr: s.link.snr,
      mcuTemperature: 18 + (s.uplinks % 7),
      alerts: failed ? NAS_ALERT_LAMP_ERROR : 0x00,
      sensorSources: [],
      dimming: [{
        address: NAS_BROADCAST,
        reason: NAS_REASONS[light.source],
        level: failed ? 0 : light.level,
        daliStatus: failed ? DALI_LAMP_FAILURE : on ? DALI_LAMP_ON : 0x00,
      }],
    }),
  };
}

export function nasUsageFrame(s: DeviceState): Frame {
  const on = s.lighting.level > 0 && !s.scenarios.has('lamp-failure');
  return {
    fPort: NAS_USAGE_PORT,
    bytes: encodeNasUsage([{
      address: 0xff,
      activeEnergyWh: s.index,
      activePowerW: s.rate,
      powerFactor: on ? 0.95 : null,
      mainsVoltage: s.lighting.voltage,
      driverOperatingTimeS: s.lighting.operatingSeconds,
      lampOnTimeS: s.lighting.lampOnSeconds,
    }]),
  };
}

function applyLevels(state: DeviceState, bytes: Buffer, width: 2 | 3): DownlinkOutcome {
  const body = bytes.subarray(1);
  if (body.length === 0 || body.length % width !== 0) {
    return notApplied(`malformed dimming command ${bytes.toString('hex')} (expected ${width === 2 ? 'address, level' : 'address, level, minutes'} after the header)`);
  }
  // The simulated controller has one luminaire: the last entry wins, whatever its address.
  const last = body.subarray(body.length - width);
  const level = last[1];
  if (level === 0xff) {
    resumeLighting(state);
    return { applied: true, description: 'resume the schedule', answers: [nasStatusFrame] };
  }
  if (level > 100) return notApplied(`dimming level ${level} is out of range (0–100, or 255 to resume)`);
  const minutes = width === 3 ? last[2] : undefined;
  setLightingOverride(state, { level, until: minutes ? state.virtualTime + minutes * 60_000 : undefined });
  return { applied: true, description: `dim to ${level} %${minutes ? ` for ${minutes} min` : ''}`, answers: [nasStatusFrame] };
}

/** Configuration downlinks and their echo (FW 1.1.x). */
const NAS_CONFIG_PORT = 50;

export const nasUl20xx: CommandableEncoder = {
  model: 'nas-ul20xx',
  fidelity: 'genuine',
  deviceClass: 'C',
  encodeUplink: (s) => (s.uplinks % 2 === 0 ? nasStatusFrame(s) : nasUsageFrame(s)),
  scenarioFrames: (s, scenario) => (scenario === 'lamp-failure' ? [nasDaliAlertFrame(s)] : []),
  applyDownlink(state: DeviceState, fPort: number, bytes: Buffer): DownlinkOutcome {
    // Configuration (profiles, astro clock, holidays, time): the device echoes what it accepted on the
    // same port (devices.md §6); the simulated luminaire keeps following the simulator's own schedule.
    if (fPort === NAS_CONFIG_PORT) {
      const echo = Buffer.from(bytes);
      return { applied: true, description: `configuration ${echo.toString('hex')} accepted (echoed)`, answers: [() => ({ fPort: NAS_CONFIG_PORT, bytes: echo })] };
    }
    if (fPort !== NAS_COMMAND_PORT) return notApplied(`NAS commands on fPort ${fPort} are not simulated (fPort ${NAS_COMMAND_PORT} commands and fPort ${NAS_CONFIG_PORT} configuration are)`);
    switch (bytes[0]) {
      case 0x01: return applyLevels(state, bytes, 2);
      case 0x09: return applyLevels(state, bytes, 3);
      case 0x05: {
        const bits = bytes[1] ?? 0;
        const answers = [...(bits & 0x02 ? [nasStatusFrame] : []), ...(bits & 0x01 ? [nasUsageFrame] : [])];
        if (answers.length === 0) return notApplied('status request asks for neither status nor usage');
        return { applied: true, description: `request ${bits & 0x02 ? 'status' : ''}${bits === 0x03 ? ' and ' : ''}${bits & 0x01 ? 'usage' : ''}`, answers };
      }
      default:
        return notApplied(`NAS command ${bytes.toString('hex') || '(empty)'} is not simulated`);
    }
  },
};
