/**
 * Adeunis PULSE (V4, two pulse inputs, channels A and B; TTN model "pulse").
 *
 * Documentation: https://www.manualslib.com/manual/2194945/Adeunis-Rf-Pulse-V4.html (PULSE V4
 * technical reference manual, "Uplink frame format"); Adeunis engine in ./engine.ts.
 *
 * Status byte of this product: bit 2 = a time stamp (u32 BE, seconds since 2013-01-01 UTC) ends the
 * frame; bit 1 low battery → alarm `low_battery`; bit 0 configuration done.
 * Covers:
 * - 0x5A / 0x5B data of channel A / B: counter (u32 BE) then the differences with the previous
 *   samples (u16 BE each, most recent first) → pulse_count (index, raw pulses) channel `A` / `B` for
 *   the current counter; the previous counters go to `info.counterValues` (their period is the
 *   device's historization period, which the frame does not carry, so they get no `time`);
 * - 0x46 data of both channels: counters A and B (u32 BE) → pulse_count channels `A` and `B`;
 * - 0x30 keep-alive: alarm flags (bit 0/1 flow alarm A/B → `high_flow`, bit 2/3 tamper A/B →
 *   `tamper`, bit 4/5 leak A/B → `leak`), 24-h flow maxima and minima → info;
 * - 0x47 flow alarm: flows A and B (u16 BE) → info, alarm `high_flow`;
 * - 0x10 product configuration: product mode, historizations per sending, sampling period (×2 s) →
 *   info; 0x11 / 0x12 configuration and the common 0x20 / 0x33 frames → info.
 */
import type { FrameReader } from '../reader';
import type { DeviceCodec } from '../types';
import { AdeunisResult, addAlarm, adeunisTime, decodeAdeunis } from './engine';

const MODEL = 'adeunis-pulse';
const PRODUCT_MODES = ['PARK', 'PRODUCTION', 'TEST', 'DEAD'] as const;

function channelData(channel: 'A' | 'B', status: number, r: FrameReader, out: AdeunisResult): void {
  const stamped = (status & 0x04) !== 0;
  const end = r.bytes.length - (stamped ? 4 : 0);
  let counter = r.u32be(`counter of channel ${channel}`);
  out.info.frame = `data-channel-${channel}`;
  out.measurements.push({ quantity: 'pulse_count', value: counter, unit: '1', kind: 'index', channel });
  const values = [counter];
  while (r.offset < end) {
    counter -= r.u16be('counter difference');
    values.push(counter);
  }
  out.info.counterValues = values;
  if (stamped) out.info.timestamp = adeunisTime(r, 'time stamp');
}

function handler(code: number, status: number, r: FrameReader, out: AdeunisResult): boolean {
  switch (code) {
    case 0x5a: channelData('A', status, r, out); return true;
    case 0x5b: channelData('B', status, r, out); return true;
    case 0x46:
      out.info.frame = 'data';
      out.measurements.push({ quantity: 'pulse_count', value: r.u32be('counter of channel A'), unit: '1', kind: 'index', channel: 'A' });
      out.measurements.push({ quantity: 'pulse_count', value: r.u32be('counter of channel B'), unit: '1', kind: 'index', channel: 'B' });
      if (status & 0x04) out.info.timestamp = adeunisTime(r, 'time stamp');
      return true;
    case 0x30: {
      out.info.frame = 'keep-alive';
      const flags = r.u8('alarm flags');
      out.info.alarmFlags = flags;
      if (flags & 0x03) addAlarm(out, 'high_flow');
      if (flags & 0x0c) addAlarm(out, 'tamper');
      if (flags & 0x30) addAlarm(out, 'leak');
      const maxA = r.u16be('24-h maximum flow of channel A');
      const maxB = r.u16be('24-h maximum flow of channel B');
      const minA = r.u16be('24-h minimum flow of channel A');
      const minB = r.u16be('24-h minimum flow of channel B');
      out.info.flow24h = { A: { min: minA, max: maxA }, B: { min: minB, max: maxB } };
      if (status & 0x04) out.info.timestamp = adeunisTime(r, 'time stamp');
      return true;
    }
    case 0x47:
      out.info.frame = 'flow-alarm';
      out.info.flowValues = [r.u16be('flow of channel A'), r.u16be('flow of channel B')];
      addAlarm(out, 'high_flow');
      if (status & 0x04) out.info.timestamp = adeunisTime(r, 'time stamp');
      return true;
    case 0x10: {
      out.info.frame = 'product-configuration';
      const mode = r.u8('product mode');
      out.info.productMode = mode < PRODUCT_MODES.length ? PRODUCT_MODES[mode] : mode;
      out.info.historizationsPerSending = r.u16be('historizations per sending');
      out.info.inputConfiguration = r.u8('input configuration');
      out.info.samplingPeriodS = r.u16be('historization period') * 2;
      return true;
    }
    case 0x11:
    case 0x12:
      out.info.frame = 'product-configuration';
      out.info.configurationFrame = code;
      return true;
    default:
      return false;
  }
}

export const pulse: DeviceCodec = {
  model: MODEL,
  vendor: 'adeunis',
  name: 'Adeunis Pulse',
  aliases: ['PULSE', 'Pulse V4', 'Pulse 4'],
  documentation: 'https://www.manualslib.com/manual/2194945/Adeunis-Rf-Pulse-V4.html',
  quantities: [{ quantity: 'pulse_count', unit: '1', kind: 'index', channels: ['A', 'B'] }],
  decode: (input) => decodeAdeunis(MODEL, input, handler),
};
