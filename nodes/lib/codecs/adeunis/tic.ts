/**
 * Adeunis TIC CBE Linky (teleinformation reader of French electricity meters, historic mode "CBE"),
 * single-phase (`adeunis-tic-cbe-linky-mono`) and three-phase (`adeunis-tic-cbe-linky-tri`) profiles.
 *
 * Documentation: Adeunis TIC technical reference manual and the Adeunis configuration profiles
 * (https://www.adeunis.com/wp-content/uploads/2019/09/TIC_LoRa_appl_CbeLinkyMono.config.zip), frame
 * layout as in the public Adeunis codec library (frame 0x49 of the "ticCbeLinkyMono" / "ticCbeLinkyTri"
 * devices); Adeunis engine in ./engine.ts; TIC labels: Enedis-NOI-CPT_54E (historic TIC).
 *
 * Status byte: application flag 1 (bit 3) = configuration inconsistency → info; application flag 2
 * (bit 4) = TIC read error → alarm `tic_read_error`; bit 2 hardware error → alarm `hardware_error`;
 * bit 1 low battery → `low_battery`.
 * Frame 0x49 (50 bytes), each value u32 BE, 0x80000000 = label not found in the TIC (no measurement):
 * - mono: ADCO (12 ASCII) @2, OPTARIF (4 ASCII) @14, BASE @18, ISOUSC @22, IINST @26, IMAX @30,
 *   PAPP @34, HCHC @38, HCHP @42, PTEC (4 ASCII) @46;
 * - tri: ADCO @2, BASE @14, IINST1…3 @18/22/26, IMAX1…3 @30/34/38, PMAX @42, PAPP @46.
 * Measurements: BASE, HCHC, HCHP → active_energy Wh (index), channel = the TIC label in lower case
 * (`base`, `hchc`, `hchp`); PAPP → apparent_power VA; IINST → current A (mono: no channel; tri:
 * channels `phase_a`…`phase_c`, as the Watteco codecs). ADCO, OPTARIF, PTEC, ISOUSC (A), IMAX (A), PMAX (W) → info.
 * Other frames: 0x10 product configuration (layout not decoded, raw length in info) and the common
 * 0x20 / 0x33 frames → info. Not decoded: the PME-PMI profile, "TIC standard" (Linky standard mode)
 * profiles and the 0x4A frame.
 */
import type { FrameReader } from '../reader';
import type { DeviceCodec } from '../types';
import { AdeunisResult, addAlarm, decodeAdeunis } from './engine';

const NOT_FOUND = 0x80000000;

/** ASCII text without its NUL padding; null when empty. */
function text(r: FrameReader, length: number, what: string): string | null {
  const b = r.bytesOf(length, what);
  let s = '';
  for (let i = 0; i < length; i++) if (b[i] !== 0) s += String.fromCharCode(b[i]);
  return s.length > 0 ? s : null;
}

function value(r: FrameReader, what: string): number | null {
  const v = r.u32be(what);
  return v === NOT_FOUND ? null : v;
}

function energy(r: FrameReader, label: string, out: AdeunisResult): void {
  const v = value(r, label);
  if (v !== null) out.measurements.push({ quantity: 'active_energy', value: v, unit: 'Wh', kind: 'index', channel: label.toLowerCase() });
}

function apparentPower(r: FrameReader, out: AdeunisResult): void {
  const v = value(r, 'PAPP');
  if (v !== null) out.measurements.push({ quantity: 'apparent_power', value: v, unit: 'VA', kind: 'instant' });
}

function current(r: FrameReader, label: string, channel: string | undefined, out: AdeunisResult): void {
  const v = value(r, label);
  if (v === null) return;
  if (channel === undefined) out.measurements.push({ quantity: 'current', value: v, unit: 'A', kind: 'instant' });
  else out.measurements.push({ quantity: 'current', value: v, unit: 'A', kind: 'instant', channel });
}

function statusFlags(status: number, out: AdeunisResult): void {
  if (status & 0x04) addAlarm(out, 'hardware_error');
  if (status & 0x10) addAlarm(out, 'tic_read_error');
  out.info.configurationInconsistency = (status & 0x08) !== 0;
}

function mono(r: FrameReader, out: AdeunisResult): void {
  out.info.ADCO = text(r, 12, 'ADCO');
  out.info.OPTARIF = text(r, 4, 'OPTARIF');
  energy(r, 'BASE', out);
  out.info.ISOUSC = value(r, 'ISOUSC');
  current(r, 'IINST', undefined, out);
  out.info.IMAX = value(r, 'IMAX');
  apparentPower(r, out);
  energy(r, 'HCHC', out);
  energy(r, 'HCHP', out);
  out.info.PTEC = text(r, 4, 'PTEC');
}

function tri(r: FrameReader, out: AdeunisResult): void {
  out.info.ADCO = text(r, 12, 'ADCO');
  energy(r, 'BASE', out);
  current(r, 'IINST1', 'phase_a', out);
  current(r, 'IINST2', 'phase_b', out);
  current(r, 'IINST3', 'phase_c', out);
  out.info.IMAX1 = value(r, 'IMAX1');
  out.info.IMAX2 = value(r, 'IMAX2');
  out.info.IMAX3 = value(r, 'IMAX3');
  out.info.PMAX = value(r, 'PMAX');
  apparentPower(r, out);
}

function ticCodec(model: string, name: string, aliases: string[], threePhase: boolean): DeviceCodec {
  return {
    model,
    vendor: 'adeunis',
    name,
    aliases,
    documentation: 'https://www.adeunis.com/wp-content/uploads/2019/09/TIC_LoRa_appl_CbeLinkyMono.config.zip',
    quantities: [
      { quantity: 'active_energy', unit: 'Wh', kind: 'index', channels: threePhase ? ['base'] : ['base', 'hchc', 'hchp'] },
      { quantity: 'apparent_power', unit: 'VA', kind: 'instant' },
      threePhase ? { quantity: 'current', unit: 'A', kind: 'instant', channels: ['phase_a', 'phase_b', 'phase_c'] } : { quantity: 'current', unit: 'A', kind: 'instant' },
    ],
    decode: (input) => decodeAdeunis(model, input, (code, status, r, out) => {
      statusFlags(status, out);
      if (code === 0x49) {
        out.info.frame = 'tic-data';
        if (threePhase) tri(r, out); else mono(r, out);
        return true;
      }
      if (code === 0x10) {
        out.info.frame = 'product-configuration';
        out.info.length = r.bytes.length;
        return true;
      }
      return false;
    }),
  };
}

export const ticCbeLinkyMono = ticCodec('adeunis-tic-cbe-linky-mono', 'Adeunis TIC CBE Linky mono', ['TIC CBE Linky mono', 'TIC_CBE_LINKY_MONO'], false);
export const ticCbeLinkyTri = ticCodec('adeunis-tic-cbe-linky-tri', 'Adeunis TIC CBE Linky tri', ['TIC CBE Linky tri', 'TIC_CBE_LINKY_TRI'], true);
