// planReplay over journals written by several processes, with plan edits, forced and retryFailed
// resumes, failures and kills at any event (the model and its oracle are in replay-model.ts).
// replay.slow.test.ts runs the same property with more and bigger histories.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestOutput, planReplay } from "@hybrid/resilience";
import type { JournalEventOf, ReplayResult } from "@hybrid/resilience";
import { replayHistoryProperty } from "./replay-model.js";
import type { HistoryShape, Replay } from "./replay-model.js";

const shape: HistoryShape = { maxInitialNodes: 6, maxProcesses: 5, maxEditsPerProcess: 2 };
// A history is hundreds of draws: shrinking one takes minutes, so a failure is reported as found;
// the seed and path fast-check prints replay it exactly (pass them as { seed, path } to fc.assert).
const RUN = { seed: 20_261_129, endOnFailure: true };

// The rule before issue 9: a journaled output is reused whenever its node's own spec hash is unchanged.
const specHashOnly: Replay = (plan, events, options) => {
  const real = planReplay(plan, events, options);
  const latest = new Map<string, JournalEventOf<"node.succeeded">>();
  for (const event of events) if (event.type === "node.succeeded") latest.set(event.nodeId, event);
  const specOf = new Map(plan.nodes.map((node) => [node.id, node.specHash]));
  const stale = real.toRun.filter((run) => latest.get(run.nodeId)?.specHash === specOf.get(run.nodeId));
  const result: ReplayResult = {
    ...real,
    completed: [
      ...real.completed,
      ...stale.map((run) => {
        const done = latest.get(run.nodeId)!;
        return { nodeId: run.nodeId, agent: done.agent, attempt: done.attempt, output: done.output, outputDigest: digestOutput(done.output), idempotencyKey: undefined, handoffUrl: undefined };
      }),
    ],
    toRun: real.toRun.filter((run) => !stale.includes(run)),
  };
  return result;
};

// The in-flight bug fixed in c1bc3f0: a node with an older, discarded output re-runs under a new key.
const freshKeyForChangedNodes: Replay = (plan, events, options) => {
  const real = planReplay(plan, events, options);
  const hadOutput = new Set(events.filter((event) => event.type === "node.succeeded").map((event) => (event as { nodeId: string }).nodeId));
  const toRun = real.toRun.map((run) => (hadOutput.has(run.nodeId) ? { ...run, reason: "changed" as const, idempotencyKey: undefined } : run));
  return { ...real, toRun, inFlight: toRun.filter((run) => run.reason === "in-flight") };
};

describe("planReplay over multi-process histories", () => {
  it("reuses exactly the outputs produced from the current versions of all their ancestors (closed under dependencies), lets only current failures stand, and lets a clean resume finish", () => {
    fc.assert(replayHistoryProperty(shape), { ...RUN, numRuns: 100 });
  });

  it("can fail: it catches the pre-issue-9 rule (reuse by the node's own spec hash) and a fresh key for an unfinished dispatch", () => {
    for (const mutant of [specHashOnly, freshKeyForChangedNodes]) {
      const details = fc.check(replayHistoryProperty(shape, mutant), { ...RUN, numRuns: 100 });
      expect(details.failed).toBe(true);
    }
  });
});
