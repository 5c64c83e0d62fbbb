import { spawn } from "node:child_process";
import { z } from "zod";
import { CommandFailedError, CommandSpawnError, OutputTooLargeError, parseOptions } from "./errors.js";
import { estimateTokens } from "./runner.js";
import type { AgentResult, AgentRunner, AgentTask } from "./runner.js";

/** Options of `createCommandRunner`. */
export const CommandRunnerOptionsSchema = z.strictObject({
  /** The executable (or, with `shell`, the command line). */
  command: z.string().min(1),
  /** Arguments, passed without a shell. @default [] */
  args: z.array(z.string()).default([]),
  /** Run through `/bin/sh`; off so prompts and ids are never shell-interpreted. @default false */
  shell: z.boolean().default(false),
  /** Working directory. @default process.cwd() */
  cwd: z.string().optional(),
  /** Extra environment, on top of the parent's and the `HYBRID_*` variables. @default {} */
  env: z.record(z.string(), z.string()).default({}),
  /** Stdout cap; above it the process group is killed and the attempt fails. @default 10485760 (10 MiB) */
  maxOutputBytes: z.number().int().positive().default(10 * 1024 * 1024),
  /** Time between SIGTERM and SIGKILL of the process group on abort or timeout. @default 2000 */
  killGraceMs: z.number().int().nonnegative().default(2000),
  /** Exit codes that mean "try again" (75 is EX_TEMPFAIL). @default [75] */
  transientExitCodes: z.array(z.number().int()).default([75]),
  /** How much of stderr a failure keeps. @default 4096 */
  stderrTailBytes: z.number().int().positive().default(4096),
});

export type CommandRunnerOptions = z.input<typeof CommandRunnerOptionsSchema>;

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already gone
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Parses stdout: `{ "output": string, "tokens": { input, output } }` when the command printed that, else text. */
function parseOutput(stdout: string, prompt: string): AgentResult {
  const trimmed = stdout.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed = JSON.parse(trimmed) as { output?: unknown; tokens?: { input?: unknown; output?: unknown } };
      if (typeof parsed.output === "string") {
        const input = Number(parsed.tokens?.input);
        const output = Number(parsed.tokens?.output);
        return {
          output: parsed.output,
          tokens: {
            input: Number.isFinite(input) ? input : estimateTokens(prompt),
            output: Number.isFinite(output) ? output : estimateTokens(parsed.output),
          },
        };
      }
    } catch {
      // not JSON after all: plain text
    }
  }
  return { output: stdout, tokens: { input: estimateTokens(prompt), output: estimateTokens(stdout) } };
}

/**
 * Runs each attempt as a child process: prompt on stdin, output on stdout, `HYBRID_RUN_ID`,
 * `HYBRID_NODE_ID`, `HYBRID_ATTEMPT` and `HYBRID_IDEMPOTENCY_KEY` in the environment. The child leads
 * its own process group, so an abort (timeout, stop) kills it and everything it started.
 *
 * @example
 * const runner = createCommandRunner({ command: "node", args: ["agent.js"] });
 */
export function createCommandRunner(options: CommandRunnerOptions): AgentRunner {
  const config = parseOptions("command runner", CommandRunnerOptionsSchema, options);
  const label = [config.command, ...config.args].join(" ");

  return {
    run(task: AgentTask, signal: AbortSignal): Promise<AgentResult> {
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise<AgentResult>((resolve, reject) => {
        const child = spawn(config.command, config.args, {
          cwd: config.cwd,
          shell: config.shell,
          detached: true,
          stdio: ["pipe", "pipe", "pipe"],
          env: {
            ...process.env,
            ...config.env,
            HYBRID_RUN_ID: task.runId,
            HYBRID_NODE_ID: task.nodeId,
            HYBRID_ATTEMPT: String(task.attempt),
            HYBRID_IDEMPOTENCY_KEY: task.idempotencyKey,
          },
        });
        const stdout: Buffer[] = [];
        let stdoutBytes = 0;
        let stderr = Buffer.alloc(0);
        let failure: unknown;
        let settled = false;
        let killTimer: NodeJS.Timeout | undefined;
        let giveUpTimer: NodeJS.Timeout | undefined;

        const finish = (error: unknown, result?: AgentResult): void => {
          if (settled) return;
          settled = true;
          signal.removeEventListener("abort", onAbort);
          clearTimeout(giveUpTimer);
          if (error === undefined) resolve(result!);
          else reject(error);
        };

        // SIGTERM the whole group now, SIGKILL whatever is left after the grace period. The promise
        // settles on `close`; if some escaped process holds stdout open, give up shortly after SIGKILL.
        const terminate = (reason: unknown): void => {
          failure ??= reason;
          if (killTimer !== undefined || child.pid === undefined) return;
          killGroup(child.pid, "SIGTERM");
          const pid = child.pid;
          killTimer = setTimeout(() => {
            killGroup(pid, "SIGKILL");
            giveUpTimer = setTimeout(() => finish(failure), 1000);
          }, config.killGraceMs);
        };

        const onAbort = (): void => terminate(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });

        child.on("error", (error) => {
          clearTimeout(killTimer);
          finish(new CommandSpawnError(label, error));
        });
        child.stdout.on("data", (chunk: Buffer) => {
          if (failure !== undefined) return;
          stdoutBytes += chunk.length;
          if (stdoutBytes > config.maxOutputBytes) {
            terminate(new OutputTooLargeError(config.maxOutputBytes));
            return;
          }
          stdout.push(chunk);
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr = Buffer.concat([stderr, chunk]);
          if (stderr.length > config.stderrTailBytes) stderr = stderr.subarray(stderr.length - config.stderrTailBytes);
        });
        // The leader exited: anything it left running in its group goes too (no child left behind).
        child.on("exit", () => {
          if (child.pid !== undefined && killTimer === undefined && groupAlive(child.pid)) {
            const pid = child.pid;
            killGroup(pid, "SIGTERM");
            killTimer = setTimeout(() => killGroup(pid, "SIGKILL"), config.killGraceMs);
          }
        });
        child.on("close", (exitCode, exitSignal) => {
          clearTimeout(killTimer);
          if (child.pid !== undefined) killGroup(child.pid, "SIGKILL");
          if (failure !== undefined) {
            finish(failure);
          } else if (exitCode === 0) {
            finish(undefined, parseOutput(Buffer.concat(stdout).toString("utf8"), task.prompt));
          } else {
            finish(
              new CommandFailedError({
                command: label,
                exitCode,
                signal: exitSignal,
                stderrTail: stderr.toString("utf8"),
                transient: exitCode !== null && config.transientExitCodes.includes(exitCode),
              }),
            );
          }
        });
        // A command that never reads stdin closes the pipe early: that is not a failure.
        child.stdin.on("error", () => {});
        child.stdin.end(task.prompt);
      });
    },
  };
}
