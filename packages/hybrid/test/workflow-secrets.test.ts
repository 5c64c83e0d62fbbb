// A secret pasted into a workflow's text reaches no state file: the run plans, hashes and saves the
// workflow with its free text redacted, and a resume (from the saved copy or the original) agrees.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { WorkflowInput } from "@hybrid/graph";
import { HybridOrchestrator, SequentialOrchestrator } from "../src/index.js";
import { HYBRID_ON, checklistAgent, failingOn, stateDir } from "./support.js";

const AWS = "AKIAQ7XH2M4KZP3RLW5N";
const GITHUB = `ghp_${"x7Kq2mZp9R".repeat(3)}abcdef`;
const workflow: WorkflowInput = {
  version: 1,
  id: "leaky",
  description: `Rotate the key ${AWS} after the release.`,
  nodes: [
    { id: "design", agent: "architect", priority: "architecture", scope: `Plan the rotation of ${AWS}.`, acceptance: [`Old token ${GITHUB} revoked`], dependsOn: [] },
    { id: "build", agent: "implementer", priority: "implementation", scope: "Ship it.", acceptance: ["Tests pass"], dependsOn: ["design"], inputs: [`creds ${GITHUB}`] },
  ],
};

/** Every file under a directory, read back from disk. */
async function everyFile(dir: string): Promise<Array<{ path: string; text: string }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Promise.all(files.map(async (path) => ({ path, text: await readFile(path, "utf8") })));
}

describe("a workflow with secrets in its text", () => {
  for (const Orchestrator of [SequentialOrchestrator, HybridOrchestrator]) {
    it(`${Orchestrator.name}: no state file holds them, and a resume from the saved copy or the original goes on`, async () => {
      const dir = await stateDir();
      const agent = checklistAgent({ seed: 4, timeScale: 0.0004 });
      const first = await new Orchestrator({ runner: failingOn(agent, new Set(["build"])), stateDir: dir, config: HYBRID_ON, seed: 4 }).execute(workflow, { runId: "leaky-1" });
      expect(first.status).toBe("failed");
      const saved = JSON.parse(await readFile(join(dir, "runs", "leaky-1", "workflow.json"), "utf8")) as { spec: { nodes: Array<{ scope: string; acceptance: string[] }> } };
      expect(saved.spec.nodes[0]!.scope).toMatch(/^Plan the rotation of \[REDACTED:[a-z-]+\]\.$/);
      // Ids, agents and structure are kept as written.
      expect(saved.spec.nodes.map((n) => (n as unknown as { id: string }).id)).toEqual(["design", "build"]);

      const again = new Orchestrator({ runner: agent, stateDir: dir, config: HYBRID_ON, seed: 4 });
      const resumed = await again.resume("leaky-1", { retryFailed: true });
      expect(resumed.status).toBe("succeeded");
      // The original file's text redacts to the same plan: no PlanMismatchError without force.
      const other = await new Orchestrator({ runner: failingOn(agent, new Set(["build"])), stateDir: dir, config: HYBRID_ON, seed: 4 }).execute(workflow, { runId: "leaky-2" });
      expect(other.status).toBe("failed");
      expect((await again.resume("leaky-2", { workflow, retryFailed: true })).status).toBe("succeeded");

      for (const { path, text } of await everyFile(dir)) {
        expect(text.includes(AWS), path).toBe(false);
        expect(text.includes(GITHUB), path).toBe(false);
      }
    });
  }
});
