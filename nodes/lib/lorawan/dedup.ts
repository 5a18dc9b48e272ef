/**
 * A bounded "seen recently" memory for idempotency keys (ChirpStack deduplicationId, TTS `as:up:` id).
 * Duplicates come from QoS 1 redelivery or from two integrations feeding the same flow, and arrive
 * close together, so remembering the last N keys is enough; the bound keeps memory flat whatever
 * the traffic. O(1) per key: a Set for lookups and a ring of the same keys for eviction order.
 */
export class RecentKeys {
  readonly capacity: number;
  private readonly seen = new Set<string>();
  private readonly ring: string[];
  private next = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array<string>(capacity);
  }

  /** Number of keys remembered (at most `capacity`). */
  get size(): number {
    return this.seen.size;
  }

  /** True when the key was already among the last `capacity` keys; otherwise remembers it and returns false. */
  isDuplicate(key: string): boolean {
    if (this.seen.has(key)) return true;
    // The slot we overwrite holds the oldest key once the ring is full.
    const oldest = this.ring[this.next];
    if (oldest !== undefined) this.seen.delete(oldest);
    this.ring[this.next] = key;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    this.seen.add(key);
    return false;
  }
}
