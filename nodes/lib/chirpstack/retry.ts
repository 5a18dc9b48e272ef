/**
 * Retry policy of the ChirpStack API calls (pure, no Node-RED): only transient gRPC failures are
 * retried (UNAVAILABLE: server restarting or unreachable; DEADLINE_EXCEEDED: too slow), with an
 * exponential backoff. Anything else (UNAUTHENTICATED, NOT_FOUND, INVALID_ARGUMENT…) fails at once:
 * retrying would only repeat the same answer. `sleep` is injectable so tests run without waiting.
 */

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html), by number. */
export const GRPC_STATUS_NAMES: readonly string[] = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

export const UNAVAILABLE = 14;
export const DEADLINE_EXCEEDED = 4;

export function grpcStatusName(code: unknown): string {
  return typeof code === 'number' && GRPC_STATUS_NAMES[code] !== undefined ? GRPC_STATUS_NAMES[code] : `status ${String(code)}`;
}

export interface RetryPolicy {
  /** Total attempts, the first one included (1 = no retry). */
  attempts: number;
  /** Wait before the first retry, ms. */
  initialDelayMs: number;
  /** Each further wait is multiplied by this. */
  factor: number;
  /** No wait is longer than this, ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 500, factor: 2, maxDelayMs: 10_000 };

/** True for the failures worth another attempt. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === UNAVAILABLE || code === DEADLINE_EXCEEDED;
}

/** The wait before retry number `retry` (1 = the first retry). */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const delay = policy.initialDelayMs * Math.pow(policy.factor, Math.max(0, retry - 1));
  return Math.min(policy.maxDelayMs, Math.max(0, delay));
}

/** Checks and completes a policy from settings; throws with the field at fault. */
export function retryPolicy(input: Partial<Record<keyof RetryPolicy, unknown>> = {}): RetryPolicy {
  const pick = (name: keyof RetryPolicy, min: number, max: number, integer: boolean): number => {
    const raw = input[name];
    if (raw === undefined || raw === null || String(raw).trim() === '') return DEFAULT_RETRY[name];
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new RangeError(`retry ${name} must be ${integer ? 'an integer ' : 'a number '}from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    }
    return n;
  };
  return {
    attempts: pick('attempts', 1, 10, true),
    initialDelayMs: pick('initialDelayMs', 0, 60_000, false),
    factor: pick('factor', 1, 10, false),
    maxDelayMs: pick('maxDelayMs', 0, 300_000, false),
  };
}

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  sleep?: Sleep;
  /** Called before each retry with its number (1…), the failure and the wait. */
  onRetry?: (retry: number, err: unknown, delayMs: number) => void;
  /** Checked before each retry: true stops retrying (node closing). */
  cancelled?: () => boolean;
}

export interface RetryResult<T> {
  value: T;
  /** Retries it took (0 when the first attempt succeeded). */
  retries: number;
}

/** An error after retries; `retries` says how many retries were made before giving up. */
export type RetriedError = Error & { retries?: number };

/** Runs `call` (attempt number from 1) until it succeeds, fails for good, or attempts run out. */
export async function withRetry<T>(call: (attempt: number) => Promise<T>, policy: RetryPolicy, options: RetryOptions = {}): Promise<RetryResult<T>> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await call(attempt), retries: attempt - 1 };
    } catch (err) {
      if (attempt >= policy.attempts || !isRetryable(err) || options.cancelled?.()) {
        if (err instanceof Error) (err as RetriedError).retries = attempt - 1;
        throw err;
      }
      const delay = backoffDelay(policy, attempt);
      options.onRetry?.(attempt, err, delay);
      await sleep(delay);
    }
  }
}
