// The gates that look at one node: G3, G4, G5 (dispatch), G5, G7, G10 (output) and G6 (handoff).
import { redact as contextRedact } from "@hybrid/context";
import type { GateVerdict, QualityGate } from "../gate-contract.js";
import { assessAcceptance } from "./acceptance.js";
import { PASS, clip, count, defineGate, fail, kinds, listed } from "./define.js";
import { collapse, mentions } from "./text-match.js";

/**
 * Scans text for secrets and PII: `@hybrid/context`'s `redactSecrets`, or a project redactor's
 * `redactor.redactSecrets` (same allow-list and rules as the redaction it checks).
 */
export type SecretScanner = (text: string) => { findings: ReadonlyArray<{ kind: string }> };

/**
 * G3, stage `dispatch`: every dependency of the node has status `succeeded` in `context.statuses`
 * (a dependency without a status has not succeeded).
 */
export function createDependenciesGate(): QualityGate {
  return defineGate("G3", "dependencies succeeded before dispatch", "dispatch", ({ node, statuses }) => {
    if (!node) return fail("the dispatch stage was given no node");
    if (!statuses) return fail(`node ${node.id}: the dispatch stage was given no node statuses`);
    const unmet = node.dependsOn.filter((id) => statuses.get(id) !== "succeeded").map((id) => `${id} (${statuses.get(id) ?? "no status"})`);
    if (unmet.length === 0) return PASS;
    return fail(`${count(unmet.length, "dependency", "dependencies")} of ${node.id} did not succeed: ${listed(unmet)}`);
  });
}

/**
 * G4, stage `dispatch`: the prompt is within budget with every pinned item:
 * `prompt.tokens <= prompt.hardCap` (both finite numbers) and `prompt.missingPinned` is empty.
 */
export function createPromptBudgetGate(): QualityGate {
  return defineGate("G4", "prompt within budget with every pinned item", "dispatch", ({ prompt }) => {
    if (!prompt) return fail("the dispatch stage was given no prompt");
    const { tokens, hardCap } = prompt;
    if (!Number.isFinite(tokens) || !Number.isFinite(hardCap)) return fail(`the prompt's token count (${tokens}) or hard cap (${hardCap}) is not a number`);
    const problems: string[] = [];
    if (tokens > hardCap) problems.push(`the prompt has ${tokens} tokens, over its hard cap of ${hardCap}`);
    const missing = prompt.missingPinned ?? [];
    if (missing.length > 0) problems.push(`${count(missing.length, "pinned item")} not in the prompt: ${listed(missing.map((item) => clip(item)))}`);
    return problems.length === 0 ? PASS : fail(problems.join("; "));
  });
}

function scanned(scan: SecretScanner, text: string, what: string): GateVerdict {
  const { findings } = scan(text);
  if (findings.length === 0) return PASS;
  return fail(`${what} still holds ${count(findings.length, "secret finding")} after redaction (${kinds(findings)})`);
}

/**
 * G5 at stage `dispatch`: the prompt that leaves (`prompt.text`, after redaction) has no finding
 * when scanned again: redaction really happened. One of the two G5 objects (see
 * `createOutputSecretsGate`); replacing G5 by id replaces both.
 */
export function createPromptSecretsGate(scan: SecretScanner): QualityGate {
  return defineGate("G5", "no secret findings in the prompt", "dispatch", ({ prompt }) => {
    if (!prompt) return fail("the dispatch stage was given no prompt to scan");
    return scanned(scan, prompt.text, "the prompt");
  });
}

/** G5 at stage `output`: the output as it will be journaled (after redaction) has no finding when scanned again. */
export function createOutputSecretsGate(scan: SecretScanner): QualityGate {
  return defineGate("G5", "no secret findings in the output", "output", ({ output }) => {
    if (typeof output !== "string") return fail("the output stage was given no output to scan");
    return scanned(scan, output, "the output");
  });
}

/**
 * G6, stage `handoff`: traceability recorded: the handoff has a URL and an agent that are not
 * blank, and a timestamp (`at`, a finite number > 0, milliseconds since the epoch).
 */
export function createTraceabilityGate(): QualityGate {
  return defineGate("G6", "traceability recorded", "handoff", ({ handoff }) => {
    if (!handoff) return fail("no handoff was recorded");
    const missing: string[] = [];
    if (typeof handoff.url !== "string" || handoff.url.trim() === "") missing.push("URL");
    if (typeof handoff.agent !== "string" || handoff.agent.trim() === "") missing.push("agent");
    if (typeof handoff.at !== "number" || !Number.isFinite(handoff.at) || handoff.at <= 0) missing.push("timestamp");
    return missing.length === 0 ? PASS : fail(`the handoff has no ${missing.join(", no ")}`);
  });
}

/**
 * G7, stage `output`: the output has a character that is not white space, and mentions each of
 * the node's declared `outputs`. "Mentioned": the name occurs in the output as whole words,
 * case-insensitively (NFKC lower case), runs of white space in both counting as one space; where
 * the name starts (ends) with a letter, digit or `_`, the output's character before (after) it is
 * none of those. `adr-0007` is mentioned by "ADR-0007 merged", not by "adr-00071". Blank names are
 * ignored.
 */
export function createOutputDeclaredGate(): QualityGate {
  return defineGate("G7", "output non-empty and declares its outputs", "output", ({ node, output }) => {
    if (typeof output !== "string" || !/\S/.test(output)) return fail("the output is empty");
    const declared = (node?.outputs ?? []).map((name) => [name, collapse(name)] as const).filter(([, wanted]) => wanted !== "");
    if (declared.length === 0) return PASS;
    const text = collapse(output);
    const missing = declared.filter(([, wanted]) => !mentions(text, wanted)).map(([name]) => `"${clip(name)}"`);
    if (missing.length === 0) return PASS;
    return fail(`the output does not mention ${count(missing.length, "declared output")}: ${listed(missing)}`);
  });
}

/**
 * G10, stage `output`: Definition of Done. Every acceptance criterion of the node is addressed in
 * the output, by `assessAcceptance`'s heuristic. A node that fails it is done but needs a
 * person's review: `{ passed: false, needsReview: true, reason }`.
 *
 * The criteria are assessed as the agent read them, redacted with `redact` (the run's redactor):
 * a secret in a criterion never reached the agent, so it cannot be asked for, and the reason's
 * missing words (lower-cased, which the redactor may no longer recognise) must not quote it.
 */
export function createDefinitionOfDoneGate(redact: (text: string) => string = contextRedact): QualityGate {
  if (typeof redact !== "function") throw new TypeError(`createDefinitionOfDoneGate(redact) expects a (text) => string, got ${typeof redact}`);
  return defineGate("G10", "definition of done", "output", ({ node, output }) => {
    if (!node) return fail("the output stage was given no node");
    if (typeof output !== "string") return fail(`node ${node.id}: the output stage was given no output`);
    const open = assessAcceptance((node.acceptance ?? []).map((criterion) => redact(criterion)), output).filter((a) => !a.addressed);
    if (open.length === 0) return PASS;
    const why = open.map((a) => `"${clip(a.criterion)}" (${a.by === "open" ? "left unticked" : `missing: ${listed(a.missing, 6)}`})`);
    return { passed: false, needsReview: true, reason: `${open.length} of ${node.acceptance.length} acceptance criteria not addressed: ${why.join("; ")}` };
  });
}
