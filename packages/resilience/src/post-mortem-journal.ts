import type { FailureCategory, JournalEvent } from "./journal-events.js";
import { buildPostMortem } from "./post-mortem.js";
import type { PostMortem, PostMortemError, PostMortemFailureInput, PostMortemStatus } from "./post-mortem.js";
import type { Redact } from "./prepare-event.js";

/** Options of {@link buildPostMortemFromJournal}. */
export interface PostMortemJournalOptions {
  /** The plan's nodes; defaults to the nodes recorded by the last `run.started` / `run.resumed`. */
  plan?: { nodes: ReadonlyArray<{ id: string; dependsOn?: readonly string[] }> };
  /** The retry budget, quoted in transient-exhausted hints. */
  maxAttempts?: number;
  /** @default identity */
  redact?: Redact;
}

type Fields = JournalEvent & Record<string, unknown>;

// The events that say where a node stands. Others naming a node (`node.retrying`, `handoff.*`, a
// newer writer's additions) must not hide them: a handoff recorded after a success is still a success.
const LIFECYCLE = new Set(["node.dispatched", "node.succeeded", "node.failed", "node.timed-out", "node.blocked"]);

interface NodeFold {
  agent?: string;
  attempts: number;
  last?: Fields;
  timeoutMs?: number;
}

const isFinalFailure = (event: Fields | undefined): boolean => event?.type === "node.failed" && event.final === true;

const asError = (value: unknown): PostMortemError => {
  if (typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string") {
    return value as PostMortemError;
  }
  return { message: typeof value === "string" ? value : "unknown error" };
};

/**
 * Builds the post-mortem from a run's journal alone, so `hybrid resume`/`report` can explain a run
 * after a crash without the process that ran it.
 */
export function buildPostMortemFromJournal(events: readonly JournalEvent[], options: PostMortemJournalOptions = {}): PostMortem {
  const all = events as readonly Fields[];
  const runId = all[0]?.runId ?? "unknown";
  let planNodes: ReadonlyArray<{ id: string; dependsOn?: readonly string[] }> = options.plan?.nodes ?? [];
  let status: PostMortemStatus = "incomplete";
  let startedAt = all[0]?.at ?? 0;
  let endedAt = all.at(-1)?.at ?? startedAt;
  let attempts = 0;
  let retries = 0;
  let timeouts = 0;
  let breakerTrips = 0;
  const tokens = { input: 0, output: 0 };
  const nodes = new Map<string, NodeFold>();

  for (const event of all) {
    if (event.type === "run.started" || event.type === "run.resumed") {
      if (event.type === "run.started") startedAt = event.at;
      if (!options.plan && Array.isArray(event.nodes)) planNodes = event.nodes as Array<{ id: string; dependsOn?: string[] }>;
      status = "incomplete";
      // A resume with retryFailed puts failed and blocked nodes back to run: until they do, they are unfinished.
      if (event.type === "run.resumed" && event.retryFailed === true) {
        for (const fold of nodes.values()) if (isFinalFailure(fold.last) || fold.last?.type === "node.blocked") delete fold.last;
      }
      continue;
    }
    if (event.type === "run.completed") {
      status = event.status as PostMortemStatus;
      endedAt = event.at;
      continue;
    }
    if (event.type === "breaker.changed") {
      if (event.to === "open") breakerTrips += 1;
      continue;
    }
    if (typeof event.nodeId !== "string") continue;
    const fold = nodes.get(event.nodeId) ?? { attempts: 0 };
    nodes.set(event.nodeId, fold);
    if (typeof event.agent === "string") fold.agent = event.agent;
    if (typeof event.attempt === "number") fold.attempts = Math.max(fold.attempts, event.attempt);
    if (event.type === "node.dispatched") attempts += 1;
    if (event.type === "node.retrying") retries += 1;
    if (event.type === "node.timed-out") {
      timeouts += 1;
      fold.timeoutMs = typeof event.timeoutMs === "number" ? event.timeoutMs : fold.timeoutMs;
    }
    if (event.type === "node.succeeded") {
      const used = event.tokens as { input?: number; output?: number } | undefined;
      tokens.input += used?.input ?? 0;
      tokens.output += used?.output ?? 0;
    }
    if (LIFECYCLE.has(event.type)) fold.last = event;
  }

  const failed: PostMortemFailureInput[] = [];
  const blocked: Array<{ node: string; blockedBy: string }> = [];
  const completed: string[] = [];
  const unfinished: string[] = [];
  const order = [...new Set([...planNodes.map((node) => node.id), ...nodes.keys()])];
  for (const id of order) {
    const fold = nodes.get(id);
    const last = fold?.last;
    if (!fold || !last) {
      unfinished.push(id);
      continue;
    }
    const base = { node: id, attempts: fold.attempts, maxAttempts: options.maxAttempts, timeoutMs: fold.timeoutMs };
    const agent = fold.agent !== undefined ? { agent: fold.agent } : {};
    if (last.type === "node.succeeded") completed.push(id);
    else if (last.type === "node.blocked") {
      // A block stands while its blocker's failure does. A blocker that ran again after a resume and
      // did not fail for good lifted it; a stop caught this node before it ran.
      if (isFinalFailure(nodes.get(String(last.blockedBy))?.last)) blocked.push({ node: id, blockedBy: String(last.blockedBy) });
      else unfinished.push(id);
    } else if (last.type === "node.failed" && last.final === true) {
      const error = asError(last.error);
      const category = (last.category as FailureCategory | undefined) ?? (fold.timeoutMs !== undefined && error.code === undefined ? "timeout" : undefined);
      const dependency = typeof last.dependency === "string" ? { dependency: last.dependency } : {};
      failed.push({ ...base, ...agent, ...dependency, error, ...(category ? { category } : {}) });
    } else if (last.type === "node.timed-out" && status === "failed") {
      // The run failed right after the timeout without a final `node.failed`: the timeout was final.
      // (A crash, or a stop that caught the node between attempts, leaves it to run again: unfinished.)
      failed.push({ ...base, ...agent, category: "timeout", error: { code: "timeout", message: `timed out after ${fold.timeoutMs}ms` } });
    } else unfinished.push(id);
  }

  return buildPostMortem({
    runId,
    status,
    failed,
    nodes: planNodes,
    blocked: blocked.length > 0 ? blocked : undefined,
    completed,
    unfinished,
    telemetry: {
      durationMs: Math.max(0, endedAt - startedAt),
      nodeCount: order.length,
      attempts,
      retries,
      timeouts,
      breakerTrips,
      tokens,
    },
    ...(options.redact ? { redact: options.redact } : {}),
  });
}
