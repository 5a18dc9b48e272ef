/**
 * ChirpStack v4 `up` events as the MQTT integration publishes them (chirpstack.md §1–§2): the canonical
 * Protocol Buffers JSON mapping, so fields holding their default value are OMITTED (`fCnt` 0, `dr` 0,
 * `confirmed` false, `deviceClassEnabled` CLASS_A, `object` without a codec).
 */
import { randomUUID } from 'node:crypto';
import { FleetDevice } from './fleet';
import { Random, randomHex, randomInt, uuidFromName } from './random';

/** The EU868 uplink channels: the three default ones and the five a ChirpStack network adds. */
export const EU868_CHANNELS = [868100000, 868300000, 868500000, 867100000, 867300000, 867500000, 867700000, 867900000] as const;

export interface Gateway {
  id: string;
  name: string;
  latitude: number;
  longitude: number;
}

/** The simulated gateways of the territory (invented ids, plausible sites). */
export const GATEWAYS: readonly Gateway[] = [
  { id: '7276ff002e0a5001', name: 'Poitiers – centre-ville', latitude: 46.5808, longitude: 0.3410 },
  { id: '7276ff002e0a5002', name: 'Poitiers – Couronneries', latitude: 46.5952, longitude: 0.3640 },
  { id: '7276ff002e0a5003', name: 'Poitiers – Saint-Éloi', latitude: 46.5880, longitude: 0.3790 },
  { id: '7276ff002e0a5004', name: 'Buxerolles – château d’eau', latitude: 46.6085, longitude: 0.3500 },
  { id: '7276ff002e0a5005', name: 'Migné-Auxances – centre', latitude: 46.6285, longitude: 0.3125 },
  { id: '7276ff002e0a5006', name: 'Poitiers – Saint-Benoît', latitude: 46.5570, longitude: 0.3330 },
];

export interface RxInfo {
  gatewayId: string;
  uplinkId: number;
  nsTime: string;
  rssi: number;
  snr: number;
  channel?: number;
  location: { latitude: number; longitude: number };
  context: string;
  metadata: { region_config_id: string; region_common_name: string };
  crcStatus: 'CRC_OK';
}

export interface DeviceInfo {
  tenantId: string;
  tenantName: string;
  applicationId: string;
  applicationName: string;
  deviceProfileId: string;
  deviceProfileName: string;
  deviceName: string;
  devEui: string;
  deviceClassEnabled?: 'CLASS_B' | 'CLASS_C';
  tags: Record<string, string>;
}

/** A ChirpStack v4 UplinkEvent in its JSON form. */
export interface UpEvent {
  deduplicationId: string;
  time: string;
  deviceInfo: DeviceInfo;
  devAddr: string;
  adr: boolean;
  dr?: number;
  fCnt?: number;
  fPort: number;
  confirmed?: boolean;
  data: string;
  rxInfo: RxInfo[];
  txInfo: {
    frequency: number;
    modulation: { lora: { bandwidth: number; spreadingFactor: number; codeRate: string } };
  };
}

export function eventTopic(applicationId: string, devEui: string, event = 'up'): string {
  return `application/${applicationId}/device/${devEui}/event/${event}`;
}

function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad * Math.cos(((a.latitude + b.latitude) / 2) * rad);
  return Math.sqrt(dLat * dLat + dLon * dLon) * 6371;
}

/** How the network hears a device: its gateways with their mean RSSI/SNR, its spreading factor. */
export interface RadioProfile {
  gateways: { gateway: Gateway; rssi: number; snr: number }[];
  spreadingFactor: number;
  devAddr: string;
}

/** Meters in basements and technical rooms are heard worse than lamp posts and offices. */
const INDOOR_LOSS: Record<string, number> = { water: 14, gas: 12, electricity: 8, comfort: 4, lighting: 0 };

export function snrFor(rssi: number): number {
  return Math.max(-18, Math.min(11, (rssi + 112) / 2.5));
}

/** A plausible, stable radio profile: RSSI from the distance to each gateway, 1 to 3 gateways, ADR's SF. */
export function radioProfile(device: FleetDevice, random: Random): RadioProfile {
  const heard = GATEWAYS.map((gateway) => {
    const d = distanceKm(device, gateway);
    const rssi = Math.round(-68 - 22 * Math.log10(d * 10 + 1) - (INDOOR_LOSS[device.fluid] ?? 0) + (random() - 0.5) * 8);
    return { gateway, rssi, snr: Math.round(snrFor(rssi) * 10) / 10 };
  }).sort((a, b) => b.rssi - a.rssi);
  const gateways = heard.filter((g, i) => i === 0 || g.rssi > -121).slice(0, randomInt(random, 1, 3));
  const best = gateways[0].rssi;
  const spreadingFactor = best > -100 ? 7 : best > -105 ? 8 : best > -110 ? 9 : best > -115 ? 10 : best > -118 ? 11 : 12;
  return { gateways, spreadingFactor, devAddr: `0${randomInt(random, 0, 1)}${randomHex(random, 3)}` };
}

export interface UpEventInput {
  device: FleetDevice;
  radio: RadioProfile;
  fCnt: number;
  fPort: number;
  bytes: Buffer;
  /** Network-server time of the uplink (ms). */
  time: number;
  deviceClass?: 'A' | 'C';
  random: Random;
}

/** Builds a genuine-shaped ChirpStack v4 `up` event (defaults omitted as proto3 JSON does). */
export function buildUpEvent(input: UpEventInput): UpEvent {
  const { device, radio, random } = input;
  const iso = new Date(input.time).toISOString();
  const deviceInfo: DeviceInfo = {
    tenantId: uuidFromName(`tenant:${device.tenant}`),
    tenantName: device.tenant,
    applicationId: device.applicationId,
    applicationName: device.applicationName,
    deviceProfileId: uuidFromName(`device-profile:${device.deviceProfile}`),
    deviceProfileName: device.deviceProfile,
    deviceName: device.deviceName,
    devEui: device.devEui,
    tags: { model: device.model, site: device.site, commune: device.commune, fluid: device.fluid },
  };
  if (input.deviceClass === 'C') deviceInfo.deviceClassEnabled = 'CLASS_C';
  const channelIndex = randomInt(random, 0, EU868_CHANNELS.length - 1);
  const dr = 12 - radio.spreadingFactor;
  const rxInfo = radio.gateways.map(({ gateway, rssi, snr }): RxInfo => ({
    gatewayId: gateway.id,
    uplinkId: randomInt(random, 1, 0xffffffff),
    nsTime: iso,
    rssi: Math.round(rssi + (random() - 0.5) * 6),
    snr: Math.round((snr + (random() - 0.5) * 3) * 10) / 10,
    ...(channelIndex !== 0 ? { channel: channelIndex } : {}),
    location: { latitude: gateway.latitude, longitude: gateway.longitude },
    context: Buffer.from(randomHex(random, 4), 'hex').toString('base64'),
    metadata: { region_config_id: 'eu868', region_common_name: 'EU868' },
    crcStatus: 'CRC_OK',
  }));
  // Key order as ChirpStack writes it; default values (dr 0, fCnt 0, confirmed false) left out.
  const event: UpEvent = {
    deduplicationId: randomUUID(),
    time: iso,
    deviceInfo,
    devAddr: radio.devAddr,
    adr: true,
    ...(dr !== 0 ? { dr } : {}),
    ...(input.fCnt !== 0 ? { fCnt: input.fCnt } : {}),
    fPort: input.fPort,
    data: input.bytes.toString('base64'),
    rxInfo,
    txInfo: {
      frequency: EU868_CHANNELS[channelIndex],
      modulation: { lora: { bandwidth: 125000, spreadingFactor: radio.spreadingFactor, codeRate: 'CR_4_5' } },
    },
  };
  return event;
}
