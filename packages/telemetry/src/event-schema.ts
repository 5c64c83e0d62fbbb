import { z } from "zod";

// Telemetry reads other packages' events as plain data: it imports neither @hybrid/dispatch nor
// @hybrid/context. Objects are loose (extra fields pass through untouched) so that producers can
// grow their events without breaking telemetry; fields telemetry does not use are optional.

// Dispatch stamps events in epoch ms; the context providers stamp ISO 8601 strings. Both are
// accepted and normalised to epoch ms, so every producer's clock format works.
const at = z.union([
  z.number().finite().nonnegative(),
  z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
]);
const runId = z.string().min(1);
const nodeId = z.string().min(1);
const agent = z.string().min(1);
const attempt = z.number().int().nonnegative();
const count = z.number().finite().nonnegative();
/** Who serves the agent's model (`gen_ai.provider.name`, e.g. `openai`), when the runner knows. */
const provider = z.string().min(1).optional();
/** The model requested (`gen_ai.request.model`), when the runner knows. */
const model = z.string().min(1).optional();

/** Node of the plan as announced by `run.started`. */
export const StartedNodeSchema = z.looseObject({
  id: nodeId,
  agent,
  priority: z.string().min(1).optional(),
  wave: z.number().int().nonnegative().optional(),
  dependsOn: z.array(z.string()).default([]),
  specHash: z.string().optional(),
});

const ErrorInfoSchema = z.looseObject({
  code: z.string().optional(),
  message: z.string().default(""),
  exitCode: z.number().nullable().optional(),
  stderrTail: z.string().optional(),
});

const TokensSchema = z.looseObject({ input: count.default(0), output: count.default(0) });

export const RunStartedEventSchema = z.looseObject({
  type: z.literal("run.started"),
  runId,
  at,
  planHash: z.string().default(""),
  workflowId: z.string().min(1),
  taskType: z.string().optional(),
  mode: z.enum(["wave", "eager", "sequential"]),
  nodes: z.array(StartedNodeSchema).default([]),
});
export const WaveStartedEventSchema = z.looseObject({
  type: z.literal("wave.started"),
  runId,
  at,
  wave: z.number().int().nonnegative(),
  nodeIds: z.array(z.string()).default([]),
});
export const WaveCompletedEventSchema = z.looseObject({
  type: z.literal("wave.completed"),
  runId,
  at,
  wave: z.number().int().nonnegative(),
  succeeded: z.union([count, z.array(z.string())]).optional(),
  failed: z.union([count, z.array(z.string())]).optional(),
  blocked: z.union([count, z.array(z.string())]).optional(),
});
export const NodeDispatchedEventSchema = z.looseObject({
  type: z.literal("node.dispatched"),
  runId,
  at,
  nodeId,
  agent,
  priority: z.string().optional(),
  wave: z.number().int().nonnegative().optional(),
  attempt,
  idempotencyKey: z.string().optional(),
  provider,
  model,
});
export const NodeSucceededEventSchema = z.looseObject({
  type: z.literal("node.succeeded"),
  runId,
  at,
  nodeId,
  agent,
  attempt,
  // The output text is accepted but never recorded: it is prompt-grade content.
  output: z.unknown().optional(),
  outputDigest: z.string().optional(),
  tokens: TokensSchema.default({ input: 0, output: 0 }),
  durationMs: count.optional(),
  /** When this attempt started; used when its dispatch was not seen (a resumed run's journal). */
  startedAt: at.optional(),
  provider,
  model,
});
export const NodeFailedEventSchema = z.looseObject({
  type: z.literal("node.failed"),
  runId,
  at,
  nodeId,
  agent,
  attempt,
  final: z.boolean(),
  category: z.string().optional(),
  error: ErrorInfoSchema.default({ message: "" }),
});
export const NodeTimedOutEventSchema = z.looseObject({
  type: z.literal("node.timed-out"),
  runId,
  at,
  nodeId,
  agent,
  attempt,
  timeoutMs: count,
});
export const NodeRetryingEventSchema = z.looseObject({
  type: z.literal("node.retrying"),
  runId,
  at,
  nodeId,
  agent,
  attempt,
  nextAttempt: attempt,
  delayMs: count,
  error: z.union([ErrorInfoSchema, z.string()]).optional(),
});
export const NodeBlockedEventSchema = z.looseObject({
  type: z.literal("node.blocked"),
  runId,
  at,
  nodeId,
  agent: z.string().optional(),
  blockedBy: z.union([z.string(), z.array(z.string())]).optional(),
});
export const BreakerChangedEventSchema = z.looseObject({
  type: z.literal("breaker.changed"),
  runId,
  at,
  key: z.string(),
  from: z.string(),
  to: z.string(),
});
export const HandoffRecordedEventSchema = z.looseObject({
  type: z.literal("handoff.recorded"),
  runId,
  at,
  nodeId,
  agent: z.string().optional(),
  url: z.string(),
});
export const RunCompletedEventSchema = z.looseObject({
  type: z.literal("run.completed"),
  runId,
  at,
  status: z.enum(["succeeded", "failed", "aborted"]),
  counts: z.record(z.string(), z.unknown()).optional(),
});
export const RunResumedEventSchema = z.looseObject({
  type: z.literal("run.resumed"),
  runId,
  at,
  planHash: z.string().optional(),
  forced: z.boolean().optional(),
  nodes: z.array(StartedNodeSchema).optional(),
  /** The workflow resumed, so a resumed run can be recorded without its run.started. */
  workflowId: z.string().min(1).optional(),
  taskType: z.string().min(1).optional(),
  mode: z.enum(["wave", "eager", "sequential"]).optional(),
});
export const ContextCacheEventSchema = z.looseObject({
  type: z.literal("context.cache"),
  runId: z.string().optional(),
  at,
  tier: z.enum(["L2", "L3"]),
  hit: z.boolean(),
  /** The context provider that looked it up (`docs`, `github-comments`): the retrieval's data source. */
  provider: z.string().min(1).optional(),
  source: z.string().optional(),
  nodeId: z.string().optional(),
  /** How long the lookup (and the read, on a miss) took, when the provider measured it. */
  durationMs: count.optional(),
});
export const ContextFallbackEventSchema = z.looseObject({
  type: z.literal("context.fallback"),
  runId: z.string().optional(),
  at,
  tier: z.string(),
  provider: z.string().min(1).optional(),
  source: z.string().optional(),
  reason: z.string().optional(),
  nodeId: z.string().optional(),
  /** Whether a stale cached copy was used instead. */
  stale: z.boolean().optional(),
  durationMs: count.optional(),
});
export const ContextComposedEventSchema = z.looseObject({
  type: z.literal("context.composed"),
  runId: z.string().optional(),
  at,
  nodeId,
  promptTokens: count,
  baselineTokens: count.optional(),
  included: z.unknown().optional(),
  truncated: z.unknown().optional(),
  pruned: z.unknown().optional(),
  /** Findings counted by kind; the matched text is never part of the event. */
  redactions: z.record(z.string(), count).default({}),
});
export const GateEvaluatedEventSchema = z.looseObject({
  type: z.literal("gate.evaluated"),
  runId: z.string().optional(),
  at,
  gateId: z.string().min(1),
  stage: z.string(),
  nodeId: z.string().optional(),
  decision: z.enum(["pass", "fail", "bypass", "warn"]),
  reason: z.string().optional(),
});

/** The orchestrator's strategy at the start of a run, and a change during it (the kill switch). */
export const RunStrategyEventSchema = z.looseObject({
  type: z.literal("run.strategy"),
  runId: z.string().optional(),
  at,
  strategy: z.enum(["hybrid", "sequential"]),
  reason: z.string(),
  wave: z.number().int().nonnegative().optional(),
});

/**
 * Every event telemetry understands, as data: a discriminated union on `type`, tolerant of extra
 * fields. Events of other types are not part of the union; `createTelemetry().handle` ignores them.
 */
export const TelemetryEventSchema = z.discriminatedUnion("type", [
  RunStartedEventSchema,
  WaveStartedEventSchema,
  WaveCompletedEventSchema,
  NodeDispatchedEventSchema,
  NodeSucceededEventSchema,
  NodeFailedEventSchema,
  NodeTimedOutEventSchema,
  NodeRetryingEventSchema,
  NodeBlockedEventSchema,
  BreakerChangedEventSchema,
  HandoffRecordedEventSchema,
  RunCompletedEventSchema,
  RunResumedEventSchema,
  ContextCacheEventSchema,
  ContextFallbackEventSchema,
  RunStrategyEventSchema,
  ContextComposedEventSchema,
  GateEvaluatedEventSchema,
]);

/** The `type` values telemetry consumes. */
export const TELEMETRY_EVENT_TYPES = TelemetryEventSchema.options.map((o) => o.shape.type.value);

/** A parsed event (output of `TelemetryEventSchema`). */
export type TelemetryEvent = z.output<typeof TelemetryEventSchema>;
/** An event as a producer may send it (defaults not yet applied). */
export type TelemetryEventInput = z.input<typeof TelemetryEventSchema>;
/** The event of one `type`. */
export type TelemetryEventOf<T extends TelemetryEvent["type"]> = Extract<TelemetryEvent, { type: T }>;
