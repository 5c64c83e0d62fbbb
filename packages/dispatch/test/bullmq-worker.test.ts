// The BullMQ adapter's worker side against a real redis-server: jobs it must refuse, a stop that
// hands running work back to the queue, and a worker whose Redis connection drops for a while.
import { QueueEvents } from "bullmq";
import { startTcpProxy } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { encodeJobId } from "../src/bullmq/index.js";
import { jobDataOf } from "../src/bullmq/job-data.js";
import type { AgentTask } from "../src/runner.js";
import { defer, deferred, freshQueue, hangingAgent, inspect, runnerOn, until, useRedis, workerOn } from "./bullmq-fixtures.js";
import { agentTask } from "./helpers.js";

const redis = useRedis();
const never = new AbortController().signal;
const task = (nodeId: string, extra: Partial<AgentTask> = {}): AgentTask =>
  agentTask({ nodeId, node: { ...agentTask().node, id: nodeId }, idempotencyKey: `key-${nodeId}`, ...extra });

describe("createBullmqWorker", () => {
  it("fails a job that is not a hybrid job permanently (invalid-job), without running an agent", async () => {
    const queue = freshQueue();
    let runs = 0;
    await workerOn(queue, () => `run ${++runs}`);
    const q = inspect(queue);
    const junk: Record<string, unknown> = {
      "not-an-object": "hello",
      "foreign": { hello: "world" },
      "newer-version": { ...jobDataOf(task("n1")), v: 2 },
      "extra-field": { ...jobDataOf(task("n2")), shell: "rm -rf /" },
    };
    for (const [jobId, data] of Object.entries(junk)) await q.add("junk", data, { jobId });
    for (const jobId of Object.keys(junk)) {
      await until(async () => (await q.getJobState(jobId)) === "failed");
      const failure = JSON.parse((await q.getJob(jobId))!.failedReason) as { kind: string; error: { code: string } };
      expect(failure).toMatchObject({ kind: "permanent", error: { code: "invalid-job" } });
    }
    expect(runs).toBe(0);
  });

  it("stop({ graceMs }) hands a running job back; another worker completes it and the coordinator never sees a failure", async () => {
    const queue = freshQueue();
    const failed: string[] = [];
    const queueEvents = new QueueEvents(queue, { connection: { host: "127.0.0.1", port: redis().port, maxRetriesPerRequest: null } });
    defer(() => queueEvents.close());
    queueEvents.on("failed", ({ jobId }) => failed.push(jobId));
    await queueEvents.waitUntilReady();
    const agent = hangingAgent();
    const first = await workerOn(queue, agent.fn, { name: `${queue}-first` });
    const running = runnerOn(queue).run(task("n1"), never);
    await agent.started;
    await first.worker.stop({ graceMs: 100 });
    const jobId = encodeJobId("run-1", "n1");
    expect(first.events.map((e) => e.type)).toEqual(["job.started", "job.handed-back"]);
    expect(first.events[1]).toEqual({ type: "job.handed-back", jobId, runId: "run-1", nodeId: "n1" });
    expect(agent.aborted()).toBe(true);
    expect(first.worker.running).toBe(0);
    const q = inspect(queue);
    // Queued again (a job with a priority waits as "prioritized").
    expect(["waiting", "prioritized"]).toContain(await q.getJobState(jobId));
    const second = await workerOn(queue, (t) => `second worker did ${t.nodeId}`, { name: `${queue}-second` });
    expect(await running).toEqual({ output: "second worker did n1" });
    expect(second.events.map((e) => e.type)).toEqual(["job.started", "job.completed"]);
    const job = (await q.getJob(jobId))!;
    expect(job.processedBy).toBe(second.worker.name);
    expect(job.failedReason).toBeFalsy();
    expect(failed).toEqual([]);
  });

  it("keeps a job that outlives its lock while the lock is renewed (not mistaken for a lost lock)", async () => {
    const queue = freshQueue();
    // Lock 2 s: renewed about every 0.5-1 s; taken for lost after 1.6 s without a renewal. The agent
    // runs 3 s, so only renewals the worker has noticed keep it running.
    const { events } = await workerOn(
      queue,
      (t, signal) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => resolve(`done ${t.nodeId}`), 3000);
          signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)));
        }),
      { lockDurationMs: 2000 },
    );
    expect(await runnerOn(queue).run(task("long"), never)).toEqual({ output: "done long" });
    expect(events.map((e) => e.type)).toEqual(["job.started", "job.completed"]);
  });

  it("rides out a 3 s cut of its Redis connection: the running job completes and it takes the next job", async () => {
    const proxy = await startTcpProxy(redis().port);
    defer(() => proxy.close());
    const queue = freshQueue();
    const started = deferred();
    const gate = deferred();
    const ran: string[] = [];
    const { worker, events } = await workerOn(
      queue,
      async (t) => {
        ran.push(t.nodeId);
        if (t.nodeId === "during") {
          started.resolve();
          await gate.promise;
        }
        return `done ${t.nodeId}`;
      },
      { connection: proxy.url, lockDurationMs: 10_000, name: `${queue}-w` },
    );
    const runner = runnerOn(queue); // the coordinator talks to Redis directly
    const during = runner.run(task("during"), never);
    await started.promise;
    const acceptedBefore = proxy.accepted;
    // The agent runs on through the cut: a worker that took the cut for a lost lock would stop it
    // (job.stopped, and the coordinator would see a failure).
    await proxy.cut(3000);
    gate.resolve();
    expect(await during).toEqual({ output: "done during" });
    expect(proxy.accepted).toBeGreaterThan(acceptedBefore); // it did reconnect through the proxy
    expect(await runner.run(task("after"), never)).toEqual({ output: "done after" });
    expect(ran).toEqual(["during", "after"]);
    expect(events.filter((e) => e.type === "job.stopped" || e.type === "job.failed")).toEqual([]);
    const q = inspect(queue);
    for (const nodeId of ["during", "after"]) expect((await q.getJob(encodeJobId("run-1", nodeId)))!.processedBy).toBe(worker.name);
  });
});
