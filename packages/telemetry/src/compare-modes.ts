import { z } from "zod";
import { TelemetryOptionsError, zodProblems } from "./errors.js";
import type { RunRecord } from "./run-record.js";
import { distribution, improvementPct, median, type Distribution } from "./stats.js";

/** Rollout thresholds a comparison must meet. */
export const ThresholdsSchema = z.object({
  /** Minimum median duration improvement of hybrid over sequential, %. @default 30 */
  durationImprovementPct: z.number().finite().default(30),
  /** Minimum median token savings of hybrid over sequential, %. @default 35 */
  tokenSavingsPct: z.number().finite().default(35),
  /** Minimum hybrid run success rate, %; not checked when absent. @default undefined */
  successRatePct: z.number().min(0).max(100).optional(),
});
export type Thresholds = z.output<typeof ThresholdsSchema>;

/** Options of `compareModes`. */
export const CompareModesOptionsSchema = z.object({
  /** @default { durationImprovementPct: 30, tokenSavingsPct: 35 } */
  thresholds: ThresholdsSchema.prefault({}),
  /** Fewest compared hybrid runs for a pass; fewer is a fail ("not enough data"). @default 1 */
  minRuns: z.number().int().min(1).default(1),
});
export type CompareModesOptions = z.input<typeof CompareModesOptionsSchema>;

/** One matched workflow: same `workflowId` and `workflowContentHash`, run in both modes. */
export interface WorkflowComparison {
  workflowId: string;
  workflowContentHash: string;
  sequentialRuns: number;
  hybridRuns: number;
  /** Medians of the succeeded runs of each mode (null when none succeeded). */
  sequentialMedianMs: number | null;
  hybridMedianMs: number | null;
  durationImprovementPct: number | null;
  tokenSavingsPct: number | null;
}

/** One pass/fail line of a comparison. */
export interface ThresholdCheck {
  metric: "median_duration_improvement_pct" | "median_token_savings_pct" | "run_success_rate_pct" | "runs";
  value: number | null;
  threshold: number;
  pass: boolean;
}

/** Sequential vs hybrid over matched workflows. */
export interface ModeComparison {
  workflows: WorkflowComparison[];
  /** Runs of each mode inside matched workflows. */
  runs: { sequential: number; hybrid: number };
  /** Per succeeded hybrid run, improvement over its workflow's sequential median. */
  durationImprovementPct: Distribution | null;
  tokenSavingsPct: Distribution | null;
  successRatePct: { hybrid: number | null; sequential: number | null };
  thresholds: Thresholds;
  checks: ThresholdCheck[];
  pass: boolean;
}

/** Key under which records of the same workflow (id and content) are compared. */
export const workflowKey = (r: Pick<RunRecord, "workflowId" | "workflowContentHash">): string =>
  `${r.workflowId}\u0000${r.workflowContentHash}`;

const pct = (part: number, whole: number): number | null => (whole === 0 ? null : (part / whole) * 100);

/** Sequential medians (duration, input tokens) per workflow key, over succeeded runs. */
export function sequentialBaselines(records: readonly RunRecord[]): Map<string, { durationMs: number | null; tokens: number | null }> {
  const grouped = new Map<string, RunRecord[]>();
  for (const r of records) {
    if (r.mode !== "sequential" || r.status !== "succeeded") continue;
    const key = workflowKey(r);
    const list = grouped.get(key);
    if (list) list.push(r);
    else grouped.set(key, [r]);
  }
  return new Map(
    [...grouped].map(([key, runs]) => [
      key,
      { durationMs: median(runs.map((r) => r.metrics.duration_ms)), tokens: median(runs.map((r) => r.metrics.token_input)) },
    ]),
  );
}

/** A hybrid run's duration and token improvement over its workflow's sequential baseline. */
export function runImprovement(
  run: RunRecord,
  baselines: ReturnType<typeof sequentialBaselines>,
): { durationPct: number | null; tokenPct: number | null } {
  const base = baselines.get(workflowKey(run));
  if (!base || run.status !== "succeeded") return { durationPct: null, tokenPct: null };
  return {
    durationPct: base.durationMs === null ? null : improvementPct(base.durationMs, run.metrics.duration_ms),
    tokenPct: base.tokens === null ? null : improvementPct(base.tokens, run.metrics.token_input),
  };
}

/**
 * Compares hybrid runs with sequential runs of the same workflow (id and content hash): median
 * duration improvement and token savings with their interquartile range, success rates, and
 * pass/fail against the rollout thresholds.
 */
export function compareModes(records: readonly RunRecord[], options: CompareModesOptions = {}): ModeComparison {
  const parsed = CompareModesOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TelemetryOptionsError("compareModes", zodProblems(parsed.error), parsed.error);
  const { thresholds, minRuns } = parsed.data;
  const groups = new Map<string, { sequential: RunRecord[]; hybrid: RunRecord[] }>();
  for (const r of records) {
    const key = workflowKey(r);
    const group = groups.get(key) ?? { sequential: [], hybrid: [] };
    group[r.mode].push(r);
    groups.set(key, group);
  }
  const baselines = sequentialBaselines(records);
  const workflows: WorkflowComparison[] = [];
  const durations: number[] = [];
  const tokens: number[] = [];
  const runs = { sequential: 0, hybrid: 0 };
  const succeeded = { sequential: 0, hybrid: 0 };
  for (const group of groups.values()) {
    if (group.sequential.length === 0 || group.hybrid.length === 0) continue;
    const first = group.hybrid[0]!;
    runs.sequential += group.sequential.length;
    runs.hybrid += group.hybrid.length;
    succeeded.sequential += group.sequential.filter((r) => r.status === "succeeded").length;
    succeeded.hybrid += group.hybrid.filter((r) => r.status === "succeeded").length;
    const own = { durations: [] as number[], tokens: [] as number[] };
    for (const run of group.hybrid) {
      const { durationPct, tokenPct } = runImprovement(run, baselines);
      if (durationPct !== null) own.durations.push(durationPct);
      if (tokenPct !== null) own.tokens.push(tokenPct);
    }
    durations.push(...own.durations);
    tokens.push(...own.tokens);
    const ok = (rs: RunRecord[]) => rs.filter((r) => r.status === "succeeded").map((r) => r.metrics.duration_ms);
    workflows.push({
      workflowId: first.workflowId,
      workflowContentHash: first.workflowContentHash,
      sequentialRuns: group.sequential.length,
      hybridRuns: group.hybrid.length,
      sequentialMedianMs: median(ok(group.sequential)),
      hybridMedianMs: median(ok(group.hybrid)),
      durationImprovementPct: median(own.durations),
      tokenSavingsPct: median(own.tokens),
    });
  }
  workflows.sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.workflowContentHash.localeCompare(b.workflowContentHash));
  const durationImprovementPct = distribution(durations);
  const tokenSavingsPct = distribution(tokens);
  const successRatePct = { hybrid: pct(succeeded.hybrid, runs.hybrid), sequential: pct(succeeded.sequential, runs.sequential) };
  const check = (metric: ThresholdCheck["metric"], value: number | null, threshold: number): ThresholdCheck => ({
    metric,
    value,
    threshold,
    pass: value !== null && value >= threshold,
  });
  const checks = [
    check("runs", durations.length, minRuns),
    check("median_duration_improvement_pct", durationImprovementPct?.median ?? null, thresholds.durationImprovementPct),
    check("median_token_savings_pct", tokenSavingsPct?.median ?? null, thresholds.tokenSavingsPct),
  ];
  if (thresholds.successRatePct !== undefined) {
    checks.push(check("run_success_rate_pct", successRatePct.hybrid, thresholds.successRatePct));
  }
  return {
    workflows,
    runs,
    durationImprovementPct,
    tokenSavingsPct,
    successRatePct,
    thresholds,
    checks,
    pass: checks.every((c) => c.pass),
  };
}
