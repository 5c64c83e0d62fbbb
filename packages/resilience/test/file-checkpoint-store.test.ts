import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  JOURNAL_FORMAT_VERSION,
  createFileCheckpointStore,
  createMemoryCheckpointStore,
  digestOutput,
  isInvalidJournalEventError,
  isInvalidRedactorError,
  isJournalCorruptError,
  isJournalVersionError,
  isLockedError,
} from "@hybrid/resilience";
import type { CheckpointStore, JournalEvent } from "@hybrid/resilience";
import { JournalBuilder, exampleEvents, journalLine, parseJournalFile, spec } from "./helpers.js";

let dir: string;
const opened: CheckpointStore[] = [];
const identity = (text: string): string => text;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hybrid-resilience-file-"));
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close?.();
  await rm(dir, { recursive: true, force: true });
});

function open(options: { redact?: (text: string) => string; onWarning?: (message: string) => void } = {}): CheckpointStore {
  const store = createFileCheckpointStore({ dir, redact: options.redact ?? identity, ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
  opened.push(store);
  return store;
}

const journal = (runId: string): string => join(dir, "runs", runId, "journal.jsonl");
const a = spec("a", "s-a");

// Three valid events of run r1, as a dispatcher writes them.
function threeEvents(runId = "r1"): JournalEvent[] {
  const builder = new JournalBuilder(runId);
  builder.started({ planHash: "p", nodes: [a] }).ran(a, "A");
  return builder.events;
}

async function writeThree(runId = "r1"): Promise<{ events: JournalEvent[]; lines: string[] }> {
  const store = open();
  const events = threeEvents(runId);
  for (const event of events) await store.append(runId, event);
  await store.close?.();
  return { events, lines: (await readFile(journal(runId), "utf8")).split("\n") };
}

async function writeLines(runId: string, text: string): Promise<void> {
  await mkdir(join(dir, "runs", runId), { recursive: true });
  await writeFile(journal(runId), text);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (error: unknown) => error,
  );
}

describe("the journal envelope on disk", () => {
  it('writes one line per event: {"v":1,"seq":n,"sum":"<16 hex of sha256(event JSON)>","event":…}', async () => {
    const { events, lines } = await writeThree();
    expect(JOURNAL_FORMAT_VERSION).toBe(1);
    expect(lines).toHaveLength(4);
    // Parsed by hand: envelope keys in order, v 1, seq from 1, sum = sha256 of the event's JSON as written.
    const parsed = parseJournalFile(lines.join("\n"));
    expect(parsed.map((record) => record.event)).toEqual(events);
    // Byte for byte what docs/journal.md specifies, computed here without the package.
    expect(lines.slice(0, 3).map((line) => `${line}\n`)).toEqual(parsed.map((record, i) => journalLine(i + 1, record.event)));
    expect(lines[0]).toMatch(/^\{"v":1,"seq":1,"sum":"[0-9a-f]{16}","event":\{"type":"run\.started","runId":"r1"/);
  });

  it("refuses a line of an unknown version with JournalVersionError, never misreading it", async () => {
    const event = threeEvents()[0]!;
    await writeLines("r1", journalLine(1, event, 2));
    const error = await caught(open().read("r1"));
    expect(isJournalVersionError(error)).toBe(true);
    expect(error).toMatchObject({ code: "journal-version-unsupported", file: journal("r1"), line: 1, version: 2, supported: 1 });
    expect((error as Error).message).toMatch(/format version 2; this version of @hybrid\/resilience reads version 1 only/);
  });

  it("refuses a later version whose lines are laid out differently, even as the last line, and appends nothing after it", async () => {
    const { lines } = await writeThree();
    // A newer hybrid continued the run in a format of its own (no `sum`, another checksum, batched events).
    const future = `${JSON.stringify({ v: 2, seq: 4, crc32: "0badf00d", events: [{ kind: "x" }] })}\n`;
    await writeLines("r1", `${lines.slice(0, 3).join("\n")}\n${future}`);
    const before = await readFile(journal("r1"), "utf8");
    await expect(open().read("r1")).rejects.toMatchObject({ code: "journal-version-unsupported", line: 4, version: 2 });
    const error = await caught(open().append("r1", new JournalBuilder("r1").completed("failed").events[0]!));
    expect(isJournalVersionError(error)).toBe(true);
    expect(await readFile(journal("r1"), "utf8")).toBe(before);
  });

  it("refuses an intact line written before the envelope had a version", async () => {
    const event = threeEvents()[0]!;
    const { v: _v, ...legacy } = JSON.parse(journalLine(1, event)) as Record<string, unknown>;
    await writeLines("r1", `${JSON.stringify(legacy)}\n`);
    await expect(open().read("r1")).rejects.toMatchObject({ code: "journal-version-unsupported", line: 1, version: undefined });
  });

  it("ignores a torn last line with a warning, and cuts it before the next append", async () => {
    await writeThree();
    await appendFile(journal("r1"), '{"v":1,"seq":4,"sum":"abc","event":{"ty');
    const warnings: string[] = [];
    const store = open({ onWarning: (message) => warnings.push(message) });
    const read = await store.read("r1");
    expect(read.events).toEqual(threeEvents());
    expect(read.warnings).toEqual([expect.stringMatching(/journal\.jsonl:4: ignored a torn or corrupt last line \(not valid JSON/)]);

    const next = new JournalBuilder("r1").completed("succeeded").events[0]!;
    await store.append("r1", next);
    expect(warnings).toEqual([expect.stringMatching(/:4: ignored a torn .*; truncated before appending$/)]);
    // The file, parsed by hand: four good lines in sequence, the torn bytes gone.
    expect(parseJournalFile(await readFile(journal("r1"), "utf8")).map((r) => r.event)).toEqual([...threeEvents(), next]);
  });

  it("treats a last line with a bad checksum or without the envelope as torn, but a bad middle line as corruption", async () => {
    const { lines } = await writeThree();
    const flipped = lines[2]!.replace('"output":"A"', '"output":"B"');
    await writeLines("r1", [lines[0], lines[1], flipped, ""].join("\n"));
    const read = await open().read("r1");
    expect(read.events).toHaveLength(2);
    expect(read.warnings[0]).toMatch(/:3: .*checksum mismatch/);

    await writeLines("r1", [lines[0], flipped, lines[2], ""].join("\n"));
    const error = await caught(open().read("r1"));
    expect(isJournalCorruptError(error)).toBe(true);
    expect(error).toMatchObject({ code: "journal-corrupt", file: journal("r1"), line: 2, reason: "checksum mismatch" });
    expect((error as Error).message).toContain(`${journal("r1")}:2 is corrupt`);

    await writeLines("r1", [lines[0], '{"hello":1}', lines[2], ""].join("\n"));
    await expect(open().read("r1")).rejects.toMatchObject({ line: 2, reason: expect.stringMatching(/not a journal record/) });
    await writeLines("r1", [lines[0], "garbage{", lines[2], ""].join("\n"));
    await expect(open().read("r1")).rejects.toMatchObject({ line: 2, reason: expect.stringMatching(/not valid JSON/) });
    // Appending is refused too: writing after corruption would bury it.
    await expect(open().append("r1", threeEvents()[0]!)).rejects.toSatisfy(isJournalCorruptError);
  });

  it("reports a sequence gap as corruption, in the middle and at the end", async () => {
    const { lines } = await writeThree();
    await writeLines("r1", [lines[0], lines[2], ""].join("\n"));
    await expect(open().read("r1")).rejects.toMatchObject({ line: 2, reason: "sequence 3, expected 2" });
    await writeLines("r1", [lines[1], ""].join("\n"));
    await expect(open().read("r1")).rejects.toMatchObject({ line: 1, reason: "sequence 2, expected 1" });
  });

  it("reports an intact line whose event fails its schema as corruption, even as the last line", async () => {
    const { lines } = await writeThree();
    const unknownType = { type: "breaker.snapshot", runId: "r1", at: 5, breakers: {} };
    await writeLines("r1", `${lines.slice(0, 3).join("\n")}\n${journalLine(4, unknownType)}`);
    await expect(open().read("r1")).rejects.toMatchObject({ code: "journal-corrupt", line: 4, reason: expect.stringMatching(/^not a valid event: type: /) });
    const badField = { ...exampleEvents("r1")["node.blocked"], blockedBy: "" };
    await writeLines("r1", `${lines[0]}\n${journalLine(2, badField)}${lines[2]}\n`);
    await expect(open().read("r1")).rejects.toMatchObject({ line: 2, reason: expect.stringMatching(/blockedBy/) });
  });

  it("accepts blank lines and a last line without its newline, and appends cleanly after them", async () => {
    const { lines } = await writeThree();
    await writeLines("r1", [lines[0], "", lines[1], lines[2]].join("\n"));
    const store = open();
    expect((await store.read("r1")).events).toHaveLength(3);
    const next = new JournalBuilder("r1").completed("succeeded").events[0]!;
    await store.append("r1", next);
    await store.close?.();
    expect(await open().read("r1")).toEqual({ events: [...threeEvents(), next], warnings: [] });
    const text = await readFile(journal("r1"), "utf8");
    // The fourth line starts on a line of its own.
    expect(parseJournalFile(text.split("\n").filter((line) => line !== "").join("\n") + "\n").at(-1)).toMatchObject({ seq: 4, event: next });
    expect(text.split("\n").at(-2)).toMatch(/^\{"v":1,"seq":4,/);
  });
});

describe("createFileCheckpointStore", () => {
  it("requires a redactor: a missing one, or one returning redactSecrets-style objects, is InvalidRedactorError", async () => {
    for (const redact of [undefined, null, "redact"]) {
      let error: unknown;
      try {
        createFileCheckpointStore({ dir, redact } as never);
      } catch (caughtError) {
        error = caughtError;
      }
      expect(isInvalidRedactorError(error)).toBe(true);
      expect(error).toMatchObject({ code: "invalid-redactor", where: "createFileCheckpointStore redact" });
    }
    // The usual mistake: context's redactSecrets, which returns { text, findings }: refused where it is given.
    const redactSecrets = (text: string) => ({ text, findings: [] });
    expect(() => createFileCheckpointStore({ dir, redact: redactSecrets as never })).toThrow(
      /invalid createFileCheckpointStore redact: it returned an object, not a string \(pass `redact`, not `redactSecrets`\)/,
    );
    // One that goes wrong only on some text fails the append, and writes nothing.
    const store = open({ redact: ((text: string) => (text.includes("A") ? { text } : text)) as never });
    const error = await caught(store.append("r1", new JournalBuilder("r1").ran(a, "A").events[1]!));
    expect(isInvalidRedactorError(error)).toBe(true);
    await expect(stat(journal("r1"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("applies redact to free text before writing, keeps identifiers and the dispatcher's output digest", async () => {
    const redact = (text: string): string => text.replaceAll("sk-SECRET", "[redacted]");
    const store = open({ redact });
    const node = spec("sk-SECRET-node", "s");
    const builder = new JournalBuilder("r1");
    builder.succeeded(node, 1, "token sk-SECRET here");
    builder.push({ type: "node.failed", nodeId: "b", agent: "coder", attempt: 1, final: true, error: { message: "auth sk-SECRET rejected", stderrTail: "line\nsk-SECRET" }, specHash: "s", inputs: {} });
    builder.push({ type: "handoff.recorded", nodeId: "b", agent: "coder", idempotencyKey: "k", url: "https://x.test/?t=sk-SECRET" });
    builder.push({ type: "node.retrying", nodeId: "b", agent: "coder", attempt: 1, nextAttempt: 2, delayMs: 5, error: { message: "sk-SECRET 503" } });
    for (const event of builder.events) await store.append("r1", event);
    await store.close?.();
    const raw = await readFile(journal("r1"), "utf8");
    expect(raw).not.toMatch(/sk-SECRET(?!-node)/);
    const { events } = await open().read("r1");
    expect(events[0]).toMatchObject({ nodeId: "sk-SECRET-node", output: "token [redacted] here", outputDigest: digestOutput("token sk-SECRET here"), outputRedacted: true });
    expect(events[1]).toMatchObject({ error: { message: "auth [redacted] rejected", stderrTail: "line\n[redacted]" } });
    expect(events[2]).toMatchObject({ url: "https://x.test/?t=[redacted]" });
    expect(events[3]).toMatchObject({ error: { message: "[redacted] 503" } });
  });

  it("redacts in the memory store too, and checks its redactor the same way", async () => {
    const store = createMemoryCheckpointStore({ redact: (text) => text.toUpperCase() });
    await store.append("r1", new JournalBuilder("r1").succeeded(a, 1, "quiet").events[0]!);
    expect((await store.read("r1")).events[0]).toMatchObject({ output: "QUIET", outputRedacted: true });
    expect(() => createMemoryCheckpointStore({ redact: (() => null) as never })).toThrow(/createMemoryCheckpointStore redact: it returned null, not a string/);
    expect(() => createMemoryCheckpointStore({ redact: 5 as never })).toThrow(/expected a \(text\) => string function, got number/);
  });

  it("lists only directories that hold a journal", async () => {
    const store = open();
    expect(await store.list()).toEqual([]);
    await store.append("r2", threeEvents("r2")[0]!);
    await mkdir(join(dir, "runs", "empty-dir"));
    await writeFile(join(dir, "runs", "stray.txt"), "x");
    await mkdir(join(dir, "runs", "..bad"), { recursive: true });
    expect(await store.list()).toEqual(["r2"]);
  });

  it("rejects the appends of a batch whose write failed, writes nothing for them, and recovers on the next append", async () => {
    // A file where the run directory should be makes the open fail for real.
    await mkdir(join(dir, "runs"), { recursive: true });
    await writeFile(join(dir, "runs", "r1"), "not a directory");
    const store = open();
    const [first, second] = threeEvents();
    const results = await Promise.allSettled([store.append("r1", first!), store.append("r1", second!)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: expect.stringMatching(/EEXIST|ENOTDIR/) });
    await rm(join(dir, "runs", "r1"));
    await store.append("r1", first!);
    expect(parseJournalFile(await readFile(journal("r1"), "utf8")).map((r) => r.event)).toEqual([first]);
  });

  it("rejects an invalid event at once, before touching the disk", async () => {
    const store = open();
    const error = await caught(store.append("r1", { type: "node.dispatched", runId: "r1", at: 1, nodeId: "a" } as never));
    expect(isInvalidJournalEventError(error)).toBe(true);
    await expect(stat(join(dir, "runs"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("surfaces read errors other than a missing journal", async () => {
    await mkdir(journal("r1"), { recursive: true }); // a directory where the file should be
    await expect(open().read("r1")).rejects.toMatchObject({ code: "EISDIR" });
    await writeFile(join(dir, "runs-file"), "");
    await expect(createFileCheckpointStore({ dir: join(dir, "runs-file"), redact: identity }).list()).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});

describe("run locks within one process", () => {
  it("lock() takes the run's lock with a holder record beside the journal; a second store gets LockedError naming this process", async () => {
    const first = open();
    const second = open();
    const lock = await first.lock!("r1");
    const holder = JSON.parse(await readFile(`${journal("r1")}.lock.holder`, "utf8")) as Record<string, unknown>;
    expect(holder).toMatchObject({ pid: process.pid, hostname: expect.any(String), acquiredAt: expect.any(Number) });
    expect((await stat(`${journal("r1")}.lock`)).isDirectory()).toBe(true);

    const error = await caught(second.lock!("r1"));
    expect(isLockedError(error)).toBe(true);
    expect(error).toMatchObject({ code: "locked", what: "run r1", path: journal("r1"), holder: { pid: process.pid, hostname: holder.hostname } });
    expect((error as Error).message).toMatch(new RegExp(`run r1 is locked by process ${process.pid} on `));
    await expect(second.append("r1", threeEvents()[0]!)).rejects.toSatisfy(isLockedError);
    // The holder writes under its lock.
    await first.append("r1", threeEvents()[0]!);

    await lock.release();
    await expect(stat(`${journal("r1")}.lock.holder`)).rejects.toMatchObject({ code: "ENOENT" });
    const next = await second.lock!("r1");
    await second.append("r1", threeEvents()[1]!);
    await next.release();
    expect(parseJournalFile(await readFile(journal("r1"), "utf8"))).toHaveLength(2);
  });

  it("refuses a second lock() of the same run through the same store until the first is released", async () => {
    const store = open();
    const [lock, again] = await Promise.allSettled([store.lock!("r1"), store.lock!("r1")]);
    expect(lock.status).toBe("fulfilled");
    expect(isLockedError((again as PromiseRejectedResult).reason)).toBe(true);
    await (lock as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    const third = await store.lock!("r1");
    await third.release();
  });

  it("an append without lock() takes the lock and holds it until close()", async () => {
    const writer = open();
    const other = open();
    await writer.append("r1", threeEvents()[0]!);
    await expect(other.lock!("r1")).rejects.toSatisfy(isLockedError);
    await expect(other.append("r1", threeEvents()[1]!)).rejects.toSatisfy(isLockedError);
    // Reading needs no lock.
    expect((await other.read("r1")).events).toHaveLength(1);
    await writer.close?.();
    const lock = await other.lock!("r1");
    await lock.release();
  });

  it("releasing a lock twice does not release a lock taken after it", async () => {
    const first = open();
    const second = open();
    const old = await first.lock!("r1");
    await old.release();
    const current = await first.lock!("r1");
    await old.release();
    await expect(second.lock!("r1")).rejects.toSatisfy(isLockedError);
    await current.release();
    await (await second.lock!("r1")).release();
  });

  it("locks runs independently", async () => {
    const first = open();
    const second = open();
    const one = await first.lock!("r1");
    const two = await second.lock!("r2");
    await Promise.all([one.release(), two.release()]);
  });
});
