// Small helpers the built-in gates share.
import type { GateId } from "../config-schema.js";
import type { GateContext, GateStage, GateVerdict, QualityGate } from "../gate-contract.js";

/** Every gate stage, in the order a run meets them. */
export const GATE_STAGES = ["plan", "dispatch", "join", "output", "handoff", "run"] as const satisfies readonly GateStage[];

// Compile-time check that GATE_STAGES names every stage of the contract.
type MissingStage = Exclude<GateStage, (typeof GATE_STAGES)[number]>;
const everyStage: MissingStage extends never ? true : never = true;
void everyStage;

/** A frozen gate object. */
export function defineGate(id: GateId, name: string, stage: GateStage, check: (context: GateContext) => GateVerdict): QualityGate {
  return Object.freeze({ id, name, stage, check });
}

/** The passing verdict (the built-in gates give no reason when they pass, so the log stays short). */
export const PASS: GateVerdict = Object.freeze({ passed: true });

/** A failing verdict. */
export function fail(reason: string): GateVerdict {
  return { passed: false, reason };
}

/** `a, b, c` or `a, b, c and 7 more`: a bounded list for a reason. */
export function listed(items: readonly string[], most = 10): string {
  const shown = items.slice(0, most).join(", ");
  return items.length > most ? `${shown} and ${items.length - most} more` : shown;
}

/** `1 node` / `2 nodes`. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** Text for a reason, cut to `max` characters (criteria and names come from the workflow). */
export function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `api: 2, email: 1`: findings by kind, sorted by kind. */
export function kinds(findings: ReadonlyArray<{ kind: string }>): string {
  const counts = new Map<string, number>();
  for (const { kind } of findings) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([kind, n]) => `${kind}: ${n}`).join(", ");
}
