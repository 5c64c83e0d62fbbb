// The orchestrator a CLI run uses. `--mode auto` is HybridOrchestrator as configured (it asks
// `selectStrategy`). `--mode sequential` is SequentialOrchestrator. `--mode hybrid` is
// HybridOrchestrator with the hybrid flag forced on and the rollout opened to this workflow — at
// the start and at every wave boundary — while the kill switch is read as it is, so it still wins.
import type { HybridConfig } from "../config-schema.js";
import type { LoadedConfig } from "../config.js";
import { formatConfigSource } from "../config-layers.js";
import { createFlagReader } from "../flags.js";
import type { FlagReader } from "../flags.js";
import { HybridOrchestrator, SequentialOrchestrator } from "../orchestrator.js";
import type { RunHooks } from "./execute-run.js";
import type { CreatedRunner } from "./runners.js";

/** `--mode`. */
export type CliMode = "auto" | "hybrid" | "sequential";

/** What the orchestrator of one run is built from. */
export interface OrchestratorSetup {
  loaded: LoadedConfig;
  mode: CliMode;
  maxParallel?: number | undefined;
  created: CreatedRunner;
  stateDir: string;
  repoRoot: string;
  seed?: number | undefined;
}

/** The configuration a mode runs with (`--max-parallel` applied). */
function configFor(setup: OrchestratorSetup): HybridConfig {
  const { config } = setup.loaded;
  const concurrency = setup.maxParallel !== undefined ? { ...config.concurrency, maxParallel: setup.maxParallel } : config.concurrency;
  if (setup.mode !== "hybrid") return { ...config, concurrency };
  return {
    ...config,
    concurrency,
    flags: { ...config.flags, hybrid_orchestration_enabled: true },
    rollout: { ...config.rollout, percentage: 100, eligibleTaskTypes: [], exclude: [] },
  };
}

/** The flag reader of a mode: `--mode hybrid` keeps the hybrid flag on, never the kill switch off. */
export function flagReaderFor(loaded: LoadedConfig, mode: CliMode): FlagReader {
  const reader = createFlagReader(loaded);
  if (mode !== "hybrid") return reader;
  return {
    async read() {
      const read = await reader.read();
      return { ...read, flags: { ...read.flags, hybrid_orchestration_enabled: true } };
    },
  };
}

/** Builds the orchestrator of a run, its hooks wired in. */
export function buildOrchestrator(setup: OrchestratorSetup, hooks: RunHooks): HybridOrchestrator | SequentialOrchestrator {
  const options = {
    config: { ...setup.loaded, config: configFor(setup) },
    runner: setup.created.runner,
    stateDir: setup.stateDir,
    repoRoot: setup.repoRoot,
    flagReader: flagReaderFor(setup.loaded, setup.mode),
    onEvent: hooks.onEvent,
    onWarning: hooks.onWarning,
    ...(setup.created.providerName ? { providerName: setup.created.providerName } : {}),
    ...(setup.seed !== undefined ? { seed: setup.seed } : {}),
  };
  return setup.mode === "sequential" ? new SequentialOrchestrator(options) : new HybridOrchestrator(options);
}

/** Why a run will not go the way `--mode` asked, said before it starts; undefined when it will. */
export async function modeNotice(loaded: LoadedConfig, mode: CliMode): Promise<string | undefined> {
  if (mode === "sequential") return undefined;
  const { flags, sources } = await createFlagReader(loaded).read();
  const from = (flag: string): string => formatConfigSource(sources.get(`flags.${flag}`) ?? { kind: "default" });
  if (flags.kill_switch) return `the kill switch is on (${from("kill_switch")}): the run goes sequential${mode === "hybrid" ? " despite --mode hybrid" : ""}`;
  if (mode === "auto" && !flags.hybrid_orchestration_enabled) {
    return `hybrid is off (flags.hybrid_orchestration_enabled from ${from("hybrid_orchestration_enabled")}): the run goes sequential; --mode hybrid runs the graph`;
  }
  return undefined;
}
