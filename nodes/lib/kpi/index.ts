/** Energy KPIs of the business-software crossing (DESIGN §5, family "reference"). No Node-RED import. */
export * from './calendar';
export * from './reference';
export * from './consumption';
export * from './leak';
export * from './invoice';
export * from './alerts';
