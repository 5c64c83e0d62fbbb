import { TimeoutError, createMemoryCheckpointStore, parseJournalEvent } from "@hybrid/resilience";

const parseAll = (events: unknown[]) => events.map((event) => parseJournalEvent(event));
import { startGitHubServer } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { classify, errorInfo, failureCategory } from "../src/error-info.js";
import {
  CommandFailedError,
  CommandSpawnError,
  DispatchAbortedError,
  DispatchOptionsError,
  HandoffError,
  LedgerFormatError,
  OutputTooLargeError,
  ResumeMismatchError,
  SimulatedFailureError,
  createDispatchController,
  createFunctionRunner,
  createGitHubSink,
  isCommandFailedError,
  isCommandSpawnError,
  isDispatchAbortedError,
  isDispatchOptionsError,
  isHandoffError,
  isLedgerFormatError,
  isOutputTooLargeError,
  isResumeMismatchError,
  isSimulatedFailureError,
} from "../src/index.js";
import type { DispatchEvent } from "../src/index.js";
import { Journal } from "../src/journal.js";
import { readResumeState } from "../src/resume.js";
import { node, planOf } from "./helpers.js";

describe("errors", () => {
  it("carry codes, [dispatch] messages and brands that survive a structural copy", () => {
    const cases = [
      [new CommandFailedError({ command: "x", exitCode: null, signal: "SIGKILL", stderrTail: "", transient: false }), isCommandFailedError, "command-failed"],
      [new CommandSpawnError("x", "ENOENT"), isCommandSpawnError, "command-spawn-failed"],
      [new OutputTooLargeError(10), isOutputTooLargeError, "output-too-large"],
      [new DispatchAbortedError(), isDispatchAbortedError, "aborted"],
      [new DispatchOptionsError("x", [{ path: "", message: "bad" }]), isDispatchOptionsError, "invalid-options"],
      [new SimulatedFailureError("n", 1), isSimulatedFailureError, "simulated-failure"],
      [new HandoffError("n", "down"), isHandoffError, "handoff-failed"],
      [new ResumeMismatchError("r", "why"), isResumeMismatchError, "resume-mismatch"],
      [new LedgerFormatError("/x/ledger.jsonl", 2), isLedgerFormatError, "ledger-format"],
    ] as const;
    for (const [error, guard, code] of cases) {
      expect(error.code).toBe(code);
      expect(error.message.startsWith("[dispatch] ")).toBe(true);
      expect((guard as (e: unknown) => boolean)(error)).toBe(true);
      // A copy from another installed version keeps the Symbol.for brand.
      const foreign = Object.assign({}, error, { [Object.getOwnPropertySymbols(error)[0]!]: true });
      expect((guard as (e: unknown) => boolean)(foreign)).toBe(true);
      expect((guard as (e: unknown) => boolean)(new Error("plain"))).toBe(false);
      expect((guard as (e: unknown) => boolean)(null)).toBe(false);
    }
    expect(new CommandFailedError({ command: "x", exitCode: null, signal: null, stderrTail: "", transient: false }).message).toContain("a signal");
    expect(new DispatchOptionsError("x", [{ path: "", message: "bad" }]).message).toContain("(root): bad");
  });

  it("classify and describe thrown values for the journal", () => {
    expect(classify(new DispatchAbortedError())).toBe("aborted");
    expect(failureCategory(new TimeoutError(5))).toBe("timeout");
    expect(failureCategory(Object.assign(new Error("x"), { transient: true }))).toBe("transient-exhausted");
    expect(failureCategory(new Error("x"))).toBe("permanent");
    expect(errorInfo("just a string", (t) => t.toUpperCase())).toEqual({ message: "JUST A STRING" });
    expect(errorInfo({ code: 42 }, (t) => t)).toEqual({ message: "[object Object]" });
    const killed = new CommandFailedError({ command: "x", exitCode: null, signal: "SIGTERM", stderrTail: "tail", transient: false });
    expect(errorInfo(killed, (t) => t)).toMatchObject({ code: "command-failed", stderrTail: "tail" });
    expect(errorInfo(killed, (t) => t)).not.toHaveProperty("exitCode");
  });
});

describe("journal", () => {
  it("flush rethrows an append that failed while nobody awaited it", async () => {
    const store = createMemoryCheckpointStore();
    const journal = new Journal("run-j", { ...store, append: async () => Promise.reject(new Error("io")) }, [], () => 1);
    journal.append({ type: "handoff.recorded", nodeId: "a", agent: "x", idempotencyKey: "k", url: "u" }).catch(() => undefined);
    await expect(journal.flush()).rejects.toThrow("io");
    expect(journal.failure).toBeInstanceOf(Error);
  });
});

describe("resume state from a foreign journal", () => {
  it("keeps failures without category or error event as failed", () => {
    const plan = planOf([node("a"), node("b")]);
    const nodes = plan.order.map((id) => ({ id, agent: "coder", priority: "implementation", wave: 0, dependsOn: [], specHash: plan.nodes[id]!.specHash }));
    const base = { runId: "r", at: 1 };
    const spec = (id: string) => ({ specHash: plan.nodes[id]!.specHash, inputs: {} });
    const events = parseAll([
      { ...base, type: "run.started", planHash: plan.planHash, workflowId: "w", mode: "wave", seed: 1, nodes, breakers: {} },
      { ...base, type: "node.dispatched", nodeId: "a", agent: "coder", priority: "implementation", wave: 0, attempt: 1, idempotencyKey: "k", ...spec("a") },
      { ...base, type: "node.failed", nodeId: "a", agent: "coder", attempt: 1, final: true, error: { message: "no category" }, ...spec("a") },
      { ...base, type: "node.dispatched", nodeId: "b", agent: "coder", priority: "implementation", wave: 0, attempt: 1, idempotencyKey: "k2", ...spec("b") },
      { ...base, type: "node.failed", nodeId: "b", agent: "coder", attempt: 1, final: true, category: "permanent", error: { message: "x" }, ...spec("b") },
      { ...base, type: "wave.completed", wave: 0, succeeded: 0, failed: 2, blocked: 0 },
    ]);
    const state = readResumeState(plan, events, { retryFailed: false, force: false });
    expect(state.failed.get("a")).toEqual({ attempts: 1, error: { message: "no category" } });
    expect(state.failed.get("b")).toMatchObject({ category: "permanent" });
    expect(state.wavesCompleted.has(0)).toBe(true);
  });
});

describe("controller details", () => {
  it("journals the plan's taskType", async () => {
    const events: DispatchEvent[] = [];
    const controller = createDispatchController({ onEvent: (e) => events.push(e) });
    await controller.run(planOf([node("a")], "wf", "feature"), { runner: createFunctionRunner(() => "ok") });
    expect(events[0]).toMatchObject({ type: "run.started", taskType: "feature", workflowId: "wf" });
  });

  it("a stop signal that aborts with a non-Error reason still stops the run", async () => {
    const stop = new AbortController();
    const controller = createDispatchController();
    const result = await controller.run(planOf([node("a"), node("b", ["a"])]), {
      runner: createFunctionRunner(async (task, signal) => {
        stop.abort("operator said stop");
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
        return task.nodeId;
      }),
      signal: stop.signal,
    });
    expect(result.status).toBe("aborted");
    expect(result.outcomes.a!.status).toBe("aborted");
  });

  it("GitHub sink: two records of one key at once share one request chain: one list, one POST", async () => {
    const gh = await startGitHubServer();
    try {
      const sink = createGitHubSink({ auth: "test-token", baseUrl: gh.url, retryAfterBaseMs: 1, writeIntervalMs: 0, redact: (text) => text });
      const entry = { runId: "r", nodeId: "n", agent: "a", at: 0, summary: "s", idempotencyKey: "r:n:1", issue: { owner: "o", repo: "r", number: 1 } };
      const [x, y] = await Promise.all([sink.record(entry), sink.record(entry)]);
      expect(x).toEqual(y);
      expect(gh.requests.map((r) => `${r.method} ${r.path.split("?")[0]} ${r.status}`)).toEqual(["GET /user 200", "GET /repos/o/r/issues/1/comments 200", "POST /repos/o/r/issues/1/comments 201"]);
      expect(gh.comments.get("o/r#1")).toHaveLength(1);
    } finally {
      await gh.close();
    }
  });
});
