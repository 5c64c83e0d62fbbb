import { mkdir, open, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { z } from "zod";
import { parseOptions } from "./errors.js";
import type { HandoffEntry, HandoffSink } from "./handoff.js";

/** Options of `createLedgerSink`. */
export const LedgerSinkOptionsSchema = z.strictObject({
  /** Directory of `ledger.jsonl` (created when missing). @default ".hybrid" */
  dir: z.string().min(1).default(".hybrid"),
  /** Applied to every string written. @default identity */
  redact: z.custom<(text: string) => string>((value) => typeof value === "function").optional(),
});

export type LedgerSinkOptions = z.input<typeof LedgerSinkOptionsSchema>;

/** One line of `ledger.jsonl`. */
export interface LedgerRecord {
  runId: string;
  nodeId: string;
  agent: string;
  at: number;
  summary: string;
  issue?: HandoffEntry["issue"];
  url: string;
}

/**
 * The offline handoff sink: appends one JSON line per handoff to `<dir>/ledger.jsonl` and fsyncs it.
 * Its URL is `ledger://<absolute path>#<runId>/<nodeId>`. Recording the same run and node twice (a
 * retry, a restart) returns the existing entry; a torn last line is skipped, never extended.
 *
 * @example
 * const sink = createLedgerSink({ dir: ".hybrid" });
 */
export function createLedgerSink(options: LedgerSinkOptions = {}): HandoffSink & { readonly path: string } {
  const config = parseOptions("ledger sink", LedgerSinkOptionsSchema, options);
  const redact = config.redact ?? ((text: string) => text);
  const dir = resolve(config.dir);
  const path = resolve(dir, "ledger.jsonl");
  let known: Map<string, string> | undefined;
  let needsNewline = false;
  let queue: Promise<unknown> = Promise.resolve();

  const load = async (): Promise<Map<string, string>> => {
    const map = new Map<string, string>();
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    needsNewline = text.length > 0 && !text.endsWith("\n");
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const record = JSON.parse(line) as LedgerRecord;
        map.set(`${record.runId}/${record.nodeId}`, record.url);
      } catch {
        // a torn line from a crash mid-append: it recorded nothing
      }
    }
    return map;
  };

  const append = async (entry: HandoffEntry): Promise<{ url: string }> => {
    known ??= await load();
    const key = `${entry.runId}/${entry.nodeId}`;
    const existing = known.get(key);
    if (existing !== undefined) return { url: existing };
    const url = `ledger://${path}#${key}`;
    const record: LedgerRecord = {
      runId: entry.runId,
      nodeId: entry.nodeId,
      agent: redact(entry.agent),
      at: entry.at,
      summary: redact(entry.summary),
      ...(entry.issue ? { issue: entry.issue } : {}),
      url,
    };
    await mkdir(dir, { recursive: true });
    const handle = await open(path, "a");
    try {
      await handle.write(`${needsNewline ? "\n" : ""}${JSON.stringify(record)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    needsNewline = false;
    known.set(key, url);
    return { url };
  };

  return {
    path,
    record(entry) {
      // Serialised, so two concurrent records of one node cannot both append.
      const result = queue.then(() => append(entry));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
