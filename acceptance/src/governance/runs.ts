// One workflow run through a library orchestrator in one mode, with an agent that records which
// nodes it was really called for (the oracle of "the gate stopped it before the agent").
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AgentRunner, AgentTask } from "@hybrid/dispatch";
import type { WorkflowSpec } from "@hybrid/graph";
import { HybridOrchestrator, SequentialOrchestrator, createSimulatedAgent } from "@hybrid/hybrid";
import type { OrchestratorOptions, RunResult } from "@hybrid/hybrid";

export type Mode = "sequential" | "hybrid";
export const MODES: readonly Mode[] = ["sequential", "hybrid"];

/** An agent that gave up for good: permanent, never retried (dispatch reads `transient`). */
export class AgentGaveUp extends Error {
  readonly transient = false;
  constructor(nodeId: string) {
    super(`agent gave up on ${nodeId}`);
    this.name = "AgentGaveUp";
  }
}

/** How the agent misbehaves on some nodes; everything else is a good agent's answer. */
export interface Behaviour {
  /** Rewrites the good answer of a node (drop a declared output, leave a criterion unticked, disagree at a join). */
  transform?: (task: AgentTask, output: string) => string;
  /** Nodes whose agent gives up after working. */
  giveUp?: ReadonlySet<string>;
}

/** The seeded simulated agent of `hybrid run --runner simulated`, with a behaviour, recording the nodes it ran. */
export function recordingAgent(seed: number, timeScale: number, behaviour: Behaviour = {}): AgentRunner & { dispatched: string[]; peak: () => number } {
  const inner = createSimulatedAgent({ seed, timeScale });
  const dispatched: string[] = [];
  let live = 0;
  let peak = 0;
  return {
    dispatched,
    peak: () => peak,
    async run(task, signal) {
      dispatched.push(task.nodeId);
      live += 1;
      peak = Math.max(peak, live);
      try {
        const result = await inner.run(task, signal);
        if (behaviour.giveUp?.has(task.nodeId)) throw new AgentGaveUp(task.nodeId);
        return behaviour.transform ? { ...result, output: behaviour.transform(task, result.output) } : result;
      } finally {
        live -= 1;
      }
    },
  };
}

/** `output` with a fenced JSON verdict appended: the structured part a join resolver merges. */
export const withVerdict = (output: string, verdict: string): string => `${output}\n\n\`\`\`json\n${JSON.stringify({ verdict })}\n\`\`\``;

/** Hybrid on for every workflow (flag on, rollout at 100%), as `hybrid run --mode hybrid` does. */
export const HYBRID_ON = { flags: { hybrid_orchestration_enabled: true }, rollout: { percentage: 100 } } as const;

export interface RunOptions {
  mode: Mode;
  workflow: string | WorkflowSpec;
  runId: string;
  stateDir: string;
  repoRoot: string;
  agent: AgentRunner;
  /** Orchestrator options a scenario changes (gates, handoffSink, redact); config merged over HYBRID_ON in hybrid mode. */
  options?: Partial<Omit<OrchestratorOptions, "config">> & { config?: Record<string, unknown> };
  seed: number;
}

/** Runs to the end; throws only what the orchestrator throws (an invalid workflow). */
export async function runOnce(run: RunOptions): Promise<RunResult> {
  const { config, ...rest } = run.options ?? {};
  const base = { runner: run.agent, stateDir: run.stateDir, repoRoot: run.repoRoot, seed: run.seed, onWarning: () => {}, ...rest };
  const orchestrator =
    run.mode === "sequential"
      ? new SequentialOrchestrator({ ...base, ...(config ? { config } : {}) })
      : new HybridOrchestrator({ ...base, config: { ...HYBRID_ON, ...(config ?? {}) } });
  return orchestrator.execute(run.workflow, { runId: run.runId });
}

/** runs.jsonl of a state directory as written on disk ("" when none). */
export const readRuns = (stateDir: string): Promise<string> => readFile(join(stateDir, "runs.jsonl"), "utf8").catch(() => "");
