// acquireFileLock / withFileLock in one process: the lock directory and holder record, refusal,
// waiting, stale and dead holders (recorded by hand, as a crashed process would leave them), and a
// lock lost while held. Real processes are in multi-process.test.ts.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  acquireFileLock,
  createFileCheckpointStore,
  currentProcess,
  isFileLockLostError,
  isLockedError,
  withFileLock,
} from "@hybrid/resilience";
import type { FileLock, FileLockLostError } from "@hybrid/resilience";
import { JournalBuilder, parseJournalFile } from "./helpers.js";

let dir: string;
let file: string;
const held: FileLock[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hybrid-resilience-lock-"));
  file = join(dir, "nested", "ledger.jsonl");
});
afterEach(async () => {
  for (const lock of held.splice(0)) await lock.release();
  await rm(dir, { recursive: true, force: true });
});

async function take(path = file, options: Parameters<typeof acquireFileLock>[1] = {}): Promise<FileLock> {
  const lock = await acquireFileLock(path, options);
  held.push(lock);
  return lock;
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("the lock was granted"),
    (error: unknown) => error,
  );
}

// What a process that died holding the lock leaves behind: the lock directory and its record.
async function leftBehind(holder: Record<string, unknown>, ageMs = 0): Promise<void> {
  await mkdir(`${file}.lock`, { recursive: true });
  await writeFile(`${file}.lock.holder`, JSON.stringify(holder));
  const when = new Date(Date.now() - ageMs);
  await utimes(`${file}.lock`, when, when);
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("acquireFileLock", () => {
  it("makes the missing directory, takes <file>.lock and records the holder in <file>.lock.holder", async () => {
    const lock = await take();
    expect(lock.path).toBe(file);
    expect((await stat(`${file}.lock`)).isDirectory()).toBe(true);
    const me = currentProcess();
    expect(JSON.parse(await readFile(`${file}.lock.holder`, "utf8"))).toEqual({ ...me, acquiredAt: expect.any(Number) });
    expect(() => lock.assertHeld()).not.toThrow();
    await lock.release();
    await lock.release(); // safe twice
    await expect(stat(`${file}.lock`)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(stat(`${file}.lock.holder`)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a second holder at once with LockedError naming the holder and what is locked", async () => {
    await take(file, { what: "the handoff ledger" });
    const error = await refusal(acquireFileLock(file, { what: "the handoff ledger" }));
    expect(isLockedError(error)).toBe(true);
    expect(error).toMatchObject({ code: "locked", path: file, what: "the handoff ledger", holder: { pid: process.pid, hostname: hostname() } });
    expect((error as Error).message).toMatch(/^\[resilience\] the handoff ledger is locked by process \d+ on .* since \d{4}-/);
    // Without `what`, the message names the file.
    await expect(acquireFileLock(file)).rejects.toThrow(`${file} is locked`);
  });

  it("waits up to waitMs for a live holder to let go", async () => {
    const first = await take();
    const waiting = acquireFileLock(file, { waitMs: 10_000 });
    let granted = false;
    void waiting.then(() => (granted = true));
    await vi.waitFor(async () => expect(JSON.parse(await readFile(`${file}.lock.holder`, "utf8")).pid).toBe(process.pid));
    expect(granted).toBe(false);
    await first.release();
    held.push(await waiting);
  });

  it("names a holder on another host and never declares it dead (its liveness is unknown here)", async () => {
    await leftBehind({ pid: 1, hostname: "elsewhere.invalid", acquiredAt: 0 });
    const error = await refusal(acquireFileLock(file));
    expect(error).toMatchObject({ holder: { pid: 1, hostname: "elsewhere.invalid" } });
    expect((error as Error).message).toContain("process 1 on elsewhere.invalid since 1970-01-01T00:00:00.000Z");
  });

  it("takes over a lock left without a holder record once it is 2 s stale (its holder died before writing one)", async () => {
    await mkdir(`${file}.lock`, { recursive: true });
    const started = performance.now();
    const lock = await take(file, { staleMs: 600_000 });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(JSON.parse(await readFile(`${file}.lock.holder`, "utf8"))).toMatchObject({ pid: process.pid });
    expect(() => lock.assertHeld()).not.toThrow();
  });

  it("refuses, saying so, a lock without a holder record that someone keeps refreshing", async () => {
    await mkdir(`${file}.lock`, { recursive: true });
    // Someone keeps the lock fresh without ever writing a record (not a hybrid process).
    const refresh = setInterval(() => void utimes(`${file}.lock`, new Date(), new Date()).catch(() => undefined), 200);
    try {
      const error = await refusal(acquireFileLock(file, { staleMs: 3_000 }));
      expect(error).toMatchObject({ holder: undefined });
      expect((error as Error).message).toContain("locked by another process (no holder record yet)");
    } finally {
      clearInterval(refresh);
    }
  });

  it("names a holder that wrote its record only after this process found the lock taken", async () => {
    await mkdir(`${file}.lock`, { recursive: true });
    // The holder took the lock a moment ago and writes its record now (a race of two resumes).
    const recorded = new Promise<void>((resolve) =>
      setTimeout(() => void writeFile(`${file}.lock.holder`, JSON.stringify({ ...currentProcess(), acquiredAt: 5 })).then(resolve), 100),
    );
    const error = await refusal(acquireFileLock(file));
    await recorded;
    expect(error).toMatchObject({ holder: { pid: process.pid, acquiredAt: 5 } });
  });

  it("takes over a lock not refreshed for staleMs, whoever the holder", async () => {
    await leftBehind({ pid: 1, hostname: "elsewhere.invalid" }, 60_000);
    const lock = await take(file, { staleMs: 30_000 });
    expect(JSON.parse(await readFile(`${file}.lock.holder`, "utf8"))).toMatchObject({ pid: process.pid });
    expect(() => lock.assertHeld()).not.toThrow();
  });

  it("takes over the lock of a holder that died on this host once it is 2 s stale, not after the full staleMs", async () => {
    await leftBehind({ pid: deadPid(), hostname: hostname() }, 1_000);
    const started = performance.now();
    await take(file, { staleMs: 600_000 });
    expect(performance.now() - started).toBeLessThan(15_000);
    // A live holder with a lock just as old is not taken over.
    await rm(`${file}.lock`, { recursive: true });
    await rm(`${file}.lock.holder`);
    held.splice(0);
    await leftBehind({ ...currentProcess(), acquiredAt: 0 }, 1_000);
    await expect(acquireFileLock(file, { staleMs: 600_000 })).rejects.toSatisfy(isLockedError);
  });

  it("a pid reused by another process (other start time) counts as a dead holder", async () => {
    await leftBehind({ ...currentProcess(), startTime: "1", acquiredAt: 0 }, 5_000);
    const lock = await take(file, { staleMs: 600_000 });
    expect(() => lock.assertHeld()).not.toThrow();
  });

  it("a lock lost while held fails assertHeld, tells onLost, and its release leaves the next holder's lock and record alone", async () => {
    const lost: FileLockLostError[] = [];
    const lock = await take(file, { what: "run r1", onLost: (error) => lost.push(error) });
    // Another process decided this one was stale and took the lock over.
    await rm(`${file}.lock`, { recursive: true });
    await vi.waitFor(() => expect(lost).toHaveLength(1), { timeout: 10_000, interval: 50 });
    expect(isFileLockLostError(lost[0])).toBe(true);
    expect(lost[0]).toMatchObject({ code: "lock-lost", path: file, what: "run r1" });
    expect(() => lock.assertHeld()).toThrow(/lost the lock of run r1/);
    const next = { pid: 999_999, hostname: "next-holder", acquiredAt: 1 };
    await leftBehind(next);
    await lock.release();
    expect((await stat(`${file}.lock`)).isDirectory()).toBe(true);
    expect(JSON.parse(await readFile(`${file}.lock.holder`, "utf8"))).toEqual(next);
  });
});

describe("withFileLock", () => {
  it("holds the lock while fn runs and lets go afterwards, also when fn throws", async () => {
    const result = await withFileLock(file, async (lock) => {
      expect(lock.path).toBe(file);
      await expect(acquireFileLock(file)).rejects.toSatisfy(isLockedError);
      return 42;
    });
    expect(result).toBe(42);
    await expect(
      withFileLock(file, async () => {
        throw new Error("inside");
      }),
    ).rejects.toThrow("inside");
    held.push(await acquireFileLock(file));
  });
});

describe("a file store whose run lock is lost", () => {
  it("fails every later append with FileLockLostError and writes none of them", async () => {
    const store = createFileCheckpointStore({ dir, redact: (text) => text });
    const journal = join(dir, "runs", "r1", "journal.jsonl");
    const builder = new JournalBuilder("r1");
    const lock = await store.lock!("r1");
    await store.append("r1", builder.completed("failed").events[0]!);
    await rm(`${journal}.lock`, { recursive: true });
    let written = 1;
    const error = await vi.waitFor(
      async () => {
        const event = builder.completed("failed").events.at(-1)!;
        const outcome = await store.append("r1", event).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        if (outcome === undefined) written += 1;
        expect(outcome).toBeDefined();
        return outcome;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(isFileLockLostError(error)).toBe(true);
    await expect(store.append("r1", builder.completed("failed").events.at(-1)!)).rejects.toSatisfy(isFileLockLostError);
    expect(parseJournalFile(await readFile(journal, "utf8"))).toHaveLength(written);
    await lock.release();
    await store.close?.();
  });
});
