/**
 * The test harness's real services: each starts on a free port in a temporary folder, answers, and
 * is gone after stop(). InfluxDB is here for the storage issue's specs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import mqtt from 'mqtt';
import { Client } from 'pg';
import { createPostgresDatabase, startInfluxDb, startMosquitto } from './support/services';

describe('test services', function () {
  this.timeout(60000);

  it('Mosquitto: a private broker relays a QoS 1 message, then stops and cleans up', async function () {
    const broker = await startMosquitto();
    const client = await mqtt.connectAsync(broker.url);
    await client.subscribeAsync('probe/#', { qos: 1 });
    const received = new Promise<string>((resolve) => client.once('message', (topic, payload) => resolve(`${topic}=${payload}`)));
    await client.publishAsync('probe/a', 'ok', { qos: 1 });
    assert.equal(await received, 'probe/a=ok');
    await client.endAsync();
    await broker.stop();
    assert.ok(!fs.existsSync(broker.dir));
    await assert.rejects(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 2000 }));
  });

  it('InfluxDB 1.x: a private server accepts line protocol and answers InfluxQL', async function () {
    const influx = await startInfluxDb();
    try {
      const create = await fetch(`${influx.url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE probe' }) });
      assert.equal(create.status, 200);
      const write = await fetch(`${influx.url}/write?db=probe&precision=s`, { method: 'POST', body: 'water_volume,devEui=0004a30b001c0530 index=12.5 1700000000' });
      assert.equal(write.status, 204);
      const query = await fetch(`${influx.url}/query?db=probe&q=${encodeURIComponent('SELECT index FROM water_volume')}`);
      const body = await query.json() as { results: { series: { values: [string, number][] }[] }[] };
      assert.equal(body.results[0].series[0].values[0][1], 12.5);
    } finally {
      await influx.stop();
    }
    assert.ok(!fs.existsSync(influx.dir));
  });

  it('PostgreSQL: a database of its own on the machine service, dropped afterwards', async function () {
    const database = await createPostgresDatabase();
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query('SELECT current_database() AS name');
    assert.equal(rows[0].name, database.name);
    await client.end();
    await database.drop();
    const probe = new Client({ connectionString: database.url });
    await assert.rejects(probe.connect(), /does not exist/);
  });
});
