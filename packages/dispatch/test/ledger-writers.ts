import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { LedgerRecord } from "../src/ledger-sink.js";

const script = fileURLToPath(new URL("./fixtures/ledger-writer.ts", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));

/** One writer process: resolves "ready" once loaded; `go()` starts it; `done` is the URL it got per key. */
function startWriter(dir: string, writer: string, count: number): { ready: Promise<void>; go: () => void; done: Promise<Record<string, string>> } {
  const child = spawn(process.execPath, ["--conditions=@hybrid/source", "--import", "tsx", script, dir, writer, String(count)], {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    if (out.startsWith("ready\n")) markReady();
  });
  const done = new Promise<Record<string, string>>((resolve, reject) =>
    child.on("exit", (code) => {
      markReady();
      if (code === 0) resolve(JSON.parse(out.slice("ready\n".length)) as Record<string, string>);
      else reject(new Error(`ledger writer ${writer} exited with ${code}`));
    }),
  );
  return { ready, go: () => child.stdin.write("go\n"), done };
}

/**
 * `writers` processes record `perWriter` handoffs each into one ledger at the same time, half of
 * them on keys all writers share. The oracle is the file, read here: every key exactly once, the
 * shared keys with one URL that every writer got back, no writer's own key lost.
 */
export async function checkConcurrentWriters(dir: string, writers: number, perWriter: number): Promise<void> {
  const started = Array.from({ length: writers }, (_, w) => startWriter(dir, `w${w}`, perWriter));
  await Promise.all(started.map((s) => s.ready));
  for (const s of started) s.go();
  const results = await Promise.all(started.map((s) => s.done));
  const records = (await readFile(join(dir, "ledger.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as LedgerRecord);
  const counts = new Map<string, number>();
  for (const record of records) counts.set(record.idempotencyKey, (counts.get(record.idempotencyKey) ?? 0) + 1);
  const half = perWriter / 2;
  expect(records).toHaveLength(half + writers * half);
  expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  for (let i = 0; i < half; i++) {
    const url = records.find((r) => r.idempotencyKey === `shared-${i}`)?.url;
    expect(url).toBeDefined();
    expect(results.map((r) => r[`shared-${i}`])).toEqual(Array(writers).fill(url));
  }
  for (let w = 0; w < writers; w++) for (let i = 0; i < half; i++) expect(counts.get(`w${w}-${i}`)).toBe(1);
}
