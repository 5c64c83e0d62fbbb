import { thrown } from "@hybrid/test-utils";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { acquireFileLock, isInvalidRedactorError } from "@hybrid/resilience";
import { afterEach, describe, expect, it } from "vitest";
import { isDispatchOptionsError, isLedgerFormatError } from "../src/errors.js";
import { createLedgerSink } from "../src/ledger-sink.js";
import type { LedgerRecord } from "../src/ledger-sink.js";
import { redactSecrets, tempDir } from "./helpers.js";
import { checkConcurrentWriters } from "./ledger-writers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratch(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

const identity = (text: string): string => text;
const entry = { runId: "run-1", nodeId: "a", agent: "coder", at: 1_700_000_000_000, summary: "did it", idempotencyKey: "run-1:a:spec1" };

async function lines(path: string): Promise<LedgerRecord[]> {
  return (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as LedgerRecord);
}


describe("createLedgerSink", () => {
  it("appends one versioned line per handoff with a ledger:// url, redacting summary and agent, not the key", async () => {
    const dir = await scratch();
    const sink = createLedgerSink({ dir: join(dir, "state"), redact: redactSecrets });
    const handoff = { ...entry, agent: "coder-SECRET-1", summary: "token SECRET-42 used", idempotencyKey: "run-1:a:SECRET-7", issue: { owner: "o", repo: "r", number: 1 } };
    const { url } = await sink.record(handoff);
    expect(url).toBe(`ledger://${join(dir, "state", "ledger.jsonl")}#${encodeURIComponent("run-1:a:SECRET-7")}`);
    expect(await lines(sink.path)).toEqual([
      { v: 1, idempotencyKey: "run-1:a:SECRET-7", runId: "run-1", nodeId: "a", agent: "coder-[REDACTED]", at: entry.at, summary: "token [REDACTED] used", issue: { owner: "o", repo: "r", number: 1 }, url },
    ]);
  });

  it("dedupes on the key: a retry returns the first URL, a new key (a forced re-run) records its new summary", async () => {
    const dir = await scratch();
    const sink = createLedgerSink({ dir, redact: identity });
    const [first, again] = await Promise.all([sink.record(entry), sink.record({ ...entry, summary: "other" })]);
    expect(again).toEqual(first);
    const restarted = createLedgerSink({ dir, redact: identity });
    expect(await restarted.record({ ...entry, summary: "after restart" })).toEqual(first);
    const rerun = await restarted.record({ ...entry, idempotencyKey: "run-1:a:spec2", summary: "changed node's output" });
    expect(rerun.url).not.toBe(first.url);
    expect((await lines(sink.path)).map((r) => [r.idempotencyKey, r.summary])).toEqual([
      ["run-1:a:spec1", "did it"],
      ["run-1:a:spec2", "changed node's output"],
    ]);
  });

  it("sees what another instance recorded since it last looked", async () => {
    const dir = await scratch();
    const one = createLedgerSink({ dir, redact: identity });
    const two = createLedgerSink({ dir, redact: identity });
    await one.record({ ...entry, idempotencyKey: "k0" });
    const fromTwo = await two.record({ ...entry, idempotencyKey: "k1" });
    expect(await one.record({ ...entry, idempotencyKey: "k1", summary: "late" })).toEqual(fromTwo);
    expect((await lines(one.path)).map((r) => r.idempotencyKey)).toEqual(["k0", "k1"]);
  });

  it("cuts a torn last line under the lock, never extending it, and not while another holds the lock", async () => {
    const dir = await scratch();
    const sink = createLedgerSink({ dir, redact: identity });
    await sink.record(entry);
    const torn = '{"v":1,"idempotencyKey":"torn","runId":"run-1","nodeId":"b","ag';
    await appendFile(sink.path, torn);
    const before = await readFile(sink.path, "utf8");
    const lock = await acquireFileLock(sink.path);
    const restarted = createLedgerSink({ dir, redact: identity });
    const pending = restarted.record({ ...entry, nodeId: "b", idempotencyKey: "run-1:b:spec1" });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await readFile(sink.path, "utf8")).toBe(before);
    await lock.release();
    await pending;
    const text = await readFile(sink.path, "utf8");
    expect(text).not.toContain('"ag{');
    expect(text.endsWith("\n")).toBe(true);
    expect((await lines(sink.path)).map((r) => r.idempotencyKey)).toEqual(["run-1:a:spec1", "run-1:b:spec1"]);
  });

  it("keeps lines written before keys existed, without matching them, and refuses a newer format", async () => {
    const dir = await scratch();
    const path = join(dir, "ledger.jsonl");
    const legacy = JSON.stringify({ runId: "run-1", nodeId: "a", agent: "coder", at: 1, summary: "old", url: `ledger://${path}#run-1/a` });
    await writeFile(path, `${legacy}\n{broken\n`);
    const sink = createLedgerSink({ dir, redact: identity });
    await sink.record(entry);
    const text = await readFile(path, "utf8");
    expect(text.startsWith(`${legacy}\n{broken\n`)).toBe(true);
    expect(text.split("\n").filter(Boolean)).toHaveLength(3);
    await appendFile(path, `${JSON.stringify({ v: 2, idempotencyKey: "future", url: "x" })}\n`);
    const error = await createLedgerSink({ dir, redact: identity }).record({ ...entry, idempotencyKey: "new" }).catch((e: unknown) => e);
    expect(isLedgerFormatError(error)).toBe(true);
    expect(error).toMatchObject({ code: "ledger-format", version: 2 });
  });

  it("processes recording the same keys write each key once, and lose none of their own (2 processes × 20; 4 × 50 in the slow suite)", async () => {
    await checkConcurrentWriters(await scratch(), 2, 20);
  });

  it("stops waiting when the signal aborts, writing nothing for that call", async () => {
    const dir = await scratch();
    const sink = createLedgerSink({ dir, redact: identity });
    await sink.record(entry);
    const lock = await acquireFileLock(sink.path);
    const controller = new AbortController();
    const pending = sink.record({ ...entry, idempotencyKey: "blocked" }, { signal: controller.signal });
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await lock.release();
    // The next record runs after the aborted one's turn: it wrote nothing.
    await sink.record({ ...entry, idempotencyKey: "after" });
    expect((await lines(sink.path)).map((r) => r.idempotencyKey)).toEqual(["run-1:a:spec1", "after"]);
  });

  it("surfaces an unreadable ledger and validates options: dir, and a required redact that returns a string", async () => {
    const dir = await scratch();
    await writeFile(join(dir, "file"), "x");
    await expect(createLedgerSink({ dir: join(dir, "file"), redact: identity }).record(entry)).rejects.toThrow();
    const empty = thrown(() => createLedgerSink({ dir: "", redact: identity }));
    expect(isDispatchOptionsError(empty)).toBe(true);
    expect(empty).toMatchObject({ problems: [{ path: "dir" }] });
    const missing = thrown(() => createLedgerSink({ dir } as never));
    expect(missing).toMatchObject({ code: "invalid-options", problems: [{ path: "redact", message: expect.stringContaining("required") }] });
    // context's redactSecrets returns { text, findings }: caught when the sink is made, naming the option.
    const wrong = thrown(() => createLedgerSink({ dir, redact: ((text: string) => ({ text, findings: [] })) as never }));
    expect(isInvalidRedactorError(wrong)).toBe(true);
    expect(wrong).toMatchObject({ where: "ledger sink redact", message: expect.stringContaining("returned an object, not a string") });
    // One that goes wrong only on some text fails that record, writing nothing.
    const sometimes = createLedgerSink({ dir, redact: ((text: string) => (text.includes("odd") ? null : text)) as never });
    const refused = await sometimes.record({ ...entry, summary: "odd one" }).catch((e: unknown) => e);
    expect(isInvalidRedactorError(refused)).toBe(true);
    expect((refused as Error).message).toContain("returned null");
    await expect(readFile(join(dir, "ledger.jsonl"), "utf8")).rejects.toThrow();
  });
});
