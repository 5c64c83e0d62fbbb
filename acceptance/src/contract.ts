// What every acceptance category hands back, and what the runner gives it. One suite may measure
// several categories from the same runs (performance and token efficiency share theirs).

/** The rows of the acceptance matrix, in report order. */
export const CATEGORY_IDS = [
  "correctness",
  "determinism",
  "performance",
  "token-efficiency",
  "reliability",
  "recovery",
  "observability",
  "security",
  "governance",
  "compatibility",
] as const;
export type CategoryId = (typeof CATEGORY_IDS)[number];

/** Categories whose failure makes `pnpm acceptance` exit non-zero; the timing ones are reported only. */
export const GATING: ReadonlySet<CategoryId> = new Set(["correctness", "determinism", "recovery", "observability", "security", "governance", "compatibility"]);

/** One measured line of a category: what was measured against what it must be. */
export interface Check {
  /** What is measured, e.g. "nodes started before a predecessor succeeded". */
  name: string;
  /** The measurement as printed, e.g. "0 of 4,212 nodes" or "46.6%". */
  measured: string;
  /** The threshold as printed, e.g. "0" or ">= 30%". */
  threshold: string;
  pass: boolean;
  /** Sample size behind the measurement (runs, nodes, files, ... as `unit` says). */
  n: number;
  unit: string;
  /** Spread, e.g. "95% CI 41.6–50.2% (bootstrap, 2000 resamples, seed 1); IQR 40.1–52.3%". */
  spread?: string;
  /** The raw number, for the JSON report. */
  value?: number;
}

/** A state directory a suite ran in, and how many runs finished there (each must have left a record). */
export interface StateDirUse {
  dir: string;
  /** Runs that reached their end (succeeded or failed, resumed ones once): the records expected. */
  runs: number;
}

/** What a category measured. */
export interface CategoryOutcome {
  checks: Check[];
  /** Every seed used, so a run can be reproduced exactly. */
  seeds: number[];
  /** The latency model, what was simulated, what was left out: printed as is. */
  notes: string[];
  /** State directories whose run records the observability category validates. */
  stateDirs: StateDirUse[];
  /** Extra detail for the JSON report (per-workflow numbers, findings, ...). */
  data?: Record<string, unknown>;
}

/** What the runner gives a suite. */
export interface SuiteContext {
  /** `--full`: the full sample sizes; otherwise the reduced ones (under 10 minutes in all). */
  full: boolean;
  /** Base seed (`--seed`); a suite derives its own seeds from it and reports them. */
  seed: number;
  /** A scratch directory of the suite's own, removed after the run unless `--keep`. */
  workDir: string;
  /** The repository root (example workflows, docs). */
  repoRoot: string;
  /** The built `hybrid` CLI (packages/hybrid/dist/cli/bin.js), run with `node`. */
  bin: string;
  /** State directories the suites before this one reported (for observability). */
  stateDirs: readonly StateDirUse[];
  /** A progress line on stderr. */
  log(line: string): void;
}

/** A suite: measures one or more categories. */
export interface Suite {
  name: string;
  categories: readonly CategoryId[];
  run(ctx: SuiteContext): Promise<Partial<Record<CategoryId, CategoryOutcome>>>;
}
