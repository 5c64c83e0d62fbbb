import type { PlannedNode } from "@hybrid/scheduler";
import { errorInfo } from "./error-info.js";
import { HandoffError } from "./errors.js";
import type { HandoffSink } from "./handoff.js";
import type { Journal } from "./journal.js";
import type { NodeOutcome } from "./outcome.js";

export interface HandoffContext {
  sink: HandoffSink;
  summaryChars: number;
  journal: Journal;
  runId: string;
  redact: (text: string) => string;
  now: () => number;
}

/**
 * Records a finished node's handoff and journals its URL. A sink failure is journaled
 * (`handoff.failed`) and kept in the outcome; the node's success stands. A broken journal is rethrown.
 */
export async function recordHandoff(context: HandoffContext, node: PlannedNode, output: string, outcome: NodeOutcome): Promise<void> {
  const { sink, journal, runId, redact } = context;
  const issue = node.spec.issue;
  try {
    const { url } = await sink.record({
      runId,
      nodeId: node.id,
      agent: node.agent,
      at: context.now(),
      summary: output.slice(0, context.summaryChars),
      ...(issue ? { issue: { owner: issue.owner, repo: issue.repo, number: issue.number } } : {}),
    });
    outcome.handoffUrl = url;
    await journal.append({ type: "handoff.recorded", nodeId: node.id, agent: node.agent, url });
  } catch (error) {
    if (journal.failure !== undefined) throw journal.failure;
    outcome.handoffError = errorInfo(new HandoffError(node.id, error), redact);
    await journal.append({ type: "handoff.failed", nodeId: node.id, agent: node.agent, error: outcome.handoffError });
  }
}
