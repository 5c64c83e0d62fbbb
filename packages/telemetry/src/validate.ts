import { zodProblems } from "./errors.js";
import type { RunStoreScan } from "./jsonl-run-store.js";
import { REQUIRED_METRICS, RunRecordSchema, type RequiredMetric } from "./run-record.js";

/** One record that failed validation, located by store line or array index. */
export interface RunRecordProblem {
  line?: number;
  index?: number;
  runId?: string;
  reasons: string[];
}

/** What `validateRunRecords` found. `complete` is the observability criterion. */
export interface RunRecordValidation {
  total: number;
  valid: number;
  invalid: number;
  /** valid / total × 100 (100 for an empty store). */
  validPct: number;
  /** True when every record is valid, and so carries every required metric. */
  complete: boolean;
  /** For each required metric, how many JSON-object records lack it (or hold a non-number). Zeros omitted. */
  missingMetrics: Partial<Record<RequiredMetric, number>>;
  problems: RunRecordProblem[];
  /** A torn last line of a store; not counted as a record. */
  tornTail?: { line: number; reason: string };
}

function missingOf(value: unknown): RequiredMetric[] {
  const metrics = (value as { metrics?: unknown } | null)?.metrics;
  return REQUIRED_METRICS.filter((name) => {
    const v = (metrics as Record<string, unknown> | null | undefined)?.[name];
    return typeof v !== "number" || !Number.isFinite(v);
  });
}

function runIdOf(value: unknown): string | undefined {
  const id = (value as { runId?: unknown } | null)?.runId;
  return typeof id === "string" ? id : undefined;
}

/**
 * Validates every record of a store (anything with `scan()`) or of an array of parsed JSON values
 * against `RunRecordSchema`, counting valid and invalid records with the reasons.
 */
export async function validateRunRecords(
  source: { scan(): Promise<RunStoreScan> } | readonly unknown[],
): Promise<RunRecordValidation> {
  const problems: RunRecordProblem[] = [];
  const missingMetrics: Partial<Record<RequiredMetric, number>> = {};
  const countMissing = (value: unknown) => {
    // Only a JSON object can be said to lack a metric; garbage is reported by its reason alone.
    if (typeof value !== "object" || value === null) return;
    for (const name of missingOf(value)) missingMetrics[name] = (missingMetrics[name] ?? 0) + 1;
  };
  let valid = 0;
  let tornTail: RunRecordValidation["tornTail"];
  if (Array.isArray(source)) {
    source.forEach((value: unknown, index) => {
      const parsed = RunRecordSchema.safeParse(value);
      if (parsed.success) {
        valid += 1;
        return;
      }
      countMissing(value);
      const runId = runIdOf(value);
      problems.push({
        index,
        ...(runId === undefined ? {} : { runId }),
        reasons: zodProblems(parsed.error).map((p) => `${p.path}: ${p.message}`),
      });
    });
  } else {
    const scan = await (source as { scan(): Promise<RunStoreScan> }).scan();
    valid = scan.records.length;
    tornTail = scan.tornTail;
    for (const bad of scan.invalid) {
      countMissing(bad.value);
      const runId = runIdOf(bad.value);
      problems.push({ line: bad.line, ...(runId === undefined ? {} : { runId }), reasons: [bad.reason] });
    }
  }
  const total = valid + problems.length;
  return {
    total,
    valid,
    invalid: problems.length,
    validPct: total === 0 ? 100 : (valid / total) * 100,
    complete: problems.length === 0,
    missingMetrics,
    problems,
    ...(tornTail ? { tornTail } : {}),
  };
}
