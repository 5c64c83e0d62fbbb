// More rounds of multi-process.test.ts: races of two resuming processes on one run (with lock() and
// with the implicit lock of a first append), and a lock handed from a kill -9'd child to another child.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileCheckpointStore } from "@hybrid/resilience";
import { JournalBuilder, spec } from "./helpers.js";
import { finish, raceResumes, startChild } from "./process-harness.js";

const ROUNDS = 10;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hybrid-resilience-procs-slow-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("run locks across processes (slow)", () => {
  it.each(["resume-lock", "resume-append"] as const)(`${ROUNDS} rounds of two processes racing to resume one run (%s): one writer a round, the journal in sequence`, async (mode) => {
    const store = createFileCheckpointStore({ dir, redact: (text) => text });
    const a = spec("a", "s-a");
    for (const event of new JournalBuilder("r1").started({ planHash: "plan-1", nodes: [a] }).events) await store.append("r1", event);
    await store.close?.();
    for (let round = 0; round < ROUNDS; round++) await raceResumes(dir, "r1", mode, 3);
  });

  it("a child takes the lock this process released", async () => {
    const lock = await createFileCheckpointStore({ dir, redact: (text) => text }).lock!("r1");
    const refused = await startChild("try", dir, "r1").next(() => true, "its report");
    expect(refused).toMatchObject({ status: "refused", holder: { pid: process.pid } });
    await lock.release();
    const taken = await startChild("try", dir, "r1").next(() => true, "its report");
    expect(taken.status).toBe("locked");
  });

  it("a child takes over the lock of a holder killed with -9", async () => {
    const first = startChild("hold", dir, "r1");
    await first.next((m) => m.status === "locked", "the lock");
    first.process.kill("SIGKILL");
    await first.exited;
    const second = startChild("hold", dir, "r1");
    await second.next((m) => m.status === "locked", "the lock after the takeover");
    expect(JSON.parse(await readFile(join(dir, "runs", "r1", "journal.jsonl.lock.holder"), "utf8"))).toMatchObject({ pid: second.pid });
    await finish(second);
  });
});
