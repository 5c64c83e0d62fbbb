// The rollback triggers, evaluated over run records. Each has a minimum sample: below it the
// trigger says "insufficient-data" and cannot trip, so one unlucky run does not roll back a stage,
// while one determinism regression or one gate bypass (each conclusive on its own) does.
import { compareModes, findDeterminismRegressions, type RunRecord } from "@hybrid/telemetry";
import { z } from "zod";
import type { TriggerName } from "./rollout-state.js";

const minSample = (value: number) => z.number().int().min(1).default(value);

/** Thresholds and minimum samples of the rollback triggers. */
export const TriggerOptionsSchema = z.strictObject({
  /** Any seeded hybrid run whose plan hash or dispatch order changed. */
  determinism: z.strictObject({ /** Seeded hybrid runs in the window. @default 1 */ minSample: minSample(1) }).prefault({}),
  /** Any gate logged as `bypass`, or a `fail` that did not stop its node or run. */
  gateBypass: z.strictObject({ /** Hybrid runs in the window. @default 1 */ minSample: minSample(1) }).prefault({}),
  /** Median token usage of hybrid runs over their workflow's sequential baseline. */
  tokenUsage: z
    .strictObject({
      /** Trips above this increase, %. @default 15 */
      maxIncreasePct: z.number().finite().nonnegative().default(15),
      /** Hours looked back (and never before the stage began). @default 48 */
      windowHours: z.number().positive().max(24 * 365).default(48),
      /** Hybrid runs with a sequential baseline in the window. @default 20 */
      minSample: minSample(20),
    })
    .prefault({}),
  /** Share of hybrid runs that succeeded. */
  successRate: z
    .strictObject({
      /** Trips below this success rate, %. @default 99 */
      minPct: z.number().min(0).max(100).default(99),
      /** Hybrid runs (not aborted) in the window; 100 is the fewest at which one failure does not trip 99%. @default 100 */
      minSample: minSample(100),
    })
    .prefault({}),
});
/** Thresholds and minimum samples of the rollback triggers (every field optional). */
export type TriggerOptions = z.input<typeof TriggerOptionsSchema>;
type Options = z.output<typeof TriggerOptionsSchema>;

/** One trigger, evaluated. */
export interface TriggerResult {
  trigger: TriggerName;
  /** `insufficient-data` when the sample is below the minimum: it cannot trip then. */
  status: "tripped" | "ok" | "insufficient-data";
  tripped: boolean;
  /** Regressions, runs with a bypass, increase %, or success %; null when nothing could be measured. */
  value: number | null;
  threshold: number;
  sampleSize: number;
  minSample: number;
  /** The runs behind a trip (or that would be, below the minimum sample). */
  runIds: string[];
  detail: string;
}

/** The span of run start times a check looks at (epoch ms, both ends included). */
export interface TriggerWindow {
  from: number;
  to: number;
}

function result(trigger: TriggerName, fields: Omit<TriggerResult, "trigger" | "status" | "tripped">, breached: boolean): TriggerResult {
  const status = fields.sampleSize < fields.minSample ? "insufficient-data" : breached ? "tripped" : "ok";
  return { trigger, status, tripped: status === "tripped", ...fields };
}

const inWindow = (window: TriggerWindow) => (record: RunRecord) => record.startedAt >= window.from && record.startedAt <= window.to;

/**
 * Gate decisions that let something through: a `bypass`, or a `fail` that did not stop what it
 * guards (its node succeeded; a `plan` gate failed yet nodes were dispatched; a `run` gate failed yet
 * the run succeeded). `warn` (a G10 needs-review) never counts.
 */
export function gateBypasses(record: RunRecord): string[] {
  const nodes = new Map(record.nodes.map((node) => [node.id, node]));
  const found: string[] = [];
  for (const gate of record.gates) {
    const at = gate.node === undefined ? gate.stage : `${gate.node} (${gate.stage})`;
    if (gate.decision === "bypass") found.push(`${gate.id} bypassed at ${at}`);
    if (gate.decision !== "fail") continue;
    if (gate.node !== undefined && nodes.get(gate.node)?.status === "succeeded") found.push(`${gate.id} failed at ${at} but the node succeeded`);
    else if (gate.node === undefined && gate.stage === "plan" && record.nodes.some((node) => node.attempts > 0)) found.push(`${gate.id} failed at plan but nodes were dispatched`);
    else if (gate.node === undefined && gate.stage === "run" && record.status === "succeeded") found.push(`${gate.id} failed at run end but the run succeeded`);
  }
  return found;
}

function determinism(records: readonly RunRecord[], window: TriggerWindow, options: Options): TriggerResult {
  // References may predate the window (the first run of a kind is the reference); regressions count in it.
  const hybrid = records.filter((record) => record.mode === "hybrid");
  const sample = hybrid.filter(inWindow(window)).filter((record) => record.seeded && record.resumedFrom === undefined);
  const found = findDeterminismRegressions(hybrid).filter((regression) => regression.startedAt >= window.from && regression.startedAt <= window.to);
  const detail = found.length === 0
    ? `no seeded hybrid run changed its plan or dispatch order (${sample.length} seeded runs)`
    : found.map((r) => `run ${r.runId} differs from ${r.referenceRunId} (${r.kind})`).join("; ");
  const fields = { value: found.length, threshold: 0, sampleSize: sample.length, minSample: options.determinism.minSample, runIds: found.map((r) => r.runId), detail };
  return result("determinism", fields, found.length > 0);
}

function gateBypass(records: readonly RunRecord[], window: TriggerWindow, options: Options): TriggerResult {
  const runs = records.filter((record) => record.mode === "hybrid" && inWindow(window)(record));
  const bypassed = runs.map((record) => ({ runId: record.runId, found: gateBypasses(record) })).filter((entry) => entry.found.length > 0);
  const detail = bypassed.length === 0
    ? `no gate bypass in ${runs.length} hybrid runs`
    : bypassed.map((entry) => `run ${entry.runId}: ${entry.found.join(", ")}`).join("; ");
  const fields = { value: bypassed.length, threshold: 0, sampleSize: runs.length, minSample: options.gateBypass.minSample, runIds: bypassed.map((e) => e.runId), detail };
  return result("gate-bypass", fields, bypassed.length > 0);
}

function tokenUsage(records: readonly RunRecord[], window: TriggerWindow, options: Options): TriggerResult {
  const { maxIncreasePct, windowHours, minSample: min } = options.tokenUsage;
  const recent: TriggerWindow = { from: Math.max(window.from, window.to - windowHours * 3_600_000), to: window.to };
  const hybrid = records.filter((record) => record.mode === "hybrid" && inWindow(recent)(record));
  // The baseline is every sequential run of the same workflow: the more, the steadier.
  const comparison = compareModes([...records.filter((record) => record.mode === "sequential"), ...hybrid], { minRuns: 1, bootstrap: { resamples: 100 } });
  const estimate = comparison.tokenSavingsPct;
  const value = estimate === null ? null : -estimate.median;
  const worse = new Set(comparison.workflows.filter((w) => w.tokenSavingsPct !== null && -w.tokenSavingsPct > maxIncreasePct).map((w) => w.workflowId));
  const detail = value === null
    ? `no hybrid run of the last ${windowHours} h has a sequential baseline of its workflow`
    : `median token usage ${value >= 0 ? "+" : ""}${value.toFixed(1)}% against the sequential baseline over ${estimate!.n} hybrid runs of the last ${windowHours} h`;
  const runIds = hybrid.filter((record) => worse.has(record.workflowId)).map((record) => record.runId);
  const fields = { value, threshold: maxIncreasePct, sampleSize: estimate?.n ?? 0, minSample: min, runIds, detail };
  return result("token-usage", fields, value !== null && value > maxIncreasePct);
}

function successRate(records: readonly RunRecord[], window: TriggerWindow, options: Options): TriggerResult {
  // One run, one vote: a resumed run is judged by its latest record. An aborted run was stopped by
  // a person or a signal, which says nothing about the mode, so it is left out.
  const latest = new Map<string, RunRecord>();
  for (const record of records.filter((r) => r.mode === "hybrid" && inWindow(window)(r))) {
    const seen = latest.get(record.runId);
    if (seen === undefined || record.endedAt >= seen.endedAt) latest.set(record.runId, record);
  }
  const runs = [...latest.values()].filter((record) => record.status !== "aborted");
  const failed = runs.filter((record) => record.status !== "succeeded").map((record) => record.runId);
  const value = runs.length === 0 ? null : ((runs.length - failed.length) / runs.length) * 100;
  const { minPct, minSample: min } = options.successRate;
  const detail = value === null ? "no hybrid run in the window" : `${runs.length - failed.length} of ${runs.length} hybrid runs succeeded (${value.toFixed(2)}%)`;
  return result("success-rate", { value, threshold: minPct, sampleSize: runs.length, minSample: min, runIds: failed, detail }, value !== null && value < minPct);
}

/** Evaluates every trigger, in `TRIGGER_NAMES` order, over `records` (hybrid runs started in `window`). */
export function evaluateTriggers(records: readonly RunRecord[], window: TriggerWindow, options: Options): TriggerResult[] {
  return [determinism(records, window, options), gateBypass(records, window, options), tokenUsage(records, window, options), successRate(records, window, options)];
}
