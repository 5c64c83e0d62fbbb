// Everything an orchestrator is wired from, built once: one redactor handed to every writer and
// prompt (journal, ledger or GitHub sink, run store, telemetry, context cache, gates, escalation,
// progress), one estimator for prompts and baselines, the gate registry, the flag reader.
import { join } from "node:path";
import { createTiktokenEstimator, redact as contextRedact } from "@hybrid/context";
import type { TokenEstimator } from "@hybrid/context";
import { createGitHubSink, createLedgerSink } from "@hybrid/dispatch";
import type { HandoffSink } from "@hybrid/dispatch";
import { createFileCheckpointStore } from "@hybrid/resilience";
import type { CheckpointStore } from "@hybrid/resilience";
import { createJsonlRunStore } from "@hybrid/telemetry";
import type { JsonlRunStore } from "@hybrid/telemetry";
import type { HybridConfig } from "./config-schema.js";
import type { LoadedConfig } from "./config.js";
import { createEscalator } from "./escalation.js";
import type { Escalator } from "./escalation.js";
import { createFlagReader } from "./flags.js";
import type { FlagReader } from "./flags.js";
import { createGateRegistry } from "./gates/registry.js";
import type { GateRegistry } from "./gates/registry.js";
import type { ResolvedOrchestratorOptions } from "./orchestrator-options.js";
import { createProgressReporter } from "./progress.js";
import type { ProgressReporter } from "./progress.js";

/** What every run of one orchestrator shares. */
export interface Wiring {
  config: HybridConfig;
  stateDir: string;
  repoRoot: string;
  redact: (text: string) => string;
  clock: () => number;
  store: CheckpointStore;
  runStore: JsonlRunStore;
  handoffSink: HandoffSink;
  estimator: TokenEstimator;
  registry: GateRegistry;
  flags: FlagReader;
  escalator: Escalator;
  progress: ProgressReporter;
  /** GitHub access for L2 comments, when configured and a token is there. */
  github?: { baseUrl: string; auth: string; authors: readonly string[]; identity?: string };
}

/** Builds the wiring of an orchestrator from its resolved options. */
export function wire(options: ResolvedOrchestratorOptions, config: HybridConfig, loaded: LoadedConfig | undefined): Wiring {
  const redact = options.redact ?? contextRedact;
  const clock = options.clock ?? Date.now;
  const env = options.env ?? process.env;
  const stateDir = options.stateDir;
  const token = config.github.enabled ? env[config.github.tokenEnv] : undefined;
  const github = token ? { baseUrl: config.github.baseUrl, auth: token, authors: config.github.authors, ...(config.github.identity ? { identity: config.github.identity } : {}) } : undefined;
  const handoffSink =
    options.handoffSink ??
    (github ? createGitHubSink({ ...github, redact, ledgerDir: stateDir }) : createLedgerSink({ dir: stateDir, redact }));
  const epic = config.escalation.issue;
  // A config given as an object still has flags that the environment may change during a run.
  const base: LoadedConfig = loaded ?? { config, sources: new Map(), file: undefined, stateDir, state: undefined, warnings: [] };
  return {
    config,
    stateDir,
    repoRoot: options.repoRoot ?? process.cwd(),
    redact,
    clock,
    store: createFileCheckpointStore({ dir: stateDir, redact }),
    runStore: createJsonlRunStore({ dir: stateDir, redact }),
    handoffSink,
    estimator: options.estimator ?? createTiktokenEstimator({ encoding: config.context.encoding }),
    registry: createGateRegistry({ gates: options.gates, config: config.gates, redact }),
    // A loaded config's reader re-reads what `loadConfig` was given (its env, provider, state dir).
    flags: options.flagReader ?? createFlagReader(base, loaded ? (options.env ? { env: options.env } : {}) : { env, stateDir }),
    escalator: createEscalator({ sink: handoffSink, target: epic, owner: config.escalation.owner, redact, clock }),
    progress: createProgressReporter({
      stateDir,
      redact,
      ...(github && epic ? { github: { baseUrl: github.baseUrl, auth: github.auth, issue: epic, ...(github.identity ? { identity: github.identity } : {}) } } : {}),
    }),
    ...(github ? { github } : {}),
  };
}

/** Where a run's context cache lives. */
export const cacheDirOf = (wiring: Wiring): string => join(wiring.stateDir, "cache");
