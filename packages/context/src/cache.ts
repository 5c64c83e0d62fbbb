import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { checkedRedactor, redactOption, type RedactFn } from "./option-redactor.js";
import { redact as defaultRedact } from "./redact.js";
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
  /**
   * Applied to every string a value holds (and to the key) before it is written: the cache leaves
   * the process, so it stores only redacted text. Pass `(text) => text` to store text as given.
   * @default redact (this package's)
   */
  redact: redactOption.optional(),
});
export type FileContextCacheOptions = z.input<typeof FileContextCacheOptionsSchema>;

const FileEntrySchema = z.object({ key: z.string(), value: z.unknown() });

/** A copy of a JSON value with every string redacted (object keys are the writer's schema, kept). */
function redactValue(value: unknown, redact: RedactFn): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, item] of Object.entries(value)) out[key] = redactValue(item, redact);
    return out;
  }
  return value;
}

/**
 * A cache of one JSON file per key under `dir`, holding only redacted text. Writes are atomic (write
 * a temp file, fsync, rename), so a crash leaves either the old or the new value, never a torn one.
 * File names are a hash of the key, so a path or URL in a key never appears in a file name.
 */
export function createFileContextCache(options: FileContextCacheOptions): ContextCache {
  const opts = parseOptions("file cache options", FileContextCacheOptionsSchema, options);
  const { dir } = opts;
  const redact = checkedRedactor(opts.redact ?? defaultRedact, "redact");
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
        return entry.success && entry.data.key === redact(key) ? entry.data.value : undefined;
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
        await handle.writeFile(JSON.stringify({ key: redact(key), value: redactValue(value, redact) }));
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
