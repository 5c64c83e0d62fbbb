// The built `hybrid` CLI as a child process, as a user runs it.
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";

export interface CliResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment a child gets: ours without NODE_OPTIONS (it may carry the @hybrid/source condition). */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _, ...env } = process.env;
  return { ...env, NO_COLOR: "1", ...extra };
}

/** `hybrid <args>` to completion (never rejects: the exit code and output are the result). */
export function hybrid(bin: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: options.cwd, env: childEnv(options.env), maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 300_000, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, signal: (error as { signal?: NodeJS.Signals } | null)?.signal ?? null, stdout, stderr });
      },
    );
  });
}

/** `hybrid <args>` started and left running: the caller kills it or waits for `exit`. */
export function startHybrid(bin: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: childEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
}
