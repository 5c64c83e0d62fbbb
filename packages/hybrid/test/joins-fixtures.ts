// A workflow whose join node gets conflicting structured outputs from five upstream nodes, one or
// two per priority class, and the runs the join suites make of it (joins-e2e.test.ts and its slow
// version). The expected merge is written out by hand below: it is the oracle, not the resolver.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DispatchEvent } from "@hybrid/dispatch";
import type { WorkflowInput } from "@hybrid/graph";
import { seededRandom, shuffle } from "@hybrid/test-utils";
import { expect } from "vitest";
import { HybridOrchestrator, SequentialOrchestrator } from "../src/index.js";
import type { RunResult } from "../src/index.js";
import { HYBRID_ON, checklistAgent, delayedBy, ramStateDir, withJson } from "./support.js";

export type Policy = "fail-fast" | "merge-with-rules" | "manual-escalation";

/**
 * What each upstream of `decide` reports. Declared in an order that is neither the priority order
 * nor the id order, so neither can come for free.
 */
export const CONFLICTING: Record<string, Record<string, unknown>> = {
  "impl-b": { verdict: "ship-later", owner: "bob", branch: "fix/b", "impl-b": "done" },
  "docs-note": { verdict: "ship", owner: "dana", docs: "updated" },
  "sec-scan": { verdict: "hold", risk: { level: "high" }, "sec-scan": "done" },
  "impl-a": { verdict: "ship", owner: "alice", branch: "fix/a", "impl-a": "done" },
  "arch-review": { verdict: "redesign", owner: "arch", risk: { level: "medium", notes: "pool exhaustion" } },
};

/**
 * The merge by hand: security > architecture > implementation > docs, ties by id. `verdict`: the
 * security scan's; `risk.level` too, `risk.notes` only the architect had; `owner`: the architect
 * over both implementers and the writer; `branch`: two implementers tie, impl-a before impl-b.
 * Keys sorted, at every level.
 */
export const MERGED = {
  branch: "fix/a",
  docs: "updated",
  "impl-a": "done",
  "impl-b": "done",
  owner: "arch",
  risk: { level: "high", notes: "pool exhaustion" },
  "sec-scan": "done",
  verdict: "hold",
};
/** The keys the upstreams disagree on, as the resolver names them. */
export const CONFLICT_KEYS = ["branch", "owner", "risk.level", "verdict"];

/** The same upstreams agreeing: every shared key has one value. */
export const AGREEING: Record<string, Record<string, unknown>> = Object.fromEntries(
  Object.keys(CONFLICTING).map((id) => [id, { verdict: "ship", checked: { [id]: true } }]),
);

export const UPSTREAMS = Object.keys(CONFLICTING);

/** `plan` → five upstreams → `decide` (the join) → `ship`; `unrelated` stands alone. */
export function joinWorkflow(policy: Policy): WorkflowInput {
  const node = (id: string, priority: "security" | "architecture" | "implementation" | "docs", dependsOn: string[]) => ({
    id,
    agent: `${priority}-agent`,
    priority,
    scope: `work of ${id}`,
    acceptance: [`${id} delivered`],
    dependsOn,
    outputs: [id],
  });
  return {
    version: 1,
    id: `join-${policy}`,
    nodes: [
      node("plan", "architecture", []),
      node("impl-b", "implementation", ["plan"]),
      node("docs-note", "docs", ["plan"]),
      node("sec-scan", "security", ["plan"]),
      node("impl-a", "implementation", ["plan"]),
      node("arch-review", "architecture", ["plan"]),
      { ...node("decide", "architecture", ["docs-note", "impl-b", "sec-scan", "impl-a", "arch-review"]), join: { policy, rules: ["security holds win", "ties go to the lower id"] } },
      node("ship", "implementation", ["decide"]),
      node("unrelated", "docs", []),
    ],
  };
}

/** The workflow with its nodes and every `dependsOn` declared in a seeded order. */
export function declaredIn(workflow: WorkflowInput, seed: number): WorkflowInput {
  const random = seededRandom(seed);
  return { ...workflow, nodes: shuffle(workflow.nodes, random).map((n) => ({ ...n, dependsOn: shuffle(n.dependsOn, random) })) };
}

/** One run of the join workflow, and what it showed. */
export interface JoinRun {
  result: RunResult;
  prompts: Map<string, string>;
  started: string[];
  events: DispatchEvent[];
  /** The upstreams of `decide` in the order they succeeded. */
  arrival: string[];
  stateDir: string;
}

/**
 * Runs the join workflow. `permutation` > 0: the upstreams are held back by seeded delays (0 to 80
 * ms, shuffled) so they finish in another order, and the workflow is declared in another order.
 */
export async function runJoin(
  kind: "sequential" | "hybrid",
  policy: Policy,
  options: { outputs?: Record<string, Record<string, unknown>>; permutation?: number; stateDir?: string; runId?: string; g9?: boolean } = {},
): Promise<JoinRun> {
  const outputs = options.outputs ?? CONFLICTING;
  const permutation = options.permutation ?? 0;
  const delays = new Map(shuffle(UPSTREAMS, seededRandom(1000 + permutation)).map((id, i) => [id, permutation === 0 ? 0 : i * 20]));
  const agent = checklistAgent({ seed: permutation + 1, timeScale: 0, transform: (task, output) => (outputs[task.nodeId] ? withJson(output, outputs[task.nodeId]) : output) });
  const events: DispatchEvent[] = [];
  const stateDir = options.stateDir ?? (await ramStateDir());
  const config = { ...HYBRID_ON, concurrency: { maxParallel: 6 }, ...(options.g9 === false ? { gates: { G9: { enabled: false } } } : {}) };
  const common = { runner: delayedBy(agent, (id) => delays.get(id) ?? 0), stateDir, config, onEvent: (e: DispatchEvent) => events.push(e), onWarning: () => {} };
  const orchestrator = kind === "sequential" ? new SequentialOrchestrator(common) : new HybridOrchestrator(common);
  const workflow = permutation === 0 ? joinWorkflow(policy) : declaredIn(joinWorkflow(policy), permutation);
  const result = await orchestrator.execute(workflow, { runId: options.runId ?? `join-${policy}-${kind}-${permutation}` });
  const arrival = events.flatMap((e) => (e.type === "node.succeeded" && UPSTREAMS.includes(e.nodeId) ? [e.nodeId] : []));
  return { result, prompts: agent.recording.prompts, started: agent.recording.started, events, arrival, stateDir };
}

/**
 * The same join in hybrid mode, `count` times, the upstreams finishing in other orders each time
 * (checked: more than one order was seen).
 */
export async function permutedRuns(policy: Policy, count: number): Promise<JoinRun[]> {
  const runs: JoinRun[] = [];
  for (let permutation = 0; permutation < count; permutation++) runs.push(await runJoin("hybrid", policy, { permutation }));
  expect(new Set(runs.map((run) => run.arrival.join(","))).size, "distinct arrival orders").toBeGreaterThan(Math.min(count, 8) / 2);
  return runs;
}

/** The join resolver's part of a hybrid prompt: its L2 segment, up to the next segment. */
export function joinSection(prompt: string, nodeId = "decide"): string | undefined {
  const start = prompt.indexOf(`## [L2] handoff:${nodeId}.join\n`);
  if (start < 0) return undefined;
  const end = prompt.indexOf("\n## [L", start + 1);
  return prompt.slice(start, end < 0 ? undefined : end);
}

/** The merged JSON block of a join section, parsed. */
export function mergedBlock(section: string): unknown {
  const match = /## Merged structured output\n\n```json\n([\s\S]*?)\n```/.exec(section);
  return match ? JSON.parse(match[1]!) : undefined;
}

/** The escalation lines of a state directory's offline ledger, by run id. */
export async function escalationLines(stateDir: string): Promise<Map<string, Array<{ idempotencyKey: string; summary: string; url: string }>>> {
  const text = await readFile(join(stateDir, "ledger.jsonl"), "utf8").catch(() => "");
  const lines = new Map<string, Array<{ idempotencyKey: string; summary: string; url: string }>>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const record = JSON.parse(line) as { runId: string; nodeId: string; idempotencyKey: string; summary: string; url: string };
    if (record.nodeId !== "escalation") continue;
    lines.set(record.runId, [...(lines.get(record.runId) ?? []), record]);
  }
  return lines;
}
