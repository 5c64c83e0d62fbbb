// Runs test/fixtures/journal-writer.ts in real child processes and reads what they report.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { parseJournalFile } from "./helpers.js";

const script = fileURLToPath(new URL("./fixtures/journal-writer.ts", import.meta.url));

export interface ChildMessage {
  pid: number;
  status: "locked" | "refused" | "appended" | "done" | "error";
  [key: string]: unknown;
}

export interface Child {
  process: ChildProcess;
  pid: number;
  messages: ChildMessage[];
  /** Resolves with the first message that satisfies `predicate` (already received or still to come). */
  next(predicate: (message: ChildMessage) => boolean, what: string): Promise<ChildMessage>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export type Mode = "hold" | "try" | "resume-lock" | "resume-append";

/** Starts the fixture in a real Node process on the package's sources. */
export function startChild(mode: Mode, dir: string, runId: string, events = 5): Child {
  const child = spawn(process.execPath, ["--conditions=@hybrid/source", "--import", "tsx", script, mode, dir, runId, String(events)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const messages: ChildMessage[] = [];
  const waiters: Array<{ predicate: (message: ChildMessage) => boolean; resolve: (message: ChildMessage) => void }> = [];
  let stderr = "";
  let buffer = "";
  child.stderr!.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
      const message = JSON.parse(buffer.slice(0, end)) as ChildMessage;
      buffer = buffer.slice(end + 1);
      messages.push(message);
      for (const waiter of waiters.filter((w) => w.predicate(message))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    pid: child.pid!,
    messages,
    stderr: () => stderr,
    exited,
    next(predicate, what) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then(({ code, signal }) =>
          reject(new Error(`child ${child.pid} exited (${code ?? signal}) before ${what}; stdout ${JSON.stringify(messages)}; stderr ${stderr}`)),
        );
      });
    },
  };
}

/** Lets a child that waits on its stdin finish, and waits for it to exit. */
export async function finish(child: Child): Promise<void> {
  child.process.stdin!.end();
  const { code } = await child.exited;
  expect(code, child.stderr()).toBe(0);
}

/** Races two resuming children on one run: exactly one writes; the file, parsed by hand, stays consistent. */
export async function raceResumes(dir: string, runId: string, mode: "resume-lock" | "resume-append", events: number): Promise<void> {
  const journal = join(dir, "runs", runId, "journal.jsonl");
  const before = parseJournalFile(await readFile(journal, "utf8"));
  const children = [startChild(mode, dir, runId, events), startChild(mode, dir, runId, events)];
  const reports = await Promise.all(children.map((child) => child.next((m) => m.status === "appended" || m.status === "refused", "its report")));
  const winners = reports.filter((report) => report.status === "appended");
  const losers = reports.filter((report) => report.status === "refused");
  expect(winners, JSON.stringify(reports)).toHaveLength(1);
  expect(losers).toHaveLength(1);
  const winner = winners[0]!;
  // The refusal names the run and the process that holds it.
  expect(losers[0]).toMatchObject({ code: "locked", what: `run ${runId}`, holder: { pid: winner.pid } });
  expect(losers[0]!.message).toContain(`run ${runId} is locked by process ${winner.pid} on `);
  await Promise.all(children.map((child) => finish(child)));

  // The journal, parsed by hand: in sequence, checksums right, only the winner's lines after the old ones.
  const after = parseJournalFile(await readFile(journal, "utf8"));
  expect(after.slice(0, before.length)).toEqual(before);
  const added = after.slice(before.length).map((record) => record.event);
  expect(added).toHaveLength(1 + 2 * events);
  expect(added[0]).toMatchObject({ type: "run.resumed" });
  for (const event of added.slice(1)) expect(event.agent).toBe(`writer-${winner.pid}`);
  const runs = added.filter((event) => event.type === "node.succeeded").map((event) => `${event.nodeId}#${event.attempt}`);
  expect(new Set(runs).size).toBe(events);
}
