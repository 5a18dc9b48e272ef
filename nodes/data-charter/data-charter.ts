/**
 * `data-charter`: configuration node holding the city's data charter (a JSON file readable by
 * non-developers, default data/charte-donnees.json). Other nodes (opendata-publish, sensor-registry)
 * use it through DataCharterApi below: `charter()` returns the validated charter (or throws the
 * loading error), `check(dataset, rows)` lists the rules a publication breaks. Users register to get
 * the charter's state as their status. The rules are nodes/lib/opendata/charter.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { Charter, checkPublication, loadCharterFile, suppressSecretRows } from '../lib/opendata/charter';
import type { CharterViolation, DatasetDescription, DatasetRows } from '../lib/opendata/types';
import enUS = require('./locales/en-US/data-charter.json');
import { Translate, translator } from '../lib/i18n';

interface DataCharterDef extends NodeDef {
  file?: string;
}

type StatusText = { fill: 'red' | 'green' | 'yellow' | 'blue' | 'grey'; shape: 'ring' | 'dot'; text: string };

/** What other nodes may rely on (RED.nodes.getNode(config.charter) as DataCharterApi). */
interface DataCharterApi {
  /** The validated charter; throws the loading error (file, stream, field) when it is invalid. */
  charter(): Charter;
  /** The rules the publication breaks ([] = allowed); throws when the charter is invalid. */
  check(dataset: DatasetDescription, rows: DatasetRows): CharterViolation[];
  /** Leaves out the totals that statistical secrecy forbids (commune/territory rows), keeping the rest. */
  suppress(dataset: DatasetDescription, rows: DatasetRows): { rows: DatasetRows; suppressed: number };
  /** Reads the file again; the previous charter is kept when the new one is invalid. */
  reload(): Charter;
  /** Absolute path of the charter file. */
  file: string;
  register(user: Node): void;
  deregister(user: Node): void;
}

const PACKAGE_DATA = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../data' : '../../data');
const DEFAULT_FILE = 'charte-donnees.json';

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function dataDir(): string {
    let configured: unknown;
    try {
      configured = (RED.settings as unknown as Record<string, unknown>).supervisorDataDir;
    } catch {
      configured = undefined;
    }
    return typeof configured === 'string' && configured !== '' && fs.existsSync(path.join(configured, DEFAULT_FILE)) ? configured : PACKAGE_DATA;
  }

  function DataCharterNode(this: Node & DataCharterApi, config: DataCharterDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const configured = String(config.file ?? '').trim();
    const file = configured === '' ? path.join(dataDir(), DEFAULT_FILE) : path.isAbsolute(configured) ? configured : path.resolve(dataDir(), configured);
    const users = new Map<string, Node>();
    let current: Charter | undefined;
    let failure: Error | undefined;

    const status = (): StatusText => (current && !failure
      ? { fill: 'green', shape: 'dot', text: t('data-charter.status.loaded', { streams: current.flux.length }) }
      : { fill: 'red', shape: 'ring', text: t('data-charter.status.invalid') });
    const broadcast = () => {
      const s = status();
      for (const user of users.values()) user.status(s);
    };

    const load = (): Charter => {
      try {
        current = loadCharterFile(file);
        failure = undefined;
      } catch (err) {
        failure = new Error(t('data-charter.errors.invalid', { detail: (err as Error).message }));
        node.error(failure.message);
      }
      broadcast();
      if (!current || failure) throw failure as Error;
      return current;
    };
    try {
      load();
    } catch {
      // reported by load(); users see it in their status and through charter()
    }

    Object.defineProperty(node, 'file', { value: file, enumerable: true });
    node.charter = () => {
      if (failure || !current) throw failure ?? new Error(t('data-charter.errors.invalid', { detail: file }));
      return current;
    };
    node.check = (dataset, rows) => checkPublication(node.charter(), dataset, rows);
    node.suppress = (dataset, rows) => suppressSecretRows(node.charter(), dataset, rows);
    node.reload = () => load();
    node.register = (user) => {
      users.set(user.id, user);
      user.status(status());
    };
    node.deregister = (user) => {
      users.delete(user.id);
    };
    node.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      done();
    });
  }

  RED.nodes.registerType('data-charter', DataCharterNode as unknown as (this: Node, config: NodeDef) => void);
};
