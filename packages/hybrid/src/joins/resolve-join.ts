// The deterministic join resolver: a join node's upstream outputs, ordered by priority class and
// id, their structured parts merged by key and their conflicts settled (or not) by the policy.
import { JOIN_POLICIES, PRIORITIES, type JoinPolicy } from "@hybrid/graph";
import type { JoinInput, JoinResolution } from "../gate-contract.js";
import { JoinInputError, type JoinInputProblem } from "./errors.js";
import { byCodeUnit, mergeContributions, type Contribution } from "./merge.js";
import { splitOutput } from "./structured.js";

/** A node's `join` as the workflow declares it. */
export interface JoinSpec {
  policy: JoinPolicy;
  /** Free-text rules, shown to the joining agent. */
  rules?: readonly string[];
}

const RANK = new Map<string, number>(PRIORITIES.map((priority, i) => [priority, i]));
const POLICIES = new Set<string>(JOIN_POLICIES);

function problemsOf(join: JoinSpec, inputs: readonly JoinInput[]): JoinInputProblem[] {
  const problems: JoinInputProblem[] = [];
  if (!POLICIES.has(join?.policy)) problems.push({ path: "join.policy", message: `expected one of ${JOIN_POLICIES.join(", ")}` });
  const rules: unknown = join?.rules;
  if (rules !== undefined && (!Array.isArray(rules) || !rules.every((rule) => typeof rule === "string"))) {
    problems.push({ path: "join.rules", message: "expected an array of strings" });
  }
  if (!Array.isArray(inputs)) return [...problems, { path: "inputs", message: "expected an array" }];
  const seen = new Set<string>();
  inputs.forEach((input, i) => {
    const { nodeId, priority, output } = (input ?? {}) as Partial<JoinInput>;
    if (typeof nodeId !== "string" || nodeId === "") problems.push({ path: `inputs[${i}].nodeId`, message: "expected a node id" });
    else if (seen.has(nodeId)) problems.push({ path: `inputs[${i}].nodeId`, message: `"${nodeId}" is given twice` });
    else seen.add(nodeId);
    if (!RANK.has(priority as string)) problems.push({ path: `inputs[${i}].priority`, message: `expected one of ${PRIORITIES.join(", ")}` });
    if (typeof output !== "string") problems.push({ path: `inputs[${i}].output`, message: "expected a string" });
  });
  return problems;
}

/** Resolution order: priority class (security first), then node id by code unit. */
function resolutionOrder(a: JoinInput, b: JoinInput): number {
  return RANK.get(a.priority)! - RANK.get(b.priority)! || byCodeUnit(a.nodeId, b.nodeId);
}

/** The keys of sorted objects, so the merged block reads the same whatever order keys arrived in. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort(byCodeUnit)) sorted[key] = (value as Record<string, unknown>)[key];
  return sorted;
}

/**
 * Resolves a join node's upstream outputs. Pure and deterministic: the order of `inputs` never
 * changes the result.
 *
 * - Order: security, architecture, implementation, docs; ties by node id (code units).
 * - Structured part of an output: the first ```json fenced block holding a JSON object, or the
 *   whole output when it is one; malformed JSON is text.
 * - Structured parts merge key by key, objects recursively; a key whose values differ (canonical
 *   JSON; arrays are compared whole) is a conflict. `fail-fast` → `status: "conflict"`;
 *   `manual-escalation` → `"escalate"`; `merge-with-rules` → `"resolved"`, the highest class
 *   (then the lowest id) wins, named in `winner`. No conflict → `"resolved"` under every policy.
 * - `text`: each input under `## <nodeId> (<priority>)` in that order (its prose; a note when it
 *   had only structure), then the join rules, then the conflicts, then — when resolved and any
 *   input had structure — `merged` as a fenced JSON block (keys sorted). `merged` is set only then.
 *
 * @throws JoinInputError for an unknown policy, rules that are not strings, or malformed or duplicate inputs
 */
export function resolveJoin(join: JoinSpec, inputs: readonly JoinInput[]): JoinResolution {
  const problems = problemsOf(join, inputs);
  if (problems.length > 0) throw new JoinInputError(problems);
  const policy = join.policy;
  const ordered = [...inputs].sort(resolutionOrder);
  const parts = ordered.map((input) => ({ input, ...splitOutput(input.output) }));
  const contributions: Contribution[] = parts.flatMap(({ input, structured }) => (structured ? [{ nodeId: input.nodeId, value: structured }] : []));
  const { merged, conflicts } = mergeContributions(contributions);

  const status: JoinResolution["status"] =
    conflicts.length === 0 ? "resolved" : policy === "fail-fast" ? "conflict" : policy === "manual-escalation" ? "escalate" : "resolved";
  const settled = policy === "merge-with-rules";
  const resolutionConflicts: JoinResolution["conflicts"] = conflicts.map((c) => (settled ? { ...c, winner: c.values[0]!.nodeId } : c));

  const sections = parts.map(({ input, structured, text }) => {
    const body = text !== "" ? text : structured ? "(structured output only)" : "(no output)";
    return `## ${input.nodeId} (${input.priority})\n\n${body}`;
  });
  if (join.rules && join.rules.length > 0) sections.push(`## Join rules\n\n${join.rules.map((rule) => `- ${rule}`).join("\n")}`);
  if (conflicts.length > 0) {
    const lines = conflicts.map(({ key, values }) => {
      const from = values.map((v) => v.nodeId).join(", ");
      return settled ? `- \`${key}\`: ${values[0]!.nodeId}'s value kept (values from ${from})` : `- \`${key}\`: the values from ${from} differ`;
    });
    const heading = settled ? "Conflicts settled by priority" : `Conflicts (unresolved: ${policy})`;
    sections.push(`## ${heading}\n\n${lines.join("\n")}`);
  }
  const keep = status === "resolved" && contributions.length > 0;
  if (keep) sections.push(`## Merged structured output\n\n\`\`\`json\n${JSON.stringify(merged, sortedKeys, 2)}\n\`\`\``);
  return { policy, status, text: sections.join("\n\n"), ...(keep ? { merged } : {}), conflicts: resolutionConflicts };
}
