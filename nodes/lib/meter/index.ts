/** Meter index handling (rollover, reset, gaps) for the meter-index node. No Node-RED import. */
export * from './numbers';
export * from './tracker';
export * from './state-file';
