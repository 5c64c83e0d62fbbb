import { describe, expect, it } from "vitest";
import { createTelemetry } from "../src/index.js";
import { actualCriticalPath } from "../src/run-metrics.js";

/** A chain n0 → n1 → … of `length` nodes, each 2 ms long, as the events of one run. */
function* chainRun(length: number): Generator<Record<string, unknown>> {
  const runId = `chain-${length}`;
  const nodes = Array.from({ length }, (_, i) => ({ id: `n${i}`, agent: "dev", dependsOn: i === 0 ? [] : [`n${i - 1}`] }));
  yield { type: "run.started", runId, at: 0, workflowId: "chain", mode: "eager", planHash: "p", nodes };
  for (let i = 0; i < length; i++) {
    yield { type: "node.dispatched", runId, at: 2 * i, nodeId: `n${i}`, agent: "dev", attempt: 1 };
    yield { type: "node.succeeded", runId, at: 2 * i + 2, nodeId: `n${i}`, agent: "dev", attempt: 1, tokens: { input: 1, output: 1 } };
  }
  yield { type: "run.completed", runId, at: 2 * length, status: "succeeded" };
}

describe("deep chains", () => {
  it("finish() records a 20,000-node chain: the whole chain is the critical path", async () => {
    const telemetry = createTelemetry({ redact: (text) => text, onWarning: () => undefined });
    for (const event of chainRun(20_000)) telemetry.handle(event);
    const record = await telemetry.finish();
    expect(record.metrics.critical_path_ms).toBe(40_000);
    expect(record.criticalPath).toHaveLength(20_000);
    expect(record.criticalPath[0]).toBe("n0");
    expect(record.criticalPath.at(-1)).toBe("n19999");
  });

  it("actualCriticalPath walks a 200,000-node chain without recursion", () => {
    const nodes = Array.from({ length: 200_000 }, (_, i) => ({ id: `n${i}`, dependsOn: i === 0 ? [] : [`n${i - 1}`], startedAt: i, endedAt: i + 1 }));
    const path = actualCriticalPath(nodes);
    expect(path.lengthMs).toBe(200_000);
    expect(path.nodes).toHaveLength(200_000);
    expect(path.nodes.at(-1)).toBe("n199999");
  });

  it("picks the longer branch, breaks ties by id, ignores unknown dependencies and cuts a cycle", () => {
    const node = (id: string, dependsOn: string[], ms: number) => ({ id, dependsOn, startedAt: 0, endedAt: ms });
    expect(actualCriticalPath([node("a", [], 5), node("b", [], 5), node("c", ["b", "a", "ghost"], 1)])).toEqual({ nodes: ["a", "c"], lengthMs: 6 });
    expect(actualCriticalPath([node("x", ["z"], 1), node("y", ["x"], 1), node("z", ["y"], 1)])).toEqual({ nodes: ["y", "z", "x"], lengthMs: 3 });
    expect(actualCriticalPath([])).toEqual({ nodes: [], lengthMs: 0 });
  });
});
