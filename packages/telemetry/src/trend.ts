import { z } from "zod";
import { runImprovement, sequentialBaselines } from "./compare-modes.js";
import { findDeterminismRegressions } from "./determinism.js";
import { TelemetryOptionsError, zodProblems } from "./errors.js";
import type { RunRecord } from "./run-record.js";
import { median } from "./stats.js";

/** The dashboard's metrics, one set per period and group. `null` means no data in the bucket. */
export interface TrendMetrics {
  median_duration_improvement_pct: number | null;
  median_token_savings_pct: number | null;
  run_success_rate_pct: number | null;
  checkpoint_recovery_success_pct: number | null;
  parallelism_ratio: number | null;
  determinism_regression_count: number;
  gate_bypass_incidents: number;
  security_findings_count: number;
}
export const TREND_METRICS = [
  "median_duration_improvement_pct",
  "median_token_savings_pct",
  "run_success_rate_pct",
  "checkpoint_recovery_success_pct",
  "parallelism_ratio",
  "determinism_regression_count",
  "gate_bypass_incidents",
  "security_findings_count",
] as const satisfies readonly (keyof TrendMetrics)[];

/** One bucket: a period (`2025-03-14` or `2025-W11`) and a group (a task type, or `all`). */
export interface TrendPoint {
  period: string;
  group: string;
  runs: number;
  metrics: TrendMetrics;
}

/** Options of `trend`. */
export const TrendOptionsSchema = z.object({
  /** Bucket size; periods are UTC days or ISO weeks. @default "day" */
  by: z.enum(["day", "week"]).default("day"),
  /** Break each period down by task type, or not at all (`all`). @default "taskType" */
  groupBy: z.enum(["taskType", "none"]).default("taskType"),
});
export type TrendOptions = z.input<typeof TrendOptionsSchema>;

export interface Trend {
  by: "day" | "week";
  groupBy: "taskType" | "none";
  periods: string[];
  groups: string[];
  points: TrendPoint[];
}

/** UTC day `YYYY-MM-DD`, or ISO week `YYYY-Www`, of an epoch-ms time. */
export function periodOf(at: number, by: "day" | "week"): string {
  const date = new Date(at);
  if (by === "day") return date.toISOString().slice(0, 10);
  // ISO week: the week with the year's first Thursday is week 1; weeks start on Monday.
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

const pct = (part: number, whole: number): number | null => (whole === 0 ? null : (part / whole) * 100);

/**
 * The dashboard metrics per period (day or ISO week) and task type. Improvements compare each
 * succeeded hybrid run with the sequential median of its workflow over all `records`.
 */
export function trend(records: readonly RunRecord[], options: TrendOptions = {}): Trend {
  const parsed = TrendOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TelemetryOptionsError("trend", zodProblems(parsed.error), parsed.error);
  const { by, groupBy } = parsed.data;
  const baselines = sequentialBaselines(records);
  const regressions = new Map<string, number>();
  for (const reg of findDeterminismRegressions(records)) regressions.set(reg.runId, (regressions.get(reg.runId) ?? 0) + 1);

  const buckets = new Map<string, { period: string; group: string; runs: RunRecord[] }>();
  // Formatting a date is the costliest step per record; runs of one UTC day share a period.
  const periods = new Map<number, string>();
  for (const r of records) {
    const dayNumber = Math.floor(r.startedAt / 86_400_000);
    let period = periods.get(dayNumber);
    if (period === undefined) {
      period = periodOf(r.startedAt, by);
      periods.set(dayNumber, period);
    }
    const group = groupBy === "taskType" ? r.taskType : "all";
    const key = `${period}\u0000${group}`;
    const bucket = buckets.get(key) ?? { period, group, runs: [] };
    bucket.runs.push(r);
    buckets.set(key, bucket);
  }
  const points: TrendPoint[] = [...buckets.values()].map(({ period, group, runs }) => {
    const hybrid = runs.filter((r) => r.mode === "hybrid");
    const durations: number[] = [];
    const tokens: number[] = [];
    for (const run of hybrid) {
      const { durationPct, tokenPct } = runImprovement(run, baselines);
      if (durationPct !== null) durations.push(durationPct);
      if (tokenPct !== null) tokens.push(tokenPct);
    }
    const resumed = runs.filter((r) => r.resumedFrom !== undefined);
    return {
      period,
      group,
      runs: runs.length,
      metrics: {
        median_duration_improvement_pct: median(durations),
        median_token_savings_pct: median(tokens),
        run_success_rate_pct: pct(runs.filter((r) => r.status === "succeeded").length, runs.length),
        checkpoint_recovery_success_pct: pct(resumed.filter((r) => r.recovered === true).length, resumed.length),
        parallelism_ratio: median(hybrid.map((r) => r.metrics.parallelism_ratio)),
        determinism_regression_count: runs.reduce((n, r) => n + (regressions.get(r.runId) ?? 0), 0),
        gate_bypass_incidents: runs.reduce((n, r) => n + r.gates.filter((g) => g.decision === "bypass").length, 0),
        security_findings_count: runs.reduce((n, r) => n + Object.values(r.redactions).reduce((a, b) => a + b, 0), 0),
      },
    };
  });
  points.sort((a, b) => a.period.localeCompare(b.period) || a.group.localeCompare(b.group));
  return {
    by,
    groupBy,
    periods: [...new Set(points.map((p) => p.period))],
    groups: [...new Set(points.map((p) => p.group))].sort(),
    points,
  };
}
