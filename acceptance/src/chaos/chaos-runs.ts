// Chaos runs for the Reliability category: small generated workflows through the library
// orchestrators with the simulated agent failing 10% of attempts transiently and hanging 1% of them,
// under the DEFAULT retry policy (3 attempts, 250 ms base backoff, breaker at 5 consecutive
// failures); only the attempt timeout is set, so that a hang is cut in real time. What happened is
// read back from each run's journal.jsonl, not from the orchestrator's answer alone.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createSimulatedRunner } from "@hybrid/dispatch";
import { HybridOrchestrator, SequentialOrchestrator, createSimulatedAgent } from "@hybrid/hybrid";
import { generateDag } from "@hybrid/test-utils";
import type { DagShape } from "@hybrid/test-utils";
import { countTypes, finalStatus, parseJournal } from "../recovery/journal-lines.js";
import { mixedRandom } from "../recovery/kill-rounds.js";

const SHAPES: readonly DagShape[] = ["chain", "fan-out", "fan-in", "diamond", "layered", "random"];

/** The chaos model: per-attempt rates and the time scale they play out at. */
export const CHAOS = {
  transientFailureRate: 0.1,
  timeoutRate: 0.01,
  /** Real ms per simulated ms: an attempt of ~10 simulated seconds takes ~10 real ms. */
  timeScale: 0.001,
  /**
   * The attempt timeout (real ms). It covers the attempt's preparation too (prompt, context, gates),
   * which on a loaded 2-core machine can take hundreds of ms: 3 s is ~300× a typical simulated
   * attempt at this scale, so in practice only hangs reach it, and a hang costs 3 real seconds.
   */
  timeoutMs: 3000,
} as const;

export type ChaosMode = "hybrid" | "sequential";

export interface ChaosRun {
  index: number;
  seed: number;
  mode: ChaosMode;
  nodes: number;
  /** The orchestrator's answer. */
  status: string;
  /** The journal's last settled status, read back from the file. */
  journalStatus: string | null;
  attempts: number;
  retries: number;
  /** Attempts that ran out of time: `node.timed-out`, or `node.failed` with error code "timeout" (in preparation). */
  timeouts: number;
  /** Of those, attempts the simulated agent drew as a hang (its seeded draw, recomputed): injected, not spurious. */
  hangsCut: number;
  /** Attempts that failed with the agent's transient error. */
  transientFailures: number;
  /** The highest attempt number any node reached. */
  maxAttempt: number;
  /** `retry_count` of the run record telemetry wrote. */
  recordRetries: number;
  /** Each failed node's root cause from the post-mortem (empty when the run succeeded). */
  rootCauses: string[];
  durationMs: number;
}

/** The `index`-th run of a reliability suite seeded `base`: 5–20 nodes, shapes in turn. */
export async function chaosRun(base: number, index: number, mode: ChaosMode, stateDir: string, repoRoot: string): Promise<ChaosRun> {
  const seed = base + index * 7919;
  const random = mixedRandom(seed);
  const workflow = generateDag(SHAPES[index % SHAPES.length]!, 5 + Math.floor(random() * 16), seed, { degree: 1 + Math.floor(random() * 3) });
  const settings = {
    runner: createSimulatedAgent({ seed, timeScale: CHAOS.timeScale, transientFailureRate: CHAOS.transientFailureRate, timeoutRate: CHAOS.timeoutRate }),
    stateDir,
    repoRoot,
    seed,
    config: { flags: { hybrid_orchestration_enabled: true }, rollout: { percentage: 100 }, resilience: { timeoutMs: CHAOS.timeoutMs } },
    onWarning: () => {},
  };
  const orchestrator = mode === "sequential" ? new SequentialOrchestrator(settings) : new HybridOrchestrator(settings);
  const runId = `chaos-${mode}-${index}`;
  const t0 = Date.now();
  const result = await orchestrator.execute(workflow, { runId });
  const durationMs = Date.now() - t0;
  const { events } = parseJournal(readFileSync(join(stateDir, "runs", runId, "journal.jsonl"), "utf8"));
  const types = countTypes(events);
  // An attempt that times out in its preparation fails (error code "timeout") before it is dispatched.
  const ended = events.filter((e) => e.type === "node.succeeded" || e.type === "node.failed" || e.type === "node.timed-out");
  const timedOut = new Map(ended.filter((e) => e.type === "node.timed-out" || e.errorCode === "timeout").map((e) => [`${e.nodeId}#${e.attempt}`, e]));
  // The outcome of a draw does not depend on the prompt (only its latency does): recompute it.
  const drawn = createSimulatedRunner({ seed, transientFailureRate: CHAOS.transientFailureRate, timeoutRate: CHAOS.timeoutRate });
  const hangs = [...timedOut.values()].filter((e) => drawn.draw({ nodeId: e.nodeId ?? "", attempt: e.attempt ?? 0, prompt: "" }).outcome === "hang").length;
  return {
    index,
    seed,
    mode,
    nodes: workflow.nodes.length,
    status: result.status,
    journalStatus: finalStatus(events),
    attempts: new Set(ended.map((e) => `${e.nodeId}#${e.attempt}`)).size,
    retries: types.get("node.retrying") ?? 0,
    timeouts: timedOut.size,
    hangsCut: hangs,
    transientFailures: ended.filter((e) => e.type === "node.failed" && e.errorCode === "transient").length,
    maxAttempt: Math.max(0, ...ended.map((e) => e.attempt ?? 0)),
    recordRetries: result.record.metrics.retry_count,
    rootCauses: (result.postMortem?.failed ?? []).map((f) => `${f.node}: ${f.category}: ${f.rootCause}`),
    durationMs,
  };
}
