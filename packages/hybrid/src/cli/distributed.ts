// `--redis URL [--queue NAME]` on `run` and `resume`: the run's agents run on `hybrid worker`s
// through a BullMQ queue. The adapter (and bullmq, ioredis behind it) is imported here and only
// here, so a local run never loads it and never needs a service.
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import type { Invocation } from "./invocation.js";
import type { CreatedRunner, RunnerFlags } from "./runners.js";

/** `--redis` and `--queue` as a command got them. */
export interface DistributedFlags {
  redis?: string | undefined;
  queue?: string | undefined;
}

/** Where a run's work goes. */
export interface Distributed {
  redis: string;
  queue: string;
}

const DEFAULT_QUEUE = "hybrid";
/** How long a coordinator waits for Redis before it gives up, with nothing started. */
const REDIS_READY_MS = 10_000;
const QUEUE = /^[A-Za-z0-9._-]{1,100}$/;
const usage = (message: string): CliError => new CliError("usage", message);

/** Checks a Redis URL and queue name as given on the command line. */
export function checkDistributed(redis: string, queue: string = DEFAULT_QUEUE): Distributed {
  if (!/^rediss?:\/\/\S+$/.test(redis)) throw usage(`--redis expects a redis:// or rediss:// URL, got "${redis.slice(0, 200)}"`);
  if (!QUEUE.test(queue)) throw usage(`--queue expects [A-Za-z0-9._-] (at most 100 characters), got "${queue.slice(0, 200)}"`);
  return { redis, queue };
}

/** Workers choose the agent: agent options on a distributed coordinator are a mistake, said so. */
function refuseAgentFlags(flags: RunnerFlags): void {
  const local = [
    flags.runner !== undefined && flags.runner !== "simulated" && "--runner",
    flags.command !== undefined && "--command",
    flags.timeScale !== undefined && "--time-scale",
    flags.outputTokens !== undefined && "--output-tokens",
    flags.provider !== undefined && "--provider",
    flags.baseUrl !== undefined && "--base-url",
    flags.model !== undefined && "--model",
  ].filter(Boolean);
  if (local.length > 0) throw usage(`with --redis the workers run the agents: give ${local.join(", ")} to \`hybrid worker\`, not to the coordinator`);
}

/** The distributed setup of `hybrid run`, or undefined for a local run. */
export function distributedOf(flags: DistributedFlags & RunnerFlags): Distributed | undefined {
  if (flags.redis === undefined) {
    if (flags.queue !== undefined) throw usage("--queue needs --redis <url>");
    return undefined;
  }
  refuseAgentFlags(flags);
  return checkDistributed(flags.redis, flags.queue ?? DEFAULT_QUEUE);
}

/** The distributed setup of `hybrid resume`: the flags over what the run was started with. */
export function resumedDistributedOf(flags: DistributedFlags & RunnerFlags, saved: Invocation | undefined, runId: string): Distributed | undefined {
  const was = saved?.distributed;
  if (flags.redis === undefined && was === undefined) {
    if (flags.queue !== undefined) throw usage("--queue needs --redis <url>");
    return undefined;
  }
  refuseAgentFlags(flags);
  const redis = flags.redis ?? was?.redis;
  // Running it locally now could run a node its workers still run: the Redis URL is needed.
  if (redis === undefined) throw usage(`run ${runId} ran on workers and its Redis URL was not kept (it has a password): give --redis <url>`);
  return checkDistributed(redis, flags.queue ?? was?.queue ?? DEFAULT_QUEUE);
}

/** The coordinator's runner, once Redis answers: attempts become jobs; the queue's global cap is this run's parallelism. */
export async function createDistributedRunner(distributed: Distributed, maxParallel: number): Promise<CreatedRunner> {
  const { createBullmqRunner, isRedisUnreachableError } = await import("@hybrid/dispatch/bullmq");
  const runner = createBullmqRunner({ connection: distributed.redis, queue: distributed.queue, globalConcurrency: maxParallel });
  try {
    await runner.ready(REDIS_READY_MS);
  } catch (error) {
    await runner.close();
    // Not the user's input as such, but nothing ran and nothing was written: exit 1 with the reason.
    if (isRedisUnreachableError(error)) throw new CliError("redis-unreachable", error.message, { exitCode: EXIT.failed, cause: error });
    throw error;
  }
  return { runner, providerName: "bullmq", close: () => runner.close() };
}
