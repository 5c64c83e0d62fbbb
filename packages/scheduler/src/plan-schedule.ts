import {
  buildGraph,
  criticalPath,
  nodeWaves,
  planWaves,
  remainingPath,
  type CriticalPath,
  type DependencyGraph,
  type NodeSpec,
  type Priority,
  type WorkflowMeta,
} from "@hybrid/graph";
import { canonicalJson, sha256 } from "./canonical.js";
import { ScheduleOptionsSchema, parseOptions, type ScheduleConfig, type ScheduleOptions } from "./options.js";
import { RankHeap } from "./ready-queue.js";

/**
 * Bumped when the plan's canonical form changes meaning, so old hashes never collide with new.
 * 2: only the workflow fields that change execution are hashed (see `executionMeta`); RFC 8785
 * canonical JSON.
 */
const PLAN_FORMAT = 2;

/**
 * The workflow's own fields that change how it executes: its id (the run, its journal and its run
 * records are that workflow's) and its format version (what the node fields mean). `description` is prose and `taskType` only a telemetry
 * breakdown key: editing either leaves every node, the order and the waves as they were, so it must
 * not turn a resume into a forced one. The nodes (every field) and the schedule config are hashed
 * beside this.
 */
function executionMeta(workflow: Readonly<WorkflowMeta>): Pick<WorkflowMeta, "id" | "version"> {
  return { id: workflow.id, version: workflow.version };
}

/** A node as the plan carries it: enough to run or simulate it without the graph. */
export interface PlannedNode {
  id: string;
  agent: string;
  priority: Priority;
  /** The node's frozen spec (`dependsOn` sorted). */
  spec: NodeSpec;
  /** Direct dependencies, sorted. */
  dependsOn: readonly string[];
  /** Direct dependents, sorted. */
  dependents: readonly string[];
  /** Index into `plan.waves` (0 for nodes without dependencies). */
  wave: number;
  /** Position in the plan's total order (`plan.order`); lower is served first among ready nodes. */
  rank: number;
  /** Weight of the longest path from this node to the end, itself included. */
  remainingMs: number;
  /** sha256 of the node's canonical spec: what replay compares to keep or redo its output. */
  specHash: string;
}

/** A deterministic schedule: a pure function of the workflow and the options. */
export interface SchedulePlan {
  /**
   * sha256 of what changes execution: every field of every node, the workflow's id and format
   * version, and the config; not the workflow's `description` or `taskType`.
   */
  planHash: string;
  workflowId: string;
  taskType?: string;
  workflow: Readonly<WorkflowMeta>;
  config: Readonly<ScheduleConfig>;
  /** Minimal waves; inside a wave, plan order. */
  waves: string[][];
  criticalPath: CriticalPath;
  /** The topological order the legacy sequential mode runs in (plan order among ready nodes). */
  sequentialOrder: string[];
  /** Every node in plan order: priority class, longer remaining critical path, then id. */
  order: string[];
  /**
   * The nodes by id, in a record without a prototype: `nodes["toString"]` is undefined unless the
   * workflow has a node of that id.
   */
  nodes: Record<string, PlannedNode>;
}

/**
 * Plans a graph: waves, critical path, the total ready order and the sequential order, and a hash
 * that changes with any node field, the workflow id or an option, but not with declaration order
 * (nor with the workflow's description or taskType).
 *
 * @example
 * const plan = planSchedule(buildGraph(await loadWorkflow("epic.yaml")));
 * console.log(plan.waves, plan.criticalPath.nodes, plan.planHash);
 */
export function planSchedule(input: DependencyGraph | object, options?: ScheduleOptions): SchedulePlan {
  // A workflow spec is accepted too; buildGraph returns a graph unchanged.
  const graph = buildGraph(input);
  const config = parseOptions(ScheduleOptionsSchema, options, "schedule options");
  const weight = (node: NodeSpec) => node.estimateMs ?? config.defaultEstimateMs;
  const classOf = new Map(config.priorityOrder.map((priority, index) => [priority, index]));
  const remaining = remainingPath(graph, weight);
  const waveOf = nodeWaves(graph);

  // Sort positions with precomputed keys: a comparator that looked nodes up by id would dominate
  // planning time on large graphs.
  const ids = graph.ids;
  const specs = graph.nodes();
  const classKey = specs.map((spec) => classOf.get(spec.priority)!);
  const pathKey = ids.map((id) => remaining.get(id)!);
  const positions = ids.map((_, i) => i);
  // Positions ascend with ids, so the last tie-breaker is a number comparison.
  positions.sort((a, b) => classKey[a]! - classKey[b]! || pathKey[b]! - pathKey[a]! || a - b);
  const order = positions.map((i) => ids[i]!);
  const rank = new Map(order.map((id, index) => [id, index]));
  const byRank = (a: string, b: string) => rank.get(a)! - rank.get(b)!;

  const nodes = Object.create(null) as Record<string, PlannedNode>;
  const canonicalNodes: string[] = [];
  for (const spec of graph.nodes()) {
    const text = canonicalJson(spec);
    canonicalNodes.push(text);
    nodes[spec.id] = {
      id: spec.id,
      agent: spec.agent,
      priority: spec.priority,
      spec,
      dependsOn: spec.dependsOn,
      dependents: Object.freeze(graph.successors(spec.id)),
      wave: waveOf.get(spec.id)!,
      rank: rank.get(spec.id)!,
      remainingMs: remaining.get(spec.id)!,
      specHash: sha256(text),
    };
  }

  // The canonical JSON of [header, nodes], assembled from the node texts made for specHash above
  // rather than serialising every node twice. graph.nodes() is in sorted-id order and each spec's
  // dependsOn is sorted, so the text does not depend on how the workflow was declared.
  const header = { format: PLAN_FORMAT, workflow: executionMeta(graph.workflow), config };
  const planHash = sha256(`[${canonicalJson(header)},[${canonicalNodes.join(",")}]]`);

  // Frozen because a plan is a value named by its hash; nothing relies on it being frozen.
  return freezePlan({
    planHash,
    workflowId: graph.workflow.id,
    ...(graph.workflow.taskType !== undefined ? { taskType: graph.workflow.taskType } : {}),
    workflow: graph.workflow,
    config,
    waves: planWaves(graph).map((wave) => wave.sort(byRank)),
    criticalPath: criticalPath(graph, weight),
    sequentialOrder: sequentialOrder(order, nodes),
    order,
    nodes,
  });
}

function freezePlan(plan: SchedulePlan): SchedulePlan {
  for (const id of plan.order) Object.freeze(plan.nodes[id]);
  for (const wave of plan.waves) Object.freeze(wave);
  Object.freeze(plan.waves);
  Object.freeze(plan.order);
  Object.freeze(plan.sequentialOrder);
  Object.freeze(plan.nodes);
  Object.freeze(plan.config.priorityOrder);
  Object.freeze(plan.config);
  Object.freeze(plan.criticalPath.nodes);
  Object.freeze(plan.criticalPath);
  return Object.freeze(plan);
}

/** List scheduling with one worker: repeatedly the first ready node in plan order. */
function sequentialOrder(order: readonly string[], nodes: Record<string, PlannedNode>): string[] {
  const waiting = order.map((id) => nodes[id]!.dependsOn.length);
  const ready = new RankHeap();
  waiting.forEach((count, r) => count === 0 && ready.push(r));
  const out: string[] = [];
  for (let r = ready.pop(); r !== undefined; r = ready.pop()) {
    const id = order[r]!;
    out.push(id);
    for (const dependent of nodes[id]!.dependents) {
      const d = nodes[dependent]!.rank;
      if (--waiting[d]! === 0) ready.push(d);
    }
  }
  return out;
}
