// The failures a distributed attempt can end in, as the coordinator sees them. Both carry
// `transient` so `classifyError` (and so the retry policy) treats them as it treats local ones.
import type { ErrorInfo } from "@hybrid/resilience";
import { hasBrand } from "../errors.js";

const brands = {
  RemoteAgentError: Symbol.for("hybrid.dispatch.RemoteAgentError"),
  WorkerLostError: Symbol.for("hybrid.dispatch.WorkerLostError"),
  RedisUnreachableError: Symbol.for("hybrid.dispatch.RedisUnreachableError"),
} as const;

/** The agent failed on a worker: the worker's error, classified there, rebuilt here. */
export class RemoteAgentError extends Error {
  readonly code = "remote-agent-failed" as const;
  /** The error the worker's runner threw (its code, message, exit code, stderr tail). */
  readonly remote: ErrorInfo;
  /** The worker that ran the attempt (`hybrid worker` prints its name). */
  readonly worker: string;
  readonly transient: boolean;
  readonly exitCode?: number;
  readonly [brands.RemoteAgentError] = true;

  constructor(init: { nodeId: string; remote: ErrorInfo; worker: string; transient: boolean }) {
    super(`[dispatch] node ${JSON.stringify(init.nodeId)} failed on worker ${init.worker}${init.transient ? " (transient)" : ""}: ${init.remote.message}`);
    this.name = "RemoteAgentError";
    this.remote = init.remote;
    this.worker = init.worker;
    this.transient = init.transient;
    if (init.remote.exitCode !== undefined) this.exitCode = init.remote.exitCode;
  }
}

/**
 * The attempt's job ended without a worker's answer: BullMQ failed it after too many stalls (its
 * workers died or lost Redis), or it vanished (Redis restarted without persistence). Transient:
 * the retry policy decides whether it runs again.
 */
export class WorkerLostError extends Error {
  readonly code = "worker-lost" as const;
  readonly transient = true as const;
  readonly [brands.WorkerLostError] = true;

  constructor(nodeId: string, why: string) {
    super(`[dispatch] node ${JSON.stringify(nodeId)}: its job ended without a worker's answer: ${why}`);
    this.name = "WorkerLostError";
  }
}

/** Redis did not answer in time when the runner started (a wrong URL, Redis down, a firewall). */
export class RedisUnreachableError extends Error {
  readonly code = "redis-unreachable" as const;
  readonly [brands.RedisUnreachableError] = true;

  constructor(where: string, timeoutMs: number) {
    super(`[dispatch] Redis at ${where} did not answer within ${Math.round(timeoutMs / 1000)} s (is it running, and is the URL right?)`);
    this.name = "RedisUnreachableError";
  }
}

export const isRedisUnreachableError = (value: unknown): value is RedisUnreachableError => hasBrand(value, brands.RedisUnreachableError);
export const isRemoteAgentError = (value: unknown): value is RemoteAgentError => hasBrand(value, brands.RemoteAgentError);
export const isWorkerLostError = (value: unknown): value is WorkerLostError => hasBrand(value, brands.WorkerLostError);
