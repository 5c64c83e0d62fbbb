// The shape of `hybrid.config.yaml`: every knob with its default. Stage 0 is the default: hybrid
// disabled. `loadConfig` reads the file, the environment and an optional flag provider on top.
import { PRIORITIES } from "@hybrid/graph";
import { z } from "zod";

const positive = () => z.number().int().positive();
const nonNegative = () => z.number().int().nonnegative();

/** The three subsystem flags and the kill switch. */
export const FlagsSchema = z.strictObject({
  /** Hybrid at all; off → the sequential (legacy) orchestrator. @default false */
  hybrid_orchestration_enabled: z.boolean().default(false),
  /** Nodes in parallel under caps; off → one node at a time, still with tiered context. @default true */
  parallel_graph_enabled: z.boolean().default(true),
  /** Prompts from the memory hierarchy; off → the legacy full-history prompt. @default true */
  memory_hierarchy_enabled: z.boolean().default(true),
  /** Overrides everything: every run, and the rest of a running one, goes sequential. @default false */
  kill_switch: z.boolean().default(false),
});
/** The flags' names. */
export type FlagName = keyof z.output<typeof FlagsSchema>;
/** The flags' names, in the order they are documented. */
export const FLAG_NAMES = Object.keys(FlagsSchema.shape) as FlagName[];

/** The stages a rollout advances through, in order. */
export const ROLLOUT_STAGES = [0, 5, 25, 50, 100] as const;

/** Who gets hybrid. */
export const RolloutSchema = z.strictObject({
  /** Share of eligible workflows (or task types) in hybrid mode: one of 0, 5, 25, 50, 100. @default 0 */
  percentage: z.number().int().min(0).max(100).default(0),
  /** Mixed into the bucket hash: a new salt reshuffles who is in. @default "hybrid" */
  salt: z.string().min(1).default("hybrid"),
  /** What is bucketed: the workflow id, or its task type. @default "workflow" */
  by: z.enum(["workflow", "taskType"]).default("workflow"),
  /** Task types hybrid may run; empty = all. @default [] */
  eligibleTaskTypes: z.array(z.string().min(1)).default([]),
  /** Critical workflow ids that never run hybrid. @default [] */
  exclude: z.array(z.string().min(1)).default([]),
  /** Hours a stage must have lasted before `rolloutAdvance` may leave it, by the stage it leads to. @default { "25": 72, "50": 168 } */
  dwellHours: z.record(z.string(), nonNegative()).default({ "25": 72, "50": 168 }),
});

/** Concurrency caps of hybrid mode. */
export const ConcurrencySchema = z.strictObject({
  /** Most agents at once (`MAX_PARALLEL_AGENTS`). @default 4 */
  maxParallel: positive().default(4),
  /** Most agents at once per priority class. @default {} */
  caps: z.partialRecord(z.enum(PRIORITIES), positive()).default({}),
  /** Most agents of one wave at once; null = no cap. @default null */
  maxPerWave: positive().nullable().default(null),
});

/** The memory hierarchy. */
export const ContextConfigSchema = z.strictObject({
  /** Token cap of every hybrid prompt, provenance included. @default 20000 */
  hardCap: positive().default(20_000),
  /** Most GitHub comments fetched per issue for L2 (`MAX_L2_COMMENTS`). @default 50 */
  maxL2Comments: positive().default(50),
  /** Tokenizer of the budget. @default "cl100k_base" */
  encoding: z.enum(["cl100k_base", "o200k_base"]).default("cl100k_base"),
});

/** Retry, timeout and breaker policy (resilience's schema, every field optional). */
export const ResilienceConfigSchema = z.strictObject({
  retry: z
    .strictObject({ maxAttempts: positive().max(100).optional(), baseDelayMs: nonNegative().optional(), maxDelayMs: nonNegative().optional() })
    .default({}),
  /** Per-attempt timeout, ms. @default 600000 */
  timeoutMs: positive().default(600_000),
  breaker: z.strictObject({ consecutiveFailures: positive().optional(), halfOpenAfterMs: nonNegative().optional() }).default({}),
});

/** A GitHub issue or pull request. */
export const IssueTargetSchema = z.strictObject({ owner: z.string().min(1), repo: z.string().min(1), number: positive() });

/** Where a failed run's post-mortem goes, and the epic's progress comment. */
export const EscalationSchema = z.strictObject({
  /** Mentioned in the escalation comment (a GitHub login or team). @default "chief-of-staff" */
  owner: z.string().min(1).default("chief-of-staff"),
  /** The epic issue; null = the offline ledger. @default null */
  issue: IssueTargetSchema.nullable().default(null),
});

/** GitHub, for L2 comments, handoff comments, escalation and the progress ledger. */
export const GitHubConfigSchema = z.strictObject({
  /** Use GitHub at all (needs a token in `tokenEnv`); off = everything goes to the offline ledger. @default false */
  enabled: z.boolean().default(false),
  /** REST API root (GitHub Enterprise, or a local server in tests). @default "https://api.github.com" */
  baseUrl: z.string().url().default("https://api.github.com"),
  /** Environment variable holding the token; the token itself never goes in the file. @default "GITHUB_TOKEN" */
  tokenEnv: z.string().min(1).default("GITHUB_TOKEN"),
  /** Logins whose handoff markers are trusted, besides the token's own user. @default [] */
  authors: z.array(z.string().min(1)).default([]),
  /**
   * The login hybrid's own comments are written by (progress, handoffs, escalation); only its comments
   * count as ours. Needed with a GitHub App token, which cannot ask `GET /user`. @default the token's user
   */
  identity: z.string().min(1).optional(),
});

/** The gate ids. */
export const GATE_IDS = ["G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9", "G10"] as const;
/** One gate id. */
export type GateId = (typeof GATE_IDS)[number];

/** Per gate: on (enforced), or off (evaluated and logged as a bypass, never silently skipped). */
export const GatesConfigSchema = z.partialRecord(z.enum(GATE_IDS), z.strictObject({ enabled: z.boolean().default(true) })).default({});

/** The whole effective configuration. */
export const HybridConfigSchema = z.strictObject({
  flags: FlagsSchema.prefault({}),
  rollout: RolloutSchema.prefault({}),
  concurrency: ConcurrencySchema.prefault({}),
  context: ContextConfigSchema.prefault({}),
  resilience: ResilienceConfigSchema.prefault({}),
  escalation: EscalationSchema.prefault({}),
  github: GitHubConfigSchema.prefault({}),
  gates: GatesConfigSchema,
});

/** The effective configuration, every default filled in. */
export type HybridConfig = z.output<typeof HybridConfigSchema>;
/** What a config file (or code) may write: every field optional. */
export type HybridConfigInput = z.input<typeof HybridConfigSchema>;
