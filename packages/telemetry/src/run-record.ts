import { z } from "zod";

/** Metrics every run record carries; each is defined in the package README. */
export const REQUIRED_METRICS = [
  "token_input",
  "token_output",
  "token_savings_estimated",
  "wave_count",
  "parallelism_ratio",
  "critical_path_ms",
  "cache_hit_l2",
  "cache_hit_l3",
  "duration_ms",
  "node_count",
  "failed_count",
  "retry_count",
] as const;
export type RequiredMetric = (typeof REQUIRED_METRICS)[number];

const metric = z.number().finite();

/** The required run metrics; all present on every record. */
export const RunMetricsSchema = z.object({
  token_input: metric.nonnegative(),
  token_output: metric.nonnegative(),
  token_savings_estimated: metric,
  wave_count: metric.int().nonnegative(),
  parallelism_ratio: metric.nonnegative(),
  critical_path_ms: metric.nonnegative(),
  cache_hit_l2: metric.int().nonnegative(),
  cache_hit_l3: metric.int().nonnegative(),
  duration_ms: metric.nonnegative(),
  node_count: metric.int().nonnegative(),
  failed_count: metric.int().nonnegative(),
  retry_count: metric.int().nonnegative(),
});

/** Final state of a node within a run. */
export const NODE_STATUSES = ["succeeded", "failed", "timed-out", "blocked", "running", "pending"] as const;
/** Final state of a run; `incomplete` when `finish()` came before `run.completed`. */
export const RUN_STATUSES = ["succeeded", "failed", "aborted", "incomplete"] as const;

export const NodeRecordSchema = z.object({
  id: z.string().min(1),
  agent: z.string(),
  priority: z.string().optional(),
  wave: z.number().int().nonnegative().optional(),
  dependsOn: z.array(z.string()),
  /** Attempts dispatched (0 for a node that never ran). */
  attempts: z.number().int().nonnegative(),
  status: z.enum(NODE_STATUSES),
  /** First dispatch, epoch ms. */
  startedAt: z.number().optional(),
  /** Final terminal event, epoch ms. */
  endedAt: z.number().optional(),
  /** Σ of attempt durations (dispatch → terminal event), ms. */
  busyMs: z.number().nonnegative(),
  /** Tokens the runner reported as input. */
  inputTokens: z.number().nonnegative(),
  /** Composed prompt tokens (`context.composed`), else the runner's input tokens. */
  promptTokens: z.number().nonnegative(),
  outputTokens: z.number().nonnegative(),
  /** Full-context baseline tokens; equals `promptTokens` when no composition was reported. */
  baselineTokens: z.number().nonnegative(),
  cacheHits: z.object({ l2: z.number().int().nonnegative(), l3: z.number().int().nonnegative() }),
  /** `context.cache` misses attributed to this node (absent in records written before they were kept). */
  cacheMisses: z.object({ l2: z.number().int().nonnegative(), l3: z.number().int().nonnegative() }).optional(),
  /** `context.fallback` events attributed to this node: sources that could not be read. */
  contextFallbacks: z.number().int().nonnegative().optional(),
  /** `gen_ai.provider.name` of the node's runner, when its events named it. */
  provider: z.string().optional(),
  /** The model requested, when its events named it. */
  model: z.string().optional(),
  handoffUrl: z.string().optional(),
  blockedBy: z.array(z.string()).optional(),
  /** The last failure (message redacted), when the node failed or timed out. */
  error: z
    .object({ code: z.string().optional(), category: z.string().optional(), message: z.string() })
    .optional(),
});

export const GateRecordSchema = z.object({
  id: z.string(),
  stage: z.string(),
  node: z.string().optional(),
  decision: z.enum(["pass", "fail", "bypass", "warn"]),
  at: z.number().optional(),
  reason: z.string().optional(),
});

/** How the run went (hybrid or sequential) from its start, and each change during it, with why. */
export const StrategyChangeSchema = z.object({
  at: z.number(),
  strategy: z.enum(["hybrid", "sequential"]),
  reason: z.string(),
  /** For a change during the run: the wave after which it took effect. */
  wave: z.number().int().nonnegative().optional(),
});

export const WaveRecordSchema = z.object({
  wave: z.number().int().nonnegative(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  nodeIds: z.array(z.string()),
});

export const BreakerChangeSchema = z.object({ at: z.number(), key: z.string(), from: z.string(), to: z.string() });

/** One run, written once when it finishes. Versioned; readers reject other versions. */
export const RunRecordSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  workflowId: z.string().min(1),
  taskType: z.string().min(1),
  /** What ran: the plain sequential mode or the hybrid (graph) mode. */
  mode: z.enum(["sequential", "hybrid"]),
  /** The dispatcher's mode from `run.started`. */
  dispatchMode: z.enum(["wave", "eager", "sequential"]).optional(),
  startedAt: z.number().nonnegative(),
  endedAt: z.number().nonnegative(),
  status: z.enum(RUN_STATUSES),
  flags: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])),
  strategyReason: z.string(),
  planHash: z.string(),
  workflowContentHash: z.string(),
  /** Hash of the run's effective config; determinism is judged per content hash + config. */
  configHash: z.string().optional(),
  /** True when the runner was seeded (simulated or replayed), so dispatch order must be stable. */
  seeded: z.boolean(),
  runnerSeed: z.union([z.number(), z.string()]).optional(),
  resumedFrom: z.string().optional(),
  /** For resumed runs: true when the resumed run completed successfully. */
  recovered: z.boolean().optional(),
  nodes: z.array(NodeRecordSchema),
  /** Node ids in order of first dispatch. */
  dispatchOrder: z.array(z.string()),
  /** Longest path by actual durations, node ids from source to sink. */
  criticalPath: z.array(z.string()),
  waves: z.array(WaveRecordSchema),
  gates: z.array(GateRecordSchema),
  /** The orchestrator's strategy events (absent when none were reported). */
  strategyChanges: z.array(StrategyChangeSchema).optional(),
  breakers: z.array(BreakerChangeSchema),
  /** Redaction findings counted by kind; never the text. */
  redactions: z.record(z.string(), z.number().int().nonnegative()),
  /** Events that were of a known type but did not parse, counted (their content is not kept). */
  droppedEvents: z.number().int().nonnegative(),
  /** Context lookups of the run: misses and fallbacks (hits are in `metrics`), and events that named no node. */
  context: z
    .object({
      cacheMisses: z.object({ l2: z.number().int().nonnegative(), l3: z.number().int().nonnegative() }),
      fallbacks: z.number().int().nonnegative(),
      unattributed: z.number().int().nonnegative(),
    })
    .optional(),
  metrics: RunMetricsSchema,
});

export type RunRecord = z.output<typeof RunRecordSchema>;
export type RunRecordInput = z.input<typeof RunRecordSchema>;
export type RunMetrics = z.output<typeof RunMetricsSchema>;
export type NodeRecord = z.output<typeof NodeRecordSchema>;
export type GateRecord = z.output<typeof GateRecordSchema>;
export type WaveRecord = z.output<typeof WaveRecordSchema>;
export type RunMode = RunRecord["mode"];
export type RunStatus = RunRecord["status"];
export type NodeStatus = NodeRecord["status"];
