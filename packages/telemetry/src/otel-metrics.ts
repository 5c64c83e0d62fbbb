import type { Attributes, Counter, Histogram, Meter } from "@opentelemetry/api";
import type { Redact } from "./redact.js";
import type { RunBuilder } from "./run-builder.js";
import type { NodeRecord, RunRecord } from "./run-record.js";
import { ATTR, DURATION_BUCKETS, METRIC_NAMES, OPERATION, TOKEN_BUCKETS, TOKEN_TYPE, errorType } from "./semconv.js";

/** The instruments of one meter, created once per `createTelemetry`. */
export interface Instruments {
  genAiTokenUsage: Histogram;
  genAiOperationDuration: Histogram;
  tokens: Counter;
  runs: Counter;
  nodeFailures: Counter;
  retries: Counter;
  nodeDuration: Histogram;
  runDuration: Histogram;
}

export function createInstruments(meter: Meter): Instruments {
  return {
    genAiTokenUsage: meter.createHistogram(METRIC_NAMES.genAiTokenUsage, {
      description: "Number of input and output tokens used per agent invocation",
      unit: "{token}",
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    }),
    genAiOperationDuration: meter.createHistogram(METRIC_NAMES.genAiOperationDuration, {
      description: "Duration of agent invocations and workflows",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
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

const failed = (node: NodeRecord): boolean => node.status === "failed" || node.status === "timed-out";

/** The `error.type` of a node's final failure: its failure category, else `timeout` for a timeout, else `_OTHER`. */
export function nodeErrorType(node: Pick<NodeRecord, "status" | "error">): string {
  return errorType(node.error?.category ?? (node.status === "timed-out" ? "timeout" : undefined));
}

/**
 * Records one finished run: the GenAI histograms (token usage per agent invocation and type,
 * durations of invocations and of the workflow, in seconds) next to the hybrid.* counters.
 */
export function recordRunMetrics(
  instruments: Instruments,
  record: RunRecord,
  run: RunBuilder,
  providerOf: (node: NodeRecord) => string,
  redact: Redact,
): void {
  const text = (value: string) => redact(value);
  const base: Attributes = { "hybrid.mode": record.mode, "hybrid.task_type": text(record.taskType) };
  instruments.runs.add(1, { ...base, "hybrid.status": record.status });
  instruments.runDuration.record(record.metrics.duration_ms, { ...base, "hybrid.status": record.status });
  instruments.genAiOperationDuration.record(record.metrics.duration_ms / 1000, {
    ...base,
    [ATTR.operationName]: OPERATION.invokeWorkflow,
    [ATTR.workflowName]: text(record.workflowId),
    ...(record.status === "succeeded" ? {} : { [ATTR.errorType]: record.status }),
  });
  for (const node of record.nodes) {
    const agent: Attributes = { ...base, [ATTR.agentName]: text(node.agent) };
    const genAi: Attributes = {
      ...agent,
      [ATTR.operationName]: OPERATION.invokeAgent,
      [ATTR.providerName]: text(providerOf(node)),
      ...(node.model === undefined ? {} : { [ATTR.requestModel]: text(node.model) }),
    };
    if (node.inputTokens > 0) instruments.tokens.add(node.inputTokens, { ...agent, [ATTR.tokenType]: TOKEN_TYPE.input });
    if (node.outputTokens > 0) instruments.tokens.add(node.outputTokens, { ...agent, [ATTR.tokenType]: TOKEN_TYPE.output });
    if (node.status === "succeeded") {
      // Token counts are reported with a success; a failed invocation has none to record.
      instruments.genAiTokenUsage.record(node.inputTokens, { ...genAi, [ATTR.tokenType]: TOKEN_TYPE.input });
      instruments.genAiTokenUsage.record(node.outputTokens, { ...genAi, [ATTR.tokenType]: TOKEN_TYPE.output });
    }
    const retries = run.nodes.get(node.id)?.retries ?? 0;
    if (retries > 0) instruments.retries.add(retries, agent);
    if (failed(node)) instruments.nodeFailures.add(1, { ...agent, "hybrid.node.status": node.status });
    if (node.startedAt !== undefined && node.endedAt !== undefined) {
      const ms = node.endedAt - node.startedAt;
      instruments.nodeDuration.record(ms, { ...agent, "hybrid.node.status": node.status });
      instruments.genAiOperationDuration.record(ms / 1000, {
        ...genAi,
        ...(failed(node) ? { [ATTR.errorType]: nodeErrorType(node) } : {}),
      });
    }
  }
}
