// The flags at a wave boundary. The orchestrator calls `read()` between waves, so a kill switch
// thrown in the environment, the flag service or the rollout state takes effect within one wave.
// The file is not re-read (a run keeps the configuration it started with); the layers above it are.
import { z } from "zod";
import { internalsOf, stateOverrides, type LoadedConfig } from "./config.js";
import { FLAG_ENV_VARIABLES, readEnv } from "./config-env.js";
import { applyOverrides, type ConfigSource, type Override } from "./config-layers.js";
import { PROVIDER_FLAGS, readProvider, type FlagProvider } from "./config-provider.js";
import { FLAG_NAMES, type HybridConfig } from "./config-schema.js";
import { readRolloutState } from "./rollout-state.js";

/** The four flags. */
export type Flags = HybridConfig["flags"];

/** Options of `createFlagReader`; each defaults to what `loadConfig` was given. */
export const FlagReaderOptionsSchema = z.object({
  /** Environment re-read at every call. @default loadConfig's env, else process.env */
  env: z.custom<Readonly<Record<string, string | undefined>>>((value) => typeof value === "object" && value !== null).optional(),
  /** OpenFeature provider or client re-read at every call. @default loadConfig's provider */
  provider: z.custom<FlagProvider>((value) => typeof value === "object" && value !== null).optional(),
  /** State directory whose rollout kill switch is re-read at every call. @default loadConfig's stateDir */
  stateDir: z.string().min(1).optional(),
  /** Longest wait for the provider per read; past it the last good values stay. @default loadConfig's providerTimeoutMs, else 2000 */
  timeoutMs: z.number().int().positive().max(600_000).optional(),
  /** Told every warning as well (they are also returned). @default none */
  onWarning: z.custom<(message: string) => void>((value) => typeof value === "function").optional(),
});
/** Options of `createFlagReader`. */
export type FlagReaderOptions = z.input<typeof FlagReaderOptionsSchema>;

/** The flags now, where each came from, and what went wrong reading them (never thrown). */
export interface FlagRead {
  flags: Flags;
  /** Keyed `flags.<name>`. */
  sources: Map<string, ConfigSource>;
  warnings: string[];
}

/** Reads the flags again; cheap, and never throws. */
export interface FlagReader {
  read(): Promise<FlagRead>;
}

const BOOLEAN_PROVIDER_FLAGS = PROVIDER_FLAGS.filter((entry) => entry.type === "boolean");
const keyOf = (override: Override): string => override.keys.join(".");

/**
 * Makes the reader of the flags at wave boundaries. Each `read()` recomputes the flags from the
 * file's values (as loaded), the rollout state's kill switch, the environment and the provider.
 * A layer that fails (an unreadable state file, an environment value that cannot be read, a
 * provider error or timeout) keeps its last good value, and the failure is reported as a warning.
 * @example
 * const flags = createFlagReader(loaded);
 * const { flags: now } = await flags.read(); // at every wave boundary
 * if (now.kill_switch) … // the rest of the run goes sequential
 */
export function createFlagReader(loaded: LoadedConfig, options: FlagReaderOptions = {}): FlagReader {
  const opts = FlagReaderOptionsSchema.parse(options);
  const inner = internalsOf(loaded);
  // A LoadedConfig made by hand has no layers: its own values are the base.
  const base = inner?.base ?? loaded.config;
  const given = inner?.baseSources ?? loaded.sources;
  const baseSources = new Map(FLAG_NAMES.map((name): [string, ConfigSource] => [`flags.${name}`, given?.get(`flags.${name}`) ?? { kind: "default" }]));
  const env = opts.env ?? inner?.env ?? process.env;
  const provider = opts.provider ?? inner?.provider;
  const stateDir = opts.stateDir ?? loaded.stateDir;
  const timeoutMs = opts.timeoutMs ?? inner?.providerTimeoutMs ?? 2000;
  const redact = inner?.redact ?? ((text: string) => text);
  const flagOnly = (overrides: readonly Override[]) => overrides.filter((override) => override.keys[0] === "flags");
  let lastState = flagOnly(stateOverrides(loaded.state, stateDir ?? ""));
  const lastEnv = new Map((inner?.envOverrides ?? []).filter((o) => o.keys[0] === "flags").map((o) => [keyOf(o), o]));
  const lastProvider = new Map(flagOnly(inner?.providerOverrides ?? []).map((o) => [keyOf(o), o]));

  async function readState(warnings: string[]): Promise<void> {
    if (stateDir === undefined) return;
    try {
      lastState = flagOnly(stateOverrides(await readRolloutState(stateDir), stateDir));
    } catch (error) {
      warnings.push(`[hybrid] rollout state: ${(error as Error).message.split("\n").join(" ")}; the last good kill switch is kept`);
    }
  }

  function readEnvironment(warnings: string[]): void {
    const { overrides, problems } = readEnv(env, FLAG_ENV_VARIABLES);
    const bad = new Set(problems.map((problem) => problem.path));
    for (const problem of problems) warnings.push(`[hybrid] ${problem.variable}: ${problem.message}; its last good value is kept`);
    for (const path of [...lastEnv.keys()]) if (!bad.has(path)) lastEnv.delete(path);
    for (const override of overrides) lastEnv.set(keyOf(override), override);
  }

  async function readFlagProvider(below: HybridConfig, warnings: string[]): Promise<void> {
    if (provider === undefined) return;
    const current = (keys: readonly string[]) => (below.flags as Record<string, unknown>)[keys[1]!];
    const read = await readProvider(provider, current, { timeoutMs, flags: BOOLEAN_PROVIDER_FLAGS });
    const failed = new Set<string>();
    for (const failure of read.failures) {
      failed.add(`flags.${failure.flag}`);
      warnings.push(`[hybrid] flag provider: ${failure.flag}: ${failure.message}; its last good value is kept`);
    }
    // A flag the provider stopped defining falls back to the layers below; a failed one keeps its value.
    for (const path of [...lastProvider.keys()]) if (!failed.has(path)) lastProvider.delete(path);
    for (const override of read.overrides) lastProvider.set(keyOf(override), override);
  }

  return {
    async read() {
      const warnings: string[] = [];
      try {
        await readState(warnings);
        readEnvironment(warnings);
        const below = applyOverrides(base, [...lastState, ...lastEnv.values()], baseSources).config;
        await readFlagProvider(below, warnings);
      } catch (error) {
        // Nothing above is expected to throw; if something does, the run goes on with the last good values.
        warnings.push(`[hybrid] reading the flags failed: ${(error as Error).message}; the last good values are kept`);
      }
      const applied = applyOverrides(base, [...lastState, ...lastEnv.values(), ...lastProvider.values()], baseSources);
      const all = [...warnings, ...applied.warnings].map((warning) => redact(warning));
      for (const warning of all) opts.onWarning?.(warning);
      const sources = new Map([...applied.sources].filter(([path]) => path.startsWith("flags.")));
      return { flags: applied.config.flags, sources, warnings: all };
    },
  };
}

