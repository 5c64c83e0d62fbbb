// The whole public API of @hybrid/hybrid.
export {
  ConcurrencySchema,
  ContextConfigSchema,
  EscalationSchema,
  FLAG_NAMES,
  FlagsSchema,
  GATE_IDS,
  GatesConfigSchema,
  GitHubConfigSchema,
  HybridConfigSchema,
  ResilienceConfigSchema,
  ROLLOUT_STAGES,
  RolloutSchema,
} from "./config-schema.js";
export type { FlagName, GateId, HybridConfig, HybridConfigInput } from "./config-schema.js";
export type { GateContext, GateLogEntry, GatePrompt, GateStage, GateVerdict, JoinInput, JoinResolution, QualityGate } from "./gate-contract.js";
