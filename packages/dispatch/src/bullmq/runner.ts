// The coordinator's side of scale-out: an AgentRunner whose attempts run on `hybrid worker`s through
// a BullMQ queue. The coordinator keeps the plan, the caps, the journal and the retry policy; the
// queue only carries work (leases, stalled-job recovery, a queue-wide concurrency cap).
import { Queue, QueueEvents } from "bullmq";
import type { Job } from "bullmq";
import { PRIORITIES } from "@hybrid/graph";
import { z } from "zod";
import { untilAborted } from "../abort.js";
import { parseOptions } from "../errors.js";
import type { AgentResult, AgentRunner, AgentTask } from "../runner.js";
import { describeConnection, RedisConnectionSchema } from "./connection.js";
import type { RedisConnection } from "./connection.js";
import { openRedis } from "./redis-client.js";
import { RedisUnreachableError, RemoteAgentError, WorkerLostError } from "./errors.js";
import { decodeFailure, jobDataOf, JobDataSchema } from "./job-data.js";
import type { JobData } from "./job-data.js";
import { DEFAULT_QUEUE, encodeJobId, QUEUE_NAME_PATTERN } from "./job-id.js";
import { cancelChannel, cancelKey, runJobsKey } from "./cancel.js";
import { sleep } from "./sleep.js";

export const BullmqRunnerOptionsSchema = z.strictObject({
  /** Redis: a `redis://` URL or host/port/credentials. */
  connection: RedisConnectionSchema,
  /** The queue's name; workers of the same name take its jobs. @default "hybrid" */
  queue: z.string().regex(QUEUE_NAME_PATTERN, "expected [A-Za-z0-9._-], at most 100 characters").default(DEFAULT_QUEUE),
  /** BullMQ's key prefix in Redis. @default "bull" */
  prefix: z.string().regex(QUEUE_NAME_PATTERN, "expected [A-Za-z0-9._-], at most 100 characters").default("bull"),
  /** Sets the queue-wide cap on active jobs (`Queue.setGlobalConcurrency`) when the runner starts. */
  globalConcurrency: z.number().int().positive().optional(),
  /** How often an awaited job's state is read from Redis, events or not (they can be missed). @default 1000 */
  pollIntervalMs: z.number().int().positive().default(1000),
  /**
   * After an abort (timeout, stop), how long to wait for the worker to stop the agent before the
   * slot is freed anyway. Size it above the workers' lockDuration + stalledInterval, so a job whose
   * worker died is seen failed or removed within it. @default 60000
   */
  settleTimeoutMs: z.number().int().positive().default(60_000),
});

export type BullmqRunnerOptions = z.input<typeof BullmqRunnerOptionsSchema>;

/** An AgentRunner whose attempts run on workers; `close()` ends its Redis connections. */
export interface BullmqRunner extends AgentRunner {
  readonly queue: string;
  /** Resolves once Redis answers; rejects after `timeoutMs` (default 10 s) when it does not (a wrong URL, Redis down). */
  ready(timeoutMs?: number): Promise<void>;
  /** Removes a run's finished jobs once the run can no longer be resumed; returns how many went. */
  removeRunJobs(runId: string, nodeIds: Iterable<string>): Promise<number>;
  close(): Promise<void>;
}

const FINISHED = new Set(["completed", "failed"]);
const QUEUED = new Set(["waiting", "delayed", "prioritized", "waiting-children"]);

/** Security work first: BullMQ runs lower numbers first (1 is its highest priority). */
const bullPriority = (priority: AgentTask["priority"]): number => PRIORITIES.indexOf(priority) + 1;

const sameWork = (job: Job, data: JobData): boolean => {
  const parsed = JobDataSchema.safeParse(job.data);
  return parsed.success && parsed.data.idempotencyKey === data.idempotencyKey;
};

/**
 * Makes a runner that enqueues each attempt as the job `encodeJobId(runId, nodeId)` and awaits its
 * outcome: events for speed, a poll of the job's state every `pollIntervalMs` for what events miss.
 * A job already there is adopted, not enqueued twice: completed with the same idempotency key, its
 * result is returned without running again (a resumed coordinator); failed, it is retried
 * (`job.retry()`) as this attempt. On abort, the job is cancelled on its worker (or removed while
 * queued) and the promise settles once it has stopped or `settleTimeoutMs` passed.
 *
 * @example
 * const runner = createBullmqRunner({ connection: "redis://127.0.0.1:6379", queue: "hybrid" });
 */
export function createBullmqRunner(options: BullmqRunnerOptions): BullmqRunner {
  const config = parseOptions("BullMQ runner", BullmqRunnerOptionsSchema, options);
  const client = openRedis(config.connection, `hybrid-coordinator:${process.pid}`);
  const queue = new Queue(config.queue, { connection: client, prefix: config.prefix });
  const eventsClient = openRedis(config.connection, `hybrid-coordinator-events:${process.pid}`);
  const events = new QueueEvents(config.queue, { connection: eventsClient, prefix: config.prefix });
  // Connection trouble is retried by ioredis and bounded by each attempt's deadline; an unhandled
  // 'error' event would kill the process instead.
  queue.on("error", () => {});
  events.on("error", () => {});
  const waiters = new Map<string, Set<() => void>>();
  const wake = ({ jobId }: { jobId: string }): void => waiters.get(jobId)?.forEach((resolve) => resolve());
  events.on("completed", wake);
  events.on("failed", wake);
  events.on("removed", wake);
  events.on("stalled", wake);
  let started: Promise<void> | undefined;
  const start = (): Promise<void> =>
    (started ??= (async () => {
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      if (config.globalConcurrency !== undefined) await queue.setGlobalConcurrency(config.globalConcurrency);
    })());

  /** Resolves at the next event about the job, after `ms`, or when `signal` aborts. */
  const nextNews = async (jobId: string, ms: number, signal?: AbortSignal): Promise<void> => {
    const set = waiters.get(jobId) ?? new Set();
    waiters.set(jobId, set);
    let resolveNews = (): void => {};
    const news = new Promise<void>((resolve) => (resolveNews = resolve));
    set.add(resolveNews);
    try {
      await Promise.race([news, sleep(ms, signal)]);
    } finally {
      set.delete(resolveNews);
      if (set.size === 0) waiters.delete(jobId);
    }
  };

  const clearCancel = (jobId: string): Promise<number> => client.del(cancelKey(config.prefix, config.queue, jobId));

  /**
   * A resumed coordinator must not start new work beside the jobs its dead predecessor left
   * queued or running (they run on regardless, and the caps counted them): the first time this
   * process sees a run, it notes those jobs; a node whose own job is among them adopts it at once,
   * any other waits until all of them have finished. A fresh run has none and never waits.
   */
  const leftovers = new Map<string, Promise<Set<string>>>();
  const leftoverJobs = (runId: string): Promise<Set<string>> => {
    let found = leftovers.get(runId);
    if (!found) {
      found = (async () => {
        const ids = await client.smembers(runJobsKey(config.prefix, config.queue, runId));
        const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
        return new Set(ids.filter((_, i) => states[i] === "active" || QUEUED.has(states[i]!)));
      })();
      leftovers.set(runId, found);
    }
    return found;
  };
  const awaitLeftovers = async (runId: string, jobId: string, data: JobData, signal: AbortSignal): Promise<void> => {
    const jobs = await leftoverJobs(runId);
    if (jobs.size === 0 || jobs.has(jobId)) return;
    // Finished meanwhile with this very work: its result is taken, nothing new starts.
    const own = await queue.getJob(jobId);
    if (own && sameWork(own, data) && (await own.getState()) === "completed") return;
    for (const other of jobs) {
      for (;;) {
        signal.throwIfAborted();
        const state = await queue.getJobState(other);
        if (state !== "active" && !QUEUED.has(state)) break;
        await nextNews(other, config.pollIntervalMs, signal);
      }
    }
  };

  /** The job this attempt runs as: enqueued, adopted, or a finished one sent round again. */
  const enqueue = async (jobId: string, data: JobData): Promise<void> => {
    for (;;) {
      const job = await queue.getJob(jobId);
      if (!job) {
        await clearCancel(jobId);
        await client.sadd(runJobsKey(config.prefix, config.queue, data.runId), jobId);
        // Two adds of one id keep the first: BullMQ de-duplicates on the job id.
        await queue.add(data.nodeId, data, { jobId, priority: bullPriority(data.priority), attempts: 1, removeOnComplete: false, removeOnFail: false });
        return;
      }
      const state = await job.getState();
      const same = sameWork(job, data);
      if (state === "completed" && same) return; // done before we asked: its result stands
      if (FINISHED.has(state)) {
        await clearCancel(jobId);
        await job.updateData(data);
        await job.retry(state as "completed" | "failed");
        return;
      }
      if (state === "active" && !same) {
        // Stale work of an older spec still running: stop it, then send the job round again.
        await cancelRemote(jobId);
        continue;
      }
      if (QUEUED.has(state) && !same) await job.updateData(data);
      if (state !== "unknown") return; // queued or running this very work: wait for it
    }
  };

  /** The outcome of the job: its result, or the worker's error rebuilt. */
  const outcome = async (jobId: string, nodeId: string, signal: AbortSignal): Promise<AgentResult> => {
    for (;;) {
      signal.throwIfAborted();
      const state = await queue.getJobState(jobId);
      if (state === "unknown") throw new WorkerLostError(nodeId, "the job is gone from the queue (Redis restarted without persistence, or it was removed)");
      if (FINISHED.has(state)) {
        const job = await queue.getJob(jobId);
        if (!job) continue;
        if (state === "completed") return job.returnvalue as AgentResult;
        const failure = decodeFailure(job.failedReason);
        if (!failure) throw new WorkerLostError(nodeId, job.failedReason || "failed without a reason");
        // A worker's 'aborted' is a stop it was asked for (shutdown, lost lock): the work may be redone.
        const transient = failure.kind === "transient" || failure.kind === "timeout" || failure.kind === "aborted";
        throw new RemoteAgentError({ nodeId, remote: failure.error, worker: failure.worker, transient });
      }
      await nextNews(jobId, config.pollIntervalMs, signal);
    }
  };

  /** Asks the job's worker to stop it (or removes it while queued); settles once it is not running. */
  const cancelRemote = async (jobId: string): Promise<void> => {
    await client.set(cancelKey(config.prefix, config.queue, jobId), "1", "PX", 24 * 3600_000);
    await client.publish(cancelChannel(config.prefix, config.queue), jobId);
    const deadline = Date.now() + config.settleTimeoutMs;
    while (Date.now() < deadline) {
      const state = await queue.getJobState(jobId);
      if (state !== "active" && !QUEUED.has(state)) return;
      // A queued job is removed; one that a worker locks meanwhile throws, and is waited for.
      if (QUEUED.has(state) && (await queue.remove(jobId).catch(() => 0)) === 1) return;
      await nextNews(jobId, Math.min(250, config.pollIntervalMs));
    }
  };

  return {
    queue: config.queue,
    async ready(timeoutMs = 10_000) {
      const timer = new AbortController();
      const late = sleep(timeoutMs, timer.signal).then(() => {
        if (!timer.signal.aborted) throw new RedisUnreachableError(describeConnection(config.connection), timeoutMs);
      });
      try {
        await Promise.race([start(), late]);
      } finally {
        timer.abort();
      }
    },
    async run(task, signal) {
      signal.throwIfAborted();
      const jobId = encodeJobId(task.runId, task.nodeId);
      try {
        // Every Redis command waits for a reconnect while Redis is away: an abort must not.
        return await untilAborted(
          (async () => {
            await start();
            const data = jobDataOf(task);
            await awaitLeftovers(task.runId, jobId, data, signal);
            await enqueue(jobId, data);
            return outcome(jobId, task.nodeId, signal);
          })(),
          signal,
        );
      } catch (error) {
        if (!signal.aborted) throw error;
        // The cancel key outlives this wait: a worker that takes the job later fails it at once.
        await Promise.race([cancelRemote(jobId).catch(() => {}), sleep(config.settleTimeoutMs)]);
        throw signal.reason;
      }
    },
    async removeRunJobs(runId, nodeIds) {
      await start();
      let removed = 0;
      for (const nodeId of nodeIds) removed += await queue.remove(encodeJobId(runId, nodeId)).catch(() => 0);
      await client.del(runJobsKey(config.prefix, config.queue, runId));
      return removed;
    },
    async close() {
      // Closing politely needs Redis; without it (down, never reached) the sockets just go.
      await Promise.race([Promise.allSettled([events.close(), queue.close()]), sleep(2000)]);
      await Promise.race([Promise.allSettled([client.quit(), eventsClient.quit()]), sleep(1000)]);
      client.disconnect();
      eventsClient.disconnect();
    },
  };
}
