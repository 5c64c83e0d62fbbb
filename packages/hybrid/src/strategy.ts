// Which orchestrator a workflow runs under. Sticky percentage rollout: a workflow's bucket is a
// pure function of the salt and its key, so raising the percentage only ever adds workflows.
import { createHash } from "node:crypto";
import { z } from "zod";
import { ConfigError } from "./config-errors.js";
import { checkConfig } from "./config-problems.js";
import type { HybridConfigInput } from "./config-schema.js";

/** Why a workflow runs in the mode it does; checked in this order. */
export type StrategyReason = "flag-off" | "kill-switch" | "not-in-rollout" | "ineligible" | "critical" | "hybrid";

/** The mode a workflow runs in, and why (recorded in the run record as `strategyReason`). */
export interface Strategy {
  mode: "hybrid" | "sequential";
  reason: StrategyReason;
  /** The workflow's bucket (1..100), when the rollout was consulted. */
  bucket?: number;
}

/** The task type of a workflow that declares none (the same name telemetry records). */
export const UNSPECIFIED_TASK_TYPE = "unspecified";

/** What `selectStrategy` needs of a workflow (a `WorkflowSpec` fits). */
export const StrategyWorkflowSchema = z.object({ id: z.string().min(1), taskType: z.string().min(1).optional() });
/** What `selectStrategy` needs of a workflow. */
export type StrategyWorkflow = z.input<typeof StrategyWorkflowSchema>;

/**
 * The rollout bucket of `key` under `salt`: an integer 1..100, the same on every platform:
 * `sha256(utf8(salt) ‖ 0x00 ‖ utf8(key))`, its first 4 bytes as a big-endian unsigned integer,
 * modulo 100, plus 1. A workflow is in the rollout when its bucket ≤ the percentage.
 * (The modulo bias of 2^32 over 100 is 96 in 2^32: far below anything a rollout could notice.)
 */
export function rolloutBucket(salt: string, key: string): number {
  if (typeof salt !== "string" || typeof key !== "string") throw new TypeError("[hybrid] rolloutBucket(salt, key) takes two strings");
  const digest = createHash("sha256").update(salt, "utf8").update(Buffer.of(0)).update(key, "utf8").digest();
  return (digest.readUInt32BE(0) % 100) + 1;
}

/**
 * Chooses the mode of one run, checking in this order: the orchestration flag is off → `flag-off`;
 * the kill switch is on → `kill-switch`; the workflow's bucket (by workflow id, or by task type
 * when `rollout.by` is `taskType`) is above the percentage → `not-in-rollout`; its task type is not
 * in a non-empty `eligibleTaskTypes` → `ineligible`; its id is in `exclude` → `critical`; else
 * `hybrid`. A workflow without a task type counts as `unspecified`.
 * @throws ConfigError when `config` does not fit the schema (partial configs get the defaults).
 */
export function selectStrategy(config: HybridConfigInput, workflow: StrategyWorkflow): Strategy {
  const parsed = checkConfig(config, () => ({}));
  if (!parsed.success) throw new ConfigError(parsed.problems, { cause: parsed.error });
  const spec = StrategyWorkflowSchema.safeParse(workflow);
  if (!spec.success) {
    const problems = spec.error.issues.map((issue) => ({ path: `workflow.${z.core.toDotPath(issue.path)}`, message: issue.message }));
    throw new ConfigError(problems, { cause: spec.error });
  }
  const { flags, rollout } = parsed.data;
  const { id, taskType = UNSPECIFIED_TASK_TYPE } = spec.data;
  if (!flags.hybrid_orchestration_enabled) return { mode: "sequential", reason: "flag-off" };
  if (flags.kill_switch) return { mode: "sequential", reason: "kill-switch" };
  const bucket = rolloutBucket(rollout.salt, rollout.by === "taskType" ? taskType : id);
  if (bucket > rollout.percentage) return { mode: "sequential", reason: "not-in-rollout", bucket };
  if (rollout.eligibleTaskTypes.length > 0 && !rollout.eligibleTaskTypes.includes(taskType)) return { mode: "sequential", reason: "ineligible", bucket };
  if (rollout.exclude.includes(id)) return { mode: "sequential", reason: "critical", bucket };
  return { mode: "hybrid", reason: "hybrid", bucket };
}
