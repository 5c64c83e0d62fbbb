// A resumed coordinator (a new BullMQ runner on the same queue and run) finds the jobs its dead
// predecessor left queued or running: it adopts a node's own job, and starts nothing new until
// all of them have finished, so the caps the predecessor counted them under still hold.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startRedisServer } from "@hybrid/test-utils";
import type { RedisServer } from "@hybrid/test-utils";
import { createBullmqRunner, createBullmqWorker } from "../src/bullmq/index.js";
import { createFunctionRunner } from "../src/function-runner.js";
import type { AgentTask } from "../src/runner.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 60_000);
afterAll(async () => {
  await redis?.stop();
});

const task = (nodeId: string, attempt = 1): AgentTask => ({
  runId: "resumed",
  nodeId,
  agent: "dev",
  priority: "implementation",
  attempt,
  idempotencyKey: `key-${nodeId}`,
  prompt: `do ${nodeId}`,
  node: { id: nodeId, agent: "dev", priority: "implementation", scope: "s", acceptance: [], dependsOn: [] } as never,
});

it("adopts its own leftover job and holds new work until every leftover job has finished", { timeout: 90_000 }, async () => {
  const queue = "resume-leftovers";
  const log: string[] = [];
  const releases = new Map<string, () => void>();
  const worker = createBullmqWorker({
    connection: redis.url,
    queue,
    concurrency: 4,
    redact: (text) => text,
    runner: createFunctionRunner(async (t) => {
      log.push(`start ${t.nodeId}`);
      await new Promise<void>((resolve) => releases.set(t.nodeId, resolve));
      log.push(`end ${t.nodeId}`);
      return `output of ${t.nodeId}`;
    }),
  });
  await worker.ready();
  const dead = createBullmqRunner({ connection: redis.url, queue, pollIntervalMs: 100 });
  const resumed = createBullmqRunner({ connection: redis.url, queue, pollIntervalMs: 100 });
  try {
    // The predecessor enqueued a and b, then "died" (its promises are simply never awaited).
    const orphans = [dead.run(task("a"), new AbortController().signal), dead.run(task("b"), new AbortController().signal)];
    orphans.forEach((orphan) => orphan.catch(() => {}));
    await expect.poll(() => releases.size, { timeout: 30_000 }).toBe(2);

    // The resumed coordinator asks for c (a new node) first, then for a (in flight when it died).
    const fresh = resumed.run(task("c"), new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const adopted = resumed.run(task("a", 2), new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    releases.get("a")!();
    expect(await adopted).toEqual({ output: "output of a" });
    // c waits for b (a leftover of the same run), which is still running.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(log.toSorted()).toEqual(["end a", "start a", "start b"]);
    expect(log).not.toContain("start c");
    releases.get("b")!();
    await expect.poll(() => releases.has("c"), { timeout: 30_000 }).toBe(true);
    releases.get("c")!();
    expect(await fresh).toEqual({ output: "output of c" });
    // Each node ran once: a's second attempt took the running job, it did not start another.
    expect(log.filter((line) => line.startsWith("start")).toSorted()).toEqual(["start a", "start b", "start c"]);
    expect(log.indexOf("start c")).toBeGreaterThan(log.indexOf("end b"));
  } finally {
    for (const release of releases.values()) release();
    await Promise.allSettled([dead.close(), resumed.close(), worker.stop({ graceMs: 0 })]);
  }
});
