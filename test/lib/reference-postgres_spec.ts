import assert from 'node:assert/strict';
import { Client } from 'pg';
import { loadPostgres } from '../../nodes/lib/reference/postgres';
import { createPostgresDatabase, PostgresDatabase } from '../support/services';

describe('reference loader: PostgreSQL (real server)', function () {
  let db: PostgresDatabase;

  before(async function () {
    db = await createPostgresDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE TABLE meters (dev_eui text PRIMARY KEY, site_id text NOT NULL, weight numeric, total bigint, commune text)`);
    await client.query(`INSERT INTO meters VALUES ('70B3D5E75E00A102', 'cobalt', 0.001, 12345678901, 'Poitiers'), ('70b3d5e75e00a105', 'mairie', 10, 1, 'Châtellerault')`);
    await client.end();
  });

  after(async function () {
    if (db) await db.drop();
  });

  it('loads a query result as a table, numeric and bigint as numbers', async function () {
    const table = await loadPostgres({ name: 'compteurs', connectionString: db.url, keyColumn: 'devEui', requiredColumns: ['siteId'],
      query: 'SELECT dev_eui AS "devEui", site_id AS "siteId", weight, total, commune FROM meters ORDER BY dev_eui' });
    assert.deepEqual(table.columns, ['devEui', 'siteId', 'weight', 'total', 'commune']);
    assert.equal(table.list.length, 2);
    const row = table.rows.get('70b3d5e75e00a102');
    assert.ok(row);
    assert.equal(row.weight, 0.001);
    assert.equal(row.total, 12345678901);
    assert.equal(table.rows.get('70b3d5e75e00a105')?.commune, 'Châtellerault');
    assert.ok(!table.origin.includes('postgres@'), 'no user in the origin');
  });

  it('names SQL errors clearly, refuses writes and stops at the statement timeout', async function () {
    await assert.rejects(loadPostgres({ name: 'compteurs', connectionString: db.url, keyColumn: 'devEui', query: 'SELECT dev_eui FROM compteurs_absents' }),
      /reference table "compteurs" \(PostgreSQL query on postgres:\/\/[^)]+\): SQL error 42P01 at character \d+: relation "compteurs_absents" does not exist/);
    await assert.rejects(loadPostgres({ name: 'c', connectionString: db.url, keyColumn: '', query: "INSERT INTO meters VALUES ('x', 'y', 1, 1, 'z') RETURNING *" }),
      /25006.*read-only transaction/);
    await assert.rejects(loadPostgres({ name: 'c', connectionString: db.url, keyColumn: '', query: 'SELECT pg_sleep(3)', timeoutMs: 200 }),
      /57014.*statement timeout was reached/);
    await assert.rejects(loadPostgres({ name: 'c', connectionString: db.url, keyColumn: 'devEui', query: 'SELECT dev_eui AS "devEui" FROM meters WHERE false' }),
      /the table is empty/);
  });
});
