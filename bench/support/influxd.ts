/** A private InfluxDB 1.x for the benchmarks, on a free loopback port in a temporary folder. */
import { InfluxdServer } from '../../scripts/services/influxd';

export interface BenchInflux {
  url: string;
  stop(): Promise<void>;
}

export async function startBenchInflux(): Promise<BenchInflux> {
  const server = await InfluxdServer.create('st-bench-influx-');
  await server.start();
  return { url: server.url, stop: () => server.destroy() };
}
