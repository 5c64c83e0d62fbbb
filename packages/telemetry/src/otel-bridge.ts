import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context as otelContext, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import type { TelemetryEvent, TelemetryEventOf } from "./event-schema.js";
import { nodeErrorType, recordRunMetrics, type Instruments } from "./otel-metrics.js";
import type { Redact } from "./redact.js";
import type { NodeState, RunBuilder } from "./run-builder.js";
import type { RunRecord } from "./run-record.js";
import { ATTR, ERROR_TYPE, OPERATION, errorType } from "./semconv.js";

// OpenTelemetry reads a small number as an offset from the process's time origin; a Date is
// always taken as wall-clock epoch time, which is what event timestamps are.
const time = (at: number): Date => new Date(at);

/**
 * Mirrors one run's events as OpenTelemetry spans (`invoke_workflow` → `wave` → `invoke_agent`, and
 * `retrieval` for context lookups), named and attributed after the GenAI conventions (see
 * semconv.ts), timed by the events' own timestamps, and records the run's metrics when it finishes.
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
    /** `gen_ai.provider.name` when a node's events name none. */
    private readonly providerName: string,
  ) {}

  private provider(node: { provider?: string | undefined } | undefined): string {
    return node?.provider ?? this.providerName;
  }

  private attrs(values: Record<string, string | number | boolean | undefined>): Attributes {
    const out: Attributes = {};
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      out[key] = typeof value === "string" ? this.redact(value) : value;
    }
    return out;
  }

  private start(name: string, at: number, parent: Span | undefined, attributes: Attributes, kind = SpanKind.INTERNAL): Span {
    const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : otelContext.active();
    return this.tracer.startSpan(this.redact(name), { kind, startTime: time(at), attributes }, ctx);
  }

  /** The innermost open span a node's work belongs to: its agent span, its wave, or the workflow. */
  private parentOf(nodeId: string | undefined, run: RunBuilder): Span | undefined {
    if (nodeId === undefined) return this.workflowSpan;
    const wave = run.nodes.get(nodeId)?.wave;
    return this.nodeSpans.get(nodeId) ?? (wave === undefined ? undefined : this.waveSpans.get(wave)) ?? this.workflowSpan;
  }

  /**
   * A context lookup as a `retrieval {data source}` span (a client call in the conventions' terms).
   * The data source is the context provider that looked it up (`docs`, `github-comments`), else its tier.
   */
  private retrieval(event: TelemetryEventOf<"context.cache"> | TelemetryEventOf<"context.fallback">, run: RunBuilder): void {
    const fallback = event.type === "context.fallback";
    const source = event.provider ?? event.tier;
    const span = this.start(
      `${OPERATION.retrieval} ${source}`,
      event.at - (event.durationMs ?? 0),
      this.parentOf(event.nodeId, run),
      this.attrs({
        [ATTR.operationName]: OPERATION.retrieval,
        [ATTR.dataSourceId]: source,
        "hybrid.context.tier": event.tier,
        "hybrid.context.source": event.source,
        "hybrid.context.cache_hit": event.type === "context.cache" ? event.hit : undefined,
        "hybrid.context.stale": event.type === "context.fallback" ? event.stale : undefined,
        "hybrid.node.id": event.nodeId,
        "hybrid.run.id": event.runId,
        [ATTR.errorType]: fallback ? ERROR_TYPE.contextFallback : undefined,
      }),
      SpanKind.CLIENT,
    );
    // The reason is free text (a path, an HTTP message): it goes to the status, redacted, never to error.type.
    if (fallback) span.setStatus({ code: SpanStatusCode.ERROR, message: this.redact(event.reason ?? "source could not be read") });
    span.end(time(event.at));
  }

  apply(event: TelemetryEvent, run: RunBuilder): void {
    switch (event.type) {
      case "run.started":
      case "run.resumed": {
        if (this.workflowSpan) return;
        const workflowId = event.type === "run.started" ? event.workflowId : (run.workflowId ?? "workflow");
        this.workflowSpan = this.start(
          `${OPERATION.invokeWorkflow} ${workflowId}`,
          event.at,
          undefined,
          this.attrs({
            [ATTR.operationName]: OPERATION.invokeWorkflow,
            [ATTR.workflowName]: workflowId,
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
            `${OPERATION.invokeAgent} ${event.agent}`,
            event.at,
            parent,
            this.attrs({
              [ATTR.operationName]: OPERATION.invokeAgent,
              [ATTR.providerName]: this.provider(node),
              [ATTR.agentName]: event.agent,
              [ATTR.requestModel]: node.model,
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
        // Only an error code can be an error.type; a message (or a bare string) is free text.
        const code = typeof event.error === "object" ? event.error.code : undefined;
        this.nodeSpans.get(event.nodeId)?.addEvent(
          "hybrid.retry",
          this.attrs({
            "hybrid.attempt": event.attempt,
            "hybrid.next_attempt": event.nextAttempt,
            "hybrid.delay_ms": event.delayMs,
            [ATTR.errorType]: errorType(code),
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
      case "context.cache":
      case "context.fallback":
        return this.retrieval(event, run);
      default:
        return;
    }
  }

  private endNode(node: NodeState, at: number): void {
    const span = this.nodeSpans.get(node.id);
    if (!span) return;
    span.setAttributes({
      [ATTR.inputTokens]: node.inputTokens,
      [ATTR.outputTokens]: node.outputTokens,
      "hybrid.attempt": node.lastAttempt ?? node.attempts,
      "hybrid.attempts": node.attempts,
      "hybrid.cache.l2_hits": node.l2,
      "hybrid.cache.l3_hits": node.l3,
      "hybrid.node.status": node.status,
    });
    if (node.status !== "succeeded" && node.status !== "running" && node.status !== "pending") {
      span.setAttribute(ATTR.errorType, nodeErrorType(node));
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
          [ATTR.inputTokens]: m.token_input,
          [ATTR.outputTokens]: m.token_output,
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
        span.setAttribute(ATTR.errorType, record.status);
        span.setStatus({ code: SpanStatusCode.ERROR, message: `run ${record.status}` });
      }
      span.end(time(record.endedAt));
      this.workflowSpan = undefined;
    }
    recordRunMetrics(this.instruments, record, run, (node) => this.provider(node), this.redact);
  }
}
