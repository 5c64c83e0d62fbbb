// Scale-out (`@hybrid/dispatch/bullmq`) costs, against a real redis-server on loopback, in one
// process run: (a) what a node costs when its attempt is a BullMQ job instead of a local call, on a
// chain (latency) and a wide fan (throughput); (b) how long a SIGKILLed `hybrid worker`'s job takes
// to start on another worker, and whether the dead worker's agent died with it. Run: pnpm bench scale-out.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createDispatchController, createFunctionRunner } from "@hybrid/dispatch";
import type { AgentRunner } from "@hybrid/dispatch";
import { createBullmqRunner, createBullmqWorker } from "@hybrid/dispatch/bullmq";
import { buildGraph } from "@hybrid/graph";
import { planSchedule } from "@hybrid/scheduler";
import type { SchedulePlan } from "@hybrid/scheduler";
import { startRedisServer } from "@hybrid/test-utils";
import { median, printSuite, writeResults } from "./harness.js";
import type { Measurement, SuiteResult } from "./harness.js";
import { failoverCase } from "./scale-out-workers.js";

const MAX_PARALLEL = 64;
const POLL_MS = 1000;
const gc = (globalThis as { gc?: () => void }).gc;
const noopRunner = createFunctionRunner(() => "");
const emptyPrompt = () => ({ prompt: "" });
const identity = (text: string): string => text;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
}

/** `size` no-op nodes: a chain (node i depends on i-1) or a fan (no dependencies: width = size). */
function planOf(shape: "chain" | "fan", size: number): SchedulePlan {
  const ids = Array.from({ length: size }, (_, i) => `n${i}`);
  return planSchedule(
    buildGraph({
      version: 1,
      id: `scale-out-${shape}-${size}`,
      nodes: ids.map((id, i) => ({
        id,
        agent: "noop",
        priority: "implementation" as const,
        scope: "no-op",
        acceptance: [],
        dependsOn: shape === "chain" && i > 0 ? [ids[i - 1]!] : [],
      })),
    }),
  );
}

interface Mode {
  name: string;
  /** Untimed: a runner ready to take the round's nodes, and how to release it. */
  prepare(round: number): Promise<{ runner: AgentRunner; close(): Promise<void> }>;
}

/** The BullMQ mode: a fresh queue each round, one in-process worker (concurrency = maxParallel), connected before timing. */
function bullmqMode(redis: string, shape: string, workerErrors: string[]): Mode {
  return {
    name: "bullmq (1 in-process worker)",
    async prepare(round) {
      const queue = `scale-out-${shape}-${process.pid}-${round}`;
      const worker = createBullmqWorker({
        connection: redis,
        queue,
        concurrency: MAX_PARALLEL,
        runner: noopRunner,
        redact: identity,
        onEvent: (event) => void (event.type === "error" && workerErrors.push(event.message)),
      });
      const runner = createBullmqRunner({ connection: redis, queue, pollIntervalMs: POLL_MS });
      await worker.ready();
      await runner.ready(); // its connections and QueueEvents, before the timed part
      return {
        runner,
        async close() {
          await runner.close();
          await worker.stop({ graceMs: 0 });
        },
      };
    },
  };
}

/**
 * Each round runs every mode once, starting one further along (as measureInterleaved does), with
 * set-up and tear-down outside the timed part: only `controller.run()` is timed.
 */
async function interleavedRuns(plan: SchedulePlan, modes: Mode[], rounds: number, warmup: number): Promise<Measurement[]> {
  const results = modes.map((m): Measurement => ({ name: m.name, medianMs: null, runsMs: [] }));
  for (let round = 0; round < warmup + rounds; round++) {
    for (let k = 0; k < modes.length; k++) {
      const at = (round + k) % modes.length;
      const result = results[at]!;
      if (result.error !== undefined) continue;
      try {
        const { runner, close } = await modes[at]!.prepare(round);
        try {
          gc?.();
          const start = performance.now();
          const outcome = await createDispatchController({ maxParallel: MAX_PARALLEL }).run(plan, { runner, prepare: emptyPrompt, mode: "eager" });
          const ms = performance.now() - start;
          if (outcome.status !== "succeeded") throw new Error(`dispatch run ${outcome.status}`);
          if (round >= warmup) result.runsMs.push(ms);
        } finally {
          await close();
        }
      } catch (error) {
        result.error = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 120);
      }
    }
  }
  for (const r of results) if (r.error === undefined && r.runsMs.length > 0) r.medianMs = median(r.runsMs);
  return results;
}

async function overheadCase(redis: string, shape: "chain" | "fan", size: number, rounds: number): Promise<SuiteResult> {
  const plan = planOf(shape, size);
  const workerErrors: string[] = [];
  const local: Mode = { name: "local function runner", prepare: async () => ({ runner: noopRunner, close: async () => {} }) };
  const measurements = await interleavedRuns(plan, [local, bullmqMode(redis, shape, workerErrors)], rounds, 2);
  const perNode = (ms: number): string => (ms / size).toFixed(3);
  for (const m of measurements) {
    if (m.medianMs === null) continue;
    m.extra = {
      N: size,
      rounds: m.runsMs.length,
      "ms/node median": perNode(m.medianMs),
      "ms/node IQR": `${perNode(quantile(m.runsMs, 0.25))}–${perNode(quantile(m.runsMs, 0.75))}`,
      "ms/node min–max": `${perNode(Math.min(...m.runsMs))}–${perNode(Math.max(...m.runsMs))}`,
    };
  }
  const [loc, bull] = measurements;
  const notes: string[] = [];
  if (loc?.medianMs != null && bull?.medianMs != null) {
    const added = (bull.medianMs - loc.medianMs) / size;
    const lo = (Math.min(...bull.runsMs) - Math.max(...loc.runsMs)) / size;
    const hi = (Math.max(...bull.runsMs) - Math.min(...loc.runsMs)) / size;
    bull.extra = { ...bull.extra, "added ms/node": added.toFixed(3) };
    notes.push(
      `bullmq vs local: ${(bull.medianMs / loc.medianMs).toFixed(0)}× per node; added ${added.toFixed(3)} ms/node (${(added * 1000).toFixed(0)} µs), bounds over all rounds ${lo.toFixed(3)}–${hi.toFixed(3)} ms/node`,
    );
    if (shape === "fan") notes.push(`fan throughput through the queue: ${((size * 1000) / bull.medianMs).toFixed(0)} nodes/s (local: ${((size * 1000) / loc.medianMs).toFixed(0)} nodes/s)`);
  }
  if (workerErrors.length > 0) notes.push(`worker 'error' events: ${workerErrors.length} (first: ${workerErrors[0]!.slice(0, 160)})`);
  return {
    suite: "scale-out",
    case: `${shape === "chain" ? "chain (latency-bound)" : "fan-out (throughput)"}: ${size} no-op nodes${shape === "fan" ? `, width ${size}` : ""}, maxParallel ${MAX_PARALLEL}, eager`,
    measurements,
    baseline: "local function runner",
    notes,
  };
}

/** The scale-out suite: per-node overhead of the queue (chain, fan) and failover after a SIGKILL. */
export async function runScaleOutBench(): Promise<void> {
  const started = performance.now();
  const redis = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), "hybrid-scale-out-bench-"));
  const results: SuiteResult[] = [];
  try {
    // HYBRID_BENCH_SCALE_OUT=failover (or overhead) runs one part.
    const parts = process.env.HYBRID_BENCH_SCALE_OUT?.split(",") ?? ["overhead", "failover"];
    const overhead = parts.includes("overhead") ? ([["chain", 200, 9], ["fan", 256, 9]] as const) : [];
    for (const [shape, size, rounds] of overhead) {
      const result = await overheadCase(redis.url, shape, size, rounds);
      result.notes!.push(
        `Redis: a local redis-server on loopback (127.0.0.1), no network, on the same cores as coordinator and worker. Over a network each chain node pays its Redis round trips serially, roughly 10–11 (coordinator: getJob, DEL of the cancel key, SADD to the run's job set, add, getJobState; after the completion event, getJobState + getJob; worker: fetch/moveToActive, EXISTS of the cancel key, moveToFinished; the event-stream read): add ~10 × RTT per node to a chain; a fan overlaps them up to maxParallel. Runner pollIntervalMs ${POLL_MS} (events wake it first).`,
      );
      printSuite(result);
      results.push(result);
    }
    const failover: Measurement[] = [];
    const notes: string[] = [];
    const settings = parts.includes("failover") ? ([[2000, 500, 8], [undefined, undefined, 5]] as const) : [];
    for (const [lockMs, stalledMs, samples] of settings) {
      const { measurement, notes: more } = await failoverCase(redis.url, dir, lockMs, stalledMs, samples);
      failover.push(measurement);
      notes.push(...more);
    }
    const result: SuiteResult = {
      suite: "scale-out",
      case: "failover: SIGKILL of the `hybrid worker` running a job → the job's agent running on the other worker (2 CLI worker processes, --runner command)",
      measurements: failover,
      baseline: failover[0]!.name,
      notes: [
        "time = B's agent's own start timestamp − the moment of the SIGKILL (one clock); it includes B's agent spawn and node startup ('to B's agent spawn' leaves that out). One queue per setting; the killed worker is replaced after each sample; each job is enqueued at a random phase (U[0, stalledInterval)) after the workers are ready and A is killed at a random point (U[0, lock/4)) after its agent started, so the renewal and check phases are not aligned by the bench.",
        "expected: BullMQ 6.7 renews A's lock about every lock/4 (its lock manager ticks at lockRenewTime/2 = lock/4), so the lock expires ¾–1 × lock after the kill; the first stalled check after that (a global one every stalledInterval; the stalled set is refilled with all active jobs at each) moves the job back to wait and B takes it: ¾ × lock … lock + stalledInterval, plus B's agent start (spawn + node startup).",
        "A's agent dead: /proc/<pid> gone or a zombie, polled every 2 ms from the kill (the worker's sentinel kills the agent's process group when its pipe from the worker closes).",
        "Redis on loopback; over a network its RTT adds to the stalled check's and the fetch's round trips, small against these intervals.",
        ...notes,
      ],
    };
    if (failover.length > 0) {
      printSuite(result);
      results.push(result);
    }
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n  scale-out suite: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  writeResults("scale-out", results);
}

// Direct run (after tsc -b): node --expose-gc --import tsx bench/scale-out.bench.ts
if (import.meta.url === `file://${process.argv[1]}`) await runScaleOutBench();
