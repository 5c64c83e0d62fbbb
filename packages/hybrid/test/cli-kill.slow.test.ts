// The slow suite of CLI crashes: many more seeded rounds of SIGKILL (up to three per round) and
// resume than cli-kill.test.ts runs by default; crash-rounds.ts checks what must hold.
import { beforeAll, describe, expect, it } from "vitest";
import { BUILD_TIMEOUT_MS, buildCli } from "./fixtures/cli/cli.js";
import { crashRound } from "./fixtures/cli/crash-rounds.js";

const ROUNDS = Number(process.env.HYBRID_CLI_CRASH_ROUNDS ?? 25);

beforeAll(() => buildCli(), BUILD_TIMEOUT_MS);

describe("hybrid run, killed and resumed (slow)", () => {
  it(`${ROUNDS} seeded rounds`, async () => {
    let landed = 0;
    for (let seed = 100; seed < 100 + ROUNDS; seed++) landed += await crashRound(seed, 3);
    expect(landed).toBeGreaterThanOrEqual(ROUNDS);
  });
});
