import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { classifyError, isTransientError } from "@hybrid/resilience";
import { afterEach, describe, expect, it } from "vitest";
import {
  createCommandRunner,
  createFunctionRunner,
  createSimulatedRunner,
  estimateTokens,
  isCommandFailedError,
  isCommandSpawnError,
  isDispatchOptionsError,
  isOutputTooLargeError,
  isSimulatedFailureError,
} from "../src/index.js";
import type { AgentTask } from "../src/index.js";
import { alive, eventually, tempDir } from "./helpers.js";

const task = (extra: Partial<AgentTask> = {}): AgentTask => ({
  runId: "run-1",
  nodeId: "n1",
  agent: "coder",
  priority: "implementation",
  attempt: 1,
  idempotencyKey: "run-1:n1:abc",
  prompt: "do the thing",
  node: { id: "n1", agent: "coder", priority: "implementation", scope: "s", acceptance: [], dependsOn: [] },
  ...extra,
});

const never = new AbortController().signal;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("createFunctionRunner", () => {
  it("passes results through and estimates tokens for plain strings", async () => {
    const full = createFunctionRunner(async () => ({ output: "x", tokens: { input: 3, output: 4 } }));
    expect(await full.run(task(), never)).toEqual({ output: "x", tokens: { input: 3, output: 4 } });
    const text = createFunctionRunner((t) => `hello ${t.nodeId}`);
    expect(await text.run(task(), never)).toEqual({
      output: "hello n1",
      tokens: { input: estimateTokens("do the thing"), output: estimateTokens("hello n1") },
    });
  });

  it("settles on abort even when the function ignores its signal", async () => {
    const runner = createFunctionRunner(() => new Promise<string>(() => {}));
    const controller = new AbortController();
    const running = runner.run(task(), controller.signal);
    controller.abort(new Error("stop"));
    await expect(running).rejects.toThrow("stop");
    const aborted = AbortSignal.abort(new Error("already"));
    await expect(runner.run(task(), aborted)).rejects.toThrow("already");
  });
});

describe("createCommandRunner", () => {
  it("sends the prompt on stdin and the HYBRID_* variables in the environment", async () => {
    const runner = createCommandRunner({
      command: process.execPath,
      args: [
        "-e",
        `let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write([s,process.env.HYBRID_RUN_ID,process.env.HYBRID_NODE_ID,process.env.HYBRID_ATTEMPT,process.env.HYBRID_IDEMPOTENCY_KEY,process.env.EXTRA].join("|")))`,
      ],
      env: { EXTRA: "yes" },
    });
    const result = await runner.run(task({ attempt: 2 }), never);
    expect(result.output).toBe("do the thing|run-1|n1|2|run-1:n1:abc|yes");
    expect(result.tokens.output).toBe(estimateTokens(result.output));
  });

  it("reads { output, tokens } JSON, and falls back to text for other JSON-looking output", async () => {
    const json = createCommandRunner({ command: process.execPath, args: ["-e", `console.log(JSON.stringify({output:"hi",tokens:{input:5,output:7}}))`] });
    expect(await json.run(task(), never)).toEqual({ output: "hi", tokens: { input: 5, output: 7 } });
    const partial = createCommandRunner({ command: process.execPath, args: ["-e", `console.log(JSON.stringify({output:"hi"}))`] });
    expect((await partial.run(task(), never)).tokens).toEqual({ input: estimateTokens("do the thing"), output: estimateTokens("hi") });
    const broken = createCommandRunner({ command: process.execPath, args: ["-e", `console.log("{not json")`] });
    expect((await broken.run(task(), never)).output).toBe("{not json\n");
    const other = createCommandRunner({ command: process.execPath, args: ["-e", `console.log(JSON.stringify({answer:1}))`] });
    expect((await other.run(task(), never)).output).toBe('{"answer":1}\n');
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

  it("keeps only the stderr tail and can run through a shell", async () => {
    const runner = createCommandRunner({ command: "printf 'abcdefgh' >&2; exit 1", shell: true, stderrTailBytes: 3 });
    expect(await runner.run(task(), never).catch((e: unknown) => e)).toMatchObject({ stderrTail: "fgh" });
  });

  it("reports a command that cannot start", async () => {
    const runner = createCommandRunner({ command: "/nonexistent/agent-binary" });
    const error = await runner.run(task(), never).catch((e: unknown) => e);
    expect(isCommandSpawnError(error)).toBe(true);
  });

  it("caps the output and kills the process group", async () => {
    const runner = createCommandRunner({
      command: process.execPath,
      args: ["-e", `const b="x".repeat(65536);setInterval(()=>process.stdout.write(b),1)`],
      maxOutputBytes: 100_000,
      killGraceMs: 200,
    });
    const error = await runner.run(task(), never).catch((e: unknown) => e);
    expect(isOutputTooLargeError(error)).toBe(true);
  });

  it("kills the whole process group on abort, SIGKILLing what ignores SIGTERM", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const pids = join(dir, "pids");
    const runner = createCommandRunner({
      command: "sh",
      args: ["-c", `trap '' TERM; sleep 30 & echo $! >> ${pids}; (trap '' TERM; sleep 30) & echo $! >> ${pids}; echo $$ >> ${pids}; wait`],
      killGraceMs: 100,
    });
    const controller = new AbortController();
    const running = runner.run(task(), controller.signal);
    await eventually(async () => (await readFile(pids, "utf8").catch(() => "")).trim().split("\n").length >= 3);
    const recorded = (await readFile(pids, "utf8")).trim().split("\n").map(Number);
    expect(recorded.every(alive)).toBe(true);
    controller.abort(new Error("stop"));
    await expect(running).rejects.toThrow("stop");
    await eventually(() => recorded.every((pid) => !alive(pid)));
  });

  it("rejects at once when the signal is already aborted", async () => {
    const runner = createCommandRunner({ command: "true" });
    await expect(runner.run(task(), AbortSignal.abort(new Error("early")))).rejects.toThrow("early");
  });

  it("leaves no background child behind after a normal exit", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const pids = join(dir, "pids");
    const runner = createCommandRunner({
      command: "sh",
      args: ["-c", `sleep 30 >/dev/null 2>&1 & echo $! > ${pids}; echo done`],
      killGraceMs: 100,
    });
    expect((await runner.run(task(), never)).output).toBe("done\n");
    const pid = Number((await readFile(pids, "utf8")).trim());
    await eventually(() => !alive(pid));
  });

  it("validates its options", () => {
    let error: unknown;
    try {
      createCommandRunner({ command: "", maxOutputBytes: -1 });
    } catch (e) {
      error = e;
    }
    expect(isDispatchOptionsError(error)).toBe(true);
    expect((error as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(["command", "maxOutputBytes"]);
  });
});

describe("createSimulatedRunner", () => {
  it("is deterministic per (seed, nodeId, attempt) and follows the latency model", () => {
    const a = createSimulatedRunner({ seed: 3, jitter: 0, baseMs: 100, perInputTokenMs: 1, perOutputTokenMs: 2, outputTokens: 10 });
    const b = createSimulatedRunner({ seed: 3, jitter: 0, baseMs: 100, perInputTokenMs: 1, perOutputTokenMs: 2, outputTokens: 10 });
    const draw = a.draw({ nodeId: "n1", attempt: 1, prompt: "x".repeat(40) });
    expect(draw).toEqual(b.draw({ nodeId: "n1", attempt: 1, prompt: "x".repeat(40) }));
    expect(draw).toEqual({ latencyMs: 100 + 10 + 20, outcome: "success", tokens: { input: 10, output: 10 } });
    const jittered = createSimulatedRunner({ seed: 3 });
    expect(jittered.draw({ nodeId: "n1", attempt: 1, prompt: "" })).not.toEqual(jittered.draw({ nodeId: "n1", attempt: 2, prompt: "" }));
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
