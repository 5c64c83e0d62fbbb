// How a run goes, and how flags read at wave boundaries change the rest of it. The kill switch (or
// the hybrid flag turned off) makes the rest of a hybrid run sequential within one wave: nodes
// start one at a time, with the legacy prompt. The subsystem flags switch their subsystem alone.
import type { JournalEvent } from "@hybrid/resilience";
import type { HybridConfig } from "./config-schema.js";

/** The strategy a run is in now. */
export interface StrategyState {
  strategy: "hybrid" | "sequential";
  reason: string;
  /** Nodes in parallel under caps. */
  parallel: boolean;
  /** Prompts from the memory hierarchy. */
  memory: boolean;
}

/** The flags as a reader returns them. */
export type Flags = HybridConfig["flags"];

/** The sequential strategy, for a reason. */
export function sequential(reason: string): StrategyState {
  return { strategy: "sequential", reason, parallel: false, memory: false };
}

/** A hybrid run's strategy under these flags: each subsystem on or off by its own flag. */
export function hybrid(flags: Flags, reason = "hybrid"): StrategyState {
  return { strategy: "hybrid", reason, parallel: flags.parallel_graph_enabled, memory: flags.memory_hierarchy_enabled };
}

/**
 * Where a hybrid run goes after a flag read at a wave boundary: sequential for good once the kill
 * switch is on or hybrid is turned off (a run never goes back to hybrid mid-way), else the
 * subsystem flags as they are now.
 */
export function next(current: StrategyState, flags: Flags): StrategyState {
  if (current.strategy === "sequential") return current;
  if (flags.kill_switch) return sequential("kill-switch");
  if (!flags.hybrid_orchestration_enabled) return sequential("flag-off");
  return hybrid(flags, current.reason);
}

/** Whether two states differ in anything that changes how nodes run. */
export function changed(a: StrategyState, b: StrategyState): boolean {
  return a.strategy !== b.strategy || a.parallel !== b.parallel || a.memory !== b.memory;
}

/** The strategy the journal left a run in (its last `run.strategy`), if it recorded one. */
export function journaledStrategy(events: readonly JournalEvent[]): StrategyState | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.type === "run.strategy") return { strategy: event.strategy, reason: event.reason, parallel: event.parallel, memory: event.memory };
  }
  return undefined;
}
