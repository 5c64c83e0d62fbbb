// The Reliability category's numbers from its chaos runs: pure, so a test can feed it made-up runs.
import type { ChaosRun } from "./chaos-runs.js";
import { wilsonInterval } from "./wilson.js";
import type { ProportionInterval } from "./wilson.js";

export interface ModeTally {
  runs: number;
  succeeded: number;
  interval: ProportionInterval | null;
}

export interface ChaosTally {
  all: ModeTally;
  hybrid: ModeTally;
  sequential: ModeTally;
  attempts: number;
  transientFailures: number;
  timeouts: number;
  hangsCut: number;
  maxAttempt: number;
  retriesPerRun: number[];
  /** Runs whose record's retry_count is not the journal's node.retrying count. */
  retryMismatches: number[];
  /** Runs whose answer's status is not the journal's last settled status. */
  statusMismatches: number[];
  failed: ChaosRun[];
  /** Failed runs without a single root cause in their post-mortem. */
  unexplained: number[];
  /** Probability that every run succeeds under the model alone: Π over nodes of 1 − p_fail^maxAttempts. */
  expectedCompletion: number;
}

const tallyOf = (runs: readonly ChaosRun[]): ModeTally => {
  const succeeded = runs.filter((r) => r.status === "succeeded").length;
  return { runs: runs.length, succeeded, interval: wilsonInterval(succeeded, runs.length) };
};

/** Everything the category reports, from the runs; `attemptFailure` and `maxAttempts` are the model's. */
export function tallyChaos(runs: readonly ChaosRun[], attemptFailure: number, maxAttempts: number): ChaosTally {
  const sum = (f: (r: ChaosRun) => number) => runs.reduce((a, r) => a + f(r), 0);
  const failed = runs.filter((r) => r.status !== "succeeded");
  const nodeOk = 1 - attemptFailure ** maxAttempts;
  return {
    all: tallyOf(runs),
    hybrid: tallyOf(runs.filter((r) => r.mode === "hybrid")),
    sequential: tallyOf(runs.filter((r) => r.mode === "sequential")),
    attempts: sum((r) => r.attempts),
    transientFailures: sum((r) => r.transientFailures),
    timeouts: sum((r) => r.timeouts),
    hangsCut: sum((r) => r.hangsCut),
    maxAttempt: Math.max(0, ...runs.map((r) => r.maxAttempt)),
    retriesPerRun: runs.map((r) => r.retries),
    retryMismatches: runs.filter((r) => r.recordRetries !== r.retries).map((r) => r.index),
    statusMismatches: runs.filter((r) => r.status !== r.journalStatus).map((r) => r.index),
    failed,
    unexplained: failed.filter((r) => r.rootCauses.length === 0).map((r) => r.index),
    expectedCompletion: runs.length === 0 ? 0 : sum((r) => nodeOk ** r.nodes) / runs.length,
  };
}

/** Whether two intervals share a point: no evidence the two proportions differ. */
export const overlap = (a: ProportionInterval | null, b: ProportionInterval | null): boolean => a !== null && b !== null && a.low <= b.high && b.low <= a.high;
