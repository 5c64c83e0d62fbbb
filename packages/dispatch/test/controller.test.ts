import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createFileCheckpointStore, createMemoryCheckpointStore, isPlanMismatchError } from "@hybrid/resilience";
import type { CheckpointStore } from "@hybrid/resilience";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDispatchController,
  createFunctionRunner,
  createLedgerSink,
  defaultMaxParallel,
  defaultPrepare,
  isDispatchOptionsError,
  isResumeMismatchError,
} from "../src/index.js";
import type { DispatchEvent, HandoffSink } from "../src/index.js";
import { node, planOf, redactSecrets, tempDir } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const fast = { retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 5_000 };
const diamond = () => planOf([node("a"), node("b", ["a"]), node("c", ["a"], { priority: "docs" }), node("d", ["b", "c"])]);

function recorder(): { events: DispatchEvent[]; onEvent: (event: DispatchEvent) => void } {
  const events: DispatchEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}

describe("createDispatchController: run", () => {
  it("runs a plan, passes upstream outputs to prepare and journals every transition in order", async () => {
    const { events, onEvent } = recorder();
    const store = createMemoryCheckpointStore();
    const controller = createDispatchController({ onEvent, resilience: fast });
    const prompts = new Map<string, string>();
    const runner = createFunctionRunner((task) => {
      prompts.set(task.nodeId, task.prompt);
      return `out-${task.nodeId}`;
    });
    const plan = diamond();
    const result = await controller.run(plan, { runner, store, runId: "run-basic" });
    expect(result.status).toBe("succeeded");
    expect(result.counts).toEqual({ total: 4, succeeded: 4, failed: 0, blocked: 0, skipped: 0 });
    expect(result.outcomes.d).toMatchObject({ status: "succeeded", attempts: 1, output: "out-d", idempotencyKey: expect.stringContaining("run-basic:d:") });
    expect(result.postMortem).toBeUndefined();
    expect(prompts.get("d")).toContain("## Upstream: b\nout-b");
    expect(prompts.get("d")).toContain("## Upstream: c\nout-c");
    expect(prompts.get("a")).toContain("- a is done");

    const types = events.map((e) => e.type);
    expect(types[0]).toBe("run.started");
    expect(types.at(-1)).toBe("run.completed");
    expect(types.filter((t) => t === "wave.started")).toHaveLength(3);
    expect(types.filter((t) => t === "wave.completed")).toHaveLength(3);
    for (const id of ["a", "b", "c", "d"]) {
      const dispatched = events.findIndex((e) => e.type === "node.dispatched" && e.nodeId === id);
      const succeeded = events.findIndex((e) => e.type === "node.succeeded" && e.nodeId === id);
      expect(dispatched).toBeGreaterThan(-1);
      expect(succeeded).toBeGreaterThan(dispatched);
    }
    const dDispatched = events.findIndex((e) => e.type === "node.dispatched" && e.nodeId === "d");
    for (const dep of ["b", "c"]) {
      expect(events.findIndex((e) => e.type === "node.succeeded" && e.nodeId === dep)).toBeLessThan(dDispatched);
    }
    const succeeded = events.find((e) => e.type === "node.succeeded");
    expect(succeeded).toMatchObject({ outputDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), runId: "run-basic" });
    // The journal holds exactly the emitted events.
    const { events: journaled } = await store.read("run-basic");
    expect(journaled.map((e) => e.type)).toEqual(types);
    const started = events[0] as Extract<DispatchEvent, { type: "run.started" }>;
    expect(started).toMatchObject({ planHash: plan.planHash, workflowId: "test-workflow", mode: "wave", breakers: {} });
    expect(started.nodes.map((n) => n.id).sort()).toEqual(["a", "b", "c", "d"]);
  });

  it("runs without a store, generates a run id and uses a custom prepare", async () => {
    const controller = createDispatchController({ maxParallel: 2, clock: { now: () => 42 } });
    const result = await controller.run(diamond(), {
      runner: createFunctionRunner((task) => task.prompt),
      prepare: async (n, upstream) => ({ prompt: `${n.id}<-${Object.keys(upstream).join(",")}` }),
      mode: "eager",
    });
    expect(result.runId).toMatch(/^run-/);
    expect(result.mode).toBe("eager");
    expect(result.outcomes.d!.output).toBe("d<-b,c");
    expect(result.startedAt).toBe(42);
  });

  it("refuses to start over an existing journal, and resume needs a store and run id", async () => {
    const store = createMemoryCheckpointStore();
    const controller = createDispatchController();
    const runner = createFunctionRunner(() => "x");
    await controller.run(diamond(), { runner, store, runId: "run-twice" });
    await expect(controller.run(diamond(), { runner, store, runId: "run-twice" })).rejects.toSatisfy(isResumeMismatchError);
    await expect(controller.run(diamond(), { runner, resume: true, runId: "x" })).rejects.toSatisfy(isDispatchOptionsError);
    await expect(controller.run(diamond(), { runner, resume: true, store })).rejects.toSatisfy(isDispatchOptionsError);
  });

  it("runs one (frozen) plan many times with the same results, and a hand-made copy too", async () => {
    const plan = diamond();
    const controller = createDispatchController({ maxParallel: 3 });
    const runner = createFunctionRunner((task) => `${task.nodeId}:${task.prompt.length}`);
    const prepare = (n: { id: string }, upstream: Record<string, string>) => ({ prompt: `${n.id}<-${Object.entries(upstream).map(([k, v]) => `${k}=${v}`).join(",")}` });
    const outputs = async (p: typeof plan, mode: "wave" | "eager") => {
      const result = await controller.run(p, { runner, prepare, mode });
      expect(result.status).toBe("succeeded");
      return Object.fromEntries(Object.entries(result.outcomes).map(([id, outcome]) => [id, outcome.output]));
    };
    const first = await outputs(plan, "eager");
    // d's prompt "d<-b=b:8,c=c:8" carries both upstream outputs.
    expect(first).toEqual({ a: "a:3", b: "b:8", c: "c:8", d: "d:14" });
    for (const mode of ["wave", "eager"] as const) expect(await outputs(plan, mode)).toEqual(first);
    expect(await outputs({ ...plan, nodes: { ...plan.nodes }, order: [...plan.order] }, "eager")).toEqual(first);
  });

  it("refuses a plan that contradicts itself, naming where", async () => {
    const plan = diamond();
    const controller = createDispatchController();
    const runner = createFunctionRunner(() => "x");
    const problems = async (p: unknown) => {
      const error = await controller.run(p as typeof plan, { runner }).catch((e: unknown) => e);
      expect(isDispatchOptionsError(error)).toBe(true);
      return (error as { problems: { path: string; message: string }[] }).problems;
    };
    const [a, b] = plan.order;
    expect(await problems({ ...plan, order: [b, a, ...plan.order.slice(2)] })).toEqual([
      { path: "order[0]", message: `node "${b}" has rank 1, not 0` },
      { path: "order[1]", message: `node "${a}" has rank 0, not 1` },
    ]);
    expect(await problems({ ...plan, order: [...plan.order, "ghost"] })).toEqual([{ path: "order[4]", message: 'no node "ghost" in plan.nodes' }]);
    // The docs node c comes last in plan order; d depends on it.
    expect(plan.order[3]).toBe("c");
    expect(await problems({ ...plan, order: plan.order.slice(0, 3) })).toEqual([
      { path: "nodes.d.dependsOn[1]", message: 'unknown node "c"' },
      { path: `waves[1][${plan.waves[1]!.indexOf("c")}]`, message: 'unknown node "c"' },
    ]);
    const d = plan.nodes.d!;
    expect(await problems({ ...plan, nodes: { ...plan.nodes, d: { ...d, dependsOn: ["b", "zz"] } } })).toEqual([
      { path: "nodes.d.dependsOn[1]", message: 'unknown node "zz"' },
    ]);
    expect(await problems({ ...plan, waves: [...plan.waves.slice(0, -1), ["d", "ghost"]] })).toEqual([{ path: `waves[${plan.waves.length - 1}][1]`, message: 'unknown node "ghost"' }]);
  });

  it("validates options with paths", () => {
    const bad = (options: unknown) => {
      try {
        createDispatchController(options as never);
        expect.unreachable("the options are invalid");
      } catch (error) {
        expect(isDispatchOptionsError(error)).toBe(true);
        return (error as { problems: { path: string }[] }).problems.map((p) => p.path);
      }
    };
    expect(bad({ maxParallel: 0 })).toEqual(["maxParallel"]);
    expect(bad({ caps: { docs: 0 } })).toEqual(["caps.docs"]);
    expect(bad({ onFailure: "explode" })).toEqual(["onFailure"]);
    expect(bad({ resilience: { retry: { maxAttempts: 0 } } })).toEqual(["resilience.retry.maxAttempts"]);
    expect(bad({ maxParalel: 3 })).toEqual([""]);
  });

  it("reads MAX_PARALLEL_AGENTS for the default", () => {
    expect(defaultMaxParallel({ MAX_PARALLEL_AGENTS: "7" })).toBe(7);
    expect(defaultMaxParallel({ MAX_PARALLEL_AGENTS: "zero" })).toBe(4);
    expect(defaultMaxParallel({})).toBe(4);
    expect(createDispatchController().options.maxParallel).toBe(defaultMaxParallel());
  });

  it("default prepare lists scope, acceptance and upstream", () => {
    const plan = planOf([node("a"), node("b", ["a"], { acceptance: [] })]);
    expect(defaultPrepare(plan.nodes.b!, { a: "A out" }).prompt).toBe("# b (coder, implementation)\n\n## Scope\nscope of b\n\n## Upstream: a\nA out");
    expect(defaultPrepare(plan.nodes.b!, {}).prompt).not.toContain("Upstream");
  });
});

describe("failures", () => {
  const failing = (ids: string[]) =>
    createFunctionRunner(async (task) => {
      if (ids.includes(task.nodeId)) throw new Error(`boom in ${task.nodeId}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return `ok ${task.nodeId}`;
    });
  // a → b → c ; x → y (independent branch)
  const branches = () => planOf([node("a"), node("b", ["a"]), node("c", ["b"]), node("x"), node("y", ["x"])]);

  it("continue-independent: blocks descendants, unrelated branches go on, nothing swallowed", async () => {
    const { events, onEvent } = recorder();
    const controller = createDispatchController({ onEvent, resilience: fast });
    const result = await controller.run(branches(), { runner: failing(["a"]), mode: "eager" });
    expect(result.status).toBe("failed");
    expect(result.outcomes.a).toMatchObject({ status: "failed", category: "permanent", attempts: 1, error: { message: "boom in a" } });
    expect(result.outcomes.b).toMatchObject({ status: "blocked", blockedBy: "a" });
    expect(result.outcomes.c).toMatchObject({ status: "blocked", blockedBy: "a" });
    expect(result.outcomes.y!.status).toBe("succeeded");
    expect(result.counts).toEqual({ total: 5, succeeded: 2, failed: 1, blocked: 2, skipped: 0 });
    expect(events.filter((e) => e.type === "node.blocked").map((e) => (e as { nodeId: string }).nodeId).sort()).toEqual(["b", "c"]);
    expect(events.find((e) => e.type === "node.failed")).toMatchObject({ final: true, category: "permanent", attempt: 1 });
    expect(result.postMortem?.failed.map((f) => f.node)).toEqual(["a"]);
  });

  it("abort-run: dispatches nothing new, lets in-flight nodes finish, skips the rest", async () => {
    const plan = planOf([node("a"), node("slow"), node("b", ["a"]), node("later", ["slow"])]);
    let release: () => void = () => {};
    const slowDone = new Promise<void>((resolve) => (release = resolve));
    const runner = createFunctionRunner(async (task) => {
      if (task.nodeId === "a") {
        setTimeout(release, 5);
        throw new Error("a failed");
      }
      if (task.nodeId === "slow") await slowDone;
      return "ok";
    });
    const controller = createDispatchController({ onFailure: "abort-run", maxParallel: 2, resilience: fast });
    const result = await controller.run(plan, { runner, mode: "eager" });
    expect(result.status).toBe("failed");
    expect(result.outcomes.a!.status).toBe("failed");
    expect(result.outcomes.slow!.status).toBe("succeeded");
    expect(result.outcomes.b).toMatchObject({ status: "blocked", blockedBy: "a" });
    expect(result.outcomes.later!.status).toBe("skipped");
    expect(result.counts.skipped).toBe(1);
  });

  it("a prepare failure fails the node without dispatching it", async () => {
    const { events, onEvent } = recorder();
    const controller = createDispatchController({ onEvent });
    const result = await controller.run(planOf([node("a")]), {
      runner: createFunctionRunner(() => "never"),
      prepare: () => {
        throw new Error("no context");
      },
    });
    expect(result.outcomes.a).toMatchObject({ status: "failed", attempts: 1, error: { message: "no context" } });
    expect(events.some((e) => e.type === "node.dispatched")).toBe(false);
  });

  it("a throwing listener does not break the run", async () => {
    const controller = createDispatchController({
      onEvent: [
        () => {
          throw new Error("listener bug");
        },
      ],
    });
    const result = await controller.run(planOf([node("a")]), { runner: createFunctionRunner(() => "ok") });
    expect(result.status).toBe("succeeded");
  });

  it("a journal that cannot be written fails the run loudly", async () => {
    const inner = createMemoryCheckpointStore();
    let appends = 0;
    const store: CheckpointStore = {
      ...inner,
      append: async (runId, event) => {
        if (++appends > 3) throw new Error("disk full");
        await inner.append(runId, event);
      },
    };
    const controller = createDispatchController({ maxParallel: 1 });
    const plan = planOf([node("a"), node("b"), node("c")]);
    await expect(controller.run(plan, { runner: createFunctionRunner(() => "ok"), store })).rejects.toThrow("disk full");
  });
});

describe("handoffs", () => {
  it("records each finished node once, journals the URL, and survives a failing sink", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const ledger = createLedgerSink({ dir, redact: (text) => text });
    const { events, onEvent } = recorder();
    const controller = createDispatchController({ handoffSink: ledger, onEvent, summaryChars: 5 });
    const plan = planOf([node("a", [], { issue: { owner: "o", repo: "r", number: 3 } }), node("b", ["a"])]);
    const result = await controller.run(plan, { runner: createFunctionRunner((t) => `output of ${t.nodeId}`), runId: "run-h" });
    expect(result.outcomes.a!.handoffUrl).toBe(`ledger://${ledger.path}#${encodeURIComponent(result.outcomes.a!.idempotencyKey!)}`);
    expect(events.filter((e) => e.type === "handoff.recorded")).toHaveLength(2);
    const lines = (await readFile(ledger.path, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { summary: string; issue?: unknown });
    expect(lines[0]).toMatchObject({ summary: "outpu", issue: { owner: "o", repo: "r", number: 3 } });

    const broken: HandoffSink = { record: async () => Promise.reject(new Error("github down")) };
    const failingSink = createDispatchController({ handoffSink: broken, onEvent });
    const second = await failingSink.run(planOf([node("a")]), { runner: createFunctionRunner(() => "ok") });
    expect(second.status).toBe("succeeded");
    expect(second.outcomes.a!.handoffError).toMatchObject({ code: "handoff-failed", message: "[dispatch] handoff for a failed: github down" });
    expect(events.some((e) => e.type === "handoff.failed")).toBe(true);
  });
});

describe("redaction", () => {
  it("nothing secret is written: journal, events, ledger, errors, post-mortem", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const store = createFileCheckpointStore({ dir: join(dir, "state"), redact: redactSecrets });
    const ledger = createLedgerSink({ dir: join(dir, "state"), redact: redactSecrets });
    const { events, onEvent } = recorder();
    const controller = createDispatchController({ redact: redactSecrets, handoffSink: ledger, onEvent, resilience: fast });
    const runner = createFunctionRunner((task) => {
      if (task.nodeId === "bad") throw new Error("auth failed with SECRET-2");
      return `here is SECRET-1 for ${task.nodeId}`;
    });
    const result = await controller.run(planOf([node("good"), node("bad")]), { runner, store, runId: "run-secret" });
    await store.close?.();
    expect(result.outcomes.good!.output).toBe("here is [REDACTED] for good");
    expect(result.outcomes.bad!.error!.message).toBe("auth failed with [REDACTED]");
    const journal = await readFile(join(dir, "state", "runs", "run-secret", "journal.jsonl"), "utf8");
    const ledgerText = await readFile(ledger.path, "utf8");
    for (const text of [journal, ledgerText, JSON.stringify(events), JSON.stringify(result)]) {
      expect(text).not.toMatch(/SECRET-\d/);
    }
    expect(journal).toContain("[REDACTED]");
  });
});

describe("resume", () => {
  it("a graceful stop returns aborted; resume reuses completed outputs and re-runs in-flight nodes with the same key", async () => {
    const store = createMemoryCheckpointStore();
    const plan = planOf([node("a"), node("b", ["a"]), node("c", ["b"])]);
    const stop = new AbortController();
    const calls: { nodeId: string; attempt: number; key: string }[] = [];
    const firstRunner = createFunctionRunner(async (task, signal) => {
      calls.push({ nodeId: task.nodeId, attempt: task.attempt, key: task.idempotencyKey });
      if (task.nodeId === "b") {
        stop.abort();
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      }
      return `out-${task.nodeId}`;
    });
    const controller = createDispatchController({ resilience: fast });
    const first = await controller.run(plan, { runner: firstRunner, store, runId: "run-stop", signal: stop.signal });
    expect(first.status).toBe("aborted");
    expect(first.outcomes.a!.status).toBe("succeeded");
    expect(first.outcomes.b!.status).toBe("aborted");
    expect(first.outcomes.c!.status).toBe("skipped");
    expect(first.postMortem).toBeDefined();

    const seen: { nodeId: string; attempt: number; key: string; prompt: string }[] = [];
    const { events, onEvent } = recorder();
    const resumed = await createDispatchController({ resilience: fast, onEvent }).resume(plan, {
      runId: "run-stop",
      store,
      runner: createFunctionRunner((task) => {
        seen.push({ nodeId: task.nodeId, attempt: task.attempt, key: task.idempotencyKey, prompt: task.prompt });
        return `out-${task.nodeId}`;
      }),
    });
    expect(resumed.status).toBe("succeeded");
    expect(resumed.resumed).toBe(true);
    expect(resumed.outcomes.a).toMatchObject({ status: "succeeded", reused: true, output: "out-a" });
    expect(seen.map((s) => s.nodeId)).toEqual(["b", "c"]);
    const before = calls.find((c) => c.nodeId === "b")!;
    expect(seen[0]).toMatchObject({ attempt: before.attempt + 1, key: before.key });
    expect(seen[0]!.prompt).toContain("out-a");
    expect(events[0]).toMatchObject({ type: "run.resumed", planHash: plan.planHash, forced: false });
    // Waves already started are not started again.
    expect(events.filter((e) => e.type === "wave.started").map((e) => (e as { wave: number }).wave)).toEqual([2]);
  });

  it("abort-run: a resume without retryFailed records every standing failure and what it blocks, in either mode", async () => {
    // x1 -> y1 and x2 -> y2 in separate waves' reach; x1 and x2 both fail in the first run (eager).
    const plan = planOf([node("x1"), node("x2", ["w"]), node("w"), node("y1", ["x1"]), node("y2", ["x2"]), node("z")]);
    const store = createMemoryCheckpointStore();
    const failing = createFunctionRunner((task) => {
      if (task.nodeId.startsWith("x")) throw new Error(`no ${task.nodeId}`);
      return "ok";
    });
    const first = await createDispatchController({ resilience: fast, maxParallel: 1, onFailure: "continue-independent" }).run(plan, { runner: failing, store, runId: "run-standing", mode: "eager" });
    expect([first.outcomes.x1!.status, first.outcomes.x2!.status]).toEqual(["failed", "failed"]);
    for (const mode of ["wave", "eager"] as const) {
      const ran: string[] = [];
      const resumed = await createDispatchController({ resilience: fast, onFailure: "abort-run" }).resume(plan, {
        runId: "run-standing",
        store,
        mode,
        runner: createFunctionRunner((task) => (ran.push(task.nodeId), "ok")),
      });
      expect(ran).toEqual([]);
      expect(resumed.status).toBe("failed");
      expect(Object.fromEntries(Object.entries(resumed.outcomes).map(([id, o]) => [id, o.status]))).toEqual({
        w: "succeeded",
        x1: "failed",
        x2: "failed",
        y1: "blocked",
        y2: "blocked",
        z: "succeeded",
      });
      expect(resumed.postMortem!.failed.map((f) => f.node).sort()).toEqual(["x1", "x2"]);
    }
  });

  it("an already-aborted signal stops before dispatching anything; resume of an empty journal starts fresh", async () => {
    const store = createMemoryCheckpointStore();
    const controller = createDispatchController();
    const result = await controller.run(diamond(), { runner: createFunctionRunner(() => "x"), store, runId: "run-early", signal: AbortSignal.abort() });
    expect(result.status).toBe("aborted");
    expect(result.counts.skipped).toBe(4);
    const fresh = await controller.run(diamond(), { runner: createFunctionRunner(() => "x"), store, runId: "run-new", resume: true });
    expect(fresh.status).toBe("succeeded");
    expect(fresh.resumed).toBe(false);
  });

  it("failed nodes stay failed on resume unless retryFailed; a changed plan needs force", async () => {
    const store = createMemoryCheckpointStore();
    const plan = planOf([node("a"), node("b", ["a"]), node("x")]);
    const controller = createDispatchController({ resilience: fast });
    let healthy = false;
    const runner = createFunctionRunner((task) => {
      if (task.nodeId === "a" && !healthy) throw new Error("a is broken");
      return `ok-${task.nodeId}`;
    });
    const first = await controller.run(plan, { runner, store, runId: "run-fail", mode: "eager" });
    expect(first.status).toBe("failed");

    const again = await controller.resume(plan, { runId: "run-fail", store, runner });
    expect(again.outcomes.a).toMatchObject({ status: "failed", error: { message: "a is broken" }, category: "permanent" });
    expect(again.outcomes.b).toMatchObject({ status: "blocked", blockedBy: "a" });
    expect(again.outcomes.x).toMatchObject({ status: "succeeded", reused: true });

    healthy = true;
    const retried = await controller.run(plan, { runner, store, runId: "run-fail", resume: { retryFailed: true } });
    expect(retried.status).toBe("succeeded");
    expect(retried.outcomes.a!.attempts).toBe(2);

    const changed = planOf([node("a"), node("b", ["a"]), node("x", [], { scope: "new scope" })]);
    await expect(controller.resume(changed, { runId: "run-fail", store, runner })).rejects.toSatisfy(isPlanMismatchError);
    const forced = await controller.resume(changed, { runId: "run-fail", store, runner, force: true });
    expect(forced.status).toBe("succeeded");
    expect(forced.outcomes.x!.reused).toBeUndefined();
    expect(forced.outcomes.a!.reused).toBe(true);
  });

  it("records handoffs that a crash left unrecorded, once", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const store = createMemoryCheckpointStore();
    const plan = planOf([node("a"), node("b", ["a"])]);
    // First process: no sink configured (as if it crashed before the handoff was journaled).
    const stop = new AbortController();
    await createDispatchController().run(plan, {
      runner: createFunctionRunner((task) => {
        if (task.nodeId === "b") stop.abort();
        return "ok";
      }),
      store,
      runId: "run-handoff",
      signal: stop.signal,
    });
    const ledger = createLedgerSink({ dir, redact: (text) => text });
    const resumed = await createDispatchController({ handoffSink: ledger }).resume(plan, {
      runId: "run-handoff",
      store,
      runner: createFunctionRunner(() => "ok"),
    });
    expect(resumed.outcomes.a!.handoffUrl).toContain(`#${encodeURIComponent("run-handoff:a:")}`);
    expect(resumed.outcomes.b!.handoffUrl).toContain(`#${encodeURIComponent("run-handoff:b:")}`);
    const { events } = await store.read("run-handoff");
    expect(events.filter((e) => e.type === "handoff.recorded").map((e) => e.nodeId)).toEqual(["a", "b"]);
  });
});
