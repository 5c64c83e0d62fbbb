import { z } from "zod";
import { TelemetryOptionsError, zodProblems } from "./errors.js";
import type { RunRecord } from "./run-record.js";
import { bootstrapImprovement, distribution, improvementPct, median, type Estimate, type PairedSample } from "./stats.js";

/** Rollout thresholds a comparison must meet. */
export const ThresholdsSchema = z.object({
  /** Minimum median duration improvement of hybrid over sequential, %. @default 30 */
  durationImprovementPct: z.number().finite().default(30),
  /** Minimum median token savings of hybrid over sequential, %. @default 35 */
  tokenSavingsPct: z.number().finite().default(35),
  /** Minimum hybrid run success rate, % (the plan's rollback trigger). @default 99 */
  successRatePct: z.number().min(0).max(100).default(99),
});
export type Thresholds = z.output<typeof ThresholdsSchema>;

/** How the confidence interval of each median is computed (a seeded percentile bootstrap). */
export const BootstrapOptionsSchema = z.object({
  /** Resamples drawn. @default 2000 */
  resamples: z.number().int().min(100).max(100_000).default(2000),
  /** Coverage of the interval. @default 0.95 */
  confidence: z.number().gt(0.5).lt(1).default(0.95),
  /** Seed of the resampling, so a report is reproducible. @default 1 */
  seed: z.number().int().default(1),
});

/** Options of `compareModes`. */
export const CompareModesOptionsSchema = z.object({
  /** @default { durationImprovementPct: 30, tokenSavingsPct: 35, successRatePct: 99 } */
  thresholds: ThresholdsSchema.prefault({}),
  /** Fewest matched runs of each mode (and compared runs behind each median) for a verdict; fewer is "insufficient-data", never a pass. @default 5 */
  minRuns: z.number().int().min(1).default(5),
  /** @default { resamples: 2000, confidence: 0.95, seed: 1 } */
  bootstrap: BootstrapOptionsSchema.prefault({}),
});
export type CompareModesOptions = z.input<typeof CompareModesOptionsSchema>;

/** `pass`, `fail`, or `insufficient-data` when too few runs back the number. */
export type Verdict = "pass" | "fail" | "insufficient-data";

/** One matched workflow: same `workflowId` and `workflowContentHash`, run in both modes. */
export interface WorkflowComparison {
  workflowId: string;
  workflowContentHash: string;
  /** Runs (distinct run ids) of each mode. */
  sequentialRuns: number;
  hybridRuns: number;
  /** Medians of the compared runs of each mode: succeeded and not resumed (null when none). */
  sequentialMedianMs: number | null;
  hybridMedianMs: number | null;
  durationImprovementPct: number | null;
  tokenSavingsPct: number | null;
}

/** One line of the verdict. */
export interface ThresholdCheck {
  metric: "median_duration_improvement_pct" | "median_token_savings_pct" | "run_success_rate_pct";
  value: number | null;
  threshold: number;
  /** Runs behind `value`: compared hybrid runs for a median, hybrid runs for the success rate. */
  n: number;
  verdict: Verdict;
  pass: boolean;
}

/** Sequential vs hybrid over matched workflows. */
export interface ModeComparison {
  workflows: WorkflowComparison[];
  /** Runs (distinct run ids, a resumed run once, by its latest record) of each mode in matched workflows. */
  runs: { sequential: number; hybrid: number };
  /** Runs behind the medians: succeeded, not resumed, and (for sequential) baselines of a compared workflow. */
  compared: { sequential: number; hybrid: number };
  /** Records of matched workflows left out of the medians, by reason (both modes). */
  excluded: { resumed: number; unsuccessful: number };
  /** Per compared hybrid run, improvement over its workflow's sequential median, with a bootstrap CI of the median. */
  durationImprovementPct: Estimate | null;
  tokenSavingsPct: Estimate | null;
  /** Succeeded runs / runs, per mode, in matched workflows. */
  successRatePct: { hybrid: number | null; sequential: number | null };
  thresholds: Thresholds;
  minRuns: number;
  checks: ThresholdCheck[];
  verdict: Verdict;
  /** Why the verdict is not a pass, in words (empty for a pass). */
  reasons: string[];
  /** `verdict === "pass"`. */
  pass: boolean;
}

/** The estimate behind a check's value (null for the success rate, which is a plain proportion). */
export function estimateOf(c: ModeComparison, metric: ThresholdCheck["metric"]): Estimate | null {
  if (metric === "median_duration_improvement_pct") return c.durationImprovementPct;
  if (metric === "median_token_savings_pct") return c.tokenSavingsPct;
  return null;
}

/** Key under which records of the same workflow (id and content) are compared. */
export const workflowKey = (r: Pick<RunRecord, "workflowId" | "workflowContentHash">): string =>
  `${r.workflowId}\u0000${r.workflowContentHash}`;

const pct = (part: number, whole: number): number | null => (whole === 0 ? null : (part / whole) * 100);

/**
 * Whether a run's own record measures the whole run. A resumed process records only the nodes it
 * re-ran (the earlier process may have died without a record), so its duration and tokens say
 * nothing about the workflow: it is left out of every median, and counted in `excluded.resumed`.
 */
export const comparable = (r: RunRecord): boolean => r.status === "succeeded" && r.resumedFrom === undefined;

/** Sequential medians (duration, input tokens) per workflow key, over comparable runs. */
export function sequentialBaselines(records: readonly RunRecord[]): Map<string, { durationMs: number | null; tokens: number | null }> {
  const grouped = new Map<string, RunRecord[]>();
  for (const r of records) {
    if (r.mode !== "sequential" || !comparable(r)) continue;
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

/** A hybrid run's duration and token improvement over its workflow's sequential baseline (null when not comparable). */
export function runImprovement(
  run: RunRecord,
  baselines: ReturnType<typeof sequentialBaselines>,
): { durationPct: number | null; tokenPct: number | null } {
  const base = baselines.get(workflowKey(run));
  if (!base || !comparable(run)) return { durationPct: null, tokenPct: null };
  return {
    durationPct: base.durationMs === null ? null : improvementPct(base.durationMs, run.metrics.duration_ms),
    tokenPct: base.tokens === null ? null : improvementPct(base.tokens, run.metrics.token_input),
  };
}

/** The latest record of each run id (a resumed run is one run, judged by how it ended). */
function logicalRuns(records: readonly RunRecord[]): RunRecord[] {
  const latest = new Map<string, RunRecord>();
  for (const r of records) {
    const seen = latest.get(r.runId);
    if (!seen || r.endedAt >= seen.endedAt) latest.set(r.runId, r);
  }
  return [...latest.values()];
}

interface Group {
  sequential: RunRecord[];
  hybrid: RunRecord[];
}

/**
 * Compares hybrid runs with sequential runs of the same workflow (id and content hash): median
 * duration improvement and token savings with their IQR and a seeded bootstrap confidence
 * interval, success rates, and a verdict against the rollout thresholds. The verdict is
 * "insufficient-data" (never a pass) when either mode has fewer than `minRuns` matched runs, or a
 * median rests on fewer than `minRuns` compared runs of either mode.
 */
export function compareModes(records: readonly RunRecord[], options: CompareModesOptions = {}): ModeComparison {
  const parsed = CompareModesOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TelemetryOptionsError("compareModes", zodProblems(parsed.error), parsed.error);
  const { thresholds, minRuns, bootstrap } = parsed.data;
  const groups = new Map<string, Group>();
  for (const r of records) {
    const key = workflowKey(r);
    const group = groups.get(key) ?? { sequential: [], hybrid: [] };
    group[r.mode].push(r);
    groups.set(key, group);
  }
  const baselines = sequentialBaselines(records);
  const workflows: WorkflowComparison[] = [];
  const samples = { duration: [] as PairedSample[], tokens: [] as PairedSample[] };
  const durations: number[] = [];
  const tokens: number[] = [];
  const runs = { sequential: 0, hybrid: 0 };
  const succeeded = { sequential: 0, hybrid: 0 };
  const compared = { sequential: 0, hybrid: 0 };
  const excluded = { resumed: 0, unsuccessful: 0 };
  for (const group of groups.values()) {
    if (group.sequential.length === 0 || group.hybrid.length === 0) continue;
    for (const r of [...group.sequential, ...group.hybrid]) {
      if (r.resumedFrom !== undefined) excluded.resumed += 1;
      else if (r.status !== "succeeded") excluded.unsuccessful += 1;
    }
    for (const mode of ["sequential", "hybrid"] as const) {
      const logical = logicalRuns(group[mode]);
      runs[mode] += logical.length;
      succeeded[mode] += logical.filter((r) => r.status === "succeeded").length;
    }
    const seq = group.sequential.filter(comparable);
    const hyb = group.hybrid.filter(comparable);
    const own = { durations: [] as number[], tokens: [] as number[] };
    for (const run of hyb) {
      const { durationPct, tokenPct } = runImprovement(run, baselines);
      if (durationPct !== null) own.durations.push(durationPct);
      if (tokenPct !== null) own.tokens.push(tokenPct);
    }
    if (own.durations.length > 0) {
      compared.hybrid += own.durations.length;
      compared.sequential += seq.length;
    }
    durations.push(...own.durations);
    tokens.push(...own.tokens);
    samples.duration.push({ baseline: seq.map((r) => r.metrics.duration_ms), values: hyb.map((r) => r.metrics.duration_ms) });
    samples.tokens.push({ baseline: seq.map((r) => r.metrics.token_input), values: hyb.map((r) => r.metrics.token_input) });
    const first = group.hybrid[0]!;
    workflows.push({
      workflowId: first.workflowId,
      workflowContentHash: first.workflowContentHash,
      sequentialRuns: logicalRuns(group.sequential).length,
      hybridRuns: logicalRuns(group.hybrid).length,
      sequentialMedianMs: median(seq.map((r) => r.metrics.duration_ms)),
      hybridMedianMs: median(hyb.map((r) => r.metrics.duration_ms)),
      durationImprovementPct: median(own.durations),
      tokenSavingsPct: median(own.tokens),
    });
  }
  workflows.sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.workflowContentHash.localeCompare(b.workflowContentHash));
  const estimate = (values: number[], paired: PairedSample[]): Estimate | null => {
    const d = distribution(values);
    return d === null ? null : { ...d, ci: bootstrapImprovement(paired, bootstrap) };
  };
  const durationImprovementPct = estimate(durations, samples.duration);
  const tokenSavingsPct = estimate(tokens, samples.tokens);
  const successRatePct = { hybrid: pct(succeeded.hybrid, runs.hybrid), sequential: pct(succeeded.sequential, runs.sequential) };

  const reasons: string[] = [];
  const enoughRuns = runs.sequential >= minRuns && runs.hybrid >= minRuns;
  if (!enoughRuns) {
    reasons.push(`${runs.sequential} sequential and ${runs.hybrid} hybrid matched runs; at least ${minRuns} of each are needed`);
  }
  // A median also needs enough runs behind it: the succeeded, non-resumed runs of both modes.
  const enoughFor = (n: number) => enoughRuns && compared.sequential >= minRuns && n >= minRuns;
  const check = (metric: ThresholdCheck["metric"], value: number | null, threshold: number, n: number, enough: boolean): ThresholdCheck => {
    const verdict: Verdict = !enough || value === null ? "insufficient-data" : value >= threshold ? "pass" : "fail";
    return { metric, value, threshold, n, verdict, pass: verdict === "pass" };
  };
  const checks = [
    check("run_success_rate_pct", successRatePct.hybrid, thresholds.successRatePct, runs.hybrid, enoughRuns),
    check("median_duration_improvement_pct", durationImprovementPct?.median ?? null, thresholds.durationImprovementPct, durationImprovementPct?.n ?? 0, enoughFor(durationImprovementPct?.n ?? 0)),
    check("median_token_savings_pct", tokenSavingsPct?.median ?? null, thresholds.tokenSavingsPct, tokenSavingsPct?.n ?? 0, enoughFor(tokenSavingsPct?.n ?? 0)),
  ];
  if (enoughRuns && !enoughFor(compared.hybrid)) {
    reasons.push(
      `the medians rest on ${compared.sequential} sequential and ${compared.hybrid} hybrid succeeded, non-resumed runs; at least ${minRuns} of each are needed`,
    );
  }
  for (const c of checks) if (c.verdict === "fail") reasons.push(`${c.metric} ${c.value!.toFixed(1)} is below ${c.threshold}`);
  const verdict: Verdict = !enoughRuns
    ? "insufficient-data"
    : checks.some((c) => c.verdict === "fail")
      ? "fail"
      : checks.some((c) => c.verdict === "insufficient-data")
        ? "insufficient-data"
        : "pass";
  return {
    workflows,
    runs,
    compared,
    excluded,
    durationImprovementPct,
    tokenSavingsPct,
    successRatePct,
    thresholds,
    minRuns,
    checks,
    verdict,
    reasons,
    pass: verdict === "pass",
  };
}
