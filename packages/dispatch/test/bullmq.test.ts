// The BullMQ adapter's coordinator side against a real redis-server: the AgentRunner contract, a
// whole dispatch run on two workers, adoption of a finished job, failure mapping, cancellation, and
// the job ids. Worker-side behaviour (invalid jobs, handback, reconnect) is in bullmq-worker.test.ts.
import { classifyError } from "@hybrid/resilience";
import { testAgentRunner, thrown } from "@hybrid/test-utils";
import type { AgentRunnerScenario } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createBullmqRunner, createBullmqWorker, decodeJobId, encodeJobId, isRemoteAgentError } from "../src/bullmq/index.js";
import type { RemoteAgentError } from "../src/bullmq/index.js";
import { isDispatchOptionsError } from "../src/errors.js";
import type { AgentFunction } from "../src/function-runner.js";
import { createDispatchController } from "../src/index.js";
import type { AgentTask } from "../src/runner.js";
import { freshQueue, hangingAgent, inspect, rejection, runnerOn, until, useRedis, workerOn } from "./bullmq-fixtures.js";
import { agentTask, node, planOf } from "./helpers.js";

useRedis();
const never = new AbortController().signal;
const task = (nodeId: string, extra: Partial<AgentTask> = {}): AgentTask =>
  agentTask({ nodeId, node: { ...agentTask().node, id: nodeId }, idempotencyKey: `key-${nodeId}`, ...extra });

const contractAgents: Record<AgentRunnerScenario, AgentFunction> = {
  echo: (t) => [t.prompt, t.runId, t.nodeId, t.attempt, t.idempotencyKey].join("|"),
  hang: (_t, signal) => new Promise<string>((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
  fail: () => Promise.reject(new Error("agent failed")),
};

// Every contract test gets its own queue, with a worker running the scenario's function agent.
testAgentRunner({
  name: "bullmq (coordinator runner, in-process worker with a function agent)",
  create: async (scenario) => {
    const queue = freshQueue();
    await workerOn(queue, contractAgents[scenario]);
    return runnerOn(queue);
  },
});

describe("createBullmqRunner", () => {
  it("runs a dispatch of a DAG on two workers: every node once, outputs from the workers", async () => {
    const queue = freshQueue();
    const ran = new Map<string, string[]>();
    const prompts = new Map<string, string>();
    for (const name of ["w1", "w2"]) {
      await workerOn(
        queue,
        (t) => {
          ran.set(t.nodeId, [...(ran.get(t.nodeId) ?? []), name]);
          prompts.set(t.nodeId, t.prompt);
          return { output: `out-${t.nodeId}`, tokens: { input: 1, output: 2 } };
        },
        { name: `${queue}-${name}`, concurrency: 2 },
      );
    }
    const ids = ["a", "b", "c", "d", "e", "f", "g"];
    const plan = planOf([node("a"), node("b", ["a"]), node("c", ["a"], { priority: "docs" }), node("d", ["b", "c"]), node("e"), node("f", [], { priority: "security" }), node("g", ["e"])]);
    const controller = createDispatchController({ maxParallel: 4, resilience: { retry: { maxAttempts: 1 }, timeoutMs: 20_000 } });
    const result = await controller.run(plan, { runner: runnerOn(queue), runId: "bullmq-dag", mode: "eager" });
    expect(result.status).toBe("succeeded");
    expect(result.counts).toEqual({ total: 7, succeeded: 7, failed: 0, blocked: 0, skipped: 0 });
    for (const id of ids) {
      expect(result.outcomes[id]).toMatchObject({ status: "succeeded", attempts: 1, output: `out-${id}` });
      expect(ran.get(id)).toHaveLength(1);
    }
    expect([...ran.keys()].sort()).toEqual(ids);
    // Upstream outputs came back from the workers and went into the dependents' prompts.
    expect(prompts.get("d")).toContain("out-b");
    expect(prompts.get("d")).toContain("out-c");
  });

  it("adopts a finished job: the same key returns its result without running again; a new key runs again", async () => {
    const queue = freshQueue();
    let runs = 0;
    await workerOn(queue, (t) => `run ${++runs}: attempt ${t.attempt}, key ${t.idempotencyKey}`);
    const first = await runnerOn(queue).run(task("n1", { attempt: 1, idempotencyKey: "k1" }), never);
    expect(first).toEqual({ output: "run 1: attempt 1, key k1" });
    // A resumed coordinator: a new runner instance on the same queue, the next attempt.
    const resumed = runnerOn(queue);
    expect(await resumed.run(task("n1", { attempt: 2, idempotencyKey: "k1" }), never)).toEqual(first);
    expect(runs).toBe(1);
    expect(await resumed.run(task("n1", { attempt: 2, idempotencyKey: "k2" }), never)).toEqual({ output: "run 2: attempt 2, key k2" });
    expect(runs).toBe(2);
  });

  it("maps a worker's failure (transient or permanent), redacted; the next attempt retries the failed job", async () => {
    const queue = freshQueue();
    const runs = new Map<string, number>();
    const { worker } = await workerOn(
      queue,
      (t) => {
        runs.set(t.nodeId, (runs.get(t.nodeId) ?? 0) + 1);
        if (t.attempt > 1) return `ok ${t.nodeId} ${t.attempt}`;
        if (t.nodeId === "flaky") throw Object.assign(new Error("rate limited, token SECRET123"), { transient: true });
        throw new Error("broken, token SECRET123");
      },
      { name: `${queue}-w`, redact: (text) => text.replaceAll("SECRET123", "[redacted]") },
    );
    const runner = runnerOn(queue);
    const q = inspect(queue);
    for (const [nodeId, kind] of [["flaky", "transient"], ["broken", "permanent"]] as const) {
      const error = (await rejection(runner.run(task(nodeId), never))) as RemoteAgentError;
      expect(isRemoteAgentError(error)).toBe(true);
      expect(error.transient).toBe(kind === "transient");
      expect(classifyError(error)).toBe(kind);
      expect(error.worker).toBe(worker.name);
      expect(error.message).toContain("token [redacted]");
      expect(error.message).not.toContain("SECRET123");
      const failedReason = (await q.getJob(encodeJobId("run-1", nodeId)))!.failedReason;
      expect(JSON.parse(failedReason)).toMatchObject({ kind, error: { message: expect.stringContaining("[redacted]") } });
      expect(failedReason).not.toContain("SECRET123");
    }
    for (const nodeId of ["flaky", "broken"]) {
      expect(await runner.run(task(nodeId, { attempt: 2 }), never)).toEqual({ output: `ok ${nodeId} 2` });
      expect(runs.get(nodeId)).toBe(2);
    }
  });

  it("an abort mid-run stops the worker's agent and settles only once the job is no longer running", async () => {
    const queue = freshQueue();
    const agent = hangingAgent();
    // A long lock: the worker reads the cancel key only every 15 s, so within settleTimeoutMs only
    // the published cancel can stop it.
    const { worker, events } = await workerOn(queue, agent.fn, { lockDurationMs: 60_000 });
    const runner = runnerOn(queue, { settleTimeoutMs: 5000 });
    const controller = new AbortController();
    const running = runner.run(task("n1"), controller.signal);
    await agent.started;
    const reason = new Error("coordinator stopped");
    controller.abort(reason);
    expect(await rejection(running)).toBe(reason);
    expect(agent.aborted()).toBe(true);
    expect(worker.running).toBe(0);
    const jobId = encodeJobId("run-1", "n1");
    expect(await inspect(queue).getJobState(jobId)).toBe("failed");
    expect(events.filter((e) => e.type === "job.stopped")).toEqual([{ type: "job.stopped", jobId, runId: "run-1", nodeId: "n1", why: "cancelled" }]);
  });

  it("an abort while queued removes the job: a worker started afterwards never runs it", async () => {
    const queue = freshQueue();
    const runner = runnerOn(queue, { settleTimeoutMs: 5000 });
    const q = inspect(queue);
    const jobId = encodeJobId("run-1", "queued");
    const controller = new AbortController();
    const running = runner.run(task("queued"), controller.signal);
    await until(async () => (await q.getJobState(jobId)) !== "unknown");
    const reason = new Error("stopped while queued");
    controller.abort(reason);
    expect(await rejection(running)).toBe(reason);
    expect(await q.getJobState(jobId)).toBe("unknown");
    const ran: string[] = [];
    await workerOn(queue, (t) => {
      ran.push(t.nodeId);
      return "ran";
    });
    // One worker, one job at a time, in order: once a later job ran, an earlier one would have too.
    expect(await runner.run(task("later"), never)).toEqual({ output: "ran" });
    expect(ran).toEqual(["later"]);
  });
});

describe("job ids", () => {
  const tricky = fc.constantFrom("constructor", "__proto__", "toString", "", "0", "123", ":", "/", "a/b", "a:b", "%", "%2F", "h", "h/x");
  const text = fc.oneof(tricky, fc.stringMatching(/^\d+$/), fc.string({ unit: "binary" }), fc.string({ unit: fc.constantFrom(":", "/", "%", "2", "F", "h") }));

  it("encodeJobId: no ':', never all digits, decodes back, distinct pairs give distinct ids", () => {
    fc.assert(
      fc.property(text, text, (runId, nodeId) => {
        const id = encodeJobId(runId, nodeId);
        expect(id).not.toContain(":");
        expect(id).not.toMatch(/^\d+$/);
        expect(decodeJobId(id)).toEqual({ runId, nodeId });
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(text, text, text, text, (r1, n1, r2, n2) => {
        fc.pre(r1 !== r2 || n1 !== n2);
        expect(encodeJobId(r1, n1)).not.toBe(encodeJobId(r2, n2));
      }),
      { numRuns: 500 },
    );
  });

  it("decodeJobId: undefined for anything encodeJobId did not make", () => {
    for (const garbage of ["", "123", "h", "h/a", "h/a/b/c", "x/a/b", "h/%E0%A4%A/b", "h/a%2f/b", "h/a:b/c", "h/a%3Ab/c%", "H/a/b"]) {
      expect(decodeJobId(garbage)).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("h", "/", "%", "2", "F", "a", ":") }), (id) => {
        const decoded = decodeJobId(id);
        if (decoded !== undefined) expect(encodeJobId(decoded.runId, decoded.nodeId)).toBe(id);
      }),
      { numRuns: 1000 },
    );
  });

  it("options are checked before any connection opens", () => {
    expect(isDispatchOptionsError(thrown(() => createBullmqRunner({ connection: "http://127.0.0.1:1", queue: "q" })))).toBe(true);
    expect(isDispatchOptionsError(thrown(() => createBullmqRunner({ connection: "redis://127.0.0.1:1", queue: "a:b" })))).toBe(true);
    const runner = { run: async () => ({ output: "" }) };
    expect(isDispatchOptionsError(thrown(() => createBullmqWorker({ connection: "redis://127.0.0.1:1", queue: "a:b", runner, redact: (t) => t })))).toBe(true);
  });
});
