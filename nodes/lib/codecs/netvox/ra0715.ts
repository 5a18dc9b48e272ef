/**
 * Netvox RA0715 / R72615 / RA0715Y / R72615A: the "RA07 series" probe family (device type 0x05),
 * mains or 12 V powered, one report type per sensor group.
 *
 * Documentation: the Netvox RA07-series user manual (section "Data Report") was not found in a public
 * copy; the report layouts and scalings below are facts of the vendor's example frames (TTN
 * lorawan-devices vendor/netvox/ra0715-codec.yaml, 17 examples) and of the common Netvox layout
 * (./engine.ts, "unsupported sensor = 0xFF/0xFFFF/0xFFFFFFFF" as in the R718UBD manual). Fields whose
 * scaling no example shows are kept raw (`…Raw`).
 *
 * Every report: `[supply voltage (0.1 V), three sensor fields]`, 0xFFFF (0xFF for a 1-byte field)
 * meaning "no sensor" (`null` in info, no measurement). The supply voltage goes to
 * `info.supplyVoltage` (it is the 12 V adapter, not a battery: no `status`).
 * - 0x01, 0x02 PM1.0, PM2.5, PM10 (µg/m3) → info
 * - 0x03 particles > 0.3, 0.5, 1.0 µm; 0x04 > 2.5, 5.0, 10 µm (count / 0.1 L) → info
 * - 0x05 O3, CO, NO; 0x06 NO2, SO2, H2S (u16, 0.1 ppm) → info
 * - 0x07 CO2 (u16, 0.1 ppm) → `co2` [ppm]; NH3, noise → info (raw, scaling not verified)
 * - 0x08 pH (0.01), probe temperature (i16, 0.01 °C), ORP (i16, mV) → info
 * - 0x09 turbidity (0.1 NTU), probe temperature (i16, 0.01 °C), soil humidity (0.01 %) → info
 * - 0x0A soil humidity (0.01 %), soil temperature (i16, 0.01 °C), water level (raw), EC (1 byte, raw) → info
 * - 0x0B LDO temperature (i16, 0.01 °C), dissolved oxygen (0.01 mg/L), saturation (0.1 %) → info
 * - 0x0C air temperature (i16, 0.01 °C) → `temperature` Cel, humidity (0.01 %) → `humidity` %, wind speed (raw) → info
 * - 0x0D wind direction (°), atmospheric pressure (u32, 0.01 kPa) → info
 * - 0x0E VOC (0.1 ppm) → info
 * Probe temperatures (water, soil) stay in info: `temperature` is the room/air comfort value.
 * fPort 7 responses 0x81/0x82 (MinTime, MaxTime).
 *
 * Commands (`encode`, fPort 7): `{ type: 'configReport', minTime: s, maxTime: s }` → 0x01;
 * `{ type: 'readConfigReport' }` → 0x02.
 */
import type { FrameReader } from '../reader';
import { netvoxCodec, NetvoxModel, NetvoxReportResult, unknownReport } from './engine';

export const RA07_DEVICE_TYPE = 0x05;

/** u16 or null when 0xFFFF ("no sensor"). */
function u16(r: FrameReader, what: string): number | null {
  const v = r.u16be(what);
  return v === 0xffff ? null : v;
}

function i16(r: FrameReader, what: string): number | null {
  const v = r.u16be(what);
  if (v === 0xffff) return null;
  return v >= 0x8000 ? v - 0x10000 : v;
}

function scaled(v: number | null, divisor: number): number | null {
  return v === null ? null : v / divisor;
}

/** Three u16 fields with the same divisor into info. */
function three(r: FrameReader, out: NetvoxReportResult, names: [string, string, string], divisor: number): void {
  for (const name of names) out.info[name] = scaled(u16(r, name), divisor);
}

const spec: NetvoxModel = {
  model: 'netvox-ra0715',
  name: 'Netvox RA0715',
  aliases: ['RA0715', 'R72615', 'RA0715Y', 'R72615A', 'RA07'],
  documentation: 'https://github.com/TheThingsNetwork/lorawan-devices/blob/master/vendor/netvox/ra0715-codec.yaml',
  deviceTypes: [RA07_DEVICE_TYPE],
  quantities: [
    { quantity: 'co2', unit: '[ppm]', kind: 'instant' },
    { quantity: 'temperature', unit: 'Cel', kind: 'instant' },
    { quantity: 'humidity', unit: '%', kind: 'instant' },
  ],
  report(reportType, r, out) {
    if (reportType < 0x01 || reportType > 0x0e) throw unknownReport(r, reportType);
    out.info.frame = 'report';
    out.info.supplyVoltage = r.u8('supply voltage') / 10;
    const info = out.info;
    switch (reportType) {
      case 0x01:
      case 0x02: three(r, out, ['pm1_0', 'pm2_5', 'pm10'], 1); return;
      case 0x03: three(r, out, ['particles0_3um', 'particles0_5um', 'particles1_0um'], 1); return;
      case 0x04: three(r, out, ['particles2_5um', 'particles5_0um', 'particles10um'], 1); return;
      case 0x05: three(r, out, ['o3', 'co', 'no'], 10); return;
      case 0x06: three(r, out, ['no2', 'so2', 'h2s'], 10); return;
      case 0x07: {
        const co2 = u16(r, 'CO2');
        if (co2 !== null) out.measurements.push({ quantity: 'co2', value: co2 / 10, unit: '[ppm]', kind: 'instant' });
        info.nh3Raw = u16(r, 'NH3');
        info.noiseRaw = u16(r, 'noise');
        return;
      }
      case 0x08:
        info.ph = scaled(u16(r, 'pH'), 100);
        info.phProbeTemperature = scaled(i16(r, 'pH probe temperature'), 100);
        info.orpMv = i16(r, 'ORP');
        return;
      case 0x09:
        info.turbidityNtu = scaled(u16(r, 'NTU'), 10);
        info.ntuProbeTemperature = scaled(i16(r, 'NTU probe temperature'), 100);
        info.soilHumidity = scaled(u16(r, 'soil humidity'), 100);
        return;
      case 0x0a: {
        info.soilHumidity = scaled(u16(r, 'soil humidity'), 100);
        info.soilTemperature = scaled(i16(r, 'soil temperature'), 100);
        info.waterLevelRaw = u16(r, 'water level');
        const ec = r.u8('EC');
        info.ecRaw = ec === 0xff ? null : ec;
        return;
      }
      case 0x0b:
        info.ldoTemperature = scaled(i16(r, 'LDO temperature'), 100);
        info.dissolvedOxygen = scaled(u16(r, 'dissolved oxygen'), 100);
        info.oxygenSaturation = scaled(u16(r, 'oxygen saturation'), 10);
        return;
      case 0x0c: {
        const t = i16(r, 'temperature');
        const h = u16(r, 'humidity');
        if (t !== null) out.measurements.push({ quantity: 'temperature', value: t / 100, unit: 'Cel', kind: 'instant' });
        if (h !== null) out.measurements.push({ quantity: 'humidity', value: h / 100, unit: '%', kind: 'instant' });
        info.windSpeedRaw = u16(r, 'wind speed');
        return;
      }
      case 0x0d: {
        info.windDirection = u16(r, 'wind direction');
        const p = r.u32be('atmospheric pressure');
        info.atmosphericPressureKpa = p === 0xffffffff ? null : p / 100;
        return;
      }
      default: // 0x0e
        info.voc = scaled(u16(r, 'VOC'), 10);
    }
  },
};

export const ra0715 = netvoxCodec(spec);
