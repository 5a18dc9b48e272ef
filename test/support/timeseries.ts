/** Shared pieces of the timeseries-write specs: the flow, readings, and counting what a database holds. */
import type { TestFlowsItem } from 'node-red-node-test-helper';
import type { Reading } from '../../nodes/lib/contracts';
import { helper } from './nodered';

export type FlowItem = TestFlowsItem & Record<string, unknown>;
export type Msg = Record<string, any>;

/** timeseries-db + timeseries-write wired to `metrics` and `dead` helpers, a Catch node wired to `caught`. */
export function writeFlow(url: string, write: Record<string, unknown> = {}, db: Record<string, unknown> = {}): FlowItem[] {
  const at = { z: 'f1', x: 100, y: 100 };
  return [
    { id: 'f1', type: 'tab', label: 'test' },
    { id: 'db', type: 'timeseries-db', url, database: 'supervisor', createDatabase: true, timeout: 2, ...db },
    { id: 'w', type: 'timeseries-write', db: 'db', ...at, metricsInterval: 0, ...write, wires: [['metrics'], ['dead']] },
    { id: 'metrics', type: 'helper', ...at },
    { id: 'dead', type: 'helper', ...at },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, ...at, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];
}

/** Messages received by a helper node from now on. */
export function received(id: string): Msg[] {
  const list: Msg[] = [];
  helper.getNode(id).on('input', (msg: Msg) => list.push(msg));
  return list;
}

export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reading i: device i % 50, one energy index and one power, 1 s apart per device. The power value is i. */
export function reading(i: number): Reading {
  return {
    devEui: `70b3d5e75e${String(i % 50).padStart(6, '0')}`,
    tenant: 'grand-poitiers',
    model: 'test-meter',
    time: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    measurements: [
      { quantity: 'active_energy', value: 1000 + i, unit: 'Wh', kind: 'index' },
      { quantity: 'active_power', value: i, unit: 'W', kind: 'instant' },
    ],
  };
}

/** count and sum of a field in InfluxDB. */
export async function influxCountSum(url: string, measurement: string, field = 'value', db = 'supervisor'): Promise<{ count: number; sum: number }> {
  const q = encodeURIComponent(`SELECT count("${field}"), sum("${field}") FROM "${measurement}"`);
  const res = await fetch(`${url}/query?db=${db}&q=${q}`);
  const body = await res.json() as { results: Array<{ series?: Array<{ values: number[][] }> }> };
  const row = body.results[0].series?.[0].values[0];
  return row ? { count: row[1], sum: row[2] } : { count: 0, sum: 0 };
}

/** Writes raw line protocol (to create a field with another type, for instance). */
export async function influxWriteRaw(url: string, body: string, db = 'supervisor'): Promise<number> {
  await fetch(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE "${db}"`)}`, { method: 'POST' });
  const res = await fetch(`${url}/write?db=${db}&precision=ms`, { method: 'POST', body });
  return res.status;
}
