/**
 * Types of the network-health tracker. Alerts follow the contract of the energy KPIs (nodes/lib/kpi/alerts.ts)
 * so that one « Alertes actives » table and one notification path serve both.
 */
import type { Alert, Severity } from '../kpi/alerts';
import { DEFAULT_ALERT_ALARMS } from './alarms';

export type { Alert, Severity };

export interface HealthOptions {
  /** A device is silent after this many times its expected interval without an uplink (default 3). */
  silentFactor: number;
  /** Smallest expected interval (ms): guards against a burst of frames teaching a too short interval; 0 = learned only. */
  minIntervalMs: number;
  /** A decode-error burst: this many errors of one device within `errorBurstWindowMs` (default 3 in 15 min). */
  errorBurstCount: number;
  errorBurstWindowMs: number;
  /** A battery at or below this percentage raises a low-battery alert (0 = only the device's own alarm). */
  lowBatteryPercent: number;
  /** Alarm codes (Reading.status.alarms) that raise an alert; `*` = every code. */
  alertAlarms: readonly string[] | '*';
  /** How long a one-off event (meter reset) stays an active alert (ms). */
  eventHoldMs: number;
  /** Most devices tracked; frames of further devices are counted as ignored (bounded memory). */
  maxDevices: number;
}

export const DEFAULT_OPTIONS: HealthOptions = {
  silentFactor: 3,
  minIntervalMs: 0,
  errorBurstCount: 3,
  errorBurstWindowMs: 15 * 60000,
  lowBatteryPercent: 10,
  alertAlarms: DEFAULT_ALERT_ALARMS,
  eventHoldMs: 24 * 3600000,
  maxDevices: 10000,
};

export type AlertEventType = 'raised' | 'cleared';

export interface HealthAlertEvent {
  event: AlertEventType;
  alert: Alert;
  /** ISO time of a `cleared` event. */
  clearedAt?: string;
}

/** What the tracker needs of an Uplink (DESIGN §4): only reads, never keeps the object. */
export interface UplinkLike {
  devEui: string;
  deviceName?: string;
  time?: string;
  fCnt?: number;
  fPort?: number;
  dedupId?: string;
  model?: string;
  tenant?: string;
  tags?: Record<string, string> | null;
  radio?: { rssi?: number | null; snr?: number | null; gateways?: number } | null;
}

/** What the tracker needs of a Reading. */
export interface ReadingLike {
  devEui: string;
  model?: string;
  tenant?: string;
  status?: { batteryPercent?: number; batteryVoltage?: number; alarms?: string[] } | null;
}

/** Context of a Reading taken from its message: the Uplink it was decoded from, the enrichment, frame info. */
export interface ReadingContext {
  uplink?: UplinkLike;
  /** Site id and fluid from the enrichment (msg.site) when present. */
  site?: string;
  fluid?: string;
  /** Smallest flow of the last period (m3/h), e.g. Kamstrup's frame info: estimates a leak's loss. */
  minFlowM3h?: number;
}

/** A meter-index anomaly (its second output). */
export interface MeterEventLike {
  type: string;
  devEui: string;
  quantity?: string;
  channel?: string;
  unit?: string;
  previous?: number;
  current?: number;
  time?: string;
}

/** One line of the Capteurs page (French keys, formatted values). */
export interface DeviceRow {
  capteur: string;
  devEui: string;
  site: string;
  modele: string;
  etat: 'en ligne' | 'silencieux';
  couleur: string;
  derniereTrame: string;
  depuis: string;
  intervalle: string;
  trames: number;
  tramesPerdues: number;
  rssi: string;
  snr: string;
  batterie: string;
  erreursDecodage24h: number;
  alarmes: string;
}

/** The network at a glance (Vue d'ensemble, Capteurs). */
export interface HealthSummary {
  capteurs: number;
  enLigne: number;
  silencieux: number;
  erreursDecodage24h: number;
  derniereTrame: string;
  trames: number;
  tramesPerdues: number;
  alertes: number;
}

/** Counters for the node status. */
export interface HealthCounters {
  uplinks: number;
  readings: number;
  decodeErrors: number;
  meterEvents: number;
  /** Frames of devices beyond maxDevices. */
  ignored: number;
}
