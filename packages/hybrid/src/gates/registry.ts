// The gate registry: the built-in gates with a team's replacements, switched on and off by config,
// evaluated the same way at every stage and in both modes.
import { checkedRedact } from "@hybrid/resilience";
import { GATE_IDS, GatesConfigSchema, type GateId, type HybridConfig } from "../config-schema.js";
import type { GateContext, GateLogEntry, GateStage, GateVerdict, QualityGate } from "../gate-contract.js";
import { createDefaultGates } from "./default-gates.js";
import { GATE_STAGES, clip } from "./define.js";
import { GateOptionsError, type GateOptionsProblem } from "./errors.js";
import type { SecretScanner } from "./node-gates.js";

/** Longest reason kept in the log, after redaction. */
const MAX_REASON = 2_000;

/** Options of `createGateRegistry`. */
export interface GateRegistryOptions {
  /**
   * Replacements by id: every built-in gate whose id appears here is dropped (both G5 objects for
   * `G5`), and these run instead, at their own stage. Several objects may share an id when they
   * run at different stages.
   * @default []
   */
  gates?: readonly QualityGate[];
  /** Per gate, `{ enabled }` (the config's `gates` section). A gate not listed is enforced. @default {} */
  config?: HybridConfig["gates"];
  /** Redacts every reason before it is logged: the run's one redactor. */
  redact: (text: string) => string;
  /**
   * What the built-in G5 scans with.
   * @default `redact.redactSecrets` when `redact` is a `@hybrid/context` redactor, else context's `redactSecrets`
   */
  scan?: SecretScanner;
}

/** What one stage's gates decided. */
export interface GateEvaluation {
  /** One entry per gate of the stage, in id order: every gate runs, enabled or not. */
  entries: GateLogEntry[];
  /** The first enforced gate that failed outright (not one that asked for review): the transition stops. */
  failed?: GateLogEntry;
  /**
   * True when no enforced gate failed outright and one failed asking for a person's review (G10,
   * its entry marked `needsReview`): the node is done but `needs-review`, not failed.
   */
  needsReview: boolean;
}

/** The gates of a run. */
export interface GateRegistry {
  /** The gates that run at a stage, in id order. */
  gates(stage: GateStage): readonly QualityGate[];
  /** Whether a gate is enforced (`false`: evaluated and logged as a bypass when it fails). */
  enabled(id: GateId): boolean;
  /**
   * Runs every gate of `stage` in id order, one after another, on `context` (whose `stage` must be
   * `stage`). A gate that throws, or returns no verdict, failed. Never rejects for a gate's sake.
   * @throws GateOptionsError (as a rejection) when `stage` is unknown or `context.stage` differs
   */
  evaluate(stage: GateStage, context: GateContext): Promise<GateEvaluation>;
}

const RANK = new Map<string, number>(GATE_IDS.map((id, i) => [id, i]));
const STAGES = new Set<string>(GATE_STAGES);

function replacementProblems(gates: readonly unknown[]): GateOptionsProblem[] {
  const problems: GateOptionsProblem[] = [];
  const seen = new Set<string>();
  gates.forEach((value, i) => {
    const gate = value as Partial<QualityGate> | null;
    const at = `gates[${i}]`;
    if (typeof gate !== "object" || gate === null) return problems.push({ path: at, message: "expected a gate object" });
    if (!RANK.has(gate.id as string)) problems.push({ path: `${at}.id`, message: `expected one of ${GATE_IDS.join(", ")}` });
    if (typeof gate.name !== "string" || gate.name.trim() === "") problems.push({ path: `${at}.name`, message: "expected a name" });
    if (!STAGES.has(gate.stage as string)) problems.push({ path: `${at}.stage`, message: `expected one of ${GATE_STAGES.join(", ")}` });
    if (typeof gate.check !== "function") problems.push({ path: `${at}.check`, message: "expected a function" });
    const key = `${String(gate.id)} ${String(gate.stage)}`;
    if (seen.has(key)) problems.push({ path: at, message: `a second replacement for ${String(gate.id)} at stage ${String(gate.stage)}` });
    seen.add(key);
    return undefined;
  });
  return problems;
}

function isVerdict(value: unknown): value is GateVerdict {
  return typeof value === "object" && value !== null && typeof (value as GateVerdict).passed === "boolean";
}

function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "an unprintable value";
  }
}

/** Runs one gate; a throw or a malformed verdict is a failure with its reason. */
async function run(gate: QualityGate, context: GateContext): Promise<GateVerdict> {
  try {
    const verdict: unknown = await gate.check(context);
    return isVerdict(verdict) ? verdict : { passed: false, reason: "the gate returned no verdict" };
  } catch (error) {
    return { passed: false, reason: `the gate threw: ${errorMessage(error)}` };
  }
}

/**
 * Builds the gate registry of a run: the built-in gates (`createDefaultGates`), each replaced by
 * the `gates` of its id, enforced or not by `config`.
 * @throws GateOptionsError naming each invalid replacement or config entry
 * @throws InvalidRedactorError (from `@hybrid/resilience`) when `redact` is not a `(text) => string`
 * @example
 * const gates = createGateRegistry({ config: config.gates, redact });
 * const { failed } = await gates.evaluate("dispatch", { stage: "dispatch", runId, mode, workflow, plan, node, statuses, prompt });
 */
export function createGateRegistry(options: GateRegistryOptions): GateRegistry {
  const redact = checkedRedact(options?.redact, "createGateRegistry({ redact })");
  const replacements = options.gates ?? [];
  const problems = Array.isArray(replacements) ? replacementProblems(replacements) : [{ path: "gates", message: "expected an array of gates" }];
  const parsed = GatesConfigSchema.safeParse(options.config ?? {});
  for (const issue of parsed.error?.issues ?? []) {
    const path = ["config", ...issue.path.map(String)];
    // An unknown gate id (or field) is one problem at its own path, not one at its parent's.
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
    for (const key of keys) problems.push({ path: [...path, ...(key === undefined ? [] : [key])].join("."), message: key === undefined ? issue.message : "unknown key" });
  }
  if (problems.length > 0) throw new GateOptionsError("gate registry options", problems);

  const scanner = (options.redact as { redactSecrets?: unknown }).redactSecrets;
  const scan = options.scan ?? (typeof scanner === "function" ? (scanner as SecretScanner) : undefined);
  const replaced = new Set(replacements.map((gate) => gate.id));
  const all = [...createDefaultGates({ redact, ...(scan ? { scan } : {}) }).filter((gate) => !replaced.has(gate.id)), ...replacements];
  const byStage = new Map<string, readonly QualityGate[]>(
    GATE_STAGES.map((stage) => [stage, Object.freeze(all.filter((g) => g.stage === stage).sort((a, b) => RANK.get(a.id)! - RANK.get(b.id)!))]),
  );
  const config = parsed.data!;
  const enabled = (id: GateId): boolean => config[id]?.enabled !== false;

  const gates = (stage: GateStage): readonly QualityGate[] => {
    const list = byStage.get(stage);
    if (!list) throw new GateOptionsError("gate stage", [{ path: "stage", message: `expected one of ${GATE_STAGES.join(", ")}, got ${clip(String(stage))}` }]);
    return list;
  };

  const evaluate = async (stage: GateStage, context: GateContext): Promise<GateEvaluation> => {
    const list = gates(stage);
    if (context?.stage !== stage) {
      throw new GateOptionsError("evaluate call", [{ path: "context.stage", message: `expected ${stage}, got ${clip(String(context?.stage))}` }]);
    }
    const nodeId = context.node?.id;
    const entries: GateLogEntry[] = [];
    for (const gate of list) {
      const verdict = await run(gate, context);
      const passed = verdict.passed;
      const entry: GateLogEntry = { gate: gate.id, ...(nodeId !== undefined ? { nodeId } : {}), stage, passed, decision: passed ? "pass" : enabled(gate.id) ? "fail" : "bypass" };
      const reason = typeof verdict.reason === "string" && verdict.reason !== "" ? verdict.reason : passed ? undefined : "the gate gave no reason";
      if (reason !== undefined) entry.reason = clip(redact(reason), MAX_REASON);
      if (!passed && verdict.needsReview === true) entry.needsReview = true;
      entries.push(entry);
    }
    const failed = entries.find((entry) => entry.decision === "fail" && entry.needsReview !== true);
    if (failed) return { entries, failed, needsReview: false };
    return { entries, needsReview: entries.some((entry) => entry.decision === "fail") };
  };

  return Object.freeze({ gates, enabled, evaluate });
}
