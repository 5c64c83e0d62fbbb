import { buildGraph } from "./build-graph.js";
import { DependencyGraph, indexOf } from "./graph.js";
import type { NodeSpec } from "./workflow-schema.js";

/**
 * Weight of each node on the critical path: a function of the node's spec, or durations by id
 * (a record or a map; ids it lacks weigh `estimateMs ?? 1`). The default is `estimateMs ?? 1`.
 */
export type NodeWeight = ((node: NodeSpec) => number) | Readonly<Record<string, number>> | ReadonlyMap<string, number>;

export const defaultWeight = (node: NodeSpec): number => node.estimateMs ?? 1;

/** A graph, or anything `buildGraph` accepts (validated on the way). */
export type GraphInput = DependencyGraph | object;

const asGraph = (input: GraphInput): DependencyGraph => (input instanceof DependencyGraph ? input : buildGraph(input));

function weightFunction(weight: NodeWeight): (node: NodeSpec) => number {
  if (typeof weight === "function") return weight;
  if (weight instanceof Map) return (node) => weight.get(node.id) ?? defaultWeight(node);
  const record = weight as Readonly<Record<string, number>>;
  return (node) => (Object.hasOwn(record, node.id) ? record[node.id]! : defaultWeight(node));
}

/** Each node's wave: 0 for nodes without dependencies, else 1 + the largest wave of its dependencies. */
export function nodeWaves(input: GraphInput): Map<string, number> {
  const graph = asGraph(input);
  const { ids } = indexOf(graph);
  const wave = waveNumbers(graph);
  const out = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) out.set(ids[i]!, wave[i]!);
  return out;
}

function waveNumbers(graph: DependencyGraph): Uint32Array {
  const { topo, predOffsets, preds } = indexOf(graph);
  const wave = new Uint32Array(topo.length);
  for (const v of topo) {
    let w = 0;
    for (let e = predOffsets[v]!; e < predOffsets[v + 1]!; e++) {
      const candidate = wave[preds[e]!]! + 1;
      if (candidate > w) w = candidate;
    }
    wave[v] = w;
  }
  return wave;
}

/**
 * The minimal waves: wave k holds the nodes whose longest chain of dependencies has k edges, so
 * every dependency sits in an earlier wave and no plan has fewer waves. Ids are sorted in a wave.
 */
export function planWaves(input: GraphInput): string[][] {
  const graph = asGraph(input);
  const { ids } = indexOf(graph);
  const wave = waveNumbers(graph);
  const waves: string[][] = [];
  // Ascending positions are ascending ids, so pushing in position order keeps each wave sorted.
  for (let i = 0; i < ids.length; i++) (waves[wave[i]!] ??= []).push(ids[i]!);
  return waves;
}

function weights(graph: DependencyGraph, weightOf: NodeWeight): Float64Array {
  const weight = weightFunction(weightOf);
  const nodes = graph.nodes();
  const out = new Float64Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const w = weight(nodes[i]!);
    if (!Number.isFinite(w) || w < 0) {
      throw new RangeError(`[graph] weight of "${nodes[i]!.id}" must be a finite number >= 0, got ${w}`);
    }
    out[i] = w;
  }
  return out;
}

/** A longest weighted path through the graph, dependencies first. */
export interface CriticalPath {
  nodes: string[];
  length: number;
}

/**
 * The critical path: the chain of dependencies with the largest total weight. Ties go to the
 * smaller id, so the answer is deterministic.
 */
export function criticalPath(input: GraphInput, weight: NodeWeight = defaultWeight): CriticalPath {
  const graph = asGraph(input);
  const { ids, topo, predOffsets, preds } = indexOf(graph);
  const w = weights(graph, weight);
  const finish = new Float64Array(ids.length);
  const via = new Int32Array(ids.length).fill(-1);
  for (const v of topo) {
    let best = -1;
    for (let e = predOffsets[v]!; e < predOffsets[v + 1]!; e++) {
      const p = preds[e]!;
      // preds are ascending, so a strict comparison keeps the smallest id among equals.
      if (best === -1 || finish[p]! > finish[best]!) best = p;
    }
    via[v] = best;
    finish[v] = w[v]! + (best === -1 ? 0 : finish[best]!);
  }
  let end = -1;
  for (let i = 0; i < ids.length; i++) if (end === -1 || finish[i]! > finish[end]!) end = i;
  if (end === -1) return { nodes: [], length: 0 };
  const path: string[] = [];
  for (let at = end; at !== -1; at = via[at]!) path.push(ids[at]!);
  return { nodes: path.reverse(), length: finish[end]! };
}

/**
 * For every node, the weight of the longest path from it to the end of the graph, itself included
 * (its "remaining critical path"). A scheduler that starts larger values first shortens the makespan.
 */
export function remainingPath(input: GraphInput, weight: NodeWeight = defaultWeight): Map<string, number> {
  const graph = asGraph(input);
  const { ids, topo, succOffsets, succs } = indexOf(graph);
  const w = weights(graph, weight);
  const rest = new Float64Array(ids.length);
  for (let k = topo.length - 1; k >= 0; k--) {
    const v = topo[k]!;
    let longest = 0;
    for (let e = succOffsets[v]!; e < succOffsets[v + 1]!; e++) {
      if (rest[succs[e]!]! > longest) longest = rest[succs[e]!]!;
    }
    rest[v] = w[v]! + longest;
  }
  const out = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) out.set(ids[i]!, rest[i]!);
  return out;
}
