/**
 * `opendata-dataset`: configuration node describing one open dataset: a time-series query (quantity,
 * field, interval, aggregate, window) on a `timeseries-db`, an aggregation to a spatial level
 * (building, commune, territory) with the `buildings` reference table, the published columns, the
 * charter stream and the licence. `opendata-publish` calls build() and gets the description and
 * the rows with their per-site contributions (nodes/lib/opendata/dataset.ts).
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { availableFields, buildDatasetRows, BuiltDataset, QUANTITY_UNITS, selectFields, SpatialLevel, SPATIAL_LEVELS } from '../lib/opendata/dataset';
import type { DatasetDescription } from '../lib/opendata/types';
import type { ReferenceSourceApi } from '../lib/reference/types';
import type { TimeseriesDbNode, TimeseriesDbUser } from '../lib/timeseries/db-node';
import { resolveQuery } from '../lib/timeseries/query';
import { resolveQueryTime } from '../lib/timeseries/query-shape';
import type { Aggregate, TimeseriesBackend, TypedQuery } from '../lib/timeseries/types';
import enUS = require('./locales/en-US/opendata-dataset.json');
import { Translate, translator } from '../lib/i18n';

interface OpendataDatasetDef extends NodeDef {
  slug?: string;
  title?: string;
  description?: string;
  stream?: string;
  quantity?: string;
  field?: string;
  interval?: string;
  aggregate?: string;
  start?: string;
  level?: string;
  columns?: string;
  unit?: string;
  licence?: string;
  frequency?: string;
  suppress?: boolean | string;
  siteTag?: string;
  tenant?: string;
  db?: string;
  buildings?: string;
}

/** What opendata-publish relies on. */
interface OpendataDatasetNode {
  slug: string;
  licence: string;
  frequency: string;
  /** Leave out the totals statistical secrecy forbids instead of refusing the whole dataset. */
  suppress: boolean;
  /** The description the charter judges (throws when the configuration is invalid). */
  describe(): DatasetDescription;
  /** Queries the store and aggregates: the description with usages, and the rows. */
  build(now?: number): Promise<{ description: DatasetDescription; rows: BuiltDataset }>;
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const TIMEZONE = 'Europe/Paris';

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function OpendataDatasetNode(this: Node & OpendataDatasetNode, config: OpendataDatasetDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const text = (v: unknown) => String(v ?? '').trim();
    const slug = text(config.slug);
    const level = (text(config.level) || 'building') as SpatialLevel;
    const quantity = text(config.quantity);
    const field = text(config.field) || 'value';
    const interval = text(config.interval) || '1d';
    const aggregate = (text(config.aggregate) || (field === 'delta' ? 'sum' : 'mean')) as Aggregate;
    const siteTag = text(config.siteTag) || 'site';
    const unit = text(config.unit) || QUANTITY_UNITS[quantity];
    node.slug = slug;
    node.licence = text(config.licence) || 'etalab-2.0';
    node.frequency = text(config.frequency) || 'daily';
    node.suppress = config.suppress === true || config.suppress === 'true';

    const db = RED.nodes.getNode(text(config.db)) as unknown as TimeseriesDbNode | null;
    const buildings = RED.nodes.getNode(text(config.buildings)) as unknown as ReferenceSourceApi | null;
    const user: TimeseriesDbUser = { id: node.id };
    let backend: Promise<TimeseriesBackend> | undefined;

    function configError(): string | undefined {
      if (!SLUG.test(slug)) return t('opendata-dataset.errors.slug', { slug });
      if (text(config.title) === '') return t('opendata-dataset.errors.title', { slug });
      if (text(config.stream) === '') return t('opendata-dataset.errors.stream', { slug });
      if (!/^[A-Za-z0-9_.\-:/]+$/.test(quantity)) return t('opendata-dataset.errors.quantity', { slug });
      if (!SPATIAL_LEVELS.includes(level)) return t('opendata-dataset.errors.level', { slug, level });
      if (!/^\d+(m|h|d|w)$/.test(interval)) return t('opendata-dataset.errors.interval', { slug, interval });
      return undefined;
    }

    node.describe = () => {
      const problem = configError();
      if (problem) throw new Error(problem);
      let fields;
      try {
        fields = selectFields(availableFields(level, interval, quantity, unit), config.columns);
      } catch (err) {
        throw new Error(t('opendata-dataset.errors.columns', { slug, detail: (err as Error).message }));
      }
      return {
        id: slug,
        title: text(config.title),
        description: text(config.description),
        stream: text(config.stream),
        granularity: interval,
        spatialLevel: level,
        fields,
        quantities: [quantity],
      };
    };

    node.build = async (now = Date.now()) => {
      const description = node.describe();
      if (!db || typeof db.acquire !== 'function') throw new Error(t('opendata-dataset.errors.no-database', { slug }));
      if (backend === undefined) {
        backend = db.acquire(user);
        backend.catch(() => { backend = undefined; });
      }
      const b = await backend;
      const query: TypedQuery = {
        quantity,
        field,
        start: resolveQueryTime(text(config.start) || '-7d', now, TIMEZONE, 'start'),
        end: now,
        interval,
        aggregate,
        groupBy: [siteTag],
        timezone: TIMEZONE,
      };
      if (text(config.tenant) !== '') query.where = { tenant: text(config.tenant) };
      resolveQuery(query, now); // validates, naming the faulty field
      const result = await b.query(query);
      let reference: ReadonlyArray<Record<string, unknown>> = [];
      if (buildings && typeof buildings.ready === 'function') reference = (await buildings.ready()).list;
      const rows = buildDatasetRows(result, reference, {
        spatialLevel: level,
        combine: aggregate === 'sum' || aggregate === 'count' || aggregate === 'spread' ? 'sum' : 'mean',
        granularity: interval,
        siteTag,
        timezone: TIMEZONE,
      });
      if (rows.usages.length > 0) description.usages = rows.usages;
      return { description, rows };
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      const wasOpen = backend !== undefined;
      backend = undefined;
      if (db && typeof db.release === 'function' && wasOpen) db.release(user).catch(() => undefined).finally(() => done());
      else done();
    });
  }

  RED.nodes.registerType('opendata-dataset', OpendataDatasetNode);
};
