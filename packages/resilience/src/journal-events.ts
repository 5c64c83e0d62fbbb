import { z } from "zod";
import { BreakerStateSchema } from "./circuit-breaker.js";
import { InvalidJournalEventError } from "./errors.js";
import { toIssues } from "./zod-issues.js";

// Every schema is loose (unknown fields pass through): the journal outlives the code that wrote it,
// and a newer writer may add fields an older reader must carry along untouched.
const base = { runId: z.string().min(1), at: z.number() };
const nodeBase = { ...base, nodeId: z.string().min(1), agent: z.string() };
const attempt = z.number().int().min(1);
const breakers = z.record(z.string(), BreakerStateSchema);

/** Why a node failed, for the post-mortem. */
export const FailureCategorySchema = z.enum([
  "timeout",
  "transient-exhausted",
  "permanent",
  "breaker-open",
  "dependency-failed",
  "gate-failed",
]);
/** Why a node failed, for the post-mortem. */
export type FailureCategory = z.infer<typeof FailureCategorySchema>;

/** The error part of a `node.failed` event. */
export const JournalErrorSchema = z.looseObject({
  code: z.string().optional(),
  message: z.string(),
  exitCode: z.number().optional(),
  stderrTail: z.string().optional(),
});

/** A plan node as recorded at the start of a run. */
export const JournalNodeSchema = z.looseObject({
  id: z.string().min(1),
  agent: z.string(),
  priority: z.string().optional(),
  wave: z.number().int().nonnegative().optional(),
  dependsOn: z.array(z.string()),
  specHash: z.string(),
});

const knownSchemas = {
  "run.started": z.looseObject({
    type: z.literal("run.started"),
    ...base,
    planHash: z.string(),
    workflowId: z.string(),
    nodes: z.array(JournalNodeSchema),
    breakers: breakers.optional(),
  }),
  "node.dispatched": z.looseObject({
    type: z.literal("node.dispatched"),
    ...nodeBase,
    attempt,
    idempotencyKey: z.string().min(1),
  }),
  "node.succeeded": z.looseObject({
    type: z.literal("node.succeeded"),
    ...nodeBase,
    attempt,
    output: z.string(),
    /** `sha256:<hex>` of `output`; a store fills it in when missing. */
    outputDigest: z.string().optional(),
    tokens: z.looseObject({ input: z.number().nonnegative(), output: z.number().nonnegative() }),
    durationMs: z.number().nonnegative(),
    specHash: z.string().optional(),
  }),
  "node.failed": z.looseObject({
    type: z.literal("node.failed"),
    ...nodeBase,
    attempt,
    final: z.boolean(),
    category: FailureCategorySchema.optional(),
    error: JournalErrorSchema,
  }),
  "node.timed-out": z.looseObject({ type: z.literal("node.timed-out"), ...nodeBase, attempt, timeoutMs: z.number() }),
  "node.retrying": z.looseObject({
    type: z.literal("node.retrying"),
    ...nodeBase,
    attempt,
    nextAttempt: attempt,
    delayMs: z.number().nonnegative(),
    error: z.unknown(),
  }),
  "node.blocked": z.looseObject({ type: z.literal("node.blocked"), ...nodeBase, blockedBy: z.string() }),
  "breaker.changed": z.looseObject({
    type: z.literal("breaker.changed"),
    ...base,
    key: z.string(),
    from: BreakerStateSchema.shape.state,
    to: BreakerStateSchema.shape.state,
    state: BreakerStateSchema,
  }),
  "breaker.snapshot": z.looseObject({ type: z.literal("breaker.snapshot"), ...base, breakers }),
  "run.completed": z.looseObject({
    type: z.literal("run.completed"),
    ...base,
    status: z.enum(["succeeded", "failed", "aborted"]),
    counts: z.record(z.string(), z.number()).optional(),
  }),
  "run.resumed": z.looseObject({
    type: z.literal("run.resumed"),
    ...base,
    planHash: z.string(),
    forced: z.boolean(),
    /** Nodes that had failed for good (and those they blocked) were put back to run again. */
    retryFailed: z.boolean().optional(),
    /** The current plan's nodes, so later replays know which spec a completion belongs to. */
    nodes: z.array(JournalNodeSchema).optional(),
    breakers: breakers.optional(),
  }),
} as const;

type Known = typeof knownSchemas;
/** Any journal event; unknown types pass through with their fields. */
export type JournalEvent = { type: string; at: number; runId: string; [key: string]: unknown };
/** The event of a given known type. */
export type JournalEventOf<T extends keyof Known> = z.infer<Known[T]>;
/** The known event vocabulary as a discriminated union on `type`. */
export type KnownJournalEvent = { [T in keyof Known]: z.infer<Known[T]> }[keyof Known];
/** The known event type names. */
export type JournalEventType = keyof Known;

/** Names of the known event types. */
export const JOURNAL_EVENT_TYPES = Object.keys(knownSchemas) as JournalEventType[];

/**
 * Validates an event: known types against their schema, unknown types only for `type`, `at`, `runId`.
 * Unknown fields pass through.
 */
export const JournalEventSchema = z
  .looseObject({ type: z.string().min(1), ...base })
  .superRefine((event, ctx) => {
    const schema = (knownSchemas as Record<string, z.ZodType>)[event.type];
    if (!schema) return;
    const result = schema.safeParse(event);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    }
  });

/** True when `event` is a known event of type `type` (a type guard for the discriminated union). */
export function isEventType<T extends JournalEventType>(event: JournalEvent, type: T): event is JournalEventOf<T> & JournalEvent {
  return event.type === type;
}

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
