import { readFileSync } from "node:fs";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { classifyError, isTransientError, processStartTime, seededRandom } from "@hybrid/resilience";
import { liveGroupMembers } from "@hybrid/test-utils";
import { afterEach, describe, expect, it } from "vitest";
// Direct modules, not the index: these tests cover the runners alone.
import { createCommandRunner, parseCommandOutput } from "../src/command-runner.js";
import { isCommandFailedError, isCommandSpawnError, isDispatchOptionsError, isOutputTooLargeError, isSimulatedFailureError } from "../src/errors.js";
import { createFunctionRunner } from "../src/function-runner.js";
import type { AgentProcess } from "../src/runner.js";
import { createSimulatedRunner } from "../src/simulated-runner.js";
import { agentTask, alive, eventually, tempDir } from "./helpers.js";

const task = agentTask;

const never = new AbortController().signal;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratch(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Settles `promise` and reads the live members of `agent()`'s group at that very moment. */
function settleAndProbe<T>(promise: Promise<T>, agent: () => AgentProcess | undefined): Promise<{ value?: T; error?: unknown; members?: number[] }> {
  const probe = (): number[] | undefined => {
    const reported = agent();
    return reported ? liveGroupMembers(reported.pgid) : undefined;
  };
  return promise.then(
    (value) => ({ value, members: probe() }),
    (error: unknown) => ({ error, members: probe() }),
  );
}

// An agent that starts a grandchild in its group that ignores SIGTERM, writes both pids and waits.
// `leaderIgnoresTerm`: the agent ignores SIGTERM too, so only SIGKILL of the group stops it; else the
// agent dies at once and only its grandchild is left to kill.
const stubborn = (pids: string, leaderIgnoresTerm: boolean): string[] => [
  "-c",
  // The grandchild does not hold our stdout: only the group's death, not end-of-file, can end the wait.
  `${leaderIgnoresTerm ? "trap '' TERM; " : ""}(trap '' TERM; exec sleep 60) >/dev/null 2>&1 & echo $! >> ${pids}; echo $$ >> ${pids}; cat >/dev/null; wait`,
];

describe("createFunctionRunner", () => {
  it("passes results through; a string is the output with unknown tokens (none invented)", async () => {
    const full = createFunctionRunner(async () => ({ output: "x", tokens: { input: 3, output: 4 } }));
    expect(await full.run(task(), never)).toEqual({ output: "x", tokens: { input: 3, output: 4 } });
    const text = createFunctionRunner((t) => `hello ${t.nodeId}`);
    expect(await text.run(task(), never)).toEqual({ output: "hello n1" });
  });

  it("settles on abort even when the function ignores its signal", async () => {
    const runner = createFunctionRunner(() => new Promise<string>(() => {}));
    const controller = new AbortController();
    const running = runner.run(task(), controller.signal);
    controller.abort(new Error("stop"));
    await expect(running).rejects.toThrow("stop");
    await expect(runner.run(task(), AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
  });
});

describe("parseCommandOutput", () => {
  it("reads { output, tokens }; tokens it cannot read are omitted, never NaN or guessed", () => {
    expect(parseCommandOutput(JSON.stringify({ output: "hi", tokens: { input: 5, output: 7 } }))).toEqual({ output: "hi", tokens: { input: 5, output: 7 } });
    for (const tokens of [undefined, { input: 5 }, { input: "5", output: 7 }, { input: -1, output: 2 }, { input: 1.5, output: 2 }, { input: null, output: 2 }, "many", [1, 2]]) {
      const result = parseCommandOutput(JSON.stringify({ output: "hi", tokens }));
      expect(result).toEqual({ output: "hi" });
      expect("tokens" in result).toBe(false);
    }
  });

  it("keeps plain text, broken JSON and other JSON as text, with unknown tokens", () => {
    expect(parseCommandOutput("just words\n")).toEqual({ output: "just words\n" });
    expect(parseCommandOutput("{not json\n")).toEqual({ output: "{not json\n" });
    expect(parseCommandOutput('{"answer":1}\n')).toEqual({ output: '{"answer":1}\n' });
    expect(parseCommandOutput('{"output":42}')).toEqual({ output: '{"output":42}' });
    expect(parseCommandOutput("null")).toEqual({ output: "null" });
  });
});

describe("createCommandRunner", () => {
  it("sends the prompt on stdin and the HYBRID_* variables in the environment; plain text has unknown tokens", async () => {
    const runner = createCommandRunner({
      command: process.execPath,
      args: [
        "-e",
        `let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write([s,process.env.HYBRID_RUN_ID,process.env.HYBRID_NODE_ID,process.env.HYBRID_ATTEMPT,process.env.HYBRID_IDEMPOTENCY_KEY,process.env.EXTRA].join("|")))`,
      ],
      env: { EXTRA: "yes" },
    });
    expect(await runner.run(task({ attempt: 2 }), never)).toEqual({ output: "do the thing|run-1|n1|2|run-1:n1:abc|yes" });
    const json = createCommandRunner({ command: "sh", args: ["-c", `echo '{"output":"hi","tokens":{"input":5,"output":7}}'`] });
    expect(await json.run(task(), never)).toEqual({ output: "hi", tokens: { input: 5, output: 7 } });
  });

  it("fails with exit code and stderr tail; exit 75 is transient", async () => {
    const failing = createCommandRunner({ command: "sh", args: ["-c", "echo oops >&2; exit 3"] });
    const error = await failing.run(task(), never).catch((e: unknown) => e);
    expect(isCommandFailedError(error)).toBe(true);
    expect(error).toMatchObject({ code: "command-failed", exitCode: 3, transient: false, stderrTail: "oops\n" });
    const tempfail = createCommandRunner({ command: "sh", args: ["-c", "exit 75"] });
    expect(await tempfail.run(task(), never).catch((e: unknown) => e)).toMatchObject({ exitCode: 75, transient: true });
    const custom = createCommandRunner({ command: "sh", args: ["-c", "exit 9"], transientExitCodes: [9], stderrTailBytes: 4 });
    expect(await custom.run(task(), never).catch((e: unknown) => e)).toMatchObject({ exitCode: 9, transient: true });
    // Configured without 75, exit 75 is permanent: the retry policy must not second-guess the runner.
    const strict = createCommandRunner({ command: "sh", args: ["-c", "exit 75"], transientExitCodes: [] });
    const refused = await strict.run(task(), never).catch((e: unknown) => e);
    expect(refused).toMatchObject({ exitCode: 75, transient: false });
    expect(classifyError(refused)).toBe("permanent");
  });

  it("keeps only the stderr tail, can run through a shell, and reports a signal death", async () => {
    const runner = createCommandRunner({ command: "printf 'abcdefgh' >&2; exit 1", shell: true, stderrTailBytes: 3 });
    expect(await runner.run(task(), never).catch((e: unknown) => e)).toMatchObject({ stderrTail: "fgh" });
    const killed = createCommandRunner({ command: "sh", args: ["-c", "kill -9 $$"] });
    expect(await killed.run(task(), never).catch((e: unknown) => e)).toMatchObject({ exitCode: null, signal: "SIGKILL" });
  });

  it("reports a command that cannot start", async () => {
    const runner = createCommandRunner({ command: "/nonexistent/agent-binary" });
    const reported: AgentProcess[] = [];
    const error = await runner.run(task({ reportProcess: async (p) => void reported.push(p) }), never).catch((e: unknown) => e);
    expect(isCommandSpawnError(error)).toBe(true);
    expect(reported).toEqual([]);
  });

  it("finds the command as execvp would (a path with a slash from cwd, else PATH, an empty entry meaning cwd); a directory or a file that is not executable cannot start", async () => {
    const dir = await scratch();
    await mkdir(join(dir, "bin", "folder"), { recursive: true });
    await writeFile(join(dir, "bin", "agent"), "#!/bin/sh\necho found\n", { mode: 0o755 });
    await writeFile(join(dir, "bin", "plain"), "#!/bin/sh\necho never\n", { mode: 0o644 });
    const run = (command: string, options: { cwd?: string; path?: string } = {}) =>
      createCommandRunner({ command, ...(options.cwd ? { cwd: options.cwd } : {}), env: options.path !== undefined ? { PATH: options.path } : {} })
        .run(task(), never)
        .catch((e: unknown) => e);
    expect(await run("./bin/agent", { cwd: dir })).toEqual({ output: "found\n" });
    expect(await run("agent", { path: join(dir, "bin") })).toEqual({ output: "found\n" });
    expect(await run("agent", { cwd: join(dir, "bin"), path: `:${process.env.PATH ?? ""}` })).toEqual({ output: "found\n" });
    expect(isCommandSpawnError(await run("plain", { path: join(dir, "bin") }))).toBe(true);
    expect(isCommandSpawnError(await run("folder", { path: join(dir, "bin") }))).toBe(true);
    expect(isCommandSpawnError(await run("agent", { path: "" }))).toBe(true);
  });

  it("rejects at once when the signal is already aborted, starting nothing", async () => {
    const reported: AgentProcess[] = [];
    const runner = createCommandRunner({ command: "true" });
    await expect(runner.run(task({ reportProcess: async (p) => void reported.push(p) }), AbortSignal.abort(new Error("early")))).rejects.toThrow("early");
    expect(reported).toEqual([]);
  });

  it("reports { pid, pgid, hostname, startTime }, and runs the command and writes its prompt only after reportProcess resolved", async () => {
    const dir = await scratch();
    const started = join(dir, "started");
    const got = join(dir, "got");
    // The command says it started (without waiting for its prompt), then copies stdin to `got`.
    const runner = createCommandRunner({ command: "sh", args: ["-c", `touch "$STARTED"; cat > "$GOT"; echo ok`], env: { STARTED: started, GOT: got } });
    let reported: AgentProcess | undefined;
    let duringReport: { gate: boolean; started: boolean; got: boolean } | undefined;
    const result = await runner.run(
      task({
        reportProcess: async (p) => {
          reported = { ...p, startTime: processStartTime(p.pid) ?? "unreadable" };
          expect(p).toEqual(reported);
          // The process is up, still the gate that execs the command once told to; had the command
          // been run, or the prompt been written, both files would appear by now.
          await new Promise((resolve) => setTimeout(resolve, 150));
          duringReport = {
            gate: readFileSync(`/proc/${p.pid}/cmdline`, "utf8").split("\0").includes("hybrid-agent"),
            started: await exists(started),
            got: await exists(got),
          };
        },
      }),
      never,
    );
    expect(result.output).toBe("ok\n");
    expect(reported).toMatchObject({ pgid: reported!.pid, hostname: hostname() });
    expect(duringReport).toEqual({ gate: true, started: false, got: false });
    expect(readFileSync(got, "utf8")).toBe("do the thing");
  });

  it.each([
    ["the agent and its grandchild ignore SIGTERM", true],
    ["the agent dies on SIGTERM, its grandchild ignores it", false],
  ])("on abort, when %s, settles only once every member of the group is dead", async (_, leaderIgnoresTerm) => {
    const dir = await scratch();
    const pids = join(dir, "pids");
    const runner = createCommandRunner({ command: "sh", args: stubborn(pids, leaderIgnoresTerm), killGraceMs: 100 });
    const controller = new AbortController();
    let agent: AgentProcess | undefined;
    const running = runner.run(task({ reportProcess: async (p) => void (agent = p) }), controller.signal);
    await eventually(async () => (await readFile(pids, "utf8").catch(() => "")).trim().split("\n").length >= 2);
    const recorded = (await readFile(pids, "utf8")).trim().split("\n").map(Number);
    expect(recorded.every(alive)).toBe(true);
    // Both are members of the agent's group (with `cat` too, until the prompt has been read).
    expect(liveGroupMembers(agent!.pgid)).toEqual(expect.arrayContaining(recorded));
    controller.abort(new Error("stop"));
    const settled = await settleAndProbe(running, () => agent);
    expect((settled.error as Error).message).toBe("stop");
    expect(settled.members).toEqual([]);
    expect(recorded.some(alive)).toBe(false);
  });

  it("caps the output, and settles with the group dead", async () => {
    let agent: AgentProcess | undefined;
    const runner = createCommandRunner({
      command: "sh",
      args: ["-c", `trap '' TERM; sleep 60 & exec ${process.execPath} -e 'process.on("SIGTERM",()=>{});const b="x".repeat(65536);setInterval(()=>process.stdout.write(b),1)'`],
      maxOutputBytes: 100_000,
      killGraceMs: 100,
    });
    const settled = await settleAndProbe(runner.run(task({ reportProcess: async (p) => void (agent = p) }), never), () => agent);
    expect(isOutputTooLargeError(settled.error)).toBe(true);
    expect(settled.members).toEqual([]);
  });

  it("after a normal exit, stops what the agent left in its group before it settles", async () => {
    const dir = await scratch();
    const pids = join(dir, "pids");
    let agent: AgentProcess | undefined;
    const runner = createCommandRunner({
      command: "sh",
      args: ["-c", `trap '' TERM; sleep 60 >/dev/null 2>&1 & echo $! > ${pids}; echo done`],
      killGraceMs: 100,
    });
    const settled = await settleAndProbe(runner.run(task({ reportProcess: async (p) => void (agent = p) }), never), () => agent);
    expect(settled.value).toEqual({ output: "done\n" });
    expect(settled.members).toEqual([]);
    expect(alive(Number((await readFile(pids, "utf8")).trim()))).toBe(false);
  });

  it("settles once the group is dead even when a process that left the group holds stdout", async () => {
    const dir = await scratch();
    const pids = join(dir, "escaped");
    let agent: AgentProcess | undefined;
    // setsid: the holder leads a new session, out of the agent's group, with our stdout still open.
    const runner = createCommandRunner({
      command: "sh",
      args: ["-c", `setsid sh -c 'echo $$ > ${pids}; exec sleep 60' & while [ ! -s ${pids} ]; do sleep 0.01; done; echo done`],
      killGraceMs: 100,
      stdioDrainMs: 50,
    });
    const running = runner.run(task({ reportProcess: async (p) => void (agent = p) }), never);
    await eventually(() => exists(pids));
    const escaped = Number((await readFile(pids, "utf8")).trim());
    cleanups.push(() => void process.kill(escaped, "SIGKILL"));
    const settled = await settleAndProbe(running, () => agent);
    expect(settled.value).toEqual({ output: "done\n" });
    expect(settled.members).toEqual([]);
    // Not ours to kill: it left the group. It still holds the pipe we stopped reading.
    expect(alive(escaped)).toBe(true);
  });

  it("kills the agent, never writing the prompt, and rejects with the error when reportProcess rejects", async () => {
    const dir = await scratch();
    const got = join(dir, "got");
    let agent: AgentProcess | undefined;
    const runner = createCommandRunner({ command: "sh", args: ["-c", `trap '' TERM; cat > ${got}; sleep 60`], killGraceMs: 100 });
    const refusal = new Error("journal is gone");
    const settled = await settleAndProbe(
      runner.run(
        task({
          reportProcess: async (p) => {
            agent = p;
            throw refusal;
          },
        }),
        never,
      ),
      () => agent,
    );
    expect(settled.error).toBe(refusal);
    expect(settled.members).toEqual([]);
    expect(await readFile(got, "utf8").catch(() => "")).toBe("");
  });

  it("stops the agent when the signal aborts while reportProcess is still pending", async () => {
    let agent: AgentProcess | undefined;
    const controller = new AbortController();
    const runner = createCommandRunner({ command: "sh", args: ["-c", "trap '' TERM; sleep 60"], killGraceMs: 100 });
    const running = runner.run(
      task({
        reportProcess: (p) => {
          agent = p;
          controller.abort(new Error("stopped while journaling"));
          return new Promise<void>(() => {});
        },
      }),
      controller.signal,
    );
    const settled = await settleAndProbe(running, () => agent);
    expect((settled.error as Error).message).toBe("stopped while journaling");
    expect(settled.members).toEqual([]);
  });

  it("validates its options", () => {
    const error = (() => {
      try {
        createCommandRunner({ command: "", maxOutputBytes: -1 });
      } catch (e) {
        return e;
      }
      return expect.unreachable("invalid options must throw");
    })();
    expect(isDispatchOptionsError(error)).toBe(true);
    expect((error as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(["command", "maxOutputBytes"]);
  });
});

describe("createSimulatedRunner", () => {
  it("draws from the one seeded PRNG, per (seed, nodeId, attempt), whatever the order of draws", () => {
    const options = { seed: 3, jitter: 0.2, baseMs: 100, perInputTokenMs: 1, perOutputTokenMs: 2, outputTokens: 100 };
    const a = createSimulatedRunner(options);
    const b = createSimulatedRunner(options);
    const prompt = "x".repeat(40);
    const forward = ["n1", "n2", "n3"].map((nodeId) => a.draw({ nodeId, attempt: 1, prompt }));
    const backward = ["n3", "n2", "n1"].map((nodeId) => b.draw({ nodeId, attempt: 1, prompt })).reverse();
    expect(backward).toEqual(forward);
    expect(a.draw({ nodeId: "n1", attempt: 1, prompt })).toEqual(forward[0]);
    // The same numbers as seededRandom(seed, nodeId, attempt): output tokens first, then latency.
    const random = seededRandom(3, "n1", 1);
    const spread = (): number => 1 + 0.2 * (2 * random() - 1);
    const output = Math.round(100 * spread());
    expect(forward[0]).toMatchObject({ tokens: { input: 10, output }, outcome: "success" });
    expect(forward[0]!.latencyMs).toBeCloseTo((100 + 10 + 2 * output) * spread(), 9);
    expect(a.draw({ nodeId: "n1", attempt: 2, prompt })).not.toEqual(forward[0]);
    expect(createSimulatedRunner({ ...options, seed: 4 }).draw({ nodeId: "n1", attempt: 1, prompt })).not.toEqual(forward[0]);
  });

  it("follows the latency model without jitter, and reports its model's tokens", async () => {
    const exact = createSimulatedRunner({ seed: 3, jitter: 0, baseMs: 100, perInputTokenMs: 1, perOutputTokenMs: 2, outputTokens: 10, timeScale: 0 });
    expect(exact.draw({ nodeId: "n1", attempt: 1, prompt: "x".repeat(40) })).toEqual({ latencyMs: 130, outcome: "success", tokens: { input: 10, output: 10 } });
    expect((await exact.run(task({ prompt: "x".repeat(40) }), never)).tokens).toEqual({ input: 10, output: 10 });
  });

  it("draws failures at the given rates and really waits, scaled", async () => {
    const permanent = createSimulatedRunner({ permanentFailureRate: 1, timeScale: 0 });
    expect(isSimulatedFailureError(await permanent.run(task(), never).catch((e: unknown) => e))).toBe(true);
    const transient = createSimulatedRunner({ transientFailureRate: 1, timeScale: 0 });
    expect(isTransientError(await transient.run(task(), never).catch((e: unknown) => e))).toBe(true);
    const ok = createSimulatedRunner({ timeScale: 0.0001 });
    expect((await ok.run(task(), never)).output).toContain("simulated output of n1");
  });

  it("hangs until aborted at timeoutRate, and stops waiting on abort", async () => {
    const hang = createSimulatedRunner({ timeoutRate: 1 });
    const controller = new AbortController();
    const running = hang.run(task(), controller.signal);
    controller.abort(new Error("deadline"));
    await expect(running).rejects.toThrow("deadline");
    const slow = createSimulatedRunner({ baseMs: 60_000 });
    const c2 = new AbortController();
    const waiting = slow.run(task(), c2.signal);
    c2.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await expect(slow.run(task(), AbortSignal.abort(new Error("early")))).rejects.toThrow("early");
  });
});
