import type { PlannedNode } from "@hybrid/scheduler";
import { untilAborted } from "./abort.js";
import { errorInfo } from "./error-info.js";
import { HandoffError } from "./errors.js";
import type { HandoffSink } from "./handoff.js";
import type { Journal } from "./journal.js";
import type { NodeOutcome } from "./outcome.js";

export interface HandoffContext {
  sink: HandoffSink;
  summaryChars: number;
  timeoutMs: number;
  journal: Journal;
  runId: string;
  redact: (text: string) => string;
  now: () => number;
  /** The run's stop signal. */
  signal: AbortSignal;
}

// A sink is in-process code: if it ignores its signal we stop waiting for it (nothing to kill).
// The deadline is a timer of our own, held until we settle: Node 20's AbortSignal.any() keeps only
// a weak reference to an AbortSignal.timeout() source, which the GC may collect before it fires
// (nodejs/node#57736), and then a hanging sink hangs the run.
async function bounded<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number, parent: AbortSignal): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`handoff sink did not answer within ${timeoutMs}ms`)), timeoutMs);
  const signal = AbortSignal.any([parent, deadline.signal]);
  try {
    return await untilAborted(work(signal), signal);
  } catch (error) {
    if (signal.aborted && !parent.aborted) throw new Error(`handoff sink did not answer within ${timeoutMs}ms`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Records a finished node's handoff and journals its URL. A sink failure or timeout is journaled
 * (`handoff.failed`) and kept in the outcome; the node's success stands. A broken journal is rethrown.
 */
export async function recordHandoff(context: HandoffContext, node: PlannedNode, outcome: NodeOutcome): Promise<void> {
  const { sink, journal, runId, redact } = context;
  const issue = node.spec.issue;
  const idempotencyKey = outcome.idempotencyKey!;
  try {
    const { url } = await bounded(
      (signal) =>
        sink.record(
          {
            runId,
            nodeId: node.id,
            agent: node.agent,
            at: context.now(),
            summary: (outcome.output ?? "").slice(0, context.summaryChars),
            idempotencyKey,
            ...(issue ? { issue: { owner: issue.owner, repo: issue.repo, number: issue.number } } : {}),
          },
          { signal },
        ),
      context.timeoutMs,
      context.signal,
    );
    if (typeof url !== "string" || url === "") throw new TypeError(`the sink returned no url (got ${JSON.stringify(url)})`);
    outcome.handoffUrl = url;
    await journal.append({ type: "handoff.recorded", nodeId: node.id, agent: node.agent, idempotencyKey, url });
  } catch (error) {
    if (journal.failure !== undefined) throw journal.failure;
    outcome.handoffError = errorInfo(new HandoffError(node.id, error), redact);
    await journal.append({ type: "handoff.failed", nodeId: node.id, agent: node.agent, idempotencyKey, error: outcome.handoffError });
  }
}
