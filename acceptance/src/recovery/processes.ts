// The built CLI as children the Recovery suite can kill at any moment, and the small waits around
// them. Output is collected as it comes, so a killed process still tells what it had said.
import { readFileSync } from "node:fs";
import { startHybrid } from "../cli.js";
import type { CliResult } from "../cli.js";

export interface Launched {
  pid: number;
  kill(signal: NodeJS.Signals): void;
  /** How it ended (never rejects). */
  done: Promise<CliResult>;
  /** Whether it has ended. */
  ended(): boolean;
}

/** `hybrid <args>` started now. */
export function launch(bin: string, args: readonly string[], env: Record<string, string>, cwd: string): Launched {
  const child = startHybrid(bin, args, { env, cwd });
  let stdout = "";
  let stderr = "";
  let finished = false;
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) => {
    child.on("error", (error) => {
      finished = true;
      resolve({ code: 1, signal: null, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on("close", (code, signal) => {
      finished = true;
      resolve({ code: code ?? 1, signal, stdout, stderr });
    });
  });
  return { pid: child.pid ?? 0, kill: (signal) => child.kill(signal), done, ended: () => finished };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The promise's value, or undefined once `ms` passed first (the timer never holds the process up). */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Waits until `ready()` holds or `deadlineMs` passes; says which. */
export async function until(ready: () => boolean, deadlineMs: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (ready()) return true;
    await sleep(stepMs);
  }
  return ready();
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A file's text, or "" when it does not exist yet. */
export function readOr(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** CPU seconds (user + system) this process spent since `since`. */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}
