import { z } from "zod";
import { fromZodError } from "./errors.js";

/** Memory tiers: L1 hot (the work item), L2 warm (handoffs), L3 cold (canonical files). */
export type Tier = "L1" | "L2" | "L3";

/** One piece of context with where it came from. */
export interface ContextSegment {
  /** Unique within one composition; used to report what was kept. */
  id: string;
  tier: Tier;
  /** URL or repository-relative path the text came from. */
  source: string;
  text: string;
  /** Higher goes in first among segments of the same tier weight. */
  priority: number;
  /** Pinned segments always go in, verbatim, or the composition fails. */
  pinned: boolean;
  /** ISO 8601 time with an offset (`Z` or `+02:00`) the content was created; the later instant wins ties. */
  createdAt?: string;
}

/** The schema of a `ContextSegment`, for providers that want to check what they yield. */
export const ContextSegmentSchema = z.object({
  id: z.string().min(1),
  tier: z.enum(["L1", "L2", "L3"]),
  source: z.string(),
  text: z.string(),
  priority: z.number().finite(),
  pinned: z.boolean(),
  createdAt: z.iso.datetime({ offset: true }).optional(),
});

const InstantSchema = z.iso.datetime({ offset: true });

/** Whether a text is an ISO 8601 time with an offset, as `createdAt` must be. */
export const isInstant = (text: string): boolean => InstantSchema.safeParse(text).success;

/** Milliseconds since the epoch of an ISO 8601 time, or -Infinity when absent (oldest). */
export const instantOf = (iso: string | undefined): number => {
  const ms = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isNaN(ms) ? -Infinity : ms;
};

/** A dependency that failed or is blocked; unresolved blockers are pinned into L1. */
export interface Blocker {
  nodeId: string;
  status: "failed" | "blocked";
  reason: string;
}

export const WorkItemSchema = z.object({
  id: z.string().min(1),
  agent: z.string().min(1),
  /** A priority class such as `security` or a number. */
  priority: z.union([z.string(), z.number()]),
  scope: z.string(),
  acceptance: z.array(z.string()),
  dependsOn: z.array(z.string()).default([]),
  inputs: z.array(z.string()).optional(),
  outputs: z.array(z.string()).optional(),
  issue: z
    .object({ owner: z.string().min(1), repo: z.string().min(1), number: z.number().int().positive() })
    .optional(),
  docs: z.array(z.string()).optional(),
});

/** The node spec a work item is built from (a `@hybrid/graph` `NodeSpec` fits). */
export type WorkItem = z.input<typeof WorkItemSchema>;

/** The output of an upstream node in this run, as handed to L2. */
export interface UpstreamOutput {
  nodeId: string;
  agent: string;
  output: string;
  /** 1 for a direct predecessor, 2 for its predecessors, and so on. */
  distance: number;
  /** ISO 8601 completion time; newer first among equals. */
  completedAt?: string;
  /** Where the handoff was recorded (a comment URL), if anywhere. */
  url?: string;
}

const BlockerSchema = z.object({
  nodeId: z.string().min(1),
  status: z.enum(["failed", "blocked"]),
  reason: z.string(),
});

const UpstreamOutputSchema = z.object({
  nodeId: z.string().min(1),
  agent: z.string().min(1),
  output: z.string(),
  distance: z.number().int().min(1),
  completedAt: z.iso.datetime({ offset: true }).optional(),
  url: z.string().optional(),
});

/** The schema of a `ContextRequest`; `loadContext` and the shipped providers check requests with it. */
export const ContextRequestSchema = z.object({
  node: WorkItemSchema,
  runId: z.string().min(1),
  blockers: z.array(BlockerSchema).optional(),
  upstream: z.array(UpstreamOutputSchema).optional(),
  signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal, "expected an AbortSignal").optional(),
});

/** What providers are asked for: one node of one run. Events name `runId` and `node.id`. */
export interface ContextRequest {
  node: WorkItem;
  /** The run this prompt is for; every event of the request carries it. */
  runId: string;
  blockers?: readonly Blocker[];
  upstream?: readonly UpstreamOutput[];
  signal?: AbortSignal;
}

/** A source of segments for one tier. Plain object; swap it in tests. */
export interface ContextProvider {
  /** Every segment it yields has this tier; `loadContext` rejects one that does not. */
  readonly tier: Tier;
  /** Short name for logs and events (`work-item`, `github-comments`, `docs`). */
  readonly name: string;
  /**
   * A prompt cannot do without it (the work item): when it fails, `loadContext` rejects instead of
   * falling back to nothing. @default false
   */
  readonly required?: boolean;
  collect(request: ContextRequest): Promise<ContextSegment[]>;
}

/** Checks a request; throws `ContextOptionsError` with the path of each problem (`upstream[2].completedAt`). */
export function checkRequest(request: ContextRequest): z.output<typeof ContextRequestSchema> {
  return parseOptions("context request", ContextRequestSchema, request);
}

/** Parses options through a zod schema, turning failures into `ContextOptionsError`. */
export function parseOptions<S extends z.ZodType>(what: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw fromZodError(what, result.error);
  return result.data;
}
