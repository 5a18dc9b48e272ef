/**
 * Open data contracts shared by the charter, the dataset builder, the formats and the publishers.
 * No Node-RED import.
 */

/** A column of a published table (Frictionless Table Schema field). */
export interface DatasetField {
  name: string;
  type: 'string' | 'number' | 'integer' | 'date' | 'datetime' | 'boolean' | 'geopoint';
  title: string;
  description: string;
  unit?: string;
}

/** What a dataset publishes, as the charter needs to judge it. */
export interface DatasetDescription {
  /** Slug: `consommation-quotidienne-batiments`. */
  id: string;
  title: string;
  description: string;
  /** Charter stream/category the dataset belongs to (its rules apply). */
  stream: string;
  /** Time granularity of the rows: `15m`, `1h`, `1d`, `1w`, `1mo`, `1y`. */
  granularity: string;
  /** Spatial level: `building`, `commune`, `territory`. */
  spatialLevel: 'building' | 'commune' | 'territory';
  fields: DatasetField[];
  /** Quantities it is made of (DESIGN §4), e.g. active_energy, co2. */
  quantities: string[];
  /** Usage of the sites aggregated (residential, bureau, enseignement…), when known. */
  usages?: string[];
}

/** The rows of one publication, with what the statistical-secrecy rules need. */
export interface DatasetRows {
  rows: Array<Record<string, unknown>>;
  /**
   * Per published aggregate (row), the contribution of each unit (site/meter) to it, for the
   * minimum-units and dominance rules. Keyed by row index.
   */
  contributions?: Array<Record<string, number>>;
}

/** A charter rule broken: the rule's stable name and a French explanation. */
export interface CharterViolation {
  rule: string;
  dataset: string;
  message: string;
}

export interface PublishedFile {
  /** File name: `<dataset>.csv`, `<dataset>.json`, `<dataset>.geojson`, `datapackage.json`, `dcat.jsonld`. */
  name: string;
  mediaType: string;
  content: Buffer;
}

/** A destination: folder, Opendatasoft push, data.gouv.fr resource… */
export interface Publisher {
  readonly kind: string;
  /** Publishes one dataset's files and rows; resolves with what was done (for the publication log). */
  publish(dataset: DatasetDescription, files: PublishedFile[], rows: DatasetRows): Promise<PublicationResult>;
}

export interface PublicationResult {
  destination: string;
  ok: boolean;
  /** Records or files sent, requests made, retries. */
  detail: string;
  at: string;
}
