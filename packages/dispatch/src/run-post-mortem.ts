import { buildPostMortem, buildPostMortemFromJournal } from "@hybrid/resilience";
import type { JournalEvent, PostMortem, PostMortemFailureInput } from "@hybrid/resilience";
import type { SchedulePlan } from "@hybrid/scheduler";
import type { DispatchEvent, JournalNode, RunStatus } from "./events.js";
import type { NodeOutcome } from "./outcome.js";

/**
 * What one process of a run counts as it goes, so the post-mortem's telemetry does not need the
 * run's events kept in memory (keeping two events a node alive until the end cost ~10% of a no-op
 * node's dispatch, in garbage collection).
 */
export interface RunStats {
  /** `node.dispatched` events. */
  attempts: number;
  /** `node.retrying` events. */
  retries: number;
  /** `node.timed-out` events. */
  timeouts: number;
  /** `breaker.changed` events to `open`. */
  breakerTrips: number;
  /** Tokens of `node.succeeded` events. */
  tokens: { input: number; output: number };
}

export function emptyStats(): RunStats {
  return { attempts: 0, retries: 0, timeouts: 0, breakerTrips: 0, tokens: { input: 0, output: 0 } };
}

export interface RunPostMortemInput {
  runId: string;
  status: RunStatus;
  plan: SchedulePlan;
  journalNodes: readonly JournalNode[];
  /** Outcomes by rank. */
  outcomes: readonly NodeOutcome[];
  stats: RunStats;
  /** The journal as an earlier process left it (empty for a fresh run). */
  priorEvents: readonly DispatchEvent[];
  /** `at` of this process's first event (`run.started` or `run.resumed`) and of `run.completed`. */
  startedAt: number;
  endedAt: number;
  maxAttempts: number;
  /** The timeout a node's attempts run under. */
  timeoutMs: (id: string) => number;
  redact: (text: string) => string;
}

/**
 * The post-mortem of a run that did not succeed, from its outcomes and counters: the same document
 * `buildPostMortemFromJournal` derives from the whole journal (a test holds the two equal).
 */
export function buildRunPostMortem(input: RunPostMortemInput): PostMortem {
  const { plan, outcomes, stats, priorEvents } = input;
  const failed: PostMortemFailureInput[] = [];
  const blocked: Array<{ node: string; blockedBy: string }> = [];
  const completed: string[] = [];
  const unfinished: string[] = [];
  for (let rank = 0; rank < plan.order.length; rank++) {
    const outcome = outcomes[rank]!;
    const id = outcome.id;
    if (outcome.status === "succeeded") completed.push(id);
    else if (outcome.status === "blocked") blocked.push({ node: id, blockedBy: outcome.blockedBy! });
    else if (outcome.status === "failed") {
      failed.push({
        node: id,
        agent: outcome.agent,
        attempts: outcome.attempts,
        maxAttempts: input.maxAttempts,
        ...(outcome.category === "timeout" ? { timeoutMs: input.timeoutMs(id) } : {}),
        error: outcome.error ?? { message: "unknown error" },
        ...(outcome.category ? { category: outcome.category } : {}),
      });
    } else unfinished.push(id);
  }
  // An earlier process's share of the counters, and the run's first start, come from its journal.
  const prior = priorEvents.length > 0 ? buildPostMortemFromJournal(priorEvents as unknown as JournalEvent[]).telemetry : undefined;
  let startedAt = priorEvents[0]?.at ?? input.startedAt;
  for (const event of priorEvents) if (event.type === "run.started") startedAt = event.at;
  return buildPostMortem({
    runId: input.runId,
    status: input.status,
    failed,
    nodes: input.journalNodes,
    ...(blocked.length > 0 ? { blocked } : {}),
    completed,
    unfinished,
    telemetry: {
      durationMs: Math.max(0, input.endedAt - startedAt),
      nodeCount: plan.order.length,
      attempts: (prior?.attempts ?? 0) + stats.attempts,
      retries: (prior?.retries ?? 0) + stats.retries,
      timeouts: (prior?.timeouts ?? 0) + stats.timeouts,
      breakerTrips: (prior?.breakerTrips ?? 0) + stats.breakerTrips,
      tokens: {
        input: (prior?.tokens.input ?? 0) + stats.tokens.input,
        output: (prior?.tokens.output ?? 0) + stats.tokens.output,
      },
    },
    redact: input.redact,
  });
}
