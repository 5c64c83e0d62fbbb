// What the progress reporter is given: its options, and the snapshot the orchestrator sends at
// every wave boundary.
import type { Octokit } from "@octokit/rest";
import { isValidRunId } from "@hybrid/resilience";
import { z } from "zod";
import { IssueTargetSchema } from "./config-schema.js";
import { GitHubClientOptionsSchema } from "./github-client.js";
import { RequiredRedactSchema } from "./progress-errors.js";

/** One node's row in the progress ledger. Extra fields are ignored. */
export const ProgressNodeSchema = z.object({
  /** The node id. */
  id: z.string().min(1),
  /** The agent that runs it. */
  agent: z.string(),
  /** Its status as the orchestrator knows it (`pending`, `running`, `succeeded`, `failed`, `blocked`…). */
  status: z.string().min(1),
  /** Dispatches so far, retries included. */
  attempts: z.number().int().nonnegative(),
  /** Where its handoff was recorded (a comment URL, or the ledger's `ledger://` URL). */
  handoffUrl: z.string().min(1).optional(),
});

/** The state of a run at a wave boundary: what the progress ledger shows. Extra fields are ignored. */
export const ProgressSnapshotSchema = z
  .object({
    /** The run; one progress comment (and one `progress.md`) per run. */
    runId: z.string().refine(isValidRunId, "a run id: 1-128 characters from [A-Za-z0-9._-], starting with a letter or digit"),
    workflowId: z.string().min(1),
    /** The mode the run is in now (the kill switch turns a hybrid run sequential). */
    mode: z.enum(["hybrid", "sequential"]),
    /** The wave just reached, 1-based (0: nothing dispatched yet; `waves`: the last one). */
    wave: z.number().int().nonnegative(),
    /** How many waves the plan has. */
    waves: z.number().int().nonnegative(),
    nodes: z.array(ProgressNodeSchema),
    /** When this snapshot was taken, epoch milliseconds (shown as the last update time). */
    at: z.number().finite().nonnegative(),
  })
  .refine((snapshot) => snapshot.wave <= snapshot.waves, { message: "wave must not be past waves", path: ["wave"] });

/** A run's state at a wave boundary (see {@link ProgressSnapshotSchema}). */
export type ProgressSnapshot = z.input<typeof ProgressSnapshotSchema>;
/** One node's row (see {@link ProgressNodeSchema}). */
export type ProgressNode = z.input<typeof ProgressNodeSchema>;

/** Where the progress comment goes, and how this reporter talks to GitHub. */
export const ProgressGitHubOptionsSchema = GitHubClientOptionsSchema.extend({
  /** A ready Octokit (bring your own plugins); when given, the client options are ignored. @default one built with the throttling and retry plugins */
  octokit: z.custom<object>((value) => typeof value === "object" && value !== null).optional(),
  /**
   * The login whose comments count as ours (a GitHub App's is `<app>[bot]`). A marker in anybody
   * else's comment is ignored: anyone who can comment can write one.
   * @default the token's own user, looked up once with `GET /user`
   */
  identity: z.string().min(1).optional(),
  /** The epic issue the progress comment lives on (`escalation.issue` of the config). */
  issue: IssueTargetSchema,
});

/** Options of `createProgressReporter`. */
export const ProgressReporterOptionsSchema = z.strictObject({
  /** The epic issue and the GitHub client; absent = offline, the file only. @default undefined */
  github: ProgressGitHubOptionsSchema.optional(),
  /** The state directory: the snapshot goes to `<stateDir>/runs/<runId>/progress.md`. */
  stateDir: z.string().min(1),
  /** Applied to everything written (the comment and the file, all but the marker). Required. */
  redact: RequiredRedactSchema,
  /** Bound of one write (the file and GitHub, retries and rate-limit waits included). @default 15000 */
  timeoutMs: z.number().int().positive().default(15_000),
});

/** Options of `createProgressReporter` (see {@link ProgressReporterOptionsSchema} for defaults). */
export type ProgressReporterOptions = Omit<z.input<typeof ProgressReporterOptionsSchema>, "github"> & {
  github?: Omit<z.input<typeof ProgressGitHubOptionsSchema>, "octokit"> & {
    /** A ready Octokit (bring your own plugins); when given, the client options are ignored. */
    octokit?: Octokit;
  };
};
