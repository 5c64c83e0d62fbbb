// Environment overrides: one variable per knob an operator may need to turn without editing the
// file (in a CI job, a container, a shell). Parsed strictly: a value that is not understood is an
// error naming the variable, never a silent default.
import type { ConfigProblem } from "./config-errors.js";
import type { Override } from "./config-layers.js";

/** How a variable's text is read. */
export type EnvKind = "boolean" | "integer" | "string" | "list";

/** One environment variable and the key it overrides. */
export interface EnvVariable {
  variable: string;
  keys: readonly string[];
  kind: EnvKind;
}

const v = (variable: string, path: string, kind: EnvKind): EnvVariable => ({ variable, keys: path.split("."), kind });

/** Every environment variable `loadConfig` reads, in documented order (docs/configuration.md). */
export const CONFIG_ENV_VARIABLES: readonly EnvVariable[] = Object.freeze([
  v("HYBRID_ORCHESTRATION_ENABLED", "flags.hybrid_orchestration_enabled", "boolean"),
  v("HYBRID_PARALLEL_GRAPH_ENABLED", "flags.parallel_graph_enabled", "boolean"),
  v("HYBRID_MEMORY_HIERARCHY_ENABLED", "flags.memory_hierarchy_enabled", "boolean"),
  v("HYBRID_KILL_SWITCH", "flags.kill_switch", "boolean"),
  v("HYBRID_ROLLOUT_PERCENTAGE", "rollout.percentage", "integer"),
  v("HYBRID_ROLLOUT_SALT", "rollout.salt", "string"),
  v("HYBRID_ROLLOUT_BY", "rollout.by", "string"),
  v("HYBRID_ROLLOUT_ELIGIBLE_TASK_TYPES", "rollout.eligibleTaskTypes", "list"),
  v("HYBRID_ROLLOUT_EXCLUDE", "rollout.exclude", "list"),
  v("MAX_PARALLEL_AGENTS", "concurrency.maxParallel", "integer"),
  v("HYBRID_MAX_PER_WAVE", "concurrency.maxPerWave", "integer"),
  v("HYBRID_HARD_CAP", "context.hardCap", "integer"),
  v("MAX_L2_COMMENTS", "context.maxL2Comments", "integer"),
  v("HYBRID_TOKEN_ENCODING", "context.encoding", "string"),
  v("HYBRID_TIMEOUT_MS", "resilience.timeoutMs", "integer"),
  v("HYBRID_MAX_ATTEMPTS", "resilience.retry.maxAttempts", "integer"),
  v("HYBRID_GITHUB_ENABLED", "github.enabled", "boolean"),
  v("HYBRID_ESCALATION_OWNER", "escalation.owner", "string"),
]);

/** The environment variables of the four flags: what the flag reader re-reads at a wave boundary. */
export const FLAG_ENV_VARIABLES = CONFIG_ENV_VARIABLES.filter((entry) => entry.keys[0] === "flags");

const BOOLEANS = new Map([
  ["true", true],
  ["1", true],
  ["false", false],
  ["0", false],
]);

/** A variable's value, or why it cannot be read. Empty (or blank) means unset. */
export function parseEnvValue(kind: EnvKind, raw: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const text = raw.trim();
  switch (kind) {
    case "boolean": {
      const value = BOOLEANS.get(text.toLowerCase());
      return value === undefined ? { ok: false, message: `expected true, false, 1 or 0, got ${JSON.stringify(raw)}` } : { ok: true, value };
    }
    case "integer":
      // Digits only: "1e3", "0x10", "25%" and " 4 5" are mistakes, not numbers to guess at.
      return /^[0-9]{1,15}$/.test(text) ? { ok: true, value: Number(text) } : { ok: false, message: `expected a whole number, got ${JSON.stringify(raw)}` };
    case "list":
      return { ok: true, value: text.split(",").map((item) => item.trim()).filter((item) => item !== "") };
    case "string":
      return { ok: true, value: text };
  }
}

/** Overrides from `env` for `variables`, and a problem per variable that cannot be read. */
export function readEnv(
  env: Readonly<Record<string, string | undefined>>,
  variables: readonly EnvVariable[] = CONFIG_ENV_VARIABLES,
): { overrides: Override[]; problems: ConfigProblem[] } {
  const overrides: Override[] = [];
  const problems: ConfigProblem[] = [];
  for (const { variable, keys, kind } of variables) {
    const raw = Object.hasOwn(env, variable) ? env[variable] : undefined;
    if (raw === undefined || raw.trim() === "") continue;
    const parsed = parseEnvValue(kind, raw);
    if (parsed.ok) overrides.push({ keys, value: parsed.value, source: { kind: "env", variable } });
    else problems.push({ path: keys.join("."), message: parsed.message, variable });
  }
  return { overrides, problems };
}
