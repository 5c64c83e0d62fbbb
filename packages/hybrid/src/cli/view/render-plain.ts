// Plain lines for a pipe or CI: one line per notable event, no escape codes, no redraws. The
// formatter folds the same state as the live view (for wave totals and strategy switches) and is
// pure apart from that state: events in, lines out. A failure that blocks thousands of dependents
// would print thousands of near-identical lines, so a run of blocks by the same node is cut short
// after a few and summed up in one line.
import type { DispatchEvent } from "@hybrid/dispatch";
import { formatDuration, formatElapsed, formatTokens, plural } from "./format.js";
import { describeStrategy } from "./render-live.js";
import { fit, sanitize } from "./sanitize.js";
import { createViewState, failureText, MAX_TEXT, reduceView, type ViewState } from "./state.js";

/** Blocks by one node printed one by one before the rest are summed up. */
export const BLOCKED_SHOWN = 3;
/** Longest plain line when the stream does not say its width. @default 240 */
export const PLAIN_COLUMNS = 240;

export interface PlainFormatter {
  /** The lines one event prints (often none). */
  format(event: DispatchEvent): string[];
  /** Lines still held back (a run of blocks being summed up). */
  flush(): string[];
  readonly state: ViewState;
}

export function createPlainFormatter(columns = PLAIN_COLUMNS): PlainFormatter {
  const state = createViewState();
  const width = Math.max(20, Math.floor(columns) - 1);
  let blocked: { by: string; count: number } | undefined;
  const id = (nodeId: string) => sanitize(nodeId, MAX_TEXT);
  const total = () => (state.totalWaves === undefined ? "" : `/${state.totalWaves}`);

  const flush = (): string[] => {
    const group = blocked;
    blocked = undefined;
    if (!group || group.count <= BLOCKED_SHOWN) return [];
    return [`blocked ${group.count - BLOCKED_SHOWN} more by ${id(group.by)} (${group.count} in all)`];
  };

  const describe = (event: DispatchEvent, before: ViewState["strategy"]): string | undefined => {
    switch (event.type) {
      case "run.started":
      case "run.resumed":
        return `run ${state.runId} ${event.type === "run.started" ? "started" : "resumed"}: ${state.workflowId}, ${plural(state.totalNodes ?? 0, "node")} in ${plural(state.totalWaves ?? 0, "wave")}`;
      case "run.strategy":
        return before === undefined || before.strategy !== event.strategy ? `strategy ${describeStrategy(state.strategy!)}` : undefined;
      case "wave.started":
        return `wave ${event.wave + 1}${total()} started: ${plural(event.nodeIds.length, "node")}`;
      case "wave.completed":
        return `wave ${event.wave + 1}${total()} completed: ${event.succeeded} succeeded, ${event.failed} failed, ${event.blocked} blocked`;
      case "node.dispatched":
        return `start   ${id(event.nodeId)} (${sanitize(event.agent, MAX_TEXT)})${event.attempt > 1 ? ` attempt ${event.attempt}` : ""}`;
      case "node.succeeded": {
        const tokens = event.tokens ? `, ${formatTokens(event.tokens.input + event.tokens.output)} tokens` : "";
        return `done    ${id(event.nodeId)} in ${formatElapsed(event.durationMs)}${tokens}`;
      }
      case "node.failed":
        return event.final ? `FAILED  ${id(event.nodeId)}: ${failureText(event)}` : undefined;
      case "node.retrying":
        return `retry   ${id(event.nodeId)} in ${formatDuration(event.delayMs)} (attempt ${event.nextAttempt}): ${failureText(event)}`;
      case "node.waiting":
        return `waiting ${id(event.nodeId)}: breaker ${sanitize(event.breaker, MAX_TEXT)} is open`;
      case "node.blocked":
        return `blocked ${id(event.nodeId)} by ${id(event.blockedBy)}`;
      case "handoff.failed":
        return `handoff of ${id(event.nodeId)} failed: ${failureText(event)}`;
      case "gate.evaluated":
        if (event.decision !== "fail") return undefined;
        return `gate ${sanitize(event.gateId, 40)} failed at ${sanitize(event.stage, 40)}${event.nodeId ? ` on ${id(event.nodeId)}` : ""}${event.reason ? `: ${sanitize(event.reason, MAX_TEXT)}` : ""}`;
      case "run.completed": {
        const c = event.counts;
        return `run ${event.status}: ${c.succeeded}/${c.total} succeeded, ${c.failed} failed, ${c.blocked} blocked, ${c.skipped} skipped; tokens ${formatTokens(state.tokens.input)} in / ${formatTokens(state.tokens.output)} out`;
      }
      default:
        return undefined;
    }
  };

  const format = (event: DispatchEvent): string[] => {
    const before = state.strategy;
    reduceView(state, event);
    const out: string[] = [];
    if (event.type === "node.blocked" && blocked?.by === event.blockedBy) {
      blocked.count++;
      if (blocked.count > BLOCKED_SHOWN) return out;
    } else {
      out.push(...flush());
      if (event.type === "node.blocked") blocked = { by: event.blockedBy, count: 1 };
    }
    const line = describe(event, before);
    if (line !== undefined) out.push(`[${formatDuration(event.at - (state.startedAt ?? event.at))}] ${line}`);
    return out.map((text) => fit(text, width));
  };

  return { format, flush: () => flush().map((text) => fit(text, width)), state };
}
