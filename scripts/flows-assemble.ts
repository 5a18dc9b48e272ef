/**
 * `node dist/scripts/flows-assemble.js --role all|ingest [--out <file>]`: the flow file of one instance.
 *
 * - `all`: every tab of flows/ and dashboards/, exactly what `npm start` writes on first start.
 * - `ingest`: a scale-out worker (docs/scale-out.md): the tabs of flows/10-ingest.json only, without their
 *   `link out` nodes (they lead to the dashboards and the lighting tab, which a worker does not run), without
 *   the nodes that only fed those links (nothing would read what they compute), and with the config nodes
 *   the rest uses. No wire or reference is left dangling.
 *
 * Without --out the flow goes to standard output. Used by the Docker image and the scale-out spec.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './environment';
import { FlowNode, assembleFlows, readFlowFiles } from './flows';

export type InstanceRole = 'all' | 'ingest';

/** The repository file whose tabs an ingest worker runs. */
export const INGEST_FILE = 'flows/10-ingest.json';

/** Node types whose properties list other nodes by id (besides config references held in strings). */
const ID_LIST_PROPERTIES = ['scope', 'links'];

function wiresOf(node: FlowNode): string[][] {
  return Array.isArray(node.wires) ? (node.wires as string[][]) : [];
}

/** Ids a node refers to through its properties (config nodes, link targets, catch scopes), wires excluded. */
function references(node: FlowNode, known: ReadonlyMap<string, FlowNode>): string[] {
  const refs: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'id' || key === 'z' || key === 'wires' || key === 'type') continue;
    if (typeof value === 'string' && known.has(value)) refs.push(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string' && known.has(v)) refs.push(v);
  }
  return refs;
}

/** The ingest worker's flow: see the header. */
export function ingestFlows(root: string): FlowNode[] {
  const all = assembleFlows(root);
  const byId = new Map(all.map((n) => [n.id, n]));
  const file = readFlowFiles(root).find((f) => f.file === INGEST_FILE);
  if (!file) throw new Error(`${INGEST_FILE} not found under ${root}`);
  const tabs = new Set(file.nodes.filter((n) => n.type === 'tab').map((n) => n.id));
  if (tabs.size === 0) throw new Error(`${INGEST_FILE} holds no tab`);

  // Copies: the repository's objects stay as they are.
  let members = all.filter((n) => n.z !== undefined && tabs.has(n.z)).map((n) => JSON.parse(JSON.stringify(n)) as FlowNode);
  const removed = new Set(members.filter((n) => n.type === 'link out').map((n) => n.id));
  // A node whose every wire led to removed nodes only fed them: it goes too, and so on upstream.
  for (let changed = true; changed;) {
    changed = false;
    for (const node of members) {
      if (removed.has(node.id)) continue;
      const targets = wiresOf(node).flat();
      if (targets.length > 0 && targets.every((id) => removed.has(id))) {
        removed.add(node.id);
        changed = true;
      }
    }
  }
  members = members.filter((n) => !removed.has(n.id));
  for (const node of members) {
    if (Array.isArray(node.wires)) node.wires = wiresOf(node).map((port) => port.filter((id) => !removed.has(id)));
    for (const key of ID_LIST_PROPERTIES) {
      const list = node[key];
      if (Array.isArray(list)) node[key] = list.filter((id) => typeof id !== 'string' || !removed.has(id));
    }
  }

  // Config nodes (no z) the kept nodes use, and the ones those use in turn.
  const needed = new Set<string>();
  const visit = (node: FlowNode) => {
    for (const ref of references(node, byId)) {
      const target = byId.get(ref)!;
      if (target.z === undefined && target.type !== 'tab' && !needed.has(ref)) {
        needed.add(ref);
        visit(target);
      }
    }
  };
  for (const node of members) visit(node);
  const configs = all.filter((n) => needed.has(n.id)).map((n) => JSON.parse(JSON.stringify(n)) as FlowNode);
  const tabNodes = all.filter((n) => tabs.has(n.id));
  return [...tabNodes, ...members, ...configs];
}

export function flowsForRole(root: string, role: InstanceRole): FlowNode[] {
  return role === 'ingest' ? ingestFlows(root) : assembleFlows(root);
}

function usage(): never {
  process.stderr.write('usage: flows-assemble --role all|ingest [--out <file>]\n');
  process.exit(2);
}

function main(argv: string[]): void {
  let role: InstanceRole = 'all';
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--role') {
      const value = argv[++i];
      if (value !== 'all' && value !== 'ingest') {
        process.stderr.write(`flows-assemble: --role "${value ?? ''}" is not a role: all or ingest\n`);
        process.exit(2);
      }
      role = value;
    } else if (arg === '--out') {
      out = argv[++i];
      if (!out) usage();
    } else if (arg === '--help' || arg === '-h') {
      usage();
    } else {
      process.stderr.write(`flows-assemble: unknown argument "${arg}"\n`);
      usage();
    }
  }
  const flows = flowsForRole(packageRoot, role);
  const text = JSON.stringify(flows, null, 4) + '\n';
  if (out) {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, text);
    process.stderr.write(`flows-assemble: ${flows.length} nodes (role ${role}) written to ${out}\n`);
  } else {
    process.stdout.write(text);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`flows-assemble: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
