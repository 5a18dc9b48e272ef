/**
 * The device alarms the decoders put in Reading.status.alarms (stable codes, nodes/lib/codecs), in
 * French words, with the severity of the alert each raises. Pure: no Node-RED import.
 */
import type { Severity } from './types';

export interface AlarmInfo {
  /** Short French label for the device table (« fuite »). */
  label: string;
  severity: Severity;
}

/** Codes with their own words; any other code keeps its name and is an `info` alert. */
const KNOWN: Record<string, AlarmInfo> = {
  leak: { label: 'fuite', severity: 'warning' },
  burst: { label: 'rupture de canalisation', severity: 'critical' },
  tamper: { label: 'fraude ou boîtier ouvert', severity: 'warning' },
  low_battery: { label: 'pile faible', severity: 'warning' },
  lamp_failure: { label: 'lampe en panne', severity: 'warning' },
  reverse_flow: { label: 'écoulement inversé', severity: 'warning' },
  dry: { label: 'compteur à sec', severity: 'warning' },
  high_flow: { label: 'débit élevé', severity: 'warning' },
  water_outage_timeout: { label: 'coupure d\u2019eau prolongée', severity: 'warning' },
  water_flow_timeout: { label: 'écoulement continu prolongé', severity: 'warning' },
  driver_error: { label: 'driver DALI en défaut', severity: 'warning' },
  metering_lamp_error: { label: 'lampe en défaut (mesure)', severity: 'warning' },
  power_failure: { label: 'coupure d\u2019alimentation', severity: 'warning' },
  permanent_error: { label: 'erreur permanente du compteur', severity: 'warning' },
  temporary_error: { label: 'erreur temporaire du compteur', severity: 'info' },
  hardware_error: { label: 'erreur matérielle', severity: 'warning' },
};

/** The alarms that raise an alert by default: what a city's staff must act on. */
export const DEFAULT_ALERT_ALARMS: readonly string[] = [
  'leak', 'burst', 'tamper', 'low_battery', 'lamp_failure', 'reverse_flow', 'dry', 'high_flow',
  'water_outage_timeout', 'water_flow_timeout', 'driver_error', 'metering_lamp_error', 'power_failure',
];

export function alarmInfo(code: string): AlarmInfo {
  return KNOWN[code] ?? { label: code.replace(/_/g, ' '), severity: 'info' };
}
