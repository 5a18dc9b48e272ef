/** The simulated LoRaWAN network (pure: no Node-RED import). See engine.ts for how time and scheduling work. */
export * from './engine';
export * from './history';
export * from './fleet';
export * from './downlink';
export * from './chirpstack';
export { SCENARIOS, Scenario, SCENARIO_SCOPE, LAMP_FAILURE_MODELS } from './state';
export { SIMULATED_MODELS, ENCODERS, Fidelity } from './frames';
