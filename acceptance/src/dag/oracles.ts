// The acceptance suite's own oracles, pure functions of plain data: cap violations read from a
// run's journal, the peaks the agent processes counted themselves, and an independent model of the
// scheduler's admission rule that replays a run's completions.
import { isFinalEvent, journalPeaks } from "@hybrid/test-utils";
import type { OracleEvent } from "@hybrid/test-utils";
import type { CaseLimits } from "./cases.js";

/** A cap a run exceeded: which kind, and by how much. */
export interface CapViolation {
  kind: "global" | "class" | "wave";
  message: string;
}

/**
 * Every cap a run's journal shows exceeded. A node counts as live from its `node.dispatched` (written
 * before its agent starts) to its final event (written after its agent settled): an interval that
 * contains the agent's, so a journal within its caps means agents within their caps.
 */
export function capViolations(events: readonly OracleEvent[], limits: CaseLimits): CapViolation[] {
  const peaks = journalPeaks(events);
  const out: CapViolation[] = [];
  if (peaks.peak > limits.maxParallel) out.push({ kind: "global", message: `${peaks.peak} nodes live at once, cap ${limits.maxParallel}` });
  for (const [priority, cap] of Object.entries(limits.caps)) {
    const peak = peaks.byClass.get(priority) ?? 0;
    if (cap !== undefined && peak > cap) out.push({ kind: "class", message: `${peak} ${priority} nodes live at once, cap ${cap}` });
  }
  if (limits.maxPerWave !== null) {
    for (const [wave, peak] of peaks.byWave) if (peak > limits.maxPerWave) out.push({ kind: "wave", message: `${peak} nodes of wave ${wave} live at once, cap ${limits.maxPerWave}` });
  }
  return out;
}

/** What one agent process saw when it started: the live files in the shared directory, by priority. */
export interface ProcessObservation {
  node: string;
  priority: string;
  live: number;
  liveByPriority: Record<string, number>;
}

/** The most agent processes the processes themselves saw alive at once, overall and by priority. */
export function processPeaks(observations: readonly ProcessObservation[]): { peak: number; byPriority: Map<string, number> } {
  let peak = 0;
  const byPriority = new Map<string, number>();
  for (const seen of observations) {
    peak = Math.max(peak, seen.live);
    for (const [priority, n] of Object.entries(seen.liveByPriority)) byPriority.set(priority, Math.max(byPriority.get(priority) ?? 0, n));
  }
  return { peak, byPriority };
}

/** Process-count violations: peaks above the global or a priority cap. */
export function processViolations(observations: readonly ProcessObservation[], limits: Pick<CaseLimits, "maxParallel" | "caps">): string[] {
  const peaks = processPeaks(observations);
  const out: string[] = [];
  if (peaks.peak > limits.maxParallel) out.push(`${peaks.peak} agent processes at once, cap ${limits.maxParallel}`);
  for (const [priority, cap] of Object.entries(limits.caps)) {
    const peak = peaks.byPriority.get(priority) ?? 0;
    if (cap !== undefined && peak > cap) out.push(`${peak} ${priority} agent processes at once, cap ${cap}`);
  }
  return out;
}

/** Node ids in the order the journal dispatched them. */
export const dispatchOrder = (events: readonly OracleEvent[]): string[] => events.filter((e) => e.type === "node.dispatched").map((e) => e.nodeId!);

/** Node ids in the order the journal recorded their end, and whether each succeeded. */
export const completionOrder = (events: readonly OracleEvent[]): Array<{ id: string; ok: boolean }> =>
  events.filter(isFinalEvent).map((e) => ({ id: e.nodeId!, ok: e.type === "node.succeeded" }));

/** A planned node as the admission model needs it. */
export interface ModelNode {
  priority: string;
  wave: number;
  dependsOn: readonly string[];
}

/**
 * The scheduler's admission rule as docs/architecture.md states it, written again from scratch:
 * whenever a node ends (in the given completion order) its slot is freed and, in plan order, every
 * ready node (all dependencies succeeded) that fits under the global, class and wave caps starts;
 * a failure blocks everything downstream of it. Returns the dispatch order this implies.
 */
export function replayAdmission(order: readonly string[], nodes: Readonly<Record<string, ModelNode>>, limits: CaseLimits, completions: ReadonlyArray<{ id: string; ok: boolean }>): string[] {
  const succeeded = new Set<string>();
  const started = new Set<string>();
  const running = new Set<string>();
  const dispatched: string[] = [];
  const fits = (id: string): boolean => {
    if (running.size >= limits.maxParallel) return false;
    const node = nodes[id]!;
    const cap = limits.caps[node.priority as keyof CaseLimits["caps"]];
    const live = [...running].map((r) => nodes[r]!);
    if (cap !== undefined && live.filter((n) => n.priority === node.priority).length >= cap) return false;
    return limits.maxPerWave === null || live.filter((n) => n.wave === node.wave).length < limits.maxPerWave;
  };
  const fill = (): void => {
    for (const id of order) {
      if (running.size >= limits.maxParallel) return;
      if (started.has(id) || !nodes[id]!.dependsOn.every((dep) => succeeded.has(dep)) || !fits(id)) continue;
      started.add(id);
      running.add(id);
      dispatched.push(id);
    }
  };
  fill();
  for (const { id, ok } of completions) {
    running.delete(id);
    // A failed node's dependents never become ready: nothing more to do than not marking it succeeded.
    if (ok) succeeded.add(id);
    fill();
  }
  return dispatched;
}
