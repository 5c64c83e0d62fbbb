import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context as otelContext,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import type { TelemetryEvent } from "./event-schema.js";
import type { Redact } from "./redact.js";
import type { NodeState, RunBuilder } from "./run-builder.js";
import type { RunRecord } from "./run-record.js";

/** Instrument names, so dashboards and tests can find them. */
export const METRIC_NAMES = {
  tokens: "hybrid.tokens",
  runs: "hybrid.runs",
  nodeFailures: "hybrid.node.failures",
  retries: "hybrid.retries",
  nodeDuration: "hybrid.node.duration",
  runDuration: "hybrid.run.duration",
} as const;

// OpenTelemetry reads a small number as an offset from the process's time origin; a Date is
// always taken as wall-clock epoch time, which is what event timestamps are.
const time = (at: number): Date => new Date(at);

interface Instruments {
  tokens: Counter;
  runs: Counter;
  nodeFailures: Counter;
  retries: Counter;
  nodeDuration: Histogram;
  runDuration: Histogram;
}

export function createInstruments(meter: Meter): Instruments {
  return {
    tokens: meter.createCounter(METRIC_NAMES.tokens, { description: "Tokens used by agents", unit: "{token}" }),
    runs: meter.createCounter(METRIC_NAMES.runs, { description: "Finished runs", unit: "{run}" }),
    nodeFailures: meter.createCounter(METRIC_NAMES.nodeFailures, {
      description: "Nodes that finished failed or timed out",
      unit: "{node}",
    }),
    retries: meter.createCounter(METRIC_NAMES.retries, { description: "Node retries", unit: "{retry}" }),
    nodeDuration: meter.createHistogram(METRIC_NAMES.nodeDuration, {
      description: "Node duration, first dispatch to final outcome",
      unit: "ms",
    }),
    runDuration: meter.createHistogram(METRIC_NAMES.runDuration, { description: "Run duration", unit: "ms" }),
  };
}

/**
 * Mirrors one run's events as OpenTelemetry spans (`invoke_workflow` → `wave` → `invoke_agent`),
 * timed by the events' own timestamps, and records the run's metrics when it finishes.
 * Every string that leaves through an attribute, a span name or an exception passes `redact`.
 */
export class OtelBridge {
  private workflowSpan: Span | undefined;
  private readonly waveSpans = new Map<number, Span>();
  private readonly nodeSpans = new Map<string, Span>();

  constructor(
    private readonly tracer: Tracer,
    private readonly instruments: Instruments,
    private readonly redact: Redact,
  ) {}

  private attrs(values: Record<string, string | number | boolean | undefined>): Attributes {
    const out: Attributes = {};
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      out[key] = typeof value === "string" ? this.redact(value) : value;
    }
    return out;
  }

  private start(name: string, at: number, parent: Span | undefined, attributes: Attributes): Span {
    const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : otelContext.active();
    return this.tracer.startSpan(this.redact(name), { kind: SpanKind.INTERNAL, startTime: time(at), attributes }, ctx);
  }

  apply(event: TelemetryEvent, run: RunBuilder): void {
    switch (event.type) {
      case "run.started":
      case "run.resumed": {
        if (this.workflowSpan) return;
        const workflowId = event.type === "run.started" ? event.workflowId : run.workflowId ?? "workflow";
        this.workflowSpan = this.start(
          `invoke_workflow ${workflowId}`,
          event.at,
          undefined,
          this.attrs({
            "gen_ai.operation.name": "invoke_workflow",
            "hybrid.workflow.id": workflowId,
            "hybrid.run.id": event.runId,
            "hybrid.plan.hash": event.planHash,
            "hybrid.dispatch_mode": event.type === "run.started" ? event.mode : undefined,
            "hybrid.resumed": event.type === "run.resumed" ? true : undefined,
          }),
        );
        return;
      }
      case "wave.started":
        this.waveSpans.get(event.wave)?.end(time(event.at));
        this.waveSpans.set(
          event.wave,
          this.start(`wave ${event.wave}`, event.at, this.workflowSpan, {
            "hybrid.wave": event.wave,
            "hybrid.wave.node_count": event.nodeIds.length,
          }),
        );
        return;
      case "wave.completed": {
        const span = this.waveSpans.get(event.wave);
        if (!span) return;
        const failed = typeof event.failed === "number" ? event.failed : (event.failed?.length ?? 0);
        if (failed > 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `${failed} node(s) failed` });
        span.end(time(event.at));
        this.waveSpans.delete(event.wave);
        return;
      }
      case "node.dispatched": {
        const node = run.nodes.get(event.nodeId)!;
        const open = this.nodeSpans.get(event.nodeId);
        if (open) {
          open.setAttribute("hybrid.attempt", event.attempt);
          open.addEvent("hybrid.attempt.dispatched", { "hybrid.attempt": event.attempt }, time(event.at));
          return;
        }
        const parent = (node.wave !== undefined ? this.waveSpans.get(node.wave) : undefined) ?? this.workflowSpan;
        this.nodeSpans.set(
          event.nodeId,
          this.start(
            `invoke_agent ${event.agent}`,
            event.at,
            parent,
            this.attrs({
              "gen_ai.operation.name": "invoke_agent",
              "gen_ai.agent.name": event.agent,
              "hybrid.run.id": event.runId,
              "hybrid.node.id": event.nodeId,
              "hybrid.wave": node.wave,
              "hybrid.priority": node.priority,
              "hybrid.attempt": event.attempt,
            }),
          ),
        );
        return;
      }
      case "node.succeeded":
        return this.endNode(run.nodes.get(event.nodeId)!, event.at);
      case "node.failed": {
        const span = this.nodeSpans.get(event.nodeId);
        if (!span) return;
        const name = event.error.code ?? event.category ?? "Error";
        span.recordException({ name: this.redact(name), message: this.redact(event.error.message) }, time(event.at));
        if (event.final) this.endNode(run.nodes.get(event.nodeId)!, event.at);
        return;
      }
      case "node.timed-out":
        this.nodeSpans
          .get(event.nodeId)
          ?.addEvent("hybrid.timeout", { "hybrid.attempt": event.attempt, "hybrid.timeout_ms": event.timeoutMs }, time(event.at));
        return;
      case "node.retrying": {
        const error = typeof event.error === "string" ? event.error : event.error?.code ?? event.error?.message;
        this.nodeSpans.get(event.nodeId)?.addEvent(
          "hybrid.retry",
          this.attrs({
            "hybrid.attempt": event.attempt,
            "hybrid.next_attempt": event.nextAttempt,
            "hybrid.delay_ms": event.delayMs,
            "error.type": error,
          }),
          time(event.at),
        );
        return;
      }
      case "node.blocked":
        this.workflowSpan?.addEvent("hybrid.node.blocked", this.attrs({ "hybrid.node.id": event.nodeId }), time(event.at));
        return;
      case "breaker.changed":
        this.workflowSpan?.addEvent(
          "hybrid.breaker.changed",
          this.attrs({ "hybrid.breaker.key": event.key, "hybrid.breaker.from": event.from, "hybrid.breaker.to": event.to }),
          time(event.at),
        );
        return;
      default:
        return;
    }
  }

  private endNode(node: NodeState, at: number): void {
    const span = this.nodeSpans.get(node.id);
    if (!span) return;
    span.setAttributes({
      "gen_ai.usage.input_tokens": node.inputTokens,
      "gen_ai.usage.output_tokens": node.outputTokens,
      "hybrid.attempt": node.lastAttempt ?? node.attempts,
      "hybrid.attempts": node.attempts,
      "hybrid.cache.l2_hits": node.l2,
      "hybrid.cache.l3_hits": node.l3,
      "hybrid.node.status": node.status,
    });
    if (node.status !== "succeeded" && node.status !== "running" && node.status !== "pending") {
      span.setStatus({ code: SpanStatusCode.ERROR, message: this.redact(node.error?.message ?? node.status) });
    }
    span.end(time(at));
    this.nodeSpans.delete(node.id);
  }

  /** Ends whatever is still open at the run's end and records the run's metrics. */
  finish(record: RunRecord, run: RunBuilder): void {
    for (const id of [...this.nodeSpans.keys()]) this.endNode(run.nodes.get(id)!, record.endedAt);
    for (const span of this.waveSpans.values()) span.end(time(record.endedAt));
    this.waveSpans.clear();
    const m = record.metrics;
    const span = this.workflowSpan;
    if (span) {
      span.setAttributes(
        this.attrs({
          "hybrid.mode": record.mode,
          "hybrid.status": record.status,
          "hybrid.task_type": record.taskType,
          "hybrid.strategy_reason": record.strategyReason,
          "gen_ai.usage.input_tokens": m.token_input,
          "gen_ai.usage.output_tokens": m.token_output,
          "hybrid.tokens.savings_estimated": m.token_savings_estimated,
          "hybrid.wave_count": m.wave_count,
          "hybrid.parallelism_ratio": m.parallelism_ratio,
          "hybrid.critical_path_ms": m.critical_path_ms,
          "hybrid.cache.l2_hits": m.cache_hit_l2,
          "hybrid.cache.l3_hits": m.cache_hit_l3,
          "hybrid.retry_count": m.retry_count,
          "hybrid.failed_count": m.failed_count,
        }),
      );
      if (record.status !== "succeeded") {
        span.setStatus({ code: SpanStatusCode.ERROR, message: `run ${record.status}` });
      }
      span.end(time(record.endedAt));
      this.workflowSpan = undefined;
    }
    this.recordMetrics(record, run);
  }

  private recordMetrics(record: RunRecord, run: RunBuilder): void {
    const base = this.attrs({ "hybrid.mode": record.mode, "hybrid.task_type": record.taskType });
    this.instruments.runs.add(1, { ...base, "hybrid.status": record.status });
    this.instruments.runDuration.record(record.metrics.duration_ms, { ...base, "hybrid.status": record.status });
    for (const node of record.nodes) {
      const agent = this.attrs({ ...base, "gen_ai.agent.name": node.agent });
      if (node.inputTokens > 0) this.instruments.tokens.add(node.inputTokens, { ...agent, "gen_ai.token.type": "input" });
      if (node.outputTokens > 0) this.instruments.tokens.add(node.outputTokens, { ...agent, "gen_ai.token.type": "output" });
      const retries = run.nodes.get(node.id)?.retries ?? 0;
      if (retries > 0) this.instruments.retries.add(retries, agent);
      if (node.status === "failed" || node.status === "timed-out") {
        this.instruments.nodeFailures.add(1, { ...agent, "hybrid.node.status": node.status });
      }
      if (node.startedAt !== undefined && node.endedAt !== undefined) {
        this.instruments.nodeDuration.record(node.endedAt - node.startedAt, { ...agent, "hybrid.node.status": node.status });
      }
    }
  }
}
