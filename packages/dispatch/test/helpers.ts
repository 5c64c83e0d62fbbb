import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildGraph } from "@hybrid/graph";
import type { NodeSpecInput } from "@hybrid/graph";
import { planSchedule } from "@hybrid/scheduler";
import type { SchedulePlan } from "@hybrid/scheduler";
import type { AgentTask } from "../src/index.js";

/** A node with the boring fields filled in. */
export function node(id: string, dependsOn: string[] = [], extra: Partial<NodeSpecInput> = {}): NodeSpecInput {
  return {
    id,
    agent: extra.agent ?? "coder",
    priority: extra.priority ?? "implementation",
    scope: `scope of ${id}`,
    acceptance: [`${id} is done`],
    dependsOn,
    ...extra,
  };
}

/** Plans a workflow given as nodes. */
export function planOf(nodes: NodeSpecInput[], id = "test-workflow", taskType?: string): SchedulePlan {
  return planSchedule(buildGraph({ version: 1, id, nodes, ...(taskType ? { taskType } : {}) }));
}

/** A temp directory removed by the returned function. */
export async function tempDir(prefix = "hybrid-dispatch-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * True while a process exists and is not a zombie (a killed process whose parent died waits, as a
 * zombie, until init reaps it; it runs nothing).
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

/** Polls `check` until true (or throws after `tries` polls). Used for process teardown, not for timing. */
export async function eventually(check: () => boolean | Promise<boolean>, tries = 200, everyMs = 25): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error("condition never became true");
}

/** A redactor that hides the word SECRET-<digits>. */
export const redactSecrets = (text: string): string => text.replace(/SECRET-\d+/g, "[REDACTED]");

/** A task as the controller hands one to a runner (node n1 of run-1); `extra` overrides any field. */
export const agentTask = (extra: Partial<AgentTask> = {}): AgentTask => ({
  runId: "run-1",
  nodeId: "n1",
  agent: "coder",
  priority: "implementation",
  attempt: 1,
  idempotencyKey: "run-1:n1:abc",
  prompt: "do the thing",
  node: { id: "n1", agent: "coder", priority: "implementation", scope: "s", acceptance: [], dependsOn: [] },
  ...extra,
});
