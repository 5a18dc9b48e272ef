/**
 * What the `opendata-destination` config node offers to `opendata-publish`, typed without
 * Node-RED: `RED.nodes.getNode(id) as unknown as OpendataDestinationNode`, then
 * `await node.publisher().publish(dataset, files, rows)`. Also the pure factory the node uses.
 */
import type { Publisher } from '../types';
import { OpendatasoftPublisher } from './opendatasoft';
import type { RetryOptions } from './retry';
import { UdataPublisher } from './udata';

export type DestinationKind = 'opendatasoft' | 'udata';

export interface OpendataDestinationNode {
  id: string;
  readonly kind: DestinationKind;
  /** Short description without secrets: `opendatasoft https://…/push/`, `data.gouv.fr …/upload/`. */
  readonly description: string;
  /**
   * A publisher for this destination (a new one each call; cheap). Its publish() never rejects:
   * it resolves `{ok: false, detail}` on failure, the detail naming the dataset and the API's
   * message, without the key.
   */
  publisher(): Publisher;
}

export interface DestinationSettings {
  kind: string;
  /** Opendatasoft portal URL, or data.gouv.fr base URL (`https://demo.data.gouv.fr` for tests). */
  baseUrl: string;
  dataset: string;
  resource: string;
  /** udata: which published file (name or extension), default `csv`. */
  file?: string;
  /** Opendatasoft: unique-key field (default `cle`) and key columns (comma-separated; default the dataset's dimensions). */
  keyField?: string;
  keyColumns?: string;
  maxRecords?: number;
}

export interface DestinationCredentials {
  pushKey?: string;
  apiKey?: string;
}

/** The publisher of a destination; throws on an unknown kind. */
export function createPublisher(settings: DestinationSettings, credentials: DestinationCredentials, retry?: RetryOptions): Publisher {
  if (settings.kind === 'opendatasoft') {
    const keyColumns = (settings.keyColumns ?? '').split(',').map((c) => c.trim()).filter((c) => c !== '');
    return new OpendatasoftPublisher({
      domain: settings.baseUrl,
      dataset: settings.dataset,
      resource: settings.resource,
      pushKey: credentials.pushKey ?? '',
      keyField: settings.keyField?.trim() || undefined,
      keyColumns: keyColumns.length > 0 ? keyColumns : undefined,
      maxRecords: Number(settings.maxRecords) > 0 ? Number(settings.maxRecords) : undefined,
      retry,
    });
  }
  if (settings.kind === 'udata') {
    return new UdataPublisher({
      baseUrl: settings.baseUrl,
      dataset: settings.dataset,
      resource: settings.resource,
      apiKey: credentials.apiKey ?? '',
      file: settings.file,
      retry,
    });
  }
  throw new Error(`unknown open-data destination kind "${settings.kind}" (opendatasoft or udata)`);
}

/** A description without secrets, for logs and labels. */
export function describeDestination(settings: DestinationSettings): string {
  try {
    const p = createPublisher(settings, { pushKey: 'x', apiKey: 'x' });
    if (p instanceof OpendatasoftPublisher) return `opendatasoft ${p.destination}`;
    if (p instanceof UdataPublisher) return `data.gouv.fr ${p.uploadUrl}`;
  } catch (err) {
    return (err as Error).message;
  }
  return settings.kind;
}
