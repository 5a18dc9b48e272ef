/**
 * Deterministic randomness for the simulator: a seeded PRNG (mulberry32) so that a given seed always
 * produces the same fleet behaviour (tests, reproducible training sessions), and name-based ids.
 */
import { createHash } from 'node:crypto';

/** A function returning floats in [0, 1). */
export type Random = () => number;

/** mulberry32: a small, fast 32-bit PRNG, good enough for simulation (not for cryptography). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a 32-bit hash of a string, mixed with a seed: per-device streams independent of fleet order. */
export function hashSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A PRNG stream for one purpose of one device (e.g. `radio`, `noise`) under a seed. */
export function streamFor(seed: number, ...keys: string[]): Random {
  return mulberry32(hashSeed(seed, keys.join('/')));
}

/** Integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** `count` random bytes as lowercase hex. */
export function randomHex(random: Random, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += randomInt(random, 0, 255).toString(16).padStart(2, '0');
  return out;
}

/**
 * A stable UUID derived from a name (RFC 4122 version 5 layout, SHA-1 of a fixed namespace + name):
 * the simulator's ChirpStack ids for tenants and device profiles, identical on every start.
 */
export function uuidFromName(name: string): string {
  const hash = createHash('sha1').update('grand-poitiers/lorawan-simulator/').update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
