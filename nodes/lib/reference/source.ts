/**
 * The loading logic of a `reference-source` config node, without Node-RED: which loader, lazy first
 * load, periodic refresh, the last good table kept when a reload fails, listeners. Implements
 * {@link ReferenceSourceApi}; the node adds credentials, paths and logging around it.
 */
import { loadArcgis } from './arcgis';
import { ColumnType, CsvEncoding, loadCsv } from './csv';
import { loadJson } from './json';
import { loadPostgres } from './postgres';
import type { ReferenceSourceApi, ReferenceTable } from './types';

export type SourceKind = 'csv' | 'json' | 'postgres' | 'arcgis';

export interface SourceConfig {
  name: string;
  kind: SourceKind;
  /** Resolved file path or URL. */
  location: string;
  keyColumn: string;
  requiredColumns: string[];
  /** Minutes; 0 = only at start. */
  refreshMinutes: number;
  timeoutMs?: number;
  csv?: { delimiter?: ',' | ';' | '\t' | ''; encoding?: CsvEncoding; typing?: 'auto' | 'none'; columnTypes?: Record<string, ColumnType> };
  json?: { rowPath?: string };
  postgres?: { query: string };
  arcgis?: { where?: string; outFields?: string; returnGeometry?: boolean; format?: 'json' | 'geojson'; pageSize?: number };
  credentials?: { headerName?: string; headerValue?: string; connectionString?: string; token?: string };
}

/** Runs the loader of a kind once. */
export function loadOnce(config: SourceConfig): Promise<ReferenceTable> {
  const common = { name: config.name, keyColumn: config.keyColumn, requiredColumns: config.requiredColumns, timeoutMs: config.timeoutMs };
  const credentials = config.credentials ?? {};
  const headers = credentials.headerName ? { [credentials.headerName]: credentials.headerValue ?? '' } : undefined;
  switch (config.kind) {
    case 'csv':
      return loadCsv({ ...common, location: config.location, headers, ...config.csv });
    case 'json':
      return loadJson({ ...common, url: config.location, rowPath: config.json?.rowPath, headerName: credentials.headerName, headerValue: credentials.headerValue });
    case 'postgres':
      return loadPostgres({ ...common, connectionString: credentials.connectionString ?? '', query: config.postgres?.query ?? '' });
    case 'arcgis':
      return loadArcgis({ ...common, url: config.location, token: credentials.token, ...config.arcgis });
    default:
      return Promise.reject(new Error(`reference table "${config.name}": unknown kind "${String(config.kind)}" (csv, json, postgres or arcgis)`));
  }
}

export type SourceState =
  | { state: 'idle' }
  | { state: 'loading'; table?: ReferenceTable }
  | { state: 'ready'; table: ReferenceTable }
  /** The last attempt failed; `table` is the last good one, if any (still served). */
  | { state: 'error'; error: Error; table?: ReferenceTable };

/** Retry delay of a failed load when no table was ever loaded (and the refresh is longer or off). */
export const RETRY_MS = 60000;

export class ReferenceSource implements ReferenceSourceApi {
  private current: ReferenceTable | undefined;
  private lastError: Error | undefined;
  private loading: Promise<ReferenceTable> | undefined;
  private firstAttempt: Promise<ReferenceTable> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly updateListeners = new Set<(table: ReferenceTable) => void>();
  private readonly stateListeners = new Set<(state: SourceState) => void>();

  constructor(private readonly config: SourceConfig, private readonly loader: (config: SourceConfig) => Promise<ReferenceTable> = loadOnce,
    private readonly onLoadError?: (err: Error) => void) {}

  table(): ReferenceTable | undefined {
    this.start();
    return this.current;
  }

  ready(): Promise<ReferenceTable> {
    this.start();
    if (this.current) return Promise.resolve(this.current);
    if (this.loading) return this.loading;
    return this.firstAttempt ?? this.reload();
  }

  onUpdate(listener: (table: ReferenceTable) => void): () => void {
    this.updateListeners.add(listener);
    this.start();
    return () => { this.updateListeners.delete(listener); };
  }

  /** Load state changes (loading, ready, error) for the users' status; returns an unsubscribe function. */
  onState(listener: (state: SourceState) => void): () => void {
    this.stateListeners.add(listener);
    this.start();
    return () => { this.stateListeners.delete(listener); };
  }

  state(): SourceState {
    if (this.loading) return { state: 'loading', table: this.current };
    if (this.lastError) return { state: 'error', error: this.lastError, table: this.current };
    if (this.current) return { state: 'ready', table: this.current };
    return { state: 'idle' };
  }

  /** Loads now (joins a load in progress). Rejects on failure, but the last good table stays. */
  reload(): Promise<ReferenceTable> {
    if (this.closed) return Promise.reject(new Error(`reference table "${this.config.name}" is closed`));
    if (this.loading) return this.loading;
    const attempt = (async () => {
      try {
        const table = await this.loader(this.config);
        if (this.closed) return table;
        this.current = table;
        this.lastError = undefined;
        for (const listener of [...this.updateListeners]) {
          try { listener(table); } catch { /* a user's listener must not break the others */ }
        }
        return table;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.lastError = error;
        if (!this.closed) this.onLoadError?.(error);
        throw error;
      } finally {
        this.loading = undefined;
        if (!this.closed) {
          this.emitState();
          this.schedule();
        }
      }
    })();
    this.loading = attempt;
    this.firstAttempt ??= attempt;
    attempt.catch(() => undefined);
    this.emitState();
    return attempt;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.updateListeners.clear();
    this.stateListeners.clear();
  }

  private start(): void {
    if (!this.firstAttempt && !this.closed) void this.reload().catch(() => undefined);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const refreshMs = this.config.refreshMinutes > 0 ? this.config.refreshMinutes * 60000 : 0;
    // Without a table, a failed load is retried at least every minute.
    const delay = this.current ? refreshMs : (refreshMs > 0 ? Math.min(refreshMs, RETRY_MS) : RETRY_MS);
    if (delay <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload().catch(() => undefined);
    }, delay);
    this.timer.unref?.();
  }

  private emitState(): void {
    const state = this.state();
    for (const listener of [...this.stateListeners]) {
      try { listener(state); } catch { /* ignore */ }
    }
  }
}
