// The journal's event vocabulary: one zod schema per event type, in one place. dispatch writes these
// events (and emits them to listeners), replay and the post-mortem read them, `docs/journal.md`
// specifies them. A change of meaning bumps JOURNAL_FORMAT_VERSION (journal-format.ts).
import { z } from "zod";
import { BreakerStateSchema } from "./circuit-breaker.js";
import { InvalidJournalEventError } from "./errors.js";
import { toIssues } from "./zod-issues.js";

const nonEmpty = z.string().min(1);
const count = z.number().int().nonnegative();
const attempt = z.number().int().min(1);
const ms = z.number().finite().nonnegative();
const base = { runId: nonEmpty, at: z.number().finite() };
const nodeBase = { ...base, nodeId: nonEmpty, agent: z.string() };
const breakers = z.record(z.string(), BreakerStateSchema);
const digests = z.record(z.string(), z.string());

/** Why a node failed for good. */
export const FailureCategorySchema = z.enum([
  "timeout",
  "transient-exhausted",
  "permanent",
  "breaker-open",
  "dependency-failed",
  "gate-failed",
  "needs-review",
  "needs-escalation",
]);
/** Why a node failed for good: the one category vocabulary of hybrid. */
export type FailureCategory = z.infer<typeof FailureCategorySchema>;

/** A serialisable, redacted error: the one error shape of hybrid (journal, outcomes, post-mortem). */
export const ErrorInfoSchema = z.strictObject({
  /** The error's stable code, when it has one (`timeout`, `command-failed`, `invalid-result`…). */
  code: z.string().optional(),
  message: z.string(),
  /** A command's exit code (absent when it was killed by a signal). */
  exitCode: z.number().int().optional(),
  /** The signal that killed a command. */
  signal: z.string().optional(),
  /** The last bytes of a command's stderr. */
  stderrTail: z.string().optional(),
});
/** A serialisable, redacted error. */
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

/** Tokens an attempt consumed; absent in an event when the runner did not know them. */
export const TokenUsageSchema = z.strictObject({ input: count, output: count });

/** A plan node as `run.started` / `run.resumed` record it. */
export const JournalNodeSchema = z.strictObject({
  id: nonEmpty,
  agent: z.string(),
  priority: z.string(),
  wave: count,
  dependsOn: z.array(nonEmpty),
  specHash: nonEmpty,
});
/** A plan node as the journal records it. */
export type JournalNode = z.infer<typeof JournalNodeSchema>;

/** The scheduling modes a run can be journaled with. */
export const RunModeSchema = z.enum(["wave", "eager"]);

/** An agent's OS process, as `node.spawned` records it. */
export const AgentProcessSchema = z.strictObject({
  pid: z.number().int().positive(),
  pgid: z.number().int().positive(),
  hostname: z.string(),
  startTime: z.string().optional(),
});

const schemas = {
  /** A new run: the plan it runs, how, and the state it starts from. */
  "run.started": z.strictObject({
    type: z.literal("run.started"),
    ...base,
    planHash: nonEmpty,
    workflowId: nonEmpty,
    taskType: z.string().optional(),
    mode: RunModeSchema,
    /** Seed of the run's retry jitter: a resume draws the same delays. */
    seed: z.number().int(),
    nodes: z.array(JournalNodeSchema),
    breakers,
  }),
  /** Another process continues the run: the plan it continues with, and how. */
  "run.resumed": z.strictObject({
    type: z.literal("run.resumed"),
    ...base,
    planHash: nonEmpty,
    workflowId: nonEmpty,
    taskType: z.string().optional(),
    /** The plan changed and the resume was forced: only outputs still valid for it are kept. */
    forced: z.boolean(),
    /** Failed nodes (and what they blocked) were put back to run. */
    retryFailed: z.boolean(),
    mode: RunModeSchema,
    nodes: z.array(JournalNodeSchema),
    breakers,
  }),
  "wave.started": z.strictObject({ type: z.literal("wave.started"), ...base, wave: count, nodeIds: z.array(nonEmpty) }),
  "wave.completed": z.strictObject({
    type: z.literal("wave.completed"),
    ...base,
    wave: count,
    succeeded: count,
    failed: count,
    blocked: count,
  }),
  /** An attempt is about to run (journaled before the runner is called). */
  "node.dispatched": z.strictObject({
    type: z.literal("node.dispatched"),
    ...nodeBase,
    priority: z.string(),
    wave: count,
    attempt,
    idempotencyKey: nonEmpty,
    specHash: nonEmpty,
    /** Digest of each dependency's output the attempt is prepared from. */
    inputs: digests,
  }),
  /** The attempt's agent runs as this OS process group; a resume stops it if it outlived its orchestrator. */
  "node.spawned": z.strictObject({ type: z.literal("node.spawned"), ...nodeBase, attempt, process: AgentProcessSchema }),
  /** A resume stopped (or found gone) a process group left behind by a dead orchestrator. */
  "node.reaped": z.strictObject({
    type: z.literal("node.reaped"),
    ...nodeBase,
    attempt,
    process: AgentProcessSchema,
    outcome: z.enum(["stopped", "gone"]),
  }),
  "node.succeeded": z.strictObject({
    type: z.literal("node.succeeded"),
    ...nodeBase,
    attempt,
    /** The (redacted) output, handed to dependents' prompts, also after a resume. */
    output: z.string(),
    /** `sha256:<hex>` of `output` as stored. */
    outputDigest: nonEmpty,
    /** The store's redactor changed the output. */
    outputRedacted: z.boolean().optional(),
    /** The spec this output was produced from. */
    specHash: nonEmpty,
    /** Digest of each dependency's output the node was prepared from: reuse needs the same ones. */
    inputs: digests,
    tokens: TokenUsageSchema.optional(),
    startedAt: z.number().finite(),
    durationMs: ms,
  }),
  "node.failed": z.strictObject({
    type: z.literal("node.failed"),
    ...nodeBase,
    attempt,
    /** No further attempt in this process; the failure stands on resume unless something changed. */
    final: z.boolean(),
    category: FailureCategorySchema.optional(),
    error: ErrorInfoSchema,
    specHash: nonEmpty,
    inputs: digests,
  }),
  "node.timed-out": z.strictObject({ type: z.literal("node.timed-out"), ...nodeBase, attempt, timeoutMs: ms }),
  "node.retrying": z.strictObject({
    type: z.literal("node.retrying"),
    ...nodeBase,
    attempt,
    nextAttempt: attempt,
    delayMs: ms,
    error: ErrorInfoSchema,
  }),
  /** The agent's circuit breaker is open: the node waits (it is not failed) until a probe may run. */
  "node.waiting": z.strictObject({
    type: z.literal("node.waiting"),
    ...nodeBase,
    attempt,
    breaker: z.string(),
    /** Time until the breaker lets a probe through; absent while another node's probe is running. */
    retryAfterMs: ms.optional(),
  }),
  "node.blocked": z.strictObject({ type: z.literal("node.blocked"), ...nodeBase, blockedBy: nonEmpty }),
  "breaker.changed": z.strictObject({
    type: z.literal("breaker.changed"),
    ...base,
    key: z.string(),
    from: BreakerStateSchema.shape.state,
    to: BreakerStateSchema.shape.state,
    state: BreakerStateSchema,
  }),
  "handoff.recorded": z.strictObject({ type: z.literal("handoff.recorded"), ...nodeBase, idempotencyKey: nonEmpty, url: nonEmpty }),
  /** A handoff sink failed or timed out; the node's success stands. */
  "handoff.failed": z.strictObject({ type: z.literal("handoff.failed"), ...nodeBase, idempotencyKey: nonEmpty, error: ErrorInfoSchema }),
  /** How the orchestrator runs this run (hybrid or sequential, and why), at its start and when a flag changes it. */
  "run.strategy": z.strictObject({
    type: z.literal("run.strategy"),
    ...base,
    strategy: z.enum(["hybrid", "sequential"]),
    /** Why (`hybrid`, `flag-off`, `kill-switch`, `not-in-rollout`, …). */
    reason: z.string().min(1),
    /** Nodes in parallel under caps, and prompts from the memory hierarchy. */
    parallel: z.boolean(),
    memory: z.boolean(),
    /** For a change during the run: the wave after which it took effect. */
    wave: count.optional(),
  }),
  /** A quality gate's decision; `fail` stops the transition, `bypass` is a disabled gate that would have failed. */
  "gate.evaluated": z.strictObject({
    type: z.literal("gate.evaluated"),
    ...base,
    gateId: z.string().min(1),
    stage: z.string().min(1),
    nodeId: nonEmpty.optional(),
    decision: z.enum(["pass", "fail", "bypass"]),
    reason: z.string().optional(),
  }),
  "run.completed": z.strictObject({
    type: z.literal("run.completed"),
    ...base,
    status: z.enum(["succeeded", "failed", "aborted"]),
    counts: z.strictObject({ total: count, succeeded: count, failed: count, blocked: count, skipped: count }),
  }),
} as const;

type Schemas = typeof schemas;
/** Every journal event type. */
export type JournalEventType = keyof Schemas;
/** The event of one type. */
export type JournalEventOf<T extends JournalEventType> = z.infer<Schemas[T]>;
/** Any journal event: a discriminated union on `type`. */
export type JournalEvent = { [T in JournalEventType]: JournalEventOf<T> }[JournalEventType];

/** The names of every event type, in the order `docs/journal.md` lists them. */
export const JOURNAL_EVENT_TYPES = Object.freeze(Object.keys(schemas)) as readonly JournalEventType[];

/** Validates any journal event; an unknown type is invalid (the vocabulary is closed per format version). */
export const JournalEventSchema = z.discriminatedUnion(
  "type",
  Object.values(schemas) as unknown as [Schemas[JournalEventType], ...Schemas[JournalEventType][]],
);

/**
 * Parses an event, throwing our error with the path of each problem.
 * @throws InvalidJournalEventError
 */
export function parseJournalEvent(value: unknown): JournalEvent {
  const result = JournalEventSchema.safeParse(value);
  if (!result.success) {
    const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
    throw new InvalidJournalEventError(typeof type === "string" ? type : undefined, toIssues(result.error), {
      cause: result.error,
    });
  }
  return result.data as JournalEvent;
}
