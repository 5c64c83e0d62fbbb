// The sentinel that stops a worker's agent when the worker is killed -9: a real "worker" process
// (a child that starts a sentinel for a real process group, then is SIGKILLed), and /proc as the
// oracle. It kills the agent's group; it spares a group whose leader is not the agent it was
// given (a reused id); and after a release it touches nothing.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { processStartTime } from "@hybrid/resilience";
import { afterEach, expect, it } from "vitest";
import { isProcessAlive } from "@hybrid/test-utils";

const SENTINEL = fileURLToPath(new URL("../src/bullmq/sentinel.ts", import.meta.url));
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone already
    }
  }
});

const alive = isProcessAlive;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An "agent": `sleep 60` leading its own process group. */
function agent(): { pid: number; startTime: string } {
  const child = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
  started.push(child);
  return { pid: child.pid!, startTime: processStartTime(child.pid!)! };
}

/** A "worker" that starts a sentinel for `pid` (claiming `startTime`), maybe releases it, and says so. */
async function worker(pid: number, startTime: string, release: boolean): Promise<ChildProcess> {
  const script = `const { watchAgent } = await import(${JSON.stringify(SENTINEL)});
const sentinel = await watchAgent({ pid: ${pid}, pgid: ${pid}, hostname: "h", startTime: ${JSON.stringify(startTime)} });
${release ? "sentinel.release();" : ""}
console.log("watching");
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("watching") && resolve());
    child.once("exit", (code) => reject(new Error(`the worker exited (${code}) before watching`)));
  });
  return child;
}

async function until(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(25);
  return check();
}

it("kills the agent's process group when its worker is SIGKILLed", { timeout: 60_000 }, async () => {
  const { pid, startTime } = agent();
  const owner = await worker(pid, startTime, false);
  expect(alive(pid)).toBe(true);
  owner.kill("SIGKILL");
  expect(await until(() => !alive(pid))).toBe(true);
});

it("spares a group whose leader is not the agent it watched (another start time: a reused id)", { timeout: 60_000 }, async () => {
  const { pid } = agent();
  const owner = await worker(pid, "1", false);
  owner.kill("SIGKILL");
  // The positive case above dies within milliseconds; a second is ample for a wrong kill to show.
  await sleep(1000);
  expect(alive(pid)).toBe(true);
});

it("touches nothing once released, even when its worker dies afterwards", { timeout: 60_000 }, async () => {
  const { pid, startTime } = agent();
  const owner = await worker(pid, startTime, true);
  owner.kill("SIGKILL");
  await sleep(1000);
  expect(alive(pid)).toBe(true);
});
