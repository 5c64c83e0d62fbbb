// examples/agents/wrap-coding-agent.mjs through the real command runner (and once through dispatch's
// controller), wrapping a fake agent CLI: a tiny node script that behaves as FAKE_MODE says.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCommandRunner, createDispatchController, isCommandFailedError } from "@hybrid/dispatch";
import type { AgentTask } from "@hybrid/dispatch";
import { buildGraph } from "@hybrid/graph";
import { classifyError } from "@hybrid/resilience";
import { planSchedule } from "@hybrid/scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const wrapper = fileURLToPath(new URL("../agents/wrap-coding-agent.mjs", import.meta.url));

// The fake agent CLI: `echo` reports what it was given; the others fail or answer as real agents do.
const FAKE_AGENT = `import { existsSync, writeFileSync } from "node:fs";
let stdin = "";
for await (const chunk of process.stdin) stdin += chunk;
const mode = process.env.FAKE_MODE;
if (mode === "flaky-once" && !existsSync(process.env.FAKE_MARK)) {
  writeFileSync(process.env.FAKE_MARK, "failed once");
  console.error("Error: 429 Too Many Requests, please retry");
  process.exit(1);
}
if (mode === "rate-limit") { console.error("API Error: rate limit exceeded"); process.exit(1); }
if (mode === "broken") { console.error("cannot parse the task"); process.exit(3); }
if (mode === "claude") {
  console.log(JSON.stringify({ type: "result", subtype: "success", is_error: false, result: "patched " + process.argv.at(-1).split("\\n")[0],
    usage: { input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 3000, output_tokens: 42 } }));
  process.exit(0);
}
if (mode === "claude-error") { console.log(JSON.stringify({ type: "result", subtype: "error_during_execution", is_error: true, result: "Overloaded" })); process.exit(0); }
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("HYBRID_")));
console.log("agent saw " + JSON.stringify({ args: process.argv.slice(2), stdin, env }));`;

let dir: string;
let fakeAgent: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hybrid-wrap-agent-"));
  fakeAgent = join(dir, "fake-agent.mjs");
  await writeFile(fakeAgent, FAKE_AGENT);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const task = (extra: Partial<AgentTask> = {}): AgentTask => ({
  runId: "run-7",
  nodeId: "fix-login",
  agent: "coder",
  priority: "implementation",
  attempt: 2,
  idempotencyKey: "run-7:fix-login:k1",
  prompt: "Fix the login bug.",
  node: { id: "fix-login", agent: "coder", priority: "implementation", scope: "s", acceptance: [], dependsOn: [] },
  ...extra,
});
const never = new AbortController().signal;

/** The command runner running the wrapper around the fake agent (as `fake-agent -p`). */
const wrapped = (mode: string, wrapperArgs: string[] = [], env: Record<string, string> = {}) =>
  createCommandRunner({ command: process.execPath, args: [wrapper, ...wrapperArgs, "--", process.execPath, fakeAgent, "-p"], env: { FAKE_MODE: mode, ...env }, killGraceMs: 200 });

const saw = (output: string) => JSON.parse(output.replace(/^agent saw /, "")) as { args: string[]; stdin: string; env: Record<string, string> };

describe("examples/agents/wrap-coding-agent.mjs", () => {
  it("hands the prompt as the last argument, with a footer naming the run, node, attempt and idempotency key", async () => {
    const { output, tokens } = await wrapped("echo").run(task(), never);
    const seen = saw(output);
    expect(seen.args[0]).toBe("-p");
    expect(seen.args[1]).toMatch(/^Fix the login bug\.\n\n---\nhybrid run run-7, node fix-login, attempt 2\. Idempotency key: run-7:fix-login:k1/);
    expect(seen.stdin).toBe("");
    expect(seen.env).toMatchObject({ HYBRID_RUN_ID: "run-7", HYBRID_NODE_ID: "fix-login", HYBRID_ATTEMPT: "2", HYBRID_IDEMPOTENCY_KEY: "run-7:fix-login:k1" });
    expect(tokens).toBeUndefined(); // free text: unknown, not estimated
  });

  it("--prompt-as stdin --no-footer: the prompt as written, on the agent's stdin", async () => {
    const seen = saw((await wrapped("echo", ["--prompt-as", "stdin", "--no-footer"]).run(task(), never)).output);
    expect(seen).toMatchObject({ args: ["-p"], stdin: "Fix the login bug." });
  });

  it("--output claude-json: the result as output, every input token (cached or not) and the output tokens", async () => {
    expect(await wrapped("claude", ["--output", "claude-json"]).run(task(), never)).toEqual({
      output: "patched Fix the login bug.",
      tokens: { input: 3210, output: 42 },
    });
    const error = await wrapped("claude-error", ["--output", "claude-json"]).run(task(), never).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 75, transient: true }); // "Overloaded" is worth a retry
  });

  it("a rate-limited agent exits 75 (transient, retried); any other failure keeps its exit code (permanent)", async () => {
    const limited = await wrapped("rate-limit").run(task(), never).catch((e: unknown) => e);
    expect(isCommandFailedError(limited) && limited.exitCode).toBe(75);
    expect(classifyError(limited)).toBe("transient");
    expect((limited as { stderrTail: string }).stderrTail).toMatch(/rate limit exceeded[\s\S]*exiting 75 so hybrid retries/);
    const broken = await wrapped("broken").run(task(), never).catch((e: unknown) => e);
    expect(broken).toMatchObject({ exitCode: 3, transient: false });
    expect(classifyError(broken)).toBe("permanent");
  });

  it("an agent CLI that is not installed exits 127, and bad usage exits 2, each saying why", async () => {
    const missing = createCommandRunner({ command: process.execPath, args: [wrapper, "--", "no-such-agent-cli-xyz"] });
    const error = await missing.run(task(), never).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 127, stderrTail: expect.stringMatching(/cannot start no-such-agent-cli-xyz/) });
    const usage = await createCommandRunner({ command: process.execPath, args: [wrapper, "--output", "yaml", "--", "x"] }).run(task(), never).catch((e: unknown) => e);
    expect(usage).toMatchObject({ exitCode: 2, stderrTail: expect.stringMatching(/--output must be text or claude-json/) });
  });

  it("under dispatch: a 429 from the agent is retried and the node then succeeds", async () => {
    const plan = planSchedule(buildGraph({ version: 1, id: "wrap", nodes: [{ id: "fix", agent: "coder", priority: "implementation", scope: "fix it", acceptance: [], dependsOn: [] }] }));
    const controller = createDispatchController({ sleep: async () => {}, resilience: { retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 30_000 } });
    const result = await controller.run(plan, { runner: wrapped("flaky-once", [], { FAKE_MARK: join(dir, "flaky-mark") }) });
    expect(result.outcomes.fix).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(saw(result.outcomes.fix!.output!).env.HYBRID_ATTEMPT).toBe("2");
  });
});
