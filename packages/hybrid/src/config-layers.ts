// The layers of the effective configuration (defaults < file < rollout state < env < provider):
// each layer above the file is a list of leaf overrides with their origin, applied in order, and
// every leaf of the result is attributed to the layer that set it.
import { z } from "zod";
import type { ConfigProblem } from "./config-errors.js";
import type { ConfigFile } from "./config-file.js";
import { checkConfig } from "./config-problems.js";
import type { HybridConfig } from "./config-schema.js";

/** Where one leaf of the effective configuration came from. */
export type ConfigSource =
  | { kind: "default" }
  | { kind: "file"; file: string; line?: number; column?: number }
  | { kind: "state"; file: string }
  | { kind: "env"; variable: string }
  | { kind: "provider"; flag: string; provider: string };

/** One leaf value set by a layer above the file. */
export interface Override {
  keys: readonly string[];
  value: unknown;
  source: ConfigSource;
}

/** `file hybrid.config.yaml:3:5`, `env HYBRID_KILL_SWITCH`, `provider in-memory (kill_switch)`, `state .hybrid/rollout.json`, `default`. */
export function formatConfigSource(source: ConfigSource): string {
  switch (source.kind) {
    case "default":
      return "default";
    case "file":
      return `file ${source.file}${source.line === undefined ? "" : `:${source.line}:${source.column ?? 1}`}`;
    case "state":
      return `state ${source.file}`;
    case "env":
      return `env ${source.variable}`;
    case "provider":
      return `provider ${source.provider} (${source.flag})`;
  }
}

function setAt(root: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = Object.create(null) as Record<string, unknown>;
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Leaves of a config: scalars, null, lists and empty mappings (so `caps: {}` has a source too). */
export function leaves(value: unknown, prefix: string[] = []): string[][] {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return [prefix];
  return Object.keys(value).flatMap((key) => leaves(value[key], [...prefix, key]));
}

function where(source: ConfigSource): Omit<ConfigProblem, "path" | "message"> {
  if (source.kind === "env") return { variable: source.variable };
  if (source.kind === "provider") return { flag: source.flag };
  if (source.kind === "state") return { file: source.file };
  return {};
}

/** Checks one override alone against the schema, so a bad value is reported against its own origin. */
export function checkOverride(override: Override): ConfigProblem[] {
  const input = Object.create(null) as Record<string, unknown>;
  setAt(input, override.keys, override.value);
  const checked = checkConfig(input, () => where(override.source));
  return checked.success ? [] : checked.problems;
}

const KILL_SWITCH = "flags.kill_switch";

/**
 * Applies overrides in order (later wins) to a copy of `base`, returning the result and the source
 * of every overridden path. The kill switch is a latch: a layer may turn it on, but `false` from a
 * higher layer never turns off a kill switch a lower layer engaged (a rollback must not be undone
 * by a flag service that merely defines `kill_switch: false`); that case is reported in `warnings`.
 */
export function applyOverrides(
  base: HybridConfig,
  overrides: readonly Override[],
  baseSources: ReadonlyMap<string, ConfigSource> = new Map(),
): { config: HybridConfig; sources: Map<string, ConfigSource>; warnings: string[] } {
  const config = structuredClone(base) as HybridConfig & Record<string, unknown>;
  const sources = new Map(baseSources);
  const warnings: string[] = [];
  for (const override of overrides) {
    const path = z.core.toDotPath([...override.keys]);
    if (path === KILL_SWITCH && override.value === false && config.flags.kill_switch) {
      const holder = sources.get(KILL_SWITCH) ?? { kind: "default" };
      warnings.push(`[hybrid] ${formatConfigSource(override.source)} says kill_switch=false, but the kill switch stays on: it was engaged by ${formatConfigSource(holder)}`);
      continue;
    }
    setAt(config, override.keys, override.value);
    sources.set(path, override.source);
  }
  return { config, sources, warnings };
}

/** The source of every leaf of `config` (file and defaults only): the file when it holds the key, else the default. */
export function attribute(config: HybridConfig, file: ConfigFile | undefined): Map<string, ConfigSource> {
  const sources = new Map<string, ConfigSource>();
  for (const keys of leaves(config)) {
    const inFile = file !== undefined && hasPath(file.data, keys);
    sources.set(z.core.toDotPath(keys), inFile ? { kind: "file", file: file.file, ...file.locate(keys) } : { kind: "default" });
  }
  return sources;
}

function hasPath(root: unknown, keys: readonly string[]): boolean {
  let node = root;
  for (const key of keys) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return true;
}
