import { describe, expect, it } from "vitest";
import { createTelemetry } from "../src/index.js";
import { actualCriticalPath } from "../src/run-metrics.js";
import { chainRun } from "./fixtures/chain.js";

// The 200,000-node run through finish() and the dashboard is in run-metrics.slow.test.ts.
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
