// The built-in quality gates G1–G10, in id order. docs/quality-gates.md documents each one.
import { redact as contextRedact, redactSecrets } from "@hybrid/context";
import type { QualityGate } from "../gate-contract.js";
import { GateOptionsError } from "./errors.js";
import {
  createDefinitionOfDoneGate,
  createDependenciesGate,
  createOutputDeclaredGate,
  createOutputSecretsGate,
  createPromptBudgetGate,
  createPromptSecretsGate,
  createTraceabilityGate,
  type SecretScanner,
} from "./node-gates.js";
import { createAcceptanceCriteriaGate, createJoinPolicyGate, createNoSuppressedFailureGate, createWorkflowValidGate } from "./workflow-gates.js";

/** Options of the built-in gates. */
export interface DefaultGatesOptions {
  /**
   * What G5 scans the redacted prompt and output with. Pass your redactor's `redactSecrets` when
   * you redact with `createRedactor(options)`, so its allow-list and rules apply to the check too.
   * @default `@hybrid/context`'s `redactSecrets`
   */
  scan?: SecretScanner;
  /**
   * The run's redactor: G10 assesses the acceptance criteria as the agent read them, redacted.
   * @default `@hybrid/context`'s `redact`
   */
  redact?: (text: string) => string;
}

/**
 * The built-in gates, in id order: G1, G2 (`plan`), G3, G4, G5 (`dispatch`), G5 (`output`), G6
 * (`handoff`), G7 (`output`), G8 (`run`), G9 (`join`), G10 (`output`). G5 is two objects with the
 * same id, one per stage it runs at.
 * @throws GateOptionsError when `scan` is not a function
 */
export function createDefaultGates(options: DefaultGatesOptions = {}): readonly QualityGate[] {
  const scan = options.scan ?? redactSecrets;
  if (typeof scan !== "function") throw new GateOptionsError("default gate options", [{ path: "scan", message: `expected a (text) => { findings } function, got ${typeof scan}` }]);
  return Object.freeze([
    createWorkflowValidGate(),
    createAcceptanceCriteriaGate(),
    createDependenciesGate(),
    createPromptBudgetGate(),
    createPromptSecretsGate(scan),
    createOutputSecretsGate(scan),
    createTraceabilityGate(),
    createOutputDeclaredGate(),
    createNoSuppressedFailureGate(),
    createJoinPolicyGate(),
    createDefinitionOfDoneGate(options.redact ?? contextRedact),
  ]);
}
