// Crashes of `hybrid run --runner command` through the built bin: a real SIGKILL of the CLI at
// seeded random moments while agents run, then `hybrid resume` to completion (crash-rounds.ts
// checks what must hold), and Ctrl-C: exit 130 and a printed resume command that finishes the run.
// More rounds: cli-kill.slow.test.ts (`pnpm test:slow`).
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_TIMEOUT_MS, buildCli, SIDE_EFFECT_AGENT, startHybrid, tempDir } from "./fixtures/cli/cli.js";
import { CRASH_WORKFLOW, crashRound, interruptRound, violations } from "./fixtures/cli/crash-rounds.js";
import type { Effect } from "./fixtures/cli/crash-rounds.js";

beforeAll(() => buildCli(), BUILD_TIMEOUT_MS);

describe("the crash oracle", () => {
  const effect = (line: string): Effect => {
    const [node, key, what, pid] = line.split(" ");
    return { node: node!, key: key!, what: what as Effect["what"], pid: Number(pid) };
  };
  const clean = ["a k1 start 1", "a k1 stop 1", "a k1 start 2", "b k2 start 3", "a k1 end 2", "b k2 end 3"].map(effect);

  it("passes a clean history and catches each violation it exists for", () => {
    expect(violations(clean, [], ["a", "b"])).toEqual([]);
    const overlap = ["a k1 start 1", "a k1 start 2", "a k1 end 1", "a k1 end 2"].map(effect);
    expect(violations(overlap, [], ["a"])).toEqual(["line 2: a started while 1 still ran"]);
    expect(violations(clean, [{ line: 2, completed: new Set(["a"]) }], ["a", "b"])).toEqual(["line 3: a ran again after completing"]);
    const twoKeys = ["a k1 start 1", "a k1 end 1", "a k9 start 2", "a k9 end 2"].map(effect);
    expect(violations(twoKeys, [], ["a"])).toEqual(["a: 2 idempotency keys"]);
    expect(violations(clean.slice(0, 4), [], ["a", "b"])).toEqual(["a: 2 never stopped", "b: 3 never stopped", "a: never ended", "b: never ended"]);
  });
});

// Generous: each round is a few CLI processes and a dozen agents on a possibly busy 2-core machine.
describe("hybrid run, killed and resumed", { timeout: 300_000 }, () => {
  it("SIGKILL at seeded moments, then resume: completes, no node twice at once, none again after completing, one key per node", async () => {
    let landed = 0;
    for (const seed of [1, 2, 3]) landed += await crashRound(seed, 2);
    // The rounds must have crashed something, or they proved nothing.
    expect(landed).toBeGreaterThanOrEqual(3);
  });

  it("SIGINT exits 130 and prints the exact resume command, which finishes the run", async () => {
    const { interrupted, resumed } = await interruptRound(tempDir());
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/SIGINT: stopping run stop-me/);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/run stop-me succeeded/);
  });

  it("a second SIGINT exits 130 at once, kills an agent that ignores SIGTERM on the way out, and the run resumes", async () => {
    const dir = tempDir();
    const effects = join(dir, "effects.log");
    const env = { SIDE_EFFECTS: effects, AGENT_SLEEP_MS: "60000", AGENT_IGNORE_TERM: "1" };
    const run = startHybrid(["run", CRASH_WORKFLOW, "--runner", "command", "--command", SIDE_EFFECT_AGENT, "--run-id", "force-me"], { cwd: dir, env });
    const until = async (ready: () => boolean): Promise<void> => {
      while (!ready()) await new Promise((resolve) => setTimeout(resolve, 25));
    };
    const lines = (): string[] => {
      try {
        return readFileSync(effects, "utf8").split("\n").filter(Boolean);
      } catch {
        return [];
      }
    };
    await until(() => lines().length > 0);
    run.child.kill("SIGINT");
    // The first one waits for the agent, which ignores SIGTERM for the 2 s kill grace: force it.
    await until(() => run.output().stderr.includes("SIGINT: stopping run force-me"));
    run.child.kill("SIGINT");
    const forced = await run.done;
    expect(forced.code).toBe(130);
    expect(forced.stderr).toMatch(/SIGINT again: exiting now; resume with:\n\s*hybrid resume force-me --state-dir \.hybrid/);
    const pid = Number(lines()[0]!.split(" ")[3]);
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until(() => !alive());
    const resumed = await startHybrid(["resume", "force-me"], { cwd: dir, env: { ...env, AGENT_SLEEP_MS: "50", AGENT_IGNORE_TERM: undefined } }).done;
    expect(resumed.code, resumed.stderr).toBe(0);
  });
});
