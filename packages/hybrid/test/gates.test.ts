// Each built-in gate, passing and failing on crafted contexts.
import { createRedactor, redact, redactSecrets } from "@hybrid/context";
import { describe, expect, it } from "vitest";
import {
  createAcceptanceCriteriaGate,
  createDefaultGates,
  createDefinitionOfDoneGate,
  createDependenciesGate,
  createJoinPolicyGate,
  createNoSuppressedFailureGate,
  createOutputDeclaredGate,
  createOutputSecretsGate,
  createPromptBudgetGate,
  createPromptSecretsGate,
  createTraceabilityGate,
  createWorkflowValidGate,
  isGateOptionsError,
  resolveJoin,
  type GateContext,
  type GatePrompt,
  type GateVerdict,
  type JoinResolution,
  type QualityGate,
} from "../src/index.js";
import { thrown } from "@hybrid/test-utils";
import { AWS_KEY, GITHUB_TOKEN, REVIEW, contextAt, nodeOf, rawWorkflow, statuses } from "./gates-fixtures.js";

const check = (gate: QualityGate, context: GateContext) => gate.check(context) as GateVerdict;

function prompt(fields: Partial<GatePrompt> = {}): GatePrompt {
  return { text: "Implement the limiter.", tokens: 100, hardCap: 100, missingPinned: [], findings: {}, ...fields };
}

describe("the default gates", () => {
  it("are G1–G10 in id order, G5 twice (dispatch and output), each at its documented stage", () => {
    const gates = createDefaultGates();
    expect(gates.map((g) => `${g.id}@${g.stage}`)).toEqual([
      "G1@plan",
      "G2@plan",
      "G3@dispatch",
      "G4@dispatch",
      "G5@dispatch",
      "G5@output",
      "G6@handoff",
      "G7@output",
      "G8@run",
      "G9@join",
      "G10@output",
    ]);
    expect(Object.isFrozen(gates) && gates.every((g) => Object.isFrozen(g) && g.name.length > 0)).toBe(true);
  });

  it("refuse a scan option that is not a function", () => {
    const error = thrown(() => createDefaultGates({ scan: "redactSecrets" as never }));
    expect(isGateOptionsError(error) && error.problems[0]!.path).toBe("scan");
  });
});

describe("G1 workflow valid and acyclic", () => {
  const gate = createWorkflowValidGate();
  it("passes a valid workflow", () => expect(check(gate, contextAt("plan"))).toEqual({ passed: true }));

  it("fails a parsed spec with a cycle, naming it", () => {
    const workflow = rawWorkflow({
      version: 1,
      id: "w",
      nodes: [
        { id: "a", agent: "x", priority: "docs", scope: "s", acceptance: ["c"], dependsOn: ["b"] },
        { id: "b", agent: "x", priority: "docs", scope: "s", acceptance: ["c"], dependsOn: ["a"] },
      ],
    });
    const verdict = check(gate, contextAt("plan", { workflow }));
    expect(verdict.passed).toBe(false);
    expect(verdict.reason).toMatch(/^the workflow has 1 problem \(1 cycle\): nodes\[0\]\.dependsOn\[0\]: dependency cycle a → b → a/);
  });

  it("fails unknown dependencies and invalid fields, listing three and counting the rest", () => {
    const nodes = ["a", "b", "c", "d"].map((id) => ({ id, agent: "x", priority: "docs", scope: "s", acceptance: ["c"], dependsOn: ["missing"] }));
    const verdict = check(gate, contextAt("plan", { workflow: rawWorkflow({ version: 1, id: "w", nodes }) }));
    expect(verdict.reason).toMatch(/^the workflow has 4 problems: nodes\[0\]\.dependsOn\[0\]: .*unknown-dependency.*; and 1 more$/);
    const invalid = check(gate, contextAt("plan", { workflow: rawWorkflow({ version: 1, id: "w", nodes: [] }) }));
    expect(invalid.passed).toBe(false);
  });
});

describe("G2 every node has acceptance criteria", () => {
  const gate = createAcceptanceCriteriaGate();
  it("passes when every node has one", () => expect(check(gate, contextAt("plan")).passed).toBe(true));
  it("fails nodes with none, or only blank ones, naming them", () => {
    const nodes = REVIEW.nodes.map((n) => (n.id === "api" ? { ...n, acceptance: [] } : n.id === "docs" ? { ...n, acceptance: ["  "] } : n));
    const verdict = check(gate, contextAt("plan", { workflow: { ...REVIEW, nodes } }));
    expect(verdict).toEqual({ passed: false, reason: "2 nodes without acceptance criteria: api, docs" });
  });
});

describe("G3 dependencies succeeded before dispatch", () => {
  const gate = createDependenciesGate();
  it("passes when every dependency succeeded, and for a node without dependencies", () => {
    expect(check(gate, contextAt("dispatch", { node: nodeOf("review"), statuses: statuses({ api: "succeeded", threat: "succeeded" }) })).passed).toBe(true);
    expect(check(gate, contextAt("dispatch", { node: nodeOf("design"), statuses: new Map() })).passed).toBe(true);
  });
  it("fails a dependency that failed, needs review, or has no status, naming each", () => {
    const verdict = check(gate, contextAt("dispatch", { node: nodeOf("review"), statuses: statuses({ api: "needs-review" }) }));
    expect(verdict).toEqual({ passed: false, reason: "2 dependencies of review did not succeed: api (needs-review), threat (no status)" });
    expect(check(gate, contextAt("dispatch", { node: nodeOf("docs"), statuses: statuses({ api: "failed" }) })).reason).toBe(
      "1 dependency of docs did not succeed: api (failed)",
    );
  });
  it("fails when the node or the statuses are missing", () => {
    expect(check(gate, contextAt("dispatch", { statuses: new Map() })).passed).toBe(false);
    expect(check(gate, contextAt("dispatch", { node: nodeOf("design") })).reason).toMatch(/no node statuses/);
  });
});

describe("G4 prompt within budget with every pinned item", () => {
  const gate = createPromptBudgetGate();
  it("passes at exactly the cap with nothing missing", () => expect(check(gate, contextAt("dispatch", { prompt: prompt() })).passed).toBe(true));
  it("fails over the cap, with missing pinned items, or both", () => {
    expect(check(gate, contextAt("dispatch", { prompt: prompt({ tokens: 101 }) })).reason).toBe("the prompt has 101 tokens, over its hard cap of 100");
    const both = check(gate, contextAt("dispatch", { prompt: prompt({ tokens: 200, missingPinned: ["acceptance criteria", "metadata"] }) }));
    expect(both.reason).toBe("the prompt has 200 tokens, over its hard cap of 100; 2 pinned items not in the prompt: acceptance criteria, metadata");
  });
  it("fails without a prompt or with counts that are not numbers", () => {
    expect(check(gate, contextAt("dispatch")).passed).toBe(false);
    expect(check(gate, contextAt("dispatch", { prompt: prompt({ tokens: Number.NaN }) })).reason).toMatch(/not a number/);
  });
});

describe("G5 no secret findings in the prompt or the output", () => {
  const [atDispatch, atOutput] = [createPromptSecretsGate(redactSecrets), createOutputSecretsGate(redactSecrets)];
  const leaky = `deploy with ${GITHUB_TOKEN} and ${AWS_KEY}`;

  it("passes redacted text (redaction really happened) and fails raw text, without quoting the secret", () => {
    expect(check(atDispatch, contextAt("dispatch", { prompt: prompt({ text: redact(leaky) }) })).passed).toBe(true);
    expect(check(atOutput, contextAt("output", { output: redact(leaky) })).passed).toBe(true);
    const verdict = check(atDispatch, contextAt("dispatch", { prompt: prompt({ text: leaky }) }));
    expect(verdict).toEqual({ passed: false, reason: "the prompt still holds 2 secret findings after redaction (aws-access-key-id: 1, github-token: 1)" });
    expect(check(atOutput, contextAt("output", { output: leaky })).reason).toMatch(/^the output still holds 2 secret findings/);
  });

  it("uses the scanner it was given, so a project's allow-list applies to the check", () => {
    const redactor = createRedactor({ allow: [AWS_KEY] });
    const output = `example key ${AWS_KEY}`;
    expect(check(createOutputSecretsGate(redactor.redactSecrets), contextAt("output", { output: redactor(output) })).passed).toBe(true);
    expect(check(atOutput, contextAt("output", { output: redactor(output) })).passed).toBe(false);
  });

  it("fails when there is nothing to scan", () => {
    expect(check(atDispatch, contextAt("dispatch")).reason).toMatch(/no prompt/);
    expect(check(atOutput, contextAt("output")).reason).toMatch(/no output/);
  });
});

describe("G6 traceability recorded", () => {
  const gate = createTraceabilityGate();
  it("passes a handoff with URL, agent and timestamp", () => {
    expect(check(gate, contextAt("handoff", { handoff: { url: "https://github.com/acme/x/issues/1#c2", agent: "backend", at: 1_700_000_000_000 } })).passed).toBe(true);
  });
  it("fails each missing part, and a missing handoff", () => {
    expect(check(gate, contextAt("handoff", { handoff: { url: " ", agent: "", at: 0 } })).reason).toBe("the handoff has no URL, no agent, no timestamp");
    expect(check(gate, contextAt("handoff", { handoff: { url: "ledger://x#k", agent: "a", at: Number.NaN } })).reason).toBe("the handoff has no timestamp");
    expect(check(gate, contextAt("handoff", { handoff: { agent: "a", at: 5 } })).reason).toBe("the handoff has no URL");
    expect(check(gate, contextAt("handoff")).passed).toBe(false);
  });
});

describe("G7 output non-empty and declares its outputs", () => {
  const gate = createOutputDeclaredGate();
  const api = nodeOf("api");
  it("fails a blank or missing output", () => {
    expect(check(gate, contextAt("output", { node: api, output: " \n\t " })).reason).toBe("the output is empty");
    expect(check(gate, contextAt("output", { node: api })).passed).toBe(false);
  });
  it("passes non-blank output of a node without declared outputs", () => {
    expect(check(gate, contextAt("output", { node: nodeOf("threat"), output: "x" })).passed).toBe(true);
  });
  it("matches declared outputs as whole words, case-insensitively, across line breaks", () => {
    expect(check(gate, contextAt("output", { node: api, output: "Published @HYBRID/Limiter; see the Design\n   Doc." })).passed).toBe(true);
    const design = nodeOf("design");
    expect(check(gate, contextAt("output", { node: design, output: "ADR-0007 merged." })).passed).toBe(true);
    expect(check(gate, contextAt("output", { node: design, output: "adr-00071 merged, xadr-0007 too" })).passed).toBe(false);
    expect(check(gate, contextAt("output", { node: design, output: "adr_0007" })).passed).toBe(false);
  });
  it("names every declared output that is not mentioned; blank names are ignored", () => {
    const node = { ...api, outputs: ["@hybrid/limiter", "design doc", "  "] };
    expect(check(gate, contextAt("output", { node, output: "designed docs for @hybrid/limiters" })).reason).toBe(
      'the output does not mention 2 declared outputs: "@hybrid/limiter", "design doc"',
    );
  });
});

describe("G8 no failure suppressed", () => {
  const gate = createNoSuppressedFailureGate();
  const allDone = statuses({ design: "succeeded", api: "succeeded", threat: "succeeded", docs: "succeeded", review: "succeeded" });
  it("passes when every node succeeded, or every other one is reported", () => {
    expect(check(gate, contextAt("run", { statuses: allDone, reported: new Set() })).passed).toBe(true);
    const some = statuses({ design: "succeeded", api: "failed", threat: "succeeded", docs: "blocked", review: "blocked" });
    expect(check(gate, contextAt("run", { statuses: some, reported: new Set(["api", "docs", "review"]) })).passed).toBe(true);
  });
  it("fails a node that did not succeed and is not reported, one without a status, and an unknown id", () => {
    const some = statuses({ design: "succeeded", api: "failed", threat: "needs-review", docs: "succeeded", ghost: "failed" });
    const verdict = check(gate, contextAt("run", { statuses: some, reported: new Set(["api"]) }));
    expect(verdict.reason).toBe("3 nodes did not succeed and are not reported: ghost (failed), review (no status), threat (needs-review)");
    const one = check(gate, contextAt("run", { statuses: statuses({ ...Object.fromEntries(allDone), docs: "skipped" }), reported: new Set() }));
    expect(one.reason).toBe("1 node did not succeed and is not reported: docs (skipped)");
  });
  it("fails without statuses or reported failures", () => {
    expect(check(gate, contextAt("run", { statuses: allDone })).passed).toBe(false);
  });
});

describe("G9 join conflicts resolved by policy", () => {
  const gate = createJoinPolicyGate();
  const review = nodeOf("review");
  const conflicting = [
    { nodeId: "threat", priority: "security" as const, output: '{"auth":"mtls"}' },
    { nodeId: "api", priority: "implementation" as const, output: '{"auth":"token"}' },
  ];
  const withPolicy = (policy: JoinResolution["policy"]) => ({ ...review, join: { policy } });

  it("passes a merge-with-rules join that settled its conflicts, and any join without conflicts", () => {
    const merged = resolveJoin({ policy: "merge-with-rules" }, conflicting);
    expect(merged.conflicts).toHaveLength(1);
    expect(check(gate, contextAt("join", { node: review, join: merged }))).toEqual({ passed: true });
    for (const policy of ["fail-fast", "manual-escalation"] as const) {
      const join = resolveJoin({ policy }, [conflicting[0]!, { ...conflicting[1]!, output: '{"auth":"mtls","rate":5}' }]);
      expect(check(gate, contextAt("join", { node: withPolicy(policy), join }))).toEqual({ passed: true });
    }
  });
  it("fails a fail-fast conflict and a manual escalation, naming the keys and who said what", () => {
    const failFast = resolveJoin({ policy: "fail-fast" }, conflicting);
    expect(check(gate, contextAt("join", { node: withPolicy("fail-fast"), join: failFast }))).toEqual({
      passed: false,
      reason: 'a fail-fast join with 1 conflicting key fails the join: auth (threat: "mtls"; api: "token")',
    });
    const escalate = resolveJoin({ policy: "manual-escalation" }, conflicting);
    expect(check(gate, contextAt("join", { node: withPolicy("manual-escalation"), join: escalate })).reason).toBe(
      `a manual-escalation join with 1 conflicting key needs a person's decision: auth (threat: "mtls"; api: "token")`,
    );
  });
  it("passes a node without a join and no resolution; fails a join node without one", () => {
    expect(check(gate, contextAt("join", { node: nodeOf("docs") })).passed).toBe(true);
    expect(check(gate, contextAt("join", { node: review })).reason).toBe("join node review has no join resolution");
  });
  it("fails a resolution that claims to be resolved with conflicts it did not settle", () => {
    const base: JoinResolution = { policy: "fail-fast", status: "resolved", text: "", conflicts: [{ key: "auth", values: [] }] };
    expect(check(gate, contextAt("join", { join: base })).reason).toBe("a fail-fast join cannot resolve 1 conflict: auth");
    const merge: JoinResolution = { ...base, policy: "merge-with-rules", conflicts: [{ key: "auth", values: [{ nodeId: "a", value: 1 }], winner: "b" }, { key: "x", values: [] }] };
    expect(check(gate, contextAt("join", { join: merge })).reason).toBe("2 conflicts without a winner among its values: auth, x");
    expect(check(gate, contextAt("join", { join: { ...base, policy: "vote" as never } })).reason).toBe('unknown join policy "vote"');
    expect(check(gate, contextAt("join", { join: { ...base, status: "maybe" as never } })).reason).toBe('unknown join status "maybe"');
  });
  it("fails a resolution made under another policy than the node's", () => {
    const join = resolveJoin({ policy: "fail-fast" }, []);
    expect(check(gate, contextAt("join", { node: review, join })).reason).toBe("resolved under fail-fast, but node review joins under merge-with-rules");
  });
});

describe("G10 definition of done", () => {
  const gate = createDefinitionOfDoneGate();
  const api = nodeOf("api");
  it("passes criteria addressed in prose, with other word forms", () => {
    const output = "Implemented rate-limits: when a client is over its quota the limiter returned 429.\nLogging was audited: no secret is logged.";
    expect(check(gate, contextAt("output", { node: api, output }))).toEqual({ passed: true });
  });
  it("passes criteria ticked in a checklist", () => {
    const output = "Done.\n\n- [x] Rate limiting returns 429 when over quota (see CI)\n- [X] no secrets are logged";
    expect(check(gate, contextAt("output", { node: api, output })).passed).toBe(true);
  });
  it("asks for review when a criterion is missing or left unticked, naming it", () => {
    const missing = check(gate, contextAt("output", { node: api, output: "Rate limiting returns 429 when over quota." }));
    expect(missing).toEqual({ passed: false, needsReview: true, reason: '1 of 2 acceptance criteria not addressed: "No secrets are logged" (missing: no, secrets, logged)' });
    const open = check(gate, contextAt("output", { node: api, output: "- [x] Rate limiting returns 429 when over quota\n- [ ] No secrets are logged" }));
    expect(open.reason).toBe('1 of 2 acceptance criteria not addressed: "No secrets are logged" (left unticked)');
  });
  it("fails outright without a node or an output", () => {
    expect(check(gate, contextAt("output", { output: "x" }))).toEqual({ passed: false, reason: "the output stage was given no node" });
    expect(check(gate, contextAt("output", { node: api })).needsReview).toBeUndefined();
  });
});
