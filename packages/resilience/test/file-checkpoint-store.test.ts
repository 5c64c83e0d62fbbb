import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileCheckpointStore, createMemoryCheckpointStore, digestOutput, isJournalCorruptError } from "@hybrid/resilience";
import type { JournalEvent } from "@hybrid/resilience";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hybrid-resilience-file-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const journal = (runId: string): string => join(dir, "runs", runId, "journal.jsonl");
const event = (runId: string, n: number): JournalEvent => ({ type: "test.tick", runId, at: n, n });

async function writeThree(runId: string): Promise<string[]> {
  const store = createFileCheckpointStore({ dir });
  for (let n = 1; n <= 3; n++) await store.append(runId, event(runId, n));
  await store.close?.();
  return (await readFile(journal(runId), "utf8")).split("\n");
}

describe("createFileCheckpointStore", () => {
  it("writes one checksummed line per event under runs/<runId>/journal.jsonl", async () => {
    const lines = await writeThree("r1");
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe("");
    expect(JSON.parse(lines[0]!)).toEqual({ seq: 1, sum: expect.stringMatching(/^[0-9a-f]{16}$/), event: event("r1", 1) });
    expect(lines[2]).toMatch(/^\{"seq":3,"sum":"[0-9a-f]{16}","event":\{/);
  });

  it("ignores a torn last line with a warning, and cuts it before the next append", async () => {
    await writeThree("r1");
    await appendFile(journal("r1"), '{"seq":4,"sum":"abc","event":{"ty');
    const warnings: string[] = [];
    const store = createFileCheckpointStore({ dir, onWarning: (message) => warnings.push(message) });
    const read = await store.read("r1");
    expect(read.events.map((e) => e.n)).toEqual([1, 2, 3]);
    expect(read.warnings).toHaveLength(1);
    expect(read.warnings[0]).toMatch(/journal\.jsonl:4: ignored a torn or corrupt last line \(not valid JSON/);

    await store.append("r1", event("r1", 4));
    expect(warnings[0]).toMatch(/truncated before appending/);
    const after = await store.read("r1");
    expect(after).toEqual({ events: [1, 2, 3, 4].map((n) => event("r1", n)), warnings: [] });
    await store.close?.();
  });

  it("reports a corrupt middle line as JournalCorruptError naming the file and line", async () => {
    const lines = await writeThree("r1");
    lines[1] = "garbage{";
    await writeFile(journal("r1"), lines.join("\n"));
    const error = await createFileCheckpointStore({ dir }).read("r1").catch((e: unknown) => e);
    expect(isJournalCorruptError(error)).toBe(true);
    expect(error).toMatchObject({ code: "journal-corrupt", file: journal("r1"), line: 2 });
    expect((error as Error).message).toContain(`${journal("r1")}:2`);
    // Appending is refused too: writing after corruption would bury it.
    await expect(createFileCheckpointStore({ dir }).append("r1", event("r1", 9))).rejects.toSatisfy(isJournalCorruptError);
  });

  it("detects a checksum mismatch (a flipped value) in the middle, and warns on the last line", async () => {
    const lines = await writeThree("r1");
    const middle = lines.slice();
    middle[0] = middle[0]!.replace('"n":1', '"n":7');
    await writeFile(journal("r1"), middle.join("\n"));
    await expect(createFileCheckpointStore({ dir }).read("r1")).rejects.toMatchObject({ line: 1, reason: "checksum mismatch" });

    const last = lines.slice();
    last[2] = last[2]!.replace('"n":3', '"n":8');
    await writeFile(journal("r1"), last.join("\n"));
    const read = await createFileCheckpointStore({ dir }).read("r1");
    expect(read.events).toHaveLength(2);
    expect(read.warnings[0]).toMatch(/:3: .*checksum mismatch/);
  });

  it("detects records that are not journal records and sequence gaps", async () => {
    const lines = await writeThree("r1");
    await writeFile(journal("r1"), [lines[0], '{"hello":1}', lines[2], ""].join("\n"));
    await expect(createFileCheckpointStore({ dir }).read("r1")).rejects.toMatchObject({ line: 2, reason: expect.stringMatching(/not a journal record/) });
    await writeFile(journal("r1"), [lines[0], lines[2], ""].join("\n"));
    await expect(createFileCheckpointStore({ dir }).read("r1")).rejects.toMatchObject({ line: 2, reason: "sequence 3, expected 2" });
  });

  it("accepts a last line without its newline and blank lines, and appends cleanly after them", async () => {
    const lines = await writeThree("r1");
    await writeFile(journal("r1"), [lines[0], "", lines[1], lines[2]].join("\n"));
    const store = createFileCheckpointStore({ dir });
    expect((await store.read("r1")).events).toHaveLength(3);
    await store.append("r1", event("r1", 4));
    await store.close?.();
    const read = await createFileCheckpointStore({ dir }).read("r1");
    expect(read).toEqual({ events: [1, 2, 3, 4].map((n) => event("r1", n)), warnings: [] });
  });

  it("applies redact to free text before writing, keeps identifiers, and digests the stored output", async () => {
    const redact = (text: string): string => text.replaceAll("sk-SECRET", "[redacted]");
    const store = createFileCheckpointStore({ dir, redact });
    await store.append("r1", {
      type: "node.succeeded",
      runId: "r1",
      at: 1,
      nodeId: "sk-SECRET-node",
      agent: "coder",
      attempt: 1,
      output: "token sk-SECRET here",
      outputDigest: digestOutput("token sk-SECRET here"),
      tokens: { input: 1, output: 2 },
      durationMs: 3,
    });
    await store.append("r1", {
      type: "node.failed",
      runId: "r1",
      at: 2,
      nodeId: "b",
      agent: "coder",
      attempt: 1,
      final: true,
      error: { message: "auth sk-SECRET rejected", stderrTail: ["line", "sk-SECRET"].join("\n") },
    });
    await store.close?.();
    const raw = await readFile(journal("r1"), "utf8");
    expect(raw).not.toMatch(/sk-SECRET(?!-node)/);
    const { events } = await createFileCheckpointStore({ dir }).read("r1");
    expect(events[0]).toMatchObject({
      nodeId: "sk-SECRET-node",
      output: "token [redacted] here",
      outputDigest: digestOutput("token [redacted] here"),
      outputRedacted: true,
    });
    expect(events[1]).toMatchObject({ error: { message: "auth [redacted] rejected", stderrTail: "line\n[redacted]" } });
  });

  it("redacts in the memory store too", async () => {
    const store = createMemoryCheckpointStore({ redact: (text) => text.toUpperCase() });
    await store.append("r1", { type: "note", runId: "r1", at: 1, text: "quiet", list: ["a", 1, null] });
    expect((await store.read("r1")).events[0]).toEqual({ type: "note", runId: "r1", at: 1, text: "QUIET", list: ["A", 1, null] });
  });

  it("lists only directories that hold a journal", async () => {
    const store = createFileCheckpointStore({ dir });
    expect(await store.list()).toEqual([]);
    await store.append("r2", event("r2", 1));
    await mkdir(join(dir, "runs", "empty-dir"));
    await writeFile(join(dir, "runs", "stray.txt"), "x");
    await mkdir(join(dir, "runs", "..bad"), { recursive: true }).catch(() => undefined);
    expect(await store.list()).toEqual(["r2"]);
    await store.close?.();
  });

  it("rejects the appends of a batch whose write failed, and recovers on the next append", async () => {
    // A file where the run directory should be makes the open fail for real.
    await mkdir(join(dir, "runs"), { recursive: true });
    await writeFile(join(dir, "runs", "r1"), "not a directory");
    const store = createFileCheckpointStore({ dir });
    await expect(store.append("r1", event("r1", 1))).rejects.toMatchObject({ code: expect.stringMatching(/EEXIST|ENOTDIR/) });
    await rm(join(dir, "runs", "r1"));
    await store.append("r1", event("r1", 1));
    expect((await store.read("r1")).events).toEqual([event("r1", 1)]);
    await store.close?.();
  });

  it("surfaces read errors other than a missing journal", async () => {
    await mkdir(journal("r1"), { recursive: true }); // a directory where the file should be
    await expect(createFileCheckpointStore({ dir }).read("r1")).rejects.toMatchObject({ code: "EISDIR" });
    await writeFile(join(dir, "runs-file"), "");
    await expect(createFileCheckpointStore({ dir: join(dir, "runs-file") }).list()).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});
