/**
 * Watteco (nke Watteco) devices: ZCL-like "standard reports" on fPort 125 (devices.md §2):
 * `frame-control, 0x0A (report), cluster id (u16 BE), attribute id (u16 BE), ZCL type, value`.
 * The frame-control byte carries the endpoint (0x11: endpoint 0, 0x71: endpoint 3).
 *
 * GENUINE, checked byte for byte against the vendor examples (TTN lorawan-devices, vendor/watteco):
 * - TIC'SO: TIC "CBE/Historique" report (cluster 0x0054) with the BASE index in Wh;
 * - Triphas'O: energy and power report (cluster 0x800A) of the three phases together (endpoint 3);
 * - Pulse Sens'O and Pulse Sens'O ATEX: pulse counter of input 1 (cluster 0x000F, attribute 0x0402);
 * - Vaqa'O Lite: temperature (cluster 0x0402) and humidity (cluster 0x0405), alternately.
 * Not simulated: batch (compressed) reports, alarms, the Vaqa'O CO2 report (no vendor example).
 */
import { DeviceState, pulseCount } from '../state';
import { Frame, FrameEncoder, u32 } from './types';

export const WATTECO_PORT = 125;

function report(frameControl: number, cluster: number, attribute: number, type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(7);
  head[0] = frameControl;
  head[1] = 0x0a;
  head.writeUInt16BE(cluster, 2);
  head.writeUInt16BE(attribute, 4);
  head[6] = type;
  return Buffer.concat([head, value]);
}

/** TIC "CBE/Historique" report holding only the BASE index (Wh): descriptor bit 6 set. */
export function encodeTicCbeBase(baseWh: number): Buffer {
  const value = Buffer.alloc(13);
  value[0] = 12; // octet string length: 8-byte field descriptor + 4-byte BASE
  value[8] = 0x40; // descriptor, last byte: field 6 (BASE)
  value.writeUInt32BE(u32(baseWh), 9);
  return report(0x11, 0x0054, 0x0000, 0x41, value);
}

export interface TriphasoEnergy {
  positiveActiveEnergyWh: number;
  negativeActiveEnergyWh: number;
  positiveReactiveEnergyVarh: number;
  negativeReactiveEnergyVarh: number;
  positiveActivePowerW: number;
  negativeActivePowerW: number;
  positiveReactivePowerVar: number;
  negativeReactivePowerVar: number;
}

/** Triphas'O energy and power report of the three phases together (endpoint 3, cluster 0x800A). */
export function encodeTriphasoEnergy(e: TriphasoEnergy): Buffer {
  const values = [
    e.positiveActiveEnergyWh, e.negativeActiveEnergyWh, e.positiveReactiveEnergyVarh, e.negativeReactiveEnergyVarh,
    e.positiveActivePowerW, e.negativeActivePowerW, e.positiveReactivePowerVar, e.negativeReactivePowerVar,
  ];
  const value = Buffer.alloc(1 + values.length * 4);
  value[0] = values.length * 4;
  values.forEach((v, i) => value.writeUInt32BE(u32(v), 1 + i * 4));
  return report(0x71, 0x800a, 0x0000, 0x41, value);
}

/** Pulse counter of input 1 (uint32). */
export function encodePulseIndex(pulses: number): Buffer {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(u32(pulses));
  return report(0x11, 0x000f, 0x0402, 0x23, value);
}

/** Temperature in °C (int16, hundredths). */
export function encodeTemperature(celsius: number): Buffer {
  const value = Buffer.alloc(2);
  value.writeInt16BE(Math.round(celsius * 100));
  return report(0x11, 0x0402, 0x0000, 0x29, value);
}

/** Relative humidity in % (uint16, hundredths). */
export function encodeHumidity(percent: number): Buffer {
  const value = Buffer.alloc(2);
  value.writeUInt16BE(Math.round(percent * 100));
  return report(0x11, 0x0405, 0x0000, 0x21, value);
}

const frame = (bytes: Buffer): Frame => ({ fPort: WATTECO_PORT, bytes });

export const wattecoEncoders: FrameEncoder[] = [
  {
    model: 'watteco-ticso',
    fidelity: 'genuine',
    encodeUplink: (s: DeviceState) => frame(encodeTicCbeBase(s.index)),
  },
  {
    model: 'watteco-triphaso',
    fidelity: 'genuine',
    encodeUplink: (s: DeviceState) => frame(encodeTriphasoEnergy({
      positiveActiveEnergyWh: s.index,
      negativeActiveEnergyWh: 0,
      positiveReactiveEnergyVarh: s.index * 0.18,
      negativeReactiveEnergyVarh: s.index * 0.02,
      positiveActivePowerW: s.rate,
      negativeActivePowerW: 0,
      positiveReactivePowerVar: s.rate * 0.2,
      negativeReactivePowerVar: 0,
    })),
  },
  {
    model: 'watteco-pulse-senso',
    fidelity: 'genuine',
    encodeUplink: (s: DeviceState) => frame(encodePulseIndex(pulseCount(s))),
  },
  {
    model: 'watteco-pulse-senso-atex',
    fidelity: 'genuine',
    encodeUplink: (s: DeviceState) => frame(encodePulseIndex(pulseCount(s))),
  },
  {
    model: 'watteco-vaqao-lite',
    fidelity: 'genuine',
    encodeUplink: (s: DeviceState) => frame(s.uplinks % 2 === 0 ? encodeTemperature(s.comfort.temperature) : encodeHumidity(s.comfort.humidity)),
  },
];
