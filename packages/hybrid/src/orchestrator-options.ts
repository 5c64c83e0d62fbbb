// What both orchestrators are built from. Everything but the runner has a default: stage 0 config
// (hybrid off), `.hybrid/` as state directory, context's `redact` as the one redactor.
import type { ContextProvider, TokenEstimator } from "@hybrid/context";
import type { AgentRunner, DispatchEvent, HandoffSink } from "@hybrid/dispatch";
import { z } from "zod";
import { HybridConfigSchema } from "./config-schema.js";
import type { HybridConfig, HybridConfigInput } from "./config-schema.js";
import type { LoadedConfig } from "./config.js";
import type { FlagReader } from "./flags.js";
import type { QualityGate } from "./gate-contract.js";
import { OrchestratorOptionsError } from "./orchestrator-errors.js";

const fn = <T>() => z.custom<T>((value) => typeof value === "function", "expected a function");
const object = <T>(what: string) => z.custom<T>((value) => typeof value === "object" && value !== null, `expected ${what}`);

/** Options of `new HybridOrchestrator(…)` and `new SequentialOrchestrator(…)`. */
export const OrchestratorOptionsSchema = z.strictObject({
  /** What `loadConfig` returned, or a config object. @default every default (stage 0: hybrid off) */
  config: object<LoadedConfig | HybridConfigInput>("a config").optional(),
  /** Runs each attempt of each node (command, model, simulated or your own `AgentRunner`). */
  runner: object<AgentRunner>("an AgentRunner").refine((value) => typeof (value as AgentRunner).run === "function", "expected an AgentRunner with run(task, signal)"),
  /** State directory: journals, ledger, run records, cache, progress. @default ".hybrid" */
  stateDir: z.string().min(1).default(".hybrid"),
  /** Repository root the nodes' `docs` paths are read from (L3). @default process.cwd() */
  repoRoot: z.string().min(1).optional(),
  /** The one redactor, given to everything that writes or prompts. @default `@hybrid/context`'s `redact` */
  redact: fn<(text: string) => string>().optional(),
  /** Where handoffs (and escalations) go. @default GitHub when `github.enabled`, else the ledger in `stateDir` */
  handoffSink: object<HandoffSink>("a HandoffSink").optional(),
  /** Replace the L2 (beside upstream handoffs) and L3 providers. @default GitHub comments (when enabled) / docs under `repoRoot` */
  providers: z.strictObject({ l2: z.array(object<ContextProvider>("a provider")).optional(), l3: z.array(object<ContextProvider>("a provider")).optional() }).optional(),
  /** Token counter of prompts and baselines. @default tiktoken with `context.encoding` */
  estimator: object<TokenEstimator>("a TokenEstimator").optional(),
  /** Epoch ms. @default Date.now */
  clock: fn<() => number>().optional(),
  /** Gates that replace built-in ones, by id. @default [] */
  gates: z.array(object<QualityGate>("a QualityGate")).default([]),
  /** Re-reads the flags at every wave boundary. @default one made from `config` (env and provider re-read) */
  flagReader: object<FlagReader>("a FlagReader").optional(),
  /** Environment for secrets (the GitHub token). @default process.env */
  env: z.record(z.string(), z.string().optional()).optional(),
  /** Told every journaled event of every run. @default none */
  onEvent: fn<(event: DispatchEvent) => void>().optional(),
  /** Told what went wrong beside a run without failing it (progress comment, escalation, flag reads); also in `RunResult.warnings`. @default process.emitWarning */
  onWarning: fn<(message: string) => void>().optional(),
  /** `gen_ai.provider.name` of the runner, for telemetry. @default "_OTHER" */
  providerName: z.string().min(1).optional(),
  /** Seed of retry jitter (a resume keeps its run's). @default random */
  seed: z.number().int().optional(),
});
/** What an orchestrator is built from. */
export type OrchestratorOptions = z.input<typeof OrchestratorOptionsSchema>;
/** The options with defaults filled in. */
export type ResolvedOrchestratorOptions = z.output<typeof OrchestratorOptionsSchema>;

const isLoaded = (value: unknown): value is LoadedConfig =>
  typeof value === "object" && value !== null && "config" in value && "sources" in value && (value as LoadedConfig).sources instanceof Map;

/** Validates the options; the config as `loadConfig` returned it, or parsed from a plain object. */
export function resolveOptions(options: OrchestratorOptions): { options: ResolvedOrchestratorOptions; config: HybridConfig; loaded?: LoadedConfig } {
  const result = OrchestratorOptionsSchema.safeParse(options);
  if (!result.success) {
    throw new OrchestratorOptionsError(result.error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message })), { cause: result.error });
  }
  const given = result.data.config;
  if (isLoaded(given)) return { options: result.data, config: given.config, loaded: given };
  const parsed = HybridConfigSchema.safeParse(given ?? {});
  if (!parsed.success) {
    throw new OrchestratorOptionsError(
      parsed.error.issues.map((issue) => ({ path: `config.${z.core.toDotPath(issue.path)}`, message: issue.message })),
      { cause: parsed.error },
    );
  }
  return { options: result.data, config: parsed.data };
}
