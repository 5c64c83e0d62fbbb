import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { parseOptions } from "./segment.js";

/**
 * Where L2 and L3 providers keep what they fetched. Values are JSON-serialisable; a value that cannot
 * be read back (corrupt file, other version) is reported as absent, never thrown.
 */
export interface ContextCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

/** An in-memory cache; values are deep-copied through JSON so callers cannot mutate them. */
export function createMemoryContextCache(): ContextCache {
  const entries = new Map<string, string>();
  return {
    async get(key) {
      const raw = entries.get(key);
      return raw === undefined ? undefined : JSON.parse(raw);
    },
    async set(key, value) {
      entries.set(key, JSON.stringify(value));
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

export const FileContextCacheOptionsSchema = z.object({
  /** Directory for cache files; created on first write. Typically `.hybrid/cache`. */
  dir: z.string().min(1),
});
export type FileContextCacheOptions = z.input<typeof FileContextCacheOptionsSchema>;

const FileEntrySchema = z.object({ key: z.string(), value: z.unknown() });

/**
 * A cache of one JSON file per key under `dir`. Writes are atomic (write a temp file, fsync,
 * rename), so a crash leaves either the old or the new value, never a torn one.
 */
export function createFileContextCache(options: FileContextCacheOptions): ContextCache {
  const { dir } = parseOptions("file cache options", FileContextCacheOptionsSchema, options);
  const fileOf = (key: string) => join(dir, `${createHash("sha256").update(key).digest("hex").slice(0, 40)}.json`);
  return {
    async get(key) {
      let raw: string;
      try {
        raw = await readFile(fileOf(key), "utf8");
      } catch {
        return undefined;
      }
      try {
        const entry = FileEntrySchema.safeParse(JSON.parse(raw));
        // A hash collision or a foreign file is a miss, not someone else's value.
        return entry.success && entry.data.key === key ? entry.data.value : undefined;
      } catch {
        return undefined;
      }
    },
    async set(key, value) {
      await mkdir(dir, { recursive: true });
      const target = fileOf(key);
      const temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
      const handle = await open(temp, "w");
      try {
        await handle.writeFile(JSON.stringify({ key, value }));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    },
    async delete(key) {
      await rm(fileOf(key), { force: true });
    },
  };
}
