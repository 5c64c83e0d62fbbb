// Written by hand instead of cockatiel's `retry()` (measured against cockatiel 3.2.1):
// - its backoff sleep (`delay` in RetryPolicy.js) ignores the AbortSignal, so an abort waits out the backoff;
// - `decorrelatedJitterGenerator` calls `Math.random()` directly, so a seeded test cannot replay delays;
// - `onRetry` is a synchronous emitter, so the caller cannot journal the retry before the sleep starts;
// - there is no way to resume at attempt n after a crash.
// The loop below is small; classification lives in classify.ts and is shared with the breaker.
import { z } from "zod";
import { isRetryable } from "./classify.js";
import { AbortedError, InvalidPolicyError } from "./errors.js";
import { RetryOptionsSchema } from "./policy.js";
import { toIssues } from "./zod-issues.js";

/** What `fn` is told about the attempt it runs. */
export interface AttemptContext {
  /** 1-based attempt number (continues from `startAttempt` on resume). */
  attempt: number;
  /** Aborted when the caller aborts; pass it on to whatever does the work. */
  signal: AbortSignal;
}

/** Passed to `onRetry` after a retryable failure, before the backoff sleep. */
export interface RetryInfo {
  /** The attempt that just failed. */
  attempt: number;
  /** The attempt that will run after the sleep. */
  nextAttempt: number;
  error: unknown;
  delayMs: number;
}

/** Per-call options of {@link RetryPolicy.execute}. */
export interface RetryExecuteOptions {
  /** Cancels the current attempt's signal and any backoff sleep; the call rejects with `AbortedError`. */
  signal?: AbortSignal;
  /** Resume at attempt n (after a crash). At least one attempt always runs, even past `maxAttempts`. @default 1 */
  startAttempt?: number;
  /** Awaited before the backoff sleep, so the caller can journal the retry first. A throw stops the retries. */
  onRetry?: (info: RetryInfo) => void | Promise<void>;
}

/** Retries transient failures with decorrelated-jitter backoff. */
export interface RetryPolicy {
  /** Runs `fn` until it succeeds, fails permanently, runs out of attempts or is aborted; rethrows the last error. */
  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, opts?: RetryExecuteOptions): Promise<T>;
  /** The backoff before the attempt after `attempt`, given the previous backoff (0 if none). */
  nextDelay(attempt: number, previousDelayMs: number): number;
}

/** Injected side effects, so tests replay exactly and never sleep. */
export interface RetryDeps {
  /** Uniform random in [0, 1). @default Math.random */
  random?: () => number;
  /** Waits `ms`; should reject when `signal` aborts (the policy also races it against the signal). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The default sleep: a timer that is cleared when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new AbortedError({ cause: signal.reason, what: "sleep" }));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError({ cause: signal.reason, what: "sleep" }));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

// Races any sleep (even an injected one that ignores the signal) against the abort.
function abortableSleep(
  doSleep: NonNullable<RetryDeps["sleep"]>,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError({ cause: signal.reason, what: "retry backoff" }));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    doSleep(ms, signal).then(
      () => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) onAbort();
        else resolve();
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(signal.aborted ? new AbortedError({ cause: signal.reason, what: "retry backoff" }) : error);
      },
    );
  });
}

// `fn`'s result as a promise, a synchronous throw included (the async loop it replaced caught those).
function call<T>(fn: (ctx: AttemptContext) => Promise<T>, attempt: number, signal: AbortSignal): Promise<T> {
  try {
    return Promise.resolve(fn({ attempt, signal }));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Creates a retry policy. Only `timeout` and `transient` failures (see `classifyError`) are retried.
 *
 * Backoff is "decorrelated jitter" (AWS architecture blog): each delay is uniform in
 * [base, 3 × previous], capped at `maxDelayMs`. When the previous delay is unknown (first retry, or
 * resuming at attempt n) the anchor is the exponential `base × 2^(attempt-1)`.
 * @example createRetryPolicy({ maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 30_000 }, { random: seeded(42) })
 */
export function createRetryPolicy(options: z.input<typeof RetryOptionsSchema>, deps: RetryDeps = {}): RetryPolicy {
  const parsed = RetryOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toIssues(parsed.error).map((issue) => ({ ...issue, path: `retry.${issue.path}` }));
    throw new InvalidPolicyError(issues, { cause: parsed.error });
  }
  const { maxAttempts, baseDelayMs, maxDelayMs } = parsed.data;
  const random = deps.random ?? Math.random;
  const doSleep = deps.sleep ?? sleep;

  const nextDelay = (attempt: number, previousDelayMs: number): number => {
    const anchor = previousDelayMs > 0 ? previousDelayMs : baseDelayMs * 2 ** Math.max(0, attempt - 1);
    const upper = Math.min(maxDelayMs, Math.max(baseDelayMs, anchor * 3));
    return Math.min(maxDelayMs, Math.floor(baseDelayMs + random() * (upper - baseDelayMs)));
  };

  // The first attempt is a plain promise chain and the retry loop an async function entered only
  // after a failure: a success costs one `then` instead of an async frame (dispatch's hot path).
  const execute = <T>(fn: (ctx: AttemptContext) => Promise<T>, opts: RetryExecuteOptions = {}): Promise<T> => {
    const signal = opts.signal ?? new AbortController().signal;
    const attempt = Math.max(1, Math.floor(opts.startAttempt ?? 1));
    if (signal.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
    return call(fn, attempt, signal).then(undefined, (error: unknown) => retry(fn, opts, signal, attempt, error));
  };

  const retry = async <T>(
    fn: (ctx: AttemptContext) => Promise<T>,
    opts: RetryExecuteOptions,
    signal: AbortSignal,
    failedAttempt: number,
    firstError: unknown,
  ): Promise<T> => {
    let attempt = failedAttempt;
    let error = firstError;
    let previousDelayMs = 0;
    for (;;) {
      if (signal.aborted) throw new AbortedError({ cause: error });
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      const delayMs = nextDelay(attempt, previousDelayMs);
      previousDelayMs = delayMs;
      await opts.onRetry?.({ attempt, nextAttempt: attempt + 1, error, delayMs });
      await abortableSleep(doSleep, delayMs, signal);
      attempt += 1;
      if (signal.aborted) throw new AbortedError({ cause: signal.reason });
      try {
        return await fn({ attempt, signal });
      } catch (failure) {
        error = failure;
      }
    }
  };

  return { execute, nextDelay };
}
