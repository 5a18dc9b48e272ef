/**
 * opendata-destination in a Node-RED runtime: the keys come from the credentials, the publisher it
 * gives pushes to (local) Opendatasoft and data.gouv.fr servers, and no key appears in a warning.
 */
import assert from 'node:assert/strict';
import type { NodeInitializer } from 'node-red';
import type { TestFlowsItem } from 'node-red-node-test-helper';
import type { OpendataDestinationNode } from '../../nodes/lib/opendata/publishers/destination-node';
import type { DatasetDescription } from '../../nodes/lib/opendata/types';
import { startOpendatasoftServer, startUdataServer } from '../support/opendata-servers';
import { builtNode, helper } from '../support/nodered';

const destinationNode = builtNode('opendata-destination') as NodeInitializer;
type FlowItem = TestFlowsItem & Record<string, unknown>;

const dataset: DatasetDescription = {
  id: 'temperature-quotidienne', title: 'Température', description: 'Moyenne quotidienne', stream: 'confort',
  granularity: '1d', spatialLevel: 'building', quantities: ['temperature'],
  fields: [
    { name: 'site', type: 'string', title: 'Site', description: 'Bâtiment' },
    { name: 'jour', type: 'date', title: 'Jour', description: 'Jour' },
    { name: 'temperature', type: 'number', title: 'Température', description: 'Moyenne', unit: '°C' },
  ],
};

describe('opendata-destination node', function () {
  before(async function () {
    await helper.startServer();
  });
  after(async function () {
    await helper.stopServer();
  });
  afterEach(async function () {
    await helper.unload();
  });

  it('gives an Opendatasoft publisher keyed by the credentials, and warns on retries without the key', async function () {
    const server = await startOpendatasoftServer({ dataset: 'temp', resource: 'rt', pushKey: 'secret-push-1' });
    try {
      server.failures.push({ status: 503 });
      await helper.load(destinationNode, [
        { id: 'dest', type: 'opendata-destination', name: 'ODS', kind: 'opendatasoft', baseUrl: server.url, dataset: 'temp', resource: 'rt', keyField: 'cle', keyColumns: '', maxRecords: '1000', timeout: '5', attempts: '3' },
      ] as FlowItem[], { dest: { pushKey: 'secret-push-1' } });
      const dest = helper.getNode('dest') as unknown as OpendataDestinationNode & { warn: (m: string) => void };
      const warnings: string[] = [];
      const warn = dest.warn.bind(dest);
      dest.warn = (m: string) => { warnings.push(String(m)); warn(m); };
      assert.equal(dest.kind, 'opendatasoft');
      assert.equal(dest.description, `opendatasoft ${server.url}/api/push/1.0/temp/rt/push/`);
      const result = await dest.publisher().publish(dataset, [], { rows: [{ site: 'B1', jour: '2026-01-02', temperature: 19.5 }] });
      assert.equal(result.ok, true, result.detail);
      assert.deepEqual([...server.records.keys()], ['B1|2026-01-02']);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /try 1 failed \(.*HTTP 503.*\), retrying in 1 s/);
      assert.equal(warnings.join(' ').includes('secret-push-1'), false);
    } finally {
      await server.close();
    }
  });

  it('gives a data.gouv.fr publisher with the API key of the credentials', async function () {
    const server = await startUdataServer({ apiKey: 'secret-api-2', datasets: { ds1: [] } });
    try {
      await helper.load(destinationNode, [
        { id: 'dest', type: 'opendata-destination', kind: 'udata', baseUrl: server.url, dataset: 'ds1', resource: '', file: 'csv' },
      ] as FlowItem[], { dest: { apiKey: 'secret-api-2' } });
      const dest = helper.getNode('dest') as unknown as OpendataDestinationNode;
      assert.equal(dest.description, `data.gouv.fr ${server.url}/api/1/datasets/ds1/upload/`);
      const result = await dest.publisher().publish(dataset, [{ name: 'temperature-quotidienne.csv', mediaType: 'text/csv', content: Buffer.from('site,jour\n') }], { rows: [] });
      assert.equal(result.ok, true, result.detail);
      assert.equal(server.datasets.get('ds1')![0].filename, 'temperature-quotidienne.csv');
    } finally {
      await server.close();
    }
  });

  it('fails clearly without a key and never sends a request', async function () {
    const server = await startUdataServer({ apiKey: 'k', datasets: { ds1: [] } });
    try {
      await helper.load(destinationNode, [
        { id: 'dest', type: 'opendata-destination', kind: 'udata', baseUrl: server.url, dataset: 'ds1' },
      ] as FlowItem[]);
      const dest = helper.getNode('dest') as unknown as OpendataDestinationNode;
      const result = await dest.publisher().publish(dataset, [{ name: 'x.csv', mediaType: 'text/csv', content: Buffer.from('a\n') }], { rows: [] });
      assert.equal(result.ok, false);
      assert.match(result.detail, /apiKey missing/);
      assert.equal(server.requestCount, 0);
    } finally {
      await server.close();
    }
  });
});
