import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { hostname } from "node:os";
import { delimiter, isAbsolute, join, resolve as resolvePath } from "node:path";
import type { Writable } from "node:stream";
import { processStartTime } from "@hybrid/resilience";
import { z } from "zod";
import { CommandFailedError, CommandSpawnError, OutputTooLargeError, parseOptions } from "./errors.js";
import { stopProcessGroup, trackProcessGroup } from "./process-group.js";
import { abortPromise } from "./abort.js";
import type { AgentProcess, AgentResult, AgentRunner, AgentTask, TokenUsage } from "./runner.js";

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
  /** Time between SIGTERM and SIGKILL of the process group on abort, timeout, or leftovers after the agent exited. @default 2000 */
  killGraceMs: z.number().int().nonnegative().default(2000),
  /**
   * Once the process group is dead, how long to wait for stdout and stderr to reach end-of-file
   * before closing our end: a process that left the group (`setsid`) may hold them open forever.
   * @default 500
   */
  stdioDrainMs: z.number().int().nonnegative().default(500),
  /** Exit codes that mean "try again" (75 is EX_TEMPFAIL). @default [75] */
  transientExitCodes: z.array(z.number().int()).default([75]),
  /** How much of stderr a failure keeps. @default 4096 */
  stderrTailBytes: z.number().int().positive().default(4096),
});

export type CommandRunnerOptions = z.input<typeof CommandRunnerOptionsSchema>;
type CommandConfig = z.output<typeof CommandRunnerOptionsSchema>;

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** `{ input, output }` when both are token counts; anything else is unknown (undefined), never NaN or a guess. */
function readTokens(value: unknown): TokenUsage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { input, output } = value as { input?: unknown; output?: unknown };
  return isCount(input) && isCount(output) ? { input, output } : undefined;
}

/**
 * Parses stdout: `{ "output": string, "tokens": { input, output } }` when the command printed that
 * (tokens it cannot read are left out: unknown), else the text itself with unknown tokens.
 */
export function parseCommandOutput(stdout: string): AgentResult {
  const trimmed = stdout.trim();
  if (trimmed.startsWith("{") && trimmed.endsWith("}")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return { output: stdout }; // not JSON after all: plain text
    }
    const { output, tokens } = parsed as { output?: unknown; tokens?: unknown };
    if (typeof output === "string") {
      const usage = readTokens(tokens);
      return usage ? { output, tokens: usage } : { output };
    }
  }
  return { output: stdout };
}

/** Resolves "timeout" after `ms`, unless cancelled first. */
function delay(ms: number): { promise: Promise<"timeout">; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * The process the runner spawns is this shell, not the command: it waits for the line "go" on fd 3
 * and only then execs the command in its place (same pid, same process group, fd 3 closed). The
 * runner writes "go" once `reportProcess` has resolved, so the command never runs before its
 * process is journaled: if the orchestrator dies in between, fd 3 reaches end-of-file and the shell
 * exits 125 without running anything, even for a command that never reads its prompt.
 */
const EXEC_GATE = 'IFS= read -r go <&3 && [ "$go" = go ] || exit 125; exec 3<&-; exec "$@"';

/**
 * Where `command` would be found as execvp finds it (a path with a slash as is, else the first
 * executable file on PATH), or the error spawning it directly would have given: the shell gate
 * itself always starts, so a missing command is caught here, before anything runs or is reported.
 */
function findExecutable(command: string, env: Readonly<Record<string, string | undefined>>, cwd: string | undefined): Error | undefined {
  const base = cwd ?? process.cwd();
  const candidates = command.includes("/")
    ? [isAbsolute(command) ? command : resolvePath(base, command)]
    : (env.PATH ?? "").split(delimiter).map((dir) => join(dir === "" ? base : resolvePath(base, dir), command));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return undefined;
    } catch {
      // not there, or not executable: try the next
    }
  }
  return Object.assign(new Error(`spawn ${command} ENOENT`), { code: "ENOENT", path: command, syscall: `spawn ${command}` });
}

async function runCommand(config: CommandConfig, label: string, task: AgentTask, signal: AbortSignal): Promise<AgentResult> {
  signal.throwIfAborted();
  const env = {
    ...process.env,
    ...config.env,
    HYBRID_RUN_ID: task.runId,
    HYBRID_NODE_ID: task.nodeId,
    HYBRID_ATTEMPT: String(task.attempt),
    HYBRID_IDEMPOTENCY_KEY: task.idempotencyKey,
  };
  const missing = config.shell ? undefined : findExecutable(config.command, env, config.cwd);
  if (missing) throw new CommandSpawnError(label, missing);
  // As `spawn(command, args, { shell })` would run it, behind the gate.
  const target = config.shell ? ["/bin/sh", "-c", label] : [config.command, ...config.args];
  const child = spawn("/bin/sh", ["-c", EXEC_GATE, "hybrid-agent", ...target], {
    cwd: config.cwd,
    // The agent leads its own process group: one signal reaches it and everything it starts.
    detached: true,
    stdio: ["pipe", "pipe", "pipe", "pipe"],
    env,
  });
  const spawnFailed = new Promise<Error>((resolve) => child.once("error", resolve));
  const exited = new Promise<{ code: number | null; exitSignal: string | null }>((resolve) =>
    child.once("exit", (code, exitSignal) => resolve({ code, exitSignal })),
  );
  const closed = new Promise<"closed">((resolve) => child.once("close", () => resolve("closed")));
  const pid = child.pid;
  if (pid === undefined) throw new CommandSpawnError(label, await spawnFailed);
  const gate = child.stdio[3] as Writable;
  // A gate the agent never read (it was killed first) is not a failure.
  gate.on("error", () => {});

  // Read now, while the child cannot have been reaped (its exit is handled on a later tick).
  const startTime = processStartTime(pid);
  const agent: AgentProcess = { pid, pgid: pid, hostname: hostname(), ...(startTime !== undefined ? { startTime } : {}) };
  const untrack = trackProcessGroup(pid);

  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let stderr = Buffer.alloc(0);
  let failure: { reason: unknown } | undefined;
  let stopping: Promise<unknown> | undefined;
  // Every path ends here: SIGTERM, SIGKILL after the grace, settled once the group has no live member.
  const stop = (reason?: { reason: unknown }): Promise<unknown> => {
    failure ??= reason;
    stopping ??= stopProcessGroup(agent, { graceMs: config.killGraceMs }).then(() => {
      // A leader that moved itself to another group is still our child: it goes too.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    return stopping;
  };
  const onAbort = (): void => void stop({ reason: signal.reason });
  signal.addEventListener("abort", onAbort, { once: true });

  child.stdout.on("data", (chunk: Buffer) => {
    if (failure !== undefined) return;
    stdoutBytes += chunk.length;
    if (stdoutBytes > config.maxOutputBytes) {
      void stop({ reason: new OutputTooLargeError(config.maxOutputBytes) });
      return;
    }
    stdout.push(chunk);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = Buffer.concat([stderr, chunk]);
    if (stderr.length > config.stderrTailBytes) stderr = stderr.subarray(stderr.length - config.stderrTailBytes);
  });
  // A command that never reads stdin closes the pipe early: that is not a failure.
  child.stdin.on("error", () => {});

  try {
    if (task.reportProcess) {
      // The controller journals the group before the command runs (and gets its prompt), so a
      // resume after our death can find it. If that fails, the agent must not work unrecorded: kill it.
      const aborted = abortPromise(signal);
      try {
        await Promise.race([task.reportProcess(agent), aborted.promise]);
      } catch (error) {
        void stop({ reason: error });
      } finally {
        aborted.dispose();
      }
    }
    if (failure === undefined) {
      gate.end("go\n");
      child.stdin.end(task.prompt);
    } else {
      gate.destroy();
      child.stdin.destroy();
    }

    const exit = await exited;
    gate.destroy();
    // The leader is gone; whatever it left running in its group goes too (no child left behind).
    await stop();
    const drain = delay(config.stdioDrainMs);
    const drained = await Promise.race([closed, drain.promise]);
    drain.cancel();
    if (drained === "timeout") {
      // Someone outside the group still holds our pipes: stop listening, keep what we have.
      child.stdout.destroy();
      child.stderr.destroy();
    }

    if (failure !== undefined) throw failure.reason;
    if (exit.code === 0) return parseCommandOutput(Buffer.concat(stdout).toString("utf8"));
    throw new CommandFailedError({
      command: label,
      exitCode: exit.code,
      signal: exit.exitSignal,
      stderrTail: stderr.toString("utf8"),
      transient: exit.code !== null && config.transientExitCodes.includes(exit.code),
    });
  } finally {
    signal.removeEventListener("abort", onAbort);
    untrack();
  }
}

/**
 * Runs each attempt as a child process: prompt on stdin, output on stdout (`{ "output", "tokens" }`
 * JSON, or plain text with unknown tokens), `HYBRID_RUN_ID`, `HYBRID_NODE_ID`, `HYBRID_ATTEMPT` and
 * `HYBRID_IDEMPOTENCY_KEY` in the environment.
 *
 * The agent leads its own process group. Right after the spawn the runner awaits
 * `task.reportProcess({ pid, pgid, hostname, startTime })`, and only then runs the command (a
 * `/bin/sh` gate execs it in place) and writes the prompt, so no agent ever works before its process
 * is recorded, whether it reads its prompt or not; if that rejects, the group is killed (the
 * command never ran) and the attempt rejects with its error. On abort (timeout,
 * stop), on output over the cap, and after the agent exits (leftover children), the group gets
 * SIGTERM, then SIGKILL after `killGraceMs`. The promise settles only once the group has no live
 * member, so a freed slot never leaves an agent running. While agents run, an exit hook kills their
 * groups if this process exits or dies of SIGINT/SIGTERM/SIGHUP.
 *
 * @example
 * const runner = createCommandRunner({ command: "node", args: ["agent.js"] });
 */
export function createCommandRunner(options: CommandRunnerOptions): AgentRunner {
  const config = parseOptions("command runner", CommandRunnerOptionsSchema, options);
  const label = [config.command, ...config.args].join(" ");
  return {
    run: (task, signal) => runCommand(config, label, task, signal),
  };
}
