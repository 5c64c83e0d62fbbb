import { z } from "zod";

/** Node ids: unique, `[A-Za-z0-9][A-Za-z0-9._-]*`. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Priority classes, highest first in the default ready order. */
export const PRIORITIES = ["security", "architecture", "implementation", "docs"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** How a node that joins several branches treats a failed branch. */
export const JOIN_POLICIES = ["fail-fast", "merge-with-rules", "manual-escalation"] as const;
export type JoinPolicy = (typeof JOIN_POLICIES)[number];

export const NodeIdSchema = z.string().regex(NODE_ID_PATTERN);

// A `\uD800` escape without its pair (possible in JSON and double-quoted YAML) is not Unicode text:
// it cannot be written to a UTF-8 file, journal or comment, and RFC 8785 canonical JSON (the plan
// hash) refuses it. With the `u` flag, `\p{Cs}` matches only unpaired surrogates.
const LONE_SURROGATE = /\p{Cs}/u;

/** A string of valid Unicode text. */
const text = () =>
  z.string().refine((value) => !LONE_SURROGATE.test(value), {
    message: "contains an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair); write the character itself",
  });

export const PrioritySchema = z.enum(PRIORITIES);

/** The GitHub issue or pull request a node hands off on (its L2 source). */
export const IssueRefSchema = z.strictObject({
  owner: text().min(1),
  repo: text().min(1),
  number: z.number().int().positive(),
  /** @default "issue" */
  kind: z.enum(["issue", "pull"]).optional(),
});

export const JoinSchema = z.strictObject({
  policy: z.enum(JOIN_POLICIES),
  /** Free-text merge rules for `merge-with-rules`, shown to the joining agent. */
  rules: z.array(text().min(1)).optional(),
});

/** One work item of the plan. */
export const NodeSpecSchema = z.strictObject({
  id: NodeIdSchema,
  agent: text().trim().min(1),
  priority: PrioritySchema,
  scope: text().trim().min(1),
  /** Acceptance criteria; pinned into the agent's L1 context. */
  acceptance: z.array(text().trim().min(1)),
  /**
   * Ids this node depends on. Not pattern-checked here: a string that is no node's id is reported
   * as `unknown-dependency`, with suggestions, which is the more useful message.
   */
  dependsOn: z.array(z.string()),
  inputs: z.array(text().min(1)).optional(),
  outputs: z.array(text().min(1)).optional(),
  issue: IssueRefSchema.optional(),
  /** L3 targeted paths or globs, relative to the repository root. */
  docs: z.array(text().min(1)).optional(),
  /** Estimated duration, for planning the critical path. @default 1 (unit weight) */
  estimateMs: z.number().finite().nonnegative().optional(),
  /** Per-node timeout; overrides the run's policy. */
  timeoutMs: z.number().int().positive().optional(),
  /** Per-node attempt limit; overrides the run's retry policy. */
  maxAttempts: z.number().int().min(1).max(100).optional(),
  join: JoinSchema.optional(),
});

export const WorkflowSchema = z.strictObject({
  /** @default 1 */
  version: z.literal(1).default(1),
  /** Workflow id, used in run records. @default "workflow" (or the file's base name) */
  id: NodeIdSchema.default("workflow"),
  /** Telemetry breakdown key such as `feature` or `bugfix`. */
  taskType: text().trim().min(1).optional(),
  description: text().optional(),
  nodes: z.array(NodeSpecSchema).min(1),
});

export type NodeSpec = z.output<typeof NodeSpecSchema>;
export type NodeSpecInput = z.input<typeof NodeSpecSchema>;
export type IssueRef = z.output<typeof IssueRefSchema>;
export type WorkflowSpec = z.output<typeof WorkflowSchema>;
export type WorkflowInput = z.input<typeof WorkflowSchema>;
/** A workflow's own fields, without its nodes. */
export type WorkflowMeta = Omit<WorkflowSpec, "nodes">;

/** Field names per object, for "did you mean" on unknown fields. */
export const KNOWN_FIELDS = {
  workflow: Object.keys(WorkflowSchema.shape),
  node: Object.keys(NodeSpecSchema.shape),
  issue: Object.keys(IssueRefSchema.shape),
  join: Object.keys(JoinSchema.shape),
} as const;
