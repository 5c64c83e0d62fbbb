// kill -9 of a real orchestrator at drawn moments, then resume in a fresh process (sometimes killed
// again, and resumed again): 30 command agents of 50–400 ms, one of 6 s on its first attempt so a
// kill leaves a survivor running into the resume, 40% ignoring SIGTERM, maxParallel 3–4. The oracles
// are the process table (a separate monitor process), the agents' own log and the journal read by
// hand (fixtures/kill-round.ts). A few rounds here; kill-resume.slow.test.ts runs many.
import { seededRandom } from "@hybrid/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scratchDir, startMonitor } from "./fixtures/harness.js";
import type { Monitor } from "./fixtures/harness.js";
import { drawRound, killRound } from "./fixtures/kill-round.js";
import type { RoundStats } from "./fixtures/kill-round.js";

const rounds = Number(process.env.HYBRID_KILL_ROUNDS ?? 3);
const seed = Number(process.env.HYBRID_KILL_SEED ?? 2026);
let monitor: Monitor;
beforeAll(async () => {
  monitor = await startMonitor();
}, 60_000);
afterAll(async () => {
  const { samples, maxGapMs } = await monitor.stop();
  console.info(`[kill-resume] monitor: ${samples} scans, longest gap ${maxGapMs} ms`);
});

describe("kill -9 and resume (real processes, process-table oracle)", () => {
  it(`never runs two copies of a node nor more than maxParallel agents, and runs every node's side effect under one key (${rounds} rounds)`, async () => {
    const dir = await scratchDir();
    const random = seededRandom(seed);
    const draws = Array.from({ length: rounds }, (_, i) => drawRound(random, seed * 1000 + i));
    // Every round's first kill lands while its slow agent runs, so survivors are certain to exist.
    for (const draw of draws) draw.kills[0] = { afterStarts: 1, slow: true, extraMs: draw.kills[0]!.extraMs % 300 };
    const stats: RoundStats[] = await Promise.all(draws.map((draw, i) => killRound(dir, i, draw, monitor)));
    console.info(`[kill-resume] ${JSON.stringify(stats)}`);
    // The rounds did what they are for: kills landed mid-run, and the resumes met live survivors.
    expect(stats.every((s) => s.kills >= 1)).toBe(true);
    expect(stats.reduce((n, s) => n + s.survivorsSeen, 0)).toBeGreaterThan(0);
  }, 120_000);
});
