// `hybrid flags`: the effective flags and rollout, each value with the layer it came from (default,
// file with line, rollout state, environment variable), as `loadConfig` attributes them; with
// `--workflow`, the mode `selectStrategy` would choose for that workflow and why. Reads only.
import { loadConfig } from "../config.js";
import { formatConfigSource } from "../config-layers.js";
import type { ConfigSource } from "../config-layers.js";
import { FLAG_NAMES } from "../config-schema.js";
import { selectStrategy } from "../strategy.js";
import type { Strategy } from "../strategy.js";
import type { Io } from "./io.js";
import { checkWorkflow } from "./workflow-input.js";

/** The options of `hybrid flags`. */
export interface FlagsOptions {
  config?: string;
  stateDir: string;
  workflow?: string;
}

/** One effective value and where it came from. */
export interface SourcedValue {
  value: unknown;
  source: ConfigSource;
  /** `source` in words: `env HYBRID_KILL_SWITCH`, `file hybrid.config.yaml:3:3`, `default`. */
  from: string;
}

/** What `hybrid flags --json` prints. */
export interface FlagsDocument {
  /** The config file read, or null when there was none. */
  file: string | null;
  stateDir: string;
  flags: Record<string, SourcedValue>;
  rollout: Record<string, SourcedValue>;
  /** With `--workflow`: what `selectStrategy` says for it. */
  strategy?: Strategy & { workflowId: string };
  warnings: string[];
}

const ROLLOUT_KEYS = ["percentage", "salt", "by", "eligibleTaskTypes", "exclude"] as const;

/** Runs `hybrid flags`; returns the exit code. */
export async function flagsCommand(options: FlagsOptions, io: Io): Promise<number> {
  const loaded = await loadConfig({ ...(options.config !== undefined ? { file: options.config } : {}), stateDir: options.stateDir });
  const sourced = (path: string, value: unknown): SourcedValue => {
    const source = loaded.sources.get(path) ?? { kind: "default" };
    return { value, source, from: formatConfigSource(source) };
  };
  const config = loaded.config;
  const doc: FlagsDocument = {
    file: loaded.file ?? null,
    stateDir: options.stateDir,
    flags: Object.fromEntries(FLAG_NAMES.map((name) => [name, sourced(`flags.${name}`, config.flags[name])])),
    rollout: Object.fromEntries(ROLLOUT_KEYS.map((key) => [key, sourced(`rollout.${key}`, config.rollout[key])])),
    warnings: loaded.warnings,
  };
  if (options.workflow !== undefined) {
    const { spec } = await checkWorkflow(options.workflow, ".");
    doc.strategy = { workflowId: spec.id, ...selectStrategy(config, spec) };
  }
  const width = Math.max(...[...FLAG_NAMES, ...ROLLOUT_KEYS.map((key) => `rollout.${key}`)].map((name) => name.length));
  const row = (name: string, entry: SourcedValue): string => `  ${name.padEnd(width)}  ${JSON.stringify(entry.value).padEnd(8)}  ${entry.from}`;
  const lines = [
    `config: ${doc.file ?? "(none: defaults)"}, state dir: ${doc.stateDir}`,
    ...Object.entries(doc.flags).map(([name, entry]) => row(name, entry)),
    ...Object.entries(doc.rollout).map(([key, entry]) => row(`rollout.${key}`, entry)),
    ...doc.warnings.map((warning) => `warning: ${warning}`),
  ];
  if (doc.strategy) {
    const s = doc.strategy;
    lines.push(`${s.workflowId} would run ${s.mode} (${s.reason}${s.bucket !== undefined ? `, bucket ${s.bucket}` : ""})`);
  }
  await io.result(doc, lines.join("\n"));
  return 0;
}
