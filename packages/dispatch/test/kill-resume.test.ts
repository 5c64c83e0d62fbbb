import { spawn } from "node:child_process";
import { appendFile, readFile, truncate } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFileCheckpointStore } from "@hybrid/resilience";
import { afterAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../src/random.js";
import { tempDir } from "./helpers.js";

const script = fileURLToPath(new URL("./fixtures/kill-run.ts", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
const rounds = Number(process.env.HYBRID_KILL_ROUNDS ?? 20);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

interface Child {
  exited: Promise<number | null>;
  kill: () => void;
}

function start(stateDir: string, sideEffects: string, runId: string, mode: string): Child {
  const child = spawn(process.execPath, ["--conditions=@hybrid/source", "--import", "tsx", script, stateDir, sideEffects, runId, mode], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return {
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
    kill: () => child.kill("SIGKILL"),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").filter((line) => line.trim() !== "");
}

interface JournalLine {
  type: string;
  nodeId?: string;
}

async function journalEvents(stateDir: string, runId: string): Promise<JournalLine[]> {
  const store = createFileCheckpointStore({ dir: stateDir });
  const { events } = await store.read(runId);
  await store.close?.();
  return events as JournalLine[];
}

/** One round: start run `kill-<n>`, SIGKILL it at a random moment, maybe tear the journal, resume, check. */
interface RoundStats {
  /** Killed with some nodes completed and some not. */
  midRun: boolean;
  /** Nodes that were in flight at the kill and ran again (with the same key). */
  rerunInFlight: number;
}

async function round(dir: string, index: number, draw: { afterEffects: number; extraMs: number }): Promise<RoundStats> {
  const runId = `kill-${index}`;
  const stateDir = join(dir, "state");
  const sideEffects = join(dir, `effects-${index}.txt`);
  const mode = index % 2 === 0 ? "eager" : "wave";

  // Kill after a random number of side effects (0: during start-up), plus a random few milliseconds.
  const first = start(stateDir, sideEffects, runId, mode);
  let exited = false;
  const exit = first.exited.then((code) => ((exited = true), code));
  while (!exited && (await readLines(sideEffects)).length < draw.afterEffects) await sleep(5);
  if (!exited) {
    await sleep(draw.extraMs);
    first.kill();
  }
  const code = await exit;

  // Every fifth round, tear the journal's last line mid-way.
  const journalFile = join(stateDir, "runs", runId, "journal.jsonl");
  if (index % 5 === 4) {
    const text = (await readFile(journalFile, "utf8").catch(() => "")).trimEnd();
    const lastStart = text.lastIndexOf("\n") + 1;
    const last = text.slice(lastStart);
    if (last.includes('"node.dispatched"')) {
      // Its side effect may have happened (the line was durable): tear a copy instead of the original.
      await appendFile(journalFile, `\n${last.slice(0, last.length >> 1)}`);
    } else if (last.length > 4) {
      await truncate(journalFile, Buffer.byteLength(text.slice(0, lastStart)) + (Buffer.byteLength(last) >> 1));
    }
  }
  const before = await journalEvents(stateDir, runId);
  const completedBefore = new Set(before.filter((e) => e.type === "node.succeeded").map((e) => e.nodeId!));
  const effectsBefore = await readLines(sideEffects);

  if (code !== 0) {
    const second = start(stateDir, sideEffects, runId, mode);
    expect(await second.exited, `${runId}: resume exit code`).toBe(0);
  }

  const events = await journalEvents(stateDir, runId);
  const succeeded = events.filter((e) => e.type === "node.succeeded").map((e) => e.nodeId!);
  expect(events.at(-1)?.type).toBe("run.completed");
  expect(succeeded.length, `${runId}: successes in the journal`).toBe(30);
  expect(new Set(succeeded).size).toBe(30);

  const effects = await readLines(sideEffects);
  const keyOf = new Map<string, string>();
  for (const line of effectsBefore) keyOf.set(line.split(" ")[0]!, line.split(" ")[1]!);
  for (const line of effects.slice(effectsBefore.length)) {
    const [nodeId, key] = line.split(" ");
    // A node that had completed before the kill never runs again...
    expect(completedBefore.has(nodeId!), `${runId}: ${nodeId} ran again after completing`).toBe(false);
    // ...and one that was in flight runs again only with the same idempotency key.
    if (keyOf.has(nodeId!)) expect(key, `${runId}: ${nodeId} changed key`).toBe(keyOf.get(nodeId!));
  }
  let rerunInFlight = 0;
  for (const line of effects.slice(effectsBefore.length)) if (keyOf.has(line.split(" ")[0]!)) rerunInFlight += 1;
  // Every node has a side effect; none ran with two keys.
  const keys = new Map<string, Set<string>>();
  for (const line of effects) {
    const [nodeId, key] = line.split(" ");
    keys.set(nodeId!, (keys.get(nodeId!) ?? new Set()).add(key!));
  }
  expect(keys.size).toBe(30);
  for (const [nodeId, set] of keys) expect(set.size, `${runId}: keys of ${nodeId}`).toBe(1);
  return { midRun: completedBefore.size > 0 && completedBefore.size < 30, rerunInFlight };
}

describe("kill and resume (real child processes, SIGKILL)", () => {
  it(`completes every run exactly once per node across ${rounds} random kills`, async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const random = mulberry32(Number(process.env.HYBRID_KILL_SEED ?? 2026));
    const draws = Array.from({ length: rounds }, () => {
      const afterEffects = Math.floor(random() * 31);
      return { afterEffects, extraMs: Math.floor(random() * (afterEffects === 0 ? 400 : 25)) };
    });
    // Two rounds at a time: each round mostly waits on process start-up and fsync.
    let next = 0;
    const stats: RoundStats[] = [];
    const worker = async (): Promise<void> => {
      while (next < rounds) {
        const index = next++;
        stats.push(await round(dir, index, draws[index]!));
      }
    };
    await Promise.all([worker(), worker()]);
    // The kills really land mid-run, and in-flight nodes really do run again.
    expect(stats.filter((s) => s.midRun).length).toBeGreaterThanOrEqual(Math.ceil(rounds / 3));
    expect(stats.reduce((sum, s) => sum + s.rerunInFlight, 0)).toBeGreaterThan(0);
  }, 180_000);
});
