import { appendFile, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createJsonlRunStore, type RunRecord, type RunStoreScan } from "@hybrid/telemetry";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { isConfigError } from "../src/config-errors.js";
import { rolloutAdvance, rolloutCheck, rolloutResume, rolloutStatus, type RolloutOptions } from "../src/rollout.js";
import { isRolloutError, type RolloutError } from "../src/rollout-errors.js";
import { selectStrategy } from "../src/strategy.js";
import { HOUR, rejection, runRecord, T0, tempDir } from "./rollout-fixtures.js";

const identity = (text: string) => text;

async function guard(options: { records?: RunRecord[]; config?: RolloutOptions["config"] } = {}) {
  const stateDir = await tempDir("hybrid-rollout-");
  const store = createJsonlRunStore({ dir: stateDir, redact: identity, onWarning: () => undefined });
  for (const record of options.records ?? []) await store.append(record);
  let now = T0;
  const clock = { set: (at: number) => void (now = at), advance: (ms: number) => void (now += ms), now: () => now };
  const opts = (extra: Partial<RolloutOptions> = {}): RolloutOptions => ({ stateDir, config: options.config ?? {}, runStore: store, clock: () => now, redact: identity, ...extra });
  const stateText = () => readFile(join(stateDir, "rollout.json"), "utf8");
  return { stateDir, store, clock, opts, stateText };
}

async function refused(promise: Promise<unknown>): Promise<RolloutError> {
  const error = await rejection(promise);
  if (!isRolloutError(error)) throw error;
  return error;
}

/** A scan of in-memory records: the guard takes anything with `scan()`. */
const memoryStore = (records: RunRecord[], invalid: RunStoreScan["invalid"] = []) => ({
  scan: async (): Promise<RunStoreScan> => ({ file: "memory", records: records.map((record, i) => ({ line: i + 1, record })), invalid, tornTail: undefined }),
});

describe("rolloutStatus", () => {
  it("starts untracked at stage 0, ready to go to 5% (no dwell before 5%)", async () => {
    const { opts } = await guard();
    const status = await rolloutStatus(opts());
    expect(status).toMatchObject({ stage: 0, tracked: false, since: null, nextStage: 5, killSwitch: null, blockers: [], history: [] });
    expect(status.dwell).toEqual({ requiredMs: 0, elapsedMs: null, remainingMs: 0 });
    expect(status.telemetry).toEqual({ runs: 0, valid: 0, invalid: 0, complete: true, missingMetrics: {}, problems: [] });
    expect(status.triggers.map((t) => [t.trigger, t.status])).toEqual([
      ["determinism", "insufficient-data"],
      ["gate-bypass", "insufficient-data"],
      ["token-usage", "insufficient-data"],
      ["success-rate", "insufficient-data"],
    ]);
  });
});

describe("rolloutAdvance", () => {
  it("walks 0 → 5 → 25 → 50 → 100, each after its dwell, recording the history", async () => {
    const { opts, clock, stateText } = await guard();
    expect(await rolloutAdvance(opts())).toMatchObject({ from: 0, to: 5, since: T0 });
    expect(JSON.parse(await stateText())).toEqual({ v: 1, stage: 5, since: T0, history: [{ at: T0, event: "advance", from: 0, to: 5 }] });

    clock.advance(72 * HOUR - 1);
    const early = await refused(rolloutAdvance(opts()));
    expect(early.reasons).toEqual([{ code: "dwell", message: "stage 5% has lasted 72.0 h of the 72.0 h required before 25%; 0.0 h remain" }]);
    expect((await rolloutStatus(opts())).dwell).toEqual({ requiredMs: 72 * HOUR, elapsedMs: 72 * HOUR - 1, remainingMs: 1 });
    clock.advance(1);
    expect(await rolloutAdvance(opts())).toMatchObject({ from: 5, to: 25 });

    clock.advance(167 * HOUR);
    expect((await refused(rolloutAdvance(opts()))).reasons[0]).toEqual({ code: "dwell", message: "stage 25% has lasted 167.0 h of the 168.0 h required before 50%; 1.0 h remain" });
    clock.advance(HOUR);
    expect(await rolloutAdvance(opts())).toMatchObject({ from: 25, to: 50 });
    expect(await rolloutAdvance(opts())).toMatchObject({ from: 50, to: 100 }); // no dwell configured before 100%
    const last = await refused(rolloutAdvance(opts()));
    expect(last.reasons).toEqual([{ code: "final-stage", message: "the rollout is at its last stage (100%)" }]);
    expect(last.message).toMatch(/^\[hybrid\] rollout advance refused:\n {2}- the rollout is at its last stage \(100%\) \[final-stage\]$/);
    const state = JSON.parse(await stateText()) as { history: { to: number }[] };
    expect(state.history.map((h) => h.to)).toEqual([5, 25, 50, 100]);
  });

  it("reads the dwell from the config (a LoadedConfig is fine too)", async () => {
    const loaded = await loadConfig({ cwd: await tempDir(), env: {}, file: undefined });
    const custom = { ...loaded, config: { ...loaded.config, rollout: { ...loaded.config.rollout, dwellHours: { "5": 2, "25": 1 } } } };
    const { opts, clock } = await guard({ config: custom });
    // Untracked, stage 0 has always been: its dwell is served.
    expect(await rolloutAdvance(opts())).toMatchObject({ to: 5 });
    clock.advance(HOUR - 1);
    expect((await refused(rolloutAdvance(opts()))).reasons[0]!.code).toBe("dwell");
    clock.advance(1);
    expect(await rolloutAdvance(opts())).toMatchObject({ to: 25 });
    expect(await rolloutAdvance(opts())).toMatchObject({ to: 50 }); // "50" is not in this map: no dwell
  });

  it("refuses while a run record of the stage is invalid or lacks a metric, and changes nothing", async () => {
    const { opts, clock, stateDir, stateText } = await guard({ records: [runRecord({ runId: "old", startedAt: T0 - HOUR })] });
    await rolloutAdvance(opts());
    // A bad line from before the stage does not count; one from the stage does, and so does garbage.
    const before = runRecord({ runId: "before-stage", startedAt: T0 - 1 }) as Record<string, unknown>;
    delete before.metrics;
    const lacking = runRecord({ runId: "lacking", startedAt: T0 + HOUR }) as unknown as { metrics: Record<string, unknown> };
    delete lacking.metrics.token_input;
    await appendFile(join(stateDir, "runs.jsonl"), `${JSON.stringify(before)}\n${JSON.stringify(lacking)}\nnot json at all\n`);
    await createJsonlRunStore({ dir: stateDir, redact: identity }).append(runRecord({ runId: "good", startedAt: T0 + 2 * HOUR }));
    clock.advance(72 * HOUR);
    const stateBefore = await stateText();
    const error = await refused(rolloutAdvance(opts()));
    expect(error.reasons).toEqual([{ code: "incomplete-telemetry", message: "2 of 3 run records of the stage are invalid (missing: token_input ×1)" }]);
    expect(await stateText()).toBe(stateBefore);
    const status = await rolloutStatus(opts());
    expect(status.telemetry).toMatchObject({ runs: 3, valid: 1, invalid: 2, complete: false, missingMetrics: { token_input: 1 } });
    expect(status.telemetry.problems.map((p) => [p.line, p.runId])).toEqual([
      [3, "lacking"],
      [4, undefined],
    ]);
  });

  it("refuses while a trigger trips or the kill switch is on, listing every reason", async () => {
    const bypass = runRecord({ runId: "bad", startedAt: T0 + HOUR, gates: [{ id: "G5", stage: "output", node: "n1", decision: "bypass" }] });
    const { opts, clock } = await guard();
    await rolloutAdvance(opts());
    clock.advance(2 * HOUR);
    const withBypass = { ...opts(), runStore: memoryStore([bypass]) };
    const error = await refused(rolloutAdvance(withBypass));
    expect(error.reasons.map((r) => r.code)).toEqual(["dwell", "trigger"]);
    expect(error.reasons[1]!.message).toBe("the gate-bypass trigger tripped: run bad: G5 bypassed at n1 (output)");
    await rolloutCheck(withBypass);
    clock.advance(100 * HOUR);
    const killed = await refused(rolloutAdvance(opts()));
    expect(killed.reasons.map((r) => r.code)).toEqual(["kill-switch"]);
    expect(killed.reasons[0]!.message).toMatch(/^the kill switch is engaged since 2025-03-01T14:00:00\.000Z \(gate-bypass trigger tripped: .*\); once resolved, release it with `hybrid rollout resume --reason "…"` \(rolloutResume from code\)$/);
  });

  it("lets only one of two concurrent advances through", async () => {
    const { opts, stateText } = await guard();
    const outcomes = await Promise.allSettled([rolloutAdvance(opts()), rolloutAdvance(opts())]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = outcomes.find((o) => o.status === "rejected")!;
    expect(isRolloutError(rejected.reason) && rejected.reason.reasons.map((r) => r.code)).toEqual(["dwell"]);
    expect(JSON.parse(await stateText())).toMatchObject({ stage: 5, history: [{ from: 0, to: 5 }] });
  });
});

describe("rolloutCheck", () => {
  const failing = (n: number) => Array.from({ length: n }, (_, i) => runRecord({ runId: `f-${i}`, status: "failed", startedAt: T0 + HOUR + i }));
  const succeeding = (n: number) => Array.from({ length: n }, (_, i) => runRecord({ runId: `s-${i}`, startedAt: T0 + HOUR + 100 + i }));

  it("engages the kill switch and writes a redacted incident bundle when a trigger trips", async () => {
    const { opts, clock, stateDir } = await guard();
    await rolloutAdvance(opts());
    clock.advance(3 * HOUR);
    const records = [...succeeding(95), ...failing(4), runRecord({ runId: "run-with-secret-token", status: "failed", startedAt: T0 + 2 * HOUR })];
    const redact = (text: string) => text.replace(/secret-token/g, "[REDACTED]");
    const result = await rolloutCheck({ ...opts({ redact }), runStore: memoryStore(records) });
    expect(result).toMatchObject({ tripped: true, killSwitch: true, alreadyEngaged: false });
    expect(result.incidents).toHaveLength(1);
    const incident = result.incidents[0]!;
    expect(incident.file).toBe(join(stateDir, "incidents", "2025-03-01T15-00-00-000Z-success-rate.json"));
    const onDisk = JSON.parse(await readFile(incident.file, "utf8")) as Record<string, unknown>;
    expect({ ...onDisk, file: incident.file }).toEqual(incident);
    expect(onDisk).toMatchObject({
      v: 1,
      at: T0 + 3 * HOUR,
      atIso: "2025-03-01T15:00:00.000Z",
      trigger: "success-rate",
      value: 95,
      threshold: 99,
      sampleSize: 100,
      minSample: 100,
      stage: 5,
      window: { from: T0, to: T0 + 3 * HOUR },
      summary: { runs: { hybrid: 100, sequential: 0 }, hybridByStatus: { succeeded: 95, failed: 5 }, values: { "success-rate": 95 } },
    });
    expect(incident.failedRunIds).toEqual(["f-0", "f-1", "f-2", "f-3", "run-with-[REDACTED]"]);
    expect(JSON.stringify(onDisk)).not.toContain("secret-token");
    const state = JSON.parse(await readFile(join(stateDir, "rollout.json"), "utf8")) as Record<string, unknown>;
    expect(state.killSwitch).toMatchObject({ at: T0 + 3 * HOUR, trigger: "success-rate", incident: "incidents/2025-03-01T15-00-00-000Z-success-rate.json" });
    expect(state.history).toEqual([
      { at: T0, event: "advance", from: 0, to: 5 },
      { at: T0 + 3 * HOUR, event: "kill-switch", reason: "success-rate trigger tripped: 95 of 100 hybrid runs succeeded (95.00%)", incident: "incidents/2025-03-01T15-00-00-000Z-success-rate.json" },
    ]);
    // Every new run, and the rest of running ones, now go sequential.
    const loaded = await loadConfig({ cwd: stateDir, env: {}, stateDir, file: undefined });
    expect(loaded.config.flags.kill_switch).toBe(true);
    expect(selectStrategy({ ...loaded.config, flags: { ...loaded.config.flags, hybrid_orchestration_enabled: true } }, { id: "w" }).reason).toBe("kill-switch");
    // A second check writes nothing more.
    const again = await rolloutCheck({ ...opts({ redact }), runStore: memoryStore(records) });
    expect(again).toMatchObject({ tripped: true, killSwitch: true, alreadyEngaged: true, incidents: [] });
    expect(await readdir(join(stateDir, "incidents"))).toHaveLength(1);
  });

  it("writes one bundle per tripped trigger, engages the kill switch even before any advance, and leaves no temp files", async () => {
    const seeded = { seeded: true, runnerSeed: 1, workflowContentHash: "c" };
    const records = [
      runRecord({ ...seeded, runId: "ref", startedAt: T0 - 2 * HOUR }),
      runRecord({ ...seeded, runId: "drift", startedAt: T0 - HOUR, planHash: "p2", gates: [{ id: "G4", stage: "dispatch", decision: "bypass" }] }),
    ];
    const { opts, stateDir } = await guard({ records });
    const result = await rolloutCheck(opts());
    expect(result.incidents.map((i) => i.trigger)).toEqual(["determinism", "gate-bypass"]);
    expect(result.status).toMatchObject({ tracked: true, killSwitch: { trigger: "determinism" } });
    expect(JSON.parse(await readFile(join(stateDir, "rollout.json"), "utf8"))).toMatchObject({ v: 1, stage: 0, since: T0 });
    expect((await readdir(stateDir, { recursive: true })).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    // The same millisecond again (after a resume): names do not collide.
    // Resumed with a clock before both runs, so they are in the new window and trip again at once.
    await rolloutResume({ stateDir, clock: () => T0 - 3 * HOUR, reason: "fixed", redact: identity });
    const second = await rolloutCheck(opts());
    expect(second.incidents.map((i) => i.file.slice(stateDir.length))).toEqual([
      "/incidents/2025-03-01T12-00-00-000Z-determinism-2.json",
      "/incidents/2025-03-01T12-00-00-000Z-gate-bypass-2.json",
    ]);
  });

  it("writes nothing when no trigger trips", async () => {
    const { opts, stateDir } = await guard({ records: [runRecord({ runId: "fine", startedAt: T0 - HOUR })] });
    const result = await rolloutCheck(opts());
    expect(result).toMatchObject({ tripped: false, killSwitch: false, incidents: [] });
    expect((await readdir(stateDir)).filter((name) => name.startsWith("rollout.json") || name === "incidents")).toEqual([]);
  });
});

describe("rolloutResume", () => {
  it("releases the kill switch, keeps the stage and restarts its dwell", async () => {
    const { opts, clock, stateDir } = await guard();
    await rolloutAdvance(opts());
    const bypass = runRecord({ runId: "b", startedAt: T0 + 1, gates: [{ id: "G5", stage: "output", decision: "bypass" }] });
    clock.advance(HOUR);
    expect(await rolloutCheck({ ...opts(), runStore: memoryStore([bypass]) })).toMatchObject({ killSwitch: true });
    clock.advance(10 * HOUR);
    const state = await rolloutResume({ stateDir, clock: clock.now, reason: "gate G5 re-enabled", redact: identity });
    expect(state).toMatchObject({ stage: 5, since: T0 + 11 * HOUR });
    expect(state.killSwitch).toBeUndefined();
    expect(state.history.at(-1)).toEqual({ at: T0 + 11 * HOUR, event: "resume", reason: "gate G5 re-enabled" });
    // The bypass is before the new window, so it no longer blocks.
    expect((await rolloutStatus({ ...opts(), runStore: memoryStore([bypass]) })).blockers.map((b) => b.code)).toEqual(["dwell"]);
    const notKilled = await refused(rolloutResume({ stateDir, clock: clock.now, reason: "again" }));
    expect(notKilled.reasons).toEqual([{ code: "not-killed", message: "the kill switch is not engaged" }]);
  });
});

describe("options", () => {
  it("are validated into a ConfigError naming each option", async () => {
    const stateDir = await tempDir();
    const bad = await rolloutStatus({ stateDir, config: {}, runStore: {} as never }).catch((e: unknown) => e);
    expect(isConfigError(bad) && bad.problems.map((p) => p.path)).toEqual(["options.runStore"]);
    const badConfig = await rolloutStatus({ stateDir, config: { rollout: { dwellHours: { "25": -1 } } }, runStore: memoryStore([]) }).catch((e: unknown) => e);
    expect(isConfigError(badConfig) && badConfig.problems.map((p) => p.path)).toEqual(["rollout.dwellHours.25"]);
    const badResume = await rolloutResume({ stateDir, reason: "" }).catch((e: unknown) => e);
    expect(isConfigError(badResume) && badResume.problems.map((p) => p.path)).toEqual(["options.reason"]);
  });
});
