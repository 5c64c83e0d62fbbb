import type { Tier } from "./segment.js";

/** A cache lookup by an L2 or L3 provider. Telemetry counts `cache_hit_l2`/`cache_hit_l3` from these. */
export interface ContextCacheEvent {
  type: "context.cache";
  tier: "L2" | "L3";
  hit: boolean;
  source: string;
  /** ISO 8601 time from the injected clock. */
  at: string;
}

/** A source that could not be read; `stale` says whether a stale cached copy was used. */
export interface ContextFallbackEvent {
  type: "context.fallback";
  tier: Tier;
  source: string;
  reason: string;
  stale: boolean;
  at: string;
}

/** Every event this package emits (a discriminated union on `type`). */
export type ContextEvent = ContextCacheEvent | ContextFallbackEvent;

/** Receives provider events. Must not throw. */
export type ContextEventListener = (event: ContextEvent) => void;

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
      const tier = counts[event.tier];
      if (event.type === "context.cache") {
        if (event.hit) tier.hits++;
        else tier.misses++;
      } else tier.fallbacks++;
    },
    snapshot: () => ({ L1: { ...counts.L1 }, L2: { ...counts.L2 }, L3: { ...counts.L3 } }),
    reset() {
      counts = fresh();
    },
  };
}

/** Clock used for event times; injected so tests are exact. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
