/**
 * The catalog of native decoders, by model id. Each vendor folder exports its codecs; adding a model
 * is adding it to its vendor's list.
 */
import type { DeviceCodec } from './types';
import { codecs as adeunis } from './adeunis';
import { codecs as kamstrup } from './kamstrup';
import { codecs as milesight } from './milesight';
import { codecs as nas } from './nas';
import { codecs as netvox } from './netvox';
import { codecs as watteco } from './watteco';

export * from './types';

const all: DeviceCodec[] = [...watteco, ...netvox, ...milesight, ...adeunis, ...kamstrup, ...nas];

export const catalog: ReadonlyMap<string, DeviceCodec> = new Map(all.map((codec) => [codec.model, codec]));

if (catalog.size !== all.length) throw new Error('two codecs declare the same model id');

/** The codec of a model id, or of a device-profile name / tag that one of its aliases matches. */
export function findCodec(nameOrAlias: string): DeviceCodec | undefined {
  const key = nameOrAlias.trim().toLowerCase();
  const direct = catalog.get(key);
  if (direct) return direct;
  for (const codec of all) {
    if (codec.name.toLowerCase() === key || codec.aliases?.some((alias) => alias.toLowerCase() === key)) return codec;
  }
  return undefined;
}
