import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { METRIC_NAMES, createTelemetry, type TelemetryOptions } from "../src/index.js";
import { DURATION_BUCKETS, TOKEN_BUCKETS } from "../src/semconv.js";
import { generateRunEvents } from "./fixtures/event-stream.js";
import { handCheckedStream } from "./fixtures/hand-checked.js";

/** createTelemetry wired to the real SDK's in-memory exporters. */
function setup(options: Partial<TelemetryOptions> = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // The export interval is never reached: tests export with forceFlush.
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 2 ** 30 })] });
  const telemetry = createTelemetry({
    tracer: provider.getTracer("test"),
    meter: meterProvider.getMeter("test"),
    onWarning: () => undefined,
    redact: (text) => text,
    ...options,
  });
  const metrics = async () => {
    await meterProvider.forceFlush();
    const all = metricExporter.getMetrics().at(-1)!.scopeMetrics.flatMap((s) => s.metrics);
    await meterProvider.shutdown();
    return all;
  };
  return { exporter, telemetry, metrics };
}

const toMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("OpenTelemetry spans", () => {
  it("builds invoke_workflow → wave → invoke_agent with attributes, events and errors", async () => {
    const { exporter, telemetry } = setup();
    telemetry.startRun({ mode: "hybrid", strategyReason: "flags on" });
    for (const event of handCheckedStream()) telemetry.handle(event);
    await telemetry.finish();
    const all = exporter.getFinishedSpans();
    const retrievals = all.filter((s) => s.attributes["gen_ai.operation.name"] === "retrieval");
    const spans = all.filter((s) => !retrievals.includes(s));
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual([
      "invoke_agent arch",
      "invoke_agent dev",
      "invoke_agent sec",
      "invoke_workflow wf",
      "wave 0",
      "wave 1",
    ]);
    const workflow = byName.get("invoke_workflow wf")!;
    const wave0 = byName.get("wave 0")!;
    const wave1 = byName.get("wave 1")!;
    const arch = byName.get("invoke_agent arch")!;
    const dev = byName.get("invoke_agent dev")!;
    expect(parentOf(workflow)).toBeUndefined();
    expect(parentOf(wave0)).toBe(workflow.spanContext().spanId);
    expect(parentOf(arch)).toBe(wave0.spanContext().spanId);
    expect(parentOf(dev)).toBe(wave1.spanContext().spanId);
    for (const span of spans) expect(span.kind).toBe(SpanKind.INTERNAL);

    // Event timestamps, not the wall clock.
    expect(toMs(workflow.startTime)).toBe(1000);
    expect(toMs(workflow.endTime)).toBe(2000);
    expect(toMs(arch.startTime)).toBe(1000);
    expect(toMs(arch.endTime)).toBe(1400);
    expect(toMs(wave1.endTime)).toBe(1900);

    expect(workflow.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_workflow",
      "gen_ai.workflow.name": "wf",
      "error.type": "failed",
      "hybrid.workflow.id": "wf",
      "hybrid.run.id": "r1",
      "hybrid.mode": "hybrid",
      "gen_ai.usage.input_tokens": 330,
      "hybrid.critical_path_ms": 900,
    });
    expect(workflow.status.code).toBe(SpanStatusCode.ERROR);
    expect(workflow.events.map((e) => e.name)).toEqual(["hybrid.breaker.changed"]);
    expect(workflow.events[0]!.attributes).toMatchObject({ "hybrid.breaker.key": "agent:dev", "hybrid.breaker.to": "half-open" });

    expect(arch.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.provider.name": "_OTHER",
      "gen_ai.agent.name": "arch",
      "gen_ai.usage.input_tokens": 120,
      "gen_ai.usage.output_tokens": 30,
      "hybrid.node.id": "a",
      "hybrid.wave": 0,
      "hybrid.priority": "architecture",
      "hybrid.attempt": 2,
      "hybrid.cache.l2_hits": 1,
      "hybrid.cache.l3_hits": 0,
    });
    expect(arch.status.code).toBe(SpanStatusCode.UNSET);
    expect(arch.attributes).not.toHaveProperty("error.type");
    expect(arch.events.map((e) => e.name)).toEqual(["exception", "hybrid.retry", "hybrid.attempt.dispatched"]);
    expect(arch.events[1]!.attributes).toMatchObject({ "hybrid.attempt": 1, "hybrid.next_attempt": 2, "hybrid.delay_ms": 50, "error.type": "EPIPE" });
    expect(toMs(arch.events[1]!.time)).toBe(1100);

    expect(dev.status).toEqual({ code: SpanStatusCode.ERROR, message: "timed out" });
    expect(dev.attributes["error.type"]).toBe("timeout"); // the failure category, not the message
    expect(dev.events.map((e) => e.name)).toEqual(["hybrid.timeout", "exception"]);
    expect(dev.events[1]!.attributes).toMatchObject({ "exception.type": "timeout", "exception.message": "timed out" });
    expect(wave1.status.code).toBe(SpanStatusCode.ERROR);
    // Prompts and outputs never become attributes.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain("OUTPUT-TEXT");

    // Context lookups: one retrieval span each, a client call parented to the node's wave (the
    // lookups precede the dispatch), or to the workflow when the event names no node.
    expect(retrievals.map((s) => [s.name, s.kind, s.attributes["hybrid.node.id"], s.attributes["hybrid.context.cache_hit"]])).toEqual([
      ["retrieval L2", SpanKind.CLIENT, "a", true],
      ["retrieval L3", SpanKind.CLIENT, "b", true],
      ["retrieval L2", SpanKind.CLIENT, "b", false],
      ["retrieval L3", SpanKind.CLIENT, undefined, true],
    ]);
    expect(retrievals[0]!.attributes).toMatchObject({ "gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "L2", "hybrid.context.source": "issue:7" });
    expect(retrievals.map(parentOf)).toEqual([wave0, wave0, wave0, workflow].map((s) => s.spanContext().spanId));
  });

  it("closes spans left open, parents agents to the workflow without waves, and redacts", async () => {
    const { exporter, telemetry } = setup({ redact: (t) => t.replaceAll("s3cr3t", "***") });
    telemetry.handle({ type: "run.started", runId: "e", at: 0, workflowId: "wf-s3cr3t", mode: "eager", planHash: "p", nodes: [{ id: "x", agent: "dev", dependsOn: [] }, { id: "y", agent: "ops", dependsOn: [] }] });
    telemetry.handle({ type: "wave.started", runId: "e", at: 0, wave: 3, nodeIds: [] });
    telemetry.handle({ type: "wave.started", runId: "e", at: 1, wave: 3, nodeIds: [] });
    telemetry.handle({ type: "node.dispatched", runId: "e", at: 1, nodeId: "x", agent: "dev", attempt: 1 });
    telemetry.handle({ type: "node.retrying", runId: "e", at: 2, nodeId: "x", agent: "dev", attempt: 1, nextAttempt: 2, delayMs: 1, error: "s3cr3t leaked" });
    telemetry.handle({ type: "node.failed", runId: "e", at: 3, nodeId: "x", agent: "dev", attempt: 1, final: true, error: { message: "bad s3cr3t" } });
    telemetry.handle({ type: "node.failed", runId: "e", at: 3, nodeId: "y", agent: "ops", attempt: 1, final: true });
    telemetry.handle({ type: "node.timed-out", runId: "e", at: 3, nodeId: "y", agent: "ops", attempt: 1, timeoutMs: 1 });
    telemetry.handle({ type: "node.retrying", runId: "e", at: 3, nodeId: "y", agent: "ops", attempt: 1, nextAttempt: 2, delayMs: 1 });
    telemetry.handle({ type: "node.succeeded", runId: "e", at: 3, nodeId: "y", agent: "ops", attempt: 1 });
    telemetry.handle({ type: "wave.completed", runId: "e", at: 3, wave: 9 });
    telemetry.handle({ type: "node.blocked", runId: "e", at: 4, nodeId: "z", blockedBy: "x" });
    telemetry.handle({ type: "node.dispatched", runId: "e", at: 5, nodeId: "z2", agent: "dev", attempt: 1 });
    const record = await telemetry.finish();
    expect(record.status).toBe("incomplete");
    const spans = exporter.getFinishedSpans();
    const workflow = spans.find((s) => s.name === "invoke_workflow wf-***")!;
    expect(workflow).toBeDefined();
    const x = spans.find((s) => s.attributes["hybrid.node.id"] === "x")!;
    expect(parentOf(x)).toBe(workflow.spanContext().spanId);
    // A free-text error never becomes error.type.
    expect(x.events.find((e) => e.name === "hybrid.retry")!.attributes!["error.type"]).toBe("_OTHER");
    expect(x.attributes["error.type"]).toBe("_OTHER");
    expect(x.events.find((e) => e.name === "exception")!.attributes!["exception.message"]).toBe("bad ***");
    expect(x.status.code).toBe(SpanStatusCode.ERROR);
    const z2 = spans.find((s) => s.attributes["hybrid.node.id"] === "z2")!;
    expect(toMs(z2.endTime)).toBe(5);
    expect(z2.status.code).toBe(SpanStatusCode.UNSET);
    expect(spans.filter((s) => s.name === "wave 3")).toHaveLength(2);
    expect(workflow.events.map((e) => e.name)).toContain("hybrid.node.blocked");
    expect(JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]))).not.toContain("s3cr3t");
  });

  it("starts the workflow span on run.resumed", async () => {
    const { exporter, telemetry } = setup();
    telemetry.startRun({ workflowId: "wf" });
    telemetry.handle({ type: "run.resumed", runId: "r", at: 10, planHash: "p", forced: true });
    telemetry.handle({ type: "run.completed", runId: "r", at: 20, status: "succeeded" });
    await telemetry.finish();
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe("invoke_workflow workflow");
    expect(span!.attributes["hybrid.resumed"]).toBe(true);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe("OpenTelemetry metrics", () => {
  async function twoRuns(options: Partial<TelemetryOptions> = {}) {
    const { telemetry, metrics } = setup(options);
    telemetry.startRun({ mode: "hybrid" });
    for (const event of handCheckedStream()) telemetry.handle(event);
    await telemetry.finish();
    const { events } = generateRunEvents({ seed: 5, nodeCount: 4, mode: "sequential" });
    for (const event of events) telemetry.handle(event);
    await telemetry.finish();
    const all = await metrics();
    const metric = (name: string) => all.find((m) => m.descriptor.name === name)!;
    const points = (name: string) => metric(name).dataPoints as DataPoint<number>[];
    const histogram = (name: string) => metric(name).dataPoints as DataPoint<Histogram>[];
    const sum = (name: string, filter: (p: DataPoint<number>) => boolean = () => true) =>
      points(name).filter(filter).reduce((s, p) => s + p.value, 0);
    return { events, metric, histogram, sum };
  }

  it("counts tokens, runs, failures, retries and records durations (hybrid.*)", async () => {
    const { events, histogram, sum } = await twoRuns();
    expect(sum(METRIC_NAMES.runs)).toBe(2);
    expect(sum(METRIC_NAMES.runs, (p) => p.attributes["hybrid.status"] === "failed" && p.attributes["hybrid.mode"] === "hybrid")).toBe(1);
    const seqInput = events.filter((e) => e.type === "node.succeeded").reduce((s, e) => s + (e.tokens as { input: number }).input, 0);
    expect(sum(METRIC_NAMES.tokens, (p) => p.attributes["gen_ai.token.type"] === "input")).toBe(330 + seqInput);
    expect(sum(METRIC_NAMES.tokens, (p) => p.attributes["gen_ai.token.type"] === "input" && p.attributes["gen_ai.agent.name"] === "arch")).toBe(120);
    expect(sum(METRIC_NAMES.nodeFailures, (p) => p.attributes["hybrid.mode"] === "hybrid")).toBe(1);
    expect(sum(METRIC_NAMES.retries, (p) => p.attributes["hybrid.mode"] === "hybrid")).toBe(1);
    const runDuration = histogram(METRIC_NAMES.runDuration);
    expect(runDuration.reduce((s, p) => s + p.value.count, 0)).toBe(2);
    expect(runDuration.find((p) => p.attributes["hybrid.mode"] === "hybrid")!.value.sum).toBe(1000);
    const dev = histogram(METRIC_NAMES.nodeDuration).find((p) => p.attributes["gen_ai.agent.name"] === "dev" && p.attributes["hybrid.mode"] === "hybrid")!;
    expect(dev.value).toMatchObject({ count: 1, sum: 500 });
  });

  it("records gen_ai.client.token.usage per invocation and token type, with the conventions' buckets", async () => {
    const { metric, histogram } = await twoRuns({ providerName: "hybrid.simulated" });
    expect(metric(METRIC_NAMES.genAiTokenUsage).descriptor).toMatchObject({ unit: "{token}" });
    const usage = histogram(METRIC_NAMES.genAiTokenUsage).filter((p) => p.attributes["hybrid.mode"] === "hybrid");
    const of = (type: string) => usage.filter((p) => p.attributes["gen_ai.token.type"] === type);
    // The hand-checked run: a (120 in, 30 out) and b (210 in, 40 out) succeeded; c timed out (no usage).
    expect(of("input").reduce((s, p) => s + p.value.sum!, 0)).toBe(330);
    expect(of("input").reduce((s, p) => s + p.value.count, 0)).toBe(2);
    expect(of("output").reduce((s, p) => s + p.value.sum!, 0)).toBe(70);
    for (const p of usage) {
      expect(p.attributes).toMatchObject({ "gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "hybrid.simulated" });
      expect(p.value.buckets.boundaries).toEqual(TOKEN_BUCKETS);
    }
  });

  it("records gen_ai.client.operation.duration in seconds for agents and the workflow, with error.type on failures", async () => {
    const { metric, histogram } = await twoRuns();
    expect(metric(METRIC_NAMES.genAiOperationDuration).descriptor).toMatchObject({ unit: "s" });
    const durations = histogram(METRIC_NAMES.genAiOperationDuration).filter((p) => p.attributes["hybrid.mode"] === "hybrid");
    const workflow = durations.find((p) => p.attributes["gen_ai.operation.name"] === "invoke_workflow")!;
    expect(workflow.value).toMatchObject({ count: 1, sum: 1 });
    expect(workflow.attributes).toMatchObject({ "gen_ai.workflow.name": "wf", "error.type": "failed" });
    const dev = durations.find((p) => p.attributes["gen_ai.agent.name"] === "dev")!;
    expect(dev.value).toMatchObject({ count: 1, sum: 0.5 });
    expect(dev.attributes).toMatchObject({ "gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "_OTHER", "error.type": "timeout" });
    const arch = durations.find((p) => p.attributes["gen_ai.agent.name"] === "arch")!;
    expect(arch.value).toMatchObject({ count: 1, sum: 0.4 });
    expect(arch.attributes).not.toHaveProperty("error.type");
    expect(arch.value.buckets.boundaries).toEqual(DURATION_BUCKETS);
  });
});

describe("GenAI conventions on agent and retrieval spans", () => {
  it("takes gen_ai.provider.name and the model from the node's events, else from the option", async () => {
    const { exporter, telemetry } = setup({ providerName: "hybrid.simulated" });
    telemetry.handle({ type: "run.started", runId: "p", at: 0, workflowId: "wf", mode: "eager", nodes: [{ id: "a", agent: "dev" }, { id: "b", agent: "ops" }] });
    telemetry.handle({ type: "node.dispatched", runId: "p", at: 1, nodeId: "a", agent: "dev", attempt: 1, provider: "anthropic", model: "claude-x" });
    telemetry.handle({ type: "node.dispatched", runId: "p", at: 1, nodeId: "b", agent: "ops", attempt: 1 });
    telemetry.handle({ type: "node.succeeded", runId: "p", at: 9, nodeId: "a", agent: "dev", attempt: 1, tokens: { input: 5, output: 2 } });
    telemetry.handle({ type: "node.failed", runId: "p", at: 9, nodeId: "b", agent: "ops", attempt: 1, final: true, category: "breaker-open", error: { message: "breaker for ops is open since 12:00" } });
    telemetry.handle({ type: "run.completed", runId: "p", at: 10, status: "failed" });
    const record = await telemetry.finish();
    const span = (agent: string) => exporter.getFinishedSpans().find((s) => s.name === `invoke_agent ${agent}`)!;
    expect(span("dev").attributes).toMatchObject({ "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-x", "gen_ai.usage.input_tokens": 5 });
    expect(span("ops").attributes).toMatchObject({ "gen_ai.provider.name": "hybrid.simulated", "error.type": "breaker-open" });
    expect(span("ops").attributes).not.toHaveProperty("gen_ai.request.model");
    expect(record.nodes.find((n) => n.id === "a")).toMatchObject({ provider: "anthropic", model: "claude-x" });
  });

  it("marks a context fallback as a failed retrieval with error.type context_fallback, timed by durationMs", async () => {
    const { exporter, telemetry } = setup({ redact: (t) => t.replaceAll("tok_123", "[REDACTED]") });
    telemetry.handle({ type: "run.started", runId: "f", at: 1_000, workflowId: "wf", mode: "wave", nodes: [{ id: "a", agent: "dev", wave: 0 }] });
    telemetry.handle({ type: "node.dispatched", runId: "f", at: 1_000, nodeId: "a", agent: "dev", attempt: 1, wave: 0 });
    telemetry.handle({ type: "context.fallback", runId: "f", at: 1_050, durationMs: 30, tier: "L2", provider: "github-comments", source: "issue:acme/x#1", reason: "401 for token tok_123", stale: true, nodeId: "a" });
    telemetry.handle({ type: "node.succeeded", runId: "f", at: 1_100, nodeId: "a", agent: "dev", attempt: 1 });
    await telemetry.finish();
    const spans = exporter.getFinishedSpans();
    const retrieval = spans.find((s) => s.name === "retrieval github-comments")!;
    const agent = spans.find((s) => s.name === "invoke_agent dev")!;
    expect(parentOf(retrieval)).toBe(agent.spanContext().spanId);
    expect(retrieval.kind).toBe(SpanKind.CLIENT);
    expect([toMs(retrieval.startTime), toMs(retrieval.endTime)]).toEqual([1_020, 1_050]);
    expect(retrieval.attributes).toMatchObject({
      "gen_ai.operation.name": "retrieval",
      "gen_ai.data_source.id": "github-comments",
      "hybrid.context.tier": "L2",
      "error.type": "context_fallback",
      "hybrid.context.stale": true,
    });
    expect(retrieval.status).toEqual({ code: SpanStatusCode.ERROR, message: "401 for token [REDACTED]" });
    expect(JSON.stringify(retrieval.attributes)).not.toContain("401"); // the reason is free text: never an attribute
  });
});
