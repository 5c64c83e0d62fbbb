import { describe, expect, it } from "vitest";
import {
  createHandoffProvider,
  createWorkItemProvider,
  isContextOptionsError,
  loadContext,
  type ContextEvent,
  type ContextProvider,
  type ContextRequest,
  type ContextSegment,
} from "../src/index.js";

const request: ContextRequest = {
  runId: "run-7",
  node: { id: "impl", agent: "implementer", priority: "implementation", scope: "Build it", acceptance: ["works"] },
  upstream: [{ nodeId: "arch", agent: "architect", output: "use port 4443", distance: 1 }],
};
const at = () => new Date("2025-05-01T12:00:00.000Z");
const segment = (id: string, tier: ContextSegment["tier"], extra: Partial<ContextSegment> = {}): ContextSegment => ({
  id,
  tier,
  source: `custom:${id}`,
  text: `text of ${id}`,
  priority: 0,
  pinned: false,
  ...extra,
});
const provider = (name: string, tier: ContextSegment["tier"], collect: ContextProvider["collect"], required?: boolean): ContextProvider => ({
  name,
  tier,
  collect,
  ...(required === undefined ? {} : { required }),
});

async function load(providers: ContextProvider[], req: ContextRequest = request) {
  const events: ContextEvent[] = [];
  const segments = await loadContext(providers, req, { onEvent: (e) => events.push(e), clock: at });
  return { segments, events };
}

describe("loadContext", () => {
  it("runs providers concurrently and keeps provider order", async () => {
    const order: string[] = [];
    const slow = provider("slow", "L3", async () => {
      await new Promise((resolve) => setImmediate(resolve));
      order.push("slow");
      return [segment("doc", "L3")];
    });
    const fast = provider("fast", "L2", async () => (order.push("fast"), [segment("note", "L2")]));
    const { segments, events } = await load([createWorkItemProvider(), slow, fast]);
    expect(order).toEqual(["fast", "slow"]);
    expect(segments.map((s) => s.id)).toEqual(["impl:work-item", "impl:acceptance", "impl:scope", "doc", "note"]);
    expect(events).toEqual([]);
  });

  it("turns one provider's failure into a logged fallback; the others still load (issue 10, item 6)", async () => {
    const failing = provider("flaky-api", "L2", async () => {
      throw Object.assign(new Error("upstream said no\nwith a second line"), { status: 503 });
    });
    const throwsSync = provider("sync-thrower", "L3", () => {
      throw new Error("broke before returning a promise");
    });
    const { segments, events } = await load([createWorkItemProvider(), failing, throwsSync, createHandoffProvider()]);
    expect(segments.map((s) => s.id)).toEqual(["impl:work-item", "impl:acceptance", "impl:scope", "handoff:arch"]);
    expect(events).toEqual([
      { type: "context.fallback", runId: "run-7", nodeId: "impl", at: "2025-05-01T12:00:00.000Z", provider: "flaky-api", tier: "L2", source: "provider:flaky-api", reason: "provider failed: HTTP 503: upstream said no", stale: false },
      { type: "context.fallback", runId: "run-7", nodeId: "impl", at: "2025-05-01T12:00:00.000Z", provider: "sync-thrower", tier: "L3", source: "provider:sync-thrower", reason: "provider failed: broke before returning a promise", stale: false },
    ]);
    // Deterministic: the same failure gives the same segments and events.
    expect(await load([createWorkItemProvider(), failing, throwsSync, createHandoffProvider()])).toEqual({ segments, events });
  });

  it("rejects, for that provider only, segments that are not of its declared tier or not valid", async () => {
    const wrongTier = provider("mislabelled", "L2", async () => [segment("a", "L2"), segment("b", "L1", { pinned: true })]);
    const invalid = provider("sloppy", "L3", async () => [segment("", "L3"), { ...segment("c", "L3"), priority: Number.NaN }]);
    const notAnArray = provider("confused", "L3", async () => "nothing" as unknown as ContextSegment[]);
    const good = provider("good", "L3", async () => [segment("d", "L3", { createdAt: "2025-01-01T10:00:00+02:00" })]);
    const { segments, events } = await load([wrongTier, invalid, notAnArray, good]);
    expect(segments.map((s) => s.id)).toEqual(["d"]);
    expect(events.map((e) => (e.type === "context.fallback" ? [e.provider, e.reason] : e.type))).toEqual([
      ["mislabelled", 'provider returned invalid segments, all of them rejected: [1].tier: "L1" is not the provider\'s declared tier (L2)'],
      ["sloppy", expect.stringMatching(/^provider returned invalid segments, all of them rejected: \[0\]\.id: .*; \[1\]\.priority: /)],
      ["confused", expect.stringMatching(/^provider returned invalid segments, all of them rejected: \(root\): /)],
    ]);
  });

  it("keeps the first of two segments with one id, in provider order, and says which it dropped", async () => {
    const a = provider("first", "L2", async () => [segment("shared", "L2", { text: "from first" }), segment("shared", "L2", { text: "again" })]);
    const b = provider("second", "L2", async () => [segment("shared", "L2", { text: "from second" }), segment("own", "L2")]);
    const { segments, events } = await load([a, b]);
    expect(segments.map((s) => [s.id, s.text])).toEqual([["shared", "from first"], ["own", "text of own"]]);
    expect(events).toEqual([
      { type: "context.duplicate", runId: "run-7", nodeId: "impl", at: "2025-05-01T12:00:00.000Z", id: "shared", keptFrom: "first", droppedFrom: "first" },
      { type: "context.duplicate", runId: "run-7", nodeId: "impl", at: "2025-05-01T12:00:00.000Z", id: "shared", keptFrom: "first", droppedFrom: "second" },
    ]);
    const swapped = await load([b, a]);
    expect(swapped.segments.map((s) => s.text)).toEqual(["from second", "text of own"]);
  });

  it("rejects when a required provider fails, and when the request or the providers are invalid", async () => {
    const needed = provider("needed", "L1", async () => {
      throw new Error("no work item");
    }, true);
    await expect(load([needed])).rejects.toThrow("no work item");
    const badNeeded = provider("needed", "L1", async () => [segment("x", "L2")], true);
    const error = await load([badNeeded]).catch((e: unknown) => e);
    expect(isContextOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain('segments of provider "needed"');
    const { runId: _r, ...noRun } = request;
    const noRunError = await load([], noRun as ContextRequest).catch((e: unknown) => e);
    expect((noRunError as { problems: unknown }).problems).toEqual([{ path: "runId", message: expect.any(String) }]);
    const badUpstream = await load([], { ...request, upstream: [{ nodeId: "a", agent: "b", output: "", distance: 1, completedAt: "yesterday" }] }).catch((e: unknown) => e);
    expect((badUpstream as { problems: { path: string }[] }).problems[0]!.path).toBe("upstream[0].completedAt");
    const badProvider = await load([{ name: "", tier: "L9", collect: 1 } as unknown as ContextProvider]).catch((e: unknown) => e);
    expect((badProvider as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(["[0].tier", "[0].name", "[0].collect"]);
  });

  it("rejects when the request is aborted instead of reporting fallbacks", async () => {
    const controller = new AbortController();
    const aborting = provider("aborting", "L2", async () => {
      controller.abort(new Error("run cancelled"));
      throw new Error("aborted");
    });
    await expect(load([aborting], { ...request, signal: controller.signal })).rejects.toThrow("run cancelled");
  });

  it("redacts event fields with the package's redactor by default", async () => {
    const token = ["ghp", "_", "x7Kq2Lm9Vd4Rt8Wn3Yb6Hc1Pz5Jf0Ga2Se7Uo4"].join("");
    const leaky = provider("leaky", "L2", async () => {
      throw new Error(`GET https://api.example.com/?token=${token} failed`);
    });
    const { events } = await load([leaky]);
    expect(JSON.stringify(events)).not.toContain(token);
    const { redactSecrets } = await import("../src/index.js");
    await expect(loadContext([], request, { redact: redactSecrets as unknown as (t: string) => string })).rejects.toThrow(/redact: .*pass redact instead/);
  });
});
