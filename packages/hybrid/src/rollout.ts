// The rollout guard: where the rollout stands, moving it one stage on (only after enough dwell time
// with complete telemetry and no tripped trigger), and the rollback check that engages the kill
// switch with an incident bundle. The CLI's `rollout status|advance|check|resume` call these.
import { redact as defaultRedact } from "@hybrid/context";
import { checkedRedact } from "@hybrid/resilience";
import { validateRunRecords, type RequiredMetric, type RunRecord, type RunStoreScan } from "@hybrid/telemetry";
import { z } from "zod";
import type { LoadedConfig } from "./config.js";
import { ConfigError } from "./config-errors.js";
import { checkConfig } from "./config-problems.js";
import { ROLLOUT_STAGES, type HybridConfig, type HybridConfigInput } from "./config-schema.js";
import { RolloutError, type RolloutRefusal } from "./rollout-errors.js";
import { failedRunIds, summarize, writeIncidents, type Incident } from "./rollout-incident.js";
import { readRolloutState, withRolloutLock, writeRolloutState, type RolloutHistoryEntry, type RolloutStage, type RolloutState } from "./rollout-state.js";
import { evaluateTriggers, TriggerOptionsSchema, type TriggerResult, type TriggerWindow } from "./rollout-triggers.js";

const HOUR_MS = 3_600_000;
const isFunction = (value: unknown): boolean => typeof value === "function";

/** Options of `rolloutStatus`, `rolloutAdvance` and `rolloutCheck`. */
export const RolloutOptionsSchema = z.object({
  /** The state directory: `rollout.json` and `incidents/` live here. */
  stateDir: z.string().min(1),
  /** The configuration (a `LoadedConfig` is accepted too); `rollout.dwellHours` is read from it. */
  config: z.custom<HybridConfigInput | LoadedConfig>((value) => typeof value === "object" && value !== null, { message: "expected a configuration object" }),
  /** The run records: telemetry's `createJsonlRunStore(...)`, or anything with its `scan()`. */
  runStore: z.custom<{ scan(): Promise<RunStoreScan> }>((value) => isFunction((value as { scan?: unknown } | null)?.scan), {
    message: "expected a run store with scan(), such as telemetry's createJsonlRunStore",
  }),
  /** Epoch ms now. @default Date.now */
  clock: z.custom<() => number>(isFunction).default(() => Date.now),
  /** Applied to every string written (state, incident bundles). @default @hybrid/context's redact */
  redact: z.custom<(text: string) => string>(isFunction).optional(),
  /** Thresholds and minimum samples of the triggers. @default see docs/configuration.md */
  triggers: TriggerOptionsSchema.prefault({}),
});
/** Options of the rollout guard's functions. */
export type RolloutOptions = z.input<typeof RolloutOptionsSchema>;

/** Where the rollout stands. */
export interface RolloutStatus {
  stage: RolloutStage;
  /** False until the guard first writes `rollout.json`: the guard then starts at stage 0. */
  tracked: boolean;
  /** When the stage began (epoch ms); null when untracked. */
  since: number | null;
  nextStage: RolloutStage | null;
  /** Dwell of the stage before `nextStage`: required by `rollout.dwellHours`, elapsed (null when untracked: stage 0 has always been), remaining. */
  dwell: { requiredMs: number; elapsedMs: number | null; remainingMs: number };
  /** Run records started in the stage: valid, invalid, and the required metrics the invalid ones lack. */
  telemetry: {
    runs: number;
    valid: number;
    invalid: number;
    complete: boolean;
    missingMetrics: Partial<Record<RequiredMetric, number>>;
    problems: { line: number; runId?: string; reason: string }[];
  };
  /** Run start times the triggers looked at: the stage, up to now. */
  window: TriggerWindow;
  triggers: TriggerResult[];
  killSwitch: RolloutState["killSwitch"] | null;
  /** Why `rolloutAdvance` would refuse now; empty when it would advance. */
  blockers: RolloutRefusal[];
  history: RolloutHistoryEntry[];
}

/** What `rolloutCheck` found and did. */
export interface RolloutCheckResult {
  /** Whether any trigger tripped. */
  tripped: boolean;
  triggers: TriggerResult[];
  /** Bundles written now (none when nothing tripped, or the kill switch was already engaged). */
  incidents: Incident[];
  /** Whether the kill switch is engaged after the check. */
  killSwitch: boolean;
  /** The kill switch was engaged before this check, so nothing was written. */
  alreadyEngaged: boolean;
  status: RolloutStatus;
}

/** What `rolloutAdvance` did. */
export interface RolloutAdvanceResult {
  from: RolloutStage;
  to: RolloutStage;
  since: number;
  state: RolloutState;
}

type Parsed = Omit<z.output<typeof RolloutOptionsSchema>, "config" | "redact"> & { config: HybridConfig; redact: (text: string) => string };

function parseOptions(options: RolloutOptions, what: string): Parsed {
  const parsed = RolloutOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ path: `options.${z.core.toDotPath(issue.path)}`, message: issue.message }));
    throw new ConfigError(problems, { cause: parsed.error });
  }
  const given = parsed.data.config;
  const input = "sources" in given && "config" in given ? (given as LoadedConfig).config : given;
  const config = checkConfig(input, () => ({}));
  if (!config.success) throw new ConfigError(config.problems, { cause: config.error });
  return { ...parsed.data, config: config.data, redact: checkedRedact(parsed.data.redact ?? defaultRedact, what) };
}

const hours = (ms: number): string => `${(ms / HOUR_MS).toFixed(1)} h`;
const startedAtOf = (value: unknown): unknown => (value as { startedAt?: unknown } | null | undefined)?.startedAt;

async function computeStatus(opts: Parsed, state: RolloutState | undefined): Promise<{ status: RolloutStatus; records: RunRecord[] }> {
  const now = opts.clock();
  const stage: RolloutStage = state?.stage ?? 0;
  const since = state?.since ?? null;
  const nextStage = ROLLOUT_STAGES[ROLLOUT_STAGES.indexOf(stage) + 1] ?? null;
  const dwellHours = opts.config.rollout.dwellHours;
  const requiredMs = nextStage !== null && Object.hasOwn(dwellHours, String(nextStage)) ? dwellHours[String(nextStage)]! * HOUR_MS : 0;
  // Untracked, the rollout has been at stage 0 since before anyone measured: its dwell is served.
  const elapsedMs = since === null ? null : Math.max(0, now - since);
  const dwell = { requiredMs, elapsedMs, remainingMs: elapsedMs === null ? 0 : Math.max(0, requiredMs - elapsedMs) };

  const scan = await opts.runStore.scan();
  const from = since ?? 0;
  const records = scan.records.map((entry) => entry.record);
  // A line whose start cannot be read cannot be placed outside the stage, so it counts against it.
  const invalid = scan.invalid.filter((bad) => {
    const at = startedAtOf(bad.value);
    return typeof at !== "number" || at >= from;
  });
  const values = [...records.filter((record) => record.startedAt >= from), ...invalid.map((bad) => bad.value ?? null)];
  const validation = await validateRunRecords(values);
  const telemetry = {
    runs: validation.total,
    valid: validation.valid,
    invalid: validation.invalid,
    complete: validation.complete,
    missingMetrics: validation.missingMetrics,
    problems: invalid.map((bad) => {
      const runId = (bad.value as { runId?: unknown } | undefined)?.runId;
      return { line: bad.line, ...(typeof runId === "string" ? { runId } : {}), reason: bad.reason };
    }),
  };
  const window = { from, to: now };
  const triggers = evaluateTriggers(records, window, opts.triggers);

  const blockers: RolloutRefusal[] = [];
  if (nextStage === null) blockers.push({ code: "final-stage", message: `the rollout is at its last stage (${stage}%)` });
  if (state?.killSwitch) {
    const { at, reason } = state.killSwitch;
    blockers.push({ code: "kill-switch", message: `the kill switch is engaged since ${new Date(at).toISOString()} (${reason}); once resolved, release it with \`hybrid rollout resume --reason "…"\` (rolloutResume from code)` });
  }
  if (nextStage !== null && dwell.remainingMs > 0) {
    blockers.push({ code: "dwell", message: `stage ${stage}% has lasted ${hours(elapsedMs!)} of the ${hours(requiredMs)} required before ${nextStage}%; ${hours(dwell.remainingMs)} remain` });
  }
  if (!telemetry.complete) {
    const missing = Object.entries(telemetry.missingMetrics).map(([name, count]) => `${name} ×${count}`);
    const lacking = missing.length > 0 ? ` (missing: ${missing.join(", ")})` : "";
    blockers.push({ code: "incomplete-telemetry", message: `${telemetry.invalid} of ${telemetry.runs} run records of the stage are invalid${lacking}` });
  }
  for (const trigger of triggers.filter((t) => t.tripped)) blockers.push({ code: "trigger", message: `the ${trigger.trigger} trigger tripped: ${trigger.detail}` });

  const status: RolloutStatus = {
    stage,
    tracked: state !== undefined,
    since,
    nextStage,
    dwell,
    telemetry,
    window,
    triggers,
    killSwitch: state?.killSwitch ?? null,
    blockers,
    history: state?.history ?? [],
  };
  return { status, records };
}

/**
 * Where the rollout stands: stage, since when, dwell remaining before the next stage, telemetry
 * completeness of the stage's runs, every trigger evaluated, and what would block an advance.
 * Writes nothing.
 */
export async function rolloutStatus(options: RolloutOptions): Promise<RolloutStatus> {
  const opts = parseOptions(options, "rolloutStatus");
  return (await computeStatus(opts, await readRolloutState(opts.stateDir))).status;
}

/**
 * Moves the rollout to the next of `ROLLOUT_STAGES` (0 → 5 → 25 → 50 → 100), only when the stage
 * has dwelt `rollout.dwellHours[next]` hours, every run record of the stage is valid with every
 * required metric, no trigger tripped and the kill switch is off.
 * @throws RolloutError listing every reason when it refuses; nothing is changed then.
 */
export async function rolloutAdvance(options: RolloutOptions): Promise<RolloutAdvanceResult> {
  const opts = parseOptions(options, "rolloutAdvance");
  return withRolloutLock(opts.stateDir, async () => {
    const state = await readRolloutState(opts.stateDir);
    const { status } = await computeStatus(opts, state);
    if (status.blockers.length > 0) throw new RolloutError("advance", status.blockers);
    const at = opts.clock();
    const to = status.nextStage!;
    const history = [...status.history, { at, event: "advance" as const, from: status.stage, to }];
    const next: RolloutState = { v: 1, stage: to, since: at, history };
    await writeRolloutState(opts.stateDir, next, opts.redact);
    return { from: status.stage, to, since: at, state: next };
  });
}

/**
 * Evaluates the rollback triggers over the run store. When one trips (and the kill switch is not
 * already engaged), writes an incident bundle per tripped trigger, then engages the kill switch in
 * the rollout state; every later run (and the rest of running ones, at their next wave) goes
 * sequential until `rolloutResume`.
 */
export async function rolloutCheck(options: RolloutOptions): Promise<RolloutCheckResult> {
  const opts = parseOptions(options, "rolloutCheck");
  return withRolloutLock(opts.stateDir, async () => {
    const state = await readRolloutState(opts.stateDir);
    const { status, records } = await computeStatus(opts, state);
    const tripped = status.triggers.filter((trigger) => trigger.tripped);
    const alreadyEngaged = state?.killSwitch !== undefined;
    const result = { tripped: tripped.length > 0, triggers: status.triggers, incidents: [] as Incident[], killSwitch: alreadyEngaged, alreadyEngaged, status };
    if (tripped.length === 0 || alreadyEngaged) return result;
    const at = opts.clock();
    const common = {
      v: 1 as const,
      at,
      atIso: new Date(at).toISOString(),
      failedRunIds: failedRunIds(records, status.window),
      stage: status.stage,
      window: status.window,
      summary: summarize(records, status.window, status.triggers, { valid: status.telemetry.valid, invalid: status.telemetry.invalid, missingMetrics: status.telemetry.missingMetrics }),
      triggers: status.triggers,
    };
    const written = await writeIncidents(opts.stateDir, tripped, common, opts.redact);
    const first = written[0]!;
    const reason = `${first.incident.trigger} trigger tripped: ${first.incident.detail}`;
    const current: RolloutState = state ?? { v: 1, stage: 0, since: at, history: [] };
    const next: RolloutState = {
      ...current,
      killSwitch: { at, reason, trigger: first.incident.trigger, incident: first.relative },
      history: [...current.history, { at, event: "kill-switch", reason, incident: first.relative }],
    };
    await writeRolloutState(opts.stateDir, next, opts.redact);
    const killed = { ...status, killSwitch: next.killSwitch ?? null, history: next.history, tracked: true };
    return { ...result, incidents: written.map((entry) => entry.incident), killSwitch: true, status: killed };
  });
}

/** Options of `rolloutResume`. */
export const RolloutResumeOptionsSchema = RolloutOptionsSchema.pick({ stateDir: true, clock: true, redact: true }).extend({
  /** Why the rollout may go on (kept in the history). */
  reason: z.string().min(1),
});
export type RolloutResumeOptions = z.input<typeof RolloutResumeOptionsSchema>;

/**
 * Releases the kill switch the guard engaged, once its incident is resolved. The stage is kept, and
 * its dwell starts again now (so are the windows of the triggers).
 * @throws RolloutError (`not-killed`) when the kill switch is not engaged.
 */
export async function rolloutResume(options: RolloutResumeOptions): Promise<RolloutState> {
  const parsed = RolloutResumeOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ path: `options.${z.core.toDotPath(issue.path)}`, message: issue.message }));
    throw new ConfigError(problems, { cause: parsed.error });
  }
  const { stateDir, clock, reason } = parsed.data;
  const redact = checkedRedact(parsed.data.redact ?? defaultRedact, "rolloutResume");
  return withRolloutLock(stateDir, async () => {
    const state = await readRolloutState(stateDir);
    if (state?.killSwitch === undefined) throw new RolloutError("resume", [{ code: "not-killed", message: "the kill switch is not engaged" }]);
    const at = clock();
    const { killSwitch: _released, ...rest } = state;
    const next: RolloutState = { ...rest, since: at, history: [...state.history, { at, event: "resume", reason }] };
    await writeRolloutState(stateDir, next, redact);
    return next;
  });
}
