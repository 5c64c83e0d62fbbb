// One writer per run, across real processes: a child that locks or appends while another process
// holds the run gets LockedError naming the holder; kill -9 of the holder frees the run within
// seconds; two resumes racing on one run leave exactly one writer and a consistent journal.
// multi-process.slow.test.ts runs more rounds of the race, and a child-to-child takeover.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileCheckpointStore, isLockedError } from "@hybrid/resilience";
import type { CheckpointStore } from "@hybrid/resilience";
import { JournalBuilder, parseJournalFile, spec } from "./helpers.js";
import { raceResumes, startChild } from "./process-harness.js";
import type { Child } from "./process-harness.js";

let dir: string;
const stores: CheckpointStore[] = [];
const children: Child[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hybrid-resilience-procs-"));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
  for (const store of stores.splice(0)) await store.close?.();
  await rm(dir, { recursive: true, force: true });
});

function open(): CheckpointStore {
  const store = createFileCheckpointStore({ dir, redact: (text) => text });
  stores.push(store);
  return store;
}
function child(...args: Parameters<typeof startChild>): Child {
  const started = startChild(...args);
  children.push(started);
  return started;
}
const journal = (runId: string): string => join(dir, "runs", runId, "journal.jsonl");

async function startRun(runId: string): Promise<void> {
  const store = createFileCheckpointStore({ dir, redact: (text) => text });
  const a = spec("a", "s-a");
  for (const event of new JournalBuilder(runId).started({ planHash: "plan-1", nodes: [a] }).ran(a, "A").events) await store.append(runId, event);
  await store.close?.();
}

describe("run locks across processes", () => {
  it("a child that locks, or resumes and appends, while this process holds the run gets LockedError naming the run, pid and host; the journal is untouched", async () => {
    await startRun("r1");
    const before = await readFile(journal("r1"), "utf8");
    const lock = await open().lock!("r1");
    const reports = await Promise.all((["try", "resume-append"] as const).map((mode) => child(mode, dir, "r1").next((m) => m.status !== "locked", `the ${mode} report`)));
    for (const refused of reports) {
      expect(refused).toMatchObject({ status: "refused", code: "locked", what: "run r1", holder: { pid: process.pid, hostname: hostname() } });
      expect(refused.message).toContain(`run r1 is locked by process ${process.pid} on ${hostname()} since `);
    }
    expect(await readFile(journal("r1"), "utf8")).toBe(before);
    await lock.release();
  });

  it("refuses this process while a child holds the run; after kill -9 of the child a new lock succeeds within seconds", async () => {
    await startRun("r1");
    const holder = child("hold", dir, "r1");
    await holder.next((m) => m.status === "locked", "the lock");
    const store = open();
    const error = await store.lock!("r1").then(
      () => expect.unreachable("the run is held by the child"),
      (caught: unknown) => caught,
    );
    expect(isLockedError(error)).toBe(true);
    expect(error).toMatchObject({ what: "run r1", holder: { pid: holder.pid, hostname: hostname() } });
    await expect(store.append("r1", new JournalBuilder("r1").completed("failed").events[0]!)).rejects.toSatisfy(isLockedError);

    holder.process.kill("SIGKILL");
    expect(await holder.exited).toEqual({ code: null, signal: "SIGKILL" });
    // The dead holder's lock is still on disk: nothing released it.
    expect((await stat(`${journal("r1")}.lock`)).isDirectory()).toBe(true);
    expect(JSON.parse(await readFile(`${journal("r1")}.lock.holder`, "utf8"))).toMatchObject({ pid: holder.pid });

    const started = performance.now();
    const lock = await store.lock!("r1");
    // Dead holder detected, then proper-lockfile's 2 s stale threshold: generous catastrophic bound only.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(JSON.parse(await readFile(`${journal("r1")}.lock.holder`, "utf8"))).toMatchObject({ pid: process.pid });
    await store.append("r1", new JournalBuilder("r1").completed("failed").events[0]!);
    await lock.release();
    expect(parseJournalFile(await readFile(journal("r1"), "utf8")).map((r) => r.event.type)).toEqual([
      "run.started",
      "node.dispatched",
      "node.succeeded",
      "run.completed",
    ]);
  });

  it("two processes racing to resume one run: exactly one writes, the other gets LockedError; the journal stays in sequence", async () => {
    await startRun("r1");
    await raceResumes(dir, "r1", "resume-lock", 5);
  });
});
