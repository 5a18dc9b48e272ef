/**
 * Netvox R718N3 (three-phase current meter, 3 CT clamps), device type 0x4A.
 *
 * Documentation: https://www.manualslib.com/manual/3238367/Netvox-R718n3-E-Series.html?page=7
 * (section 5.1 "Example of ReportDataCmd"); common frame layout in ./engine.ts.
 *
 * Covers, on fPort 6:
 * - 0x00 version report;
 * - 0x01 `[battery, current1, current2, current3 (u16 BE mA), multiplier1]`;
 * - 0x02 `[battery, multiplier2, multiplier3]` (configuration only: measurements []);
 * - 0x03 `[battery, current1, current2, current3, packed multipliers]` (bits 0–1, 2–3, 4–5 for phases
 *   1–3; codes 0, 1, 2, 3 → ×1, ×5, ×10, ×100);
 * - 0x04 `[battery, threshold alarms]` (bit 0/1 low/high current 1, bits 2/3 phase 2, bits 4/5 phase 3).
 * The real current is `current × multiplier` mA → `current` A per phase channel `phase_a`…`phase_c` (the naming of the Watteco codecs). Report
 * 0x01 carries only multiplier 1: phases 2 and 3 are decoded with multiplier 1 (the device raises it
 * only above 65.535 A, which a 50 A clamp never reaches) and `info.multipliersAssumed` says so. The
 * R718N3 reports no energy.
 * fPort 7 responses 0x81/0x82 (MinTime, MaxTime, CurrentChange u16 mA).
 *
 * Commands (`encode`, fPort 7): `{ type: 'configReport', minTime: s, maxTime: s, currentChange: mA }`
 * → 0x01; `{ type: 'readConfigReport' }` → 0x02.
 */
import type { FrameReader } from '../reader';
import { addAlarm, intField, netvoxCodec, NetvoxModel, NetvoxReportResult, readBattery, unknownReport } from './engine';

export const R718N3_DEVICE_TYPE = 0x4a;

const PHASES = ['phase_a', 'phase_b', 'phase_c'] as const;
const PACKED_MULTIPLIERS = [1, 5, 10, 100] as const;

function currents(r: FrameReader): number[] {
  return [r.u16be('current 1'), r.u16be('current 2'), r.u16be('current 3')];
}

function pushCurrents(raw: number[], multipliers: number[], out: NetvoxReportResult): void {
  for (let i = 0; i < 3; i++) {
    out.measurements.push({ quantity: 'current', value: (raw[i] * multipliers[i]) / 1000, unit: 'A', kind: 'instant', channel: PHASES[i] });
  }
}

const spec: NetvoxModel = {
  model: 'netvox-r718n3',
  name: 'Netvox R718N3',
  aliases: ['R718N3'],
  documentation: 'https://www.manualslib.com/manual/3238367/Netvox-R718n3-E-Series.html?page=7',
  deviceTypes: [R718N3_DEVICE_TYPE],
  quantities: [{ quantity: 'current', unit: 'A', kind: 'instant', channels: [...PHASES] }],
  report(reportType, r, out) {
    switch (reportType) {
      case 0x01: {
        out.info.frame = 'currents';
        readBattery(r, out);
        const raw = currents(r);
        const m1 = r.u8('multiplier 1');
        if (m1 === 0) throw r.error('invalid-value', 'multiplier 1 is 0', r.offset - 1);
        out.info.multipliers = [m1];
        out.info.multipliersAssumed = [PHASES[1], PHASES[2]];
        pushCurrents(raw, [m1, 1, 1], out);
        return;
      }
      case 0x02:
        out.info.frame = 'multipliers';
        readBattery(r, out);
        out.info.multiplier2 = r.u8('multiplier 2');
        out.info.multiplier3 = r.u8('multiplier 3');
        return;
      case 0x03: {
        out.info.frame = 'currents';
        readBattery(r, out);
        const raw = currents(r);
        const packed = r.u8('multipliers');
        const multipliers = [PACKED_MULTIPLIERS[packed & 3], PACKED_MULTIPLIERS[(packed >> 2) & 3], PACKED_MULTIPLIERS[(packed >> 4) & 3]];
        out.info.multipliers = multipliers;
        pushCurrents(raw, multipliers, out);
        return;
      }
      case 0x04: {
        out.info.frame = 'threshold-alarms';
        readBattery(r, out);
        const alarms = r.u8('threshold alarms');
        for (let i = 0; i < 3; i++) {
          if (alarms & (1 << (2 * i))) addAlarm(out, `low_current_${PHASES[i]}`);
          if (alarms & (2 << (2 * i))) addAlarm(out, `high_current_${PHASES[i]}`);
        }
        return;
      }
      default:
        throw unknownReport(r, reportType);
    }
  },
  readConfigTail(r, info) {
    info.currentChangeMa = r.u16be('CurrentChange');
  },
  configTail(command, bytes, fail) {
    const change = intField(command, 'currentChange', 1, 65535, fail);
    bytes[6] = change >> 8;
    bytes[7] = change & 0xff;
  },
};

export const r718n3 = netvoxCodec(spec);
