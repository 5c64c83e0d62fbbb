// Redis connections for BullMQ. `bullmq` and `ioredis` are optional peer dependencies: only this
// entry point imports them, so a local run never loads them and never needs a service.
import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import { z } from "zod";

/** Where Redis is: a `redis://` or `rediss://` URL, or host/port/credentials. */
export type RedisConnection =
  | string
  | { host?: string; port?: number; username?: string; password?: string; db?: number; tls?: boolean };

export const RedisConnectionSchema = z.union([
  z.string().regex(/^rediss?:\/\/\S+$/, "expected a redis:// or rediss:// URL"),
  z.strictObject({
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    db: z.number().int().min(0).optional(),
    tls: z.boolean().optional(),
  }),
]);

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
  if (typeof connection === "string") return new Redis(connection, common);
  const { tls, ...rest } = connection;
  return new Redis({ ...common, ...rest, ...(tls ? { tls: {} } : {}) });
}

/** Where a connection points, without its password (for messages). */
export function describeConnection(connection: RedisConnection): string {
  if (typeof connection !== "string") return `redis://${connection.host ?? "127.0.0.1"}:${connection.port ?? 6379}/${connection.db ?? 0}`;
  try {
    const url = new URL(connection);
    url.password = url.password ? "***" : "";
    return url.toString();
  } catch {
    return "redis://(unparsable URL)";
  }
}
