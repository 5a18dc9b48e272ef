/**
 * `lorawan-decode`: decodes one frame from the command line, with the same code as the node.
 *
 *   lorawan-decode --model <id> --port <n> [--time <iso>] <hex|base64>    the Reading as JSON
 *   lorawan-decode --list                                                 every model: vendor, name, quantities
 *   lorawan-decode --codec <file> --port <n> [--mapping <json>] [--time <iso>] <hex|base64>
 *                                              the vendor codec's data (sandboxed), and the mapped measurements
 *
 * Exit codes: 0 decoded, 2 bad usage / bad frame / unknown model / decoding error.
 * Launched by bin/lorawan-decode.js (compiled to dist/scripts/lorawan-decode-cli.js).
 */
import fs from 'node:fs';
import { catalog, DecodeError, findCodec } from '../nodes/lib/codecs';
import { applyMapping, compileMapping, MappingRule, SandboxError, VendorCodec } from '../nodes/lib/codecs/sandbox';
import { closeModelNames, readingOf } from '../nodes/lib/decode';
import { DEFAULT_TENANT, Uplink } from '../nodes/lib/contracts';

const USAGE = `usage:
  lorawan-decode --model <id> --port <n> [--time <iso>] <hex|base64>
  lorawan-decode --codec <file> --port <n> [--mapping <rules.json>] [--time <iso>] <hex|base64>
  lorawan-decode --list`;

class UsageError extends Error {}

interface Args {
  model?: string;
  port?: string;
  time?: string;
  codec?: string;
  mapping?: string;
  list: boolean;
  help: boolean;
  frame?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { list: false, help: false };
  const valued: Record<string, keyof Args> = { '--model': 'model', '--port': 'port', '--time': 'time', '--codec': 'codec', '--mapping': 'mapping' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--list') args.list = true;
    else if (flag === '--help' || flag === '-h') args.help = true;
    else if (flag in valued) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      (args as unknown as Record<string, string>)[valued[flag]] = value;
    } else if (flag.startsWith('--')) throw new UsageError(`unknown option ${flag}`);
    else if (args.frame === undefined) args.frame = arg;
    else throw new UsageError(`one frame only (got "${args.frame}" and "${arg}")`);
  }
  return args;
}

/** Hex (any case, spaces allowed, optional 0x) or base64 → bytes; refuses anything else. */
export function frameBytes(text: string): Buffer {
  const compact = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (compact === '') throw new UsageError('the frame is empty');
  if (/^[0-9a-fA-F]+$/.test(compact)) {
    if (compact.length % 2 !== 0) throw new UsageError(`"${text}" is not valid hex: odd number of digits (${compact.length})`);
    return Buffer.from(compact, 'hex');
  }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(compact) && compact.length % 4 === 0) return Buffer.from(compact, 'base64');
  const bad = /[^0-9a-fA-F]/.exec(compact);
  throw new UsageError(`"${text}" is neither hex nor base64 (unexpected "${bad ? bad[0] : '?'}")`);
}

function portOf(args: Args): number {
  if (args.port === undefined) throw new UsageError('--port is required');
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 1 || port > 255) throw new UsageError(`--port ${args.port} is not a LoRaWAN application port (1 to 255)`);
  return port;
}

function timeOf(args: Args): string {
  if (args.time === undefined) return new Date().toISOString();
  const date = new Date(args.time);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--time "${args.time}" is not an ISO 8601 date`);
  return date.toISOString();
}

function list(): string {
  const lines: string[] = [];
  for (const codec of catalog.values()) {
    lines.push(`${codec.model}  ${codec.vendor} — ${codec.name}`);
    for (const q of codec.quantities) {
      lines.push(`    ${q.quantity} [${q.unit}] ${q.kind}${q.channels && q.channels.length > 0 ? `  channels: ${q.channels.join(', ')}` : ''}`);
    }
  }
  lines.push(`${catalog.size} models`);
  return lines.join('\n');
}

function decodeModel(args: Args): unknown {
  const codec = findCodec(args.model as string);
  if (!codec) {
    const close = closeModelNames(args.model as string);
    throw new UsageError(`unknown model "${args.model}"${close.length > 0 ? `; close names: ${close.join(', ')}` : ''} (lorawan-decode --list shows them all)`);
  }
  if (args.frame === undefined) throw new UsageError('the frame (hex or base64) is missing');
  const bytes = frameBytes(args.frame);
  const fPort = portOf(args);
  const time = timeOf(args);
  const frame = codec.decode({ bytes, fPort, recvTime: new Date(time) });
  const uplink = { devEui: '0000000000000000', tenant: DEFAULT_TENANT, time, radio: undefined } as unknown as Uplink;
  const reading = readingOf(uplink, codec.model, frame);
  delete reading.radio;
  return frame.info === undefined ? reading : { ...reading, info: frame.info };
}

async function decodeVendor(args: Args): Promise<unknown> {
  if (args.frame === undefined) throw new UsageError('the frame (hex or base64) is missing');
  const bytes = frameBytes(args.frame);
  const fPort = portOf(args);
  const time = timeOf(args);
  let rules: MappingRule[] | undefined;
  if (args.mapping !== undefined) {
    try {
      rules = JSON.parse(fs.readFileSync(args.mapping, 'utf8')) as MappingRule[];
    } catch (err) {
      throw new UsageError(`cannot read the mapping ${args.mapping}: ${(err as Error).message}`);
    }
    if (!Array.isArray(rules)) throw new UsageError(`the mapping ${args.mapping} must be a JSON array of rules {field, quantity, unit?, kind?, channel?, scale?}`);
  }
  const mapping = rules ? compileMapping(rules) : undefined;
  const codec = await VendorCodec.fromFile(args.codec as string);
  try {
    const result = codec.decode(bytes, fPort, new Date(time));
    const out: Record<string, unknown> = { codec: args.codec, style: codec.style, data: result.data };
    if (result.warnings.length > 0) out.warnings = result.warnings;
    if (mapping) {
      const frame = applyMapping(mapping, result.data, result.warnings);
      out.measurements = frame.measurements;
      if (frame.status) out.status = frame.status;
      const problems = (frame.info as Record<string, unknown> | undefined)?.mappingProblems;
      if (problems) out.mappingProblems = problems;
    }
    return out;
  } finally {
    codec.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (args.list) {
      process.stdout.write(`${list()}\n`);
      return 0;
    }
    if (args.codec !== undefined && args.model !== undefined) throw new UsageError('--model and --codec exclude each other');
    if (args.codec !== undefined) {
      process.stdout.write(`${JSON.stringify(await decodeVendor(args), null, 2)}\n`);
      return 0;
    }
    if (args.model !== undefined) {
      process.stdout.write(`${JSON.stringify(decodeModel(args), null, 2)}\n`);
      return 0;
    }
    throw new UsageError('give --model, --codec or --list');
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`lorawan-decode: ${err.message}\n${USAGE}\n`);
    } else if (err instanceof DecodeError) {
      process.stderr.write(`lorawan-decode: cannot decode: ${err.message}\n`);
    } else if (err instanceof SandboxError || (err instanceof Error && err.name === 'MappingError')) {
      process.stderr.write(`lorawan-decode: ${err.message}\n`);
    } else {
      process.stderr.write(`lorawan-decode: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), () => process.exit(2));
}
