// Shared test helpers: a manual clock, a recording sleep, and journals written the way a dispatcher
// writes them (valid events of the one vocabulary, `inputs` = digests of the upstream outputs used).
import { createHash } from "node:crypto";
import { digestOutput } from "@hybrid/resilience";
import type { BreakerState, JournalEvent, JournalEventOf, JournalEventType, ReplayPlanInput } from "@hybrid/resilience";

/** A clock the test moves by hand. */
export function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

/** A sleep that records the delays and returns at once. */
export function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

/** An error whose class is decided by the fields given. */
export function failure(fields: Record<string, unknown>, message = "boom"): Error {
  return Object.assign(new Error(message), fields);
}

/** The line checksum of docs/journal.md, computed here independently of the package. */
export function checksum(event: unknown): string {
  return createHash("sha256").update(JSON.stringify(event), "utf8").digest("hex").slice(0, 16);
}

/** One journal line as docs/journal.md specifies it (newline included). */
export function journalLine(seq: number, event: unknown, v: unknown = 1): string {
  return `${JSON.stringify({ v, seq, sum: checksum(event), event })}\n`;
}

/** A journal file parsed by hand, checking the envelope of every line (not through the package). */
export function parseJournalFile(text: string): Array<{ v: number; seq: number; sum: string; event: Record<string, unknown> }> {
  const lines = text.split("\n");
  if (lines.at(-1) !== "") throw new Error("the journal does not end with a newline");
  return lines.slice(0, -1).map((line, index) => {
    const record = JSON.parse(line) as { v: number; seq: number; sum: string; event: Record<string, unknown> };
    if (Object.keys(record).join() !== "v,seq,sum,event") throw new Error(`line ${index + 1}: keys ${Object.keys(record).join()}`);
    if (record.v !== 1) throw new Error(`line ${index + 1}: v ${record.v}`);
    if (record.seq !== index + 1) throw new Error(`line ${index + 1}: seq ${record.seq}`);
    if (record.sum !== checksum(record.event)) throw new Error(`line ${index + 1}: checksum`);
    return record;
  });
}

/** A plan node as replay sees it. */
export interface SpecNode {
  id: string;
  specHash: string;
  dependsOn: string[];
}

export const spec = (id: string, specHash: string, dependsOn: string[] = []): SpecNode => ({ id, specHash, dependsOn });

/** A plan whose hash changes whenever a spec or an edge does. */
export function planOf(nodes: SpecNode[]): ReplayPlanInput & { nodes: SpecNode[] } {
  const canonical = [...nodes].sort((a, b) => (a.id < b.id ? -1 : 1)).map((n) => [n.id, n.specHash, [...n.dependsOn].sort()]);
  return { planHash: digestOutput(JSON.stringify(canonical)).slice(7, 23), nodes };
}

const agentOf = (nodeId: string): string => `agent-${nodeId}`;

/** Digest of each upstream output an attempt was prepared from. */
export function inputsOf(upstream: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(upstream).map(([dep, output]) => [dep, digestOutput(output)]));
}

/**
 * Appends events the way `@hybrid/dispatch` journals a run: `run.started` / `run.resumed` with the
 * plan, then per attempt `node.dispatched` and its outcome, each carrying the spec hash and the
 * digests of the upstream outputs it was prepared from.
 */
export class JournalBuilder {
  readonly events: JournalEvent[] = [];
  private at = 1_000;

  constructor(readonly runId = "run-t") {}

  push<T extends JournalEventType>(event: Omit<JournalEventOf<T>, "runId" | "at"> & { type: T }): this {
    this.events.push({ runId: this.runId, at: this.at++, ...event } as unknown as JournalEvent);
    return this;
  }

  private nodes(plan: ReplayPlanInput): JournalEventOf<"run.started">["nodes"] {
    return plan.nodes.map((node) => ({
      id: node.id,
      agent: agentOf(node.id),
      priority: "implementation",
      wave: 0,
      dependsOn: [...node.dependsOn],
      specHash: node.specHash,
    }));
  }

  started(plan: ReplayPlanInput, options: { mode?: "wave" | "eager"; seed?: number; breakers?: Record<string, BreakerState> } = {}): this {
    return this.push({
      type: "run.started",
      planHash: plan.planHash,
      workflowId: "wf",
      mode: options.mode ?? "wave",
      seed: options.seed ?? 7,
      nodes: this.nodes(plan),
      breakers: options.breakers ?? {},
    });
  }

  resumed(plan: ReplayPlanInput, options: { forced?: boolean; retryFailed?: boolean; mode?: "wave" | "eager" } = {}): this {
    return this.push({
      type: "run.resumed",
      planHash: plan.planHash,
      workflowId: "wf",
      forced: options.forced ?? false,
      retryFailed: options.retryFailed ?? false,
      mode: options.mode ?? "wave",
      nodes: this.nodes(plan),
      breakers: {},
    });
  }

  dispatched(node: SpecNode, attempt: number, upstream: Readonly<Record<string, string>> = {}, key = `${this.runId}:${node.id}:${node.specHash}`): this {
    return this.push({
      type: "node.dispatched",
      nodeId: node.id,
      agent: agentOf(node.id),
      priority: "implementation",
      wave: 0,
      attempt,
      idempotencyKey: key,
      specHash: node.specHash,
      inputs: inputsOf(upstream),
    });
  }

  succeeded(node: SpecNode, attempt: number, output: string, upstream: Readonly<Record<string, string>> = {}, tokens = { input: 10, output: 5 }): this {
    return this.push({
      type: "node.succeeded",
      nodeId: node.id,
      agent: agentOf(node.id),
      attempt,
      output,
      outputDigest: digestOutput(output),
      specHash: node.specHash,
      inputs: inputsOf(upstream),
      tokens,
      startedAt: this.at,
      durationMs: 1,
    });
  }

  /** A dispatch and its success: the node ran from `upstream` (dependency id → the output it consumed). */
  ran(node: SpecNode, output: string, upstream: Readonly<Record<string, string>> = {}, attempt = 1): this {
    return this.dispatched(node, attempt, upstream).succeeded(node, attempt, output, upstream);
  }

  failed(
    node: SpecNode,
    attempt: number,
    options: { final?: boolean; upstream?: Readonly<Record<string, string>>; category?: JournalEventOf<"node.failed">["category"]; message?: string; code?: string } = {},
  ): this {
    return this.push({
      type: "node.failed",
      nodeId: node.id,
      agent: agentOf(node.id),
      attempt,
      final: options.final ?? true,
      ...(options.category ? { category: options.category } : {}),
      error: { message: options.message ?? "boom", ...(options.code ? { code: options.code } : {}) },
      specHash: node.specHash,
      inputs: inputsOf(options.upstream ?? {}),
    });
  }

  blocked(node: SpecNode, blockedBy: string): this {
    return this.push({ type: "node.blocked", nodeId: node.id, agent: agentOf(node.id), blockedBy });
  }

  completed(status: "succeeded" | "failed" | "aborted", counts = { total: 0, succeeded: 0, failed: 0, blocked: 0, skipped: 0 }): this {
    return this.push({ type: "run.completed", status, counts });
  }
}

const breakerOpen: BreakerState = { state: "open", consecutiveFailures: 5, openedAt: 100 };
const processInfo = { pid: 4242, pgid: 4242, hostname: "build-host", startTime: "12345" };

/** One valid event of every type, with every optional field set: the vocabulary at a glance. */
export function exampleEvents(runId = "run-x"): { [T in JournalEventType]: JournalEventOf<T> } {
  const base = { runId, at: 1_700_000_000_000 };
  const node = { ...base, nodeId: "build", agent: "coder" };
  const planNode = { id: "build", agent: "coder", priority: "implementation", wave: 0, dependsOn: [], specHash: "spec-1" };
  return {
    "run.started": { type: "run.started", ...base, planHash: "plan-1", workflowId: "wf", taskType: "feature", mode: "eager", seed: 42, nodes: [planNode], breakers: { coder: breakerOpen } },
    "run.resumed": { type: "run.resumed", ...base, planHash: "plan-1", workflowId: "wf", taskType: "feature", forced: false, retryFailed: true, mode: "wave", nodes: [planNode], breakers: {} },
    "wave.started": { type: "wave.started", ...base, wave: 0, nodeIds: ["build"] },
    "wave.completed": { type: "wave.completed", ...base, wave: 0, succeeded: 1, failed: 0, blocked: 0 },
    "node.dispatched": { type: "node.dispatched", ...node, priority: "implementation", wave: 0, attempt: 1, idempotencyKey: "k-1", specHash: "spec-1", inputs: { design: digestOutput("adr") } },
    "node.spawned": { type: "node.spawned", ...node, attempt: 1, process: processInfo },
    "node.reaped": { type: "node.reaped", ...node, attempt: 1, process: processInfo, outcome: "stopped" },
    "node.succeeded": {
      type: "node.succeeded",
      ...node,
      attempt: 1,
      output: "done",
      outputDigest: digestOutput("done"),
      outputRedacted: false,
      specHash: "spec-1",
      inputs: { design: digestOutput("adr") },
      tokens: { input: 10, output: 5 },
      startedAt: 1_700_000_000_000,
      durationMs: 12.5,
    },
    "node.failed": {
      type: "node.failed",
      ...node,
      attempt: 2,
      final: true,
      category: "permanent",
      error: { code: "command-failed", message: "exit 2", exitCode: 2, signal: "SIGTERM", stderrTail: "usage" },
      specHash: "spec-1",
      inputs: {},
    },
    "node.timed-out": { type: "node.timed-out", ...node, attempt: 1, timeoutMs: 600_000 },
    "node.retrying": { type: "node.retrying", ...node, attempt: 1, nextAttempt: 2, delayMs: 250, error: { code: "transient", message: "HTTP 503" } },
    "node.waiting": { type: "node.waiting", ...node, attempt: 1, breaker: "coder", retryAfterMs: 1_000 },
    "node.blocked": { type: "node.blocked", ...node, blockedBy: "design" },
    "breaker.changed": { type: "breaker.changed", ...base, key: "coder", from: "closed", to: "open", state: breakerOpen },
    "handoff.recorded": { type: "handoff.recorded", ...node, idempotencyKey: "k-1", url: "https://github.com/acme/agents/issues/7#issuecomment-1" },
    "handoff.failed": { type: "handoff.failed", ...node, idempotencyKey: "k-1", error: { message: "sink timed out" } },
    "run.strategy": { type: "run.strategy", ...base, strategy: "sequential", reason: "kill-switch", parallel: false, memory: false, wave: 2 },
    "gate.evaluated": { type: "gate.evaluated", ...base, gateId: "G4", stage: "dispatch", nodeId: "build", decision: "fail", reason: "prompt over its cap" },
    "run.completed": { type: "run.completed", ...base, status: "succeeded", counts: { total: 1, succeeded: 1, failed: 0, blocked: 0, skipped: 0 } },
  };
}
