// Pure oracles over gate logs: both modes' logs compared, a run record's gates read back from
// runs.jsonl, and one failure scenario judged against what the docs promise for it.
import type { GateLogEntry } from "@hybrid/hybrid";

/** One gate decision, as compared between modes: every field of the log but the order. */
export const entryKey = (e: Pick<GateLogEntry, "gate" | "stage" | "nodeId" | "decision" | "reason" | "needsReview">): string =>
  JSON.stringify([e.gate, e.stage, e.nodeId ?? null, e.decision, e.reason ?? null, e.needsReview === true]);

/**
 * The log as compared: its entries' keys, sorted. Order is the one thing normalised: hybrid runs
 * independent nodes concurrently, so the gates of different nodes interleave differently; every
 * field of every entry (gate, stage, node, decision, reason, needsReview) must match as is.
 */
export const normaliseGateLog = (log: readonly GateLogEntry[]): string[] => log.map(entryKey).sort();

/** Entries only in `a` and only in `b` (as multisets), each as its key. */
export function diffLogs(a: readonly string[], b: readonly string[]): { onlyA: string[]; onlyB: string[] } {
  const counts = new Map<string, number>();
  for (const k of a) counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const k of b) counts.set(k, (counts.get(k) ?? 0) - 1);
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  for (const [k, n] of counts) for (let i = 0; i < Math.abs(n); i++) (n > 0 ? onlyA : onlyB).push(k);
  return { onlyA, onlyB };
}

/** A run record's gate entry as runs.jsonl holds it (with the time it was decided, `at`). */
export interface RecordGate {
  id: string;
  stage: string;
  node?: string;
  decision: string;
  at?: number;
}

/** The gates of the run `runId` in a runs.jsonl text, `at` dropped, sorted; null when the run left no record. */
export function recordGates(runsJsonl: string, runId: string): string[] | null {
  for (const line of runsJsonl.split("\n")) {
    if (line.trim() === "") continue;
    const record = JSON.parse(line) as { runId?: string; gates?: RecordGate[] };
    if (record.runId !== runId) continue;
    return (record.gates ?? []).map((g) => JSON.stringify([g.id, g.stage, g.node ?? null, g.decision])).sort();
  }
  return null;
}

/** The same projection of an in-process gate log (what a record keeps of it). */
export const recordView = (log: readonly GateLogEntry[]): string[] => log.map((e) => JSON.stringify([e.gate, e.stage, e.nodeId ?? null, e.decision])).sort();

/** What the docs promise when a gate fails (docs/quality-gates.md, docs/cli.md "Exit codes"). */
export interface Expected {
  gate: string;
  stage: string;
  /** The node whose gate fails (absent for plan and run stages). */
  nodeId?: string;
  /** G10 asks for review instead of failing outright. */
  needsReview: boolean;
  /** Node statuses the failure must leave (the failing node, and e.g. its dependents blocked). */
  statuses: Record<string, string>;
  runStatus: "failed" | "succeeded" | "aborted";
  /** Nodes whose agent must never have been called (a plan or dispatch gate stops before the agent). */
  notDispatched: string[];
}

/** What one run of a scenario showed. */
export interface Observed {
  status: string;
  gates: readonly GateLogEntry[];
  nodes: Record<string, { status: string }>;
  /** Node ids the agent was called for, as the agent itself recorded. */
  dispatched: readonly string[];
}

/** Every way `observed` departs from `expected`: empty when the gate failed as documented and no other gate failed. */
export function judgeScenario(expected: Expected, observed: Observed): string[] {
  const problems: string[] = [];
  const failing = observed.gates.filter((e) => e.decision !== "pass");
  const target = failing.filter((e) => e.gate === expected.gate && e.stage === expected.stage && (expected.nodeId === undefined || e.nodeId === expected.nodeId));
  if (target.length === 0) problems.push(`${expected.gate} did not fail at ${expected.stage}${expected.nodeId ? ` on ${expected.nodeId}` : ""}`);
  for (const e of target) {
    if (e.decision !== "fail") problems.push(`${e.gate} decided ${e.decision}, not fail`);
    if ((e.needsReview === true) !== expected.needsReview) problems.push(`${e.gate} needsReview=${e.needsReview === true}, documented ${expected.needsReview}`);
    if (!e.reason) problems.push(`${e.gate} failed without a reason`);
  }
  for (const e of failing) if (!target.includes(e)) problems.push(`spurious: ${e.gate} ${e.stage}${e.nodeId ? ` ${e.nodeId}` : ""} ${e.decision}: ${e.reason ?? ""}`);
  if (observed.status !== expected.runStatus) problems.push(`run ${observed.status}, documented ${expected.runStatus}`);
  for (const [id, status] of Object.entries(expected.statuses)) {
    const got = observed.nodes[id]?.status;
    if (got !== status) problems.push(`node ${id} ${got ?? "absent"}, documented ${status}`);
  }
  for (const id of expected.notDispatched) if (observed.dispatched.includes(id)) problems.push(`the agent was called for ${id}`);
  return problems;
}
