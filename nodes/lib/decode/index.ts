/**
 * What lorawan-decode does besides Node-RED plumbing, shared with the CLI and the benchmark:
 * the device registry (devEui → model), the resolution of a device's model, in this order:
 *   (a) the registry, (b) the ChirpStack device tag `model`, (c) the device-profile name (model ids,
 *   names and aliases of the catalog), (d) a default model,
 * and the Reading built from an uplink and a decoded frame. Every resolution is cached, so a message
 * costs one or two Map lookups. No Node-RED import.
 */
import type { Reading, Uplink } from '../contracts';
import { catalog, findCodec } from '../codecs';
import type { DecodeInput, DecodedFrame } from '../codecs/types';
import { parseCsv } from '../csv';

/** Anything that decodes the frames of one model: a native DeviceCodec or a VendorModel. */
export interface ModelDecoder {
  readonly model: string;
  decode(input: DecodeInput): DecodedFrame;
}

export type ResolutionSource = 'registry' | 'tag' | 'profile' | 'default';

export type Resolution =
  | { ok: true; model: string; decoder: ModelDecoder; source: ResolutionSource }
  | { ok: false; code: 'unknown-model'; model: string; source: ResolutionSource };

/**
 * Reads a device registry (CSV with at least the columns `devEui` and `model`; `,` or `;`): devEui
 * (lowercase) → model id. Rows without a model are left out. Throws CsvError or Error naming the file.
 */
export function parseRegistry(text: string, file?: string): Map<string, string> {
  const table = parseCsv(text, { file });
  for (const column of ['devEui', 'model']) {
    if (!table.header.includes(column)) throw new Error(`${file ?? 'registry'}: no "${column}" column (columns: ${table.header.join(', ')})`);
  }
  const registry = new Map<string, string>();
  table.rows.forEach((row, index) => {
    const devEui = row.devEui.trim().toLowerCase();
    const model = row.model.trim();
    if (devEui === '' || model === '') return;
    if (!/^[0-9a-f]{16}$/.test(devEui)) throw new Error(`${file ?? 'registry'} line ${table.lines[index]}: devEui "${row.devEui}" is not 16 hexadecimal characters`);
    registry.set(devEui, model);
  });
  return registry;
}

export interface ResolverOptions {
  /** devEui (lowercase) → model id. */
  registry?: ReadonlyMap<string, string>;
  /** Models decoded by vendor codecs, by model id; they take precedence over a native codec of the same id. */
  vendor?: ReadonlyMap<string, ModelDecoder>;
  /** Model used when nothing else names one; empty = none. */
  defaultModel?: string;
}

/** Resolves a device's model once per distinct registry entry, tag and profile name, then from caches. */
export class ModelResolver {
  private readonly byDevice = new Map<string, Resolution>();
  private readonly byTag = new Map<string, Resolution>();
  private readonly byProfile = new Map<string, Resolution | null>();
  private readonly vendor: ReadonlyMap<string, ModelDecoder>;
  private readonly fallback: Resolution | undefined;

  constructor(options: ResolverOptions = {}) {
    this.vendor = new Map([...(options.vendor ?? new Map<string, ModelDecoder>())].map(([model, decoder]) => [model.toLowerCase(), decoder]));
    for (const [devEui, model] of options.registry ?? []) this.byDevice.set(devEui, this.named(model, 'registry'));
    const fallback = options.defaultModel?.trim();
    this.fallback = fallback ? this.named(fallback, 'default') : undefined;
  }

  /** The decoder of a model id, name or alias: vendor codecs first, then the native catalog. */
  decoderOf(name: string): ModelDecoder | undefined {
    return this.vendor.get(name.trim().toLowerCase()) ?? findCodec(name);
  }

  /** The model of a device, or undefined when no source names one (an unknown device). */
  resolve(devEui: string, tags: Record<string, string> | undefined, deviceProfile: string | undefined): Resolution | undefined {
    const registered = this.byDevice.get(devEui);
    if (registered !== undefined) return registered;
    const tag = tags?.model;
    if (typeof tag === 'string' && tag !== '') {
      let byTag = this.byTag.get(tag);
      if (byTag === undefined) {
        byTag = this.named(tag, 'tag');
        this.byTag.set(tag, byTag);
      }
      return byTag;
    }
    if (typeof deviceProfile === 'string' && deviceProfile !== '') {
      let byProfile = this.byProfile.get(deviceProfile);
      if (byProfile === undefined) {
        // A profile name is free text: it counts only when it names a model we decode.
        const decoder = this.decoderOf(deviceProfile);
        byProfile = decoder ? { ok: true, model: decoder.model, decoder, source: 'profile' } : null;
        this.byProfile.set(deviceProfile, byProfile);
      }
      if (byProfile !== null) return byProfile;
    }
    return this.fallback;
  }

  private named(name: string, source: ResolutionSource): Resolution {
    const decoder = this.decoderOf(name);
    return decoder ? { ok: true, model: decoder.model, decoder, source } : { ok: false, code: 'unknown-model', model: name, source };
  }
}

/** The Reading of a decoded uplink (DESIGN §4): time = the uplink's, radio kept, status only when present. */
export function readingOf(uplink: Uplink, model: string, frame: DecodedFrame): Reading {
  const reading: Reading = {
    devEui: uplink.devEui,
    tenant: uplink.tenant,
    time: uplink.time,
    model,
    measurements: frame.measurements,
    radio: uplink.radio,
  };
  if (frame.status !== undefined) reading.status = frame.status;
  return reading;
}

/** Model ids close to `name` (same prefix or small edit distance), for "unknown model" messages. */
export function closeModelNames(name: string, extra: Iterable<string> = []): string[] {
  const key = name.trim().toLowerCase();
  const names = [...catalog.keys(), ...extra];
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  return names
    .map((candidate) => ({ candidate, d: candidate.includes(key) || key.includes(candidate) ? 0 : distance(key, candidate) }))
    .filter(({ d }) => d <= Math.max(2, Math.floor(key.length / 3)))
    .sort((a, b) => a.d - b.d || a.candidate.localeCompare(b.candidate))
    .slice(0, 5)
    .map(({ candidate }) => candidate);
}
