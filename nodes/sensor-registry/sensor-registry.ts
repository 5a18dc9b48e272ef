/**
 * `sensor-registry`: the public register of the city's sensors, in French, as an HTML page
 * (`GET <path>/registre`) and JSON (`GET <path>/registre.json`), served by Node-RED's HTTP node
 * server with Cache-Control and ETag headers. Built from the reference files devices.csv,
 * meters.csv and buildings.csv (read directly from the supervisor's data folder: the register must
 * list the whole fleet even when no flow loads those tables) and from the data charter (a
 * `data-charter` config node, else the sample charter file). A message on the input rebuilds it
 * (files re-read; `msg.datasets` adds published datasets) and sends it on in `msg.payload`.
 * The register itself is nodes/lib/opendata/registry.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { Request, Response } from 'express';
import { parseCsv } from '../lib/csv';
import { catalog } from '../lib/codecs';
import { Charter, loadCharterFile } from '../lib/opendata/charter';
import { buildRegistry, etagOf, Registry, RegistryDataset, renderRegistryHtml } from '../lib/opendata/registry';
import enUS = require('./locales/en-US/sensor-registry.json');
import { Translate, translator } from '../lib/i18n';

interface SensorRegistryDef extends NodeDef {
  charter?: string;
  path?: string;
  devices?: string;
  meters?: string;
  buildings?: string;
  maxAge?: number | string;
}

interface CharterUser {
  charter(): Charter;
  register?(user: Node): void;
  deregister?(user: Node): void;
}

interface Served {
  body: string;
  etag: string;
  type: string;
}

type Layer = { route?: { path?: string; methods?: Record<string, boolean>; stack?: Array<{ handle?: unknown }> } };

const PACKAGE_DATA = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../data' : '../../data');

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function dataDir(): string {
    let configured: unknown;
    try {
      configured = (RED.settings as unknown as Record<string, unknown>).supervisorDataDir;
    } catch {
      configured = undefined;
    }
    return typeof configured === 'string' && configured !== '' && fs.existsSync(configured) ? configured : PACKAGE_DATA;
  }

  function readTable(name: string, required: boolean): Array<Record<string, string>> {
    const file = path.isAbsolute(name) ? name : path.resolve(dataDir(), name);
    if (!fs.existsSync(file)) {
      if (required) throw new Error(t('sensor-registry.errors.no-file', { file }));
      return [];
    }
    return parseCsv(fs.readFileSync(file, 'utf8'), { file: path.basename(file) }).rows;
  }

  function SensorRegistryNode(this: Node, config: SensorRegistryDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const base = `/${String(config.path ?? '').trim().replace(/^\/+|\/+$/g, '') || 'opendata'}`;
    const maxAge = Number.isFinite(Number(config.maxAge)) && Number(config.maxAge) >= 0 && String(config.maxAge ?? '') !== '' ? Number(config.maxAge) : 300;
    const files = {
      devices: String(config.devices ?? '').trim() || 'devices.csv',
      meters: String(config.meters ?? '').trim() || 'meters.csv',
      buildings: String(config.buildings ?? '').trim() || 'buildings.csv',
    };
    const charterNode = config.charter ? (RED.nodes.getNode(config.charter) as unknown as (Node & CharterUser) | null) : null;
    charterNode?.register?.(node);
    let fallbackCharter: Charter | undefined;
    const charter = (): Charter => {
      if (charterNode) return charterNode.charter();
      fallbackCharter ??= loadCharterFile(path.join(dataDir(), 'charte-donnees.json'));
      return fallbackCharter;
    };

    let registry: Registry | undefined;
    let html: Served | undefined;
    let json: Served | undefined;
    let failure: Error | undefined;
    let datasets: RegistryDataset[] = [];

    const build = (): Registry => {
      const next = buildRegistry({
        devices: readTable(files.devices, true),
        meters: readTable(files.meters, false),
        buildings: readTable(files.buildings, false),
        charter: charter(),
        quantitiesOf: (model) => catalog.get(model)?.quantities.map((q) => q.quantity) ?? [],
        datasets,
      });
      const jsonBody = `${JSON.stringify(next, null, 2)}\n`;
      const htmlBody = renderRegistryHtml(next, { json: 'registre.json', catalog: './' });
      registry = next;
      json = { body: jsonBody, etag: etagOf(jsonBody), type: 'application/json; charset=utf-8' };
      html = { body: htmlBody, etag: etagOf(htmlBody), type: 'text/html; charset=utf-8' };
      failure = undefined;
      node.status({ fill: 'green', shape: 'dot', text: t('sensor-registry.status.sensors', { count: next.nombreDeCapteurs }) });
      return next;
    };
    const rebuild = (): Registry => {
      try {
        return build();
      } catch (err) {
        failure = new Error(t('sensor-registry.errors.build', { detail: (err as Error).message }));
        node.status({ fill: 'red', shape: 'ring', text: t('sensor-registry.status.error') });
        throw failure;
      }
    };
    try {
      rebuild();
    } catch (err) {
      node.error((err as Error).message);
    }

    const serve = (which: () => Served | undefined) => (req: Request, res: Response): void => {
      const served = which();
      if (!served) {
        res.status(503).set('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(failure?.message ?? t('sensor-registry.errors.unavailable'));
        return;
      }
      res.set({ 'Cache-Control': `public, max-age=${maxAge}`, ETag: served.etag, 'Content-Type': served.type, 'X-Content-Type-Options': 'nosniff' });
      if (String(req.headers['if-none-match'] ?? '').split(/\s*,\s*/).includes(served.etag)) {
        res.status(304).end();
        return;
      }
      res.status(200).send(served.body);
    };
    const handlers = new Set<unknown>();
    const routes: Array<[string, ReturnType<typeof serve>]> = [
      [`${base}/registre`, serve(() => html)],
      [`${base}/registre.json`, serve(() => json)],
    ];
    const httpNode = (RED as unknown as { httpNode?: { get: (p: string, h: unknown) => void; _router?: { stack: Layer[] } } }).httpNode;
    if (httpNode && typeof httpNode.get === 'function') {
      for (const [route, handler] of routes) {
        httpNode.get(route, handler);
        handlers.add(handler);
      }
    } else {
      node.warn(t('sensor-registry.errors.no-http'));
    }

    node.on('input', (msg: NodeMessageInFlow & { datasets?: unknown }, send, done) => {
      try {
        if (Array.isArray(msg.datasets)) {
          datasets = msg.datasets
            .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null)
            .map((d) => ({ id: String(d.id ?? ''), titre: String(d.titre ?? d.title ?? d.id ?? ''), flux: String(d.flux ?? d.stream ?? ''), url: d.url === undefined ? undefined : String(d.url) }))
            .filter((d) => d.id !== '' && d.flux !== '');
        }
        if (charterNode === null) fallbackCharter = undefined;
        const next = rebuild();
        (msg as unknown as Record<string, unknown>).payload = next;
        send(msg);
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      const router = httpNode?._router;
      if (router) {
        router.stack = router.stack.filter((layer) => !(layer.route?.stack ?? []).some((s) => handlers.has(s.handle)));
      }
      handlers.clear();
      charterNode?.deregister?.(node);
      registry = undefined;
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('sensor-registry', SensorRegistryNode as unknown as (this: Node, config: NodeDef) => void);
};
