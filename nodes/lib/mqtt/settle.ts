/**
 * Deferred acknowledgement of MQTT QoS 1 messages, without Node-RED: a message is acknowledged to the
 * broker only once it is *settled* — its points are durable (written to the database, or fsync'd in the
 * writer's disk queue), or a node dropped it on purpose (filtered, duplicate, unreadable) — or, failing
 * that, when the settle timeout expires (counted). Until then the broker keeps it in the session and
 * sends it again if this process dies: at least once, with idempotent writes making repeats harmless.
 *
 * The source node puts a settle function on the message (`msg._settle`). A function survives Node-RED's
 * message cloning on fan-out by reference (lodash cloneDeep keeps functions nested in an object), so
 * every copy settles the same message; the first call wins, later ones do nothing.
 */

/** The message property that carries the settle function. */
export const SETTLE_PROPERTY = '_settle';

export type Settle = () => void;

/** The settle function a message carries, if any. */
export function settleOf(msg: unknown): Settle | undefined {
  if (msg === null || typeof msg !== 'object') return undefined;
  const settle = (msg as Record<string, unknown>)[SETTLE_PROPERTY];
  return typeof settle === 'function' ? (settle as Settle) : undefined;
}

/** Settles a message now (a node dropped it on purpose, or reported it): its source may acknowledge it. */
export function settleMessage(msg: unknown): void {
  settleOf(msg)?.();
}

interface Unsettled {
  ack: () => void;
  since: number;
  /** When the tracker first saw that a message received after this one was settled. */
  overtakenAt?: number;
}

export interface SettleCounters {
  /** Messages registered with track(). */
  received: number;
  /** Acknowledged because they were settled. */
  settled: number;
  /** Acknowledged because the settle timeout expired first. */
  timedOut: number;
  /** Forgotten unacknowledged (connection lost): the broker sends them again. */
  forgotten: number;
}

/**
 * The messages waiting for their settlement. Cheap on the hot path: one Map entry and one closure per
 * message, no timer per message (sweep() walks the oldest entries, which a Map keeps first).
 *
 * The timeout must not acknowledge a message that is merely queued: a worker slower than its input holds
 * thousands of messages in Node-RED's queue, and their wait says nothing about being lost. Node-RED handles
 * a source's messages in order, so a message is left behind (filtered, sent to an unwired output, held by a
 * node) once a message received *after* it has been settled: the timeout runs from that moment. Only when
 * nothing at all was settled for a whole timeout (a flow without a writer, or stuck) does it run from the
 * message's arrival, so that the broker's in-flight window never stays full for ever.
 */
export class SettleTracker {
  private readonly waiting = new Map<number, Unsettled>();
  private sequence = 0;
  /** The newest message settled so far (by arrival order), and when the last settlement happened. */
  private newestSettled = 0;
  /** The newest message that left the waiting list, settled or timed out (see inFlow). */
  private newestGone = 0;
  private lastSettledAt = -Infinity;
  readonly counters: SettleCounters = { received: 0, settled: 0, timedOut: 0, forgotten: 0 };

  constructor(private readonly timeoutMs: number, private readonly now: () => number = Date.now) {}

  /** Registers a message whose acknowledgement is `ack`; returns the settle function to put on it. */
  track(ack: () => void): Settle {
    const id = ++this.sequence;
    this.waiting.set(id, { ack, since: this.now() });
    this.counters.received++;
    return () => {
      const entry = this.waiting.get(id);
      if (entry === undefined) return;
      this.waiting.delete(id);
      this.counters.settled++;
      if (id > this.newestSettled) this.newestSettled = id;
      if (id > this.newestGone) this.newestGone = id;
      this.lastSettledAt = this.now();
      entry.ack();
    };
  }

  /** Messages waiting for their settlement. */
  get unsettled(): number {
    return this.waiting.size;
  }

  /**
   * Messages that may still be inside the flow: received after the newest one that left the waiting list.
   * Those received before it and still waiting were left behind (a status event, an undecoded frame: no
   * node stores them) and only wait for their timeout; they hold no memory in the flow, so the source's
   * flow control does not count them.
   */
  get inFlow(): number {
    return this.sequence - this.newestGone;
  }

  /** Acknowledges the messages whose timeout expired (see the class comment); returns how many. */
  sweep(): number {
    const now = this.now();
    const limit = now - this.timeoutMs;
    const idle = this.lastSettledAt <= limit;
    let expired = 0;
    for (const [id, entry] of this.waiting) {
      if (id < this.newestSettled) {
        // Left behind by a later message: the timeout runs from when that was first seen.
        if (entry.overtakenAt === undefined) entry.overtakenAt = now;
        if (entry.overtakenAt > limit && !(idle && entry.since <= limit)) continue;
      } else if (!idle || entry.since > limit) {
        break; // arrival order: the rest is younger, or still in the flow
      }
      this.waiting.delete(id);
      expired++;
      if (id > this.newestGone) this.newestGone = id;
      entry.ack();
    }
    this.counters.timedOut += expired;
    return expired;
  }

  /**
   * Forgets every waiting message without acknowledging it: the connection that received them is gone,
   * and the broker sends them again on the next one (a later settle of a forgotten message does nothing).
   */
  forget(): number {
    const n = this.waiting.size;
    this.waiting.clear();
    this.newestGone = this.sequence;
    this.counters.forgotten += n;
    return n;
  }
}
