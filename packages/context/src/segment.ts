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
  /** ISO 8601 time the content was created; newer wins ties. */
  createdAt?: string;
}

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

/** What providers are asked for: one node of one run. */
export interface ContextRequest {
  node: WorkItem;
  blockers?: readonly Blocker[];
  upstream?: readonly UpstreamOutput[];
  runId?: string;
  signal?: AbortSignal;
}

/** A source of segments for one tier. Plain object; swap it in tests. */
export interface ContextProvider {
  readonly tier: Tier;
  /** Short name for logs (`work-item`, `github-comments`, `docs`). */
  readonly name: string;
  collect(request: ContextRequest): Promise<ContextSegment[]>;
}

/** Parses options through a zod schema, turning failures into `ContextOptionsError`. */
export function parseOptions<S extends z.ZodType>(what: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw fromZodError(what, result.error);
  return result.data;
}

/** Runs every provider for one request and concatenates their segments, in provider order. */
export async function loadContext(
  providers: readonly ContextProvider[],
  request: ContextRequest,
): Promise<ContextSegment[]> {
  const parts = await Promise.all(providers.map((provider) => provider.collect(request)));
  return parts.flat();
}
