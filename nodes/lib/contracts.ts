/**
 * Message contracts shared by every node of the package (DESIGN §4). Any two nodes can be wired
 * together because they speak these shapes. No Node-RED import here.
 */

/** The network server an event came from. */
export type NetworkKind = 'chirpstack' | 'tts';

/** Radio metadata of an uplink, summarised over all gateways that heard it. */
export interface Radio {
  /** Best RSSI over the gateways (dBm). */
  rssi: number | null;
  /** Best SNR over the gateways (dB). */
  snr: number | null;
  /** Number of gateways that received the frame. */
  gateways: number;
  /** LoRaWAN data rate index. */
  dr: number | null;
  /** Frequency in Hz. */
  frequency: number | null;
}

/** Output of `lorawan-event` for `up` events. */
export interface Uplink {
  network: NetworkKind;
  /** 16 lowercase hex characters. */
  devEui: string;
  deviceName: string;
  applicationId: string;
  deviceProfile: string;
  /** Tenant owning the device: the network is shared by communes and start-ups (co-ownership). */
  tenant: string;
  tags: Record<string, string>;
  /** ISO 8601 time given by the network server; the time-series timestamp. */
  time: string;
  fCnt: number;
  fPort: number;
  confirmed: boolean;
  bytes: Buffer;
  /** Payload already decoded by the network server's codec, when there was one. */
  object?: Record<string, unknown>;
  radio: Radio;
  /** Idempotency key of the uplink (ChirpStack deduplicationId, TTS `as:up:` correlation id). */
  dedupId: string;
}

export type MeasurementKind = 'index' | 'instant' | 'delta';

export interface Measurement {
  quantity: string;
  value: number;
  unit: string;
  kind: MeasurementKind;
  channel?: string;
  /** Only for frames that carry history samples. */
  time?: string;
}

/** Output of `lorawan-decode`, input of everything downstream. */
export interface Reading {
  devEui: string;
  tenant: string;
  time: string;
  model: string;
  measurements: Measurement[];
  status?: ReadingStatus;
  radio?: Radio;
}

/** Device health carried by a Reading: battery and alarms (stable alarm codes, e.g. `lamp_failure`). */
export interface ReadingStatus {
  batteryPercent?: number;
  batteryVoltage?: number;
  alarms?: string[];
}

/** The city's own tenant, used when the network server does not name one. */
export const DEFAULT_TENANT = 'grand-poitiers';

/**
 * Event kinds of the ChirpStack v4 MQTT integration, in the fixed order used everywhere (node
 * outputs, editor checkboxes): the order of ChirpStack's own event documentation.
 */
export const EVENT_TYPES = ['up', 'status', 'join', 'ack', 'txack', 'log', 'location', 'integration'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What every normalised network event carries, whatever its kind. */
export interface EventCommon {
  network: NetworkKind;
  eventType: EventType;
  /** 16 lowercase hex characters. */
  devEui: string;
  deviceName: string;
  applicationId: string;
  tenant: string;
  tags: Record<string, string>;
  /** ISO 8601 time given by the network server. */
  time: string;
}

/** An `up` event as `lorawan-event` emits it: the Uplink contract, tagged with its kind. */
export interface UplinkEvent extends Uplink {
  eventType: 'up';
}

/** Device status (DevStatusAns). `batteryLevel` is null when unavailable or mains-powered. */
export interface StatusEvent extends EventCommon {
  eventType: 'status';
  dedupId: string | undefined;
  margin: number;
  externalPowerSource: boolean;
  batteryLevelUnavailable: boolean;
  batteryLevel: number | null;
}

/** OTAA join accepted. */
export interface JoinEvent extends EventCommon {
  eventType: 'join';
  dedupId: string | undefined;
  devAddr: string;
}

/** Result of a confirmed downlink. */
export interface AckEvent extends EventCommon {
  eventType: 'ack';
  dedupId: string | undefined;
  queueItemId: string;
  acknowledged: boolean;
  fCntDown: number;
}

/** A downlink was handed to a gateway (no deduplication id on this event). */
export interface TxAckEvent extends EventCommon {
  eventType: 'txack';
  queueItemId: string;
  downlinkId: number;
  fCntDown: number;
  gatewayId: string;
}

/** A log entry of the network server about the device (codec errors, MIC errors, expired downlinks...). */
export interface LogEvent extends EventCommon {
  eventType: 'log';
  level: string;
  code: string;
  description: string;
  context: Record<string, string>;
}

/** A location resolved by the network server (geolocation). */
export interface LocationEvent extends EventCommon {
  eventType: 'location';
  dedupId: string | undefined;
  latitude: number;
  longitude: number;
  altitude: number;
}

/** An event produced by another ChirpStack integration (e.g. LoRa Cloud). */
export interface IntegrationEvent extends EventCommon {
  eventType: 'integration';
  dedupId: string | undefined;
  integrationName: string;
  /** ChirpStack's own `eventType` field, renamed so it does not clash with ours. */
  integrationEventType: string;
  object: Record<string, unknown>;
}

/** Any event `lorawan-event` emits, discriminated by `eventType`. */
export type NetworkEvent =
  | UplinkEvent | StatusEvent | JoinEvent | AckEvent | TxAckEvent | LogEvent | LocationEvent | IntegrationEvent;
