// Shared by the config, flags and rollout tests: temp dirs, run records and OpenFeature providers.
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Provider, ResolutionDetails } from "@openfeature/server-sdk";
import { REQUIRED_METRICS, RunRecordSchema, type RunRecord, type RunRecordInput } from "@hybrid/telemetry";
import { afterEach, expect } from "vitest";

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temp dir, removed after the test. */
export async function tempDir(prefix = "hybrid-cfg-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Every file under `dir` with its size and mtime, to prove that nothing was written. */
export async function listing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(entries.sort().map(async (name) => `${name} ${(await stat(join(dir, name))).mtimeMs}`));
}

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);

/** A valid run record (checked against telemetry's schema), one node, every metric present. */
export function runRecord(overrides: Omit<Partial<RunRecordInput>, "metrics"> & { metrics?: Partial<RunRecordInput["metrics"]> } = {}): RunRecord {
  const { metrics, ...rest } = overrides;
  const startedAt = rest.startedAt ?? T0;
  const base: RunRecordInput = {
    schemaVersion: 1,
    runId: "run-1",
    workflowId: "wf-a",
    taskType: "feature",
    mode: "hybrid",
    startedAt,
    endedAt: startedAt + 60_000,
    status: "succeeded",
    flags: {},
    strategyReason: "hybrid",
    planHash: "plan-1",
    workflowContentHash: "content-a",
    seeded: false,
    nodes: [{ id: "n1", agent: "dev", dependsOn: [], attempts: 1, status: "succeeded", busyMs: 1000, inputTokens: 100, promptTokens: 100, outputTokens: 10, baselineTokens: 100, cacheHits: { l2: 0, l3: 0 } }],
    dispatchOrder: ["n1"],
    criticalPath: ["n1"],
    waves: [],
    gates: [],
    breakers: [],
    redactions: {},
    droppedEvents: 0,
    metrics: Object.assign(Object.fromEntries(REQUIRED_METRICS.map((name) => [name, 0])), { token_input: 1000, duration_ms: 60_000, node_count: 1 }, metrics),
  } as RunRecordInput;
  return RunRecordSchema.parse({ ...base, ...rest });
}

type Answer = (flag: string) => Promise<ResolutionDetails<boolean | number>>;

/** A provider whose every evaluation goes through `answer` (throw to fail, never resolve to hang). */
export function scriptedProvider(name: string, answer: Answer): Provider {
  const resolve = (flag: string) => answer(flag);
  return {
    metadata: { name },
    runsOn: "server",
    resolveBooleanEvaluation: resolve as Provider["resolveBooleanEvaluation"],
    resolveNumberEvaluation: resolve as Provider["resolveNumberEvaluation"],
    resolveStringEvaluation: () => Promise.reject(new Error("not used")),
    resolveObjectEvaluation: () => Promise.reject(new Error("not used")),
  };
}

/** What `promise` rejects with; fails the test when it resolves (the async twin of `thrown`). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (error: unknown) => error,
  );
}
