// The long version of kill-resume.test.ts: many rounds of kill -9 at drawn moments (during start-up,
// after a random number of agents, while the slow agent runs), a kill of the resume in some rounds,
// a torn journal line in others. `pnpm test:slow`.
import { seededRandom } from "@hybrid/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scratchDir, startMonitor } from "./fixtures/harness.js";
import type { Monitor } from "./fixtures/harness.js";
import { drawRound, killRound } from "./fixtures/kill-round.js";
import type { RoundStats } from "./fixtures/kill-round.js";

const rounds = Number(process.env.HYBRID_KILL_ROUNDS ?? 24);
const seed = Number(process.env.HYBRID_KILL_SEED ?? 7);
let monitor: Monitor;
beforeAll(async () => {
  monitor = await startMonitor();
}, 60_000);
afterAll(async () => {
  const { samples, maxGapMs } = await monitor.stop();
  console.info(`[kill-resume slow] monitor: ${samples} scans, longest gap ${maxGapMs} ms`);
});

describe("kill -9 and resume, many rounds (real processes, process-table oracle)", () => {
  it(`never runs two copies of a node nor more than maxParallel agents, and runs every node's side effect under one key (${rounds} rounds)`, async () => {
    const dir = await scratchDir();
    const random = seededRandom(seed);
    const draws = Array.from({ length: rounds }, (_, i) => drawRound(random, seed * 1000 + i));
    // Three rounds at a time: a round mostly waits on process start-up, the lock takeover and sleeping agents.
    let next = 0;
    const stats: RoundStats[] = [];
    const worker = async (): Promise<void> => {
      while (next < rounds) {
        const index = next++;
        stats.push(await killRound(dir, index, draws[index]!, monitor));
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    const sum = (field: keyof RoundStats): number => stats.reduce((n, s) => n + Number(s[field]), 0);
    console.info(
      `[kill-resume slow] rounds ${rounds}, kills ${sum("kills")} (mid-run ${sum("midRun")}, resumes killed ${sum("resumeKilled")}), ` +
        `survivors seen ${sum("survivorsSeen")}, reaped stopped ${sum("reapedStopped")} / gone ${sum("reapedGone")}, ` +
        `in-flight re-runs ${sum("rerunInFlight")}, most live agents ${Math.max(...stats.map((s) => s.maxLive))}, ` +
        `agents never journaled nor prompted ${sum("unprompted")} (longest seen alive ${Math.max(...stats.map((s) => s.unpromptedMaxMs))} ms)`,
    );
    // The rounds did what they are for.
    expect(sum("midRun")).toBeGreaterThanOrEqual(Math.ceil(rounds / 3));
    expect(sum("resumeKilled")).toBeGreaterThan(0);
    expect(sum("reapedStopped")).toBeGreaterThan(0);
    expect(sum("rerunInFlight")).toBeGreaterThan(0);
  }, 1_200_000);
});
