/**
 * Netvox R831C (wireless multifunctional control box: 3 relays, 3 button / dry-contact inputs that
 * drive the relays directly), device type 0xAD, LoRaWAN class C, mains powered.
 *
 * Documentation: https://manualspro.net/555304-netvox-r831c-wireless-multifunctional-control-box-user-manual
 * (section "Data Report"; the relay-command mask is the one of the R831D manual,
 * https://manualshive.com/en/manual/netvox/r831d/1675291?page=9 : bit 0 = relay 1, bit 1 = relay 2,
 * bit 2 = relay 3); common frame layout in ./engine.ts.
 *
 * Covers: version report 0x00; status report 0x01 `[relay 1, relay 2, relay 3]` (0x01 = on/closed) →
 * `relay_state` channels `relay1`…`relay3` (the R831C reports no input state: its inputs act on the
 * relays); fPort 7 responses 0x81/0x82 (MinTime, MaxTime), 0x83 SetSwitchTypeRsp, 0x84 GetSwitchTypeRsp
 * (0x00 toggle, 0x01 momentary).
 *
 * Commands (`encode`, fPort 7, 11 bytes):
 * - `{ type: 'off' | 'on' | 'toggle', relays: [1, 3] }` (relay numbers 1–3) or `{ …, mask: 1…7 }` → 0x90 / 0x91 / 0x92
 * - `{ type: 'readStatus' }` → 0x94 (the device answers with a status report)
 * - `{ type: 'setSwitchType', switchType: 'toggle' | 'momentary' }` → 0x03; `{ type: 'getSwitchType' }` → 0x04
 * - `{ type: 'configReport', minTime: s, maxTime: s }` → 0x01; `{ type: 'readConfigReport' }` → 0x02
 */
import { netvoxCodec, NetvoxModel, unknownReport } from './engine';

export const R831C_DEVICE_TYPE = 0xad;
export const R831C_RELAYS = ['relay1', 'relay2', 'relay3'] as const;

const SWITCH_TYPES = ['toggle', 'momentary'] as const;

function relayMask(command: Record<string, unknown>, fail: (detail: string) => never): number {
  if (command.mask !== undefined) {
    const mask = command.mask;
    if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < 1 || mask > 7) fail('mask must be an integer from 1 to 7 (bit 0 = relay 1)');
    return mask as number;
  }
  const relays = command.relays;
  if (!Array.isArray(relays) || relays.length === 0) fail('give "relays" (relay numbers 1 to 3) or "mask"');
  let mask = 0;
  for (const relay of relays as unknown[]) {
    if (relay !== 1 && relay !== 2 && relay !== 3) fail('relay numbers go from 1 to 3');
    mask |= 1 << ((relay as number) - 1);
  }
  return mask;
}

const spec: NetvoxModel = {
  model: 'netvox-r831c',
  name: 'Netvox R831C',
  aliases: ['R831C'],
  documentation: 'https://manualspro.net/555304-netvox-r831c-wireless-multifunctional-control-box-user-manual',
  deviceTypes: [R831C_DEVICE_TYPE],
  quantities: [{ quantity: 'relay_state', unit: '1', kind: 'instant', channels: [...R831C_RELAYS] }],
  report(reportType, r, out) {
    if (reportType !== 0x01) throw unknownReport(r, reportType);
    out.info.frame = 'status';
    for (let i = 0; i < 3; i++) {
      const at = r.offset;
      const state = r.u8(`relay ${i + 1} state`);
      if (state > 1) throw r.error('invalid-value', `relay ${i + 1} state 0x${state.toString(16)} is neither 0 nor 1`, at);
      out.measurements.push({ quantity: 'relay_state', value: state, unit: '1', kind: 'instant', channel: R831C_RELAYS[i] });
    }
  },
  response(cmdId, r, info) {
    if (cmdId === 0x83) {
      info.frame = 'set-switch-type-response';
      info.success = r.u8('status') === 0;
      return true;
    }
    if (cmdId === 0x84) {
      info.frame = 'get-switch-type-response';
      const t = r.u8('switch type');
      info.switchType = t < SWITCH_TYPES.length ? SWITCH_TYPES[t] : t;
      return true;
    }
    return false;
  },
  command(type, command, bytes, fail) {
    switch (type) {
      case 'off': bytes[0] = 0x90; bytes[2] = relayMask(command, fail); return true;
      case 'on': bytes[0] = 0x91; bytes[2] = relayMask(command, fail); return true;
      case 'toggle': bytes[0] = 0x92; bytes[2] = relayMask(command, fail); return true;
      case 'readStatus': bytes[0] = 0x94; return true;
      case 'setSwitchType': {
        const t = SWITCH_TYPES.indexOf(command.switchType as (typeof SWITCH_TYPES)[number]);
        if (t < 0) fail('switchType must be "toggle" or "momentary"');
        bytes[0] = 0x03;
        bytes[2] = t;
        return true;
      }
      case 'getSwitchType': bytes[0] = 0x04; return true;
      default: return false;
    }
  },
};

export const r831c = netvoxCodec(spec);
