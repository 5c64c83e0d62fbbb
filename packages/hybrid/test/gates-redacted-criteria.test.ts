// G10 and a secret in an acceptance criterion: the agent read the criterion redacted, so G10
// assesses it redacted. Before, G10 asked for the secret's words and listed them lower-cased in its
// reason, where the redactor no longer recognised them (an AWS key id is upper case): the reason
// went into the journal, the gate log and the post-mortem on GitHub with the key in it.
import { createRedactor, redact } from "@hybrid/context";
import { describe, expect, it } from "vitest";
import { createDefinitionOfDoneGate, createGateRegistry, type GateVerdict } from "../src/index.js";
import { AWS_KEY, contextAt, nodeOf } from "./gates-fixtures.js";

const node = { ...nodeOf("api"), acceptance: [`The old key ${AWS_KEY} revoked`] };

describe("G10 with a secret in a criterion", () => {
  it("passes an output that addresses the criterion as the agent read it (redacted)", () => {
    const output = `- [x] ${redact(node.acceptance[0]!)}`;
    expect(createDefinitionOfDoneGate().check(contextAt("output", { node, output }))).toEqual({ passed: true });
  });

  it("never names the secret, in any case, in the reason of the gate or of the registry's log", async () => {
    const verdict = createDefinitionOfDoneGate().check(contextAt("output", { node, output: "nothing done" })) as GateVerdict;
    expect(verdict.passed).toBe(false);
    expect(verdict.reason!.toLowerCase()).not.toContain(AWS_KEY.toLowerCase());
    const { entries } = await createGateRegistry({ redact }).evaluate("output", contextAt("output", { node, output: "nothing done" }));
    const g10 = entries.find((entry) => entry.gate === "G10")!;
    expect(g10.needsReview).toBe(true);
    expect(g10.reason!.toLowerCase()).not.toContain(AWS_KEY.toLowerCase());
  });

  it("assesses with the registry's own redactor (a known secret it alone redacts)", async () => {
    const own = createRedactor({ secrets: ["project-deploy-phrase"] });
    const withPhrase = { ...node, acceptance: ["Rotate project-deploy-phrase everywhere"] };
    const output = `- [x] ${own(withPhrase.acceptance[0]!)}`;
    const { entries } = await createGateRegistry({ redact: own }).evaluate("output", contextAt("output", { node: withPhrase, output }));
    expect(entries.find((entry) => entry.gate === "G10")).toMatchObject({ passed: true });
  });

  it("refuses a redactor that is not a function", () => {
    expect(() => createDefinitionOfDoneGate("redact" as never)).toThrow(TypeError);
  });
});
