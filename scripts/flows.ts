/**
 * The application's flows live in the repository as one JSON array per tab (flows/, dashboards/);
 * Node-RED runs one flow file. `assembleFlows` joins the repository files into that flow file on first
 * start; `splitFlows` does the reverse so changes made in the editor can be reviewed and committed.
 */
import fs from 'node:fs';
import path from 'node:path';

export type FlowNode = { id: string; type: string; z?: string; [key: string]: unknown };

/** The folders whose files make up the application, relative to the package root. */
export const APPLICATION_FOLDERS = ['flows', 'dashboards'] as const;

const DASHBOARD_SHARED_TYPES = new Set(['ui-base', 'ui-theme']);

export interface FlowFile {
  /** Path relative to the package root, with forward slashes (flows/ingest.json). */
  file: string;
  nodes: FlowNode[];
}

/** Reads every `*.json` of the given folders; each must be a JSON array of nodes with string ids. */
export function readFlowFiles(root: string, folders: readonly string[] = APPLICATION_FOLDERS): FlowFile[] {
  const files: FlowFile[] = [];
  for (const folder of folders) {
    const dir = path.join(root, folder);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      const file = `${folder}/${name}`;
      let nodes: unknown;
      try {
        nodes = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
      } catch (err) {
        throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
      }
      if (!Array.isArray(nodes)) throw new Error(`${file}: a flow file must be a JSON array of nodes`);
      nodes.forEach((node, index) => {
        if (!node || typeof node !== 'object' || typeof node.id !== 'string' || typeof node.type !== 'string') {
          throw new Error(`${file}: node #${index} has no string "id" and "type"`);
        }
      });
      files.push({ file, nodes: nodes as FlowNode[] });
    }
  }
  return files;
}

/** Joins the application files into one flow array; two nodes with one id is an error naming both files. */
export function assembleFlows(root: string): FlowNode[] {
  const seen = new Map<string, string>();
  const all: FlowNode[] = [];
  for (const { file, nodes } of readFlowFiles(root)) {
    for (const node of nodes) {
      const other = seen.get(node.id);
      if (other) throw new Error(`node id "${node.id}" is used in both ${other} and ${file}`);
      seen.set(node.id, file);
      all.push(node);
    }
  }
  return all;
}

function slug(label: string): string {
  const ascii = label.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  return ascii.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'flow';
}

/** Every id a node refers to in its properties (config nodes, groups, links), wires excluded. */
function referencedIds(node: FlowNode, known: Set<string>): string[] {
  const refs: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'id' || key === 'z' || key === 'wires') continue;
    if (typeof value === 'string' && known.has(value)) refs.push(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string' && known.has(v)) refs.push(v);
  }
  return refs;
}

/**
 * Splits a running flow array back into repository files. A node already in a file stays there;
 * a new tab gets its own file (dashboards/ when it holds only ui-* widgets, flows/ otherwise); a new
 * config node goes with the first node that uses it (ui-base and ui-theme to dashboards/base.json).
 */
export function splitFlows(running: FlowNode[], existing: FlowFile[]): Map<string, FlowNode[]> {
  const fileOf = new Map<string, string>();
  for (const { file, nodes } of existing) for (const node of nodes) fileOf.set(node.id, file);
  const byId = new Map(running.map((n) => [n.id, n]));
  const containers = running.filter((n) => n.type === 'tab' || n.type === 'subflow');
  const usedNames = new Set<string>([...fileOf.values()]);
  const assigned = new Map<string, string>();

  for (const tab of containers) {
    let file = fileOf.get(tab.id);
    if (!file) {
      const members = running.filter((n) => n.z === tab.id);
      const dashboardOnly = members.length > 0 && members.every((n) => n.type.startsWith('ui-') || n.type === 'comment');
      const base = `${dashboardOnly ? 'dashboards' : 'flows'}/${slug(String(tab.label ?? tab.name ?? tab.id))}`;
      file = `${base}.json`;
      for (let i = 2; usedNames.has(file); i++) file = `${base}-${i}.json`;
      usedNames.add(file);
    }
    assigned.set(tab.id, file);
  }
  for (const node of running) {
    if (node.z && assigned.has(node.z)) assigned.set(node.id, assigned.get(node.z)!);
  }
  // Config nodes (and nodes of unknown containers): keep their file, else follow their first user.
  const known = new Set(byId.keys());
  const users = new Map<string, string[]>();
  for (const node of running) {
    for (const ref of referencedIds(node, known)) {
      if (!users.has(ref)) users.set(ref, []);
      users.get(ref)!.push(node.id);
    }
  }
  const resolve = (id: string, depth = 0): string => {
    const done = assigned.get(id) ?? fileOf.get(id);
    if (done) return done;
    const node = byId.get(id)!;
    if (DASHBOARD_SHARED_TYPES.has(node.type)) return 'dashboards/base.json';
    const firstUser = users.get(id)?.[0];
    if (firstUser && depth < 10) return resolve(firstUser, depth + 1);
    return 'flows/config.json';
  };
  for (const node of running) if (!assigned.has(node.id)) assigned.set(node.id, resolve(node.id));

  const files = new Map<string, FlowNode[]>();
  for (const node of running) {
    const file = assigned.get(node.id)!;
    if (!files.has(file)) files.set(file, []);
    files.get(file)!.push(node);
  }
  return files;
}

/** Writes the split files (pretty, like flowFilePretty) and removes application files left empty. */
export function writeSplitFlows(root: string, split: Map<string, FlowNode[]>, existing: FlowFile[]): { written: string[]; removed: string[] } {
  const written: string[] = [];
  const removed: string[] = [];
  for (const [file, nodes] of split) {
    const target = path.join(root, file);
    const content = JSON.stringify(nodes, null, 4) + '\n';
    if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== content) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
      written.push(file);
    }
  }
  for (const { file } of existing) {
    if (!split.has(file)) {
      fs.rmSync(path.join(root, file));
      removed.push(file);
    }
  }
  return { written, removed };
}
