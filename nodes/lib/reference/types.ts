/**
 * Reference data of the city's business software (building registry, meter registry, lighting assets,
 * invoices, degree-days, GIS layers) as loaded tables. Shared by the `reference-source` config node,
 * `reference-enrich` and the KPI nodes. No Node-RED import.
 */

/** One row: column name → value (strings from CSV; numbers, booleans, null from JSON/SQL/ArcGIS). */
export type ReferenceRow = Record<string, unknown>;

export interface ReferenceTable {
  /** Name given in the config node (for messages: "table « bâtiments »"). */
  name: string;
  /** Key column; rows are indexed by its value as a string (devEUIs lowercased). */
  keyColumn: string;
  columns: string[];
  /** Rows by key. */
  rows: ReadonlyMap<string, ReferenceRow>;
  /** Every row in source order (tables without a unique key, e.g. invoices or daily DJU, use this). */
  list: readonly ReferenceRow[];
  /** Epoch ms of the load. */
  loadedAt: number;
  /** Where it came from, for status and errors (file path, URL without credentials, "PostgreSQL query"). */
  origin: string;
}

/** What a `reference-source` config node offers to the nodes that use it. */
export interface ReferenceSourceApi {
  /** The last good table, or undefined before the first successful load. */
  table(): ReferenceTable | undefined;
  /** Resolves with the table once loaded (or rejects with the load error after the first attempt fails). */
  ready(): Promise<ReferenceTable>;
  /** Called after every successful (re)load; returns an unsubscribe function. */
  onUpdate(listener: (table: ReferenceTable) => void): () => void;
}
