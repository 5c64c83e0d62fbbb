// The errors of the gate registry. Each carries a stable `code` and a `Symbol.for` brand, so
// `isGateOptionsError` still works when two copies of the package are installed.

const brand = Symbol.for("hybrid.hybrid.GateOptionsError");

/** One invalid option: its dotted path (`gates[2].stage`, `config.G11`) and what is wrong with it. */
export interface GateOptionsProblem {
  path: string;
  message: string;
}

/**
 * Invalid options of `createGateRegistry` or `createDefaultGates` (a replacement gate without a
 * known id, stage or `check`, two replacements for one id and stage, an unknown gate in `config`),
 * or an `evaluate` call whose context is for another stage: each problem names its path.
 */
export class GateOptionsError extends Error {
  readonly code = "invalid-gate-options" as const;
  readonly problems: readonly GateOptionsProblem[];
  readonly [brand] = true;

  constructor(what: string, problems: readonly GateOptionsProblem[], cause?: unknown) {
    super([`[hybrid] invalid ${what}:`, ...problems.map((p) => `  - ${p.path || "(root)"}: ${p.message}`)].join("\n"), { cause });
    this.name = "GateOptionsError";
    this.problems = problems;
  }
}

/** True for a {@link GateOptionsError} from any installed copy of this package. */
export const isGateOptionsError = (value: unknown): value is GateOptionsError =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
