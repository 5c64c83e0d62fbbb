// Written by hand instead of cockatiel's `circuitBreaker()` (measured against cockatiel 3.2.1):
// CircuitBreakerPolicy.js and SamplingBreaker.js read `Date.now()` directly, so the cooldown and the
// failure-rate window cannot run on an injected clock, and its `toJSON()` is an opaque internal shape.
// We need a documented, zod-checked state that goes into the journal and comes back after a restart.
import { z } from "zod";
import { classifyError } from "./classify.js";
import { BrokenCircuitError, InvalidPolicyError } from "./errors.js";
import { BreakerOptionsSchema } from "./policy.js";
import { toIssues } from "./zod-issues.js";

/** The three states of a breaker. */
export type BreakerStateName = "closed" | "open" | "half-open";

/** Serialisable state of one breaker; goes into the journal (`breaker.changed`) and back via `initialState`. */
export const BreakerStateSchema = z.object({
  state: z.enum(["closed", "open", "half-open"]),
  /** Failures since the last success. */
  consecutiveFailures: z.number().int().nonnegative(),
  /** Clock time the breaker last opened. */
  openedAt: z.number().optional(),
  /** Outcomes in the failure-rate window (only kept in failure-rate mode). */
  window: z.array(z.object({ at: z.number(), failed: z.boolean() })).optional(),
});
/** Serialisable state of one breaker. */
export type BreakerState = z.infer<typeof BreakerStateSchema>;

/** Emitted on every state change; journal it as `breaker.changed`. */
export interface BreakerChange {
  key: string;
  from: BreakerStateName;
  to: BreakerStateName;
  at: number;
  /** The state after the change, ready to journal. */
  state: BreakerState;
}

/** Injected time, restored state and listeners. */
export interface BreakerDeps {
  /** Milliseconds clock. @default Date.now */
  clock?: () => number;
  /** State per key from a previous `toJSON()` (from the journal), so an open breaker stays open. */
  initialState?: Record<string, BreakerState>;
  onChange?: (change: BreakerChange) => void;
  /** Which errors count against the breaker. @default every error except an abort */
  isFailure?: (error: unknown) => boolean;
}

/** Whether a call for a key would be let through now. */
export type BreakerAdmission =
  | { admitted: true }
  /** `retryAfterMs`: until the cooldown ends; `undefined` while a half-open probe is out (wait for it to settle). */
  | { admitted: false; retryAfterMs: number | undefined };

/** One circuit breaker per key (agent or tool). */
export interface BreakerRegistry {
  /** Runs `fn` under the breaker for `key`; rejects at once with `BrokenCircuitError` while open (or while a half-open probe is out). */
  execute<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Whether `execute(key, …)` would run its function now, and if not, how long until it might. */
  admission(key: string): BreakerAdmission;
  /** Current state of `key` ("closed" for an unknown key). */
  state(key: string): BreakerStateName;
  /** Every known key's state, for the journal. */
  toJSON(): Record<string, BreakerState>;
}

interface Entry {
  data: BreakerState;
  probing: boolean;
}

/**
 * Creates a breaker registry. A key opens after `consecutiveFailures` failures in a row, or (with
 * `failureRate`) when at least `minimumRequests` calls in the last `windowMs` failed at a rate
 * >= `threshold`. After `halfOpenAfterMs` one probe at a time is let through; a success closes the
 * breaker, a failure opens it again for another cooldown.
 */
export function createBreakerRegistry(
  options: z.input<typeof BreakerOptionsSchema>,
  deps: BreakerDeps = {},
): BreakerRegistry {
  const parsed = BreakerOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toIssues(parsed.error).map((issue) => ({ ...issue, path: `breaker.${issue.path}` }));
    throw new InvalidPolicyError(issues, { cause: parsed.error });
  }
  const { consecutiveFailures, failureRate, halfOpenAfterMs } = parsed.data;
  const clock = deps.clock ?? Date.now;
  const isFailure = deps.isFailure ?? ((error: unknown) => classifyError(error) !== "aborted");
  const entries = new Map<string, Entry>();

  for (const [key, state] of Object.entries(deps.initialState ?? {})) {
    const result = BreakerStateSchema.safeParse(state);
    if (!result.success) {
      const issues = toIssues(result.error).map((issue) => ({ ...issue, path: `initialState.${key}.${issue.path}` }));
      throw new InvalidPolicyError(issues, { cause: result.error });
    }
    entries.set(key, { data: structuredClone(result.data), probing: false });
  }

  const entry = (key: string): Entry => {
    let found = entries.get(key);
    if (!found) {
      found = { data: { state: "closed", consecutiveFailures: 0 }, probing: false };
      entries.set(key, found);
    }
    return found;
  };

  const move = (key: string, current: Entry, to: BreakerStateName, at: number): void => {
    const from = current.data.state;
    current.data.state = to;
    if (to === "open") current.data.openedAt = at;
    if (to === "closed") {
      current.data.consecutiveFailures = 0;
      delete current.data.openedAt;
      if (current.data.window) current.data.window = [];
    }
    deps.onChange?.({ key, from, to, at, state: structuredClone(current.data) });
  };

  // An open breaker becomes half-open lazily, the first time anyone looks after the cooldown.
  const refresh = (key: string, current: Entry, now: number): void => {
    if (current.data.state === "open" && now - (current.data.openedAt ?? 0) >= halfOpenAfterMs) {
      move(key, current, "half-open", now);
    }
  };

  const rateTripped = (current: Entry, now: number, failed: boolean): boolean => {
    if (!failureRate) return false;
    const window = (current.data.window ?? []).filter((sample) => now - sample.at < failureRate.windowMs);
    window.push({ at: now, failed });
    current.data.window = window;
    if (window.length < failureRate.minimumRequests) return false;
    const failures = window.filter((sample) => sample.failed).length;
    return failures / window.length >= failureRate.threshold;
  };

  const onSuccess = (key: string, current: Entry): void => {
    const now = clock();
    if (current.data.state === "half-open") {
      move(key, current, "closed", now);
      return;
    }
    current.data.consecutiveFailures = 0;
    rateTripped(current, now, false);
  };

  const onFailure = (key: string, current: Entry): void => {
    const now = clock();
    current.data.consecutiveFailures += 1;
    if (current.data.state === "half-open") {
      move(key, current, "open", now);
      return;
    }
    const byRate = rateTripped(current, now, true);
    if (current.data.state === "closed" && (byRate || current.data.consecutiveFailures >= consecutiveFailures)) {
      move(key, current, "open", now);
    }
  };

  const admission = (key: string): BreakerAdmission => {
    const current = entries.get(key);
    if (!current) return { admitted: true };
    const now = clock();
    refresh(key, current, now);
    if (current.data.state === "open") return { admitted: false, retryAfterMs: Math.max(0, (current.data.openedAt ?? now) + halfOpenAfterMs - now) };
    if (current.data.state === "half-open" && current.probing) return { admitted: false, retryAfterMs: undefined };
    return { admitted: true };
  };

  const execute = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const current = entry(key);
    const now = clock();
    refresh(key, current, now);
    if (current.data.state === "open") {
      throw new BrokenCircuitError(key, (current.data.openedAt ?? now) + halfOpenAfterMs - now);
    }
    // One probe at a time: a burst of callers must not hammer an agent that is just recovering.
    const probe = current.data.state === "half-open";
    if (probe && current.probing) throw new BrokenCircuitError(key, 0);
    if (probe) current.probing = true;
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      if (probe) current.probing = false;
      if (isFailure(error)) onFailure(key, current);
      throw error;
    }
    if (probe) current.probing = false;
    onSuccess(key, current);
    return value;
  };

  const state = (key: string): BreakerStateName => {
    const current = entries.get(key);
    if (!current) return "closed";
    refresh(key, current, clock());
    return current.data.state;
  };

  const toJSON = (): Record<string, BreakerState> =>
    Object.fromEntries([...entries].map(([key, current]) => [key, structuredClone(current.data)]));

  return { execute, admission, state, toJSON };
}
