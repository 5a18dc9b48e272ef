/**
 * LoRa time on air and the EU868 sub-bands (lighting.md §4). Pure: no Node-RED import.
 *
 * Semtech's formula (SX1276 datasheet §4.1.1.7, AN1200.13 "LoRa Modem Designer's Guide"):
 *   Tsym      = 2^SF / BW
 *   Tpreamble = (nPreamble + 4.25) × Tsym
 *   nPayload  = 8 + max(ceil((8·PL − 4·SF + 28 + 16·CRC − 20·IH) / (4·(SF − 2·DE))) × (CR + 4), 0)
 *   Tair      = Tpreamble + nPayload × Tsym
 * with PL the PHY payload in bytes (application payload + 13: MHDR 1, FHDR 7, FPort 1, MIC 4), CR = 1
 * for 4/5, IH = 0 (explicit header), DE = 1 (low data-rate optimisation) when Tsym ≥ 16 ms (SF11 and
 * SF12 at 125 kHz). LoRaWAN downlinks carry no payload CRC (lighting.md §4's table is computed so:
 * 3 B at SF12 → 1155 ms); uplinks do (`crc: true`).
 *
 * EU868 data rates (RP002-1.0.4): DR0–DR5 = SF12–SF7 at 125 kHz, DR6 = SF7 at 250 kHz.
 * RX2 = 869.525 MHz, DR0, in sub-band P (869.40–869.65 MHz) with a 10 % duty cycle: 360 s per hour.
 */

export interface LoraModulation {
  sf: number;
  bandwidthHz: number;
}

/** EU868 LoRa data rates (DR7 is FSK: not supported here). */
export const EU868_DATA_RATES: readonly LoraModulation[] = [
  { sf: 12, bandwidthHz: 125000 },
  { sf: 11, bandwidthHz: 125000 },
  { sf: 10, bandwidthHz: 125000 },
  { sf: 9, bandwidthHz: 125000 },
  { sf: 8, bandwidthHz: 125000 },
  { sf: 7, bandwidthHz: 125000 },
  { sf: 7, bandwidthHz: 250000 },
];

/** LoRaWAN MAC overhead around the application payload: MHDR 1 + FHDR 7 (no FOpts) + FPort 1 + MIC 4. */
export const LORAWAN_OVERHEAD_BYTES = 13;

/** ChirpStack's EU868 RX2 frequency (region_eu868.toml). */
export const EU868_RX2_FREQUENCY_HZ = 869525000;

export interface AirtimeOptions {
  /** Coding rate 4/(4+cr): 1 = 4/5 (default). */
  codingRate?: 1 | 2 | 3 | 4;
  /** Preamble symbols (LoRaWAN: 8). */
  preamble?: number;
  /** Payload CRC: false for downlinks (default), true for uplinks. */
  crc?: boolean;
  /** Implicit header (LoRaWAN: never). */
  implicitHeader?: boolean;
  /** true: `payloadBytes` is already the PHY payload (no LoRaWAN overhead added). */
  phyPayload?: boolean;
}

/** The modulation of an EU868 data rate; throws on an unknown one. */
export function eu868DataRate(dr: number): LoraModulation {
  const m = EU868_DATA_RATES[dr];
  if (!Number.isInteger(dr) || m === undefined) throw new RangeError(`EU868 data rate DR${dr} is not a LoRa data rate (DR0 to DR6)`);
  return m;
}

/** Time on air in milliseconds of a LoRa frame. `payloadBytes`: the application payload (FRMPayload) unless `phyPayload`. */
export function loraAirtimeMs(modulation: LoraModulation, payloadBytes: number, options: AirtimeOptions = {}): number {
  const { sf, bandwidthHz } = modulation;
  if (!Number.isInteger(payloadBytes) || payloadBytes < 0) throw new RangeError(`payload length ${payloadBytes} is not a byte count`);
  const pl = payloadBytes + (options.phyPayload ? 0 : LORAWAN_OVERHEAD_BYTES);
  const cr = options.codingRate ?? 1;
  const preamble = options.preamble ?? 8;
  const crc = options.crc ? 1 : 0;
  const ih = options.implicitHeader ? 1 : 0;
  const tSymMs = (2 ** sf / bandwidthHz) * 1000;
  const de = tSymMs >= 16 ? 1 : 0;
  const tPreamble = (preamble + 4.25) * tSymMs;
  const numerator = 8 * pl - 4 * sf + 28 + 16 * crc - 20 * ih;
  const nPayload = 8 + Math.max(Math.ceil(numerator / (4 * (sf - 2 * de))) * (cr + 4), 0);
  return tPreamble + nPayload * tSymMs;
}

/** Time on air (ms) of a LoRaWAN downlink of `payloadBytes` application bytes at an EU868 data rate. */
export function downlinkAirtimeMs(dr: number, payloadBytes: number): number {
  return loraAirtimeMs(eu868DataRate(dr), payloadBytes);
}

export interface SubBand {
  name: string;
  minHz: number;
  maxHz: number;
  /** Ratio, e.g. 0.1 for 10 %. */
  dutyCycle: number;
}

/** ETSI EN 300 220-2 sub-bands of EU868 (lighting.md §4). */
export const EU868_SUB_BANDS: readonly SubBand[] = [
  { name: 'K', minHz: 863000000, maxHz: 865000000, dutyCycle: 0.001 },
  { name: 'L', minHz: 865000000, maxHz: 868000000, dutyCycle: 0.01 },
  { name: 'M', minHz: 868000000, maxHz: 868600000, dutyCycle: 0.01 },
  { name: 'N', minHz: 868700000, maxHz: 869200000, dutyCycle: 0.001 },
  { name: 'P', minHz: 869400000, maxHz: 869650000, dutyCycle: 0.1 },
  { name: 'R', minHz: 869700000, maxHz: 870000000, dutyCycle: 0.01 },
];

/** The sub-band of a frequency; throws outside EU868's sub-bands. */
export function subBandOf(frequencyHz: number): SubBand {
  const band = EU868_SUB_BANDS.find((b) => frequencyHz >= b.minHz && frequencyHz <= b.maxHz);
  if (band === undefined) throw new RangeError(`${frequencyHz} Hz is in no EU868 sub-band`);
  return band;
}
