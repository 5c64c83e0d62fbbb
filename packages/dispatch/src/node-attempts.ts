import { createRetryPolicy, withDeadline } from "@hybrid/resilience";
import type { AttemptContext, RetryPolicy } from "@hybrid/resilience";
import type { PlannedNode } from "@hybrid/scheduler";
import { classify, errorInfo, failureCategory } from "./error-info.js";
import type { ExecutionInit } from "./execution.js";
import { defaultIdempotencyKey } from "./options.js";
import type { NodeOutcome } from "./outcome.js";
import { digest } from "./output-digest.js";
import type { RunStats } from "./run-post-mortem.js";
import type { AgentResult, AgentTask } from "./runner.js";

/** What a node's attempts need of the run around them. */
export interface AttemptHost {
  readonly init: ExecutionInit;
  /** Outcomes by rank; a node's dependencies' outcomes hold the outputs it is prepared from. */
  readonly outcomes: (NodeOutcome | undefined)[];
  /** This process's counters, for the post-mortem. */
  readonly stats: RunStats;
  /** Aborted when the run stops (a stop signal or a broken journal): cancels attempts and backoffs. */
  readonly signal: AbortSignal;
  /** Whether the run is stopping: an attempt aborted then is not a failure, resume runs it again. */
  readonly stopping: boolean;
  /** The error that broke the run (a journal that cannot be written), if any. */
  readonly fatal: unknown;
  /** Tells the scheduler `node` succeeded (its outcome is recorded) and journals what that changed. */
  succeeded(node: PlannedNode): Promise<void> | undefined;
  /** Tells the scheduler `node` failed for good (its outcome is recorded) and journals what that changed. */
  failed(node: PlannedNode): Promise<void>;
  /** Records a handoff for a succeeded node, before its dependents are released. */
  handoff(node: PlannedNode, output: string, outcome: NodeOutcome): Promise<void>;
}

type OutcomeBase = Pick<NodeOutcome, "id" | "agent" | "idempotencyKey">;

/**
 * Runs nodes' attempts: prepare, then retries (resilience's policy) around breaker, journal and
 * deadline, then the final outcome. Plain promise chains where it counts: each async layer or extra
 * `then` per attempt cost allocations and ticks on a path taken once per node.
 */
export class NodeAttempts {
  readonly #retryPolicies = new Map<number, RetryPolicy>();

  constructor(private readonly host: AttemptHost) {}

  /** One retry policy per attempt limit (nodes may override `maxAttempts`), built once per run. */
  #retryPolicy(maxAttempts: number): RetryPolicy {
    let policy = this.#retryPolicies.get(maxAttempts);
    if (policy === undefined) {
      const { options, policy: resilience } = this.host.init;
      policy = createRetryPolicy({ ...resilience.retry, maxAttempts }, { random: options.random, sleep: options.sleep });
      this.#retryPolicies.set(maxAttempts, policy);
    }
    return policy;
  }

  /** Runs `node` to its final outcome; rejects only when the journal cannot be written. */
  async run(node: PlannedNode): Promise<void> {
    const { init, stats } = this.host;
    const { runId, journal, redact, options, runner, prior, breakers } = init;
    const resumeAt = prior?.resumeAt.get(node.id);
    const idempotencyKey = resumeAt?.idempotencyKey ?? (options.idempotencyKey ?? defaultIdempotencyKey)({ runId, node });
    const startAttempt = resumeAt?.nextAttempt ?? 1;
    let attempt = startAttempt;
    let startedAt = 0;
    const base: OutcomeBase = { id: node.id, agent: node.agent, idempotencyKey };
    try {
      const prepared = init.prepare(node, this.#upstream(node));
      // Skip a microtask when prepare is synchronous (the default is): it adds up over many nodes.
      const { prompt } = prepared instanceof Promise ? await prepared : prepared;
      const maxAttempts = Math.max(node.spec.maxAttempts ?? init.policy.retry.maxAttempts, startAttempt);
      const timeoutMs = node.spec.timeoutMs ?? init.policy.timeoutMs;
      const once = ({ attempt: current, signal }: AttemptContext): Promise<AgentResult> => {
        // The breaker admits (or throws BrokenCircuitError, which the retry policy sees as a rejection)...
        const ticket = breakers.enter(node.agent);
        attempt = current;
        stats.attempts += 1;
        const task: AgentTask = { runId, nodeId: node.id, agent: node.agent, priority: node.priority, attempt: current, idempotencyKey, prompt, node: node.spec };
        // ...and hears the attempt's end in the same `then` that journals a timeout.
        const start = (): Promise<AgentResult> => {
          startedAt = init.now();
          return withDeadline((attemptSignal) => runner.run(task, attemptSignal), timeoutMs, signal).then(
            (result) => {
              breakers.succeeded(ticket);
              return result;
            },
            (error: unknown) => {
              breakers.failed(ticket, error);
              if (classify(error) !== "timeout") throw error;
              stats.timeouts += 1;
              const written = journal.write({ type: "node.timed-out", nodeId: node.id, agent: node.agent, attempt: current, timeoutMs });
              if (written === undefined) throw error;
              return written.then(() => Promise.reject(error));
            },
          );
        };
        const written = journal.write({ type: "node.dispatched", nodeId: node.id, agent: node.agent, priority: node.priority, wave: node.wave, attempt: current, idempotencyKey });
        if (written === undefined) return start();
        return written.then(start, (error: unknown) => {
          breakers.failed(ticket, error);
          throw error;
        });
      };
      const result = await this.#retryPolicy(maxAttempts).execute(once, {
        signal: this.host.signal,
        startAttempt,
        onRetry: async ({ attempt: failed, nextAttempt, error, delayMs }) => {
          const info = errorInfo(error, redact);
          stats.retries += 1;
          void journal.append({ type: "node.failed", nodeId: node.id, agent: node.agent, attempt: failed, final: false, error: info });
          await journal.append({ type: "node.retrying", nodeId: node.id, agent: node.agent, attempt: failed, nextAttempt, delayMs, error: info });
        },
      });
      const succeeded = this.#succeed(node, base, attempt, result, startedAt);
      if (succeeded !== undefined) await succeeded;
    } catch (error) {
      if (this.host.fatal !== undefined || journal.failure !== undefined) throw this.host.fatal ?? journal.failure;
      if (classify(error) === "aborted" && this.host.stopping) {
        // Stopped mid-flight: no final event, so resume runs it again with the same key.
        this.host.outcomes[node.rank] = { ...base, status: "aborted", attempts: attempt, error: errorInfo(error, redact) };
        return;
      }
      const category = failureCategory(error);
      const info = errorInfo(error, redact);
      await journal.append({ type: "node.failed", nodeId: node.id, agent: node.agent, attempt, final: true, category, error: info });
      this.host.outcomes[node.rank] = { ...base, status: "failed", attempts: attempt, category, error: info };
      await this.host.failed(node);
    }
  }

  /**
   * The outputs of `node`'s dependencies by id. They all succeeded (or it would not run), so their
   * outcomes hold the outputs, found by rank: by id, a Map lookup per dependency cost more than the
   * rest of preparing a node. Ids are dynamic keys, so a prototype-less object goes straight to
   * dictionary mode instead of walking a new hidden-class transition per key.
   */
  #upstream(node: PlannedNode): Record<string, string> {
    const upstream: Record<string, string> = Object.create(null);
    const { dependencyOffsets, dependencyRanks } = this.host.init.index;
    const { dependsOn } = node;
    for (let at = dependencyOffsets[node.rank]!, k = 0; k < dependsOn.length; k++, at++) {
      upstream[dependsOn[k]!] = this.host.outcomes[dependencyRanks[at]!]!.output!;
    }
    return upstream;
  }

  /** Journals and records a success; returns a promise only when there is something to wait for. */
  #succeed(node: PlannedNode, base: OutcomeBase, attempt: number, result: AgentResult, startedAt: number): Promise<void> | undefined {
    const { journal, redact, now, options } = this.host.init;
    const output = redact(result.output);
    const durationMs = Math.max(0, now() - startedAt);
    const tokens = { input: result.tokens.input, output: result.tokens.output };
    this.host.stats.tokens.input += tokens.input;
    this.host.stats.tokens.output += tokens.output;
    const written = journal.write({ type: "node.succeeded", nodeId: node.id, agent: node.agent, attempt, output, outputDigest: digest(output), tokens, durationMs, startedAt });
    const record = (): Promise<void> | undefined => {
      const outcome: NodeOutcome = { id: base.id, agent: base.agent, idempotencyKey: base.idempotencyKey, status: "succeeded", attempts: attempt, output, tokens, durationMs };
      this.host.outcomes[node.rank] = outcome;
      if (options.handoffSink) return this.host.handoff(node, output, outcome).then(() => this.host.succeeded(node));
      return this.host.succeeded(node);
    };
    return written === undefined ? record() : written.then(record);
  }
}
