import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLedgerSink, isDispatchOptionsError } from "../src/index.js";
import type { LedgerRecord } from "../src/index.js";
import { redactSecrets, tempDir } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const entry = { runId: "run-1", nodeId: "a", agent: "coder", at: 1_700_000_000_000, summary: "did it" };

async function lines(path: string): Promise<LedgerRecord[]> {
  return (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as LedgerRecord);
}

describe("createLedgerSink", () => {
  it("appends one line per handoff with a ledger:// url, redacted", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const sink = createLedgerSink({ dir: join(dir, "state"), redact: redactSecrets });
    const { url } = await sink.record({ ...entry, summary: "token SECRET-42 used", issue: { owner: "o", repo: "r", number: 1 } });
    expect(url).toBe(`ledger://${join(dir, "state", "ledger.jsonl")}#run-1/a`);
    const [record] = await lines(sink.path);
    expect(record).toMatchObject({ runId: "run-1", nodeId: "a", agent: "coder", summary: "token [REDACTED] used", url, issue: { number: 1 } });
    expect(await readFile(sink.path, "utf8")).not.toContain("SECRET-42");
  });

  it("is idempotent per run+node, within an instance and across instances", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const sink = createLedgerSink({ dir });
    const [first, again] = await Promise.all([sink.record(entry), sink.record({ ...entry, summary: "other" })]);
    expect(again).toEqual(first);
    const restarted = createLedgerSink({ dir });
    expect(await restarted.record(entry)).toEqual(first);
    await restarted.record({ ...entry, nodeId: "b" });
    expect((await lines(sink.path)).map((r) => r.nodeId)).toEqual(["a", "b"]);
  });

  it("skips a torn last line and never extends it", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const sink = createLedgerSink({ dir });
    await sink.record(entry);
    await appendFile(sink.path, '{"runId":"run-1","nodeId":"b","ag');
    const restarted = createLedgerSink({ dir });
    await restarted.record({ ...entry, nodeId: "b" });
    const text = await readFile(sink.path, "utf8");
    const good = text.split("\n").filter((line) => line.startsWith("{") && line.endsWith("}"));
    expect(good.map((line) => (JSON.parse(line) as LedgerRecord).nodeId)).toEqual(["a", "b"]);
  });

  it("surfaces an unreadable ledger and validates options", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await writeFile(join(dir, "file"), "x");
    const sink = createLedgerSink({ dir: join(dir, "file") });
    await expect(sink.record(entry)).rejects.toThrow();
    expect(() => createLedgerSink({ dir: "" })).toThrow(expect.objectContaining({ code: "invalid-options" }));
    try {
      createLedgerSink({ dir: "" });
    } catch (error) {
      expect(isDispatchOptionsError(error)).toBe(true);
    }
  });
});
