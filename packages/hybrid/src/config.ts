// `loadConfig`: the effective configuration of a run and where each value came from. Layers, lowest
// first: schema defaults < `hybrid.config.yaml` < the rollout state (`<stateDir>/rollout.json`) <
// environment variables < an OpenFeature provider. Reads only; nothing is written.
import { resolve } from "node:path";
import { redact as defaultRedact } from "@hybrid/context";
import { checkedRedact } from "@hybrid/resilience";
import { z } from "zod";
import { ConfigError, type ConfigProblem } from "./config-errors.js";
import { readEnv } from "./config-env.js";
import { readConfigFile, type ConfigFile } from "./config-file.js";
import { applyOverrides, attribute, checkOverride, type ConfigSource, type Override } from "./config-layers.js";
import { checkConfig } from "./config-problems.js";
import { readProvider, type FlagProvider } from "./config-provider.js";
import { HybridConfigSchema, type HybridConfig } from "./config-schema.js";
import { readRolloutState, rolloutStatePath, type RolloutState } from "./rollout-state.js";

/** The file read when `file` is not given, if it exists in `cwd`. */
export const DEFAULT_CONFIG_FILE = "hybrid.config.yaml";

const isFunction = (value: unknown): boolean => typeof value === "function";

/** Options of `loadConfig`. */
export const LoadConfigOptionsSchema = z.object({
  /** Config file, YAML or JSON; an explicit path that does not exist is an error. @default "./hybrid.config.yaml" when it exists, else none */
  file: z.string().min(1).optional(),
  /** Environment variables. @default process.env */
  env: z.custom<Readonly<Record<string, string | undefined>>>((value) => typeof value === "object" && value !== null).optional(),
  /** An OpenFeature server provider or client; its answers win over env and file. @default none */
  provider: z
    .custom<FlagProvider>((value) => typeof value === "object" && value !== null && ("resolveBooleanEvaluation" in value || "getBooleanDetails" in value), {
      message: "expected an OpenFeature server Provider or Client",
    })
    .optional(),
  /** State directory whose `rollout.json` is layered in (percentage and kill switch). @default none */
  stateDir: z.string().min(1).optional(),
  /** Applied to warnings (provider error messages may carry URLs with credentials). @default @hybrid/context's redact */
  redact: z.custom<(text: string) => string>(isFunction, { message: "expected a (text) => string function" }).optional(),
  /** Directory a relative `file` is resolved against. @default process.cwd() */
  cwd: z.string().min(1).optional(),
  /** Longest wait for the provider (readiness, then each flag); past it the flag is left to lower layers. @default 2000 */
  providerTimeoutMs: z.number().int().positive().max(600_000).default(2000),
});
/** Options of `loadConfig`. */
export type LoadConfigOptions = z.input<typeof LoadConfigOptionsSchema>;

/** The effective configuration, and where each leaf came from. */
export interface LoadedConfig {
  config: HybridConfig;
  /** Keyed by dot path (`flags.kill_switch`, `concurrency.caps.security`); every leaf has one. */
  sources: Map<string, ConfigSource>;
  /** The config file read, if any. */
  file: string | undefined;
  /** The state directory whose rollout state was layered in, if any. */
  stateDir: string | undefined;
  /** The rollout state read from `stateDir`, if there was one. */
  state: RolloutState | undefined;
  /** Provider hiccups and overrides that did not take (redacted). */
  warnings: string[];
}

/** What the flag reader needs to recompute the flags later: the layers, not only their result. */
export interface LoadInternals {
  base: HybridConfig;
  baseSources: Map<string, ConfigSource>;
  env: Readonly<Record<string, string | undefined>>;
  envOverrides: Override[];
  provider: FlagProvider | undefined;
  providerOverrides: Override[];
  providerTimeoutMs: number;
  redact: (text: string) => string;
}
const internals = new WeakMap<LoadedConfig, LoadInternals>();
/** The layers behind a `LoadedConfig` made by `loadConfig` (undefined for one made by hand). */
export const internalsOf = (loaded: LoadedConfig): LoadInternals | undefined => internals.get(loaded);

/** The overrides the rollout state makes: its stage as the percentage, and the kill switch when engaged. */
export function stateOverrides(state: RolloutState | undefined, stateDir: string): Override[] {
  if (state === undefined) return [];
  const source: ConfigSource = { kind: "state", file: rolloutStatePath(stateDir) };
  const overrides: Override[] = [{ keys: ["rollout", "percentage"], value: state.stage, source }];
  if (state.killSwitch) overrides.push({ keys: ["flags", "kill_switch"], value: true, source });
  return overrides;
}

function parseOptions(options: LoadConfigOptions): z.output<typeof LoadConfigOptionsSchema> {
  const parsed = LoadConfigOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({ path: `options.${z.core.toDotPath(issue.path)}`, message: issue.message }));
  throw new ConfigError(problems, { cause: parsed.error });
}

interface FileLayer {
  /** The file read (or that failed to parse); undefined when the default file does not exist. */
  name: string | undefined;
  file?: ConfigFile;
  base: unknown;
  problems: ConfigProblem[];
}

async function fileLayer(file: string | undefined, cwd: string, defaultFile: string): Promise<FileLayer> {
  const path = file ?? defaultFile;
  const read = await readConfigFile(resolve(cwd, path));
  if (read.ok) {
    const config = { ...read.config, file: path };
    const checked = checkConfig(config.data, (keys, key) => ({ file: path, ...config.locate(keys, key) }));
    return checked.success
      ? { name: path, file: config, base: checked.data, problems: [] }
      : { name: path, file: config, base: undefined, problems: checked.problems };
  }
  if (read.notFound === true) {
    // Only the default file is optional: a path the caller named must exist.
    if (file === undefined) return { name: undefined, base: HybridConfigSchema.parse({}), problems: [] };
    throw new ConfigError([{ path: "", message: "no such file", file }], { file, code: "config-not-found" });
  }
  return { name: path, base: undefined, problems: read.problems.map((problem) => ({ ...problem, file: path })) };
}

/**
 * Loads the effective configuration: defaults < file < rollout state < environment < provider
 * (the kill switch is a latch: any layer can engage it, none above can release it).
 * @throws ConfigError with every problem at once (key path, and line/column in the file), or
 *   `config-not-found` when `file` was given and does not exist.
 * @throws RolloutStateError when `<stateDir>/rollout.json` exists but cannot be read.
 * @example
 * const { config, sources } = await loadConfig({ stateDir: ".hybrid" });
 * console.log(config.flags.kill_switch, sources.get("flags.kill_switch"));
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const opts = parseOptions(options);
  const cwd = opts.cwd ?? process.cwd();
  const redact = checkedRedact(opts.redact ?? defaultRedact, "loadConfig");
  const env = opts.env ?? process.env;
  const layer = await fileLayer(opts.file, cwd, opts.cwd === undefined ? DEFAULT_CONFIG_FILE : resolve(cwd, DEFAULT_CONFIG_FILE));
  // Resolved only against an explicit cwd, so a relative state dir stays relative for messages.
  const stateDir = opts.stateDir === undefined || opts.cwd === undefined ? opts.stateDir : resolve(cwd, opts.stateDir);
  const state = stateDir === undefined ? undefined : await readRolloutState(stateDir);
  const fromState = stateDir === undefined ? [] : stateOverrides(state, stateDir);
  const fromEnv = readEnv(env);
  const problems = [...layer.problems, ...fromEnv.problems, ...fromEnv.overrides.flatMap(checkOverride)];
  const warnings: string[] = [];
  let providerOverrides: Override[] = [];
  if (opts.provider !== undefined && layer.base !== undefined) {
    const below = applyOverrides(layer.base as HybridConfig, [...fromState, ...fromEnv.overrides]).config;
    const read = await readProvider(opts.provider, (keys) => keys.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], below), {
      timeoutMs: opts.providerTimeoutMs,
    });
    for (const failure of read.failures) warnings.push(redact(`[hybrid] flag provider: ${failure.flag}: ${failure.message}; the value below it is used`));
    problems.push(...read.overrides.flatMap(checkOverride));
    providerOverrides = read.overrides;
  }
  const file = layer.name;
  if (problems.length > 0) throw new ConfigError(problems, { file });
  const base = layer.base as HybridConfig;
  const baseSources = attribute(base, layer.file);
  const overrides = [...fromState, ...fromEnv.overrides, ...providerOverrides];
  const applied = applyOverrides(base, overrides, baseSources);
  warnings.push(...applied.warnings.map(redact));
  const loaded: LoadedConfig = {
    config: HybridConfigSchema.parse(applied.config),
    sources: applied.sources,
    file,
    stateDir,
    state,
    warnings,
  };
  internals.set(loaded, {
    base,
    baseSources,
    env,
    envOverrides: fromEnv.overrides,
    provider: opts.provider,
    providerOverrides,
    providerTimeoutMs: opts.providerTimeoutMs,
    redact,
  });
  return loaded;
}
