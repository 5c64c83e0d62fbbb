// Reliability: ≥ 99% of runs complete under transient failures. Generated workflows of 5–20 nodes
// run through the library orchestrators (hybrid on; every 10th run sequential, the fallback) with
// the simulated agent failing 10% of attempts transiently and hanging 1%, under the default retry
// policy. Counts come from each run's journal.jsonl, read back raw; the interval is Wilson's.
import { mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { estimateMedian } from "@hybrid/telemetry";
import { CHAOS, chaosRun } from "../chaos/chaos-runs.js";
import type { ChaosMode, ChaosRun } from "../chaos/chaos-runs.js";
import { overlap, tallyChaos } from "../chaos/tally.js";
import type { ModeTally } from "../chaos/tally.js";
import { formatInterval, wilsonInterval } from "../chaos/wilson.js";
import type { Check, Suite } from "../contract.js";
import { count, ofN, pct, spreadOf } from "../format.js";
import { cpuSecondsSince, withDeadline } from "../recovery/processes.js";

/** The default retry policy's attempts (resilience's `retry.maxAttempts` default): not raised here. */
const DEFAULT_MAX_ATTEMPTS = 3;
const LANES = 12;
const RUN_DEADLINE_MS = 300_000;

const rate = (t: ModeTally) => `${pct(t.interval ? t.interval.point * 100 : null, 1)} (${ofN(t.succeeded, t.runs, "runs")})`;

/** A run that threw or never ended, as a failed run with its reason as root cause. */
function brokenRun(index: number, seed: number, mode: ChaosMode, reason: string): ChaosRun {
  return { index, seed, mode, nodes: 0, status: "error", journalStatus: null, attempts: 0, retries: 0, timeouts: 0, hangsCut: 0, transientFailures: 0, maxAttempt: 0, recordRetries: 0, rootCauses: [reason], durationMs: 0 };
}

export const reliabilitySuite: Suite = {
  name: "reliability",
  categories: ["reliability"],
  async run(ctx) {
    const total = ctx.full ? 1000 : 200;
    const load0 = loadavg()[0]!;
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const base = ctx.seed * 1_000_003 + 17;
    const runs: ChaosRun[] = [];
    const stateDirs = Array.from({ length: LANES }, (_, lane) => join(ctx.workDir, `state-${lane}`));
    let done = 0;
    await Promise.all(
      stateDirs.map(async (stateDir, lane) => {
        mkdirSync(stateDir, { recursive: true });
        for (let index = lane; index < total; index += LANES) {
          const mode: ChaosMode = index % 10 === 9 ? "sequential" : "hybrid";
          const run = await withDeadline(
            chaosRun(base, index, mode, stateDir, ctx.workDir).catch((error: unknown) => brokenRun(index, base + index * 7919, mode, `threw: ${String(error)}`)),
            RUN_DEADLINE_MS,
          );
          runs.push(run ?? brokenRun(index, base + index * 7919, mode, `did not end within ${RUN_DEADLINE_MS / 1000} s`));
          if (++done % 50 === 0) ctx.log(`${done}/${total} runs`);
        }
      }),
    );
    runs.sort((a, b) => a.index - b.index);
    const t = tallyChaos(runs, CHAOS.transientFailureRate + CHAOS.timeoutRate, DEFAULT_MAX_ATTEMPTS);
    const transient = wilsonInterval(t.transientFailures, t.attempts, 0.99);
    const retries = estimateMedian(t.retriesPerRun, { seed: base });
    const checks: Check[] = [
      {
        name: "runs completed (status succeeded) under 10% transient failures and 1% hangs per attempt",
        measured: rate(t.all),
        threshold: ">= 99%",
        pass: t.all.interval !== null && t.all.interval.point >= 0.99,
        n: t.all.runs,
        unit: "runs",
        spread: formatInterval(t.all.interval),
        value: t.all.interval ? t.all.interval.point * 100 : 0,
      },
      {
        name: "sequential fallback completes like hybrid (95% intervals overlap)",
        measured: `sequential ${rate(t.sequential)}; hybrid ${rate(t.hybrid)}`,
        threshold: "overlap",
        pass: overlap(t.sequential.interval, t.hybrid.interval),
        n: t.all.runs,
        unit: "runs",
        spread: `sequential ${formatInterval(t.sequential.interval) ?? "—"}; hybrid ${formatInterval(t.hybrid.interval) ?? "—"}`,
      },
      {
        name: "transient failures injected per attempt (non-vacuity: the 99% interval holds 10%)",
        measured: `${pct(transient ? transient.point * 100 : null, 2)} (${ofN(t.transientFailures, t.attempts, "attempts")})`,
        threshold: "contains 10%",
        pass: transient !== null && transient.low <= CHAOS.transientFailureRate && CHAOS.transientFailureRate <= transient.high,
        n: t.attempts,
        unit: "attempts",
        spread: formatInterval(transient, 2),
      },
      {
        name: "injected hangs cut by the attempt timeout (non-vacuity)",
        measured: `${count(t.hangsCut)} hangs cut (${pct(t.attempts ? (t.hangsCut / t.attempts) * 100 : null, 2)} of attempts); ${count(t.timeouts - t.hangsCut)} other attempts timed out`,
        threshold: "> 0",
        pass: t.hangsCut > 0,
        n: t.attempts,
        unit: "attempts",
      },
      {
        name: "attempts per node under the default retry policy",
        measured: `at most ${t.maxAttempt}`,
        threshold: `= ${DEFAULT_MAX_ATTEMPTS} (reached, never exceeded)`,
        pass: t.maxAttempt === DEFAULT_MAX_ATTEMPTS,
        n: t.attempts,
        unit: "attempts",
      },
      {
        name: "retries per run: the run record's retry_count equals the journal's node.retrying",
        measured: `median ${retries ? retries.median : "—"} retries/run; ${ofN(t.retryMismatches.length, runs.length, "runs")} disagree`,
        threshold: "0 disagree",
        pass: t.retryMismatches.length === 0 && runs.length > 0,
        n: runs.length,
        unit: "runs",
        spread: spreadOf(retries, "", 1),
      },
      {
        name: "runs whose returned status is not their journal's",
        measured: ofN(t.statusMismatches.length, runs.length, "runs"),
        threshold: "0",
        pass: t.statusMismatches.length === 0 && runs.length > 0,
        n: runs.length,
        unit: "runs",
      },
      {
        name: "failed runs explained by a post-mortem root cause",
        measured: ofN(t.failed.length - t.unexplained.length, t.failed.length, "failed runs"),
        threshold: "100%",
        pass: t.unexplained.length === 0,
        n: t.failed.length,
        unit: "failed runs",
      },
    ];
    const causes = new Map<string, number>();
    for (const run of t.failed) for (const cause of run.rootCauses) causes.set(cause.split(":")[1]!.trim(), (causes.get(cause.split(":")[1]!.trim()) ?? 0) + 1);
    return {
      reliability: {
        checks,
        seeds: runs.map((r) => r.seed),
        notes: [
          `${count(runs.length)} runs of generated workflows (5–20 nodes, six shapes in turn, ${count(runs.reduce((a, r) => a + r.nodes, 0))} nodes in all) through HybridOrchestrator with hybrid on; every 10th run (${count(t.sequential.runs)}) through SequentialOrchestrator, the fallback. ${LANES} runs at a time in one process, one state directory per lane.`,
          `Agent: createSimulatedAgent with transientFailureRate ${CHAOS.transientFailureRate}, timeoutRate ${CHAOS.timeoutRate} (a hang until aborted), seeded per run; time scale ${CHAOS.timeScale} real ms per simulated ms (an attempt of ~10 simulated s takes ~10 real ms).`,
          `Retry policy: the default (${DEFAULT_MAX_ATTEMPTS} attempts, 250 ms base exponential backoff with jitter, 30 s cap; breaker at 5 consecutive failures). Only resilience.timeoutMs is set: ${CHAOS.timeoutMs} real ms per attempt, so a hang costs ${CHAOS.timeoutMs / 1000} s instead of the default 10 min. The timeout also covers an attempt's preparation (prompt, gates), so on a loaded machine a non-hang attempt can reach it: those are counted apart ("other attempts timed out"); a timed-out attempt is a hang when the agent's seeded draw, recomputed, says so.`,
          `What the model alone predicts: a node fails when all ${DEFAULT_MAX_ATTEMPTS} attempts fail (p = ${(CHAOS.transientFailureRate + CHAOS.timeoutRate).toFixed(2)}^${DEFAULT_MAX_ATTEMPTS} = ${((CHAOS.transientFailureRate + CHAOS.timeoutRate) ** DEFAULT_MAX_ATTEMPTS * 100).toFixed(3)}% per node), so these workflows' expected completion is ${pct(t.expectedCompletion * 100, 2)}: with the default policy the ≥ 99% threshold is not reachable in expectation for workflows of more than ~${Math.floor(Math.log(0.99) / Math.log(1 - (CHAOS.transientFailureRate + CHAOS.timeoutRate) ** DEFAULT_MAX_ATTEMPTS))} nodes. The threshold is judged on the point estimate; the Wilson interval says how sure it is.`,
          `Counts (attempts, transient failures, timeouts, retries, final status) are read from each run's journal.jsonl with a JSON.parse per line, not from the orchestrator's answer; a run that threw or did not end in ${RUN_DEADLINE_MS / 1000} s would count as failed.`,
          `Failed runs by root-cause category: ${causes.size === 0 ? "none" : [...causes].map(([c, n]) => `${c} ×${n}`).join(", ")}.`,
          ...t.failed.slice(0, 10).map((r) => `Failed: run ${r.index} (${r.mode}, ${r.nodes} nodes, seed ${r.seed}): ${r.rootCauses.join("; ").slice(0, 300)}`),
          `Took ${((Date.now() - t0) / 1000).toFixed(1)} s wall, ${cpuSecondsSince(cpu0).toFixed(1)} s CPU in this process; 1-minute load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores (other work shared the machine when it was high).`,
          "Left out: permanent failures (not transient by definition), real agents and networks, breaker-open cascades across runs (each run has its own orchestrator).",
        ],
        stateDirs: stateDirs.map((dir) => ({ dir, runs: runs.filter((r) => r.index % LANES === stateDirs.indexOf(dir) && r.journalStatus !== null).length })),
        data: {
          runs: runs.map((r) => ({ index: r.index, mode: r.mode, nodes: r.nodes, status: r.status, attempts: r.attempts, retries: r.retries, timeouts: r.timeouts, hangsCut: r.hangsCut, durationMs: r.durationMs })),
          expectedCompletion: t.expectedCompletion,
        },
      },
    };
  },
};
