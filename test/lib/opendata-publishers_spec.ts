import assert from 'node:assert/strict';
import type { DatasetDescription, DatasetRows, PublishedFile } from '../../nodes/lib/opendata/types';
import { OpendatasoftPublisher, keyColumnsOf, splitBatches } from '../../nodes/lib/opendata/publishers/opendatasoft';
import { UdataPublisher, apiRoot } from '../../nodes/lib/opendata/publishers/udata';
import { backoffDelay, maskSecrets, requestWithRetry } from '../../nodes/lib/opendata/publishers/retry';
import {
  parseMultipart, startOpendatasoftServer, startUdataServer, type OpendatasoftServer, type UdataServer,
} from '../support/opendata-servers';

const dataset: DatasetDescription = {
  id: 'consommation-horaire-batiments',
  title: 'Consommation horaire des bâtiments',
  description: 'Énergie active par bâtiment et par heure.',
  stream: 'energie-batiments-publics',
  granularity: '1h',
  spatialLevel: 'building',
  fields: [
    { name: 'site', type: 'string', title: 'Bâtiment', description: 'Identifiant du bâtiment' },
    { name: 'debut', type: 'datetime', title: 'Début', description: 'Début de l\'heure (ISO 8601)' },
    { name: 'energie_kwh', type: 'number', title: 'Énergie', description: 'Énergie active', unit: 'kWh' },
  ],
  quantities: ['active_energy'],
};

function hourlyRows(sites: number, hours: number): DatasetRows {
  const rows: Array<Record<string, unknown>> = [];
  for (let s = 0; s < sites; s++) {
    for (let h = 0; h < hours; h++) {
      rows.push({ site: `B${String(s).padStart(3, '0')}`, debut: new Date(Date.UTC(2026, 0, 1, h)), energie_kwh: 10 + s + h / 10 });
    }
  }
  return { rows };
}

/** A sleep that records the delays asked and resolves at once. */
function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => { delays.push(ms); } };
}

const PUSH_KEY = 'pk-0123456789abcdef';
const API_KEY = 'udata-key-fedcba9876543210';

describe('open-data publishers', function () {
  describe('retry', function () {
    it('doubles the delay at each retry, up to the maximum', function () {
      assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 1000)), [100, 200, 400, 800, 1000]);
    });

    it('masks a secret and its URL-encoded form', function () {
      assert.equal(maskSecrets('k=a/b+c and a%2Fb%2Bc', ['a/b+c']), 'k=*** and ***');
    });

    it('gives up after a timeout on every try, and says so without the secret', async function () {
      const server = await startOpendatasoftServer({ dataset: 'd', resource: 'r', pushKey: PUSH_KEY });
      try {
        server.failures.push({ hang: true }, { hang: true });
        const { delays, sleep } = recordingSleep();
        await assert.rejects(
          requestWithRetry({
            method: 'POST', url: `${server.url}/api/push/1.0/d/r/push/?pushkey=${PUSH_KEY}`, body: () => '[]',
            label: `push ${PUSH_KEY}`, secrets: [PUSH_KEY],
          }, { attempts: 2, timeoutMs: 150, baseDelayMs: 10, sleep }),
          (err: Error & { status: number }) => {
            assert.match(err.message, /no answer within 150 ms/);
            assert.match(err.message, /gave up after 2 tries/);
            assert.equal(err.message.includes(PUSH_KEY), false);
            assert.equal(err.status, 0);
            return true;
          });
        assert.deepEqual(delays, [10]);
      } finally {
        await server.close();
      }
    });

    it('retries a connection refused', async function () {
      const server = await startOpendatasoftServer({ dataset: 'd', resource: 'r', pushKey: PUSH_KEY });
      const url = server.url;
      await server.close();
      const { delays, sleep } = recordingSleep();
      await assert.rejects(
        requestWithRetry({ method: 'GET', url, label: 'closed port' }, { attempts: 3, baseDelayMs: 5, sleep }),
        /closed port: connection failed .*gave up after 3 tries/);
      assert.deepEqual(delays, [5, 10]);
    });
  });

  describe('Opendatasoft realtime push', function () {
    let server: OpendatasoftServer;

    beforeEach(async function () {
      server = await startOpendatasoftServer({
        dataset: 'conso-batiments',
        resource: 'temps-reel',
        pushKey: PUSH_KEY,
        validate: (record) => (typeof record.energie_kwh === 'number' ? undefined
          : `Field "energie_kwh": value ${JSON.stringify(record.energie_kwh)} is not a number`),
      });
    });
    afterEach(async function () {
      await server.close();
    });

    function publisher(overrides: Partial<ConstructorParameters<typeof OpendatasoftPublisher>[0]> = {}, sleep?: (ms: number) => Promise<void>) {
      return new OpendatasoftPublisher({
        domain: server.url,
        dataset: 'conso-batiments',
        resource: 'temps-reel',
        pushKey: PUSH_KEY,
        retry: { attempts: 4, baseDelayMs: 20, sleep: sleep ?? (async () => undefined), timeoutMs: 5000 },
        now: () => new Date('2026-02-01T06:00:00Z'),
        ...overrides,
      });
    }

    it('pushes every record with a unique key of site and time', async function () {
      const result = await publisher().publish(dataset, [], hourlyRows(2, 3));
      assert.equal(result.ok, true, result.detail);
      assert.equal(result.at, '2026-02-01T06:00:00.000Z');
      assert.match(result.detail, /6 records .* 1 request\(s\), 0 retries/);
      assert.equal(result.destination.includes(PUSH_KEY), false);
      assert.deepEqual(keyColumnsOf(dataset), ['site', 'debut']);
      assert.deepEqual(server.records.get('B001|2026-01-01T02:00:00.000Z'),
        { site: 'B001', debut: '2026-01-01T02:00:00.000Z', energie_kwh: 11.2, cle: 'B001|2026-01-01T02:00:00.000Z' });
      assert.equal(server.records.size, 6);
    });

    it('refuses a wrong push key as the API answers, without writing the key', async function () {
      const result = await publisher({ pushKey: 'wrong-key-42' }).publish(dataset, [], hourlyRows(1, 2));
      assert.equal(result.ok, false);
      assert.match(result.detail, /HTTP 401: Invalid or missing push API key/);
      assert.equal(result.detail.includes('wrong-key-42'), false);
      assert.equal(server.requestCount, 1, '4xx must not be retried');
      assert.equal(server.records.size, 0);
    });

    it('splits a large batch into several requests, each under the size limit', async function () {
      const maxBytes = 20_000;
      const rows = hourlyRows(10, 48); // 480 records of about 100 bytes
      const result = await publisher({ maxBytes }).publish(dataset, [], rows);
      assert.equal(result.ok, true, result.detail);
      assert.ok(server.pushes.length > 1, `${server.pushes.length} request(s)`);
      for (const push of server.pushes) assert.ok(push.bytes <= maxBytes, `${push.bytes} bytes`);
      assert.equal(server.pushes.reduce((n, p) => n + p.records, 0), 480);
      assert.equal(server.records.size, 480);
      assert.match(result.detail, new RegExp(`480 records .* ${server.pushes.length} request\\(s\\)`));
    });

    it('caps the number of records per request', async function () {
      const result = await publisher({ maxRecords: 100 }).publish(dataset, [], hourlyRows(5, 50));
      assert.equal(result.ok, true, result.detail);
      assert.deepEqual(server.pushes.map((p) => p.records), [100, 100, 50]);
    });

    it('a batch over the real 5 MB limit is split by the default settings', async function () {
      const rows = hourlyRows(100, 24 * 30).rows.map((r) => ({ ...r, commentaire: 'x'.repeat(40) })); // ~10 MB
      const result = await publisher({ maxRecords: 1_000_000 }).publish(dataset, [], { rows });
      assert.equal(result.ok, true, result.detail);
      assert.ok(server.pushes.length >= 2);
      for (const push of server.pushes) assert.ok(push.bytes <= 5_000_000, `${push.bytes} bytes`);
      assert.equal(server.records.size, rows.length);
    });

    it('retries a 503 with backoff and does not double the records', async function () {
      // Request 1 is refused with a 503 before anything is stored; its retry is stored but its answer
      // is a 503 (a lost answer), so its records are sent twice: the unique key makes that harmless.
      server.failures.push(
        { status: 503, body: { status: 'error', message: 'Service Unavailable' } },
        { status: 503, afterStoring: true },
      );
      const { delays, sleep } = recordingSleep();
      const rows = hourlyRows(4, 24);
      const result = await publisher({ maxRecords: 40 }, sleep).publish(dataset, [], rows);
      assert.equal(result.ok, true, result.detail);
      assert.match(result.detail, /96 records .* 3 request\(s\), 2 retries/);
      assert.deepEqual(delays, [20, 40]);
      assert.equal(server.pushes.reduce((n, p) => n + p.records, 0), 136, 'request 1 (40 records) was stored twice');
      assert.equal(server.records.size, 96, 'distinct keys: no record doubled');
      // The whole publication run again (as after an error) changes nothing either.
      assert.equal((await publisher({ maxRecords: 40 }, sleep).publish(dataset, [], rows)).ok, true);
      assert.equal(server.records.size, 96);
    });

    it('gives up after the retries on a lasting 5xx and says what was sent', async function () {
      server.failures.push(...Array.from({ length: 4 }, () => ({ status: 502 })));
      const { delays, sleep } = recordingSleep();
      const result = await publisher({}, sleep).publish(dataset, [], hourlyRows(1, 2));
      assert.equal(result.ok, false);
      assert.match(result.detail, /HTTP 502/);
      assert.match(result.detail, /gave up after 4 tries/);
      assert.match(result.detail, /0 records sent/);
      assert.deepEqual(delays, [20, 40, 80]);
    });

    it('reports a 400 with the API message and does not retry it', async function () {
      const rows = hourlyRows(1, 3);
      rows.rows[1].energie_kwh = 'n/a';
      const result = await publisher().publish(dataset, [], rows);
      assert.equal(result.ok, false);
      assert.match(result.detail, /consommation-horaire-batiments: Opendatasoft push conso-batiments\/temps-reel .*HTTP 400: Field "energie_kwh": value "n\/a" is not a number/);
      assert.equal(server.requestCount, 1);
    });

    it('checks the {"status": "OK"} answer', async function () {
      server.failures.push({ status: 200, body: { status: 'queued?' } });
      const result = await publisher().publish(dataset, [], hourlyRows(1, 1));
      assert.equal(result.ok, false);
      assert.match(result.detail, /unexpected answer \(HTTP 200\)/);
    });

    it('refuses an incomplete destination without any request', async function () {
      const result = await publisher({ pushKey: '' }).publish(dataset, [], hourlyRows(1, 1));
      assert.equal(result.ok, false);
      assert.match(result.detail, /pushKey missing/);
      assert.equal(server.requestCount, 0);
    });
  });

  describe('splitBatches', function () {
    it('refuses a record larger than the limit', function () {
      assert.throws(() => splitBatches([{ a: 'x'.repeat(100) }], 50, 10), /record 1 is \d+ bytes/);
    });

    it('keeps every record, in order, as valid JSON arrays under the limit', function () {
      const records = Array.from({ length: 57 }, (_, i) => ({ i, t: 'é'.repeat(i % 7) }));
      const bodies = splitBatches(records, 200, 1000);
      for (const b of bodies) assert.ok(Buffer.byteLength(b) <= 200);
      assert.deepEqual(bodies.flatMap((b) => JSON.parse(b) as unknown[]), records);
    });
  });

  describe('data.gouv.fr (udata)', function () {
    let server: UdataServer;
    const csv: PublishedFile = {
      name: 'consommation-horaire-batiments.csv',
      mediaType: 'text/csv',
      content: Buffer.from('site,debut,energie_kwh\r\nB001,2026-01-01T00:00:00Z,12.5\r\n', 'utf8'),
    };
    const datapackage: PublishedFile = { name: 'datapackage.json', mediaType: 'application/json', content: Buffer.from('{"name":"x"}') };
    const oldFile = Buffer.from('site,debut,energie_kwh\r\n');
    const RID = '7f3c1b2e-0000-4000-8000-000000000001';

    beforeEach(async function () {
      server = await startUdataServer({
        apiKey: API_KEY,
        datasets: {
          '65a1b2c3d4e5f60718293a4b': [
            { id: RID, title: 'Consommation (CSV)', filename: 'ancien.csv', mime: 'text/csv', content: oldFile, checksum: '' },
          ],
        },
      });
    });
    afterEach(async function () {
      await server.close();
    });

    function publisher(overrides: Partial<ConstructorParameters<typeof UdataPublisher>[0]> = {}, sleep?: (ms: number) => Promise<void>) {
      return new UdataPublisher({
        baseUrl: server.url,
        dataset: '65a1b2c3d4e5f60718293a4b',
        apiKey: API_KEY,
        retry: { attempts: 3, baseDelayMs: 50, sleep: sleep ?? (async () => undefined), timeoutMs: 5000 },
        ...overrides,
      });
    }

    it('knows the production and demo API roots', function () {
      assert.equal(apiRoot(undefined), 'https://www.data.gouv.fr/api/1');
      assert.equal(apiRoot('https://demo.data.gouv.fr/'), 'https://demo.data.gouv.fr/api/1');
      assert.equal(apiRoot('https://demo.data.gouv.fr/api/1/'), 'https://demo.data.gouv.fr/api/1');
    });

    it('uploads the CSV as a new resource (multipart, file name and content)', async function () {
      const result = await publisher().publish(dataset, [datapackage, csv], { rows: [] });
      assert.equal(result.ok, true, result.detail);
      const resources = server.datasets.get('65a1b2c3d4e5f60718293a4b')!;
      assert.equal(resources.length, 2);
      const added = resources[1];
      assert.equal(added.filename, 'consommation-horaire-batiments.csv');
      assert.equal(added.mime, 'text/csv');
      assert.deepEqual(added.content, csv.content);
      assert.match(result.detail, new RegExp(`uploaded as new resource ${added.id}`));
      assert.match(result.destination, /\/api\/1\/datasets\/65a1b2c3d4e5f60718293a4b\/upload\/$/);
    });

    it('replaces an existing resource\'s file, keeping its id', async function () {
      const result = await publisher({ resource: RID, file: 'datapackage.json' }).publish(dataset, [csv, datapackage], { rows: [] });
      assert.equal(result.ok, true, result.detail);
      const resources = server.datasets.get('65a1b2c3d4e5f60718293a4b')!;
      assert.equal(resources.length, 1);
      assert.equal(resources[0].id, RID);
      assert.equal(resources[0].filename, 'datapackage.json');
      assert.deepEqual(resources[0].content, datapackage.content);
      assert.match(result.detail, new RegExp(`replaced in resource ${RID}`));
    });

    it('checks X-API-KEY and never writes the key', async function () {
      const result = await publisher({ apiKey: 'not-the-key-99' }).publish(dataset, [csv], { rows: [] });
      assert.equal(result.ok, false);
      assert.match(result.detail, /HTTP 401: Invalid API Key/);
      assert.equal(result.detail.includes('not-the-key-99'), false);
      assert.equal(server.requestCount, 1);
      assert.equal(server.datasets.get('65a1b2c3d4e5f60718293a4b')!.length, 1);
    });

    it('retries a 500 then succeeds, uploading once', async function () {
      server.failures.push({ status: 500, body: { message: 'Internal Server Error' } });
      const { delays, sleep } = recordingSleep();
      const result = await publisher({ resource: RID }, sleep).publish(dataset, [csv], { rows: [] });
      assert.equal(result.ok, true, result.detail);
      assert.match(result.detail, /1 retries/);
      assert.deepEqual(delays, [50]);
      assert.equal(server.requestCount, 2);
      const resources = server.datasets.get('65a1b2c3d4e5f60718293a4b')!;
      assert.equal(resources.length, 1);
      assert.deepEqual(resources[0].content, csv.content, 'the form was rebuilt for the retry');
    });

    it('reports an unknown resource and a missing file clearly', async function () {
      const unknown = await publisher({ resource: 'nope' }).publish(dataset, [csv], { rows: [] });
      assert.equal(unknown.ok, false);
      assert.match(unknown.detail, /HTTP 404: Resource not found/);
      const missing = await publisher({ file: 'geojson' }).publish(dataset, [csv], { rows: [] });
      assert.equal(missing.ok, false);
      assert.match(missing.detail, /no file "geojson" among the files of consommation-horaire-batiments/);
    });
  });

  describe('the fake multipart parser', function () {
    it('reads what FormData sends', async function () {
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('a,b\r\n1,2\r\n')], { type: 'text/csv' }), 'x.csv');
      const request = new Request('http://localhost/', { method: 'POST', body: form });
      const body = Buffer.from(await request.arrayBuffer());
      const parts = parseMultipart(body, request.headers.get('content-type') ?? '');
      assert.equal(parts.length, 1);
      assert.equal(parts[0].filename, 'x.csv');
      assert.equal(parts[0].content.toString(), 'a,b\r\n1,2\r\n');
    });
  });
});
