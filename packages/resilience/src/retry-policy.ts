// Written by hand instead of cockatiel's `retry()` (measured against cockatiel 3.2.1):
// - its backoff sleep (`delay` in RetryPolicy.js) ignores the AbortSignal, so an abort waits out the backoff;
// - `decorrelatedJitterGenerator` calls `Math.random()` directly, so delays cannot be replayed;
// - `onRetry` is a synchronous emitter, so the caller cannot journal the retry before the sleep starts;
// - there is no way to resume at attempt n after a crash.
// The loop below is small; classification lives in classify.ts and is shared with the breaker.
import { randomInt } from "node:crypto";
import { z } from "zod";
import { isRetryable } from "./classify.js";
import { AbortedError, InvalidPolicyError } from "./errors.js";
import { RetryOptionsSchema } from "./policy.js";
import { seededRandom } from "./seeded-random.js";
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
  /** What is retried (a node id): delays are drawn from (seed, key, attempt), independent of anything else. @default "" */
  key?: string;
  /** Overrides the policy's `maxAttempts` for this call (a node's own limit). @default the policy's */
  maxAttempts?: number;
}

/** Retries transient failures with decorrelated-jitter backoff. */
export interface RetryPolicy {
  /** Runs `fn` until it succeeds, fails permanently, runs out of attempts or is aborted; rethrows the last error. */
  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, opts?: RetryExecuteOptions): Promise<T>;
  /** The backoff after attempt `attempt` of `key` failed: a pure function of (seed, key, attempt). */
  delayAfter(attempt: number, key?: string): number;
}

/** Injected side effects, so tests replay exactly and never sleep. */
export interface RetryDeps {
  /** Seed of the jitter; the same seed gives the same delays for the same key and attempt. @default a random seed */
  seed?: number;
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

/**
 * How long the failed call asked to be left alone (a provider's `Retry-After`, carried by the error
 * as `retryAfterMs`), else 0. Only a finite, non-negative number counts: the hint comes from outside.
 */
export function retryAfterHint(error: unknown): number {
  if (typeof error !== "object" || error === null) return 0;
  const hint = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof hint === "number" && Number.isFinite(hint) && hint > 0 ? Math.ceil(hint) : 0;
}

/**
 * Creates a retry policy. Only `timeout` and `transient` failures (see `classifyError`) are retried.
 *
 * Backoff is "decorrelated jitter" (AWS architecture blog): each delay is uniform in
 * [base, 3 × previous], capped at `maxDelayMs`, the first in [base, 3 × base]. Delays are drawn from
 * (seed, key, attempt), so a resumed run, or another node failing first, never changes them.
 * An error that carries `retryAfterMs` (a provider's `Retry-After`) waits at least that long, never
 * more than `maxDelayMs`: a hostile or broken hint cannot park a node for a day.
 * @example createRetryPolicy({ maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 30_000 }, { seed: 42 })
 */
export function createRetryPolicy(options: z.input<typeof RetryOptionsSchema>, deps: RetryDeps = {}): RetryPolicy {
  const parsed = RetryOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toIssues(parsed.error).map((issue) => ({ ...issue, path: `retry.${issue.path}` }));
    throw new InvalidPolicyError(issues, { cause: parsed.error });
  }
  const { maxAttempts, baseDelayMs, maxDelayMs } = parsed.data;
  const seed = deps.seed ?? randomInt(2 ** 31);
  const doSleep = deps.sleep ?? sleep;

  // Decorrelated jitter replayed from attempt 1, so delay n does not depend on which process saw
  // delays 1..n-1: each is uniform in [base, min(cap, 3 × previous)], the first anchored at base.
  const delayAfter = (attempt: number, key = ""): number => {
    let previous = 0;
    for (let n = 1; n <= Math.max(1, Math.floor(attempt)); n++) {
      const anchor = previous > 0 ? previous : baseDelayMs;
      const upper = Math.min(maxDelayMs, Math.max(baseDelayMs, anchor * 3));
      previous = Math.min(maxDelayMs, Math.floor(baseDelayMs + seededRandom(seed, key, n)() * (upper - baseDelayMs)));
    }
    return previous;
  };

  const execute = async <T>(fn: (ctx: AttemptContext) => Promise<T>, opts: RetryExecuteOptions = {}): Promise<T> => {
    const signal = opts.signal ?? new AbortController().signal;
    let attempt = Math.max(1, Math.floor(opts.startAttempt ?? 1));
    for (;;) {
      if (signal.aborted) throw new AbortedError({ cause: signal.reason });
      let error: unknown;
      try {
        return await fn({ attempt, signal });
      } catch (failure) {
        error = failure;
      }
      if (signal.aborted) throw new AbortedError({ cause: error });
      if (attempt >= (opts.maxAttempts ?? maxAttempts) || !isRetryable(error)) throw error;
      const delayMs = Math.min(maxDelayMs, Math.max(delayAfter(attempt, opts.key), retryAfterHint(error)));
      await opts.onRetry?.({ attempt, nextAttempt: attempt + 1, error, delayMs });
      await abortableSleep(doSleep, delayMs, signal);
      attempt += 1;
    }
  };

  return { execute, delayAfter };
}
