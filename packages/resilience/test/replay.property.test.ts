import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestOutput, isPlanMismatchError, planReplay } from "@hybrid/resilience";
import type { JournalEvent, ReplayPlanInput } from "@hybrid/resilience";

// A random DAG (edges only to lower indexes) and a random, realistic execution of it: each node is
// dispatched only after its dependencies succeeded, may retry, and ends succeeded, failed, in flight
// or not reached. The journal is then cut at a random point, as a crash would.
type Outcome = "succeed" | "fail" | "in-flight" | "skip";
interface Scenario {
  plan: ReplayPlanInput;
  events: JournalEvent[];
}

const scenarioArb = fc
  .integer({ min: 1, max: 9 })
  .chain((n) =>
    fc.record({
      deps: fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j), { maxLength: Math.min(3, i) }))),
      outcomes: fc.array(fc.constantFrom<Outcome>("succeed", "succeed", "fail", "in-flight", "skip"), { minLength: n, maxLength: n }),
      tries: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
      cut: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  )
  .map(({ deps, outcomes, tries, cut }): Scenario => {
    const runId = "run-p";
    const nodes = deps.map((d, i) => ({ id: `n${i}`, specHash: `s${i}`, dependsOn: d.map((j) => `n${j}`) }));
    const plan = { planHash: "plan-a", nodes };
    const events: JournalEvent[] = [
      {
        type: "run.started",
        runId,
        at: 0,
        planHash: "plan-a",
        workflowId: "wf",
        nodes: nodes.map((node) => ({ ...node, agent: "agent", priority: "implementation", wave: 0 })),
      },
    ];
    const status = new Map<string, "ok" | "bad" | "none">();
    let at = 1;
    nodes.forEach((node, i) => {
      const depStates = node.dependsOn.map((dep) => status.get(dep));
      if (depStates.some((s) => s === "bad")) {
        const blocker = node.dependsOn.find((dep) => status.get(dep) === "bad")!;
        events.push({ type: "node.blocked", runId, at: at++, nodeId: node.id, agent: "agent", blockedBy: blocker });
        status.set(node.id, "bad");
        return;
      }
      if (depStates.some((s) => s !== "ok") || outcomes[i] === "skip") {
        status.set(node.id, "none");
        return;
      }
      const key = `${runId}:${node.id}`;
      const attempts = tries[i]!;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        events.push({ type: "node.dispatched", runId, at: at++, nodeId: node.id, agent: "agent", attempt, idempotencyKey: key });
        if (attempt < attempts) {
          events.push({ type: "node.failed", runId, at: at++, nodeId: node.id, agent: "agent", attempt, final: false, error: { message: "flaky" } });
          events.push({ type: "node.retrying", runId, at: at++, nodeId: node.id, agent: "agent", attempt, nextAttempt: attempt + 1, delayMs: 5, error: "flaky" });
        }
      }
      if (outcomes[i] === "succeed") {
        const output = `out-${node.id}`;
        events.push({ type: "node.succeeded", runId, at: at++, nodeId: node.id, agent: "agent", attempt: attempts, output, outputDigest: digestOutput(output), tokens: { input: 1, output: 1 }, durationMs: 1 });
        status.set(node.id, "ok");
      } else if (outcomes[i] === "fail") {
        events.push({ type: "node.failed", runId, at: at++, nodeId: node.id, agent: "agent", attempt: attempts, final: true, error: { message: "nope" } });
        status.set(node.id, "bad");
      } else status.set(node.id, "none");
    });
    return { plan, events: events.slice(0, 1 + Math.floor(cut * events.length)) };
  });

// What the journal says, computed independently of the implementation.
function facts(events: JournalEvent[]) {
  const succeeded = new Map<string, string>();
  const failed = new Set<string>();
  const last = new Map<string, JournalEvent>();
  const maxAttempt = new Map<string, number>();
  const key = new Map<string, string>();
  for (const event of events) {
    const id = event.nodeId as string | undefined;
    if (!id) continue;
    last.set(id, event);
    if (typeof event.attempt === "number") maxAttempt.set(id, Math.max(maxAttempt.get(id) ?? 0, event.attempt));
    if (event.type === "node.dispatched") key.set(id, event.idempotencyKey as string);
    if (event.type === "node.succeeded") succeeded.set(id, event.output as string);
    if (event.type === "node.failed" && event.final) failed.add(id);
  }
  const inFlight = [...last].filter(([, e]) => ["node.dispatched", "node.retrying", "node.timed-out"].includes(e.type) || (e.type === "node.failed" && !e.final)).map(([id]) => id);
  return { succeeded, failed, inFlight, maxAttempt, key };
}

function descendants(plan: ReplayPlanInput, roots: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const node of plan.nodes) if (node.dependsOn.some((dep) => roots.has(dep) || out.has(dep))) out.add(node.id);
  return out;
}

const ids = (list: Array<{ nodeId: string }>) => list.map((entry) => entry.nodeId);

describe("planReplay properties", () => {
  it("never re-runs a completed node, and hands back its output and digest", () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), ({ plan, events }, retryFailed) => {
        const result = planReplay(plan, events, { retryFailed });
        const { succeeded } = facts(events);
        expect(ids(result.completed).sort()).toEqual([...succeeded.keys()].sort());
        for (const done of result.completed) {
          expect(done.output).toBe(succeeded.get(done.nodeId));
          expect(done.outputDigest).toBe(digestOutput(done.output));
        }
        for (const run of result.toRun) expect(succeeded.has(run.nodeId)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("places every plan node in exactly one bucket", () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), ({ plan, events }, retryFailed) => {
        const result = planReplay(plan, events, { retryFailed });
        const all = [...ids(result.completed), ...ids(result.toRun), ...ids(result.failed), ...ids(result.blocked)];
        expect(all.sort()).toEqual(plan.nodes.map((node) => node.id).sort());
      }),
      { numRuns: 300 },
    );
  });

  it("re-dispatches in-flight nodes with the same idempotency key and the next attempt", () => {
    fc.assert(
      fc.property(scenarioArb, ({ plan, events }) => {
        const result = planReplay(plan, events);
        const { inFlight, maxAttempt, key } = facts(events);
        expect(ids(result.inFlight).sort()).toEqual([...inFlight].sort());
        for (const run of result.inFlight) {
          expect(run.reason).toBe("in-flight");
          expect(run.idempotencyKey).toBe(key.get(run.nodeId));
          expect(run.attempt).toBe(maxAttempt.get(run.nodeId)! + 1);
          expect(result.toRun).toContainEqual(run);
        }
        for (const run of result.toRun) expect(run.attempt).toBe((maxAttempt.get(run.nodeId) ?? 0) + 1);
        for (const node of plan.nodes) expect(result.attempts[node.id]).toBe(maxAttempt.get(node.id) ?? 0);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps failed nodes failed and their descendants blocked, unless retryFailed runs them again", () => {
    fc.assert(
      fc.property(scenarioArb, ({ plan, events }) => {
        const { failed, succeeded } = facts(events);
        const downstream = descendants(plan, failed);
        const plain = planReplay(plan, events);
        expect(ids(plain.failed).sort()).toEqual([...failed].sort());
        expect(plain.blocked.map((b) => b.nodeId).sort()).toEqual([...downstream].filter((id) => !succeeded.has(id)).sort());
        for (const entry of plain.blocked) expect(failed.has(entry.blockedBy)).toBe(true);
        // Nothing to run depends on a node that cannot finish.
        const stuck = new Set([...ids(plain.failed), ...plain.blocked.map((b) => b.nodeId)]);
        for (const run of plain.toRun) {
          const node = plan.nodes.find((n) => n.id === run.nodeId)!;
          expect(node.dependsOn.some((dep) => stuck.has(dep))).toBe(false);
        }

        const retried = planReplay(plan, events, { retryFailed: true });
        expect(retried.failed).toEqual([]);
        expect(retried.blocked).toEqual([]);
        expect(ids(retried.completed)).toEqual(ids(plain.completed));
        for (const id of failed) expect(retried.toRun.find((r) => r.nodeId === id)?.reason).toBe("retry-failed");
        for (const id of downstream) if (!succeeded.has(id)) expect(ids(retried.toRun)).toContain(id);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a changed plan unless forced; forced keeps only outputs of unchanged nodes and ancestors", () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), ({ plan, events }, picks) => {
        const changedIds = new Set(picks.map((p) => plan.nodes[p % plan.nodes.length]!.id));
        const next: ReplayPlanInput = {
          planHash: "plan-b",
          nodes: plan.nodes.map((node) => (changedIds.has(node.id) ? { ...node, specHash: `${node.specHash}-v2` } : node)),
        };
        const hasStart = events.some((e) => e.type === "run.started");
        if (hasStart) {
          let error: unknown;
          try {
            planReplay(next, events);
          } catch (e) {
            error = e;
          }
          expect(isPlanMismatchError(error)).toBe(true);
          expect(error).toMatchObject({ journalPlanHash: "plan-a", currentPlanHash: "plan-b", difference: { changed: [...changedIds].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))) } });
        }
        const forced = planReplay(next, events, { force: true });
        const { succeeded } = facts(events);
        const tainted = new Set([...changedIds, ...descendants(plan, changedIds)]);
        expect(ids(forced.completed).sort()).toEqual([...succeeded.keys()].filter((id) => !tainted.has(id)).sort());
        expect(forced.discarded.sort()).toEqual([...succeeded.keys()].filter((id) => tainted.has(id)).sort());
        for (const id of forced.discarded) expect(forced.toRun.find((r) => r.nodeId === id)?.reason).toBe("changed");
        expect(forced.forced).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
