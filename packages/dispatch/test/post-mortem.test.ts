import { TransientError, createMemoryCheckpointStore } from "@hybrid/resilience";
import { generateDag, seededRandom } from "@hybrid/test-utils";
import type { DagShape } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { createDispatchController, createFunctionRunner } from "../src/index.js";
import type { DispatchResult, HandoffSink } from "../src/index.js";
import { planOf } from "./helpers.js";

const SHAPES: DagShape[] = ["chain", "fan-out", "fan-in", "diamond", "layered", "random"];
const redact = (text: string) => text.replaceAll("secret", "[r]");
const RUNS = 60;

/** What the test itself saw the runner do in one process of the run: the oracle the post-mortem is checked against. */
interface Seen {
  attempts: number;
  tokens: { input: number; output: number };
}

function flakySink(random: () => number): HandoffSink {
  return {
    record: async (entry) => {
      if (random() < 0.2) throw new Error("sink down");
      return { url: `mem://${entry.idempotencyKey}` };
    },
  };
}

// The post-mortem is built from the journal alone (one builder). It must agree with what the test
// observed directly: the node outcomes the controller returned and the attempts the runner got.
describe(`the post-mortem tells what happened (${RUNS} seeded runs with failures, timeouts, breakers, stops and resumes)`, () => {
  it("lists every failed, blocked, completed and unfinished node, and counts attempts and tokens over all processes", async () => {
    const seenKinds = new Set<string>();
    for (let run = 0; run < RUNS; run++) {
      const random = seededRandom(4242 + run);
      const pick = (n: number) => Math.floor(random() * n);
      const workflow = generateDag(SHAPES[run % SHAPES.length]!, 2 + pick(18), 11 + run, { degree: 1 + pick(3) });
      const plan = planOf(workflow.nodes.map((n, i) => ({ ...n, agent: `agent-${i % 3}` })), workflow.id);
      const maxAttempts = 1 + pick(3);
      let now = 1_000_000;
      const controller = createDispatchController({
        maxParallel: 1 + pick(4),
        onFailure: random() < 0.5 ? "continue-independent" : "abort-run",
        resilience: { retry: { maxAttempts, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 15, breaker: { consecutiveFailures: 2 + pick(3), halfOpenAfterMs: 60_000 } },
        redact,
        clock: { now: () => now },
        sleep: async (ms) => {
          now += ms;
          await new Promise((resolve) => setImmediate(resolve));
        },
        ...(random() < 0.5 ? { handoffSink: flakySink(random) } : {}),
      });
      let stop = new AbortController();
      let stopAfter = Number.POSITIVE_INFINITY;
      const nextProcess = () => {
        stop = new AbortController();
        stopAfter = random() < 0.4 ? 1 + pick(plan.order.length) : Number.POSITIVE_INFINITY;
        return stop.signal;
      };
      const seen: Seen = { attempts: 0, tokens: { input: 0, output: 0 } };
      let dispatched = 0;
      const fate = new Map<string, number>();
      const runner = createFunctionRunner(async (task, signal) => {
        seen.attempts += 1;
        // The stop comes from outside, just after this attempt started (not from inside it).
        if (++dispatched >= stopAfter) setImmediate(() => stop.abort(new Error("operator stop")));
        const roll = fate.get(`${task.nodeId}#${task.attempt}`) ?? random();
        fate.set(`${task.nodeId}#${task.attempt}`, roll);
        if (roll < 0.12) throw new TransientError(`flaky secret ${task.nodeId}`);
        if (roll < 0.2) throw new Error(`broken secret ${task.nodeId}`);
        if (roll < 0.27) await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
        seen.tokens.input += 3;
        seen.tokens.output += 5;
        return { output: `out ${task.nodeId}`, tokens: { input: 3, output: 5 } };
      });
      const store = createMemoryCheckpointStore();
      const runId = `pm-${run}`;
      const mode = random() < 0.5 ? "wave" : "eager";
      const check = (result: DispatchResult, label: string): void => {
        if (result.status === "succeeded") {
          expect(result.postMortem, label).toBeUndefined();
          return;
        }
        const pm = result.postMortem!;
        const ids = (status: string) => Object.values(result.outcomes).filter((o) => o.status === status).map((o) => o.id).sort();
        expect(pm.status, label).toBe(result.status);
        expect(pm.failed.map((f) => f.node).sort(), label).toEqual(ids("failed"));
        expect(pm.blocked.map((b) => b.node).sort(), label).toEqual(ids("blocked"));
        for (const entry of pm.blocked) expect(result.outcomes[entry.node]!.blockedBy, label).toBe(entry.blockedBy);
        expect([...pm.completed].sort(), label).toEqual(ids("succeeded"));
        expect([...pm.unfinished].sort(), label).toEqual([...ids("aborted"), ...ids("skipped")].sort());
        for (const failure of pm.failed) {
          expect(failure.category, label).toBe(result.outcomes[failure.node]!.category);
          expect(failure.remediationHints.length, label).toBeGreaterThan(0);
          expect(JSON.stringify(failure), label).not.toContain("secret");
          seenKinds.add(failure.category);
        }
        // Counters span every process of the run: the test counted what the runner really got.
        expect(pm.telemetry.attempts, label).toBe(seen.attempts);
        expect(pm.telemetry.tokens, label).toEqual(seen.tokens);
        seenKinds.add(`status:${result.status}`);
      };
      let result = await controller.run(plan, { runner, store, runId, signal: nextProcess(), mode });
      check(result, `run ${run}`);
      for (let again = 1; again <= 2 && result.status !== "succeeded"; again++) {
        dispatched = 0;
        result = await controller.resume(plan, { runner, store, runId, mode, retryFailed: random() < 0.5, signal: nextProcess() });
          check(result, `run ${run}, resume ${again}`);
        seenKinds.add("resumed");
      }
    }
    // The model must produce each kind of failure, or this test proves less than its title says.
    expect([...seenKinds].sort()).toEqual(expect.arrayContaining(["permanent", "resumed", "status:aborted", "status:failed", "timeout", "transient-exhausted"]));
  }, 120_000);
});
