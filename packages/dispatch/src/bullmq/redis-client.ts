// Redis clients for BullMQ. `bullmq` and `ioredis` are optional peer dependencies: only the
// `@hybrid/dispatch/bullmq` entry point imports them, so a local run never loads them.
import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import type { RedisConnection } from "./connection.js";

/**
 * A new ioredis client. `maxRetriesPerRequest: null` is what BullMQ needs for its blocking
 * commands: a command waits for the reconnect instead of failing while Redis is away for a few
 * seconds; the attempt's own deadline bounds the wait on the coordinator.
 */
export function openRedis(connection: RedisConnection, name: string): Redis {
  const common: RedisOptions = {
    maxRetriesPerRequest: null,
    connectionName: name,
    // Reconnect forever, at most every 2 s: a restarted Redis is found again within seconds.
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  const { tls, ...rest } = typeof connection === "string" ? {} : connection;
  const client = typeof connection === "string" ? new Redis(connection, common) : new Redis({ ...common, ...rest, ...(tls ? { tls: {} } : {}) });
  // Connection errors are retried here and reported by BullMQ's own 'error' events (a worker prints
  // them as warnings); without a listener ioredis would print each one to stderr besides.
  client.on("error", () => {});
  return client;
}
