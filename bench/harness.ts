import { mkdirSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

/** One measured contender: median of several runs, or the error that stopped it. */
export interface Measurement {
  name: string;
  medianMs: number | null;
  runsMs: number[];
  error?: string;
  /** Free-form extra numbers a suite wants in its table (per-node cost, tokens/s, ...). */
  extra?: Record<string, number | string>;
}

export interface SuiteResult {
  suite: string;
  case: string;
  measurements: Measurement[];
  /** Name of the contender that ratios are computed against (ratio = other / baseline). */
  baseline: string;
  notes?: string[];
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Times `fn` `runs` times after `warmup` untimed runs and keeps the median. A contender that throws
 * (a peer that overflows the stack on a long chain, say) is recorded with its error, not dropped.
 */
export async function measure(
  name: string,
  fn: () => unknown | Promise<unknown>,
  { runs = 5, warmup = 1 }: { runs?: number; warmup?: number } = {},
): Promise<Measurement> {
  const runsMs: number[] = [];
  try {
    for (let i = 0; i < warmup; i++) await fn();
    for (let i = 0; i < runs; i++) {
      gc?.();
      const start = performance.now();
      await fn();
      runsMs.push(performance.now() - start);
    }
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { name, medianMs: null, runsMs, error: message.slice(0, 120) };
  }
  return { name, medianMs: median(runsMs), runsMs };
}

/**
 * Times several contenders round-robin: every round runs each once, starting one further along, so
 * machine drift (other load, thermal state, heap growth) hits them alike instead of whoever ran
 * last. Warm-up rounds are untimed; a contender that throws is recorded with its error.
 */
export async function measureInterleaved(
  contenders: ReadonlyArray<readonly [name: string, fn: () => unknown | Promise<unknown>]>,
  { rounds = 7, warmup = 2 }: { rounds?: number; warmup?: number } = {},
): Promise<Measurement[]> {
  const results = contenders.map(([name]): Measurement => ({ name, medianMs: null, runsMs: [] }));
  for (let round = 0; round < warmup + rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const at = (round + k) % contenders.length;
      const result = results[at]!;
      if (result.error !== undefined) continue;
      const fn = contenders[at]![1];
      try {
        gc?.();
        const start = performance.now();
        await fn();
        if (round >= warmup) result.runsMs.push(performance.now() - start);
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        result.error = message.slice(0, 120);
      }
    }
  }
  for (const result of results) if (result.error === undefined && result.runsMs.length > 0) result.medianMs = median(result.runsMs);
  return results;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints a table of medians and ratios against the suite's baseline. */
export function printSuite(result: SuiteResult): void {
  const base = result.measurements.find((m) => m.name === result.baseline)?.medianMs ?? null;
  console.log(`\n## ${result.suite}: ${result.case}`);
  const rows = result.measurements.map((m) => ({
    contender: m.name,
    "median ms": m.medianMs === null ? "—" : m.medianMs.toFixed(2),
    [`× ${result.baseline}`]:
      m.medianMs === null || base === null || base === 0 ? (m.error ?? "—") : (m.medianMs / base).toFixed(2),
    ...(m.extra ?? {}),
  }));
  console.table(rows);
  for (const note of result.notes ?? []) console.log(`  ${note}`);
}

/** Ratio of `name`'s median to `other`'s median, or null when either failed. */
export function ratio(result: SuiteResult, name: string, other: string): number | null {
  const a = result.measurements.find((m) => m.name === name)?.medianMs;
  const b = result.measurements.find((m) => m.name === other)?.medianMs;
  return a == null || b == null || b === 0 ? null : a / b;
}

/** Writes `bench/results/<file>.json` with the machine facts a reader needs to compare runs. */
export function writeResults(file: string, results: SuiteResult[], targets: Record<string, unknown> = {}): void {
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const payload = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    results,
    targets,
  };
  writeFileSync(new URL(`${file}.json`, dir), `${JSON.stringify(payload, null, 2)}\n`);
}

/** The seeded PRNG so every contender sees the same generated input. */
export { seededRandom } from "@hybrid/test-utils";
