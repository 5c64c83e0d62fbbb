// Crashes of `hybrid run --runner command` through the built bin: a real SIGKILL of the CLI at
// seeded random moments while agents run, then `hybrid resume` to completion (crash-rounds.ts
// checks what must hold), and Ctrl-C: exit 130 and a printed resume command that finishes the run.
// More rounds: cli-kill.slow.test.ts (`pnpm test:slow`).
import { beforeAll, describe, expect, it } from "vitest";
import { BUILD_TIMEOUT_MS, buildCli, tempDir } from "./fixtures/cli/cli.js";
import { crashRound, interruptRound, violations } from "./fixtures/cli/crash-rounds.js";
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
});
