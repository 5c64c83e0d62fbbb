// `@hybrid/dispatch/bullmq`: run attempts on workers across machines. Its own entry point, so
// `bullmq` and `ioredis` (optional peer dependencies) load only where distributed mode is used.
export { createBullmqRunner, BullmqRunnerOptionsSchema } from "./runner.js";
export { createBullmqWorker, BullmqWorkerOptionsSchema } from "./worker.js";
export { decodeJobId, encodeJobId, DEFAULT_QUEUE } from "./job-id.js";
export { RedisUnreachableError, RemoteAgentError, WorkerLostError, isRedisUnreachableError, isRemoteAgentError, isWorkerLostError } from "./errors.js";
export { describeConnection } from "./connection.js";

export type { BullmqRunner, BullmqRunnerOptions } from "./runner.js";
export type { BullmqWorker, BullmqWorkerOptions, WorkerEvent } from "./worker.js";
export type { RedisConnection } from "./connection.js";
