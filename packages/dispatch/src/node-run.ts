import { digestOutput, isBrokenCircuitError, withTimeout } from "@hybrid/resilience";
import type { BreakerRegistry, ErrorInfo, ResiliencePolicy, RetryPolicy } from "@hybrid/resilience";
import type { PlannedNode } from "@hybrid/scheduler";
import { untilAborted } from "./abort.js";
import { classify, errorInfo, failureCategory } from "./error-info.js";
import type { EventDraft, Journal } from "./journal.js";
import { defaultIdempotencyKey } from "./options.js";
import type { ResolvedDispatchOptions } from "./options.js";
import type { NodeOutcome } from "./outcome.js";
import type { PrepareFn } from "./prepare.js";
import { validateAgentResult } from "./result.js";
import type { AgentProcess, AgentResult, AgentRunner, AgentTask } from "./runner.js";

/** What a check is shown: the output (as journaled), and after the handoff, where it went. */
export interface CheckSubject {
  output: string;
  handoffUrl?: string;
  handoffError?: ErrorInfo;
}

/**
 * A caller's checks on a node's success before it counts (quality gates): at `output`, with the
 * redacted output; at `handoff`, once the handoff was recorded. A throw fails the node for good,
 * with the error's `category` when it carries a known one (`gate-failed`, `needs-review`, …).
 */
export type CheckFn = (stage: "output" | "handoff", node: PlannedNode, subject: CheckSubject, context: { signal: AbortSignal }) => void | Promise<void>;

/** What running a node needs of its run. */
export interface NodeRunContext {
  runId: string;
  runner: AgentRunner;
  prepare: PrepareFn;
  options: ResolvedDispatchOptions;
  policy: ResiliencePolicy;
  retry: RetryPolicy;
  breakers: BreakerRegistry;
  journal: Journal;
  redact: (text: string) => string;
  now: () => number;
  check?: CheckFn;
  /** Records the node's handoff into the outcome (its URL or its error); absent without a sink. */
  handoff?: (node: PlannedNode, outcome: NodeOutcome) => Promise<void>;
}

/**
 * A node's place in the run's admission order: `wait` settles once the node admitted before it has
 * journaled its dispatch (or ended without one); `done` lets the next one go. `done` may be called
 * more than once.
 */
export interface DispatchTurn {
  wait: Promise<void>;
  done: () => void;
}

/** Where a node's run ended. */
export type NodeRunEnd =
  | { kind: "succeeded"; outcome: NodeOutcome }
  | { kind: "failed"; outcome: NodeOutcome }
  /** Stopped in flight: no final event, so a resume runs it again with the same key. */
  | { kind: "aborted"; outcome: NodeOutcome }
  /** Its agent's breaker is open: put it back, and try `attempt` again after `retryAfterMs` (or once the probe settles). */
  | { kind: "deferred"; attempt: number; retryAfterMs: number | undefined };

/** The breaker would not let the attempt run: not a failure, the node waits. */
class Deferral extends Error {
  constructor(readonly retryAfterMs: number | undefined) {
    super("deferred: the circuit breaker is open");
  }
}

/** Digest of each dependency's output, from the outcomes of the dependencies (all succeeded). */
export function inputsOf(node: PlannedNode, outcomes: ReadonlyMap<string, NodeOutcome>): Record<string, string> {
  const inputs: Record<string, string> = Object.create(null);
  for (const dep of node.dependsOn) inputs[dep] = outcomes.get(dep)!.outputDigest!;
  return inputs;
}

/**
 * Runs one node to the end of its attempts in this process: prepare (inside the attempt deadline),
 * breaker admission, the journaled dispatch, the runner under a cooperative timeout (the attempt
 * ends only when the runner has settled), result validation, retries, and the final event.
 * Rejects only when the journal cannot be written.
 */
export async function runNode(
  context: NodeRunContext,
  node: PlannedNode,
  from: { attempt: number; idempotencyKey: string | undefined },
  upstream: Readonly<Record<string, string>>,
  inputs: Readonly<Record<string, string>>,
  run: { signal: AbortSignal; stopping: () => boolean; turn?: DispatchTurn },
): Promise<NodeRunEnd> {
  const { runId, journal, redact, options, breakers, now } = context;
  const idempotencyKey = from.idempotencyKey ?? (options.idempotencyKey ?? defaultIdempotencyKey)({ runId, node, inputs });
  const timeoutMs = node.spec.timeoutMs ?? context.policy.timeoutMs;
  const maxAttempts = Math.max(node.spec.maxAttempts ?? context.policy.retry.maxAttempts, from.attempt);
  let attempt = from.attempt;
  let prompt: string | undefined;
  let startedAt = 0;

  const once = async (current: number, signal: AbortSignal): Promise<AgentResult> => {
    attempt = current;
    let admitted = false;
    try {
      return await withTimeout(
        async (attemptSignal) => {
          prompt ??= (await untilAborted(context.prepare(node, upstream, { signal: attemptSignal }), attemptSignal)).prompt;
          return breakers.execute(node.agent, async () => {
            admitted = true;
            // Nodes admitted together prepare side by side; their dispatches are journaled (and their
            // agents started) in admission order all the same, not in the order their prepares end.
            if (run.turn) await run.turn.wait;
            const dispatched = journal.append({ type: "node.dispatched", nodeId: node.id, agent: node.agent, priority: node.priority, wave: node.wave, attempt: current, idempotencyKey, specHash: node.specHash, inputs });
            run.turn?.done();
            await dispatched;
            startedAt = now();
            const task: AgentTask = {
              runId,
              nodeId: node.id,
              agent: node.agent,
              priority: node.priority,
              attempt: current,
              idempotencyKey,
              prompt: prompt!,
              node: node.spec,
              reportProcess: async (process: AgentProcess) => {
                await journal.append({ type: "node.spawned", nodeId: node.id, agent: node.agent, attempt: current, process: { ...process } });
              },
            };
            return validateAgentResult(node.id, await context.runner.run(task, attemptSignal));
          });
        },
        timeoutMs,
        signal,
      );
    } catch (error) {
      if (!admitted && isBrokenCircuitError(error)) throw new Deferral(error.retryAfterMs > 0 ? error.retryAfterMs : undefined);
      if (journal.failure !== undefined) throw journal.failure;
      if (admitted && classify(error) === "timeout") {
        await journal.append({ type: "node.timed-out", nodeId: node.id, agent: node.agent, attempt: current, timeoutMs });
      }
      throw error;
    }
  };

  try {
    const result = await context.retry.execute(({ attempt: current, signal }) => once(current, signal), {
      key: node.id,
      startAttempt: from.attempt,
      signal: run.signal,
      onRetry: async ({ attempt: failed, nextAttempt, error, delayMs }) => {
        const info = errorInfo(error, redact);
        await journal.append({ type: "node.failed", nodeId: node.id, agent: node.agent, attempt: failed, final: false, error: info, specHash: node.specHash, inputs });
        await journal.append({ type: "node.retrying", nodeId: node.id, agent: node.agent, attempt: failed, nextAttempt, delayMs, error: info });
      },
      maxAttempts,
    });
    const output = redact(result.output);
    const outputDigest = digestOutput(output);
    const durationMs = Math.max(0, now() - startedAt);
    const succeeded: EventDraft = { type: "node.succeeded", nodeId: node.id, agent: node.agent, attempt, output, outputDigest, specHash: node.specHash, inputs, startedAt, durationMs };
    const outcome: NodeOutcome = { id: node.id, agent: node.agent, idempotencyKey, status: "succeeded", attempts: attempt, output, outputDigest, durationMs };
    if (result.tokens) {
      succeeded.tokens = { input: result.tokens.input, output: result.tokens.output };
      outcome.tokens = { input: result.tokens.input, output: result.tokens.output };
    }
    // The success counts only once its checks passed and its handoff is recorded (a handoff is
    // deduped on the key, so recording it before the success is journaled is safe to repeat).
    // A stop skips both: the output is kept, and a resume records the handoff.
    if (!run.stopping()) {
      await context.check?.("output", node, { output }, { signal: run.signal });
      if (context.handoff) await context.handoff(node, outcome);
      // A stop during the handoff cut it short: the success stands, and a resume records the handoff.
      if (!run.stopping()) {
        const subject: CheckSubject = { output };
        if (outcome.handoffUrl !== undefined) subject.handoffUrl = outcome.handoffUrl;
        if (outcome.handoffError !== undefined) subject.handoffError = outcome.handoffError;
        await context.check?.("handoff", node, subject, { signal: run.signal });
      }
    }
    await journal.append(succeeded);
    return { kind: "succeeded", outcome };
  } catch (error) {
    if (journal.failure !== undefined) throw journal.failure;
    if (error instanceof Deferral) {
      await journal.append({ type: "node.waiting", nodeId: node.id, agent: node.agent, attempt, breaker: node.agent, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
      return { kind: "deferred", attempt, retryAfterMs: error.retryAfterMs };
    }
    if (classify(error) === "aborted" && run.stopping()) {
      return { kind: "aborted", outcome: { id: node.id, agent: node.agent, idempotencyKey, status: "aborted", attempts: attempt, error: errorInfo(error, redact) } };
    }
    const category = failureCategory(error);
    const info = errorInfo(error, redact);
    await journal.append({ type: "node.failed", nodeId: node.id, agent: node.agent, attempt, final: true, category, error: info, specHash: node.specHash, inputs });
    return { kind: "failed", outcome: { id: node.id, agent: node.agent, idempotencyKey, status: "failed", attempts: attempt, category, error: info } };
  }
}
