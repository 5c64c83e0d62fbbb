export { analyseWorkflow, buildGraph, validateWorkflow } from "./build-graph.js";
export { DependencyGraphBuilder } from "./builder.js";
export {
  GraphValidationError,
  UnknownNodeError,
  WorkflowLoadError,
  isGraphValidationError,
  isUnknownNodeError,
  isWorkflowLoadError,
} from "./errors.js";
export { DependencyGraph, ancestors, descendants, predecessors, successors } from "./graph.js";
export { loadWorkflow, parseWorkflow, workflowIdFromFile } from "./parse-workflow.js";
export { criticalPath, defaultWeight, nodeWaves, planWaves, remainingPath } from "./waves.js";
export {
  IssueRefSchema,
  JOIN_POLICIES,
  JoinSchema,
  NODE_ID_PATTERN,
  NodeIdSchema,
  NodeSpecSchema,
  PRIORITIES,
  PrioritySchema,
  WorkflowSchema,
} from "./workflow-schema.js";

export type { WorkflowAnalysis } from "./build-graph.js";
export type { BuilderNode } from "./builder.js";
export type { GraphProblem, ProblemCode } from "./errors.js";
export type { ParseWorkflowOptions } from "./parse-workflow.js";
export type { CriticalPath, GraphInput, NodeWeight } from "./waves.js";
export type {
  IssueRef,
  JoinPolicy,
  NodeSpec,
  NodeSpecInput,
  Priority,
  WorkflowInput,
  WorkflowMeta,
  WorkflowSpec,
} from "./workflow-schema.js";
