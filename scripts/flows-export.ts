/**
 * `npm run flows:export`: splits the running flow file (user directory) back into flows/ and
 * dashboards/, one file per tab, so that changes made in the editor can be reviewed and committed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot, readEnvironment } from './environment';
import { readFlowFiles, splitFlows, writeSplitFlows, FlowNode } from './flows';

function main(): void {
  const env = readEnvironment();
  const flowFile = process.argv[2] ? path.resolve(process.argv[2]) : path.join(env.userDir, 'flows.json');
  if (!fs.existsSync(flowFile)) {
    throw new Error(`no flow file at ${flowFile}: start the platform once (npm start), or give the flow file as argument`);
  }
  const running = JSON.parse(fs.readFileSync(flowFile, 'utf8')) as FlowNode[];
  if (!Array.isArray(running)) throw new Error(`${flowFile} is not a JSON array of nodes`);
  const existing = readFlowFiles(packageRoot);
  const { written, removed } = writeSplitFlows(packageRoot, splitFlows(running, existing), existing);
  process.stdout.write(`Exported ${running.length} nodes from ${flowFile}\n`);
  for (const file of written) process.stdout.write(`  updated ${file}\n`);
  for (const file of removed) process.stdout.write(`  removed ${file} (its tab is gone)\n`);
  if (written.length === 0 && removed.length === 0) process.stdout.write('  flows/ and dashboards/ were already up to date\n');
}

try {
  main();
} catch (err) {
  process.stderr.write(`flows:export: ${(err as Error).message}\n`);
  process.exit(1);
}
