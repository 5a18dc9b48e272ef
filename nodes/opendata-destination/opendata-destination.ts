/**
 * `opendata-destination`: configuration node of an open-data destination, the Opendatasoft realtime
 * push API or a data.gouv.fr (udata) dataset resource. The push key and the API key are Node-RED
 * credentials, never in the flow file. `opendata-publish` gets a publisher from it:
 * `(RED.nodes.getNode(id) as OpendataDestinationNode).publisher().publish(dataset, files, rows)`.
 * See nodes/lib/opendata/publishers/destination-node.ts.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import enUS = require('./locales/en-US/opendata-destination.json');
import { Translate, translator } from '../lib/i18n';
import {
  createPublisher, describeDestination, type DestinationCredentials, type DestinationKind,
  type DestinationSettings, type OpendataDestinationNode,
} from '../lib/opendata/publishers/destination-node';
import type { Publisher } from '../lib/opendata/types';

interface OpendataDestinationDef extends NodeDef {
  kind?: string;
  baseUrl?: string;
  dataset?: string;
  resource?: string;
  file?: string;
  keyField?: string;
  keyColumns?: string;
  maxRecords?: number | string;
  timeout?: number | string;
  attempts?: number | string;
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function OpendataDestinationConfigNode(this: Node<DestinationCredentials> & OpendataDestinationNode, config: OpendataDestinationDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const kind = (config.kind === 'udata' ? 'udata' : config.kind === 'opendatasoft' ? 'opendatasoft' : String(config.kind ?? '')) as DestinationKind;
    const settings: DestinationSettings = {
      kind,
      baseUrl: (config.baseUrl ?? '').trim(),
      dataset: (config.dataset ?? '').trim(),
      resource: (config.resource ?? '').trim(),
      file: (config.file ?? '').trim() || undefined,
      keyField: (config.keyField ?? '').trim() || undefined,
      keyColumns: config.keyColumns,
      maxRecords: Number(config.maxRecords) || undefined,
    };
    const timeoutMs = Number(config.timeout) > 0 ? Number(config.timeout) * 1000 : 30000;
    const attempts = Number(config.attempts) >= 1 ? Math.floor(Number(config.attempts)) : 4;
    Object.defineProperty(node, 'kind', { value: kind, enumerable: true });
    Object.defineProperty(node, 'description', { value: describeDestination(settings), enumerable: true });

    node.publisher = (): Publisher => {
      const credentials = node.credentials ?? {};
      if (kind !== 'opendatasoft' && kind !== 'udata') {
        throw new Error(t('opendata-destination.errors.kind', { kind: String(config.kind ?? '') }));
      }
      return createPublisher(settings, { pushKey: credentials.pushKey, apiKey: credentials.apiKey }, {
        attempts,
        timeoutMs,
        onRetry: ({ attempt, delayMs, reason }) => {
          node.warn(t('opendata-destination.warnings.retry', { attempt, delay: Math.round(delayMs / 1000), reason }));
        },
      });
    };
  }

  RED.nodes.registerType('opendata-destination', OpendataDestinationConfigNode as unknown as (this: Node, config: NodeDef) => void, {
    credentials: {
      pushKey: { type: 'password' },
      apiKey: { type: 'password' },
    },
  });
};
