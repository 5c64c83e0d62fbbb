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

/** One circuit breaker per key (agent or tool). */
export interface BreakerRegistry {
  /** Runs `fn` under the breaker for `key`; rejects at once with `BrokenCircuitError` while open. */
  execute<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /**
   * `execute` in three synchronous steps, for callers that already chain a `then` per call: admits
   * a call (throws `BrokenCircuitError` while open, or while a half-open probe is out) ...
   */
  enter(key: string): BreakerTicket;
  /** ... then reports its success (a throw here, from a listener say, counted as a failure) ... */
  succeeded(ticket: BreakerTicket): void;
  /** ... or its failure (errors `isFailure` rejects, aborts by default, do not count). */
  failed(ticket: BreakerTicket, error: unknown): void;
  /** Current state of `key` ("closed" for an unknown key). */
  state(key: string): BreakerStateName;
  /** Every known key's state, for the journal. */
  toJSON(): Record<string, BreakerState>;
}

/**
 * Proof that `enter` admitted a call; hand it back to `succeeded` or `failed` exactly once. Tickets
 * are shared between calls of one key (no allocation per call), so they carry no per-call state.
 */
export interface BreakerTicket {
  readonly key: string;
  /** Whether the call is the half-open breaker's single probe. */
  readonly probe: boolean;
}

interface Entry {
  data: BreakerState;
  probing: boolean;
  /** The registry the entry belongs to (its `entries` map). */
  readonly owner: object;
  readonly ticket: Ticket;
  readonly probeTicket: Ticket;
}

class Ticket implements BreakerTicket {
  readonly #entry: Entry;

  constructor(
    readonly key: string,
    readonly probe: boolean,
    entry: Entry,
  ) {
    this.#entry = entry;
    Object.freeze(this);
  }

  static entryOf(ticket: BreakerTicket): Entry | undefined {
    return #entry in ticket ? ticket.#entry : undefined;
  }
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
  const newEntry = (key: string, data: BreakerState): Entry => {
    const created = { data, probing: false, owner: entries } as { -readonly [K in keyof Entry]: Entry[K] };
    created.ticket = new Ticket(key, false, created);
    created.probeTicket = new Ticket(key, true, created);
    return created;
  };

  for (const [key, state] of Object.entries(deps.initialState ?? {})) {
    const result = BreakerStateSchema.safeParse(state);
    if (!result.success) {
      const issues = toIssues(result.error).map((issue) => ({ ...issue, path: `initialState.${key}.${issue.path}` }));
      throw new InvalidPolicyError(issues, { cause: result.error });
    }
    entries.set(key, newEntry(key, structuredClone(result.data)));
  }

  const entry = (key: string): Entry => {
    let found = entries.get(key);
    if (!found) {
      found = newEntry(key, { state: "closed", consecutiveFailures: 0 });
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

  // Admission and settlement are synchronous so a hot path (dispatch) can fold them into the one
  // `then` it already has per attempt; `execute` is the promise-shaped form of the same three calls.
  const enter = (key: string): BreakerTicket => {
    const current = entry(key);
    const now = clock();
    refresh(key, current, now);
    if (current.data.state === "open") {
      throw new BrokenCircuitError(key, (current.data.openedAt ?? now) + halfOpenAfterMs - now);
    }
    if (current.data.state !== "half-open") return current.ticket;
    // One probe at a time: a burst of callers must not hammer an agent that is just recovering.
    if (current.probing) throw new BrokenCircuitError(key, 0);
    current.probing = true;
    return current.probeTicket;
  };

  const settle = (ticket: BreakerTicket): Entry => {
    const current = Ticket.entryOf(ticket);
    if (current?.owner !== entries) throw new TypeError("not a ticket of this breaker registry");
    if (ticket.probe) current.probing = false;
    return current;
  };

  // A throw in onSuccess (a clock or an onChange listener) counts as the call's failure, as it did
  // when this was an async function's try block.
  const succeeded = (ticket: BreakerTicket): void => {
    const current = settle(ticket);
    try {
      onSuccess(ticket.key, current);
    } catch (error) {
      if (isFailure(error)) onFailure(ticket.key, current);
      throw error;
    }
  };

  const failed = (ticket: BreakerTicket, error: unknown): void => {
    const current = settle(ticket);
    if (isFailure(error)) onFailure(ticket.key, current);
  };

  const execute = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    let ticket: BreakerTicket;
    let pending: Promise<T>;
    try {
      ticket = enter(key);
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      pending = Promise.resolve(fn());
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (value) => {
        succeeded(ticket);
        return value;
      },
      (error: unknown): never => {
        failed(ticket, error);
        throw error;
      },
    );
  };

  const state = (key: string): BreakerStateName => {
    const current = entries.get(key);
    if (!current) return "closed";
    refresh(key, current, clock());
    return current.data.state;
  };

  const toJSON = (): Record<string, BreakerState> =>
    Object.fromEntries([...entries].map(([key, current]) => [key, structuredClone(current.data)]));

  return { execute, enter, succeeded, failed, state, toJSON };
}
