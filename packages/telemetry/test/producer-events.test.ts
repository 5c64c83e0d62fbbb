// Telemetry parses the events of dispatch and context as data with its own schema. These tests feed
// it the events of a real dispatch run and of real context providers, so a drift between the
// packages fails here instead of in production.
import { fileURLToPath } from "node:url";
import { createDocsProvider, loadContext, type ContextEvent } from "@hybrid/context";
import { createDispatchController, createFunctionRunner, type DispatchEvent } from "@hybrid/dispatch";
import { buildGraph } from "@hybrid/graph";
import { TransientError, createMemoryCheckpointStore } from "@hybrid/resilience";
import { planSchedule } from "@hybrid/scheduler";
import { generateDag } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { REQUIRED_METRICS, RunRecordSchema, TelemetryEventSchema, createMemoryRunSink, createTelemetry } from "../src/index.js";

describe("telemetry from a real dispatch run", () => {
  it("parses every dispatch event and builds a complete record", async () => {
    const plan = planSchedule(buildGraph(generateDag("layered", 30, 17)));
    const [flaky, broken] = [plan.order[3]!, plan.sequentialOrder[plan.sequentialOrder.length - 1]!];
    const sink = createMemoryRunSink();
    const telemetry = createTelemetry({ sinks: [sink], redact: (text) => text.replaceAll("hunter2", "[REDACTED]") });
    telemetry.startRun({ mode: "hybrid", flags: { hybrid_orchestration_enabled: true }, strategyReason: "test", workflowContentHash: "c0ffee" });

    const events: DispatchEvent[] = [];
    const controller = createDispatchController({
      maxParallel: 3,
      resilience: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
      sleep: async () => {},
      onEvent: [(event) => events.push(event), (event) => telemetry.handle(event)],
    });
    const runner = createFunctionRunner(async (task) => {
      if (task.nodeId === flaky && task.attempt === 1) throw new TransientError("flaky upstream");
      if (task.nodeId === broken) throw new Error("broken with password hunter2");
      return { output: `output of ${task.nodeId}`, tokens: { input: 100, output: 10 } };
    });
    const result = await controller.run(plan, { runner, store: createMemoryCheckpointStore(), mode: "eager", runId: "tele-1" });
    const record = await telemetry.finish();

    // Every event of a known type parses: nothing was dropped on either side of the boundary.
    for (const event of events) expect(TelemetryEventSchema.safeParse(event).success, event.type).toBe(true);
    expect(record.droppedEvents).toBe(0);
    expect(RunRecordSchema.parse(record)).toEqual(record);
    expect(sink.records).toEqual([record]);

    for (const metric of REQUIRED_METRICS) expect(typeof record.metrics[metric], metric).toBe("number");
    expect(record.runId).toBe("tele-1");
    expect(record.planHash).toBe(plan.planHash);
    expect(record.metrics.node_count).toBe(30);
    expect(record.metrics.wave_count).toBe(plan.waves.length);
    expect(record.metrics.retry_count).toBe(1); // the transient failure; a permanent error is not retried
    expect(record.metrics.failed_count).toBe(1);
    const succeeded = Object.values(result.outcomes).filter((n) => n.status === "succeeded").length;
    expect(record.metrics.token_output).toBe(succeeded * 10);
    expect(record.nodes.find((n) => n.id === flaky)).toMatchObject({ attempts: 2, status: "succeeded" });
    expect(record.nodes.find((n) => n.id === broken)).toMatchObject({ status: "failed" });
    expect(record.dispatchOrder.length).toBe(succeeded + 1);
    expect(record.metrics.parallelism_ratio).toBeGreaterThan(0);
    expect(JSON.stringify(record)).not.toContain("hunter2");
  });

  it("finishes a resumed dispatch run from its own events, without startRun", async () => {
    const plan = planSchedule(buildGraph(generateDag("layered", 8, 3)));
    const store = createMemoryCheckpointStore();
    const stop = new AbortController();
    let done = 0;
    const runner = createFunctionRunner(async (task) => {
      // The first process stops after two nodes, as if interrupted.
      if (++done === 2) stop.abort();
      return { output: `ok ${task.nodeId}`, tokens: { input: 1, output: 1 } };
    });
    await createDispatchController({ maxParallel: 1 }).run(plan, { runner, store, runId: "resumed-1", signal: stop.signal });

    const warnings: string[] = [];
    const telemetry = createTelemetry({ redact: (text) => text, onWarning: (m) => warnings.push(m) });
    let resumed: DispatchEvent | undefined;
    const controller = createDispatchController({
      maxParallel: 2,
      onEvent: (event) => {
        if (event.type === "run.resumed") resumed = event;
        telemetry.handle(event);
      },
    });
    await controller.run(plan, { runner, store, runId: "resumed-1", resume: true });
    const record = await telemetry.finish(); // no startRun({ workflowId }): it used to throw RunNotStartedError
    expect(resumed).toBeDefined();
    expect(RunRecordSchema.parse(record)).toEqual(record);
    expect(record).toMatchObject({ runId: "resumed-1", resumedFrom: "resumed-1", recovered: true, status: "succeeded" });
    // The resumed process ran only what the first one had not finished.
    expect(record.dispatchOrder.length).toBeGreaterThan(0);
    expect(record.dispatchOrder.length).toBeLessThan(plan.order.length);
    // Named by run.resumed when dispatch puts it there; else "unknown", said in a warning.
    const named = (resumed as { workflowId?: string }).workflowId;
    expect(record.workflowId).toBe(named ?? "unknown");
    expect(warnings.some((w) => w.includes("no event named its workflow"))).toBe(named === undefined);
  });

  it("attributes real context provider events to their run and node, hits and misses alike", async () => {
    const plan = planSchedule(buildGraph({ id: "ctx", nodes: [{ id: "a", agent: "writer", priority: "docs", scope: "s", acceptance: [], dependsOn: [] }] }));
    const telemetry = createTelemetry({ sinks: [createMemoryRunSink()], redact: (text) => text });
    telemetry.startRun({ mode: "hybrid", flags: {}, strategyReason: "test" });
    const contextEvents: ContextEvent[] = [];
    const docs = createDocsProvider({
      root: fileURLToPath(new URL("../../../examples/repo/", import.meta.url)),
      onEvent: (event) => {
        contextEvents.push(event);
        telemetry.handle(event); // as emitted: the events name their run and node themselves
      },
    });
    const controller = createDispatchController({ maxParallel: 1, onEvent: (event) => telemetry.handle(event) });
    const runner = createFunctionRunner(async (task) => ({ output: `ok ${task.nodeId}`, tokens: { input: 1, output: 1 } }));
    const request = { runId: "ctx-1", node: { id: "a", agent: "writer", priority: "docs", scope: "hybrid ADR", acceptance: [], docs: ["docs/adr/0007-hybrid.md"] } };
    await loadContext([docs], request); // cold: misses
    await loadContext([docs], request); // unchanged files: hits
    await controller.run(plan, { runner, runId: "ctx-1" });
    const record = await telemetry.finish();
    for (const event of contextEvents) {
      expect(TelemetryEventSchema.safeParse(event).success, event.type).toBe(true);
      expect(event).toMatchObject({ runId: "ctx-1", nodeId: "a" });
    }
    const cache = contextEvents.filter((e) => e.type === "context.cache");
    const hits = cache.filter((e) => e.hit).length;
    expect(hits).toBeGreaterThan(0);
    expect(cache.length - hits).toBeGreaterThan(0);
    expect(record.metrics.cache_hit_l3).toBe(hits);
    expect(record.nodes.find((n) => n.id === "a")).toMatchObject({ cacheHits: { l2: 0, l3: hits }, cacheMisses: { l2: 0, l3: cache.length - hits } });
    expect(record.context?.unattributed).toBe(0);
    expect(record.droppedEvents).toBe(0);
  });
});
