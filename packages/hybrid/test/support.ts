// Test helpers for the orchestrators: an agent that does its job (addresses every acceptance
// criterion, names its outputs) with a seeded latency, and a recorder of what really ran.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSimulatedRunner } from "@hybrid/dispatch";
import type { AgentRunner, AgentTask } from "@hybrid/dispatch";
import { afterEach } from "vitest";

/** What an agent saw and did, in the order it happened. */
export interface Recording {
  prompts: Map<string, string>;
  /** Node ids in the order their agents started. */
  started: string[];
  /** Most agents alive at once. */
  peak: number;
  /** Most agents alive at once per priority class. */
  peakByClass: Map<string, number>;
  /** Agents alive at each start, by node id. */
  liveAtStart: Map<string, number>;
}

/**
 * A simulated agent whose output addresses each acceptance criterion as a checked item and names
 * the node's outputs, so every gate passes; latency is seeded per node (model ms × `timeScale`).
 * `transform` may change an output (conflicting joins, a missed criterion).
 */
export function checklistAgent(options: { seed?: number; timeScale?: number; transform?: (task: AgentTask, output: string) => string } = {}): AgentRunner & { recording: Recording } {
  const simulated = createSimulatedRunner({ seed: options.seed ?? 1, timeScale: options.timeScale ?? 0.00005 });
  const recording: Recording = { prompts: new Map(), started: [], peak: 0, peakByClass: new Map(), liveAtStart: new Map() };
  let live = 0;
  const byClass = new Map<string, number>();
  return {
    recording,
    async run(task, signal) {
      live += 1;
      byClass.set(task.priority, (byClass.get(task.priority) ?? 0) + 1);
      recording.peak = Math.max(recording.peak, live);
      recording.peakByClass.set(task.priority, Math.max(recording.peakByClass.get(task.priority) ?? 0, byClass.get(task.priority)!));
      recording.prompts.set(task.nodeId, task.prompt);
      recording.started.push(task.nodeId);
      recording.liveAtStart.set(task.nodeId, live);
      try {
        const result = await simulated.run(task, signal);
        const lines = [`Handoff from ${task.agent} on ${task.nodeId}.`, ...task.node.acceptance.map((criterion) => `- [x] ${criterion}`)];
        if (task.node.outputs?.length) lines.push(`Outputs: ${task.node.outputs.join(", ")}`);
        const output = lines.join("\n");
        return { ...result, output: options.transform ? options.transform(task, output) : output };
      } finally {
        live -= 1;
        byClass.set(task.priority, byClass.get(task.priority)! - 1);
      }
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A temp state directory, removed after the test. */
export async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "hybrid-orchestrator-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The example workflows and the repository their docs come from. */
export const EXAMPLES = new URL("../../../examples/", import.meta.url).pathname;
export const REPO_ROOT = join(EXAMPLES, "repo");
export const EPIC = join(EXAMPLES, "workflows", "hybrid-epic.yaml");

/** A config with hybrid on for everyone. */
export const HYBRID_ON = { flags: { hybrid_orchestration_enabled: true }, rollout: { percentage: 100 } } as const;

// Helpers of the cross-cutting suites (sequential regression, random DAGs, joins end to end).

/**
 * A temp state directory on a RAM disk when the machine has one (`/dev/shm`), else in the temp
 * directory; removed after the test. Every journal append is fdatasync'ed: on a RAM disk that
 * costs nothing, so suites that run hundreds of workflows stay fast. Nothing else differs.
 */
export async function ramStateDir(): Promise<string> {
  const base = await stat("/dev/shm").then((s) => (s.isDirectory() ? "/dev/shm" : tmpdir()), () => tmpdir());
  const dir = await mkdtemp(join(base, "hybrid-orchestrator-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The error `failingOn` throws: permanent (never retried), like an agent that gave up. */
export class AgentGaveUpError extends Error {
  readonly transient = false;
  constructor(nodeId: string) {
    super(`agent gave up on ${nodeId}`);
    this.name = "AgentGaveUpError";
  }
}

/** The agent, but on `nodes` it fails for good once it has done its work (so its peaks still count). */
export function failingOn<T extends AgentRunner>(agent: T, nodes: ReadonlySet<string>): T {
  return {
    ...agent,
    async run(task, signal) {
      const result = await agent.run(task, signal);
      if (nodes.has(task.nodeId)) throw new AgentGaveUpError(task.nodeId);
      return result;
    },
  };
}

/** The agent, each node's attempt held back `delayMs(nodeId)` real milliseconds first (abortably). */
export function delayedBy<T extends AgentRunner>(agent: T, delayMs: (nodeId: string) => number): T {
  return {
    ...agent,
    async run(task, signal) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, delayMs(task.nodeId));
        signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
      });
      return agent.run(task, signal);
    },
  };
}

/** `output` with `value` appended as a fenced JSON block: the structured part a join resolver reads. */
export const withJson = (output: string, value: unknown): string => `${output}\n\n\`\`\`json\n${JSON.stringify(value)}\n\`\`\``;
