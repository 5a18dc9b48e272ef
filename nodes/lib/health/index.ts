/** Health of the LoRaWAN devices (silences, lost frames, radio, battery, alarms, decode errors). Pure: no Node-RED import. */
export { HealthTracker, HealthSnapshot, alertMessage, MAX_FCNT_GAP } from './tracker';
export { dispatch, HealthInputError, InputKind } from './input';
export { DEFAULT_ALERT_ALARMS, alarmInfo } from './alarms';
export * from './format';
export * from './types';
