/**
 * Milesight WS558 (smart light controller: 8 switched outputs L1…L8 and metering), mains powered,
 * LoRaWAN class C; in this package a lighting-cabinet relay box.
 *
 * Documentation: https://github.com/Milesight-IoT/SensorDecoders/blob/main/ws-series/ws558/README.md
 * (uplink channel table); downlinks from devices.md §6 (vendor encoder and user guide
 * https://manuals.plus/milesight/ws558-smart-light-controller-manual ); TLV engine in ./engine.ts.
 *
 * Uplinks (fPort 85): `03 74` voltage (u16 LE, 0.1 V) → voltage V; `04 80` active power (u32 LE, W)
 * → active_power W; `05 81` power factor (u8 %) → power_factor (ratio 0..1); `06 83` energy (u32 LE,
 * Wh) → active_energy Wh (index); `07 C9` current (u16 LE, mA) → current A; `08 31` switches
 * (byte 1: changed mask, byte 2: states, bit i = L(i+1), 1 = on as the vendor decoder reads it) →
 * relay_state channels `switch1`…`switch8` (all eight, every time), the changed ones in
 * `info.switchesChanged`; plus the common attribute records of ./engine.ts.
 *
 * Commands (`encode`, fPort 85):
 * - `{ type: 'setSwitches', on?: number[], off?: number[] }` (switch numbers 1–8) → `08 <mask> <state>`
 *   (L1 on: `08 01 01`; all off: `08 FF 00`)
 * - `{ type: 'delayedTask', taskId: 0–255, delaySeconds: 0–65535, on?: number[], off?: number[] }` →
 *   `FF 32 <task id> <delay u16 LE> <mask> <state>`
 * - `{ type: 'cancelDelayedTask', taskId: 0–255 }` → `FF 23 <task id> FF`
 * - `{ type: 'setReportInterval', seconds: 1–65535 }` → `FF 03 <u16 LE>`
 * - `{ type: 'reboot' }` → `FF 10 FF`; `{ type: 'readStatus' }` → `FF 28 FF`
 * - `{ type: 'setMetering', enabled: boolean }` → `FF 26 01|00`; `{ type: 'clearEnergy' }` → `FF 27 FF`
 */
import { DecodeError, DeviceCodec, EncodedDownlink } from '../types';
import { decodeMilesight, MILESIGHT_PORT } from './engine';

const MODEL = 'milesight-ws558';

export const WS558_SWITCHES = ['switch1', 'switch2', 'switch3', 'switch4', 'switch5', 'switch6', 'switch7', 'switch8'] as const;

function fail(detail: string): never {
  throw new DecodeError('bad-command', MODEL, MILESIGHT_PORT, 0, detail);
}

function int(command: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = command[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer from ${min} to ${max}`);
  return v as number;
}

/** The mask and state bytes of `on` / `off` switch lists. */
function switches(command: Record<string, unknown>): [number, number] {
  let mask = 0;
  let state = 0;
  for (const [name, on] of [['on', true], ['off', false]] as const) {
    const list = command[name];
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(`"${name}" must be a list of switch numbers 1 to 8`);
    for (const n of list as unknown[]) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 8) fail(`switch numbers go from 1 to 8 (got ${String(n)} in "${name}")`);
      const bit = 1 << ((n as number) - 1);
      if (mask & bit) fail(`switch ${String(n)} is named twice`);
      mask |= bit;
      if (on) state |= bit;
    }
  }
  if (mask === 0) fail('name at least one switch in "on" or "off"');
  return [mask, state];
}

function encode(command: Record<string, unknown>): EncodedDownlink {
  if (command === null || typeof command !== 'object') fail('a command is an object with a "type"');
  let bytes: number[];
  switch (command.type) {
    case 'setSwitches': bytes = [0x08, ...switches(command)]; break;
    case 'delayedTask': {
      const id = int(command, 'taskId', 0, 255);
      const delay = int(command, 'delaySeconds', 0, 65535);
      bytes = [0xff, 0x32, id, delay & 0xff, delay >> 8, ...switches(command)];
      break;
    }
    case 'cancelDelayedTask': bytes = [0xff, 0x23, int(command, 'taskId', 0, 255), 0xff]; break;
    case 'setReportInterval': {
      const s = int(command, 'seconds', 1, 65535);
      bytes = [0xff, 0x03, s & 0xff, s >> 8];
      break;
    }
    case 'reboot': bytes = [0xff, 0x10, 0xff]; break;
    case 'readStatus': bytes = [0xff, 0x28, 0xff]; break;
    case 'setMetering':
      if (typeof command.enabled !== 'boolean') fail('"enabled" must be true or false');
      bytes = [0xff, 0x26, command.enabled ? 0x01 : 0x00];
      break;
    case 'clearEnergy': bytes = [0xff, 0x27, 0xff]; break;
    default: fail(`unknown command type "${String(command.type)}"`);
  }
  return { fPort: MILESIGHT_PORT, bytes: Uint8Array.from(bytes) };
}

export const ws558: DeviceCodec = {
  model: MODEL,
  vendor: 'milesight',
  name: 'Milesight WS558',
  aliases: ['WS558', 'WS558-LN'],
  documentation: 'https://github.com/Milesight-IoT/SensorDecoders/blob/main/ws-series/ws558/README.md',
  quantities: [
    { quantity: 'voltage', unit: 'V', kind: 'instant' },
    { quantity: 'active_power', unit: 'W', kind: 'instant' },
    { quantity: 'power_factor', unit: '1', kind: 'instant' },
    { quantity: 'active_energy', unit: 'Wh', kind: 'index' },
    { quantity: 'current', unit: 'A', kind: 'instant' },
    { quantity: 'relay_state', unit: '1', kind: 'instant', channels: [...WS558_SWITCHES] },
  ],
  decode: (input) => decodeMilesight(MODEL, input, (id, type, r, out) => {
    switch ((id << 8) | type) {
      case 0x0374: out.measurements.push({ quantity: 'voltage', value: r.u16le('voltage') / 10, unit: 'V', kind: 'instant' }); return true;
      case 0x0480: out.measurements.push({ quantity: 'active_power', value: r.u32le('active power'), unit: 'W', kind: 'instant' }); return true;
      case 0x0581: {
        const pf = r.u8('power factor');
        if (pf > 100) throw r.error('invalid-value', `power factor ${pf} % is over 100`, r.offset - 1);
        out.measurements.push({ quantity: 'power_factor', value: pf / 100, unit: '1', kind: 'instant' });
        return true;
      }
      case 0x0683: out.measurements.push({ quantity: 'active_energy', value: r.u32le('energy'), unit: 'Wh', kind: 'index' }); return true;
      case 0x07c9: out.measurements.push({ quantity: 'current', value: r.u16le('current') / 1000, unit: 'A', kind: 'instant' }); return true;
      case 0x0831: {
        const changed = r.u8('switch change mask');
        const states = r.u8('switch states');
        const changedList: string[] = [];
        for (let i = 0; i < 8; i++) {
          out.measurements.push({ quantity: 'relay_state', value: (states >> i) & 1, unit: '1', kind: 'instant', channel: WS558_SWITCHES[i] });
          if ((changed >> i) & 1) changedList.push(WS558_SWITCHES[i]);
        }
        out.info.switchesChanged = changedList;
        return true;
      }
      default: return false;
    }
  }),
  encode,
};
