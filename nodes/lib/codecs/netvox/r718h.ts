/**
 * Netvox R718H (pulse counter interface, S0 / reed contact), device type 0x1F.
 *
 * Documentation: https://www.manualslib.com/manual/1857004/Netvox-R718h.html (section 5 "Data
 * Report", section 6 "Filtering time"); common frame layout in ./engine.ts.
 *
 * Covers: version report (0x00), status report 0x01 `[battery, pulse count u16 BE]` → pulse_count
 * (index, raw pulses: enrichment applies the meter's weight; the counter rolls over at 65,536, or is
 * cleared after each report when the device's clear mode says so, which `meter-index` handles as a
 * reset); fPort 7 responses 0x81/0x82 (MinTime, MaxTime, BatteryChange 0.1 V), 0x83/0x84 filter time
 * (unit 5 ms), 0x85/0x86 pulse-counter clear mode (0x01 = clear when roll-over).
 *
 * Commands (`encode`, fPort 7, 11 bytes):
 * - `{ type: 'configReport', minTime: s, maxTime: s, batteryChange: V (multiple of 0.1) }` → 0x01
 * - `{ type: 'readConfigReport' }` → 0x02
 * - `{ type: 'setFilterTime', milliseconds: multiple of 5, 5…1275 }` → 0x03
 * - `{ type: 'getFilterTime' }` → 0x04
 * - `{ type: 'setPulseCounterClearMode', mode: 0…255 }` (1 = clear when roll-over) → 0x05
 * - `{ type: 'getPulseCounterClearMode' }` → 0x06
 */
import { netvoxCodec, NetvoxModel, readBattery, scaledField, unknownReport } from './engine';

export const R718H_DEVICE_TYPE = 0x1f;

const spec: NetvoxModel = {
  model: 'netvox-r718h',
  name: 'Netvox R718H',
  aliases: ['R718H'],
  documentation: 'https://www.manualslib.com/manual/1857004/Netvox-R718h.html',
  deviceTypes: [R718H_DEVICE_TYPE],
  quantities: [{ quantity: 'pulse_count', unit: '1', kind: 'index' }],
  report(reportType, r, out) {
    if (reportType !== 0x01) throw unknownReport(r, reportType);
    out.info.frame = 'status';
    readBattery(r, out);
    out.measurements.push({ quantity: 'pulse_count', value: r.u16be('pulse count'), unit: '1', kind: 'index' });
  },
  readConfigTail(r, info) {
    info.batteryChange = r.u8('BatteryChange') / 10;
  },
  configTail(command, bytes, fail) {
    bytes[6] = scaledField(command, 'batteryChange', 10, 255, fail);
  },
  response(cmdId, r, info) {
    switch (cmdId) {
      case 0x83: info.frame = 'set-filter-time-response'; info.success = r.u8('status') === 0; return true;
      case 0x84: info.frame = 'get-filter-time-response'; info.filterTimeMs = r.u8('FilterTime') * 5; return true;
      case 0x85: info.frame = 'set-pulse-counter-clear-mode-response'; info.success = r.u8('status') === 0; return true;
      case 0x86: {
        info.frame = 'get-pulse-counter-clear-mode-response';
        const mode = r.u8('PulseCounterClearMode');
        info.pulseCounterClearMode = mode;
        if (mode === 1) info.pulseCounterClearModeName = 'clear_when_roll_over';
        return true;
      }
      default: return false;
    }
  },
  command(type, command, bytes, fail) {
    switch (type) {
      case 'setFilterTime': {
        bytes[0] = 0x03;
        const code = scaledField(command, 'milliseconds', 1 / 5, 255, fail);
        if (code === 0) fail('milliseconds must be at least 5');
        bytes[2] = code;
        return true;
      }
      case 'getFilterTime': bytes[0] = 0x04; return true;
      case 'setPulseCounterClearMode': {
        bytes[0] = 0x05;
        const mode = command.mode;
        if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 255) fail('mode must be an integer from 0 to 255');
        bytes[2] = mode as number;
        return true;
      }
      case 'getPulseCounterClearMode': bytes[0] = 0x06; return true;
      default: return false;
    }
  },
};

export const r718h = netvoxCodec(spec);
