// One DAG run in one mode with the library orchestrators and the seeded simulated agent (the CLI's
// `--runner simulated`): every journaled event is collected as the orchestrator emits it.
import type { AgentRunner, DispatchEvent } from "@hybrid/dispatch";
import { HybridOrchestrator, SequentialOrchestrator, createSimulatedAgent } from "@hybrid/hybrid";
import type { RunResult, WorkflowSource } from "@hybrid/hybrid";
import type { CaseLimits } from "./cases.js";

export type Mode = "sequential" | "hybrid";

/** A permanent failure (never retried), thrown after the agent did its work, like an agent that gave up. */
class AgentGaveUpError extends Error {
  readonly transient = false;
  constructor(nodeId: string) {
    super(`agent gave up on ${nodeId}`);
    this.name = "AgentGaveUpError";
  }
}

/** Who is inside at once, overall and by key: the most ever seen. */
export class PeakCounter {
  peak = 0;
  readonly byKey = new Map<string, number>();
  readonly #inside = new Map<string, number>();
  #total = 0;

  enter(key: string): void {
    const now = (this.#inside.get(key) ?? 0) + 1;
    this.#inside.set(key, now);
    this.peak = Math.max(this.peak, ++this.#total);
    this.byKey.set(key, Math.max(this.byKey.get(key) ?? 0, now));
  }

  leave(key: string): void {
    this.#inside.set(key, this.#inside.get(key)! - 1);
    this.#total -= 1;
  }
}

/**
 * The simulated agent (latency = base + per prompt token + per output token, ±20% seeded jitter,
 * × `timeScale` real ms), failing for good on `throwing` and leaving one criterion unticked on
 * `reviewing` (gate G10 then sends the node to review). It counts the agents alive at once by
 * priority itself, a second view of the caps beside the journal's.
 */
export function simulatedAgent(seed: number, timeScale: number, fail: { throwing: ReadonlySet<string>; reviewing: ReadonlySet<string> }): AgentRunner & { count: PeakCounter } {
  const agent = createSimulatedAgent({ seed, timeScale });
  const count = new PeakCounter();
  return {
    count,
    async run(task, signal) {
      count.enter(task.priority);
      try {
        const result = await agent.run(task, signal);
        if (fail.throwing.has(task.nodeId)) throw new AgentGaveUpError(task.nodeId);
        return fail.reviewing.has(task.nodeId) ? { ...result, output: result.output.replace("- [x] ", "- [ ] ") } : result;
      } finally {
        count.leave(task.priority);
      }
    },
  };
}

/** Hybrid on for every run (flag on, rollout 100%), the case's caps, and a breaker the planted failures never open. */
export function configFor(limits: CaseLimits) {
  return {
    flags: { hybrid_orchestration_enabled: true },
    rollout: { percentage: 100 },
    concurrency: { maxParallel: limits.maxParallel, caps: limits.caps, maxPerWave: limits.maxPerWave },
    resilience: { breaker: { consecutiveFailures: 100 } },
  };
}

export interface LibraryRun {
  result: RunResult;
  events: DispatchEvent[];
  warnings: string[];
}

/** Runs `workflow` once in `mode`; the run's journal and record land in `stateDir`. */
export async function runWorkflow(
  mode: Mode,
  workflow: WorkflowSource,
  options: { runner: AgentRunner; limits: CaseLimits; stateDir: string; seed: number; runId: string; repoRoot?: string },
): Promise<LibraryRun> {
  const events: DispatchEvent[] = [];
  const warnings: string[] = [];
  const settings = {
    runner: options.runner,
    stateDir: options.stateDir,
    config: configFor(options.limits),
    seed: options.seed,
    onEvent: (event: DispatchEvent) => events.push(event),
    onWarning: (warning: string) => warnings.push(warning),
    ...(options.repoRoot !== undefined ? { repoRoot: options.repoRoot } : {}),
  };
  const orchestrator = mode === "sequential" ? new SequentialOrchestrator(settings) : new HybridOrchestrator(settings);
  const result = await orchestrator.execute(workflow, { runId: options.runId });
  return { result, events, warnings };
}
