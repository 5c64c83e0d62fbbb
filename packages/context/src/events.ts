import type { Tier } from "./segment.js";

/** What every context event carries: the run and node it belongs to, and when it happened. */
export interface ContextEventBase {
  runId: string;
  nodeId: string;
  /** ISO 8601 time from the injected clock. */
  at: string;
}

/**
 * A cache lookup by an L2 or L3 provider. Telemetry counts `cache_hit_l2`/`cache_hit_l3` from these.
 * A hit means nothing was refetched: for GitHub, every page answered 304.
 */
export interface ContextCacheEvent extends ContextEventBase {
  type: "context.cache";
  provider: string;
  tier: "L2" | "L3";
  hit: boolean;
  /** The path or URL looked up (redacted). */
  source: string;
}

/**
 * A source that could not be read, or a provider that failed or broke its contract. What replaced it
 * is deterministic: a stale cached copy when `stale`, else nothing from that source.
 */
export interface ContextFallbackEvent extends ContextEventBase {
  type: "context.fallback";
  provider: string;
  tier: Tier;
  /** The path, URL or `provider:<name>` that failed (redacted). */
  source: string;
  /** Why, in one line (redacted). */
  reason: string;
  stale: boolean;
}

/** Two segments with one id: the first (in provider order, then output order) is kept. */
export interface ContextDuplicateEvent extends ContextEventBase {
  type: "context.duplicate";
  /** The id (redacted). */
  id: string;
  keptFrom: string;
  droppedFrom: string;
}

/** A composition counted with the heuristic fallback because the tokenizer could not load. */
export interface ContextEstimatorFallbackEvent extends ContextEventBase {
  type: "context.estimator-fallback";
  encoding: string;
  reason: string;
}

/** Every event this package emits (a discriminated union on `type`). */
export type ContextEvent = ContextCacheEvent | ContextFallbackEvent | ContextDuplicateEvent | ContextEstimatorFallbackEvent;

/** Receives context events. Must not throw. */
export type ContextEventListener = (event: ContextEvent) => void;

/** Clock used for event times; injected so tests are exact. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

type Body<E> = E extends ContextEvent ? Omit<E, keyof ContextEventBase> : never;

/**
 * Stamps events with the run, node and time, and passes their free-text fields (source, reason, id)
 * through `redact` before the listener sees them: events leave the process.
 */
export function createEmitter(
  onEvent: ContextEventListener | undefined,
  redact: (text: string) => string,
  clock: Clock,
): (scope: { runId: string; nodeId: string }, body: Body<ContextEvent>) => void {
  if (!onEvent) return () => {};
  return (scope, body) => {
    const clean = { ...body } as Record<string, unknown>;
    for (const key of ["source", "reason", "id"]) {
      if (typeof clean[key] === "string") clean[key] = redact(clean[key] as string);
    }
    onEvent({ ...clean, runId: scope.runId, nodeId: scope.nodeId, at: clock().toISOString() } as ContextEvent);
  };
}

/** Hits, misses and fallbacks of one tier. */
export interface TierCounts {
  hits: number;
  misses: number;
  fallbacks: number;
}

/** Counts cache events per tier; pass `onEvent` to providers and read `snapshot()`. */
export interface ContextEventCounter {
  onEvent: ContextEventListener;
  snapshot(): Record<Tier, TierCounts>;
  reset(): void;
}

/** Creates a per-tier counter of `context.cache` and `context.fallback` events. */
export function createContextEventCounter(): ContextEventCounter {
  const fresh = (): Record<Tier, TierCounts> => ({
    L1: { hits: 0, misses: 0, fallbacks: 0 },
    L2: { hits: 0, misses: 0, fallbacks: 0 },
    L3: { hits: 0, misses: 0, fallbacks: 0 },
  });
  let counts = fresh();
  return {
    onEvent(event) {
      if (event.type === "context.cache") {
        if (event.hit) counts[event.tier].hits++;
        else counts[event.tier].misses++;
      } else if (event.type === "context.fallback") counts[event.tier].fallbacks++;
    },
    snapshot: () => ({ L1: { ...counts.L1 }, L2: { ...counts.L2 }, L3: { ...counts.L3 } }),
    reset() {
      counts = fresh();
    },
  };
}
