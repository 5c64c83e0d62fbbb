// The oracle of the Recovery category over what separate agent processes wrote (the side-effect
// file, in O_APPEND order) and the journal read back raw. Definitions:
// - an execution: a copy of a node's agent that finished its work (a `commit` or `reuse` line);
//   a node executed more than once is expected after a kill (at-least-once: the agent finished but
//   the orchestrator died before journaling it) and is what the idempotency key is for;
// - a duplicate side effect: a node whose side effect was committed twice (two `commit` lines);
// - an overlap: a copy of a node starting while another copy of it has started and neither ended
//   nor stopped;
// - a rerun after completion: a copy starting after the journal recorded the node succeeded.
import type { RawEvent } from "./journal-lines.js";

export type EffectKind = "start" | "commit" | "reuse" | "end" | "stop";

export interface Effect {
  what: EffectKind;
  node: string;
  key: string;
  attempt: number;
  pid: number;
  at: number;
}

/** The side-effect file's lines; a line that does not parse is returned as a problem, not dropped. */
export function parseEffects(text: string): { effects: Effect[]; unreadable: number } {
  const effects: Effect[] = [];
  let unreadable = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      effects.push(JSON.parse(line) as Effect);
    } catch {
      unreadable += 1;
    }
  }
  return { effects, unreadable };
}

export interface EffectsVerdict {
  /** Nodes of the workflow whose side effect was never committed. */
  missing: string[];
  /** Nodes whose side effect was committed more than once, with the count. */
  committedTwice: Array<{ node: string; commits: number }>;
  /** Finished copies (commit + reuse) per node. */
  executions: Map<string, number>;
  overlaps: string[];
  /** Copies that started and never ended or stopped (SIGKILLed, or still running). */
  unclosed: string[];
  /** Nodes that saw more than one idempotency key (a resume must reuse the node's key). */
  keyChanges: string[];
  /** Side-effect lines that could not be read. */
  unreadable: number;
}

/** Judges the side-effect lines of one run against the workflow's node ids. */
export function judgeEffects(effects: readonly Effect[], nodes: readonly string[], unreadable = 0): EffectsVerdict {
  const open = new Map<string, Set<number>>();
  const commits = new Map<string, number>();
  const executions = new Map<string, number>();
  const keys = new Map<string, Set<string>>();
  const overlaps: string[] = [];
  effects.forEach((effect, index) => {
    const copies = open.get(effect.node) ?? new Set<number>();
    open.set(effect.node, copies);
    keys.set(effect.node, (keys.get(effect.node) ?? new Set()).add(effect.key));
    if (effect.what === "start") {
      if (copies.size > 0) overlaps.push(`line ${index + 1}: ${effect.node} (pid ${effect.pid}) started while pid ${[...copies].join(", ")} still ran`);
      copies.add(effect.pid);
    } else if (effect.what === "end" || effect.what === "stop") copies.delete(effect.pid);
    else {
      executions.set(effect.node, (executions.get(effect.node) ?? 0) + 1);
      if (effect.what === "commit") commits.set(effect.node, (commits.get(effect.node) ?? 0) + 1);
    }
  });
  return {
    missing: nodes.filter((node) => !commits.has(node)),
    committedTwice: [...commits].filter(([, n]) => n > 1).map(([node, n]) => ({ node, commits: n })),
    executions,
    overlaps,
    unclosed: [...open].flatMap(([node, pids]) => [...pids].map((pid) => `${node} (pid ${pid})`)),
    keyChanges: [...keys].filter(([, set]) => set.size > 1).map(([node, set]) => `${node}: ${set.size} keys`),
    unreadable,
  };
}

/** Whether a verdict holds everything recovery promises. */
export const effectsClean = (v: EffectsVerdict): boolean =>
  v.missing.length === 0 && v.committedTwice.length === 0 && v.overlaps.length === 0 && v.unclosed.length === 0 && v.keyChanges.length === 0 && v.unreadable === 0;

export interface JournalVerdict {
  /** Nodes whose `node.succeeded` count is not exactly 1, with the count. */
  notOnce: Array<{ node: string; succeeded: number }>;
  /** Copies that started after the journal had recorded their node succeeded. */
  rerunAfterSuccess: string[];
}

/** Every node succeeded exactly once in the journal, and no agent started after its node had. */
export function judgeJournal(events: readonly RawEvent[], effects: readonly Effect[], nodes: readonly string[]): JournalVerdict {
  const succeeded = new Map<string, number[]>();
  for (const event of events) if (event.type === "node.succeeded" && event.nodeId !== undefined) succeeded.set(event.nodeId, [...(succeeded.get(event.nodeId) ?? []), event.at]);
  const notOnce = nodes.map((node) => ({ node, succeeded: succeeded.get(node)?.length ?? 0 })).filter((n) => n.succeeded !== 1);
  const rerunAfterSuccess = effects
    .filter((effect) => effect.what === "start" && (succeeded.get(effect.node) ?? []).some((at) => effect.at > at))
    .map((effect) => `${effect.node} (pid ${effect.pid}) started after the journal recorded it succeeded`);
  return { notOnce, rerunAfterSuccess };
}
