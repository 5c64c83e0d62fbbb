// A model of a run's life across processes, for the replay property tests (issue 9 item 1).
//
// A random DAG is run by a sequence of simulated processes. Between processes the plan may be edited
// (a node's spec changed or reverted, nodes added or removed, edges added). Each process resumes as a
// dispatcher does: it calls planReplay (with `force` when the plan changed, sometimes `retryFailed`),
// journals `run.started` / `run.resumed`, then runs nodes of `toRun` in a valid order — each attempt
// journaled as `node.dispatched` and its outcome, with `inputs` = the digests of the outputs it really
// consumed and an output that embeds a fresh nonce. Attempts may fail for good or transiently, and the
// process may be stopped, or killed at any event.
//
// The oracle does not look at planReplay or parse the journal: the test keeps its own record of every
// output it produced (for which node, from which spec, consuming which outputs) and of each node's
// latest lifecycle step, and derives from that what a resume must reuse, let stand, block and run.
import fc from "fast-check";
import { expect } from "vitest";
import { PlanMismatchError, digestOutput, parseJournalEvent, planReplay } from "@hybrid/resilience";
import type { JournalEvent, ReplayResult } from "@hybrid/resilience";
import { inputsOf, planOf } from "./helpers.js";
import type { SpecNode } from "./helpers.js";

/** How big the generated histories get. */
export interface HistoryShape {
  maxInitialNodes: number;
  maxProcesses: number;
  maxEditsPerProcess: number;
}

type Gen = fc.GeneratorValue;
/** planReplay, or a deliberately wrong variant of it (to show the property catches it). */
export type Replay = typeof planReplay;
type Consumed = Record<string, string>;

/** What the test knows about an output it produced. */
interface Produced {
  nodeId: string;
  specHash: string;
  consumed: Consumed;
}

/** What the test knows about a node from the events it managed to journal. */
interface NodeFacts {
  maxAttempt: number;
  /** The node's latest lifecycle step in the journal. */
  step?: "dispatched" | "retrying" | "succeeded" | "failed" | "blocked";
  /** The latest output produced for the node (journaled `node.succeeded`). */
  lastOutput?: string;
  lastDispatch?: { specHash: string; consumed: Consumed; key: string };
  lastFailure?: { specHash: string; consumed: Consumed; index: number };
}

class Killed extends Error {}

const RUN_ID = "run-prop";
const agentOf = (id: string): string => `agent-${id}`;

class History {
  readonly events: JournalEvent[] = [];
  readonly produced = new Map<string, Produced>();
  readonly facts = new Map<string, NodeFacts>();
  /** Index of the last journaled `run.resumed` with retryFailed (-1: none). */
  lastRetryFailedResume = -1;
  journaledPlan: { planHash: string; ids: string[] } | undefined;
  budget = Number.POSITIVE_INFINITY;
  private nonce = 0;
  private at = 1;

  factsOf(id: string): NodeFacts {
    let found = this.facts.get(id);
    if (!found) {
      found = { maxAttempt: 0 };
      this.facts.set(id, found);
    }
    return found;
  }

  /** Journals one event (validated like a store does), then records what it means: unless the process is killed first. */
  append(event: Record<string, unknown>, record: (index: number) => void = () => undefined): void {
    if (this.budget <= 0) throw new Killed();
    this.budget -= 1;
    this.events.push(parseJournalEvent({ runId: RUN_ID, at: this.at++, ...event }));
    record(this.events.length - 1);
  }

  freshOutput(nodeId: string): string {
    this.nonce += 1;
    return `${nodeId}#${this.nonce}`;
  }
}

/** The plan under edit: nodes in creation order; a node depends only on nodes created before it. */
class EditablePlan {
  private readonly nodes = new Map<string, { id: string; version: number; dependsOn: string[] }>();
  private created = 0;

  constructor(private readonly g: Gen) {}

  ids(): string[] {
    return [...this.nodes.keys()];
  }

  current(): ReturnType<typeof planOf> {
    return planOf([...this.nodes.values()].map((node) => ({ id: node.id, specHash: `${node.id}@v${node.version}`, dependsOn: [...node.dependsOn] })));
  }

  add(): void {
    const ids = this.ids();
    const dependsOn = this.g(fc.subarray, ids, { maxLength: Math.min(3, ids.length) });
    const id = `n${this.created++}`;
    this.nodes.set(id, { id, version: 0, dependsOn });
  }

  edit(): void {
    const ids = this.ids();
    const kind = this.g(fc.constantFrom, "spec", "spec", "add", "remove", "rewire");
    if (kind === "add" || ids.length === 0) return this.add();
    const node = this.nodes.get(ids[this.g(fc.integer, { min: 0, max: ids.length - 1 })]!)!;
    if (kind === "spec") {
      // Versions are few, so a spec is sometimes reverted to one the journal already has outputs for.
      node.version = this.g(fc.integer, { min: 0, max: 2 });
    } else if (kind === "remove") {
      this.nodes.delete(node.id);
      for (const other of this.nodes.values()) {
        if (!other.dependsOn.includes(node.id)) continue;
        other.dependsOn = other.dependsOn.filter((dep) => dep !== node.id);
        // Sometimes the dependent's spec hash covers its edges, sometimes not: replay must cope either way.
        if (this.g(fc.boolean)) other.version += 1;
      }
    } else {
      const earlier = ids.slice(0, ids.indexOf(node.id)).filter((id) => !node.dependsOn.includes(id));
      if (earlier.length === 0) return;
      node.dependsOn.push(earlier[this.g(fc.integer, { min: 0, max: earlier.length - 1 })]!);
      if (this.g(fc.boolean)) node.version += 1;
    }
  }
}

function sameConsumed(consumed: Consumed, dependsOn: readonly string[], kept: ReadonlyMap<string, string>): boolean {
  const keys = Object.keys(consumed).sort();
  const deps = [...dependsOn].sort();
  return keys.length === deps.length && keys.every((key, i) => key === deps[i]) && deps.every((dep) => kept.has(dep) && consumed[dep] === kept.get(dep));
}

/** What a resume must do, derived from the test's own records (never from planReplay). */
function oracle(plan: { nodes: SpecNode[] }, history: History, retryFailed: boolean) {
  const kept = new Map<string, string>();
  const standing = new Set<string>();
  const blockers = new Map<string, string>();
  // Plan nodes are in creation order, which is a dependency order.
  for (const node of plan.nodes) {
    const facts = history.facts.get(node.id);
    const output = facts?.lastOutput;
    const made = output === undefined ? undefined : history.produced.get(output)!;
    if (made && made.specHash === node.specHash && sameConsumed(made.consumed, node.dependsOn, kept)) {
      kept.set(node.id, output!);
      continue;
    }
    const failure = facts?.lastFailure;
    if (
      facts?.step === "failed" &&
      !retryFailed &&
      failure !== undefined &&
      failure.index > history.lastRetryFailedResume &&
      failure.specHash === node.specHash &&
      sameConsumed(failure.consumed, node.dependsOn, kept)
    ) {
      standing.add(node.id);
      continue;
    }
    // Blocked: through its dependencies in declaration order, by the failure that blocks the first blocked one.
    for (const dep of node.dependsOn) {
      const blocker = standing.has(dep) ? dep : blockers.get(dep);
      if (blocker !== undefined) {
        blockers.set(node.id, blocker);
        break;
      }
    }
  }
  const inFlight = new Map<string, string>();
  for (const node of plan.nodes) {
    const facts = history.facts.get(node.id);
    const dispatch = facts?.lastDispatch;
    if (kept.has(node.id) || standing.has(node.id) || blockers.has(node.id) || dispatch === undefined) continue;
    if ((facts!.step === "dispatched" || facts!.step === "retrying") && dispatch.specHash === node.specHash && sameConsumed(dispatch.consumed, node.dependsOn, kept)) {
      inFlight.set(node.id, dispatch.key);
    }
  }
  return { kept, standing, blockers, inFlight };
}

/** Checks a replay against the oracle and against the lineage of every reused output. */
function check(result: ReplayResult, plan: ReturnType<typeof planOf>, history: History, retryFailed: boolean): void {
  const specs = new Map(plan.nodes.map((node) => [node.id, node]));
  const reused = new Map(result.completed.map((done) => [done.nodeId, done.output]));

  // The invariant of issue 9 item 1, checked on the test's own record of which output consumed which:
  // (i) the reused set is closed under dependencies; (ii) every reused output was produced from the
  // current spec of its node and from the reused outputs of its dependencies, all the way up.
  const current = new Map<string, boolean>();
  const lineageIsCurrent = (nodeId: string, output: string): boolean => {
    const key = `${nodeId}\u0000${output}`;
    const known = current.get(key);
    if (known !== undefined) return known;
    const made = history.produced.get(output);
    const node = specs.get(nodeId);
    const ok =
      made !== undefined &&
      node !== undefined &&
      made.nodeId === nodeId &&
      made.specHash === node.specHash &&
      Object.keys(made.consumed).length === node.dependsOn.length &&
      node.dependsOn.every((dep) => reused.get(dep) !== undefined && made.consumed[dep] === reused.get(dep) && lineageIsCurrent(dep, made.consumed[dep]!));
    current.set(key, ok);
    return ok;
  };
  for (const done of result.completed) {
    for (const dep of specs.get(done.nodeId)!.dependsOn) expect(reused.has(dep), `${done.nodeId} reused without its dependency ${dep}`).toBe(true);
    expect(lineageIsCurrent(done.nodeId, done.output), `${done.nodeId}'s output ${done.output} was not produced from the current versions of its ancestors`).toBe(true);
    expect(done.outputDigest).toBe(digestOutput(done.output));
  }

  // Exactly what the oracle says: nothing stale kept, nothing valid thrown away.
  const expected = oracle(plan, history, retryFailed);
  expect(Object.fromEntries(reused)).toEqual(Object.fromEntries(expected.kept));
  expect(result.failed.map((failure) => failure.nodeId).sort()).toEqual([...expected.standing].sort());
  expect(Object.fromEntries(result.blocked.map((entry) => [entry.nodeId, entry.blockedBy]))).toEqual(Object.fromEntries(expected.blockers));
  const rest = plan.nodes.map((node) => node.id).filter((id) => !expected.kept.has(id) && !expected.standing.has(id) && !expected.blockers.has(id));
  expect(result.toRun.map((run) => run.nodeId).sort()).toEqual(rest.sort());
  expect(result.discarded.sort()).toEqual(plan.nodes.filter((node) => history.facts.get(node.id)?.lastOutput !== undefined && !expected.kept.has(node.id)).map((node) => node.id).sort());

  // toRun is in dependency order, with the next attempt number, and in-flight dispatches keep their key.
  const before = new Set(reused.keys());
  for (const run of result.toRun) {
    for (const dep of specs.get(run.nodeId)!.dependsOn) expect(before.has(dep), `${run.nodeId} listed before its dependency ${dep}`).toBe(true);
    before.add(run.nodeId);
    const facts = history.facts.get(run.nodeId);
    expect(run.attempt).toBe((facts?.maxAttempt ?? 0) + 1);
    expect(run.reason === "in-flight").toBe(expected.inFlight.has(run.nodeId));
    expect(run.idempotencyKey).toBe(expected.inFlight.get(run.nodeId));
  }
  expect(result.inFlight.map((run) => run.nodeId).sort()).toEqual([...expected.inFlight.keys()].sort());
  for (const node of plan.nodes) expect(result.attempts.get(node.id)).toBe(history.facts.get(node.id)?.maxAttempt ?? 0);
  expect(result.removed.sort()).toEqual((history.journaledPlan?.ids ?? []).filter((id) => !specs.has(id)).sort());
}

interface ProcessOptions {
  failPercent: number;
  retryFailed: boolean;
  forced: boolean;
  mayStop: boolean;
}

/** One process: journal the (re)start, then run ready nodes of `toRun` until done, stopped or killed. */
function runProcess(g: Gen, history: History, plan: ReturnType<typeof planOf>, replay: ReplayResult, options: ProcessOptions): void {
  const percent = (p: number): boolean => g(fc.integer, { min: 0, max: 99 }) < p;
  const journalNodes = plan.nodes.map((node) => ({ id: node.id, agent: agentOf(node.id), priority: "implementation", wave: 0, dependsOn: node.dependsOn, specHash: node.specHash }));
  const remember = (index: number): void => {
    history.journaledPlan = { planHash: plan.planHash, ids: plan.nodes.map((node) => node.id) };
    if (options.retryFailed && history.events[index]!.type === "run.resumed") history.lastRetryFailedResume = index;
  };
  if (history.events.length === 0) {
    history.append({ type: "run.started", planHash: plan.planHash, workflowId: "wf", mode: "eager", seed: 1, nodes: journalNodes, breakers: {} }, remember);
  } else {
    history.append({ type: "run.resumed", planHash: plan.planHash, workflowId: "wf", forced: options.forced, retryFailed: options.retryFailed, mode: "eager", nodes: journalNodes, breakers: {} }, remember);
  }

  const specs = new Map(plan.nodes.map((node) => [node.id, node]));
  const outputs = new Map(replay.completed.map((done) => [done.nodeId, done.output]));
  const pending = new Map(replay.toRun.map((run) => [run.nodeId, run]));
  const failedNow = new Set<string>();
  const blockerOf = new Map<string, string>();
  for (;;) {
    // A dispatcher blocks what can no longer run: nodes behind a failure of this process.
    for (const [id] of pending) {
      const dep = specs.get(id)!.dependsOn.find((d) => failedNow.has(d) || blockerOf.has(d));
      if (dep === undefined) continue;
      const blocker = failedNow.has(dep) ? dep : blockerOf.get(dep)!;
      history.append({ type: "node.blocked", nodeId: id, agent: agentOf(id), blockedBy: blocker }, () => (history.factsOf(id).step = "blocked"));
      blockerOf.set(id, blocker);
      pending.delete(id);
    }
    const ready = [...pending.values()].filter((run) => specs.get(run.nodeId)!.dependsOn.every((dep) => outputs.has(dep)));
    if (ready.length === 0) break;
    if (options.mayStop && percent(5)) {
      history.append({ type: "run.completed", status: "aborted", counts: { total: plan.nodes.length, succeeded: outputs.size, failed: failedNow.size, blocked: blockerOf.size, skipped: pending.size } });
      return;
    }
    const run = ready[g(fc.integer, { min: 0, max: ready.length - 1 })]!;
    pending.delete(run.nodeId);
    const node = specs.get(run.nodeId)!;
    const consumed: Consumed = Object.fromEntries(node.dependsOn.map((dep) => [dep, outputs.get(dep)!]));
    const inputs = inputsOf(consumed);
    const key = run.idempotencyKey ?? `${RUN_ID}:${node.id}:${node.specHash}:${run.attempt}`;
    const base = { nodeId: node.id, agent: agentOf(node.id) };
    for (let attempt = run.attempt, transient = 0; ; attempt++) {
      history.append({ type: "node.dispatched", ...base, priority: "implementation", wave: 0, attempt, idempotencyKey: key, specHash: node.specHash, inputs }, () => {
        const facts = history.factsOf(node.id);
        facts.maxAttempt = Math.max(facts.maxAttempt, attempt);
        facts.step = "dispatched";
        facts.lastDispatch = { specHash: node.specHash, consumed, key };
      });
      if (transient < 2 && percent(15)) {
        transient += 1;
        const error = { code: "transient", message: "HTTP 503" };
        history.append({ type: "node.failed", ...base, attempt, final: false, error, specHash: node.specHash, inputs }, () => (history.factsOf(node.id).step = "retrying"));
        history.append({ type: "node.retrying", ...base, attempt, nextAttempt: attempt + 1, delayMs: 10, error }, () => (history.factsOf(node.id).step = "retrying"));
        continue;
      }
      if (percent(options.failPercent)) {
        history.append(
          { type: "node.failed", ...base, attempt, final: true, category: "permanent", error: { message: "bad input" }, specHash: node.specHash, inputs },
          (index) => {
            const facts = history.factsOf(node.id);
            facts.step = "failed";
            facts.lastFailure = { specHash: node.specHash, consumed, index };
          },
        );
        failedNow.add(node.id);
        break;
      }
      const output = history.freshOutput(node.id);
      history.append(
        { type: "node.succeeded", ...base, attempt, output, outputDigest: digestOutput(output), specHash: node.specHash, inputs, startedAt: 0, durationMs: 1 },
        () => {
          history.produced.set(output, { nodeId: node.id, specHash: node.specHash, consumed });
          const facts = history.factsOf(node.id);
          facts.step = "succeeded";
          facts.lastOutput = output;
        },
      );
      outputs.set(node.id, output);
      break;
    }
  }
  const status = failedNow.size > 0 || blockerOf.size > 0 || replay.failed.length > 0 || replay.blocked.length > 0 ? "failed" : "succeeded";
  history.append({ type: "run.completed", status, counts: { total: plan.nodes.length, succeeded: outputs.size, failed: failedNow.size, blocked: blockerOf.size, skipped: 0 } });
}

/** Resumes as a dispatcher would, checking planReplay's answer first; returns it. */
function resume(g: Gen, replayFn: Replay, history: History, plan: ReturnType<typeof planOf>, retryFailed: boolean): { replay: ReplayResult; forced: boolean } {
  const changed = history.journaledPlan !== undefined && history.journaledPlan.planHash !== plan.planHash;
  if (changed) expect(() => replayFn(plan, history.events, { retryFailed })).toThrow(PlanMismatchError);
  const force = changed || g(fc.integer, { min: 0, max: 4 }) === 0;
  const replay = replayFn(plan, history.events, { force, retryFailed });
  expect(replay.planChanged).toBe(changed);
  expect(replay.forced).toBe(changed);
  check(replay, plan, history, retryFailed);
  return { replay, forced: changed };
}

/**
 * The property: a random multi-process history, with planReplay checked against the oracle before
 * every process and after the last; finally a clean resume (retryFailed, nothing fails, nothing
 * stops it) must complete every node, so no history leaves a run that can never finish.
 */
export function replayHistoryProperty(shape: HistoryShape, replayFn: Replay = planReplay): fc.IPropertyWithHooks<[fc.GeneratorValue]> {
  return fc.property(fc.gen(), (g) => {
    const history = new History();
    const plan = new EditablePlan(g);
    const size = g(fc.integer, { min: 1, max: shape.maxInitialNodes });
    for (let i = 0; i < size; i++) plan.add();
    const failPercent = g(fc.constantFrom, 0, 10, 30);
    const processes = g(fc.integer, { min: 1, max: shape.maxProcesses });
    for (let p = 0; p < processes; p++) {
      if (p > 0) {
        const edits = g(fc.integer, { min: 0, max: shape.maxEditsPerProcess });
        for (let e = 0; e < edits; e++) plan.edit();
      }
      const current = plan.current();
      const retryFailed = g(fc.integer, { min: 0, max: 3 }) === 0;
      const { replay, forced } = resume(g, replayFn, history, current, retryFailed);
      // Killed after a random number of journaled events, or not at all.
      history.budget = g(fc.boolean) ? Number.POSITIVE_INFINITY : g(fc.integer, { min: 0, max: 25 });
      try {
        runProcess(g, history, current, replay, { failPercent, retryFailed, forced, mayStop: true });
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
      }
    }
    const final = plan.current();
    const { replay, forced } = resume(g, replayFn, history, final, true);
    history.budget = Number.POSITIVE_INFINITY;
    runProcess(g, history, final, replay, { failPercent: 0, retryFailed: true, forced, mayStop: false });
    const done = replayFn(final, history.events);
    check(done, final, history, false);
    expect(done.toRun).toEqual([]);
    expect(done.completed.map((entry) => entry.nodeId).sort()).toEqual(final.nodes.map((node) => node.id).sort());
  });
}
