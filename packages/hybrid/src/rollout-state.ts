// `<stateDir>/rollout.json`: the rollout guard's stage, since when, its history and the kill switch.
// Versioned (`v`), written atomically (temp file, fsync, rename, fsync of the directory) under a
// lock, every string through `redact`; a reader refuses a version it does not know.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { withFileLock } from "@hybrid/resilience";
import { z } from "zod";
import { ROLLOUT_STAGES } from "./config-schema.js";
import { writeFileAtomically } from "./progress-file.js";
import { RolloutStateError } from "./rollout-errors.js";

/** The state file's name under the state directory. */
export const ROLLOUT_STATE_FILE = "rollout.json";
/** The version this package writes and reads. */
export const ROLLOUT_STATE_VERSION = 1;
const MAX_STATE_BYTES = 4 * 1024 * 1024;

/** One of `ROLLOUT_STAGES`. */
export type RolloutStage = (typeof ROLLOUT_STAGES)[number];
const StageSchema = z.literal([...ROLLOUT_STAGES]);
const EpochMs = z.number().int().nonnegative();

/** The rollback triggers `rolloutCheck` evaluates, in the order they are evaluated. */
export const TRIGGER_NAMES = ["determinism", "gate-bypass", "token-usage", "success-rate"] as const;
/** One rollback trigger. */
export type TriggerName = (typeof TRIGGER_NAMES)[number];

/** One line of the rollout's history. */
export const RolloutHistoryEntrySchema = z.strictObject({
  at: EpochMs,
  event: z.enum(["advance", "kill-switch", "resume"]),
  from: StageSchema.optional(),
  to: StageSchema.optional(),
  reason: z.string().optional(),
  /** The incident bundle, relative to the state directory. */
  incident: z.string().optional(),
});

/** The persisted rollout state. */
export const RolloutStateSchema = z.strictObject({
  v: z.literal(ROLLOUT_STATE_VERSION),
  stage: StageSchema,
  /** When the stage began (epoch ms); dwell is counted from here. */
  since: EpochMs,
  history: z.array(RolloutHistoryEntrySchema),
  /** Set by `rolloutCheck` when a trigger trips; every run goes sequential until `rolloutResume`. */
  killSwitch: z
    .strictObject({ at: EpochMs, reason: z.string(), trigger: z.enum(TRIGGER_NAMES).optional(), incident: z.string().optional() })
    .optional(),
});
/** The persisted rollout state. */
export type RolloutState = z.output<typeof RolloutStateSchema>;
export type RolloutHistoryEntry = z.output<typeof RolloutHistoryEntrySchema>;

/** The path of the state file. */
export const rolloutStatePath = (stateDir: string): string => join(stateDir, ROLLOUT_STATE_FILE);

/** Reads the rollout state; `undefined` when there is none yet. */
export async function readRolloutState(stateDir: string): Promise<RolloutState | undefined> {
  const file = rolloutStatePath(stateDir);
  let text: string;
  try {
    if ((await stat(file)).size > MAX_STATE_BYTES) throw new RolloutStateError(file, [{ path: "", message: `larger than ${MAX_STATE_BYTES} bytes` }]);
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if (error instanceof RolloutStateError) throw error;
    throw new RolloutStateError(file, [{ path: "", message: `cannot be read (${(error as Error).message})` }], error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RolloutStateError(file, [{ path: "", message: `not JSON (${(error as Error).message})` }], error);
  }
  const version = (value as { v?: unknown } | null)?.v;
  if (typeof version === "number" && version !== ROLLOUT_STATE_VERSION) {
    throw new RolloutStateError(file, [{ path: "v", message: `version ${version} is not one this package reads (${ROLLOUT_STATE_VERSION}); use the version of @hybrid/hybrid that wrote it` }]);
  }
  const parsed = RolloutStateSchema.safeParse(value);
  if (!parsed.success) {
    throw new RolloutStateError(file, parsed.error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message })), parsed.error);
  }
  return parsed.data;
}

/** JSON text of `value` with every string value passed through `redact`. */
export function redactedJson(value: unknown, redact: (text: string) => string): string {
  return `${JSON.stringify(value, (_key, item: unknown) => (typeof item === "string" ? redact(item) : item), 2)}\n`;
}

/** Validates, redacts and writes the rollout state atomically. */
export async function writeRolloutState(stateDir: string, state: RolloutState, redact: (text: string) => string): Promise<void> {
  await writeFileAtomically(rolloutStatePath(stateDir), redactedJson(RolloutStateSchema.parse(state), redact));
}

/** Runs `fn` holding the state file's lock, so two `rollout` commands never interleave their read and write. */
export function withRolloutLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(rolloutStatePath(stateDir), fn, { waitMs: 10_000, what: "the rollout state" });
}
