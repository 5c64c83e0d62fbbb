import { TransientError, buildPostMortemFromJournal, createMemoryCheckpointStore } from "@hybrid/resilience";
import type { JournalEvent } from "@hybrid/resilience";
import { generateDag } from "@hybrid/test-utils";
import type { DagShape } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { createDispatchController, createFunctionRunner } from "../src/index.js";
import type { HandoffSink } from "../src/index.js";
import { mulberry32 } from "../src/random.js";
import { planOf } from "./helpers.js";

const SHAPES: DagShape[] = ["chain", "fan-out", "fan-in", "diamond", "layered", "random"];
const redact = (text: string) => text.replaceAll("secret", "[r]");
// More runs behind a flag: HYBRID_POST_MORTEM_RUNS=1000.
const RUNS = Number(process.env.HYBRID_POST_MORTEM_RUNS ?? 60);

// The controller builds its post-mortem from outcomes and counters (it keeps no events); the journal
// builder derives one from the journal alone, after a crash. Both must tell the same story.
describe(`the in-process post-mortem equals the one rebuilt from the journal (${RUNS} seeded runs)`, () => {
  it("across failures, timeouts, open breakers, stops, resumes and handoffs", async () => {
    let compared = 0;
    const seen = new Set<string>();
    for (let run = 0; run < RUNS; run++) {
      const random = mulberry32(4242 + run);
      const pick = (n: number) => Math.floor(random() * n);
      const workflow = generateDag(SHAPES[run % SHAPES.length]!, 2 + pick(18), 11 + run, { degree: 1 + pick(3) });
      const plan = planOf(workflow.nodes.map((n, i) => ({ ...n, agent: `agent-${i % 3}` })), workflow.id);
      const maxAttempts = 1 + pick(3);
      const controller = createDispatchController({
        maxParallel: 1 + pick(4),
        onFailure: random() < 0.5 ? "continue-independent" : "abort-run",
        resilience: { retry: { maxAttempts, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 15, breaker: { consecutiveFailures: 2 + pick(3), halfOpenAfterMs: 60_000 } },
        redact,
        ...(random() < 0.5 ? { handoffSink: flakySink(random) } : {}),
      });
      // Each process of the run may be stopped after a random number of dispatches.
      let stop = new AbortController();
      let stopAfter = Number.POSITIVE_INFINITY;
      const nextProcess = () => {
        stop = new AbortController();
        stopAfter = random() < 0.4 ? 1 + pick(plan.order.length) : Number.POSITIVE_INFINITY;
        return stop.signal;
      };
      let dispatched = 0;
      const fate = new Map<string, number>();
      const runner = createFunctionRunner(async (task, signal) => {
        if (++dispatched >= stopAfter) stop.abort(new Error("operator stop"));
        const roll = fate.get(`${task.nodeId}#${task.attempt}`) ?? random();
        fate.set(`${task.nodeId}#${task.attempt}`, roll);
        if (roll < 0.12) throw new TransientError(`flaky secret ${task.nodeId}`);
        if (roll < 0.2) throw new Error(`broken secret ${task.nodeId}`);
        if (roll < 0.27) await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
        return { output: `out ${task.nodeId}`, tokens: { input: 3, output: 5 } };
      });
      const store = createMemoryCheckpointStore();
      const runId = `pm-${run}`;
      const mode = random() < 0.5 ? "wave" : "eager";
      let result = await controller.run(plan, { runner, store, runId, signal: nextProcess(), mode });
      const check = async (label: string) => {
        if (result.status === "succeeded") return expect(result.postMortem, label).toBeUndefined();
        const { events } = await store.read(runId);
        const fromJournal = buildPostMortemFromJournal(events as JournalEvent[], { maxAttempts, redact });
        expect(result.postMortem, label).toEqual(fromJournal);
        compared += 1;
        seen.add(`status:${result.status}`);
        if (result.resumed) seen.add("resumed");
        for (const failure of fromJournal.failed) seen.add(failure.category);
      };
      await check(`run ${run}`);
      // Up to two resumes, each with or without retryFailed, each perhaps stopped again.
      for (let again = 1; again <= 2 && result.status !== "succeeded"; again++) {
        dispatched = 0;
        result = await controller.resume(plan, { runner, store, runId, mode, retryFailed: random() < 0.5, signal: nextProcess() });
        await check(`run ${run}, resume ${again}`);
        if (again === 2) seen.add("resumed twice");
      }
    }
    // The model must actually produce failed runs to compare, or this test proves nothing.
    expect(compared).toBeGreaterThan(RUNS * 0.6);
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(["breaker-open", "permanent", "resumed", "resumed twice", "status:aborted", "status:failed", "timeout", "transient-exhausted"]),
    );
  }, Math.max(30_000, RUNS * 50));
});

function flakySink(random: () => number): HandoffSink {
  return {
    record: async (entry) => {
      if (random() < 0.2) throw new Error("sink down");
      return { url: `mem://${entry.runId}/${entry.nodeId}` };
    },
  };
}
