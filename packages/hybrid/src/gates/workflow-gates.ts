// The gates that look at the whole workflow or the whole run: G1, G2 (plan), G8 (run) and G9 (join).
import { JOIN_POLICIES, analyseWorkflow, type GraphProblem } from "@hybrid/graph";
import type { QualityGate } from "../gate-contract.js";
import { PASS, clip, count, defineGate, fail, listed } from "./define.js";

function describeProblem(problem: GraphProblem): string {
  return `${problem.path || "(document)"}: ${problem.message} [${problem.code}]`;
}

/**
 * G1, stage `plan`: the workflow is valid and acyclic. Re-checks the workflow with `@hybrid/graph`
 * (schema, unique ids, known dependencies, no self-dependency, no cycle) even though a loaded
 * workflow was checked once: the orchestrator may be handed a parsed spec built in code.
 */
export function createWorkflowValidGate(): QualityGate {
  return defineGate("G1", "workflow valid and acyclic", "plan", ({ workflow }) => {
    const { problems } = analyseWorkflow(workflow, { build: false });
    if (problems.length === 0) return PASS;
    const cycles = problems.filter((problem) => problem.code === "cycle").length;
    const shown = problems.slice(0, 3).map(describeProblem);
    if (problems.length > shown.length) shown.push(`and ${problems.length - shown.length} more`);
    const of = cycles > 0 ? ` (${count(cycles, "cycle")})` : "";
    return fail(`the workflow has ${count(problems.length, "problem")}${of}: ${shown.join("; ")}`);
  });
}

/** G2, stage `plan`: every node has at least one acceptance criterion that is not blank. */
export function createAcceptanceCriteriaGate(): QualityGate {
  return defineGate("G2", "every node has acceptance criteria", "plan", ({ workflow }) => {
    const without = workflow.nodes
      .filter((node) => !Array.isArray(node.acceptance) || !node.acceptance.some((c) => typeof c === "string" && c.trim() !== ""))
      .map((node) => node.id);
    if (without.length === 0) return PASS;
    return fail(`${count(without.length, "node")} without acceptance criteria: ${listed(without)}`);
  });
}

/**
 * G8, stage `run`: no failure suppressed. Every node of the workflow or of `statuses` whose status
 * is not `succeeded` (failed, blocked, skipped, needs-review, needs-escalation, still pending, or
 * no status at all) is in `reported`.
 */
export function createNoSuppressedFailureGate(): QualityGate {
  return defineGate("G8", "no failure suppressed", "run", ({ workflow, statuses, reported }) => {
    if (!statuses || !reported) return fail("the run stage was given no node statuses or no reported failures");
    const ids = new Set(workflow.nodes.map((node) => node.id));
    for (const id of statuses.keys()) ids.add(id);
    const suppressed = [...ids]
      .filter((id) => statuses.get(id) !== "succeeded" && !reported.has(id))
      .sort()
      .map((id) => `${id} (${statuses.get(id) ?? "no status"})`);
    if (suppressed.length === 0) return PASS;
    return fail(`${count(suppressed.length, "node")} did not succeed and ${suppressed.length === 1 ? "is" : "are"} not reported: ${listed(suppressed)}`);
  });
}

/**
 * G9, stage `join`: join conflicts are resolved by policy. Passes when the resolution is
 * `resolved`: without conflicts under any policy, or under merge-with-rules with a winner (one of
 * the conflicting nodes) for every conflict. Fails, naming the conflicting keys, when a fail-fast
 * join ended as `conflict` or a manual-escalation join as `escalate` (the orchestrator stops the
 * node as failed, or as needs-escalation, from `join.status`), and when the resolution is missing
 * for a join node, was made under another policy than the node's, claims `resolved` with
 * conflicts it did not settle, or has an unknown policy or status.
 */
export function createJoinPolicyGate(): QualityGate {
  return defineGate("G9", "join conflicts resolved by policy", "join", ({ node, join }) => {
    if (!join) return node?.join ? fail(`join node ${node.id} has no join resolution`) : PASS;
    const { policy, status } = join;
    if (!JOIN_POLICIES.includes(policy)) return fail(`unknown join policy "${clip(String(policy))}"`);
    if (node?.join && node.join.policy !== policy) return fail(`resolved under ${policy}, but node ${node.id} joins under ${node.join.policy}`);
    const conflicts = join.conflicts ?? [];
    const keys = listed(conflicts.map((c) => clip(c.key)));
    if (status === "conflict" || status === "escalate") {
      const end = status === "conflict" ? "fails the join" : "needs a person's decision";
      // Who said what, so the person who decides need not dig through the journal.
      const said = listed(conflicts.map((c) => `${clip(c.key)} (${(c.values ?? []).map((v) => `${v.nodeId}: ${clip(JSON.stringify(v.value) ?? String(v.value), 60)}`).join("; ")})`));
      return fail(`a ${policy} join with ${count(conflicts.length, "conflicting key")} ${end}: ${said}`);
    }
    if (status !== "resolved") return fail(`unknown join status "${clip(String(status))}"`);
    if (conflicts.length === 0) return PASS;
    if (policy !== "merge-with-rules") return fail(`a ${policy} join cannot resolve ${count(conflicts.length, "conflict")}: ${keys}`);
    const unsettled = conflicts.filter((c) => c.winner === undefined || !c.values.some((v) => v.nodeId === c.winner)).map((c) => clip(c.key));
    if (unsettled.length > 0) return fail(`${count(unsettled.length, "conflict")} without a winner among its values: ${listed(unsettled)}`);
    return PASS;
  });
}
