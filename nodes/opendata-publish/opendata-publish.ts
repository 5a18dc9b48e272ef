/**
 * `opendata-publish`: publishes the configured `opendata-dataset`s under the city's data charter.
 * Each input message triggers a publication (msg.dataset = one slug, else every dataset): build
 * the rows → charter check (a refusal is done(err) naming the rule and the dataset) → formats
 * (nodes/lib/opendata/formats.ts) → built-in HTTP endpoints (catalog page in French, files with
 * caching headers) and/or a folder. Output: the publication log entries. Schedule it with an
 * inject node upstream (daily, hourly).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { buildFiles, formatsOf, licenceInfo } from '../lib/opendata/formats';
import type { OpendataDestinationNode } from '../lib/opendata/publishers/destination-node';
import type { CharterViolation, DatasetDescription, DatasetRows, PublishedFile } from '../lib/opendata/types';
import enUS = require('./locales/en-US/opendata-publish.json');
import { Translate, translator } from '../lib/i18n';

interface OpendataPublishDef extends NodeDef {
  dataset1?: string;
  dataset2?: string;
  dataset3?: string;
  dataset4?: string;
  dataset5?: string;
  charter?: string;
  http?: boolean | string;
  basePath?: string;
  publicUrl?: string;
  cacheSeconds?: number | string;
  folder?: string;
  destination1?: string;
  destination2?: string;
}

/** What an opendata-dataset config node offers (see nodes/opendata-dataset/opendata-dataset.ts). */
interface DatasetNode {
  id: string;
  slug: string;
  licence: string;
  frequency: string;
  suppress?: boolean;
  describe(): DatasetDescription;
  build(now?: number): Promise<{ description: DatasetDescription; rows: DatasetRows & { temporal?: { start: string; end: string } } }>;
}

/** What a data-charter config node offers. */
interface CharterNode {
  check(dataset: DatasetDescription, rows: DatasetRows): CharterViolation[] | Promise<CharterViolation[]>;
  suppress?(dataset: DatasetDescription, rows: DatasetRows): { rows: DatasetRows; suppressed: number };
}

/** One line of the publication log (what, where, when, result). */
interface LogEntry {
  dataset: string;
  destination: string;
  at: string;
  result: 'ok' | 'refused' | 'error';
  detail: string;
}

interface ServedFile {
  content: Buffer;
  mediaType: string;
  etag: string;
}

interface Publication {
  description: DatasetDescription;
  licence: string;
  publishedAt: string;
  rowCount: number;
  files: Map<string, ServedFile>;
}

type Req = { params: Record<string, string>; headers: Record<string, string | undefined> };
type Res = {
  status(code: number): Res;
  set(name: string, value: string): Res;
  send(body: unknown): void;
  end(): void;
};
type Handler = (req: Req, res: Res, next: () => void) => void;

const STATUS_INTERVAL_MS = 500;
const LOG_SIZE = 200;
const FORMAT_LABELS: Record<string, string> = { csv: 'CSV', json: 'JSON', geojson: 'GeoJSON' };

function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));
}

function frenchDate(iso: string): string {
  return new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(new Date(iso));
}

/** `/opendata`, without trailing slash; `/` alone is refused (it would shadow everything). */
function normaliseBasePath(value: unknown): string {
  let base = String(value ?? '').trim() || '/opendata';
  if (!base.startsWith('/')) base = `/${base}`;
  base = base.replace(/\/+$/, '');
  return base === '' ? '/opendata' : base;
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function OpendataPublishNode(this: Node, config: OpendataPublishDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const datasetIds = [config.dataset1, config.dataset2, config.dataset3, config.dataset4, config.dataset5]
      .map((id) => String(id ?? '').trim()).filter((id) => id !== '');
    const datasets = datasetIds.map((id) => RED.nodes.getNode(id) as unknown as DatasetNode | null)
      .filter((d): d is DatasetNode => !!d && typeof d.build === 'function');
    const charter = RED.nodes.getNode(String(config.charter ?? '')) as unknown as CharterNode | null;
    const httpEnabled = config.http === true || config.http === 'true' || config.http === undefined;
    const basePath = normaliseBasePath(config.basePath);
    const publicUrl = String(config.publicUrl ?? '').trim().replace(/\/+$/, '') || basePath;
    const cacheSeconds = Number.isFinite(Number(config.cacheSeconds)) && String(config.cacheSeconds ?? '').trim() !== '' ? Math.max(0, Number(config.cacheSeconds)) : 300;
    let folder = String(config.folder ?? '').trim();
    if (folder !== '' && !path.isAbsolute(folder)) {
      const userDir = (RED.settings as unknown as { userDir?: string }).userDir ?? process.cwd();
      folder = path.resolve(userDir, folder);
    }
    // Remote destinations (Opendatasoft realtime push, data.gouv.fr resource): opendata-destination config nodes.
    const destinations = [config.destination1, config.destination2]
      .map((id) => String(id ?? '').trim()).filter((id) => id !== '')
      .map((id) => RED.nodes.getNode(id) as unknown as OpendataDestinationNode | null)
      .filter((d): d is OpendataDestinationNode => !!d && typeof d.publisher === 'function');
    const publications = new Map<string, Publication>();
    const log: LogEntry[] = [];
    let closed = false;
    let statusTimer: NodeJS.Timeout | undefined;
    let pendingStatus: { fill: 'green' | 'red' | 'yellow'; text: string } | undefined;

    function showStatus(status: { fill: 'green' | 'red' | 'yellow'; text: string }): void {
      pendingStatus = status;
      if (statusTimer !== undefined) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        if (pendingStatus && !closed) node.status({ fill: pendingStatus.fill, shape: pendingStatus.fill === 'green' ? 'dot' : 'ring', text: pendingStatus.text });
      }, STATUS_INTERVAL_MS);
    }

    if (!charter || typeof charter.check !== 'function') {
      node.status({ fill: 'red', shape: 'ring', text: t('opendata-publish.status.no-charter') });
      node.error(t('opendata-publish.errors.no-charter'));
    } else if (datasets.length === 0) {
      node.status({ fill: 'yellow', shape: 'ring', text: t('opendata-publish.status.no-dataset') });
    }

    function record(entry: LogEntry): LogEntry {
      log.push(entry);
      if (log.length > LOG_SIZE) log.splice(0, log.length - LOG_SIZE);
      if (entry.result === 'ok') node.log(`${entry.dataset} → ${entry.destination}: ${entry.detail}`);
      else node.warn(`${entry.dataset} → ${entry.destination}: ${entry.result}: ${entry.detail}`);
      return entry;
    }

    // ---- HTTP endpoints -------------------------------------------------------------------------

    function serve(req: Req, res: Res, file: ServedFile, publishedAt: string): void {
      const lastModified = new Date(publishedAt).toUTCString();
      res.set('Content-Type', file.mediaType);
      res.set('Cache-Control', `public, max-age=${cacheSeconds}`);
      res.set('ETag', file.etag);
      res.set('Last-Modified', lastModified);
      res.set('Access-Control-Allow-Origin', '*');
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      const notModified = inm !== undefined
        ? inm.split(',').map((s) => s.trim()).some((tag) => tag === file.etag || tag === '*' || tag === `W/${file.etag}`)
        : ims !== undefined && Number.isFinite(Date.parse(ims)) && Date.parse(ims) >= Date.parse(lastModified);
      if (notModified) {
        res.status(304).end();
        return;
      }
      res.status(200).send(file.content);
    }

    function notPublished(res: Res, slug: string): void {
      res.status(404).set('Content-Type', 'text/plain; charset=utf-8').set('Cache-Control', 'no-cache')
        .send(`Le jeu de données « ${slug} » n'a pas encore été publié.`);
    }

    function knownSlug(slug: string): boolean {
      return datasets.some((d) => d.slug === slug);
    }

    const fileHandler: Handler = (req, res, next) => {
      const m = /^(.+)\.(csv|json|geojson)$/.exec(req.params.file ?? '');
      if (!m || !knownSlug(m[1])) return next();
      const publication = publications.get(m[1]);
      const file = publication?.files.get(`${m[1]}.${m[2]}`);
      if (!publication) return notPublished(res, m[1]);
      if (!file) return next();
      serve(req, res, file, publication.publishedAt);
    };

    const metadataHandler: Handler = (req, res, next) => {
      const slug = req.params.slug ?? '';
      const name = req.params.file ?? '';
      if (!knownSlug(slug) || (name !== 'datapackage.json' && name !== 'dcat.jsonld')) return next();
      const publication = publications.get(slug);
      if (!publication) return notPublished(res, slug);
      const file = publication.files.get(name);
      if (!file) return next();
      serve(req, res, file, publication.publishedAt);
    };

    const catalogHandler: Handler = (_req, res) => {
      const items = datasets.map((d) => {
        let description: DatasetDescription | undefined;
        try {
          description = d.describe();
        } catch {
          description = undefined;
        }
        const publication = publications.get(d.slug);
        const licence = licenceInfo(d.licence);
        const title = escapeHtml(description?.title ?? d.slug);
        const slug = encodeURIComponent(d.slug);
        const formats = description ? formatsOf(description) : [];
        const links = publication
          ? [...formats.map((f) => `<a href="${escapeHtml(basePath)}/${slug}.${f}">${FORMAT_LABELS[f] ?? f}</a>`),
            `<a href="${escapeHtml(basePath)}/${slug}/datapackage.json">Data Package (datapackage.json)</a>`,
            `<a href="${escapeHtml(basePath)}/${slug}/dcat.jsonld">Métadonnées DCAT-AP (JSON-LD)</a>`].join(' · ')
          : '<em>pas encore publié</em>';
        const last = publication ? `${escapeHtml(frenchDate(publication.publishedAt))} (${publication.rowCount} lignes)` : '—';
        return `<section class="jeu" id="${escapeHtml(d.slug)}">
<h2>${title}</h2>
<p>${escapeHtml(description?.description ?? '')}</p>
<dl>
<dt>Identifiant</dt><dd><code>${escapeHtml(d.slug)}</code></dd>
<dt>Formats</dt><dd>${links}</dd>
<dt>Licence</dt><dd><a href="${escapeHtml(licence.path)}">${escapeHtml(licence.title)}</a></dd>
<dt>Dernière publication</dt><dd>${last}</dd>
</dl>
</section>`;
      });
      const html = `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Données ouvertes – Grand Poitiers</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1e1e1e}
section.jeu{border-top:1px solid #ccc;padding-top:.5rem}dt{font-weight:600}dd{margin:0 0 .4rem 0}a{color:#005a9c}</style>
</head>
<body>
<h1>Données ouvertes de la supervision – Grand Poitiers</h1>
<p>Jeux de données publiés par la supervision du territoire intelligent, dans le respect de la charte de la donnée de Grand Poitiers :
agrégés et contrôlés avant chaque publication. Fichiers CSV (UTF-8, séparateur virgule, dates ISO 8601), JSON et GeoJSON,
décrits par un Data Package Frictionless et des métadonnées DCAT-AP.</p>
<p><a href="${escapeHtml(basePath)}/registre">Registre des capteurs</a> : ce que mesure chaque capteur, où, pour quoi faire et où vont ses données.</p>
${items.length > 0 ? items.join('\n') : '<p>Aucun jeu de données n\'est configuré.</p>'}
</body>
</html>
`;
      res.status(200).set('Content-Type', 'text/html; charset=utf-8').set('Cache-Control', 'no-cache').send(html);
    };

    const routes: Array<{ path: string; handler: Handler }> = [];
    if (httpEnabled) {
      routes.push({ path: `${basePath}/`, handler: catalogHandler });
      routes.push({ path: `${basePath}/:file`, handler: fileHandler });
      routes.push({ path: `${basePath}/:slug/:file`, handler: metadataHandler });
      for (const route of routes) RED.httpNode.get(route.path, route.handler as never);
    }

    function removeRoutes(): void {
      const router = (RED.httpNode as unknown as { _router?: { stack: Array<{ route?: { path: string; stack: Array<{ handle: unknown }> } }> } })._router;
      if (!router) return;
      const handlers = new Set<unknown>(routes.map((r) => r.handler));
      router.stack = router.stack.filter((layer) => !(layer.route && layer.route.stack.some((s) => handlers.has(s.handle))));
    }

    // ---- Publication ----------------------------------------------------------------------------

    async function writeFolder(slug: string, files: PublishedFile[]): Promise<void> {
      const dir = path.join(folder, slug);
      await fs.promises.mkdir(dir, { recursive: true });
      for (const file of files) {
        const target = file.name.startsWith(`${slug}.`) ? path.join(folder, file.name) : path.join(dir, file.name);
        const temp = `${target}.${process.pid}.tmp`;
        await fs.promises.writeFile(temp, file.content);
        await fs.promises.rename(temp, target);
      }
    }

    /** Publishes one dataset; returns its log entries and the error to report, if any. */
    async function publishOne(dataset: DatasetNode): Promise<{ entries: LogEntry[]; error?: Error }> {
      const slug = dataset.slug;
      const now = Date.now();
      const at = new Date(now).toISOString();
      const entries: LogEntry[] = [];
      if (!charter || typeof charter.check !== 'function') {
        const message = t('opendata-publish.errors.refused-no-charter', { dataset: slug });
        entries.push(record({ dataset: slug, destination: 'charter', at, result: 'refused', detail: message }));
        return { entries, error: Object.assign(new Error(message), { rule: 'no-charter', dataset: slug }) };
      }
      let built;
      try {
        built = await dataset.build(now);
      } catch (err) {
        const message = t('opendata-publish.errors.build', { dataset: slug, detail: (err as Error).message });
        entries.push(record({ dataset: slug, destination: 'build', at, result: 'error', detail: message }));
        return { entries, error: new Error(message) };
      }
      const { description } = built;
      let rows = built.rows;
      if (dataset.suppress && typeof charter.suppress === 'function') {
        const kept = charter.suppress(description, rows);
        if (kept.suppressed > 0) {
          rows = kept.rows;
          entries.push(record({ dataset: slug, destination: 'charter', at, result: 'ok', detail: t('opendata-publish.log.suppressed', { rows: kept.suppressed }) }));
        }
      }
      const violations = await Promise.resolve(charter.check(description, rows));
      if (Array.isArray(violations) && violations.length > 0) {
        const detail = violations.map((v) => `${v.rule}: ${v.message}`).join(' ; ');
        const message = t('opendata-publish.errors.refused', { dataset: slug, rules: violations.map((v) => v.rule).join(', '), detail });
        entries.push(record({ dataset: slug, destination: 'charter', at, result: 'refused', detail }));
        const error = Object.assign(new Error(message), { rule: violations[0].rule, rules: violations.map((v) => v.rule), dataset: slug });
        return { entries, error };
      }
      const files = buildFiles(description, rows, {
        baseUrl: publicUrl,
        licence: dataset.licence,
        publishedAt: at,
        temporal: rows.temporal,
        frequency: dataset.frequency,
      });
      const errors: string[] = [];
      if (httpEnabled) {
        const served = new Map<string, ServedFile>();
        for (const f of files) served.set(f.name, { content: f.content, mediaType: f.mediaType, etag: `"${createHash('sha1').update(f.content).digest('base64url')}"` });
        publications.set(slug, { description, licence: dataset.licence, publishedAt: at, rowCount: rows.rows.length, files: served });
        entries.push(record({ dataset: slug, destination: `http:${basePath}`, at, result: 'ok', detail: t('opendata-publish.log.http', { rows: rows.rows.length, files: files.length }) }));
      }
      if (folder !== '') {
        try {
          await writeFolder(slug, files);
          entries.push(record({ dataset: slug, destination: `folder:${folder}`, at, result: 'ok', detail: t('opendata-publish.log.folder', { rows: rows.rows.length, files: files.length }) }));
        } catch (err) {
          const message = t('opendata-publish.errors.folder', { dataset: slug, folder, detail: (err as Error).message });
          entries.push(record({ dataset: slug, destination: `folder:${folder}`, at, result: 'error', detail: message }));
          errors.push(message);
        }
      }
      for (const destination of destinations) {
        // publish() never rejects: a failure comes back as {ok: false, detail} without any key.
        const result = await destination.publisher().publish(description, files, rows);
        entries.push(record({ dataset: slug, destination: result.destination || destination.description, at: result.at || at, result: result.ok ? 'ok' : 'error', detail: result.detail }));
        if (!result.ok) errors.push(t('opendata-publish.errors.destination', { dataset: slug, destination: destination.description, detail: result.detail }));
      }
      return { entries, error: errors.length > 0 ? new Error(errors.join(' ; ')) : undefined };
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      const wanted = (msg as { dataset?: unknown }).dataset;
      let targets = datasets;
      if (wanted !== undefined && wanted !== null && wanted !== '') {
        targets = datasets.filter((d) => d.slug === String(wanted));
        if (targets.length === 0) {
          showStatus({ fill: 'red', text: t('opendata-publish.status.unknown') });
          done(new Error(t('opendata-publish.errors.unknown-dataset', { dataset: String(wanted), known: datasets.map((d) => d.slug).join(', ') || '—' })));
          return;
        }
      }
      (async () => {
        const entries: LogEntry[] = [];
        const errors: Error[] = [];
        for (const [index, dataset] of targets.entries()) {
          // A dataset's build queries the time-series database: show where a long publication is.
          showStatus({ fill: 'yellow', text: t('opendata-publish.status.progress', { index: index + 1, count: targets.length, dataset: dataset.slug }) });
          const outcome = await publishOne(dataset);
          entries.push(...outcome.entries);
          if (outcome.error) errors.push(outcome.error);
        }
        return { entries, errors };
      })().then(({ entries, errors }) => {
        const out = msg as NodeMessageInFlow & { payload: unknown };
        out.payload = entries;
        send(out);
        if (errors.length > 0) {
          showStatus({ fill: 'red', text: t('opendata-publish.status.failed', { count: errors.length }) });
          const error = errors.length === 1 ? errors[0] : Object.assign(new Error(errors.map((e) => e.message).join(' | ')), { errors });
          done(error);
        } else {
          showStatus({ fill: 'green', text: t('opendata-publish.status.done', { count: targets.length }) });
          done();
        }
      }).catch((err) => {
        showStatus({ fill: 'red', text: t('opendata-publish.status.failed', { count: 1 }) });
        done(err instanceof Error ? err : new Error(String(err)));
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      statusTimer = undefined;
      removeRoutes();
      publications.clear();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('opendata-publish', OpendataPublishNode);
};
