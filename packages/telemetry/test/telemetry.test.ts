import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  RunRecordSchema,
  createMemoryRunSink,
  createTelemetry,
  isRunNotStartedError,
  isRunRecordSinkError,
  isTelemetryOptionsError,
  type RunRecord,
} from "../src/index.js";
import { generateRunEvents } from "./fixtures/event-stream.js";
import { handCheckedStream } from "./fixtures/hand-checked.js";

const T0 = 1_000;

const identity = (text: string) => text;
const quiet = { onWarning: () => undefined, redact: identity };

describe("createTelemetry metrics on a hand-checked stream", () => {
  it("computes every required metric", async () => {
    const sink = createMemoryRunSink();
    const telemetry = createTelemetry({ sinks: [sink], ...quiet });
    telemetry.startRun({ mode: "hybrid", flags: { parallel_graph_enabled: true }, strategyReason: "flag on", workflowContentHash: "h1" });
    for (const event of handCheckedStream()) telemetry.handle(event);
    const record = await telemetry.finish();
    expect(sink.records).toEqual([record]);
    expect(record.metrics).toEqual({
      token_input: 330,
      token_output: 70,
      token_savings_estimated: 200 + 0 + 450,
      wave_count: 2,
      parallelism_ratio: (350 + 300 + 500) / 1000,
      critical_path_ms: 400 + 500,
      cache_hit_l2: 1,
      cache_hit_l3: 2,
      duration_ms: 1000,
      node_count: 3,
      failed_count: 1,
      retry_count: 1,
    });
    expect(record.criticalPath).toEqual(["a", "c"]);
    expect(record.dispatchOrder).toEqual(["a", "b", "c"]);
    expect(record.status).toBe("failed");
    expect(record.mode).toBe("hybrid");
    expect(record.dispatchMode).toBe("wave");
    expect(record.flags).toEqual({ parallel_graph_enabled: true });
    expect(record.gates).toEqual([{ id: "G4", stage: "security", node: "b", decision: "bypass", at: T0 + 950 }]);
    expect(record.redactions).toEqual({ "github-token": 2, email: 1 });
    expect(record.breakers).toEqual([{ at: T0 + 600, key: "agent:dev", from: "closed", to: "half-open" }]);
    expect(record.waves.map((w) => [w.wave, w.startedAt, w.endedAt])).toEqual([
      [0, T0, T0 + 400],
      [1, T0 + 400, T0 + 900],
    ]);
    const [a, b, c] = record.nodes;
    expect(a).toMatchObject({ id: "a", attempts: 2, status: "succeeded", busyMs: 350, promptTokens: 100, baselineTokens: 300, cacheHits: { l2: 1, l3: 0 } });
    expect(b).toMatchObject({ id: "b", attempts: 1, handoffUrl: "https://github.com/acme/agents/issues/7#issuecomment-2", cacheHits: { l2: 0, l3: 1 } });
    expect(c).toMatchObject({ id: "c", status: "timed-out", dependsOn: ["a", "b"], error: { code: "timeout", category: "timeout" } });
    expect(record.resumedFrom).toBeUndefined();
    expect(JSON.stringify(record)).not.toContain("OUTPUT-TEXT"); // outputs are never recorded
  });

  it("derives mode from run.started, and uses runner tokens without composition", async () => {
    const telemetry = createTelemetry(quiet);
    telemetry.handle({ type: "run.started", runId: "s", at: 0, workflowId: "wf", mode: "sequential", planHash: "p", nodes: [{ id: "x", agent: "dev", dependsOn: [] }] });
    telemetry.handle({ type: "node.dispatched", runId: "s", at: 10, nodeId: "x", agent: "dev", attempt: 1 });
    telemetry.handle({ type: "node.succeeded", runId: "s", at: 60, nodeId: "x", agent: "dev", attempt: 1, tokens: { input: 40, output: 4 } });
    telemetry.handle({ type: "run.completed", runId: "s", at: 100, status: "succeeded" });
    const record = await telemetry.finish();
    expect(record.mode).toBe("sequential");
    expect(record.taskType).toBe("unspecified");
    expect(record.nodes[0]).toMatchObject({ promptTokens: 40, baselineTokens: 40 });
    expect(record.metrics).toMatchObject({ token_savings_estimated: 0, wave_count: 0, parallelism_ratio: 0.5, critical_path_ms: 50 });
  });

  it("marks resumed runs and recovery", async () => {
    const telemetry = createTelemetry(quiet);
    telemetry.handle({ type: "run.resumed", runId: "r9", at: 5, planHash: "p9", forced: false });
    telemetry.startRun({ workflowId: "wf", mode: "hybrid" });
    telemetry.handle({ type: "run.completed", runId: "r9", at: 25, status: "succeeded" });
    const record = await telemetry.finish();
    expect(record).toMatchObject({ runId: "r9", resumedFrom: "r9", recovered: true, planHash: "p9", startedAt: 5, endedAt: 25 });

    const second = createTelemetry(quiet);
    second.startRun({ resumedFrom: "r8" });
    for (const event of handCheckedStream()) second.handle(event);
    expect((await second.finish())).toMatchObject({ resumedFrom: "r8", recovered: false });
  });

  it("is ready for the next run after finish and ignores other runs' events", async () => {
    const warnings: string[] = [];
    const telemetry = createTelemetry({ redact: identity, onWarning: (m) => warnings.push(m) });
    for (const event of handCheckedStream()) telemetry.handle(event);
    expect(telemetry.handle({ type: "node.dispatched", runId: "other", at: 1, nodeId: "z", agent: "a", attempt: 1 })).toBe(false);
    expect(warnings[0]).toMatch(/run other while recording run r1/);
    const first = await telemetry.finish();
    expect(first.nodes.map((n) => n.id)).toEqual(["a", "b", "c"]);
    const { events } = generateRunEvents({ seed: 3, runId: "next" });
    for (const event of events) telemetry.handle(event);
    const second = await telemetry.finish();
    expect(second.runId).toBe("next");
    expect(second.flags).toEqual({});
  });

  it("ignores unknown types and drops invalid known events with a warning", async () => {
    const warnings: string[] = [];
    const telemetry = createTelemetry({ redact: identity, onWarning: (m) => warnings.push(m) });
    expect(telemetry.handle({ type: "dispatch.something-new", at: 1 })).toBe(false);
    expect(telemetry.handle(null)).toBe(false);
    expect(telemetry.handle("run.started")).toBe(false);
    expect(telemetry.handle({ type: "node.dispatched", runId: "r1", at: "soon" })).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/dropped a node.dispatched event .*at/);
    for (const event of handCheckedStream()) expect(telemetry.handle({ ...event, extra: { nested: true } })).toBe(true);
    const record = await telemetry.finish();
    expect(record.droppedEvents).toBe(1);
  });

  it("snapshot shows the run in flight without finishing it", async () => {
    const telemetry = createTelemetry(quiet);
    const events = handCheckedStream();
    for (const event of events.slice(0, 13)) telemetry.handle(event);
    const snap = telemetry.snapshot();
    expect(snap.status).toBe("incomplete");
    expect(snap.nodes.find((n) => n.id === "b")?.status).toBe("running");
    expect(snap.nodes.find((n) => n.id === "c")?.status).toBe("pending");
    expect(snap.endedAt).toBe(T0 + 150);
    for (const event of events.slice(13)) telemetry.handle(event);
    expect((await telemetry.finish()).status).toBe("failed");
  });

  it("throws typed errors: no run, bad options, failing sinks", async () => {
    const telemetry = createTelemetry({ ...quiet, clock: () => 42 });
    await expect(telemetry.finish()).rejects.toSatisfy(isRunNotStartedError);
    await expect(telemetry.finish()).rejects.toThrow(/no runId \(feed its run\.started or run\.resumed event first\)/);
    expect(() => createTelemetry({ ...quiet, sinks: [{} as never] })).toThrow(/sinks\[0\]/);
    const bad = (() => {
      try {
        createTelemetry({ ...quiet, redact: "no" as never });
        return expect.unreachable("a redact that is not a function was accepted");
      } catch (error) {
        return error;
      }
    })();
    expect(isTelemetryOptionsError(bad)).toBe(true);
    expect((bad as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(["redact"]);
    expect(() => telemetry.startRun({ mode: "parallel" as never })).toThrow(/\[telemetry\] invalid startRun options/);

    const good = createMemoryRunSink();
    const failing = createTelemetry({
      ...quiet,
      sinks: [{ write: () => Promise.reject(new Error("disk full")) }, good],
    });
    for (const event of handCheckedStream()) failing.handle(event);
    const error = await failing.finish().catch((e: unknown) => e);
    expect(isRunRecordSinkError(error)).toBe(true);
    expect((error as Error).message).toMatch(/sink 0: disk full/);
    expect(good.records).toHaveLength(1);
  });

  it("uses the clock only when there are no event times", async () => {
    const telemetry = createTelemetry({ ...quiet, clock: () => 777 });
    telemetry.startRun({ workflowId: "wf" });
    telemetry.handle({ type: "run.resumed", runId: "r", at: 1 });
    const record = await telemetry.finish();
    expect(record.startedAt).toBe(1);
    expect(record.endedAt).toBe(1);
  });

  it("emits warnings through process.emitWarning by default", () => {
    const seen: string[] = [];
    const listener = (w: Error) => seen.push(w.message);
    process.on("warning", listener);
    const telemetry = createTelemetry({ redact: identity });
    telemetry.handle({ type: "run.started", runId: 1 });
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off("warning", listener);
        expect(seen.some((m) => m.includes("dropped a run.started"))).toBe(true);
        resolve();
      }),
    );
  });
});

describe("redaction", () => {
  it("applies redact to everything written", async () => {
    const SECRET = "ghp_FAKEsecret1234567890";
    const redact = (text: string) => text.split(SECRET).join("[REDACTED]");
    const sink = createMemoryRunSink();
    const telemetry = createTelemetry({ ...quiet, sinks: [sink], redact });
    telemetry.startRun({ strategyReason: `token ${SECRET} seen`, flags: { [SECRET]: true } });
    const { events } = generateRunEvents({ seed: 11, secret: SECRET, retryRate: 0.5, nodeCount: 8 });
    for (const event of events) telemetry.handle(event);
    telemetry.handle({ type: "handoff.recorded", runId: "run-11", at: events.at(-1)!.at as number, nodeId: "n00", url: `https://x.test/?t=${SECRET}` });
    const record = await telemetry.finish();
    const written = JSON.stringify(sink.records);
    expect(written).not.toContain(SECRET);
    expect(written).toContain("[REDACTED]");
    expect(record.strategyReason).toBe("token [REDACTED] seen");
  });
});

describe("generated streams (property)", () => {
  it("records are valid and metrics are consistent", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 14 }),
        fc.constantFrom("wave" as const, "eager" as const, "sequential" as const),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        async (seed, nodeCount, mode, retryRate, failRate) => {
          const { events, nodes } = generateRunEvents({ seed, nodeCount, mode, retryRate, failRate, maxParallel: 3 });
          const telemetry = createTelemetry(quiet);
          for (const event of events) telemetry.handle(event);
          const record: RunRecord = await telemetry.finish();
          expect(RunRecordSchema.parse(JSON.parse(JSON.stringify(record)))).toEqual(record);
          const m = record.metrics;
          expect(m.node_count).toBe(nodes.length);
          expect(m.retry_count).toBe(events.filter((e) => e.type === "node.retrying").length);
          expect(m.parallelism_ratio).toBeLessThanOrEqual(mode === "sequential" ? 1 : 3);
          expect(m.critical_path_ms).toBeLessThanOrEqual(m.duration_ms);
          expect(new Set(record.dispatchOrder).size).toBe(record.dispatchOrder.length);
          expect(m.token_input).toBe(
            events.filter((e) => e.type === "node.succeeded").reduce((s, e) => s + (e.tokens as { input: number }).input, 0),
          );
          expect(m.cache_hit_l2).toBe(events.filter((e) => e.type === "context.cache" && e.tier === "L2" && e.hit).length);
          expect(record.status).toBe(m.failed_count > 0 ? "failed" : "succeeded");
          // A critical path follows dependency edges.
          const byId = new Map(record.nodes.map((n) => [n.id, n]));
          record.criticalPath.slice(1).forEach((id, i) => expect(byId.get(id)!.dependsOn).toContain(record.criticalPath[i]));
          if (mode === "sequential") expect(m.token_savings_estimated).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("resumed runs from a journal", () => {
  it("takes the plan from run.resumed and attempt starts from node.succeeded", async () => {
    const telemetry = createTelemetry(quiet);
    telemetry.startRun({ workflowId: "wf", mode: "hybrid" });
    telemetry.handle({
      type: "run.resumed",
      runId: "r",
      at: 100,
      planHash: "p",
      forced: false,
      nodes: [
        { id: "a", agent: "dev", priority: "implementation", wave: 0, dependsOn: [], specHash: "x" },
        { id: "b", agent: "dev", priority: "implementation", wave: 1, dependsOn: ["a"], specHash: "y" },
      ],
    });
    telemetry.handle({ type: "node.succeeded", runId: "r", at: 150, nodeId: "a", agent: "dev", attempt: 1, startedAt: 110, tokens: { input: 1, output: 1 } });
    telemetry.handle({ type: "node.dispatched", runId: "r", at: 150, nodeId: "b", agent: "dev", attempt: 1 });
    telemetry.handle({ type: "node.succeeded", runId: "r", at: 200, nodeId: "b", agent: "dev", attempt: 1, startedAt: 120, tokens: { input: 1, output: 1 } });
    telemetry.handle({ type: "run.completed", runId: "r", at: 200, status: "succeeded" });
    const record = await telemetry.finish();
    expect(record.nodes.map((n) => [n.id, n.startedAt, n.busyMs, n.dependsOn])).toEqual([
      ["a", 110, 40, []],
      ["b", 150, 50, ["a"]],
    ]);
    expect(record.metrics.critical_path_ms).toBe(90);
    expect(record).toMatchObject({ resumedFrom: "r", recovered: true });
  });
});

describe("a resumed run is finishable from what its events say", () => {
  const resumed = (extra: Record<string, unknown>) => ({
    type: "run.resumed",
    runId: "r-5",
    at: 1_000,
    planHash: "p",
    forced: false,
    nodes: [{ id: "a", agent: "dev", wave: 0, dependsOn: [] }],
    ...extra,
  });

  it("takes workflowId and taskType from run.resumed, without startRun", async () => {
    const warnings: string[] = [];
    const telemetry = createTelemetry({ redact: identity, onWarning: (m) => warnings.push(m) });
    telemetry.handle(resumed({ workflowId: "epic-7", taskType: "feature", mode: "eager" }));
    telemetry.handle({ type: "node.dispatched", runId: "r-5", at: 1_010, nodeId: "a", agent: "dev", attempt: 1 });
    telemetry.handle({ type: "node.succeeded", runId: "r-5", at: 1_030, nodeId: "a", agent: "dev", attempt: 1, tokens: { input: 3, output: 1 } });
    telemetry.handle({ type: "run.completed", runId: "r-5", at: 1_040, status: "succeeded" });
    const record = await telemetry.finish();
    expect(record).toMatchObject({ runId: "r-5", workflowId: "epic-7", taskType: "feature", dispatchMode: "eager", mode: "hybrid", resumedFrom: "r-5", recovered: true, status: "succeeded" });
    expect(record.metrics.duration_ms).toBe(40);
    expect(warnings).toEqual([]);
  });

  it("records a run.resumed without workflowId as workflow \"unknown\", with a warning, instead of throwing", async () => {
    const warnings: string[] = [];
    const telemetry = createTelemetry({ redact: identity, onWarning: (m) => warnings.push(m) });
    telemetry.handle(resumed({}));
    telemetry.handle({ type: "run.completed", runId: "r-5", at: 1_040, status: "failed" });
    const record = await telemetry.finish();
    expect(record).toMatchObject({ runId: "r-5", workflowId: "unknown", resumedFrom: "r-5", recovered: false });
    expect(warnings).toEqual([expect.stringMatching(/^\[telemetry\] run r-5: no event named its workflow .*recorded as workflowId "unknown"$/)]);
  });
});

describe("keys from producers", () => {
  it("a finding kind named __proto__ never becomes a prototype (zod drops it on parse)", async () => {
    const telemetry = createTelemetry(quiet);
    for (const event of handCheckedStream()) telemetry.handle(event);
    telemetry.handle({ type: "context.composed", runId: "r1", at: T0, nodeId: "a", promptTokens: 1, redactions: JSON.parse('{"__proto__": 4, "email": 1}') });
    const record = await telemetry.finish();
    expect(Object.getPrototypeOf(record.redactions)).toBe(Object.prototype);
    expect(Object.entries(record.redactions)).toEqual([
      ["github-token", 2],
      ["email", 2],
    ]);
  });
});

describe("context events per run and node", () => {
  it("attributes cache hits, misses and fallbacks to their node, and counts the rest for the run", async () => {
    const telemetry = createTelemetry(quiet);
    for (const event of handCheckedStream()) telemetry.handle(event);
    telemetry.handle({ type: "context.fallback", runId: "r1", at: "2025-03-03T09:00:00.000Z", tier: "L3", source: "docs/x.md", reason: "EACCES", stale: true, nodeId: "c" });
    telemetry.handle({ type: "context.fallback", runId: "r1", at: T0 + 5, tier: "L2", source: "issue:9", reason: "offline" });
    // Of another run: ignored (and never counted).
    expect(telemetry.handle({ type: "context.cache", runId: "other", at: T0, tier: "L2", hit: true, nodeId: "a" })).toBe(false);
    const record = await telemetry.finish();
    const byId = new Map(record.nodes.map((n) => [n.id, n]));
    expect(byId.get("a")).toMatchObject({ cacheHits: { l2: 1, l3: 0 }, cacheMisses: { l2: 0, l3: 0 }, contextFallbacks: 0 });
    expect(byId.get("b")).toMatchObject({ cacheHits: { l2: 0, l3: 1 }, cacheMisses: { l2: 1, l3: 0 }, contextFallbacks: 0 });
    expect(byId.get("c")).toMatchObject({ cacheHits: { l2: 0, l3: 0 }, cacheMisses: { l2: 0, l3: 0 }, contextFallbacks: 1 });
    // The hand-checked stream has one L3 hit without a node; the L2 fallback above has none either.
    expect(record.context).toEqual({ cacheMisses: { l2: 1, l3: 0 }, fallbacks: 2, unattributed: 2 });
    expect(record.metrics).toMatchObject({ cache_hit_l2: 1, cache_hit_l3: 2 });
  });
});
