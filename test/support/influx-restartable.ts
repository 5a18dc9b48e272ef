/**
 * One InfluxDB 1.x server that can be stopped and started again on the same port and data folder,
 * for the fault specs (an outage in the middle of a stream). startInfluxDb() of services.ts gives a
 * fresh folder per start, which is right for every other spec.
 */
import { InfluxdServer } from '../../scripts/services/influxd';

export interface RestartableInflux {
  url: string;
  port: number;
  dir: string;
  /** Starts influxd (again) and waits until /ping answers. */
  start(): Promise<void>;
  /** Stops influxd (SIGTERM, SIGKILL after 5 s) and keeps its data. */
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

export async function restartableInfluxDb(): Promise<RestartableInflux> {
  const server = await InfluxdServer.create('st-influx-restart-');
  await server.start();
  return { url: server.url, port: server.port, dir: server.dir, start: () => server.start(), stop: () => server.stop(), destroy: () => server.destroy() };
}
