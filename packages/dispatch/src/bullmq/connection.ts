// Where Redis is, as users write it. Public types only: the ioredis client is made in
// redis-client.ts, whose declarations need @types/node and so stay out of the public ones.
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
