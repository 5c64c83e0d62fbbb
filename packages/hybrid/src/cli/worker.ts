// `hybrid worker --redis URL`: runs the agents of distributed runs, with the runners of a local run
// (`--runner command|model|simulated`, the same HYBRID_* environment), and says what it runs. The
// first SIGTERM or Ctrl-C stops taking jobs and lets the running ones finish for --drain-timeout,
// then hands them back to the queue; a second one hands them back at once. Exit 0 once stopped.
import { redact } from "@hybrid/context";
import { checkDistributed } from "./distributed.js";
import type { DistributedFlags } from "./distributed.js";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";
import { createRunner, runnerSpecOf } from "./runners.js";
import type { RunnerFlags } from "./runners.js";

/** The options of `hybrid worker`. */
export interface WorkerOptions extends RunnerFlags, DistributedFlags {
  concurrency?: number;
  name?: string;
  lockDuration?: number;
  stalledInterval?: number;
  drainTimeout?: number;
}

const DEFAULT_DRAIN_MS = 30_000;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Runs `hybrid worker`; resolves to the exit code once the worker has stopped. */
export async function workerCommand(options: WorkerOptions, io: Io): Promise<number> {
  if (options.redis === undefined) throw new CliError("usage", "hybrid worker needs --redis <url> (the Redis the coordinators enqueue to)");
  if (options.name !== undefined && !NAME.test(options.name)) throw new CliError("usage", `--name expects [A-Za-z0-9._-] (at most 100 characters), got "${options.name.slice(0, 200)}"`);
  const { redis, queue } = checkDistributed(options.redis, options.queue);
  const spec = runnerSpecOf(options);
  const created = await createRunner(spec);
  const { createBullmqWorker, describeConnection } = await import("@hybrid/dispatch/bullmq");
  const at = (): string => new Date().toISOString();
  // While Redis is away every reconnect fails alike: say it once, then again at most every 30 s.
  let lastWarning = { text: "", at: 0 };
  const warnOnce = (text: string): void => {
    if (text === lastWarning.text && Date.now() - lastWarning.at < 30_000) return;
    lastWarning = { text, at: Date.now() };
    io.warn(`${at()} warning: ${text}`);
  };
  const concurrency = options.concurrency ?? 1;
  const worker = createBullmqWorker({
    connection: redis,
    queue,
    concurrency,
    runner: created.runner,
    redact,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.lockDuration !== undefined ? { lockDurationMs: options.lockDuration } : {}),
    ...(options.stalledInterval !== undefined ? { stalledIntervalMs: options.stalledInterval } : {}),
    onEvent(event) {
      const job = "runId" in event ? `${event.runId}/${event.nodeId}` : "";
      switch (event.type) {
        case "job.started":
          return io.say(`${at()} started ${job} (agent ${event.agent}, attempt ${event.attempt})`);
        case "job.completed":
          return io.say(`${at()} completed ${job} in ${seconds(event.durationMs)}`);
        case "job.failed":
          return io.say(`${at()} failed ${job} after ${seconds(event.durationMs)} (${event.kind}): ${event.error.message.slice(0, 500)}`);
        case "job.handed-back":
          return io.say(`${at()} handed back ${job}: another worker runs it`);
        case "job.stopped":
          return io.say(`${at()} stopped ${job}: ${event.why === "cancelled" ? "cancelled by its coordinator" : "its lease could not be renewed; the queue gives it to another worker"}`);
        case "error":
          return warnOnce(event.message);
      }
    },
  });
  const drainMs = options.drainTimeout ?? DEFAULT_DRAIN_MS;
  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals === 1) {
        io.say(`${at()} ${signal}: taking no more jobs; ${worker.running} running may finish for ${seconds(drainMs)}, then go back to the queue (${signal} again: now)`);
        void worker.stop({ graceMs: drainMs }).then(resolve);
      } else {
        io.say(`${at()} ${signal}: handing back ${worker.running} running job(s) now`);
        void worker.stop({ graceMs: 0 });
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  io.say(`hybrid worker ${worker.name}: ${describeConnection(redis)} queue ${queue}, concurrency ${concurrency}, runner ${spec.kind}${spec.command ? ` (${spec.command})` : ""}`);
  await Promise.race([worker.ready(), stopped]);
  if (signals === 0) io.say(`${at()} ready: waiting for jobs`);
  await stopped;
  io.say(`${at()} stopped`);
  return EXIT.ok;
}
