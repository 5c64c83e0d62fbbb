import { appendFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createJsonlRunStore,
  createTelemetry,
  isInvalidRunRecordError,
  isRunStoreCorruptError,
  isRunStoreLockError,
  isTelemetryOptionsError,
  validateRunRecords,
  type RunStoreScan,
} from "../src/index.js";
import { createJsonlRunStoreWith } from "../src/jsonl-run-store.js";
import { generateRunEvents } from "./fixtures/event-stream.js";
import { makeRecord } from "./fixtures/records.js";
import { concurrentAppends, expectedIds } from "./store-processes.js";

let dir: string;
const warnings: string[] = [];
const onWarning = (m: string) => warnings.push(m);
const redact = (text: string) => text;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hybrid-telemetry-"));
  warnings.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const T = Date.UTC(2025, 2, 3);

describe("createJsonlRunStore", () => {
  it("appends one record a line and reads them back", async () => {
    const store = createJsonlRunStore({ dir: join(dir, "nested"), onWarning, redact });
    expect(await store.query()).toEqual([]);
    const a = makeRecord({ runId: "a" });
    const b = makeRecord({ runId: "b", mode: "sequential" });
    await Promise.all([store.append(a), store.write(b)]);
    const text = await readFile(store.file, "utf8");
    expect(text.split("\n")).toHaveLength(3);
    expect(text.endsWith("\n")).toBe(true);
    expect(await store.query()).toEqual([a, b]);
  });

  it("filters by time range, mode, workflow and task type", async () => {
    const store = createJsonlRunStore({ dir, onWarning, redact });
    const records = [
      makeRecord({ runId: "1", startedAt: T, mode: "sequential", taskType: "bugfix" }),
      makeRecord({ runId: "2", startedAt: T + DAY, workflowId: "other" }),
      makeRecord({ runId: "3", startedAt: T + 2 * DAY }),
      makeRecord({ runId: "4", startedAt: T + 3 * DAY, taskType: "bugfix" }),
    ];
    for (const r of records) await store.append(r);
    const ids = async (q: Parameters<typeof store.query>[0]) => (await store.query(q)).map((r) => r.runId);
    expect(await ids({ from: T + DAY, to: T + 3 * DAY })).toEqual(["2", "3"]);
    expect(await ids({ from: new Date(T + 2 * DAY) })).toEqual(["3", "4"]);
    expect(await ids({ to: "2025-03-04T00:00:00Z" })).toEqual(["1"]);
    expect(await ids({ mode: "sequential" })).toEqual(["1"]);
    expect(await ids({ workflowId: "other" })).toEqual(["2"]);
    expect(await ids({ taskType: "bugfix", mode: "hybrid" })).toEqual(["4"]);
    await expect(store.query({ mode: "parallel" as never })).rejects.toSatisfy(isTelemetryOptionsError);
  });

  it("ignores a torn last line with a warning, and cuts it before the next append", async () => {
    const store = createJsonlRunStore({ dir, onWarning, redact });
    await store.append(makeRecord({ runId: "a" }));
    await appendFile(store.file, '{"schemaVersion":1,"runId":"torn","wor');
    expect((await store.query()).map((r) => r.runId)).toEqual(["a"]);
    expect(warnings.join("\n")).toMatch(/runs\.jsonl:2: ignored a torn last line/);
    await store.append(makeRecord({ runId: "b" }));
    expect(warnings.join("\n")).toMatch(/dropped a torn last line \(38 bytes\)/);
    expect((await store.query()).map((r) => r.runId)).toEqual(["a", "b"]);
    expect((await readFile(store.file, "utf8")).includes("torn")).toBe(false);
  });

  it("cuts a torn file that has no complete line at all", async () => {
    const store = createJsonlRunStore({ dir, onWarning, redact });
    await writeFile(store.file, "x".repeat(70_000));
    await store.append(makeRecord({ runId: "a" }));
    expect((await store.query()).map((r) => r.runId)).toEqual(["a"]);
  });

  it("reports corruption mid-file with the line number", async () => {
    const store = createJsonlRunStore({ dir, onWarning, redact });
    await store.append(makeRecord({ runId: "a" }));
    await appendFile(store.file, "{not json\n\n");
    await appendFile(store.file, `${JSON.stringify({ ...makeRecord({ runId: "old" }), schemaVersion: 0 })}\n`);
    await store.append(makeRecord({ runId: "b" }));
    const error = await store.query().catch((e: unknown) => e);
    expect(isRunStoreCorruptError(error)).toBe(true);
    expect((error as Error).message).toMatch(/runs\.jsonl:2: not valid JSON .*\(and 1 more bad line\)/);
    expect((error as { lines: { line: number }[] }).lines.map((l) => l.line)).toEqual([2, 4]);
    const scan: RunStoreScan = await store.scan();
    expect(scan.records.map((r) => [r.line, r.record.runId])).toEqual([
      [1, "a"],
      [5, "b"],
    ]);
    expect(scan.invalid[1]!.reason).toMatch(/schemaVersion/);
  });

  it("validates and redacts on append", async () => {
    const store = createJsonlRunStore({ dir, onWarning, redact: (t) => t.replaceAll("hunter2", "[secret]") });
    await store.append(makeRecord({ runId: "a", strategyReason: "password hunter2" }));
    expect(await readFile(store.file, "utf8")).not.toContain("hunter2");
    const bad = { ...makeRecord({ runId: "bad" }), metrics: { token_input: 1 } } as never;
    const error = await store.append(bad).catch((e: unknown) => e);
    expect(isInvalidRunRecordError(error)).toBe(true);
    expect((error as Error).message).toMatch(/run record bad:\n {2}- metrics\.token_output/);
    await store.append(makeRecord({ runId: "c" }));
    expect((await store.query()).map((r) => r.runId)).toEqual(["a", "c"]);
    expect(() => createJsonlRunStore({ dir: "", redact })).toThrow(/createJsonlRunStore options:\n {2}- dir/);
  });

  it("surfaces read errors other than a missing file", async () => {
    const store = createJsonlRunStore({ dir: join(dir, "runs.jsonl-is-a-dir"), onWarning, redact });
    await writeFile(join(dir, "runs.jsonl-is-a-dir"), "");
    await expect(store.query()).rejects.toThrow(/ENOTDIR/);
  });

  it("is a telemetry sink: redacted records land in the file", async () => {
    const SECRET = "AKIAFAKEFAKEFAKE1234";
    const store = createJsonlRunStore({ dir, onWarning, redact });
    const telemetry = createTelemetry({ sinks: [store], redact: (t) => t.replaceAll(SECRET, "[aws-key]"), onWarning });
    for (const event of generateRunEvents({ seed: 2, secret: SECRET, retryRate: 0.6, nodeCount: 6 }).events) telemetry.handle(event);
    await telemetry.finish();
    const text = await readFile(store.file, "utf8");
    expect(text).not.toContain(SECRET);
    expect(await store.query()).toHaveLength(1);
  });
});

describe("several writers", () => {
  // The full version (4 writers × 100 appends, racing a reader) is in jsonl-run-store.slow.test.ts.
  it("two processes appending at once: a separate process counts every record exactly once, no torn line", async () => {
    const result = await concurrentAppends(dir, 2, 10, false);
    expect(result.bad).toBe(0);
    expect(result.endsWithNewline).toBe(true);
    expect([...result.runIds].sort()).toEqual(expectedIds(2, 10));
  });

  it("waits for a writer that holds the lock, and fails typed (nothing appended) when the wait runs out", async () => {
    const store = createJsonlRunStore({ dir, onWarning, redact, lockWaitMs: 50 });
    await store.append(makeRecord({ runId: "first" }));
    const release = await lockfile.lock(store.file, { lockfilePath: `${store.file}.lock`, realpath: false, stale: 10_000 });
    try {
      const error = await store.append(makeRecord({ runId: "blocked" })).then(
        () => expect.unreachable("appended while another writer held the lock"),
        (e: unknown) => e,
      );
      expect(isRunStoreLockError(error)).toBe(true);
      expect(error).toMatchObject({ code: "run-store-lock-failed", reason: "busy", written: false });
      expect((error as Error).message).toMatch(/^\[telemetry\] .*runs\.jsonl: another writer held .*runs\.jsonl\.lock for the whole bounded wait; nothing was appended$/);
      // A writer that lets go in time is waited for.
      const patient = createJsonlRunStore({ dir, onWarning, redact, lockWaitMs: 20_000 });
      const waiting = patient.append(makeRecord({ runId: "patient" }));
      await release();
      await waiting;
    } finally {
      await release().catch(() => undefined);
    }
    expect((await store.query()).map((r) => r.runId)).toEqual(["first", "patient"]);
  });

  it("takes over the lock of a writer that died (stale for over 10 s)", async () => {
    const store = createJsonlRunStore({ dir, onWarning, redact, lockWaitMs: 0 });
    await mkdir(`${store.file}.lock`);
    const old = new Date(Date.now() - 60_000);
    await utimes(`${store.file}.lock`, old, old);
    await store.append(makeRecord({ runId: "after-a-crash" }));
    expect((await store.query()).map((r) => r.runId)).toEqual(["after-a-crash"]);
  });

  it("fails the append, without writing, when its lock is taken over while held", async () => {
    // The test removes the lock directory under the holder, as a process that judged it stale would;
    // proper-lockfile notices at its next refresh (2 s) and the store refuses to write.
    const store = createJsonlRunStoreWith(
      { dir, onWarning, redact },
      {
        afterLock: async (lock) => {
          await rm(lock.lockPath, { recursive: true });
          await lock.lostSignal;
        },
      },
    );
    const error = await store.append(makeRecord({ runId: "lost" })).then(
      () => expect.unreachable("appended after losing the lock"),
      (e: unknown) => e,
    );
    expect(isRunStoreLockError(error)).toBe(true);
    expect(error).toMatchObject({ reason: "lost", written: false });
    expect((error as Error).message).toMatch(/was taken over while this process held it; the record was not written$/);
    expect(await store.query()).toEqual([]);
  });
});

describe("validateRunRecords", () => {
  it("counts valid and invalid records in a store, with reasons and missing metrics", async () => {
    const store = createJsonlRunStore({ dir, onWarning, redact });
    await store.append(makeRecord({ runId: "a" }));
    const { parallelism_ratio: _dropped, ...metrics } = makeRecord().metrics;
    await appendFile(store.file, `${JSON.stringify({ ...makeRecord({ runId: "no-ratio" }), metrics })}\n`);
    await appendFile(store.file, "garbage\n");
    await store.append(makeRecord({ runId: "b" }));
    await appendFile(store.file, '{"torn');
    const result = await validateRunRecords(store);
    expect(result).toMatchObject({ total: 4, valid: 2, invalid: 2, validPct: 50, complete: false, missingMetrics: { parallelism_ratio: 1 } });
    expect(result.problems[0]).toMatchObject({ line: 2, runId: "no-ratio" });
    expect(result.problems[0]!.reasons[0]).toMatch(/metrics\.parallelism_ratio/);
    expect(result.problems[1]).toMatchObject({ line: 3 });
    expect(result.problems[1]!.reasons[0]).toMatch(/not valid JSON/);
    expect(result.tornTail?.line).toBe(5);
  });

  it("validates arrays and an empty store", async () => {
    expect(await validateRunRecords(createJsonlRunStore({ dir, onWarning, redact }))).toMatchObject({ total: 0, validPct: 100, complete: true });
    const result = await validateRunRecords([makeRecord(), { runId: "x", metrics: null }, 7]);
    expect(result).toMatchObject({ total: 3, valid: 1, invalid: 2, complete: false });
    expect(result.problems.map((p) => [p.index, p.runId])).toEqual([
      [1, "x"],
      [2, undefined],
    ]);
    expect(result.missingMetrics.token_input).toBe(1);
  });

  it("every record telemetry writes carries every required metric", async () => {
    const store = createJsonlRunStore({ dir, onWarning, redact });
    const telemetry = createTelemetry({ sinks: [store], onWarning, redact });
    for (let seed = 1; seed <= 20; seed++) {
      const mode = (["wave", "eager", "sequential"] as const)[seed % 3]!;
      for (const event of generateRunEvents({ seed, mode, retryRate: 0.3, failRate: 0.1 }).events) telemetry.handle(event);
      await telemetry.finish();
    }
    expect(await validateRunRecords(store)).toMatchObject({ total: 20, valid: 20, complete: true, missingMetrics: {} });
  });
});
