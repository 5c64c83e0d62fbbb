// The gate registry: id order, enforced and bypassed failures, throwing gates, review requests,
// replacements by id, redacted reasons, and the same log in both modes.
import { createRedactor, redact } from "@hybrid/context";
import { isInvalidRedactorError, type Redact } from "@hybrid/resilience";
import { thrown } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import {
  GATE_STAGES,
  createGateRegistry,
  createOutputSecretsGate,
  isGateOptionsError,
  type GateContext,
  type GateStage,
  type QualityGate,
} from "../src/index.js";
import { AWS_KEY, GITHUB_TOKEN, REVIEW, contextAt, nodeOf, statuses } from "./gates-fixtures.js";

const identity: Redact = (text) => text;
const team = (id: QualityGate["id"], stage: GateStage, check: QualityGate["check"]): QualityGate => ({ id, name: `team ${id}`, stage, check });

/** A dispatch context on which G3 (no statuses for api's dependency) and G4 (over the cap) fail. */
const failingDispatch = contextAt("dispatch", {
  node: nodeOf("api"),
  statuses: statuses({ design: "failed" }),
  prompt: { text: "ok", tokens: 11, hardCap: 10, missingPinned: [], findings: {} },
});

describe("gates(stage)", () => {
  it("lists each stage's gates in id order (G10 after G9, not after G1)", () => {
    const registry = createGateRegistry({ redact });
    const ids = Object.fromEntries(GATE_STAGES.map((stage) => [stage, registry.gates(stage).map((g) => g.id)]));
    expect(ids).toEqual({ plan: ["G1", "G2"], dispatch: ["G3", "G4", "G5"], join: ["G9"], output: ["G5", "G7", "G10"], handoff: ["G6"], run: ["G8"] });
  });

  it("refuses an unknown stage, in gates() and in evaluate()", async () => {
    const registry = createGateRegistry({ redact });
    expect(isGateOptionsError(thrown(() => registry.gates("deploy" as GateStage)))).toBe(true);
    await expect(registry.evaluate("deploy" as GateStage, contextAt("deploy" as GateStage))).rejects.toSatisfy(isGateOptionsError);
  });
});

describe("evaluate", () => {
  it("runs every gate of the stage in id order; the first enforced failure is `failed`", async () => {
    const result = await createGateRegistry({ redact }).evaluate("dispatch", failingDispatch);
    expect(result.entries.map((e) => [e.gate, e.decision, e.nodeId])).toEqual([
      ["G3", "fail", "api"],
      ["G4", "fail", "api"],
      ["G5", "pass", "api"],
    ]);
    expect(result.failed).toBe(result.entries[0]);
    expect(result.failed?.reason).toBe("1 dependency of api did not succeed: design (failed)");
    expect(result.needsReview).toBe(false);
  });

  it("logs a passing stage without reasons and without a nodeId at plan", async () => {
    const result = await createGateRegistry({ redact }).evaluate("plan", contextAt("plan"));
    expect(result).toEqual({
      entries: [
        { gate: "G1", stage: "plan", passed: true, decision: "pass" },
        { gate: "G2", stage: "plan", passed: true, decision: "pass" },
      ],
      needsReview: false,
    });
  });

  it("evaluates a disabled gate and logs it as a bypass when it fails, as a pass when it passes", async () => {
    const registry = createGateRegistry({ redact, config: { G3: { enabled: false }, G5: { enabled: false } } });
    expect(registry.enabled("G3")).toBe(false);
    expect(registry.enabled("G4")).toBe(true);
    const result = await registry.evaluate("dispatch", failingDispatch);
    expect(result.entries.map((e) => [e.gate, e.passed, e.decision])).toEqual([
      ["G3", false, "bypass"],
      ["G4", false, "fail"],
      ["G5", true, "pass"],
    ]);
    expect(result.failed?.gate).toBe("G4");
    expect(result.entries[0]!.reason).toMatch(/did not succeed/);
  });

  it("stops nothing when every failing gate is disabled", async () => {
    const registry = createGateRegistry({ redact, config: { G3: { enabled: false }, G4: { enabled: false } } });
    const result = await registry.evaluate("dispatch", failingDispatch);
    expect(result.failed).toBeUndefined();
    expect(result.entries.filter((e) => e.decision === "bypass")).toHaveLength(2);
  });

  it("turns a gate that throws, rejects or returns no verdict into a failure with its message; never skips a disabled one", async () => {
    const gates = [
      team("G1", "plan", () => {
        throw new Error("boom");
      }),
      team("G2", "plan", () => Promise.reject(42)),
      team("G8", "run", () => undefined as never),
      team("G9", "join", () => {
        throw Object.create(null);
      }),
      team("G6", "handoff", () => ({ passed: "yes" }) as never),
    ];
    const registry = createGateRegistry({ redact, gates, config: { G2: { enabled: false } } });
    const plan = await registry.evaluate("plan", contextAt("plan"));
    expect(plan.entries.map((e) => [e.gate, e.decision, e.reason])).toEqual([
      ["G1", "fail", "the gate threw: boom"],
      ["G2", "bypass", "the gate threw: 42"],
    ]);
    expect((await registry.evaluate("run", contextAt("run"))).failed?.reason).toBe("the gate returned no verdict");
    expect((await registry.evaluate("join", contextAt("join"))).failed?.reason).toBe("the gate threw: an unprintable value");
    expect((await registry.evaluate("handoff", contextAt("handoff"))).failed?.reason).toBe("the gate returned no verdict");
  });

  it("gives a failure without a reason one, keeps a custom pass reason, and cuts reasons at 2,000 characters", async () => {
    const gates = [team("G1", "plan", () => ({ passed: false })), team("G2", "plan", () => ({ passed: true, reason: "fine" })), team("G8", "run", () => ({ passed: false, reason: "x".repeat(5000) }))];
    const registry = createGateRegistry({ redact, gates });
    const plan = await registry.evaluate("plan", contextAt("plan"));
    expect(plan.entries.map((e) => e.reason)).toEqual(["the gate gave no reason", "fine"]);
    expect((await registry.evaluate("run", contextAt("run"))).failed?.reason).toHaveLength(2000);
  });

  it("redacts every reason, thrown messages included, with the registry's redactor", async () => {
    const redactor = createRedactor({ secrets: ["hunter2-is-my-password"] });
    const gates = [
      team("G1", "plan", () => ({ passed: false, reason: `leaked ${GITHUB_TOKEN} and hunter2-is-my-password` })),
      team("G2", "plan", () => {
        throw new Error(`cannot reach https://x:${GITHUB_TOKEN}@host`);
      }),
    ];
    const { entries } = await createGateRegistry({ redact: redactor, gates }).evaluate("plan", contextAt("plan"));
    const log = JSON.stringify(entries);
    expect(log).not.toContain(GITHUB_TOKEN);
    expect(log).not.toContain("hunter2-is-my-password");
    expect(entries[0]!.reason).toBe("leaked [REDACTED:github-token] and [REDACTED:known-secret]");
  });

  it("reports needs-review when G10 is the only enforced failure; an outright failure wins over it", async () => {
    const registry = createGateRegistry({ redact });
    const api = nodeOf("api");
    const review = await registry.evaluate("output", contextAt("output", { node: api, output: "Published @hybrid/limiter and the design doc." }));
    expect(review.entries[2]).toEqual({ gate: "G10", nodeId: "api", stage: "output", passed: false, decision: "fail", needsReview: true, reason: expect.stringMatching(/^2 of 2 acceptance criteria/) });
    expect([review.failed, review.needsReview]).toEqual([undefined, true]);
    const both = await registry.evaluate("output", contextAt("output", { node: api, output: "No secrets are logged." }));
    expect([both.failed?.gate, both.needsReview, both.entries[2]!.needsReview]).toEqual(["G7", false, true]);
    const bypassed = await createGateRegistry({ redact, config: { G10: { enabled: false } } }).evaluate("output", contextAt("output", { node: api, output: "@hybrid/limiter, design doc" }));
    expect([bypassed.failed, bypassed.needsReview, bypassed.entries[2]!.decision]).toEqual([undefined, false, "bypass"]);
  });

  it("gives the same log for the same context in both modes, at every stage", async () => {
    const registry = createGateRegistry({ redact });
    const contexts: GateContext[] = [
      contextAt("plan", { workflow: { ...REVIEW, nodes: REVIEW.nodes.map((n) => ({ ...n, acceptance: [] })) } }),
      failingDispatch,
      contextAt("join", { node: nodeOf("review") }),
      contextAt("output", { node: nodeOf("api"), output: `No secrets are logged: ${AWS_KEY}` }),
      contextAt("handoff", { node: nodeOf("api"), handoff: { agent: "backend", at: 1 } }),
      contextAt("run", { statuses: statuses({ api: "failed" }), reported: new Set() }),
    ];
    for (const context of contexts) {
      const hybrid = await registry.evaluate(context.stage, { ...context, mode: "hybrid" });
      const sequential = await registry.evaluate(context.stage, { ...context, mode: "sequential" });
      expect(sequential).toEqual(hybrid);
      expect(hybrid.failed).toBeDefined();
    }
  });

  it("refuses a context made for another stage", async () => {
    const error = await createGateRegistry({ redact }).evaluate("output", contextAt("dispatch")).catch((e: unknown) => e);
    expect(isGateOptionsError(error) && error.problems).toEqual([{ path: "context.stage", message: "expected output, got dispatch" }]);
  });
});

describe("replacements by id", () => {
  it("run instead of every built-in gate of their id, at their own stage", async () => {
    const calls: string[] = [];
    const mine = team("G10", "output", (context) => {
      calls.push(`${context.mode}:${context.node?.id}`);
      return { passed: true };
    });
    const registry = createGateRegistry({ redact, gates: [mine] });
    expect(registry.gates("output")).toContain(mine);
    const result = await registry.evaluate("output", contextAt("output", { node: nodeOf("threat"), output: "nothing about criteria" }));
    expect(result.failed).toBeUndefined();
    expect(calls).toEqual(["hybrid:threat"]);
  });

  it("replace both G5 objects when G5 is replaced; several objects of one id may run at different stages", () => {
    const onlyOutput = createGateRegistry({ redact, gates: [createOutputSecretsGate(redact.redactSecrets)] });
    expect(onlyOutput.gates("dispatch").map((g) => g.id)).toEqual(["G3", "G4"]);
    const both = createGateRegistry({ redact, gates: [team("G5", "dispatch", () => ({ passed: true })), team("G5", "output", () => ({ passed: true }))] });
    expect([both.gates("dispatch").at(-1)?.name, both.gates("output")[0]?.name]).toEqual(["team G5", "team G5"]);
  });

  it("refuse malformed replacements and config, naming each path", () => {
    const bad = [
      { id: "G11", name: "", stage: "deploy", check: "no" },
      null,
      team("G3", "dispatch", () => ({ passed: true })),
      team("G3", "dispatch", () => ({ passed: true })),
    ];
    const config = { G12: { enabled: false }, G3: { enabled: "yes" }, G4: { on: true } };
    const error = thrown(() => createGateRegistry({ redact, gates: bad as never, config: config as never }));
    expect(isGateOptionsError(error) && error.problems.map((p) => p.path)).toEqual([
      "gates[0].id",
      "gates[0].name",
      "gates[0].stage",
      "gates[0].check",
      "gates[1]",
      "gates[3]",
      "config.G3.enabled",
      "config.G4.on",
      "config.G12",
    ]);
    expect((error as Error).message).toMatch(/^\[hybrid\] invalid gate registry options:\n {2}- gates\[0\]\.id: expected one of G1, G2/);
    expect(isGateOptionsError(thrown(() => createGateRegistry({ redact, gates: "G1" as never })))).toBe(true);
  });

  it("need a (text) => string redactor: redactSecrets passed by mistake is refused", () => {
    expect(isInvalidRedactorError(thrown(() => createGateRegistry({} as never)))).toBe(true);
    expect(isInvalidRedactorError(thrown(() => createGateRegistry({ redact: redact.redactSecrets as never })))).toBe(true);
  });
});

describe("G5's scanner", () => {
  const output = `example key ${AWS_KEY}`;
  const node = nodeOf("threat");

  it("comes from a @hybrid/context redactor, so its allow-list holds for the check", async () => {
    const redactor = createRedactor({ allow: [AWS_KEY] });
    const result = await createGateRegistry({ redact: redactor }).evaluate("output", contextAt("output", { node, output: redactor(output) }));
    expect(result.entries[0]).toEqual({ gate: "G5", nodeId: "threat", stage: "output", passed: true, decision: "pass" });
  });

  it("is context's redactSecrets for a plain function, and the scan option when given", async () => {
    const plain = await createGateRegistry({ redact: identity }).evaluate("output", contextAt("output", { node, output }));
    expect(plain.entries[0]!.reason).toBe("the output still holds 1 secret finding after redaction (aws-access-key-id: 1)");
    const scan = () => ({ findings: [{ kind: "custom" }] });
    const custom = await createGateRegistry({ redact: identity, scan }).evaluate("output", contextAt("output", { node, output: "clean" }));
    expect(custom.entries[0]!.reason).toBe("the output still holds 1 secret finding after redaction (custom: 1)");
  });
});
