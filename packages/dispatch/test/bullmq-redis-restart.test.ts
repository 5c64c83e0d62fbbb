// Redis restarting under a run, as the failure table in docs/scale-out.md says: with persistence
// everyone reconnects and the running job completes; without it the queue is gone, and the
// coordinator's awaited attempt ends in a transient WorkerLostError for the retry policy to redo.
import { afterEach, expect, it } from "vitest";
import { classifyError } from "@hybrid/resilience";
import { startRedisServer } from "@hybrid/test-utils";
import type { RedisServer } from "@hybrid/test-utils";
import { createBullmqRunner, createBullmqWorker, isWorkerLostError } from "../src/bullmq/index.js";
import type { WorkerEvent } from "../src/bullmq/index.js";
import { createFunctionRunner } from "../src/function-runner.js";
import type { AgentTask } from "../src/runner.js";
import { rejection, until } from "./bullmq-fixtures.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const task = (nodeId: string): AgentTask => ({
  runId: "restart",
  nodeId,
  agent: "dev",
  priority: "docs",
  attempt: 1,
  idempotencyKey: `key-${nodeId}`,
  prompt: "work",
  node: { id: nodeId, agent: "dev", priority: "docs", scope: "s", acceptance: [], dependsOn: [] } as never,
});

/** A worker whose agent works until released, and a coordinator; the agent has started when it returns. */
async function jobRunning(redis: RedisServer) {
  let release = (): void => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const events: WorkerEvent[] = [];
  const worker = createBullmqWorker({
    connection: redis.url,
    queue: "restart",
    lockDurationMs: 10_000,
    redact: (text) => text,
    onEvent: (event) => events.push(event),
    runner: createFunctionRunner(async () => {
      await released;
      return "finished after the restart";
    }),
  });
  const runner = createBullmqRunner({ connection: redis.url, queue: "restart", pollIntervalMs: 100 });
  cleanups.push(() => redis.stop(), () => runner.close(), () => worker.stop({ graceMs: 0 }));
  await worker.ready();
  const outcome = runner.run(task("n"), new AbortController().signal);
  outcome.catch(() => {});
  await until(() => events.some((event) => event.type === "job.started"));
  return { outcome, release, events };
}

it("Redis restarts with persistence while a job runs: the job completes and the coordinator gets its result", { timeout: 60_000 }, async () => {
  const redis = await startRedisServer({ persistence: true });
  const { outcome, release, events } = await jobRunning(redis);
  await redis.restart(1500);
  release();
  expect(await outcome).toEqual({ output: "finished after the restart" });
  expect(events.filter((event) => event.type === "job.stopped")).toEqual([]);
});

it("Redis restarts without persistence: the awaited job is gone, a transient WorkerLostError", { timeout: 60_000 }, async () => {
  const redis = await startRedisServer({ persistence: false });
  const { outcome, release } = await jobRunning(redis);
  await redis.restart(500);
  const error = await rejection(outcome);
  release();
  expect(isWorkerLostError(error)).toBe(true);
  expect(classifyError(error)).toBe("transient");
  expect((error as Error).message).toMatch(/gone from the queue/);
});

it("an abort while Redis is away settles (after at most settleTimeoutMs) instead of waiting for Redis", { timeout: 60_000 }, async () => {
  const redis = await startRedisServer();
  const runner = createBullmqRunner({ connection: redis.url, queue: "away", pollIntervalMs: 100, settleTimeoutMs: 1000 });
  cleanups.push(() => redis.stop(), () => runner.close());
  await runner.ready();
  await redis.stop();
  const stop = new AbortController();
  const outcome = runner.run(task("n"), stop.signal);
  setTimeout(() => stop.abort(new Error("timed out")), 300);
  // A bound against the hang this test is about; the abort itself settles within about a second.
  const hung = new Promise((resolve) => setTimeout(() => resolve("hung"), 20_000));
  const settled = await Promise.race([rejection(outcome), hung]);
  expect(settled).toEqual(new Error("timed out"));
});
