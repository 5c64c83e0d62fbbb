import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { METRIC_NAMES, createTelemetry } from "../src/index.js";
import { generateRunEvents } from "./fixtures/event-stream.js";
import { handCheckedStream } from "./fixtures/hand-checked.js";

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(redact?: (t: string) => string) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = createTelemetry({
    tracer: provider.getTracer("test"),
    meter: meterProvider.getMeter("test"),
    onWarning: () => undefined,
    ...(redact ? { redact } : {}),
  });
  return { exporter, reader, telemetry };
}

const toMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("OpenTelemetry spans", () => {
  it("builds invoke_workflow → wave → invoke_agent with attributes, events and errors", async () => {
    const { exporter, telemetry } = setup();
    telemetry.startRun({ mode: "hybrid", strategyReason: "flags on" });
    for (const event of handCheckedStream()) telemetry.handle(event);
    await telemetry.finish();
    const spans = exporter.getFinishedSpans();
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
    expect(arch.events.map((e) => e.name)).toEqual(["exception", "hybrid.retry", "hybrid.attempt.dispatched"]);
    expect(arch.events[1]!.attributes).toMatchObject({ "hybrid.attempt": 1, "hybrid.next_attempt": 2, "hybrid.delay_ms": 50, "error.type": "EPIPE" });
    expect(toMs(arch.events[1]!.time)).toBe(1100);

    expect(dev.status).toEqual({ code: SpanStatusCode.ERROR, message: "timed out" });
    expect(dev.events.map((e) => e.name)).toEqual(["hybrid.timeout", "exception"]);
    expect(dev.events[1]!.attributes).toMatchObject({ "exception.type": "timeout", "exception.message": "timed out" });
    expect(wave1.status.code).toBe(SpanStatusCode.ERROR);
    // Prompts and outputs never become attributes.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain("OUTPUT-TEXT");
  });

  it("closes spans left open, parents agents to the workflow without waves, and redacts", async () => {
    const { exporter, telemetry } = setup((t) => t.replaceAll("s3cr3t", "***"));
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
    expect(x.events.find((e) => e.name === "hybrid.retry")!.attributes!["error.type"]).toBe("*** leaked");
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
  it("counts tokens, runs, failures, retries and records durations", async () => {
    const { reader, telemetry } = setup();
    telemetry.startRun({ mode: "hybrid" });
    for (const event of handCheckedStream()) telemetry.handle(event);
    await telemetry.finish();
    const { events } = generateRunEvents({ seed: 5, nodeCount: 4, mode: "sequential" });
    for (const event of events) telemetry.handle(event);
    await telemetry.finish();

    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const metric = (name: string) => all.find((m) => m.descriptor.name === name)!;
    const points = (name: string) => metric(name).dataPoints as DataPoint<number>[];
    const sum = (name: string, filter: (p: DataPoint<number>) => boolean = () => true) =>
      points(name).filter(filter).reduce((s, p) => s + p.value, 0);

    expect(sum(METRIC_NAMES.runs)).toBe(2);
    expect(sum(METRIC_NAMES.runs, (p) => p.attributes["hybrid.status"] === "failed" && p.attributes["hybrid.mode"] === "hybrid")).toBe(1);
    const seqInput = events.filter((e) => e.type === "node.succeeded").reduce((s, e) => s + (e.tokens as { input: number }).input, 0);
    expect(sum(METRIC_NAMES.tokens, (p) => p.attributes["gen_ai.token.type"] === "input")).toBe(330 + seqInput);
    expect(sum(METRIC_NAMES.tokens, (p) => p.attributes["gen_ai.token.type"] === "input" && p.attributes["gen_ai.agent.name"] === "arch")).toBe(120);
    expect(sum(METRIC_NAMES.nodeFailures, (p) => p.attributes["hybrid.mode"] === "hybrid")).toBe(1);
    expect(sum(METRIC_NAMES.retries, (p) => p.attributes["hybrid.mode"] === "hybrid")).toBe(1);
    const runDuration = metric(METRIC_NAMES.runDuration).dataPoints as DataPoint<Histogram>[];
    expect(runDuration.reduce((s, p) => s + p.value.count, 0)).toBe(2);
    const hybridRun = runDuration.find((p) => p.attributes["hybrid.mode"] === "hybrid")!;
    expect(hybridRun.value.sum).toBe(1000);
    const nodeDuration = metric(METRIC_NAMES.nodeDuration).dataPoints as DataPoint<Histogram>[];
    const dev = nodeDuration.find((p) => p.attributes["gen_ai.agent.name"] === "dev" && p.attributes["hybrid.mode"] === "hybrid")!;
    expect(dev.value).toMatchObject({ count: 1, sum: 500 });
  });
});
