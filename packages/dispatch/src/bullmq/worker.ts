// The worker's side of scale-out: takes jobs from the queue and runs each with a local AgentRunner
// (the command runner, the model runner: the same as a local run), with the same HYBRID_*
// environment. What makes it safe to run many of them is here: a cancelled or lost job stops its
// agent; a stop hands running jobs back instead of failing them; a killed worker's agent dies too.
import { hostname } from "node:os";
import { WaitingError, Worker } from "bullmq";
import type { Job } from "bullmq";
import type { ErrorInfo } from "@hybrid/resilience";
import { z } from "zod";
import { classify, errorInfo } from "../error-info.js";
import { parseOptions } from "../errors.js";
import type { AgentResult, AgentRunner, AgentTask } from "../runner.js";
import { cancelChannel, cancelKey } from "./cancel.js";
import { RedisConnectionSchema } from "./connection.js";
import { openRedis } from "./redis-client.js";
import { encodeFailure, JobDataSchema } from "./job-data.js";
import type { JobData } from "./job-data.js";
import { DEFAULT_QUEUE, QUEUE_NAME_PATTERN } from "./job-id.js";
import { watchAgent } from "./sentinel.js";
import type { Sentinel } from "./sentinel.js";
import { sleep } from "./sleep.js";

const name = z.string().regex(QUEUE_NAME_PATTERN, "expected [A-Za-z0-9._-], at most 100 characters");

export const BullmqWorkerOptionsSchema = z.strictObject({
  connection: RedisConnectionSchema,
  /** @default "hybrid" */
  queue: name.default(DEFAULT_QUEUE),
  /** @default "bull" */
  prefix: name.default("bull"),
  /** Jobs this worker runs at once. @default 1 */
  concurrency: z.number().int().positive().default(1),
  /**
   * How long a job's lock lasts without renewal (BullMQ renews it every quarter to half of it). A
   * dead worker's job runs elsewhere at most about `lockDurationMs + stalledIntervalMs` after its
   * death. @default 10000
   */
  lockDurationMs: z.number().int().min(1000).default(10_000),
  /** How often this worker looks for stalled jobs (of any worker). @default 5000 */
  stalledIntervalMs: z.number().int().min(100).default(5000),
  /** Stalls a job survives before BullMQ fails it (the coordinator's retry policy then decides). @default 2 */
  maxStalledCount: z.number().int().min(2).default(2),
  /** The worker's name, on every job it runs and in the coordinator's errors. @default "<host>:<pid>" */
  name: name.optional(),
  runner: z.custom<AgentRunner>((value) => typeof (value as AgentRunner | undefined)?.run === "function", { message: "expected an AgentRunner" }),
  /** Redacts error text before it is written to Redis (stderr tails can echo secrets). */
  redact: z.custom<(text: string) => string>((value) => typeof value === "function", { message: "expected a function" }),
  onEvent: z.custom<(event: WorkerEvent) => void>((value) => typeof value === "function", { message: "expected a function" }).optional(),
});

export type BullmqWorkerOptions = z.input<typeof BullmqWorkerOptionsSchema>;

/** What a worker tells its operator. */
export type WorkerEvent =
  | { type: "job.started"; jobId: string; runId: string; nodeId: string; agent: string; attempt: number }
  | { type: "job.completed"; jobId: string; runId: string; nodeId: string; durationMs: number }
  | { type: "job.failed"; jobId: string; runId: string; nodeId: string; durationMs: number; kind: string; error: ErrorInfo }
  | { type: "job.handed-back"; jobId: string; runId: string; nodeId: string }
  | { type: "job.stopped"; jobId: string; runId: string; nodeId: string; why: "cancelled" | "lock-lost" }
  | { type: "error"; message: string };

export interface BullmqWorker {
  readonly name: string;
  /** Jobs running now. */
  readonly running: number;
  /** Resolves once connected and taking jobs. */
  ready(): Promise<void>;
  /**
   * Stops taking jobs and lets the running ones finish for `graceMs`; what still runs then is
   * stopped and handed back to the queue (another worker runs it, no attempt counted as failed).
   * Called again while stopping, a shorter grace applies (0: hand back now).
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

interface Active {
  job: Job;
  data: JobData;
  controller: AbortController;
  lastRenewed: number;
  why?: "cancelled" | "lock-lost" | "handback";
}

/**
 * Starts a worker on the queue. A job whose data does not parse fails permanently; a job the
 * coordinator cancelled stops its agent (at once by message, at the latest at the next lock check
 * by key); a job whose lock could not be renewed for most of `lockDurationMs` stops its agent, since
 * BullMQ is about to give it to another worker.
 *
 * @example
 * const worker = createBullmqWorker({ connection: "redis://127.0.0.1:6379", runner: createCommandRunner({ command: "./agent" }), redact });
 */
export function createBullmqWorker(options: BullmqWorkerOptions): BullmqWorker {
  const config = parseOptions("BullMQ worker", BullmqWorkerOptionsSchema, options);
  const workerName = config.name ?? `${hostname()}:${process.pid}`.replace(/[^A-Za-z0-9._-]/g, "-");
  const emit = (event: WorkerEvent): void => config.onEvent?.(event);
  const client = openRedis(config.connection, `hybrid-worker:${workerName}`);
  const subscriber = openRedis(config.connection, `hybrid-worker-cancel:${workerName}`);
  const active = new Map<string, Active>();
  const stopJob = (jobId: string, why: NonNullable<Active["why"]>): void => {
    const entry = active.get(jobId);
    if (!entry || entry.why !== undefined) return;
    entry.why = why;
    if (why !== "handback") emit({ type: "job.stopped", jobId, runId: entry.data.runId, nodeId: entry.data.nodeId, why });
    entry.controller.abort(new Error(`[dispatch] job ${jobId} stopped on worker ${workerName}: ${why}`));
  };

  const processJob = async (job: Job, token?: string): Promise<AgentResult> => {
    const parsed = JobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new Error(encodeFailure("permanent", { code: "invalid-job", message: `job ${job.id} is not a hybrid job: ${parsed.error.issues[0]?.message}` }, workerName));
    }
    const data = parsed.data;
    const jobId = job.id!;
    if ((await client.exists(cancelKey(config.prefix, config.queue, jobId))) === 1) {
      throw new Error(encodeFailure("aborted", { code: "cancelled", message: "cancelled by the coordinator before it started" }, workerName));
    }
    const entry: Active = { job, data, controller: new AbortController(), lastRenewed: Date.now() };
    active.set(jobId, entry);
    const sentinels: Sentinel[] = [];
    const started = Date.now();
    const ids = { jobId, runId: data.runId, nodeId: data.nodeId };
    emit({ type: "job.started", ...ids, agent: data.agent, attempt: data.attempt });
    const task: AgentTask = {
      runId: data.runId,
      nodeId: data.nodeId,
      agent: data.agent,
      priority: data.priority,
      attempt: data.attempt,
      idempotencyKey: data.idempotencyKey,
      prompt: data.prompt,
      node: data.node,
      // The agent starts only once its sentinel runs: if this worker is killed, the agent goes too.
      reportProcess: async (agent) => void sentinels.push(await watchAgent(agent)),
    };
    try {
      const result = await config.runner.run(task, entry.controller.signal);
      emit({ type: "job.completed", ...ids, durationMs: Date.now() - started });
      return result.tokens ? { output: result.output, tokens: result.tokens } : { output: result.output };
    } catch (error) {
      if (entry.why === "handback" && token !== undefined) {
        await job.moveToWait(token);
        emit({ type: "job.handed-back", ...ids });
        throw new WaitingError();
      }
      const info = errorInfo(error, config.redact);
      const kind = entry.why !== undefined ? "aborted" : classify(error);
      emit({ type: "job.failed", ...ids, durationMs: Date.now() - started, kind, error: info });
      throw new Error(encodeFailure(kind, info, workerName));
    } finally {
      for (const sentinel of sentinels) sentinel.release();
      active.delete(jobId);
    }
  };

  const worker = new Worker(config.queue, processJob, {
    connection: client,
    prefix: config.prefix,
    name: workerName,
    concurrency: config.concurrency,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: config.maxStalledCount,
    autorun: true,
  });
  worker.on("error", (error) => emit({ type: "error", message: config.redact(error.message) }));
  worker.on("locksRenewed", ({ jobIds }: { jobIds: string[] }) => {
    const now = Date.now();
    for (const id of jobIds) {
      const entry = active.get(id);
      if (entry) entry.lastRenewed = now;
    }
  });
  worker.on("lockRenewalFailed", (jobIds: string[]) => jobIds.forEach((id) => stopJob(id, "lock-lost")));

  // Cancellations: at once by message; by key at every check, for messages lost while disconnected.
  const channel = cancelChannel(config.prefix, config.queue);
  subscriber.on("error", () => {});
  subscriber.on("message", (_channel: string, jobId: string) => stopJob(jobId, "cancelled"));
  void subscriber.subscribe(channel).catch(() => {});
  const checkEvery = Math.max(250, Math.floor(config.lockDurationMs / 4));
  const checks = setInterval(() => {
    const now = Date.now();
    // Past 80% of the lock without a renewal, the lock may be gone: another worker may get the job.
    for (const [id, entry] of active) if (now - entry.lastRenewed > config.lockDurationMs * 0.8) stopJob(id, "lock-lost");
    const ids = [...active.keys()];
    if (ids.length === 0) return;
    client
      .mget(ids.map((id) => cancelKey(config.prefix, config.queue, id)))
      .then((values) => values.forEach((value, i) => value !== null && stopJob(ids[i]!, "cancelled")))
      .catch(() => {});
  }, checkEvery);
  checks.unref();

  let stopping: Promise<void> | undefined;
  let shortenGrace: (graceMs: number) => void = () => {};
  return {
    name: workerName,
    get running() {
      return active.size;
    },
    async ready() {
      await worker.waitUntilReady();
    },
    stop({ graceMs = 30_000 } = {}) {
      if (stopping) {
        shortenGrace(graceMs);
        return stopping;
      }
      let deadline = Date.now() + graceMs;
      let wake = new AbortController();
      shortenGrace = (ms) => {
        deadline = Math.min(deadline, Date.now() + ms);
        wake.abort();
      };
      stopping = (async () => {
        const closing = worker.close();
        let finished = false;
        void closing.then(() => (finished = true));
        // Nothing running, nothing to drain (and with Redis away, `closing` would wait for it).
        while (!finished && active.size > 0 && Date.now() < deadline) {
          wake = new AbortController();
          await Promise.race([closing, sleep(deadline - Date.now(), wake.signal)]);
        }
        if (!finished) for (const id of active.keys()) stopJob(id, "handback");
        // Handing back needs Redis; without it the jobs' leases expire and BullMQ gives them to
        // another worker all the same. Either way the agents have stopped once `closing` is done.
        await Promise.race([closing, sleep(active.size > 0 ? Math.max(5000, config.lockDurationMs) : 2000)]);
        clearInterval(checks);
        await Promise.race([Promise.allSettled([subscriber.quit(), client.quit()]), sleep(1000)]);
        subscriber.disconnect();
        client.disconnect();
      })();
      return stopping;
    },
  };
}
